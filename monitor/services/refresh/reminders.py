"""Submission reminders: a scheduled job of the refresh service (``scheduler.py``, job id ``reminders``).

    remind(store, config, *, today=None, lease=None, deliver=True, ...) -> {"recorded": n, "deliveries": [...]}

Every run (the sources file's ``[reminders]``: ``cron``, default daily at 09:00 in its time zone, and
``days_before``, default 7) looks at the offices some channel names in ``offices``, takes the readings
they owe that fall due within ``days_before`` days (monitor.present.offices.due_within: each indicator's
next period from its frequency, due its publication lag after the period ends) and records one
``due_soon`` event per (office, indicator, period, due date). The event's id is derived from those four,
so a later run — the next day, a second scheduler, `monitor remind` run by hand — finds it recorded
and records nothing: a reminder for one due date exists once, and the alert machinery
(monitor.services.refresh.alerts) sends each event to each channel at most once. Only the channels
naming the event's office get it. Overdue readings are not reminded of (``became_stale`` says so).

With ``lease`` (the scheduler's), the write commits only while this process holds the scheduler lease.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from monitor.services.refresh.sources import RefreshConfig
from monitor.store.connection import Store

__all__ = ["reminder_id", "remind"]


def reminder_id(office: str, indicator_id: str, period_end: str, due: str) -> str:
    """The id of the reminder for one office's reading of one period due on one day: the same every run."""
    key = "\x1f".join(("due_soon", office, indicator_id, period_end, due))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def remind(
    store: Store,
    config: RefreshConfig,
    *,
    today: date | None = None,
    lease: Any = None,
    deliver: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    transport: Any = None,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, Any]:
    """Record the reminders now due (each once) and, with ``deliver``, send the undelivered events.
    ``today``: default today in the sources file's time zone; ``clock`` (naive UTC) stamps the events."""
    from monitor.present.offices import due_within
    from monitor.present.workspace import title
    from monitor.services.refresh.alerts import deliver_pending
    from monitor.services.refresh.run import ensure_schema, utc_now
    from monitor.store import refresh_queries

    ensure_schema(store)
    clock = clock or utc_now
    day = today or datetime.now(config.tz).date()
    offices = config.reminder_offices
    recorded = 0
    if offices and config.reminders.enabled:
        due = due_within(store, offices, day, config.reminders.days_before)
        from monitor.files.catalog import read_profile

        profile = read_profile(store)
        workspace = {lang: title(profile, lang) for lang in ("zh", "en")}
        now = clock()
        events = [{
            "id": reminder_id(d["office"], d["indicator_id"], d["period_end"], d["due"]),
            "run_id": None, "kind": "due_soon", "occurred_at": now, "source": None,
            "indicator_id": d["indicator_id"], "target_id": None, "old_status": None, "new_status": None,
            "payload": json.dumps(d | {"days_before": config.reminders.days_before, "workspace": workspace},
                                  ensure_ascii=False),
        } for d in due]
        with store.write() as con:
            known = refresh_queries.known_event_ids(con, [e["id"] for e in events])
            new = [e for e in events if e["id"] not in known]
            refresh_queries.insert_events(con, new)
            if lease is not None:
                lease.check(con)  # last, just before the commit (as a refresh run's writes)
        recorded = len(new)
    deliveries = deliver_pending(store, config, sleep=sleep, transport=transport, clock=clock) if deliver else []
    return {"day": day, "recorded": recorded, "deliveries": deliveries}
