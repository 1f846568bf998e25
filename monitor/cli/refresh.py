"""`monitor refresh`, `monitor runs`, `monitor events`, `monitor scheduler` and `monitor leader`.

Each command calls monitor.services (refresh, leader) and prints through monitor.cli.output; errors
are raised to the one handler in monitor.cli.app. Only click is imported at module level (the CLI
must start fast); apscheduler is imported by `monitor scheduler` alone, through the repository's
scheduler.py.
"""

from __future__ import annotations

import signal
import sys
from datetime import datetime
from typing import Any

import click

from monitor import clock
from monitor.cli.app import db_location, main, setting_option, store
from monitor.cli.output import echo, print_json
from monitor.errors import MonitorError


def _config(ctx: click.Context, path: str | None, quiet: bool = False) -> Any:
    from monitor.services.refresh.sources import load_config

    config = load_config(path, store=db_location(ctx))
    if config.note and not quiet:
        echo(f"Note: {config.note}", err=True)
    return config


class _Terminated(BaseException):
    """SIGTERM during `monitor refresh` (a BaseException: no `except Exception` of a run swallows it)."""


class Stopped(MonitorError):
    """`monitor refresh` ended by SIGTERM: its exit code is the shell's for that signal."""

    exit_code = 128 + signal.SIGTERM


def _terminated(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: the cleanup must not be interrupted
    raise _Terminated()


def _counts(r: dict[str, Any]) -> str:
    return (f"{r['rows_seen']} seen, {r['rows_new']} new, {r['rows_revised']} revised, "
            f"{r['rows_unchanged']} unchanged, {r['rows_rejected']} rejected")


@main.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@setting_option("MONITOR_SOURCES", "sources_path", metavar="PATH")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_context
def refresh(ctx: click.Context, names: tuple[str, ...], sources_path: str | None, as_json: bool) -> None:
    """Refresh every enabled source now (or only --source NAME); exit 1 when a source failed."""
    import logging

    from monitor.services.refresh.run import run_sources

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = _config(ctx, sources_path, quiet=as_json)
    previous = signal.getsignal(signal.SIGTERM)
    # SIGTERM as an exception: the run in progress rolls back and its temporary files are removed
    # (the default action would end the process at once and leave them in the temp folder).
    signal.signal(signal.SIGTERM, _terminated)
    try:
        results = run_sources(store(ctx), config, list(names), trigger="cli")
    except _Terminated:
        raise Stopped("stopped by SIGTERM; the run in progress was not recorded and its files stay "
                      "where they were") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        if not results:
            echo(f"No enabled source in {config.path}.")
        for r in results:
            echo(r.summary())
            for report in r.reports:
                if report.get("moved_to"):
                    echo(f"  {report['file']} -> {report['moved_to']}")
                for problem in (report.get("problems") or [])[:10]:
                    echo(f"  {problem}", err=True)
            for e in r.events:
                change = f" {e['old_status']} → {e['new_status']}" if e["kind"] == "status_changed" else ""
                echo(f"  event {e['kind']}: {e['indicator_id'] or e['source']}{change}")
            for d in r.deliveries:
                echo(f"  alert {d['kind']} → {d['channel']}: " + ("sent" if d["sent"] else f"failed ({d['error']})"))
    if any(r.failed for r in results):
        sys.exit(1)


@main.command()
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@setting_option("MONITOR_SOURCES", "sources_path", metavar="PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC and in the workspace's time zone).")
@click.pass_context
def runs(ctx: click.Context, source: str | None, limit: int, sources_path: str | None, as_json: bool) -> None:
    """Run history, newest first: source, started, finished, outcome, counts, error."""
    from monitor.services.refresh.run import run_rows

    rows = run_rows(store(ctx), _config(ctx, sources_path, quiet=True), source, limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("No refresh runs yet (run `monitor refresh`).")
        return
    for r in rows:
        started = clock.stamp(datetime.fromisoformat(r["started_local"]), seconds=True) if r["started_local"] else ""
        finished = (r["finished_local"] or "")[11:19]
        echo(f"{started}–{finished}  {r['source']:<20} {r['outcome']:<8} {r['files']} file(s), {_counts(r)}  [{r['trigger']}, run {r['id']}]")
        if r["error"]:
            echo(f"    error: {r['error']}")


@main.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the messages (default: the sources file's).")
@setting_option("MONITOR_SOURCES", "sources_path", metavar="PATH")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def events(ctx: click.Context, limit: int, lang: str | None, sources_path: str | None, as_json: bool) -> None:
    """Events, newest first: status changes, goals that became stale, failed sources."""
    from monitor.services.refresh.run import event_rows

    rows = event_rows(store(ctx), _config(ctx, sources_path, quiet=True), limit, lang)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("No events yet.")
        return
    for r in rows:
        when = clock.stamp(datetime.fromisoformat(r["occurred_local"]), seconds=True) if r["occurred_local"] else ""
        echo(f"{when}  {r['kind']:<15} {r['title']}" + (f"  [alerts: {r['deliveries']}]" if r["deliveries"] else ""))
        for line in r["message"].splitlines()[1:]:
            echo(f"    {line}")


@main.command()
@setting_option("MONITOR_SOURCES", "sources_path", metavar="PATH")
@setting_option("MONITOR_SCHEDULER_LEASE", "lease", metavar="SECONDS")
@click.pass_context
def scheduler(ctx: click.Context, sources_path: str | None, lease: str | None) -> None:
    """Run the scheduled refreshes in the foreground until Ctrl-C or SIGTERM (see scheduler.py).

    Several schedulers may run against one store (on one host or several): the one holding the lease
    runs the jobs, the others wait as standbys and take over when its lease expires."""
    from monitor.services.refresh import load_scheduler_module

    try:
        module = load_scheduler_module()
    except ImportError as e:  # pragma: no cover - apscheduler is a dependency
        raise MonitorError(f"cannot start the scheduler: {e}") from e
    module.configure_logging()
    sys.exit(module.serve(db_location(ctx), sources_path, lease))


@main.command()
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000), help="Leadership events shown.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def leader(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Which scheduler holds the lease (runs the jobs) and the last leadership changes."""
    from monitor.services.leader import leader_status

    status = leader_status(store(ctx), limit)
    if as_json:
        print_json(status)
        return
    if status["holder"] is None:
        echo("No scheduler holds the lease.")
    elif status["live"]:
        echo(f"Leader: {status['holder']} (since {status['acquired_at']}, lease until {status['expires_at']})")
    else:
        echo(f"No live leader: the lease of {status['holder']} expired at {status['expires_at']}")
    for e in status["events"]:
        if e.get("previous_holder"):
            extra = f" after {e['previous_holder']} ({e['reason']})"
        elif e["kind"] in ("leader_lost", "run_abandoned") and e.get("reason"):
            extra = f": {e['reason']}"  # why it stopped leading, or why a run wrote nothing
        else:
            extra = ""
        echo(f"  {e['occurred_at']}  {e['kind']:<15} {e['holder']}{extra}")
