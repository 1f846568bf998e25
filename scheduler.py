#!/usr/bin/env python3
"""The refresh service: one BlockingScheduler in its own process, one job per source.

    python -m scheduler [--db LOCATION] [--sources PATH] [--lease SECONDS]      (or: monitor scheduler)

- Jobs have explicit ids (``refresh:<source>``), ``coalesce=True`` (runs missed while the process
  was busy or asleep collapse into one), ``max_instances=1`` (a slow source never overlaps itself)
  and ``misfire_grace_time=None`` (a late job still runs, however late, instead of being skipped).
- ``cron`` is read in the sources file's time zone (default Asia/Shanghai); ``every`` is an interval.
  Sources with ``run_on_start = true`` also run as soon as the scheduler starts.
- With a channel naming ``offices`` (docs/alerts.md), one more job, ``reminders``, on the ``[reminders]``
  cron (default 09:00 daily): monitor.services.refresh.reminders records and sends the submission
  reminders due within ``days_before`` days, each due date once.
- SIGTERM and SIGINT stop the scheduler after the running job has finished
  (``scheduler.shutdown(wait=True)``); the exit code is then 0.
- Exactly one active scheduler per store, across processes and hosts: every scheduler runs a
  leadership loop (monitor/services/leader.py) on a lease row in the store. The one holding the lease runs the
  jobs; the others are standbys whose jobs stay paused until they take the lease over (when the
  leader's lease expires: within --lease + lease/3 seconds of its death). A leader that cannot renew
  its lease in time pauses its jobs before anyone else may start them (a renewal waits for the store
  up to that moment, so a long write of its own job does not cost it the lease); every job checks the
  lease before it runs, and each of its writes checks it again inside its transaction: a job whose
  scheduler lost the lease meanwhile writes nothing more and is logged as abandoned. A clean stop
  releases the lease at once.

This module and `monitor scheduler` are the only places that import apscheduler; the refresh logic
itself lives in ``monitor.services.refresh``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.errors import MonitorError
from monitor.services.refresh.sources import RefreshConfig, Source, crontab_weekdays, load_config

if TYPE_CHECKING:
    from monitor.services.leader import LeaseGuard

IS_MONITOR_SCHEDULER = True
log = logging.getLogger("monitor.scheduler")
# coalesce: runs missed while busy or asleep collapse into one; max_instances: a slow source never
# overlaps itself; misfire_grace_time None: a late run still happens, however late.
JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


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
        start = last_started if last_started.tzinfo else last_started.replace(tzinfo=UTC)
        trigger: Any = IntervalTrigger(seconds=source.every.total_seconds(), start_date=start, timezone=tz)
    else:
        trigger = build_trigger(source, tz)
    if trigger is None:
        return None
    return trigger.get_next_fire_time(None, now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=UTC).astimezone(tz))


def next_run_times(config: RefreshConfig, now: datetime | None = None,
                   last_started: dict[str, datetime | None] | None = None) -> dict[str, datetime | None]:
    now = now or datetime.now(UTC)
    last_started = last_started or {}
    return {
        s.name: next_run_time(s, config.tz, now, last_started.get(s.name)) if s.enabled else None
        for s in config.sources
    }


# ---------------------------------------------------------------- one active scheduler per store


def is_running(db: Any) -> bool:
    """Whether a scheduler leads for the store (a live lease), as the dashboard shows it.

    ``db``: a store, or a location (a file path or a ducklake: string)."""
    from monitor.services.leader import lease_state, utc_now
    from monitor.store.connection import open_store

    own = not hasattr(db, "read")
    store = open_store(db) if own else db
    try:
        if not store.exists:
            return False
        return lease_state(store).live(utc_now())
    except MonitorError:
        return False
    finally:
        if own:
            store.close()


# ---------------------------------------------------------------- the service


class _Stop(Exception):
    """Raised by the signal handler to leave BlockingScheduler.start()."""


def build_scheduler(config: RefreshConfig, db: Any, is_leader: Any = None,
                    lease: LeaseGuard | None = None) -> BlockingScheduler:
    """One job per scheduled source; with ``is_leader``, a job runs only while it says True; with
    ``lease``, each of its writes commits only while this process still holds the lease."""
    from monitor.services.refresh.run import run_source
    from monitor.store.connection import open_store

    scheduler = BlockingScheduler(timezone=config.tz, job_defaults=JOB_OPTIONS)

    def job(name: str) -> None:
        if is_leader is not None and not is_leader():
            log.info("refresh of %s skipped: this scheduler does not hold the lease", name)
            return
        source = config.source(name)
        store = open_store(db)
        try:
            result = run_source(store, config, source, trigger="scheduler", lease=lease)
            if result.failed:  # an abandoned run has been logged by run_source
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
    reminder = build_reminder_trigger(config)
    if reminder is not None:

        def remind_job() -> None:
            from monitor.services.refresh.reminders import remind

            if is_leader is not None and not is_leader():
                log.info("reminders skipped: this scheduler does not hold the lease")
                return
            store = open_store(db)
            try:
                done = remind(store, config, lease=lease)
                log.info("reminders of %s: %d recorded", done["day"], done["recorded"])
            except MonitorError as e:  # LeaseLost among them: nothing was written
                log.error("reminders could not be recorded: %s", e)
            finally:
                store.close()

        scheduler.add_job(remind_job, reminder, id="reminders",
                          name=f"reminders ({config.reminders.days_before} days ahead, cron {config.reminders.cron})",
                          replace_existing=True, **JOB_OPTIONS)
    return scheduler


def build_reminder_trigger(config: RefreshConfig) -> CronTrigger | None:
    """The reminder job's trigger ([reminders] cron, in the file's time zone); None when no channel names
    an office or the reminders are disabled: then there is no job."""
    if not config.reminder_offices or not config.reminders.enabled:
        return None
    minute, hour, day, month, weekday = config.reminders.cron.split()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=crontab_weekdays(weekday), timezone=config.tz)


def serve(db: str | None = None, sources: str | None = None, lease: float | str | None = None) -> int:
    """Run the scheduler until SIGTERM/SIGINT; 0 after a clean stop. Jobs run only while this process
    holds the store's scheduler lease (see monitor/services/leader.py)."""
    from monitor.services.leader import lease_seconds, open_leadership
    from monitor.services.refresh.run import ensure_schema
    from monitor.store.connection import open_store

    config = load_config(sources, store=db)
    if config.note:
        log.warning("%s", config.note)
    lease_s = lease_seconds(lease)
    store = open_store(db)
    ensure_schema(store)
    store.close()
    location = store.location
    # The lease on a store of its own (its own connection and mutex: the jobs open theirs), whose
    # renewals wait for the store's lock up to the leader's local deadline.
    leadership = open_leadership(location, lease_s)
    scheduler = build_scheduler(config, location, is_leader=leadership.is_leader, lease=leadership.guard())

    def elected() -> None:
        if scheduler.state == STATE_PAUSED:
            scheduler.resume()
            log.info("jobs resumed: this scheduler leads")

    def lost(reason: str) -> None:
        if scheduler.state == STATE_RUNNING:
            scheduler.pause()

    leadership.on_elected, leadership.on_lost = elected, lost
    # The leadership loop starts once the scheduler is started (paused), so that resume() can act.
    scheduler.add_listener(lambda event: leadership.start(), EVENT_SCHEDULER_START)

    def stop(signum: int, frame: Any) -> None:
        # Later signals only log: the first one is already stopping the scheduler.
        signal.signal(signal.SIGTERM, lambda *_: log.info("already stopping"))
        signal.signal(signal.SIGINT, lambda *_: log.info("already stopping"))
        raise _Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    jobs = scheduler.get_jobs()
    log.info("scheduler started for %s with %d job(s) (sources: %s; time zone %s; pid %d; lease %g s as %s)",
             store.path, len(jobs), config.path, config.timezone, os.getpid(), lease_s, leadership.holder)
    for j in jobs:
        log.info("  %s: %s", j.id, j.name)
    try:
        scheduler.start(paused=True)
    except _Stop as e:
        log.info("%s received: stopping after the running job", e)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        leadership.stop(release=True)  # after the running job: a standby may start the next one
        leadership.store.close()
    log.info("scheduler stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the scheduled refreshes of indicator-monitor.")
    parser.add_argument("--db", default=None,
                        help="database file or ducklake: location (else $MONITOR_DB, else data/monitor.duckdb)")
    parser.add_argument("--sources", default=None, help="sources file (else $MONITOR_SOURCES, else data/sources.toml)")
    parser.add_argument("--lease", default=None, metavar="SECONDS",
                        help="leadership lease (else $MONITOR_SCHEDULER_LEASE, else 15); a standby takes over "
                             "within about 4/3 of it after the leader dies")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return serve(args.db, args.sources, args.lease)
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
