"""`monitor refresh`, `monitor runs`, `monitor events`, `monitor scheduler` and `monitor leader`.

Only click is imported at module level (the CLI must start fast); apscheduler is imported by
`monitor scheduler` alone, through the repository's scheduler.py.
"""

from __future__ import annotations

import functools
import json
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

SOURCES_HELP = "Sources file (else $MONITOR_SOURCES, else data/sources.toml, else the example)."


def _echo(message: str, err: bool = False) -> None:
    """click.echo with control characters escaped: run logs, events and source names are stored text
    (monitor.cli says why)."""
    from monitor.model.validate import escape_controls

    click.echo(escape_controls(message), err=err)


def _handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from monitor.errors import MonitorError

        try:
            return func(*args, **kwargs)
        except MonitorError as e:
            from monitor.cli import _fail  # the one error report of every command (with located problems)

            _fail(e)

    return wrapper


def _store(ctx: click.Context) -> Any:
    from monitor.store.connection import open_store

    return open_store((ctx.obj or {}).get("db"))


def _config(path: str | None, quiet: bool = False, db: str | None = None) -> Any:
    from monitor.services.refresh.sources import load_config

    config = load_config(path, store=db)
    if config.note and not quiet:
        _echo(f"Note: {config.note}", err=True)
    return config


class _Terminated(BaseException):
    """SIGTERM during `monitor refresh` (a BaseException: no `except Exception` of a run swallows it)."""


def _terminated(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: the cleanup must not be interrupted
    raise _Terminated()


def _json(data: Any) -> None:
    from monitor.cli import _json as json_out

    json_out(data)


def _counts(r: dict[str, Any]) -> str:
    return (f"{r['rows_seen']} seen, {r['rows_new']} new, {r['rows_revised']} revised, "
            f"{r['rows_unchanged']} unchanged, {r['rows_rejected']} rejected")


@click.command()
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--sources", "sources_path", default=None, metavar="PATH", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_context
@_handles_errors
def refresh(ctx: click.Context, names: tuple[str, ...], sources_path: str | None, as_json: bool) -> None:
    """Refresh every enabled source now (or only --source NAME); exit 1 when a source failed."""
    import logging

    from monitor.services.refresh.run import run_sources

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = _config(sources_path, quiet=as_json, db=(ctx.obj or {}).get("db"))
    previous = signal.getsignal(signal.SIGTERM)
    # SIGTERM as an exception: the run in progress rolls back and its temporary files are removed
    # (the default action would end the process at once and leave them in the temp folder).
    signal.signal(signal.SIGTERM, _terminated)
    try:
        results = run_sources(_store(ctx), config, list(names), trigger="cli")
    except _Terminated:
        click.echo("Error: stopped by SIGTERM; the run in progress was not recorded and its files stay "
                   "where they were", err=True)
        sys.exit(128 + signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        _json([r.as_dict() for r in results])
    else:
        if not results:
            _echo(f"No enabled source in {config.path}.")
        for r in results:
            _echo(r.summary())
            for report in r.reports:
                if report.get("moved_to"):
                    _echo(f"  {report['file']} -> {report['moved_to']}")
                for problem in (report.get("problems") or [])[:10]:
                    _echo(f"  {problem}", err=True)
            for e in r.events:
                change = f" {e['old_status']} → {e['new_status']}" if e["kind"] == "status_changed" else ""
                _echo(f"  event {e['kind']}: {e['indicator_id'] or e['source']}{change}")
            for d in r.deliveries:
                _echo(f"  alert {d['kind']} → {d['channel']}: " + ("sent" if d["sent"] else f"failed ({d['error']})"))
    if any(r.failed for r in results):
        sys.exit(1)


@click.command()
@click.option("--source", default=None, metavar="NAME", help="Only this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--sources", "sources_path", default=None, metavar="PATH", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (times in UTC and in the configured time zone).")
@click.pass_context
@_handles_errors
def runs(ctx: click.Context, source: str | None, limit: int, sources_path: str | None, as_json: bool) -> None:
    """Run history, newest first: source, started, finished, outcome, counts, error."""
    from monitor.services.refresh.run import run_rows

    rows = run_rows(_store(ctx), _config(sources_path, quiet=True, db=(ctx.obj or {}).get("db")), source, limit)
    if as_json:
        _json(rows)
        return
    if not rows:
        _echo("No refresh runs yet (run `monitor refresh`).")
        return
    for r in rows:
        started = (r["started_local"] or "")[:19].replace("T", " ")
        finished = (r["finished_local"] or "")[11:19]
        _echo(f"{started}–{finished}  {r['source']:<20} {r['outcome']:<8} {r['files']} file(s), {_counts(r)}  [{r['trigger']}, run {r['id']}]")
        if r["error"]:
            _echo(f"    error: {r['error']}")


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Language of the messages (default: the sources file's).")
@click.option("--sources", "sources_path", default=None, metavar="PATH", help=SOURCES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_handles_errors
def events(ctx: click.Context, limit: int, lang: str | None, sources_path: str | None, as_json: bool) -> None:
    """Events, newest first: status changes, goals that became stale, failed sources."""
    from monitor.services.refresh.run import event_rows

    rows = event_rows(_store(ctx), _config(sources_path, quiet=True, db=(ctx.obj or {}).get("db")), limit, lang)
    if as_json:
        _json(rows)
        return
    if not rows:
        _echo("No events yet.")
        return
    for r in rows:
        when = (r["occurred_local"] or "")[:19].replace("T", " ")
        _echo(f"{when}  {r['kind']:<15} {r['title']}" + (f"  [alerts: {r['deliveries']}]" if r["deliveries"] else ""))
        for line in r["message"].splitlines()[1:]:
            _echo(f"    {line}")


@click.command()
@click.option("--sources", "sources_path", default=None, metavar="PATH", help=SOURCES_HELP)
@click.option("--lease", default=None, metavar="SECONDS", envvar="MONITOR_SCHEDULER_LEASE",
              help="Leadership lease (default 15): a standby takes over within about 4/3 of it after the leader dies.")
@click.pass_context
def scheduler(ctx: click.Context, sources_path: str | None, lease: str | None) -> None:
    """Run the scheduled refreshes in the foreground until Ctrl-C or SIGTERM (see scheduler.py).

    Several schedulers may run against one store (on one host or several): the one holding the lease
    runs the jobs, the others wait as standbys and take over when its lease expires."""
    from monitor.errors import MonitorError
    from monitor.services.refresh import load_scheduler_module

    try:
        module = load_scheduler_module()
    except ImportError as e:  # pragma: no cover - apscheduler is a dependency
        _echo(f"Error: cannot start the scheduler: {e}", err=True)
        sys.exit(1)
    module.configure_logging()
    try:
        code = module.serve((ctx.obj or {}).get("db"), sources_path, lease)
    except MonitorError as e:
        from monitor.cli import _fail

        _fail(e)
    sys.exit(code)


@click.command()
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000), help="Leadership events shown.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@_handles_errors
def leader(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Which scheduler holds the lease (runs the jobs) and the last leadership changes."""
    from monitor.services.leader import leader_status

    status = leader_status(_store(ctx), limit)
    if as_json:
        _json(status)
        return
    if status["holder"] is None:
        _echo("No scheduler holds the lease.")
    elif status["live"]:
        _echo(f"Leader: {status['holder']} (since {status['acquired_at']}, lease until {status['expires_at']})")
    else:
        _echo(f"No live leader: the lease of {status['holder']} expired at {status['expires_at']}")
    for e in status["events"]:
        if e.get("previous_holder"):
            extra = f" after {e['previous_holder']} ({e['reason']})"
        elif e["kind"] in ("leader_lost", "run_abandoned") and e.get("reason"):
            extra = f": {e['reason']}"  # why it stopped leading, or why a run wrote nothing
        else:
            extra = ""
        _echo(f"  {e['occurred_at']}  {e['kind']:<15} {e['holder']}{extra}")


def register(main: click.Group) -> None:
    """Add the refresh commands to the `monitor` group."""
    for command in (refresh, runs, events, scheduler, leader):
        main.add_command(command)
