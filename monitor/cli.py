"""The `monitor` command: a thin layer over the library.

Each command calls one library function and turns MonitorError into one line on stderr and a
non-zero exit code. Heavy packages (pandas, streamlit, apscheduler, rich) are imported inside the
commands that need them, so `monitor add` starts about as fast as Python with duckdb.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor.errors import MonitorError, ValidationError

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


def _fail(error: MonitorError) -> None:
    click.echo(f"Error: {error}", err=True)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        for problem in error.problems[1:20]:
            click.echo(f"  {problem}", err=True)
        if len(error.problems) > 20:
            click.echo(f"  ... and {len(error.problems) - 20} more", err=True)
    sys.exit(error.exit_code)


def handles_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MonitorError as e:
            _fail(e)

    return wrapper  # type: ignore[return-value]


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _cells(*values: str) -> list[Any]:
    """Table cells as plain text: stored text such as "[/]" must never be read as rich markup."""
    from rich.text import Text

    return [Text(v) for v in values]


def _bounds_text(lower: float | None, upper: float | None) -> str:
    def show(x: float | None) -> str:
        return "" if x is None else f"{x:g}"

    return f"{show(lower)}..{show(upper)}"


def _check_domain(domain: str | None) -> None:
    from monitor.catalog import DOMAINS

    if domain is not None and domain not in DOMAINS:
        raise click.BadParameter(f"'{domain}' is not a domain; use one of {', '.join(DOMAINS)}", param_hint="--domain")


def _parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date YYYY-MM-DD", param_hint=name) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    from monitor.catalog import init_store

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
    from monitor import views

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
    from monitor import views

    rows = views.reading_rows(_store(ctx), indicator, history, lang=lang)
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
    from monitor.ingest import add_reading

    with _duckdb_without_pandas():
        report = add_reading(
            _store(ctx), indicator, value, period_end, period_start=period_start, unit=unit,
            qualifier=qualifier, source=source, note=note, recorded_by="cli",
        )
    outcome = "new reading" if report.new else "new revision" if report.revised else "unchanged (same value already recorded)"
    click.echo(f"{indicator}: {outcome}")


@main.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; quarantine the rest.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@handles_errors
def import_(ctx: click.Context, file: str, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Import readings from a CSV (UTF-8 or GB18030), XLSX, Parquet or JSON FILE."""
    from monitor.ingest import import_file

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
        click.echo(
            f"{report.file}: {report.rows} rows, {report.valid} valid, {report.rejected} rejected; "
            f"{verb} {report.new} new, {report.revised} revised, {report.unchanged} unchanged"
        )
        for problem in report.problems[:20]:
            click.echo(f"  {problem}", err=True)
        # Only the first ingest.PROBLEMS_KEPT problems are kept in memory; problem_count has them all.
        total = max(report.problem_count, len(report.problems))
        if total > 20:
            where = " (all listed by `monitor rejected`)" if report.written else ""
            click.echo(f"  ... and {total - 20} more{where}", err=True)
    if dry_run and report.problems and not skip_invalid:
        click.echo(f"Error: {report.file}: {report.rejected} of {report.rows} rows invalid; "
                   "an import would write nothing (use --skip-invalid to import the valid rows)", err=True)
        sys.exit(ValidationError.exit_code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (to hand back to whoever sent the file).")
@click.pass_context
@handles_errors
def rejected(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List rows rejected by imports with --skip-invalid (the quarantine)."""
    from monitor import views

    rows = views.rejected_rows(_store(ctx))
    if as_json:
        _json(rows)
        return
    if as_csv:
        from monitor.export import neutralise, write_csv_rows

        header = ["file", "row_number", "column_name", "reason", "raw_value", "raw_row", "batch_id", "rejected_at"]
        write_csv_rows(sys.stdout, [header, *[[neutralise(str(r[h]) if r[h] is not None else "") for h in header]
                                              for r in rows]])
        return
    if not rows:
        click.echo("No rejected rows.")
        return
    for r in rows:
        click.echo(f"{r['file']}, row {r['row_number']}, column '{r['column_name']}': {r['reason']}"
                   + (f" (got {r['raw_value']!r})" if r["raw_value"] is not None else ""))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output for csv/json).")
@click.option("--history", is_flag=True, help="Include every revision and target version.")
@click.pass_context
@handles_errors
def export(ctx: click.Context, fmt: str, out: str | None, history: bool) -> None:
    """Export readings (csv, parquet, xlsx) or everything (json: indicators, targets, readings)."""
    from monitor.export import export_store

    text = export_store(_store(ctx), fmt, out, history=history)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {out}", err=True)


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
    if as_json:
        from monitor.status import status_records

        # The per-goal engine: JSON carries the full evidence (every reading skipped and why).
        _json(status_records(_store(ctx), day, domain, known_on=known))
        return
    from monitor.report import status_table
    from monitor.status_sql import status_rows

    # The set-based path gives the same records but for the evidence's working, which the table
    # does not show, and is 12-24x faster on a large store (docs/benchmarks.md); a status poll
    # holds the read lock, and with it every writer, for that long.
    records = status_rows(_store(ctx), day, domain, known_on=known)

    if known is not None:
        click.echo(f"截至 {known.isoformat()}（UTC）库中已知的数据；其后录入的数据、修订和目标不计入。" if lang == "zh"
                   else f"As known on {known.isoformat()} (UTC): readings, revisions and targets recorded later are left out.")
    _console().print(status_table(records, day, lang))


def _console() -> Any:
    from rich.console import Console

    # Piped output has no terminal width; a narrow default would fold every cell.
    return Console(width=None if sys.stdout.isatty() else 160)


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

    from monitor.catalog import init_store

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
        from monitor.refresh.run import stage_example_samples
        from monitor.refresh.sources import load_config

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

    click.echo(f"Backup written to {run_backup(_store(ctx), out)}")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace an existing database (kept as <name>.before-restore).")
@click.pass_context
@handles_errors
def restore(ctx: click.Context, folder: str, force: bool) -> None:
    """Rebuild the database from a backup FOLDER and verify it against the manifest."""
    from monitor.store.maintenance import restore as run_restore

    result = run_restore(_store(ctx), folder, force=force)
    counts = ", ".join(f"{table} {rows}" for table, rows in result["tables"].items())
    click.echo(f"Restored {result['database']}: {counts}")


@main.command()
@click.pass_context
@handles_errors
def check(ctx: click.Context) -> None:
    """Verify the store: migrations, orphan rows, duplicate revisions, bounds. Exit 1 if anything is wrong."""
    from monitor.store.maintenance import check as run_check

    findings = run_check(_store(ctx))
    for f in findings:
        click.echo(f"{'ok  ' if f.ok else 'FAIL'}  {f.check}: {f.detail}")
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
    from monitor.catalog import import_catalog, load_catalog

    catalog_file = load_catalog(file)  # read first: an invalid file must not leave an empty database behind
    store = _store(ctx)
    store.init()
    result = import_catalog(store, catalog_file, recorded_by=f"catalog:{Path(file).name}")
    click.echo(
        "{file}: indicators {indicators_new} new, {indicators_changed} changed, {indicators_unchanged} unchanged; "
        "targets {targets_new} new, {targets_revised} revised (new version), {targets_unchanged} unchanged; "
        "readings {readings_new} new, {readings_revised} revised".format(file=Path(file).name, **result)
    )


@catalog.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output).")
@click.option("--with-readings", is_flag=True, help="Include the readings too.")
@click.pass_context
@handles_errors
def catalog_export(ctx: click.Context, out: str | None, with_readings: bool) -> None:
    """Write the catalogue in the format `monitor catalog import` reads."""
    from monitor.catalog import export_catalog

    text = export_catalog(_store(ctx), with_readings=with_readings)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


from monitor.cli_refresh import register as _register_refresh  # noqa: E402

_register_refresh(main)

from monitor.cli_admin import register as _register_admin  # noqa: E402

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

if __name__ == "__main__":  # pragma: no cover
    main()
