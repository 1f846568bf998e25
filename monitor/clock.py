"""The workspace's clock: what day it is and how a stored time is shown, in one time zone.

Contract:

- The workspace has one time zone, the setting ``MONITOR_TIMEZONE`` (an IANA name, default
  Asia/Shanghai; docs/settings.md). Every "today" in the package and the apps is :func:`today`: the
  default as-of date of statuses, reports, cards and the dashboard, the limit of "in the future" for a
  reading's period end (form, ``monitor add``, imports, refreshes), staleness, a withdrawal's or a
  retirement's day. A reading dated today in the office's zone is never "in the future" because the
  server's clock is still on yesterday in UTC.
- Stored timestamps stay naive UTC (:func:`now_utc`), as every ``*_at`` column has always been; only
  what is shown moves: :func:`local` turns a stored time into the workspace's zone and :func:`stamp`
  writes it with its offset (``2026-12-05 00:30 UTC+8``), so a time is never read in the wrong zone.
  Machine-readable output (``--json``, exports, webhook payloads) keeps UTC with its ``Z``.
- The refresh sources file's ``timezone`` (when cron schedules fire) defaults to this zone.

All of it reads the clock through :func:`datetime.now` at call time, so a test freezes it with a real
time-travel library (time-machine) and a process that changes the setting sees it on its next call.
This module imports only the standard library and ``monitor.settings``: a leaf, like the settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from monitor import settings

__all__ = ["zone_name", "zone", "now_utc", "now", "today", "local", "stamp", "offset_text", "day_end_utc"]


def zone_name() -> str:
    """The workspace's IANA time zone name (``MONITOR_TIMEZONE``)."""
    return str(settings.get("MONITOR_TIMEZONE"))


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The workspace's time zone."""
    return _zone(zone_name())


def now_utc() -> datetime:
    """Now as naive UTC: what the store records in every ``*_at`` column."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """Now in the workspace's zone (aware)."""
    return datetime.now(zone())


def today() -> date:
    """Today's date in the workspace's zone: the one answer to "what day is it" in the package."""
    return now().date()


def local(ts: datetime | None) -> datetime | None:
    """A stored time (naive UTC, or aware) in the workspace's zone; None stays None."""
    if ts is None:
        return None
    return (ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts).astimezone(zone())


def offset_text(when: datetime) -> str:
    """The UTC offset of an aware time as ``UTC+8``, ``UTC-5`` or ``UTC+5:30`` (unambiguous, unlike "CST")."""
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def stamp(ts: datetime | None, *, seconds: bool = False, offset: bool = True) -> str:
    """A stored time as the workspace shows it: ``2026-12-05 00:30 UTC+8`` (``""`` for None)."""
    shown = local(ts)
    if shown is None:
        return ""
    text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {offset_text(shown)}" if offset else text


def day_end_utc(day: date) -> datetime:
    """The last moment of ``day`` in the workspace's zone, as naive UTC (what a "known on" date means)."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone())
    return (end - timedelta(microseconds=1)).astimezone(UTC).replace(tzinfo=None)
