"""责任单位 / Offices: the goals grouped by responsible office, and one office's scorecard.

Without ``?office=`` the page lists the offices (the overview grouped by office); with it (a link such as
``/office?office=市生态环境局&lang=en``, which opens directly and survives being pasted into a chat: the
name is percent-encoded by monitor.present.cards.share_url) it shows that office's goals, what is overdue
and its submission calendar. ``?as_of=YYYY-MM-DD`` judges both as of that past day (links keep it). The logic is monitor.present.offices; office names are catalogue text and
are shown as plain text only (escaped where Streamlit reads markdown).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import phone, state
from monitor.errors import NotFound
from monitor.present.i18n import escape_markdown, format_date, status_text, t
from monitor.present.offices import DEFAULT_HORIZON_DAYS, office_index, scorecard


@st.cache_data(ttl=state.TTL_S, show_spinner=False)
def _index(path: str, day: date, language: str) -> list[dict[str, Any]]:
    return office_index(state.store(path), day, language)


@st.cache_data(ttl=state.TTL_S, show_spinner=False)
def _scorecard(path: str, office: str, day: date, language: str) -> dict[str, Any]:
    return scorecard(state.store(path), office, day, language)


lang = state.lang()
path = state.db_path()
today = state.as_of()
office = st.query_params.get("office") or None


def _day_from_url() -> date | None:
    """?as_of=YYYY-MM-DD: judge as of that past day (a future or unreadable one is ignored)."""
    raw = st.query_params.get("as_of") or ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if day <= today else None


as_of = _day_from_url()
day = as_of or today


def _query(**extra: str) -> dict[str, str]:
    """A link's query: the language, the as-of day when one was asked for, and ``extra``."""
    query = {"lang": lang, **extra}
    if as_of is not None:
        query["as_of"] = as_of.isoformat()
    return query


def _index_page() -> None:
    st.subheader(t("office.title", lang))
    st.caption(t("office.intro", lang))
    rows = _index(path, day, lang)
    if not rows:
        st.info(t("office.empty", lang))
        return
    with st.container(key="of_index"):
        for row in rows:
            with st.container(border=True, key=f"of_row_{rows.index(row)}"):
                c1, c2 = st.columns([2.2, 3], vertical_alignment="center")
                if row["office"]:
                    c1.page_link("offices.py", label=escape_markdown(row["name"]),
                                 query_params=_query(office=row["office"]), icon=":material/apartment:")
                else:
                    c1.text(row["name"])
                c2.text(" · ".join([
                    f"{t('office.col.goals', lang)} {row['goals']}",
                    f"{t('office.col.tracked', lang)} {row['tracked']}",
                    f"{t('office.col.behind', lang)} {row['behind']}",
                    f"⏰ {t('office.col.overdue', lang)} {row['overdue']}",
                ]))
                c2.caption(escape_markdown(row["summary"]))
    phone.share_box("office", _query())


def _scorecard_page(name: str) -> None:
    st.page_link("offices.py", label=t("office.back", lang), icon=":material/arrow_back:", query_params=_query())
    try:
        card = _scorecard(path, name, day, lang)
    except NotFound:
        st.warning(t("office.unknown", lang, office=escape_markdown(name)))
        return
    st.subheader(t("office.heading", lang, office=escape_markdown(name)))
    st.caption(t("office.as_of", lang, day=format_date(day, lang)))
    with st.container(horizontal=True, gap="small", key="of_counts"):
        st.metric(t("office.col.goals", lang), sum(1 for r in card["rows"] if r["has_target"]), border=True)
        for s, n in card["counts"]:
            st.metric(status_text(s, lang), n, border=True)
        st.metric(f"⏰ {t('office.col.overdue', lang)}", len(card["overdue"]), border=True)

    st.markdown(f"#### {t('office.goals', lang)}")
    frame = pd.DataFrame(card["rows"], columns=["name", "status", "latest", "target", "freshness"])
    st.dataframe(frame, hide_index=True, key="of_goals", column_config={
        "name": st.column_config.TextColumn(t("col.name", lang), width=300),
        "status": st.column_config.TextColumn(t("col.status", lang)),
        "latest": st.column_config.TextColumn(t("col.latest", lang)),
        "target": st.column_config.TextColumn(t("col.target", lang)),
        "freshness": st.column_config.TextColumn(t("col.freshness", lang)),
    })

    st.markdown(f"#### {t('office.overdue', lang)}")
    if card["overdue"]:
        st.dataframe(pd.DataFrame(card["overdue"], columns=["name", "due", "days"]), hide_index=True, key="of_overdue",
                     column_config={"name": st.column_config.TextColumn(t("col.name", lang), width=300),
                                    "due": st.column_config.TextColumn(t("office.col.due", lang)),
                                    "days": st.column_config.NumberColumn(t("office.col.days_overdue", lang))})
    else:
        st.success(t("office.none_overdue", lang))

    st.markdown(f"#### {t('office.calendar', lang, n=DEFAULT_HORIZON_DAYS)}")
    st.caption(t("office.calendar_help", lang))
    if card["calendar"]:
        st.dataframe(pd.DataFrame(card["calendar"], columns=["name", "frequency", "period", "due", "state"]),
                     hide_index=True, key="of_calendar", column_config={
                         "name": st.column_config.TextColumn(t("col.name", lang), width=300),
                         "frequency": st.column_config.TextColumn(t("office.col.frequency", lang)),
                         "period": st.column_config.TextColumn(t("office.col.period", lang)),
                         "due": st.column_config.TextColumn(t("office.col.due", lang)),
                         "state": st.column_config.TextColumn(t("office.col.state", lang)),
                     })
    else:
        st.info(t("office.none_due", lang))
    phone.share_box("office", _query(office=name))


if office:
    # A page link to this same page hands its query to the script but the address bar may keep the old
    # one: write it back so the address is the scorecard's link, as the share box shows it.
    for key, value in _query(office=office).items():
        st.query_params[key] = value
    _scorecard_page(office)
else:
    _index_page()
