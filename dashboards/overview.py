"""总览 / Overview: every goal in one table, with counts by status and filters."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboards import phone, state
from monitor.present.filters import GoalFilter
from monitor.present.i18n import format_date, status_text, t
from monitor.present.overview import (
    SEVERITY,
    filter_rows,
    first_recorded,
    load_overview,
    period_ends,
    status_counts,
    with_changes,
)
from monitor.present.overview_table import table_html
from monitor.present.report import FORMATS, MEDIA_TYPES, build_report, default_out


@st.cache_data(ttl=state.TTL_S, show_spinner=False)
def known_overview(path: str, day: date, language: str, include_retired: bool = False,
                   source: str | None = None, as_of: date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The overview as the store knew it on ``day``, judged as of ``as_of`` (default: that day)."""
    return load_overview(state.store(path), as_of or day, language, known_on=day, include_retired=include_retired,
                         source=source)


@st.cache_data(ttl=state.TTL_S, show_spinner=False)
def first_day(path: str) -> date | None:
    return first_recorded(state.store(path))


lang = state.lang()
path = state.db_path()
today = state.as_of()
phone_slot = st.container(key="phone_overview")  # the phone's card list leads (dashboards/phone.py)
phone.url_known_on(today)
profile = state.profile(path)
documents = {s.id: s.title_in(lang) for s in profile.sources}
# The desktop's first row (hidden on a phone, which has its own filters: dashboards/phone.py).
top1, top2, top3 = st.container(key="ov_top").columns([1.2, 2.4, 1], vertical_alignment="bottom")
# "As known on": an optional past date; empty = the data known now.
known_on = top1.date_input(
    t("overview.known_on", lang), value=None, max_value=today, format="YYYY-MM-DD",
    help=t("overview.known_on_help", lang), key="ov_known_on",
)
# Only the goals whose target comes from one source document (the catalogue's `sources:`), by its title.
source = top2.selectbox(
    t("overview.filter_document", lang), list(documents), index=None, format_func=documents.__getitem__,
    placeholder=t("common.all", lang), key="ov_source", help=t("overview.filter_document_help", lang),
)
include_retired = top3.toggle(t("overview.include_retired", lang), key="ov_retired",
                              help=t("overview.include_retired_help", lang))
# Status at a chosen day (a month, quarter, half-year or year end), and the change since an earlier one:
# both judged on all the data held now (or as known on the day above), through monitor.status.
ends = period_ends(today)
end_kinds = dict(ends)
w1, w2, _ = st.container(key="ov_when").columns([1.2, 1.2, 2.6], vertical_alignment="bottom")
status_day = w1.selectbox(
    t("overview.status_day", lang), [None, *[d for d, _ in ends]], key="ov_as_of",
    format_func=lambda d: (t("overview.status_today", lang, day=today.isoformat()) if d is None
                           else f"{d.isoformat()} · {t(f'period_end.{end_kinds[d]}', lang)}"),
    help=t("overview.status_day_help", lang),
)
shown_day = status_day or (known_on or today)
compare_day = w2.selectbox(
    t("overview.compare_day", lang), [None, *[d for d, _ in ends if d < shown_day]], key="ov_since",
    format_func=lambda d: (t("overview.compare_none", lang) if d is None
                           else f"{d.isoformat()} · {t(f'period_end.{end_kinds[d]}', lang)}"),
    help=t("overview.compare_day_help", lang),
)
if known_on is None:
    if status_day is None:
        records, rows = state.overview(path, today, lang, include_retired, source)
    else:
        records, rows = state.overview(path, status_day, lang, include_retired, source)
        st.info(t("overview.status_day_note", lang, day=format_date(status_day, lang)))
else:
    records, rows = known_overview(path, known_on, lang, include_retired, source, status_day)
    st.info(t("overview.known_on_note", lang, day=known_on.isoformat()))
    first = first_day(path)
    if not records and (first is None or known_on < first):
        # Before any data the store knew nothing: say so rather than show an empty table.
        st.warning(t("overview.known_on_before_data", lang, day=known_on.isoformat(),
                     first=first.isoformat() if first else "—"))
        st.stop()
change_counts = None
if compare_day is not None:
    if known_on is None:
        then_records, _ = state.overview(path, compare_day, lang, include_retired, source)
    else:
        then_records, _ = known_overview(path, known_on, lang, include_retired, source, compare_day)
    rows = [dict(r) for r in rows]  # the cached rows stay as they were
    change_counts = with_changes(rows, records, then_records, lang)
state.warn_unusable(path, lang)

# ---- Counts by status: icon and word, so they survive colour blindness and greyscale printing.
# Goals with a target first; figures tracked without one are context, counted apart.
with_target = [r for r in rows if r["status_code"] != "no_target"]
counts = [(t("overview.total", lang), len(with_target))]
counts += [(status_text(s, lang), n) for s, n in status_counts(with_target)]
counts.append((f"➖ {t('overview.tracked', lang)}", len(rows) - len(with_target)))
counts.append((f"⏰ {t('overview.stale_count', lang)}", sum(1 for r in rows if r["stale"])))
with st.container(horizontal=True, gap="small", key="ov_counts"):
    for label, n in counts:
        st.metric(label, n, border=True, width="stretch")

# ---- Filters.
# The catalogue's domains in its order, then any the store holds that it does not declare.
domains_present = list(dict.fromkeys([d.id for d in profile.domains] + [r["domain_code"] for r in rows]))
domains_present = [d for d in domains_present if any(r["domain_code"] == d for r in rows)]
statuses_present = [s for s in SEVERITY if any(r["status_code"] == s for r in rows)]
phone.url_filters(domains_present, statuses_present)
c1, c2, c3, c4 = st.container(key="ov_filters").columns([2, 2, 2, 1.4], vertical_alignment="bottom")
domains = c1.multiselect(
    t("overview.filter_domain", lang), domains_present, format_func=lambda d: profile.domain_name(d, lang),
    placeholder=t("common.all", lang), key="ov_domain",
)
statuses = c2.multiselect(
    t("overview.filter_status", lang), statuses_present, format_func=lambda s: status_text(s, lang),
    placeholder=t("common.all", lang), key="ov_status",
)
text = c3.text_input(
    t("overview.filter_text", lang), placeholder=t("overview.filter_text_placeholder", lang), key="ov_text",
)
with c4:
    stale_only = st.toggle(t("overview.stale_only", lang), key="ov_stale")
    targets_only = st.toggle(t("overview.targets_only", lang), key="ov_targets")
# Binding (约束性) or expected (预期性): the filter and the column appear once a goal is binding (a catalogue
# of expected goals only, like the seed, looks as it did before the two natures existed).
with_binding = any(r["nature_code"] == "binding" for r in rows)
natures: list[str] = []
if with_binding:
    natures = st.multiselect(
        t("overview.nature", lang), ["binding", "expected"], format_func=lambda n: t(f"nature.{n}", lang),
        placeholder=t("common.all", lang), key="ov_nature", help=t("overview.nature_help", lang),
    )

shown = filter_rows(
    rows, domains=domains, statuses=statuses, text=text, stale_only=stale_only, targets_only=targets_only,
    natures=natures,
)
phone.remember(known_on, domains, statuses)
phone.overview_cards(phone_slot, rows, lang, known_on, today, domains_present, statuses_present,
                     lambda d: profile.domain_name(d, lang))

# ---- The progress report (monitor.present.report): as of the day shown, in the page's language, for the
# domains selected. Made when the button is clicked (a callable: the page itself never builds it).
report_day = shown_day
r1, r2, _ = st.container(key="ov_report_box").columns([1, 1.4, 4.6], vertical_alignment="bottom")
report_format = r1.selectbox(t("report.format", lang), FORMATS, key="ov_report_format")
report_store, report_domains = state.store(path), tuple(domains)


# The overview's own filters: the report holds the goals the table shows.
report_filters = GoalFilter(domains=report_domains, statuses=tuple(statuses), text=text, stale_only=stale_only,
                            targets_only=targets_only, natures=tuple(natures), source=source,
                            include_retired=include_retired, known_on=known_on)


def _report() -> bytes:
    return build_report(report_store, report_format, as_of=report_day, lang=lang, filters=report_filters)


r2.download_button(
    t("report.download", lang), data=_report, file_name=default_out(report_day, report_format).name,
    mime=MEDIA_TYPES[report_format], help=t("report.download_help", lang), icon=":material/download:",
    on_click="ignore", key="ov_report",
)
with st.container(key="ov_caption"):
    st.caption(f"{t('overview.showing', lang, shown=len(shown), total=len(rows))} · {t('overview.hint', lang)}")

if not shown:
    st.info(t("overview.empty", lang))
    st.stop()

# ---- The table: escaped HTML that wraps (monitor/present/overview_table.py says why not st.dataframe).
if change_counts is not None:
    st.caption(t("overview.change_summary", lang, day=format_date(compare_day, lang), **change_counts))
st.container(key="ov_table_box").html(  # keyed box: hidden on a phone (dashboards/phone.py)
    table_html(shown, lang, nature=with_binding, change_day=format_date(compare_day, lang) if compare_day else None)
)
st.caption(t("col.due_help", lang))

phone.overview_share(shown, lang, today, known_on, domains, statuses, path)
