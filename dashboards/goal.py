"""指标详情 / Goal detail (?goal=<indicator id>): chart, evidence, readings and revision history."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import streamlit as st

from dashboards import auth, charts, phone, state, widgets
from monitor.present.chart_data import chart_data, evidence_rows, reading_table, skipped_readings
from monitor.present.i18n import escape_markdown, format_date, t
from monitor.present.overview import progress_fraction
from monitor.present.wording import explanation, latest_parts, nature_rank, nature_text, target_parts, target_text

lang = state.lang()
path = state.db_path()
as_of = state.as_of()

indicators = state.indicators(path, include_retired=True)  # a retired indicator's history stays open
names = {i["id"]: (i["name_zh"] if lang == "zh" else i["name_en"]) for i in indicators}
goal = st.query_params.get("goal")


def _pick() -> None:
    chosen = st.session_state.get(f"goal_pick_{goal}")
    if chosen:
        st.query_params["goal"] = chosen


nav, picker = st.columns([1, 2], vertical_alignment="bottom")
nav.page_link("overview.py", label=t("goal.back", lang), icon=":material/arrow_back:", query_params={"lang": lang})
picker.selectbox(
    t("goal.pick", lang),
    list(names),
    index=list(names).index(goal) if goal in names else None,
    format_func=names.__getitem__,
    placeholder=t("goal.pick_help", lang),
    key=f"goal_pick_{goal}",
    on_change=_pick,
)

if not goal:
    st.info(t("goal.none", lang))
    st.stop()
detail = state.detail(path, goal, as_of)
if detail is None:
    st.warning(escape_markdown(t("goal.unknown", lang, id=goal)))  # the id comes from the URL
    st.stop()

indicator = detail["indicator"]
records = detail["records"]
st.header(escape_markdown(names.get(goal, goal)), anchor=False)
state.warn_unusable(path, lang, goal)
colon = t("punct.colon", lang)
meta = [
    f"{t('meta.id', lang)}{colon}`{indicator.id}`",  # a slug (catalog.SLUG): nothing to escape
    escape_markdown(state.profile(path).domain_name(indicator.domain, lang)),
    t(f"measure.{indicator.measure.value}", lang),
    t(f"frequency.{indicator.frequency.value}", lang),
    t(f"direction.{indicator.direction.value}", lang),
]
if indicator.responsible and lang == "zh":
    meta.append(f"{t('meta.responsible', lang)}{colon}{escape_markdown(indicator.responsible)}")
st.caption(" · ".join(meta))
phone.goal_share(path, goal, as_of, lang)

# Binding goals first (stable: the others in the service's order).
for record in sorted(records, key=nature_rank):
    with st.container(border=True):
        if record["target_id"]:
            st.subheader(escape_markdown(t("goal.target_heading", lang, target=target_text(record, lang))), anchor=False)
        else:
            st.subheader(t("goal.no_target_heading", lang), anchor=False)
        if record.get("target_nature") == "binding":
            # Expected (预期性) is the default and left unmarked: a catalogue without binding goals looks as before.
            with st.container(horizontal=True, gap="small"):
                widgets.badge(record["status"], lang)
                st.badge(nature_text(record, lang), color="violet")
        else:
            widgets.badge(record["status"], lang)
        st.markdown(f"**{t('goal.evidence', lang)}**{colon}{escape_markdown(explanation(record, lang))}")
        # The numbers behind the sentence, folded under it (a phone reads the sentence first).
        with st.expander(t("goal.evidence_numbers", lang)):
            evidence = evidence_rows(record, lang)
            st.dataframe(
                pd.DataFrame(evidence),
                column_config={
                    "item": st.column_config.TextColumn(t("ev.item", lang), width=190),
                    "value": st.column_config.TextColumn(t("ev.value", lang)),
                },
                hide_index=True,
                width="stretch",
                height=len(evidence) * 35 + 38,  # every number visible, no inner scrolling
            )
            if record["ratio"] is not None:
                st.caption(f"{t('ev.bands_label', lang)}{colon}{t('ev.bands', lang)}")

        # keyed: two figures a row on a phone (dashboards/phone.py), four on a wide screen
        m1, m2, m3, m4 = st.container(key=f"goal_figures_{record['target_id'] or 'none'}").columns(4)
        latest_figure, latest_period = latest_parts(record, lang)
        # A metric's value and delta are markdown too; the figures carry the catalogue's unit.
        m1.metric(
            t("goal.latest", lang), escape_markdown(latest_figure),
            delta=escape_markdown(latest_period) if latest_period else None, delta_color="off", delta_arrow="off",
        )
        target_figure, target_when = target_parts(record, lang)
        m2.metric(
            t("goal.target", lang), escape_markdown(target_figure),
            delta=escape_markdown(target_when) if target_when else None, delta_color="off", delta_arrow="off",
        )
        fraction = progress_fraction(record)
        m3.metric(t("goal.progress", lang), "—" if fraction is None else f"{fraction * 100:.0f}%")
        last_end = record["last_period_end"]
        m4.metric(
            t("ev.last_period_end", lang),
            format_date(date.fromisoformat(last_end), lang) if last_end else t("freshness.never", lang),
            delta=(t("freshness.overdue", lang) + " " + t("ev.days", lang, n=record["days_overdue"]))
            if record["stale"] else t("freshness.up_to_date", lang) if last_end else None,
            delta_color="red" if record["stale"] else "off",
            delta_arrow="off",
        )

        st.markdown(f"**{t('goal.chart', lang)}**")
        chart = charts.goal_chart(chart_data(record, detail["readings"], lang), lang)
        if chart is None:
            st.info(t("goal.no_readings", lang))
        else:
            st.altair_chart(chart, width="stretch")
            st.caption(t("goal.chart_caption", lang))
        quote = detail["target_quotes"].get(record["target_id"] or "")
        if quote is not None:
            who = "，".join(x for x in (quote.speaker, quote.office) if x)
            st.caption(escape_markdown(f"{t('goal.target_quote', lang)}{colon}“{quote.quote}”" + (f"（{who}）" if who else "")))
        skipped_rows = skipped_readings(record, indicator.unit, lang)
        if skipped_rows:
            # Readings recorded but not used for this goal, and why: in view, not only in the raw evidence.
            st.markdown(f"**{t('goal.skipped_heading', lang)}**")
            st.caption(t("goal.skipped_intro", lang))
            for row in skipped_rows:
                st.markdown(escape_markdown(t("goal.skipped_row", lang, **row)))
        with st.expander(t("goal.raw_evidence", lang)):
            st.code(json.dumps(record["evidence"], ensure_ascii=False, indent=2, default=str), language="json", wrap_lines=True)

st.page_link(
    "add_reading.py", label=t("goal.add_link", lang), icon=":material/edit_note:",
    query_params={"lang": lang, "indicator": goal},
)

reading_columns = {
    "period": st.column_config.TextColumn(t("rcol.period", lang)),
    "value": st.column_config.TextColumn(t("rcol.value", lang)),
    "qualifier": st.column_config.TextColumn(t("rcol.qualifier", lang)),
    "source": st.column_config.TextColumn(t("rcol.source", lang)),
    "quote": st.column_config.TextColumn(t("rcol.quote", lang), width="large"),
    "note": st.column_config.TextColumn(t("rcol.note", lang)),
    "revision": st.column_config.NumberColumn(t("rcol.revision", lang), format="%d"),
    "recorded_by": st.column_config.TextColumn(t("rcol.recorded_by", lang)),
    "recorded_at": st.column_config.TextColumn(t("rcol.recorded_at", lang)),
    "withdrawn": st.column_config.TextColumn(t("rcol.withdrawn", lang)),
}
name_en = indicator.name_en
st.subheader(t("goal.readings", lang), anchor=False)
latest_rows = reading_table(detail["readings"], indicator.unit, lang, name_en)
if latest_rows:
    phone.goal_readings(latest_rows, lang)  # a list on a phone; the table below on a wide screen
    st.container(key="goal_readings_table").dataframe(
        pd.DataFrame(latest_rows),
        column_order=["period", "value", "qualifier", "source", "quote", "note"],
        column_config=reading_columns,
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("goal.no_readings", lang))

WITHDRAW_FLASH = "goal_withdraw_flash"
flash = st.session_state.pop(WITHDRAW_FLASH, None)
if flash:
    st.success(escape_markdown(flash), icon=":material/check_circle:")


def _withdraw_form() -> None:
    """Editors only: withdraw the reading in force of one period (monitor.services.withdraw), confirmed
    with a checkbox and a required reason, as the catalogue page retires an indicator."""
    from monitor.errors import MonitorError, ValidationError
    from monitor.model.periods import Period, label
    from monitor.services.withdraw import withdraw_reading

    periods = {f"{r.period_start.isoformat()}..{r.period_end.isoformat()}": r for r in reversed(detail["readings"])}
    with st.form("goal_withdraw_form", border=True):
        st.markdown(f"**{t('goal.withdraw.heading', lang)}**")
        chosen = st.selectbox(t("goal.withdraw.period", lang), list(periods), index=None, key="goal_withdraw_period",
                              format_func=lambda k: label(Period(periods[k].period_start, periods[k].period_end), lang),
                              placeholder=t("goal.withdraw.pick", lang))
        why = st.text_input(t("goal.withdraw.reason", lang), key="goal_withdraw_reason", max_chars=500)
        sure = st.checkbox(t("goal.withdraw.confirm", lang), key="goal_withdraw_confirm")
        submitted = st.form_submit_button(t("goal.withdraw.submit", lang), key="goal_withdraw_submit")
    st.caption(t("goal.withdraw.note", lang))
    if not submitted:
        return
    if chosen is None:
        st.error(t("goal.withdraw.pick", lang))
        return
    if not sure:
        st.error(t("goal.withdraw.unconfirmed", lang))
        return
    r = periods[chosen]
    try:
        done = withdraw_reading(state.store(path), goal, r.period_end, why, who=auth.editor_name(),
                                period_start=r.period_start, user=auth.acting_user())
    except ValidationError as e:
        widgets.problems(e.problems, lang, heading=t("goal.withdraw.errors", lang))
        return
    except MonitorError as e:
        st.error(escape_markdown(str(e)))  # names the indicator and period: plain text
        return
    state.invalidate()
    st.session_state[WITHDRAW_FLASH] = t("goal.withdraw.done", lang, revision=done.revision,
                                         period=label(Period(r.period_start, r.period_end), lang))
    st.rerun()


def _withdraw_target_form() -> None:
    """Editors only: withdraw a target's version in force (monitor.services.withdraw): the previous version
    is in force again, or the goal has none; the catalogue's change log records it."""
    from monitor.errors import MonitorError, ValidationError
    from monitor.services.withdraw import withdraw_target

    versions = {r["target_id"]: r for r in records if r["target_id"]}
    with st.form("goal_withdraw_target_form", border=True):
        st.markdown(f"**{t('goal.withdraw_target.heading', lang)}**")
        chosen = st.selectbox(t("goal.withdraw_target.target", lang), list(versions), index=None,
                              key="goal_withdraw_target", placeholder=t("goal.withdraw_target.pick", lang),
                              format_func=lambda k: t("goal.withdraw_target.option", lang, id=k,
                                                      target=target_text(versions[k], lang)))
        why = st.text_input(t("goal.withdraw.reason", lang), key="goal_withdraw_target_reason", max_chars=500)
        sure = st.checkbox(t("goal.withdraw_target.confirm", lang), key="goal_withdraw_target_confirm")
        submitted = st.form_submit_button(t("goal.withdraw.submit", lang), key="goal_withdraw_target_submit")
    if not submitted:
        return
    if chosen is None:
        st.error(t("goal.withdraw_target.pick", lang))
        return
    if not sure:
        st.error(t("goal.withdraw.unconfirmed", lang))
        return
    try:
        done = withdraw_target(state.store(path), chosen, why, who=auth.editor_name(),
                               user=auth.acting_user())
    except ValidationError as e:
        widgets.problems(e.problems, lang, heading=t("goal.withdraw.errors", lang))
        return
    except MonitorError as e:
        st.error(escape_markdown(str(e)))  # names the target: plain text
        return
    state.invalidate()
    assert done.target is not None
    st.session_state[WITHDRAW_FLASH] = t("goal.withdraw_target.done", lang, version=done.target.version) + (
        t("goal.withdraw_target.again", lang, version=done.in_force_again.version) if done.in_force_again
        else t("goal.withdraw_target.none", lang))
    st.rerun()


# Folded whether or not a period was revised: the readings above are what a reader needs first.
with st.expander(t("goal.history", lang)):
    if not detail["revised"]:
        st.caption(t("goal.history_none", lang))
    history_rows = reading_table(detail["history"], indicator.unit, lang, name_en)
    if history_rows:
        st.dataframe(
            pd.DataFrame(history_rows),
            column_order=["period", "revision", "value", "qualifier", "withdrawn", "source", "recorded_by", "recorded_at",
                          "note"],
            column_config=reading_columns,
            hide_index=True,
            width="stretch",
        )
    if auth.editing_allowed() and detail["readings"]:
        _withdraw_form()
    if auth.catalog_allowed() and any(r["target_id"] for r in records):
        _withdraw_target_form()
