"""待审核 / Review (reviewers and admins, when MONITOR_REVIEW=on): the readings pending review.

Each pending reading is shown with the previous value that counts, the jump factor, the source and its
author; the reviewer approves or rejects one with a comment (required to reject). Everything is one call
of monitor.services.review.decide, which refuses (server-side) a reviewer's own entry and an indicator
outside their limits. app.py lists this page only for a session that may review.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import auth, state, widgets
from monitor.errors import MonitorError, ValidationError
from monitor.model.periods import Period, label
from monitor.present.i18n import escape_markdown, t
from monitor.present.wording import value_text
from monitor.services import review

lang = state.lang()
path = state.db_path()
store = state.store(path)

st.title(t("page.review", lang))
st.caption(t("review.intro", lang))
if not auth.reviewing_allowed():
    st.warning(t("review.not_reviewer", lang), icon=":material/lock:")
    st.stop()
user = auth.acting_user()
flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(escape_markdown(flash), icon=":material/check_circle:")
queue = review.pending(store, user)
if not queue:
    st.info(t("review.empty", lang))
    st.stop()

catalog = {i["id"]: i for i in state.indicators(path, include_retired=True)}
names = {k: (i["name_zh"] if lang == "zh" else i["name_en"]) for k, i in catalog.items()}
keys = [f"{p.reading.indicator_id}|{p.reading.period_start}|{p.reading.period_end}" for p in queue]
by_key = dict(zip(keys, queue, strict=True))


def _period(p: review.Pending) -> str:
    return label(Period(p.reading.period_start, p.reading.period_end), lang)


def _figure(p: review.Pending, value: float | None, qualifier: str | None = None) -> str:
    """A value as the goal page writes it, in its unit and magnitude words ("2.3万架"), never base units alone."""
    indicator = catalog.get(p.reading.indicator_id)
    if indicator is None or value is None:
        return "—" if value is None else f"{value:g}"
    return value_text(value, indicator["unit"], lang, qualifier, indicator["name_en"])


st.dataframe(pd.DataFrame([{
    t("review.col.indicator", lang): names.get(p.reading.indicator_id, p.reading.indicator_id),
    t("review.col.period", lang): _period(p),
    t("review.col.value", lang): _figure(p, p.reading.value, p.reading.qualifier.value),
    t("review.col.previous", lang): _figure(p, p.previous),
    t("review.col.jump", lang): "—" if p.jump is None else f"×{p.jump:,.3g}" if p.jump < 1000 else f"×{p.jump:,.0f}",
    t("review.col.source", lang): p.reading.source or "",
    t("review.col.author", lang): p.reading.recorded_by or "",
} for p in queue]), hide_index=True, width="stretch")

with st.form("review_form", border=True):
    chosen = st.selectbox(t("review.pick", lang), keys, index=None, key="review_pick", placeholder=t("review.pick", lang),
                          format_func=lambda k: f"{names.get(by_key[k].reading.indicator_id, '')} · {_period(by_key[k])} · "
                                                f"{_figure(by_key[k], by_key[k].reading.value, by_key[k].reading.qualifier.value)}")
    comment = st.text_input(t("review.comment", lang), key="review_comment", max_chars=500)
    c1, c2 = st.columns(2)
    approve = c1.form_submit_button(t("review.approve", lang), type="primary", key="review_approve")
    reject = c2.form_submit_button(t("review.reject", lang), key="review_reject")
if approve or reject:
    if chosen is None:
        st.error(t("review.pick", lang))
        st.stop()
    p = by_key[chosen]
    try:
        done = review.decide(store, p.reading.indicator_id, p.reading.period_end, "approved" if approve else "rejected",
                             auth.editor_name(), comment, period_start=p.reading.period_start, user=user)
    except ValidationError as e:
        widgets.problems(e.problems, lang, heading=t("review.errors", lang))
    except MonitorError as e:
        st.error(escape_markdown(t("auth.not_allowed", lang, reason=str(e))))
    else:
        state.invalidate()
        st.session_state["review_flash"] = t("review.done_approved" if approve else "review.done_rejected", lang,
                                             period=_period(p), value=_figure(p, p.reading.value, p.reading.qualifier.value))
        st.rerun()
