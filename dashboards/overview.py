"""总览 / Overview: every goal in one table, with counts by status and filters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import phone, state
from monitor.present.filters import GoalFilter
from monitor.present.i18n import status_text, t
from monitor.present.overview import SEVERITY, filter_rows, load_overview, status_counts
from monitor.present.report import FORMATS, MEDIA_TYPES, build_report, default_out


@st.cache_data(ttl=state.TTL_S, show_spinner=False)
def known_overview(path: str, day: date, language: str, include_retired: bool = False,
                   source: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The overview as the store knew it on ``day``, judged as of that day."""
    return load_overview(state.store(path), day, language, known_on=day, include_retired=include_retired,
                         source=source)


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
if known_on is None:
    records, rows = state.overview(path, today, lang, include_retired, source)
else:
    records, rows = known_overview(path, known_on, lang, include_retired, source)
    st.info(t("overview.known_on_note", lang, day=known_on.isoformat()))
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
report_day = known_on or today
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

# ---- The table: one dataframe whatever the number of goals, with progress and sparkline columns.
columns = ["name", "domain", "status", "latest", "target", "progress", "trend", "freshness"]
if with_binding:
    columns.insert(1, "nature")
# Widths that fit a 1,400-pixel screen in either language; long names end in an ellipsis.
widths = {
    "zh": {"name": 300, "domain": 130, "status": 100, "latest": 250, "target": 190, "progress": 90, "trend": 70, "freshness": 180},
    "en": {"name": 290, "domain": 140, "status": 135, "latest": 215, "target": 185, "progress": 80, "trend": 60, "freshness": 240},
}[lang]
frame = pd.DataFrame(shown, columns=[*columns, "indicator_id"])  # nature: a column only when shown
row_px = 35
st.container(key="ov_table_box").dataframe(  # keyed box: hidden on a phone (dashboards/phone.py)
    frame,
    column_order=columns,
    column_config={
        "name": st.column_config.ButtonColumn(
            t("col.name", lang), type="tertiary", alignment="left", key="ov_open", width=widths["name"], pinned=True,
        ),
        "nature": st.column_config.TextColumn(t("overview.nature", lang), width=80),
        "domain": st.column_config.TextColumn(t("col.domain", lang), width=widths["domain"]),
        "status": st.column_config.TextColumn(t("col.status", lang), width=widths["status"]),
        "latest": st.column_config.TextColumn(t("col.latest", lang), width=widths["latest"]),
        "target": st.column_config.TextColumn(t("col.target", lang), width=widths["target"]),
        "progress": st.column_config.ProgressColumn(
            t("col.progress", lang), help=t("col.progress_help", lang), min_value=0, max_value=100,
            format="%.0f%%", width=widths["progress"],
        ),
        "trend": st.column_config.LineChartColumn(
            t("col.trend", lang), help=t("col.trend_help", lang), width=widths["trend"],
        ),
        "freshness": st.column_config.TextColumn(t("col.freshness", lang), width=widths["freshness"]),
    },
    hide_index=True,
    height=min(len(frame), 50) * row_px + 38,
    row_height=row_px,
    key="ov_table",
)

phone.overview_share(shown, lang, today, known_on, domains, statuses, path)

clicked = st.session_state.get("ov_open")
if clicked is not None:
    row = clicked["row"]
    if 0 <= row < len(shown):
        st.switch_page("goal.py", query_params={"goal": shown[row]["indicator_id"], "lang": lang})
