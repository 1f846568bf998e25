"""数据刷新 / Refresh: the sources with their next and last run, a "run now" button, runs and events.

Thin: everything comes from monitor.services.refresh (run history, events, source list) and, for the next
run times, from the triggers of scheduler.py computed here without a running scheduler.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import auth, state
from monitor.errors import MonitorError
from monitor.present.i18n import escape_markdown
from monitor.services.refresh import load_scheduler_module
from monitor.services.refresh.run import event_rows, run_rows, run_sources, source_rows
from monitor.services.refresh.sources import load_config

LABELS: dict[str, dict[str, str]] = {
    "title": {"zh": "数据刷新", "en": "Refresh"},
    "config": {"zh": "数据源配置：{path}", "en": "Sources file: {path}"},
    "running": {"zh": "调度器运行中", "en": "Scheduler running"},
    "stopped": {"zh": "调度器未运行（`monitor up` 或 `monitor scheduler` 启动）",
                "en": "Scheduler not running (start it with `monitor up` or `monitor scheduler`)"},
    "sources": {"zh": "数据源", "en": "Sources"},
    "name": {"zh": "名称", "en": "Name"},
    "kind": {"zh": "格式", "en": "Kind"},
    "location": {"zh": "位置", "en": "Location"},
    "schedule": {"zh": "计划", "en": "Schedule"},
    "next": {"zh": "下次运行", "en": "Next run"},
    "last": {"zh": "上次结果", "en": "Last outcome"},
    "last_at": {"zh": "上次运行", "en": "Last run"},
    "error": {"zh": "错误", "en": "Error"},
    "disabled": {"zh": "已停用", "en": "disabled"},
    "run_now": {"zh": "立即运行", "en": "Run now"},
    "pick": {"zh": "数据源", "en": "Source"},
    "runs": {"zh": "运行记录", "en": "Run history"},
    "events": {"zh": "事件", "en": "Events"},
    "no_runs": {"zh": "尚无运行记录。", "en": "No runs yet."},
    "no_events": {"zh": "尚无事件。", "en": "No events yet."},
    "started": {"zh": "开始", "en": "Started"},
    "finished": {"zh": "结束", "en": "Finished"},
    "outcome": {"zh": "结果", "en": "Outcome"},
    "files": {"zh": "文件", "en": "Files"},
    "seen": {"zh": "行数", "en": "Rows"},
    "new": {"zh": "新增", "en": "New"},
    "revised": {"zh": "修订", "en": "Revised"},
    "unchanged": {"zh": "未变", "en": "Unchanged"},
    "rejected": {"zh": "拒收", "en": "Rejected"},
    "trigger": {"zh": "触发", "en": "Trigger"},
    "when": {"zh": "时间", "en": "When"},
    "event": {"zh": "事件", "en": "Event"},
    "alerts": {"zh": "告警", "en": "Alerts"},
}
OUTCOME_ICON = {"ok": "✅", "partial": "🔶", "failed": "✖"}
OUTCOME_WORD = {"ok": {"zh": "成功", "en": "ok"}, "partial": {"zh": "部分成功", "en": "partial"},
                "failed": {"zh": "失败", "en": "failed"}}
TRIGGER_WORD = {"scheduler": {"zh": "定时", "en": "scheduler"}, "cli": {"zh": "命令行", "en": "command line"},
                "dashboard": {"zh": "看板", "en": "dashboard"}}


def outcome_text(outcome: str, lang: str) -> str:
    return f"{OUTCOME_ICON.get(outcome, '')} {OUTCOME_WORD.get(outcome, {}).get(lang, outcome)}"


def schedule_text(schedule: str, lang: str) -> str:
    # "every 1m" / "cron 0 9 * * *" from the sources file; only the word around it is translated.
    if lang == "zh" and schedule.startswith("every "):
        return "每 " + schedule.removeprefix("every ")
    return schedule


def L(key: str, lang: str, **fmt: Any) -> str:
    return LABELS[key][lang].format(**fmt)


def _next_runs(config: Any, rows: list[dict[str, Any]]) -> dict[str, datetime | None]:
    try:
        scheduler = load_scheduler_module()
    except ImportError:
        return {}
    last = {
        r["name"]: datetime.fromisoformat(r["last_started_at"].rstrip("Z")).replace(tzinfo=timezone.utc)
        for r in rows if r["last_started_at"]
    }
    return scheduler.next_run_times(config, datetime.now(timezone.utc), last)


lang = state.lang()
path = state.db_path()
store = state.store(path)
st.title(L("title", lang))
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
        L("next", lang): next_runs[s["name"]].astimezone(config.tz).strftime("%Y-%m-%d %H:%M:%S")
        if next_runs.get(s["name"]) else "—",
        L("last", lang): outcome_text(s["last_outcome"], lang) if s["last_outcome"] else "—",
        L("last_at", lang): (s["last_started_local"] or "—")[:19].replace("T", " "),
        L("error", lang): s["last_error"] or "",
    }
    for s in sources
])
st.dataframe(table, hide_index=True, width="stretch")

if sources and auth.may_edit(lang):
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c1.selectbox(L("pick", lang), [s["name"] for s in sources], key="refresh_source")
    if c2.button(L("run_now", lang), type="primary", key="refresh_run_now"):
        with st.spinner(escape_markdown(chosen)):
            try:
                result = run_sources(store, config, [chosen], trigger="dashboard")[0]
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
            L("started", lang): (r["started_local"] or "")[:19].replace("T", " "),
            L("finished", lang): (r["finished_local"] or "")[11:19],
            L("name", lang): r["source"],
            L("outcome", lang): outcome_text(r["outcome"], lang),
            L("files", lang): r["files"],
            L("seen", lang): r["rows_seen"],
            L("new", lang): r["rows_new"],
            L("revised", lang): r["rows_revised"],
            L("unchanged", lang): r["rows_unchanged"],
            L("rejected", lang): r["rows_rejected"],
            L("trigger", lang): TRIGGER_WORD.get(r["trigger"], {}).get(lang, r["trigger"]),
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
        when = (e["occurred_local"] or "")[:16].replace("T", " ")
        with st.expander(escape_markdown(f"{when} · {e['title']}")):
            # The message quotes names, sources and errors: shown as text, never as markdown.
            st.text("\n".join(e["message"].splitlines()[1:]))
            if e["deliveries"]:
                st.caption(escape_markdown(f"{L('alerts', lang)}: {e['deliveries']}"))
else:
    st.info(L("no_events", lang))
