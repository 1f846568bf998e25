"""数据刷新 / Refresh: the sources with their next and last run, a "run now" button, runs and events.

Thin: everything comes from monitor.services.refresh (run history, events, source list) and, for the next
run times, from the triggers of scheduler.py computed here without a running scheduler.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import auth, state
from monitor import clock
from monitor.errors import MonitorError
from monitor.present.i18n import MESSAGES, escape_markdown, t
from monitor.services.refresh import load_scheduler_module
from monitor.services.refresh.run import event_rows, run_rows, run_sources, source_rows
from monitor.services.refresh.sources import load_config

# The outcome's icon goes with its word (t("outcome.<outcome>")), as STATUS_ICONS go with the statuses.
OUTCOME_ICON = {"ok": "✅", "partial": "🔶", "failed": "✖"}


def outcome_text(outcome: str, lang: str) -> str:
    word = t(f"outcome.{outcome}", lang) if f"outcome.{outcome}" in MESSAGES else outcome
    return f"{OUTCOME_ICON.get(outcome, '')} {word}"


def trigger_text(trigger: str, lang: str) -> str:
    return t(f"trigger.{trigger}", lang) if f"trigger.{trigger}" in MESSAGES else trigger


def schedule_text(schedule: str, lang: str) -> str:
    # "every 1m" / "cron 0 9 * * *" from the sources file; only the word around the interval is translated.
    if schedule.startswith("every "):
        return t("refresh.every", lang, interval=schedule.removeprefix("every "))
    return schedule


def _shown(iso: str | None, seconds: bool = True) -> str:
    """A time from the run views (ISO, in the workspace's zone) as the page shows it, with its offset."""
    return clock.stamp(datetime.fromisoformat(iso), seconds=seconds) if iso else ""


def L(key: str, lang: str, **fmt: Any) -> str:
    return t(f"refresh.{key}", lang, **fmt)


def _next_runs(config: Any, rows: list[dict[str, Any]]) -> dict[str, datetime | None]:
    try:
        scheduler = load_scheduler_module()
    except ImportError:
        return {}
    last = {
        r["name"]: datetime.fromisoformat(r["last_started_at"].rstrip("Z")).replace(tzinfo=UTC)
        for r in rows if r["last_started_at"]
    }
    return scheduler.next_run_times(config, datetime.now(UTC), last)


lang = state.lang()
path = state.db_path()
store = state.store(path)
st.title(t("page.refresh", lang))
try:
    config = load_config(None)
except MonitorError as e:
    st.error(escape_markdown(str(e)))
    st.stop()
st.caption(escape_markdown(L("config", lang, path=config.path) + (f" — {config.note}" if config.note else "")))
try:
    running = load_scheduler_module().is_running(store)
except ImportError:
    running = False
(st.success if running else st.info)(L("running" if running else "stopped", lang))

# ---- Sources: schedule, next and last run, and a button to run one now.
sources = source_rows(store, config)
next_runs = _next_runs(config, sources)
st.subheader(L("sources", lang))
table = pd.DataFrame([
    {
        L("name", lang): s["name"],
        L("kind", lang): s["kind"],
        L("location", lang): s["location"],
        L("schedule", lang): schedule_text(s["schedule"], lang) if s["enabled"]
        else f"{schedule_text(s['schedule'], lang)} ({L('disabled', lang)})",
        L("next", lang): clock.stamp(next_runs[s["name"]], seconds=True) if next_runs.get(s["name"]) else "—",
        L("last", lang): outcome_text(s["last_outcome"], lang) if s["last_outcome"] else "—",
        L("last_at", lang): _shown(s["last_started_local"]) or "—",
        L("error", lang): s["last_error"] or "",
    }
    for s in sources
])
st.dataframe(table, hide_index=True, width="stretch")

if sources and auth.may_edit(lang) and not auth.catalog_allowed():
    st.caption(t("auth.refresh_limited", lang))
elif sources and auth.catalog_allowed():
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c1.selectbox(L("pick", lang), [s["name"] for s in sources], key="refresh_source")
    if c2.button(L("run_now", lang), type="primary", key="refresh_run_now"):
        with st.spinner(escape_markdown(chosen)):
            try:
                result = run_sources(store, config, [chosen], trigger="dashboard", user=auth.acting_user())[0]
            except MonitorError as e:
                st.error(escape_markdown(str(e)))
            else:
                message = f"{OUTCOME_ICON[result.outcome]} {escape_markdown(result.summary())}"
                (st.error if result.failed else st.success)(message)
                state.invalidate()

# ---- Run history.
st.subheader(L("runs", lang))
runs = run_rows(store, config, limit=200)
if runs:
    st.dataframe(pd.DataFrame([
        {
            L("started", lang): _shown(r["started_local"]),
            L("finished", lang): (r["finished_local"] or "")[11:19],
            L("name", lang): r["source"],
            L("outcome", lang): outcome_text(r["outcome"], lang),
            L("files", lang): r["files"],
            L("seen", lang): r["rows_seen"],
            L("new", lang): r["rows_new"],
            L("revised", lang): r["rows_revised"],
            L("unchanged", lang): r["rows_unchanged"],
            L("rejected", lang): r["rows_rejected"],
            L("trigger", lang): trigger_text(r["trigger"], lang),
            L("error", lang): r["error"] or "",
        }
        for r in runs
    ]), hide_index=True, width="stretch")
else:
    st.info(L("no_runs", lang))

# ---- Events, with their message in the page's language.
st.subheader(L("events", lang))
events = event_rows(store, config, limit=100, lang=lang)
if events:
    for e in events:
        when = _shown(e["occurred_local"], seconds=False)
        with st.expander(escape_markdown(f"{when} · {e['title']}")):
            # The message quotes names, sources and errors: shown as text, never as markdown.
            st.text("\n".join(e["message"].splitlines()[1:]))
            if e["deliveries"]:
                st.caption(escape_markdown(f"{L('alerts', lang)}: {e['deliveries']}"))
else:
    st.info(L("no_events", lang))
