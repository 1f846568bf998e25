"""录入数据 / Add reading: one figure through the same validation as a file import.

A form never stores what the user did not see (issue 17): the unit is the indicator's display unit in
every language unless another is chosen, shown next to the number; the value is echoed as it will be
stored, in words and unit, with its period, before Save; a value far from the previous reading
(monitor.model.plausibility) is held with the sentence that says why and a check box that confirms
it; a missing or future date, or an end before the start, blocks Save with a message."""

from __future__ import annotations

import hashlib
from datetime import date

import streamlit as st

from dashboards import auth, state, widgets
from monitor.errors import NotAllowed, StoreBusy, ValidationError
from monitor.files.ingest import add_reading
from monitor.model import Qualifier
from monitor.model.periods import Period, label
from monitor.model.plausibility import JUMP_CODES
from monitor.model.units import normalize_unit
from monitor.present.entry import (
    PERIOD_KINDS,
    default_period,
    default_period_kind,
    period_bounds,
    stored_preview,
    unit_choices,
)
from monitor.present.i18n import (
    escape_markdown,
    format_date,
    format_quantity,
    month_name,
    problem_reason,
    t,
    unit_label,
)
from monitor.present.wording import explanation, latest_text, value_text
from monitor.services import review

lang = state.lang()
path = state.db_path()
as_of = state.as_of()

indicators = {i["id"]: i for i in state.indicators(path)}
user = auth.current_user()
# Only the indicators the user may write (their domains and offices); the write checks again.
ids = [k for k, i in indicators.items() if user is None or user.covers_parts(i["domain"], i["responsible"])]


def _name(indicator_id: str) -> str:
    i = indicators[indicator_id]
    domain = state.profile(path).domain_name(i["domain"], lang)
    return f"{i['name_zh'] if lang == 'zh' else i['name_en']} · {domain}"


def _remember_indicator() -> None:
    chosen = st.session_state.get("add_indicator")
    if chosen:
        st.query_params["indicator"] = chosen


st.caption(t("add.intro", lang))
if not auth.may_edit(lang):
    st.stop()
wanted = st.query_params.get("indicator")
top1, top2, top3 = st.columns([3, 2, 1.3])
indicator_id = top1.selectbox(
    t("add.indicator", lang), ids, index=ids.index(wanted) if wanted in ids else None,
    format_func=_name, placeholder=t("goal.pick_help", lang), key="add_indicator", on_change=_remember_indicator,
)
if indicator_id is None:
    st.info(t("goal.none", lang))
    st.stop()

indicator = indicators[indicator_id]
name_en = indicator["name_en"]
kind = top2.selectbox(
    t("add.period_kind", lang), PERIOD_KINDS,
    index=PERIOD_KINDS.index(default_period_kind(indicator["measure"], indicator["frequency"])),
    format_func=lambda k: t(f"period_kind.{k}", lang), key=f"add_kind_{indicator_id}",
)
units = unit_choices(indicator["unit"], indicator["display_unit"], lang)
unit = top3.selectbox(
    t("add.unit", lang), units, format_func=lambda u: unit_label(u, lang, name_en) or u, key=f"add_unit_{indicator_id}",
)

goal_records = state.goal_records(path, indicator_id, as_of)
facts = []
if goal_records and goal_records[0]["latest_value"] is not None:
    current = latest_text(goal_records[0], lang)
    facts.append(t("add.current", lang, value=current))
low, high = indicator["lower_bound"], indicator["upper_bound"]
if low is not None or high is not None:
    shown_low = format_quantity(low, indicator["unit"], lang, name_en) if low is not None else "—"
    shown_high = format_quantity(high, indicator["unit"], lang, name_en) if high is not None else t("add.open", lang)
    facts.append(t("add.bounds", lang, low=shown_low, high=shown_high))
if facts:
    st.caption(escape_markdown(" · ".join(facts)))

initial = default_period(kind, as_of)
# No st.form: what will be stored (the value in words and unit, the period) is shown before Save, and a
# date that cannot be stored blocks Save with a message (issue 17). The date pickers take any date, so a
# date past today is held by the check below with its reason, never silently replaced by the default.
choice: dict[str, object] = {}
p1, p2 = st.columns(2)
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
if kind == "point":
    choice["day"] = p1.date_input(t("add.date", lang), value=initial["day"], min_value=EARLIEST, max_value=LATEST,
                                  key="add_day")
elif kind == "custom":
    choice["start"] = p1.date_input(t("add.start", lang), value=initial["start"], min_value=EARLIEST,
                                    max_value=LATEST, key="add_start")
    choice["end"] = p2.date_input(t("add.end", lang), value=initial["end"], min_value=EARLIEST, max_value=LATEST,
                                  key="add_end")
else:
    year_default = {"quarter": initial["quarter_year"], "half": initial["half_year"]}.get(kind, initial["year"])
    choice["year"] = int(p1.number_input(
        t("add.year", lang), min_value=1900, max_value=2100, value=year_default, step=1, format="%d",
        key="add_year",
    ))
    if kind == "month":
        choice["month"] = p2.selectbox(
            t("add.month", lang), range(1, 13), index=initial["month"] - 1,
            format_func=lambda m: month_name(m, lang), key="add_month",
        )
    elif kind == "quarter":
        choice["quarter"] = p2.selectbox(
            t("add.quarter", lang), (1, 2, 3, 4), index=initial["quarter"] - 1,
            format_func=lambda q: t("quarter.n", lang, n=q), key="add_quarter",
        )
    elif kind == "half":
        choice["half"] = p2.selectbox(
            t("add.half", lang), (1, 2), index=initial["half"] - 1,
            format_func=lambda h: t(f"half.{h}", lang), key="add_half",
        )

# The period as it will be stored, or why it cannot be.
start: date | None = None
end: date | None = None
date_problem: str | None = None
try:
    start, end = period_bounds(kind, **choice)  # type: ignore[arg-type]
except ValueError:
    date_problem = t("add.date_missing", lang)
else:
    if start is not None and end < start:
        date_problem = t("add.date_order", lang)
    elif end > as_of:
        date_problem = t("add.date_future", lang, date=format_date(end, lang), today=format_date(as_of, lang))
if date_problem:
    st.error(escape_markdown(date_problem), icon=":material/event_busy:")

v1, v2 = st.columns(2)
value = v1.text_input(
    escape_markdown(t("add.value", lang, unit=unit_label(unit, lang, name_en) or unit)),
    help=t("add.value_help", lang),
    key="add_value",
)
qualifier = v2.selectbox(
    t("add.qualifier", lang), [q.value for q in Qualifier], format_func=lambda q: t(f"qualifier.{q}", lang),
    key="add_qualifier",
)
s1, s2 = st.columns(2)
source = s1.text_input(t("add.source", lang), placeholder=t("add.source_placeholder", lang), key="add_source")
note = s2.text_input(t("add.note", lang), key="add_note")

# The indicator's own unit is a preset, not a statement: given as None, so that a share typed as 0.931
# is asked about (monitor.model.validate.value_problem) rather than taken as 0.931 %.
given_unit = None if normalize_unit(unit) == normalize_unit(indicator["unit"]) else unit


def _save(accept_jumps: bool, dry_run: bool = False):  # type: ignore[no-untyped-def]
    assert end is not None
    return add_reading(
        state.store(path), indicator_id, value, end, period_start=start, unit=given_unit,
        # "exact" is the default: leave it unset so that a word typed with the value ("约2.3") counts.
        qualifier=None if qualifier == Qualifier.EXACT.value else qualifier,
        source=source.strip() or None, note=note.strip() or None,
        recorded_by=auth.editor_name(), today=as_of, accept_jumps=accept_jumps, dry_run=dry_run,
        authorize=auth.authorize(), pending=review.enabled(),
    )


preview = stored_preview(value, unit, indicator, lang)
confirmed = False
if end is not None and not date_problem:
    period_text = label(Period(start, end), lang) if start is not None else format_date(end, lang)
    if preview is not None:
        st.markdown(escape_markdown(t("add.will_store", lang, period=period_text, value=preview)))
    elif value.strip():
        st.caption(escape_markdown(t("add.will_store_unreadable", lang, period=period_text)))
    if preview is not None:
        # A value far from the previous reading (monitor.model.plausibility) is held: said before Save, with
        # the check box that confirms it. The box's key names what it confirms: another value unticks it.
        try:
            checked = _save(accept_jumps=False, dry_run=True)
            if checked.warnings:
                # Valid, but no target of the indicator can ever use it (monitor.files.ingest.uncounted): said
                # before Save, which still stores it (for the record and the chart).
                with st.container(border=True):
                    st.warning(escape_markdown(t("add.uncounted", lang)), icon=":material/info:")
                    for problem in checked.warnings:
                        st.markdown(escape_markdown(problem_reason(problem, lang)))
        except ValidationError as e:
            held = [p for p in e.problems if p.code in JUMP_CODES]
            if held:
                with st.container(border=True):
                    st.warning(escape_markdown(t("add.held", lang)), icon=":material/warning:")
                    for problem in held:
                        st.markdown(escape_markdown(problem_reason(problem, lang)))
                    signature = hashlib.sha256(repr((indicator_id, value, unit, start, end)).encode()).hexdigest()[:12]
                    confirmed = st.checkbox(t("add.confirm_jump", lang, value=preview), key=f"add_confirm_{signature}")
        except (StoreBusy, NotAllowed):
            pass  # Save says so

submitted = st.button(t("add.submit", lang), type="primary", key="add_submit", disabled=bool(date_problem))

if submitted and not date_problem:
    try:
        report = _save(accept_jumps=confirmed)
    except ValidationError as e:
        widgets.problems(e.problems, lang, heading=t("add.errors", lang))
    except NotAllowed as e:
        st.error(escape_markdown(t("auth.not_allowed", lang, reason=str(e))), icon=":material/lock:")
    except StoreBusy:
        st.error(t("add.busy", lang))
    else:
        assert end is not None
        state.invalidate()
        detail = state.detail(path, indicator_id, as_of)
        stored = [
            r for r in (detail["readings"] if detail else [])
            if r.period_end == end and (start is None or r.period_start == start)
        ]
        if stored:
            reading = stored[-1]
            figure = value_text(reading.value, indicator["unit"], lang, reading.qualifier.value, name_en)
            period = label(Period(reading.period_start, reading.period_end), lang)
        else:
            figure, period = value, label(Period(start or end, end), lang)
        key = "add.saved_new" if report.new else "add.saved_revised" if report.revised else "add.unchanged"
        st.success(escape_markdown(t(key, lang, value=figure, period=period)), icon=":material/check_circle:")
        for record in state.goal_records(path, indicator_id, as_of):
            with st.container(border=True):
                st.markdown(f"**{t('add.new_status', lang)}**")
                widgets.badge(record["status"], lang)
                st.markdown(escape_markdown(explanation(record, lang)))
        st.page_link(
            "goal.py", label=t("page.goal", lang), icon=":material/monitoring:",
            query_params={"goal": indicator_id, "lang": lang},
        )
