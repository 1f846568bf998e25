"""The `monitor` command: a thin layer over the library.

Each command calls one library function. Every failure of every command ends in _fail: one line on
stderr starting with ``Error:`` (plus, for invalid input, its located problems, one per line) and
the exit code documented in the README (EXIT_CODES below): a MonitorError's own code, 74 for a file
that cannot be read or written, 130 for Ctrl-C, 70 for anything unexpected (a bug: the line names
the exception, and MONITOR_DEBUG=1 prints its traceback too). The group (MonitorGroup) catches what
a command lets escape, so no traceback reaches a user. When the reader of the output goes away
(`monitor readings | head -1`), the command ends quietly with 141, as a tool killed by SIGPIPE.
Heavy packages (pandas, streamlit, apscheduler, rich) are imported inside the
commands that need them, so `monitor add` starts about as fast as Python with duckdb.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from monitor.errors import MonitorError, ValidationError
from monitor.model.validate import escape_controls as _safe

# Everything this command prints that comes from the store, a file or an argument goes through _safe
# (control characters as visible escapes: a stored "\x1b]0;..." must not retitle or clear the terminal),
# and rich is never asked to read markup in it (_cells, _console).

F = TypeVar("F", bound=Callable[..., Any])


def _store(ctx: click.Context) -> Any:
    from monitor.store.connection import open_store

    return open_store(ctx.obj["db"])


@contextmanager
def _duckdb_without_pandas() -> Iterator[None]:
    """Tell DuckDB that pandas is absent, for commands that never need a DataFrame.

    duckdb 1.5.5 imports pandas and numpy on the first statement with bound parameters (to check
    whether a parameter is a DataFrame): 0.3 s of a 0.5 s `monitor add`. A None entry in
    sys.modules makes that import fail fast, and DuckDB then treats the values as plain Python ones.
    The entry is removed afterwards, so later code in the same process imports pandas as usual.
    """
    if "pandas" in sys.modules:
        yield
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]


DEBUG_ENV = "MONITOR_DEBUG"
EXIT_INTERNAL = 70  # EX_SOFTWARE: an exception the product does not expect (a bug)
EXIT_IO = 74  # EX_IOERR: a file other than the store could not be read or written
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a tool whose reader went away
# The README's table of exit codes; tests/test_cli_errors.py checks both agree.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "`monitor check` found a problem, or `monitor refresh` had a failed source",
    2: "unusable configuration or command-line usage (a missing option, a database path that is a folder, ...)",
    3: "an indicator, target or other named object does not exist",
    4: "the database could not be read or written (permission denied, disk full, not a database file, ...)",
    5: "invalid input: a reading, a file, a catalogue or a backup was refused; nothing was written",
    6: "a refresh source could not be fetched (monitor.services.refresh.FetchError)",
    70: f"an unexpected error (a bug): the line names the exception; rerun with {DEBUG_ENV}=1 for its traceback",
    73: "another scheduler already serves this database (monitor.services.refresh.SchedulerRunning)",
    74: "a file other than the database could not be read or written (e.g. `export --out` in a read-only folder)",
    75: "the database was busy (locked by another process) beyond the wait; nothing was written, retry",
    130: "interrupted (Ctrl-C); an unfinished write is rolled back",
    141: "the reader of the output went away (`monitor readings | head -1`); nothing more is printed",
}


def _quiet_exit_on_broken_pipe() -> NoReturn:
    # Point standard output at /dev/null: the interpreter flushes it again on exit, which would
    # print "Exception ignored ... BrokenPipeError" (docs.python.org, "Note on SIGPIPE").
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_exit_on_broken_pipe()


def _describe(error: BaseException) -> tuple[str, int]:
    """The message and exit code of any error a command may raise."""
    if isinstance(error, MonitorError):
        return str(error), error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return "interrupted; an unfinished write is rolled back", EXIT_INTERRUPTED
    if isinstance(error, UnicodeEncodeError):
        return (f"cannot print {error.object[error.start:error.end]!r} in this terminal's encoding "
                f"({error.encoding}); use a UTF-8 locale (e.g. LANG=C.UTF-8)"), EXIT_IO
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror or error}" if error.filename else f"{error.strerror or error}", EXIT_IO
    kind = type(error).__name__
    if type(error).__module__.split(".")[0] in ("duckdb", "_duckdb") and kind in ("IOException", "OutOfMemoryException"):
        # The database engine could not read or write a file (a full disk while spilling, say).
        from monitor.store.connection import one_line

        return f"database engine: {one_line(error)}", 4
    text = " ".join(str(error).split())[:300]
    return (f"unexpected {kind}" + (f": {text}" if text else "")
            + f" (a bug; rerun with {DEBUG_ENV}=1 to see where it happened, and report it)"), EXIT_INTERNAL


def _fail(error: BaseException) -> NoReturn:
    """End the command on ``error``: one `Error:` line (and invalid input's located problems), its exit code."""
    if isinstance(error, BrokenPipeError) or (isinstance(error, OSError) and error.errno == errno.EPIPE):
        _quiet_exit_on_broken_pipe()
    from monitor import settings

    if settings.get(DEBUG_ENV):
        import traceback

        traceback.print_exception(error)
    message, code = _describe(error)
    if isinstance(error, KeyboardInterrupt):
        click.echo(err=True)  # the terminal's ^C has no line break
    click.echo(_safe(f"Error: {message}"), err=True)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        for problem in error.problems[1:20]:
            click.echo(_safe(f"  {problem}"), err=True)
        if len(error.problems) > 20:
            click.echo(f"  ... and {len(error.problems) - 20} more", err=True)
    sys.exit(code)


def handles_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as e:
            _fail(e)

    return wrapper  # type: ignore[return-value]


class MonitorGroup(click.Group):
    """The `monitor` group: whatever a command lets escape ends in _fail, never in a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            _flush_stdout()  # a reader that went away is seen here, not by the interpreter's exit
            return result
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors: click prints them (exit code 2)
        except SystemExit:
            _flush_stdout()
            raise
        except (Exception, KeyboardInterrupt) as e:
            _fail(e)


def json_text(text: str) -> str:
    """JSON text with the control characters json.dumps leaves as they are (C1, line separators,
    bidirectional overrides: ensure_ascii=False keeps them) written as \\u escapes: the same JSON
    (such characters only occur inside strings, where the escape means the very character)."""
    from monitor.model.validate import CONTROL

    # C0 characters need nothing: json.dumps escapes them in strings, and the line breaks of its indent
    # are JSON's own whitespace.
    return CONTROL.sub(lambda m: m.group() if m.group() < "\x7f" else f"\\u{ord(m.group()):04x}", text)


def _json(data: Any) -> None:
    from monitor.files.export import json_ready

    # NaN and infinities as null (a store written before monitor.model.validate's rules may hold them; the
    # evidence says why such a reading was skipped).
    click.echo(json_text(json.dumps(json_ready(data), ensure_ascii=False, indent=2, default=str)))


def _data_out(text: str) -> str:
    """Data written to standard output (CSV, YAML) with its line feeds and tabs, and every other control
    character escaped, piped or not: such text cannot be imported again anyway (every entry path refuses
    it), and a terminal may be at the end of any pipe. `--out FILE` keeps the text exactly."""
    return _safe(text, keep="\n\t")


def _cells(*values: str) -> list[Any]:
    """Table cells as plain text: stored text such as "[/]" must never be read as rich markup, nor a
    control character reach the terminal."""
    from rich.text import Text

    return [Text(_safe(v)) for v in values]


def _warn_unusable(ctx: click.Context, lang: str = "en", indicator: str | None = None) -> None:
    """One line on stderr per stored value the engine skips (outside monitor.model.validate's rules: a store
    written before them), so a listing or status that still works says what it left out."""
    from monitor.present.i18n import t
    from monitor.store.maintenance import unusable_values

    with _store(ctx).read() as con:
        found = unusable_values(con)
    for u in found:
        if indicator in (None, u.indicator_id):
            click.echo(_safe(t("cli.unusable", lang, item=str(u))), err=True)


def _bounds_text(lower: float | None, upper: float | None) -> str:
    def show(x: float | None) -> str:
        return "" if x is None else f"{x:g}"

    return f"{show(lower)}..{show(upper)}"


def _check_domain(domain: str | None) -> None:
    from monitor.files.catalog import DOMAINS

    if domain is not None and domain not in DOMAINS:
        raise click.BadParameter(f"'{domain}' is not a domain; use one of {', '.join(DOMAINS)}", param_hint="--domain")


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD", param_hint=name) from None


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db",
    envvar="MONITOR_DB",
    default=None,
    metavar="PATH",
    help="Database file (else $MONITOR_DB, else data/monitor.duckdb).",
)
@click.version_option(package_name="indicator-monitor")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Track public development goals against their targets (Xining briefing of 11 July 2025)."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@main.command()
@click.option("--no-seed", is_flag=True, help="Create the schema only, without the briefing's goals.")
@click.option("--seed", "seed", type=click.Path(dir_okay=False), default=None, help="Catalogue file to seed from.")
@click.pass_context
@handles_errors
def init(ctx: click.Context, no_seed: bool, seed: str | None) -> None:
    """Create or migrate the database and load the seed (idempotent)."""
    from monitor.files.catalog import init_store

    result = init_store(_store(ctx), seed=seed, with_seed=not no_seed)
    applied = result["migrations_applied"]
    click.echo(f"Database {result['database']}: " + (f"applied migrations {applied}" if applied else "schema up to date"))
    if not no_seed:
        click.echo(
            "Seed: {indicators_new} new / {indicators_changed} changed indicators, "
            "{targets_new} new / {targets_revised} revised targets, "
            "{readings_new} new / {readings_revised} revised readings "
            "({readings_unchanged} unchanged)".format(**result)
        )


@main.command()
@click.option("--domain", default=None, help="Only this domain (tourism, ecology, digital, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handles_errors
def indicators(ctx: click.Context, domain: str | None, as_json: bool) -> None:
    """List the indicators with their units, measure kinds and targets."""
    from monitor.present import views

    _check_domain(domain)
    rows = views.indicator_rows(_store(ctx), domain)
    if as_json:
        _json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} indicators", show_lines=False)
    for name in ("id", "name", "domain", "unit (values)", "shown as", "measure", "frequency", "bounds", "targets"):
        table.add_column(name)
    for r in rows:
        bounds = _bounds_text(r["lower_bound"], r["upper_bound"])
        table.add_row(*_cells(r["id"], r["name_zh"], r["domain"], r["unit"], r["display_unit"], r["measure"],
                              r["frequency"], bounds, str(r["targets"])))
    _console().print(table)


@main.command()
@click.argument("indicator", required=False)
@click.option("--history", is_flag=True, help="Every revision, not only the latest.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar="MONITOR_LANG", default="zh", show_default=True)
@click.pass_context
@handles_errors
def readings(ctx: click.Context, indicator: str | None, history: bool, as_json: bool, lang: str) -> None:
    """List readings (latest revision of each period), optionally of one INDICATOR."""
    from monitor.present import views

    rows = views.reading_rows(_store(ctx), indicator, history, lang=lang)
    _warn_unusable(ctx, lang, indicator)
    if as_json:
        _json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} readings" + (" (all revisions)" if history else ""))
    for name in ("indicator", "period", "value", "qualifier", "rev", "source", "recorded"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(*_cells(
            r["indicator_id"], r["period_label"], r["value_display"], r["qualifier"], str(r["revision"]),
            r["source"] or "", (r["recorded_at"] or "")[:16],
        ))
    _console().print(table)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("indicator")
@click.argument("value")
@click.option("--period-end", required=True, metavar="DATE", help="Last day of the period (YYYY-MM-DD).")
@click.option("--period-start", default=None, metavar="DATE", help="First day (default: from the indicator's frequency).")
@click.option("--unit", default=None, help="Unit VALUE is given in, e.g. 万人次 (default: the base unit).")
@click.option("--qualifier", default=None, help="exact | approx | at_least | more_than | at_most (or 约, 以上, 余).")
@click.option("--source", default=None, help="Where the figure comes from.")
@click.option("--note", default=None)
@click.pass_context
@handles_errors
def add(ctx: click.Context, indicator: str, value: str, period_end: str, period_start: str | None,
        unit: str | None, qualifier: str | None, source: str | None, note: str | None) -> None:
    """Append one reading of INDICATOR (a changed value for a period becomes a new revision)."""
    from monitor.files.ingest import add_reading

    with _duckdb_without_pandas():
        report = add_reading(
            _store(ctx), indicator, value, period_end, period_start=period_start, unit=unit,
            qualifier=qualifier, source=source, note=note, recorded_by="cli",
        )
    outcome = "new reading" if report.new else "new revision" if report.revised else "unchanged (same value already recorded)"
    click.echo(_safe(f"{indicator}: {outcome}"))


@main.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; quarantine the rest.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@handles_errors
def import_(ctx: click.Context, file: str, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Import readings from a CSV (UTF-8 or GB18030), XLSX, Parquet or JSON FILE."""
    from monitor.files.ingest import import_file

    progress = None
    bar: Any = None
    if not as_json and Path(file).exists() and Path(file).stat().st_size > 5_000_000:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(f"importing {Path(file).name}", total=4)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, description=f"{Path(file).name}: {step}")

    try:
        report = import_file(_store(ctx), file, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress)
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        _json(report.as_dict())
    else:
        verb = "would import" if dry_run else "imported"
        click.echo(_safe(
            f"{report.file}: {report.rows} rows, {report.valid} valid, {report.rejected} rejected; "
            f"{verb} {report.new} new, {report.revised} revised, {report.unchanged} unchanged"
        ))
        for problem in report.problems[:20]:
            click.echo(_safe(f"  {problem}"), err=True)
        # Only the first ingest.PROBLEMS_KEPT problems are kept in memory; problem_count has them all.
        total = max(report.problem_count, len(report.problems))
        if total > 20:
            where = " (all listed by `monitor rejected`)" if report.written else ""
            click.echo(f"  ... and {total - 20} more{where}", err=True)
    if dry_run and report.problems and not skip_invalid:
        click.echo(_safe(f"Error: {report.file}: {report.rejected} of {report.rows} rows invalid; "
                         "an import would write nothing (use --skip-invalid to import the valid rows)"), err=True)
        sys.exit(ValidationError.exit_code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (to hand back to whoever sent the file).")
@click.pass_context
@handles_errors
def rejected(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List rows rejected by imports with --skip-invalid (the quarantine)."""
    from monitor.present import views

    rows = views.rejected_rows(_store(ctx))
    if as_json:
        _json(rows)
        return
    if as_csv:
        from monitor.files.export import neutralise, write_csv_rows

        import io

        header = ["file", "row_number", "column_name", "reason", "raw_value", "raw_row", "batch_id", "rejected_at"]
        buffer = io.StringIO()
        write_csv_rows(buffer, [header, *[[neutralise(str(r[h]) if r[h] is not None else "") for h in header]
                                          for r in rows]])
        click.echo(_data_out(buffer.getvalue()), nl=False)
        return
    if not rows:
        click.echo("No rejected rows.")
        return
    for r in rows:
        click.echo(_safe(f"{r['file']}, row {r['row_number']}, column '{r['column_name']}': {r['reason']}"
                         + (f" (got {r['raw_value']!r})" if r["raw_value"] is not None else "")))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output for csv/json).")
@click.option("--history", is_flag=True, help="Include every revision and target version.")
@click.pass_context
@handles_errors
def export(ctx: click.Context, fmt: str, out: str | None, history: bool) -> None:
    """Export readings (csv, parquet, xlsx) or everything (json: indicators, targets, readings)."""
    from monitor.files.export import export_store

    text = export_store(_store(ctx), fmt, out, history=history)
    _warn_unusable(ctx)
    if text is not None:
        click.echo(json_text(text) if fmt == "json" else _data_out(text), nl=False)
    else:
        click.echo(_safe(f"Wrote {out}"), err=True)


def _parse_known_on(value: str | None) -> date | datetime | None:
    """--known-on: a date (through the end of that day, UTC) or an ISO date-time (UTC unless it has an offset)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM",
                                 param_hint="--known-on") from None


@main.command()
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Judge as of this date (default: the --known-on date, else today).")
@click.option("--known-on", "known_on", default=None, metavar="DATE",
              help="As the store knew it on this date (UTC; or YYYY-MM-DDTHH:MM): later readings, revisions and targets are left out.")
@click.option("--domain", default=None, help="Only this domain (tourism, ecology, digital, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list with the evidence of every status.")
@click.option("--lang", type=click.Choice(["zh", "en"]), envvar="MONITOR_LANG", default="zh", show_default=True)
@click.pass_context
@handles_errors
def status(ctx: click.Context, as_of: str | None, known_on: str | None, domain: str | None, as_json: bool,
           lang: str) -> None:
    """Status of every goal: achieved, on track, needs acceleration, ... with its numbers."""
    _check_domain(domain)
    known = _parse_known_on(known_on)
    known_day = known.date() if isinstance(known, datetime) else known
    day = _parse_day(as_of, "--as-of") or known_day or date.today()
    from monitor.present.wording import json_record, status_table
    from monitor.status import Detail, statuses

    if as_json:
        # JSON carries the full evidence (every reading skipped and why), and the status in words.
        _json([json_record(r) for r in statuses(_store(ctx), day, domain=domain, known_on=known, detail=Detail.FULL)])
        _warn_unusable(ctx, lang)
        return
    # The table explains each status from the summary evidence, which monitor.status computes for
    # every goal at once (12-24x faster on a large store, docs/benchmarks.md): a status poll holds
    # the read lock, and with it every writer, for that long.
    records = [r.as_dict() for r in statuses(_store(ctx), day, domain=domain, known_on=known, detail=Detail.SUMMARY)]

    if known is not None:
        click.echo(f"截至 {known.isoformat()}（UTC）库中已知的数据；其后录入的数据、修订和目标不计入。" if lang == "zh"
                   else f"As known on {known.isoformat()} (UTC): readings, revisions and targets recorded later are left out.")
    _console().print(status_table(records, day, lang))
    _warn_unusable(ctx, lang)


def _console() -> Any:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich's own exits with 1; every command ends alike (141)
            self.quiet = True
            _quiet_exit_on_broken_pipe()

    # Piped output has no terminal width; a narrow default would fold every cell.
    # No markup, emoji codes or highlighting in plain strings either: what is printed is shown as written.
    return _Console(width=None if sys.stdout.isatty() else 160, markup=False, emoji=False, highlight=False)


def _dashboard_command(db: str, address: str, port: int) -> list[str]:
    # The app is the installed `dashboards` package's entry, found by import (a checkout and a wheel alike);
    # Streamlit takes a script path, not a module name.
    import importlib.util

    spec = importlib.util.find_spec("dashboards.app")
    if spec is None or spec.origin is None:
        raise MonitorError("the dashboard is not installed (the dashboards package is missing): reinstall indicator-monitor")
    return [
        sys.executable, "-m", "streamlit", "run", spec.origin,
        "--server.address", address, "--server.port", str(port),
        # What .streamlit/config.toml says, on the command line, so that an installed copy started from any
        # folder behaves alike: no e-mail prompt, no browser to open on a server, no usage statistics sent,
        # no developer menu for viewers, an error's type without its stack, the upload limit the import
        # page states.
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "type", "--server.maxUploadSize", "20", "--server.runOnSave", "false",
    ]


@main.command()
@click.option("--address", default="127.0.0.1", show_default=True, help="Address the dashboard listens on.")
@click.option("--port", default=8501, show_default=True, type=int)
@click.option("--sources", default=None, type=click.Path(dir_okay=False),
              help="Sources file for the scheduler (else $MONITOR_SOURCES, else data/sources.toml, else the example).")
@click.option("--no-scheduler", is_flag=True, help="Serve the dashboard only.")
@click.pass_context
@handles_errors
def up(ctx: click.Context, address: str, port: int, sources: str | None, no_scheduler: bool) -> None:
    """Run the whole product: the refresh scheduler and the dashboard, until Ctrl-C stops both."""
    import os
    import subprocess

    from monitor.files.catalog import init_store

    store = _store(ctx)
    created = not store.exists
    if created:
        result = init_store(store)
        click.echo(f"Created {result['database']} with {result['indicators_new']} indicators from the briefing.")
    from monitor.store.connection import is_lake

    # What the children open: the file's absolute path, or the ducklake: location as given.
    location = store.location if is_lake(store.location) else str(Path(store.location).resolve())
    env = dict(os.environ, MONITOR_DB=location)
    children: list[subprocess.Popen[bytes]] = []
    scheduler: subprocess.Popen[bytes] | None = None
    if not no_scheduler:
        from monitor.services.refresh.run import stage_example_samples
        from monitor.services.refresh.sources import load_config

        config = load_config(sources)
        if sources:
            env["MONITOR_SOURCES"] = str(Path(sources).resolve())
        if created:
            stage_example_samples(config)
        scheduler = subprocess.Popen(
            # The location goes by MONITOR_DB in the environment, not the command line: a lake's may
            # hold a password, and any local user can read a process's arguments.
            [sys.executable, "-m", "scheduler", *(["--sources", sources] if sources else [])], env=env
        )
        children.append(scheduler)
    dashboard = subprocess.Popen(_dashboard_command(location, address, port), env=env)
    children.append(dashboard)
    click.echo(f"Dashboard: http://{address}:{port}  (database {store.path}; Ctrl-C stops everything)")
    try:
        while dashboard.poll() is None:
            if scheduler is not None and scheduler.poll() is not None:
                click.echo(f"The scheduler stopped (exit code {scheduler.returncode}); see its messages above.", err=True)
                scheduler = None
            _sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    sys.exit(0)


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Backup folder (default: data/backups/<name>-<UTC time>).")
@click.pass_context
@handles_errors
def backup(ctx: click.Context, out: str | None) -> None:
    """Write every table as Parquet with a manifest of row counts and digests."""
    from monitor.store.maintenance import backup as run_backup

    click.echo(_safe(f"Backup written to {run_backup(_store(ctx), out)}"))
    # A store written before the value rules may hold values a restore refuses: say so now, not then.
    from monitor.store.maintenance import unusable_values

    with _store(ctx).read() as con:
        found = unusable_values(con, current_only=True)
    if found:
        click.echo(f"Warning: {len(found)} stored value(s) cannot be used, and `monitor restore` refuses a backup "
                   "holding them; correct them first (see `monitor check`), then back up again.", err=True)
        for u in found[:20]:
            click.echo(_safe(f"  {u}"), err=True)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace an existing database (kept as <name>.before-restore-<UTC time>).")
@click.pass_context
@handles_errors
def restore(ctx: click.Context, folder: str, force: bool) -> None:
    """Rebuild the database from a backup FOLDER and verify it against the manifest.

    The backup must hold every table of its schema version, each matching the manifest's row count
    and digest; otherwise nothing changes. The file replaced is kept as <name>.before-restore-<UTC
    time> (never overwritten, never deleted: remove old ones when no longer needed)."""
    from monitor.store.maintenance import restore as run_restore

    result = run_restore(_store(ctx), folder, force=force)
    counts = ", ".join(f"{table} {rows}" for table, rows in result["tables"].items())
    from monitor.store.schema import LATEST_VERSION

    version = result["schema_version"]
    migrated = f", migrated to {LATEST_VERSION}" if version < LATEST_VERSION else ""
    click.echo(f"Restored {result['database']} (a backup of schema version {version}{migrated}): {counts}")
    if result.get("kept"):
        kept = Path(result["kept"])
        click.echo(f"The database it replaced is kept as {kept} ({_megabytes(kept.stat().st_size)}).")
        click.echo(f"{result['kept_copies']} kept cop{'y' if result['kept_copies'] == 1 else 'ies'} of this database "
                   f"take {_megabytes(result['kept_bytes'])} next to it; nothing deletes them: "
                   "delete those you no longer need.")
    elif result.get("previous_snapshot") is not None:
        snapshot = result["previous_snapshot"]
        click.echo(f"The state it replaced stays readable as the lake's snapshot {snapshot} "
                   f"(AT (VERSION => {snapshot})) until snapshots are expired.")


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


@main.command()
@click.pass_context
@handles_errors
def check(ctx: click.Context) -> None:
    """Verify the store: migrations, orphan rows, duplicate revisions, bounds, unusable values. Exit 1 if anything is wrong."""
    from monitor.store.maintenance import check as run_check

    findings = run_check(_store(ctx))
    for f in findings:
        click.echo(_safe(f"{'ok  ' if f.ok else 'FAIL'}  {f.check}: {f.detail}"))
    if not all(f.ok for f in findings):
        sys.exit(1)


@main.group()
def catalog() -> None:
    """Import or export the catalogue of indicators and targets (YAML, see docs/catalog.md)."""


@catalog.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
@handles_errors
def catalog_import(ctx: click.Context, file: str) -> None:
    """Load indicators and targets from FILE; a changed target becomes a new version."""
    from monitor.files.catalog import import_catalog, load_catalog

    catalog_file = load_catalog(file)  # read first: an invalid file must not leave an empty database behind
    store = _store(ctx)
    store.init()
    result = import_catalog(store, catalog_file, recorded_by=f"catalog:{Path(file).name}")
    click.echo(_safe(
        "{file}: indicators {indicators_new} new, {indicators_changed} changed, {indicators_unchanged} unchanged; "
        "targets {targets_new} new, {targets_revised} revised (new version), {targets_unchanged} unchanged; "
        "readings {readings_new} new, {readings_revised} revised".format(file=Path(file).name, **result)
    ))


@catalog.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output).")
@click.option("--with-readings", is_flag=True, help="Include the readings too.")
@click.pass_context
@handles_errors
def catalog_export(ctx: click.Context, out: str | None, with_readings: bool) -> None:
    """Write the catalogue in the format `monitor catalog import` reads."""
    from monitor.files.catalog import export_catalog

    text = export_catalog(_store(ctx), with_readings=with_readings)
    if out:
        from monitor.files.export import write_whole

        write_whole(Path(out), text.encode("utf-8"))  # whole or not at all (a full disk)
        click.echo(_safe(f"Wrote {out}"), err=True)
    else:
        click.echo(_data_out(text), nl=False)


from monitor.cli.refresh import register as _register_refresh  # noqa: E402

_register_refresh(main)

from monitor.cli.admin import register as _register_admin  # noqa: E402

_register_admin(main)


def _remember_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["db"] = value


def _accept_db_everywhere(group: click.Group) -> None:
    """`monitor init --db X` works as well as `monitor --db X init` (people put options last)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _accept_db_everywhere(command)
        elif not any(p.name == "db_here" for p in command.params):
            command.params.append(click.Option(
                ["--db", "db_here"], metavar="PATH", expose_value=False, is_eager=True,
                callback=_remember_db, help="Database file (same as `monitor --db PATH ...`).",
            ))


_accept_db_everywhere(main)

