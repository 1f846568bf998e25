#!/usr/bin/env python3
"""The refresh service: one BlockingScheduler in its own process, one job per source.

    python scheduler.py [--db PATH] [--sources PATH]        (or: monitor scheduler)

- Jobs have explicit ids (``refresh:<source>``), ``coalesce=True`` (runs missed while the process
  was busy or asleep collapse into one), ``max_instances=1`` (a slow source never overlaps itself)
  and ``misfire_grace_time=None`` (a late job still runs, however late, instead of being skipped).
- ``cron`` is read in the sources file's time zone (default Asia/Shanghai); ``every`` is an interval.
  Sources with ``run_on_start = true`` also run as soon as the scheduler starts.
- SIGTERM and SIGINT stop the scheduler after the running job has finished
  (``scheduler.shutdown(wait=True)``); the exit code is then 0.
- One scheduler per database: an exclusive lock on ``<db>.scheduler.lock`` is held for the life of
  the process; a second scheduler refuses to start with a clear message (exit code 73).

This module and `monitor scheduler` are the only places that import apscheduler; the refresh logic
itself lives in ``monitor.refresh``.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import logging
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `python scheduler.py` from a checkout

from monitor.errors import MonitorError  # noqa: E402
from monitor.refresh import SchedulerRunning  # noqa: E402
from monitor.refresh.sources import RefreshConfig, Source, crontab_weekdays, load_config  # noqa: E402

IS_MONITOR_SCHEDULER = True
log = logging.getLogger("monitor.scheduler")
# coalesce: runs missed while busy or asleep collapse into one; max_instances: a slow source never
# overlaps itself; misfire_grace_time None: a late run still happens, however late.
JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
LOCK_WAIT_S = 2.0  # a dashboard probing the lock holds it for microseconds; do not mistake that for a scheduler


# ---------------------------------------------------------------- triggers (also used without a scheduler)


def build_trigger(source: Source, tz: Any) -> CronTrigger | IntervalTrigger | None:
    """The APScheduler trigger of a source in time zone ``tz`` (None for a manual-only source)."""
    if source.cron:
        minute, hour, day, month, weekday = source.cron.split()
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=crontab_weekdays(weekday), timezone=tz)
    if source.every:
        return IntervalTrigger(seconds=source.every.total_seconds(), timezone=tz)
    return None


def next_run_time(source: Source, tz: Any, now: datetime, last_started: datetime | None = None) -> datetime | None:
    """When the source will next run (estimated for intervals: from its last run, else from now)."""
    if source.every and last_started is not None:
        start = last_started if last_started.tzinfo else last_started.replace(tzinfo=timezone.utc)
        trigger: Any = IntervalTrigger(seconds=source.every.total_seconds(), start_date=start, timezone=tz)
    else:
        trigger = build_trigger(source, tz)
    if trigger is None:
        return None
    return trigger.get_next_fire_time(None, now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=timezone.utc).astimezone(tz))


def next_run_times(config: RefreshConfig, now: datetime | None = None,
                   last_started: dict[str, datetime | None] | None = None) -> dict[str, datetime | None]:
    now = now or datetime.now(timezone.utc)
    last_started = last_started or {}
    return {
        s.name: next_run_time(s, config.tz, now, last_started.get(s.name)) if s.enabled else None
        for s in config.sources
    }


# ---------------------------------------------------------------- one scheduler per database


def scheduler_lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".scheduler.lock")


def acquire_lock(db: Path, wait_s: float = LOCK_WAIT_S) -> int:
    """An exclusive flock on ``<db>.scheduler.lock`` for the life of the process; its descriptor."""
    path = scheduler_lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise SchedulerRunning(
                    f"another scheduler (pid {holder}) is already running for database {db}; "
                    f"stop it first (lock: {path})"
                ) from None
            time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
    return fd


def is_running(db: Path) -> bool:
    """Whether a scheduler holds the database's scheduler lock (probed without waiting)."""
    path = scheduler_lock_path(db)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the probe's shared lock at once


# ---------------------------------------------------------------- the service


class _Stop(Exception):
    """Raised by the signal handler to leave BlockingScheduler.start()."""


def build_scheduler(config: RefreshConfig, db: Path) -> BlockingScheduler:
    from monitor.refresh.run import run_source
    from monitor.store.connection import Store

    scheduler = BlockingScheduler(timezone=config.tz, job_defaults=JOB_OPTIONS)

    def job(name: str) -> None:
        source = config.source(name)
        store = Store(db)
        try:
            result = run_source(store, config, source, trigger="scheduler")
            if result.failed:
                log.warning("%s", result.summary())
        except MonitorError as e:
            log.error("refresh of %s could not be recorded: %s", name, e)
        finally:
            store.close()

    now = datetime.now(config.tz)
    for source in config.sources:
        if not source.enabled:
            log.info("source %s is disabled", source.name)
            continue
        trigger = build_trigger(source, config.tz)
        if trigger is None:
            log.info("source %s has no schedule (cron or every): run it with `monitor refresh --source %s`", source.name, source.name)
            continue
        extra = {"next_run_time": now} if source.run_on_start else {}
        scheduler.add_job(job, trigger, args=[source.name], id=f"refresh:{source.name}",
                          name=f"refresh {source.name} ({source.schedule})", replace_existing=True,
                          **JOB_OPTIONS, **extra)
    return scheduler


def serve(db: str | None = None, sources: str | None = None) -> int:
    """Run the scheduler until SIGTERM/SIGINT; 0 after a clean stop."""
    from monitor.refresh.run import ensure_schema
    from monitor.store.connection import Store

    config = load_config(sources)
    if config.note:
        log.warning("%s", config.note)
    store = Store(db)
    ensure_schema(store)
    store.close()
    lock_fd = acquire_lock(store.path)
    scheduler = build_scheduler(config, store.path)

    def stop(signum: int, frame: Any) -> None:
        # Later signals only log: the first one is already stopping the scheduler.
        signal.signal(signal.SIGTERM, lambda *_: log.info("already stopping"))
        signal.signal(signal.SIGINT, lambda *_: log.info("already stopping"))
        raise _Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    jobs = scheduler.get_jobs()
    log.info("scheduler started for %s with %d job(s) (sources: %s; time zone %s; pid %d)",
             store.path, len(jobs), config.path, config.timezone, os.getpid())
    for j in jobs:
        log.info("  %s: %s", j.id, j.name)
    try:
        scheduler.start()
    except _Stop as e:
        log.info("%s received: stopping after the running job", e)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        os.close(lock_fd)
    log.info("scheduler stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the scheduled refreshes of indicator-monitor.")
    parser.add_argument("--db", default=None, help="database file (else $MONITOR_DB, else data/monitor.duckdb)")
    parser.add_argument("--sources", default=None, help="sources file (else $MONITOR_SOURCES, else data/sources.toml)")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return serve(args.db, args.sources)
    except MonitorError as e:
        print(f"Error: {e}", file=sys.stderr)
        return e.exit_code


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines could show robot URLs


if __name__ == "__main__":
    sys.exit(main())
