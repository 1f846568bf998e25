"""What every page shares: the language, the database location and the cached reads.

No DuckDB connection is held between reruns: a Store opens the file only for the span of each
operation, and every read below is cached for TTL_S seconds keyed by (database, as-of date,
language). A page that writes calls ``invalidate()`` so the next rerun reads the new data; other
processes (the CLI, the scheduler) are seen at the latest after TTL_S.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from monitor import clock, settings
from monitor.files.catalog import init_store, read_profile
from monitor.model import Profile
from monitor.present.chart_data import goal_detail
from monitor.present.i18n import DEFAULT_LANG, LANGS
from monitor.present.overview import load_overview
from monitor.present.views import indicator_rows
from monitor.status import Detail, statuses
from monitor.store.connection import Store, is_lake, open_store, resolve_db_path

TTL_S = 30
LANG_KEY = "lang"


def db_path() -> str:
    """MONITOR_DB, else data/monitor.duckdb (relative to the working directory), as an absolute path;
    a ducklake: location as given."""
    location = settings.get("MONITOR_DB")
    if is_lake(location):
        return location.strip()
    return str(resolve_db_path(None).resolve())


@st.cache_resource(show_spinner=False)
def store(path: str) -> Store:
    # A store holds no open database file between operations, so one per location can be shared.
    return open_store(path)  # type: ignore[return-value]


def ensure_db(path: str) -> int | None:
    """Create and seed the database when the file is missing; the number of indicators loaded, else None."""
    db = store(path)
    if db.exists:
        return None
    result = init_store(db)
    invalidate()
    return int(result.get("indicators_new", 0))


def lang() -> str:
    """The language: ?lang= in the URL, else the session's last choice, else Chinese; kept in the URL."""
    wanted = st.query_params.get(LANG_KEY)
    if wanted not in LANGS:
        wanted = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    st.session_state[LANG_KEY] = wanted
    if st.query_params.get(LANG_KEY) != wanted:
        # Page changes clear the query string; put the language back so links share it.
        st.query_params[LANG_KEY] = wanted
    return str(wanted)


def set_lang(new: str) -> None:
    if new in LANGS:
        st.session_state[LANG_KEY] = new
        st.query_params[LANG_KEY] = new


def as_of() -> date:
    """Today in the workspace's time zone (MONITOR_TIMEZONE): every page's default as-of date."""
    return clock.today()


@st.cache_data(ttl=TTL_S, show_spinner=False)
def overview(path: str, day: date, language: str, include_retired: bool = False,
             source: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return load_overview(store(path), day, language, include_retired=include_retired, source=source)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def profile(path: str) -> Profile:
    """The store's workspace, domains and source documents; the defaults while there is no database."""
    db = store(path)
    return read_profile(db) if db.exists else Profile()


@st.cache_data(ttl=TTL_S, show_spinner=False)
def goal_records(path: str, indicator_id: str, day: date) -> list[dict[str, Any]]:
    """The status records of one indicator's goals."""
    return [r.as_dict() for r in statuses(store(path), day, indicator_ids=[indicator_id], detail=Detail.SUMMARY)]


@st.cache_data(ttl=TTL_S, show_spinner=False)
def detail(path: str, indicator_id: str, day: date) -> dict[str, Any] | None:
    return goal_detail(store(path), indicator_id, day)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def indicators(path: str, include_retired: bool = False) -> list[dict[str, Any]]:
    return indicator_rows(store(path), include_retired=include_retired)


@st.cache_data(ttl=TTL_S, show_spinner=False)
def catalog_changes(path: str) -> list[dict[str, Any]]:
    """The catalogue's change log, newest first."""
    from monitor.present.catalog_edit import change_rows

    return change_rows(store(path))


@st.cache_data(ttl=TTL_S, show_spinner=False)
def unusable(path: str) -> list[tuple[str, str]]:
    """The current stored values the engine skips (monitor.model.validate's rules; a store written before
    them): (indicator id, one line naming its table, row and value)."""
    from monitor.store.maintenance import unusable_values

    with store(path).read() as con:
        return [(u.indicator_id, str(u)) for u in unusable_values(con, current_only=True)]


def warn_unusable(path: str, lang: str, indicator_id: str | None = None) -> None:
    """A warning above a page when values were skipped (the rest of the page works), listed as plain
    text (never markdown: the rows are stored text)."""
    from monitor.present.i18n import t

    found = [line for owner, line in unusable(path) if indicator_id in (None, owner)]
    if found:
        st.warning(t("app.unusable", lang, n=len(found)), icon=":material/warning:")
        st.text("\n".join(found[:20]) + (f"\n… (+{len(found) - 20})" if len(found) > 20 else ""))


def invalidate() -> None:
    """Forget every cached read: call after each write."""
    for cached in (overview, profile, goal_records, detail, indicators, unusable, catalog_changes):
        cached.clear()
