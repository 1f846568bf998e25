"""`monitor add`, `import`, `readings`, `rejected`, `export` and `status`: readings in, readings and statuses out.

Each command calls one library function (monitor.files.ingest, monitor.files.export,
monitor.present, monitor.status) and prints its result through monitor.cli.output; errors are raised
to the one handler in monitor.cli.app.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from monitor import clock
from monitor.cli.app import main, setting_option, store
from monitor.cli.options import DOMAIN_HELP, check_domain, check_source, parse_day, parse_known_on
from monitor.cli.output import cells, console, echo, print_data, print_json, print_json_text
from monitor.errors import ValidationError


@contextmanager
def duckdb_without_pandas() -> Iterator[None]:
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


def warn_unusable(ctx: click.Context, lang: str = "en", indicator: str | None = None) -> None:
    """One line on stderr per stored value the engine skips (outside monitor.model.validate's rules: a store
    written before them), so a listing or status that still works says what it left out."""
    from monitor.present.i18n import t
    from monitor.store.maintenance import unusable_values

    with store(ctx).read() as con:
        found = unusable_values(con)
    for u in found:
        if indicator in (None, u.indicator_id):
            echo(t("cli.unusable", lang, item=str(u)), err=True)


@main.command()
@click.argument("indicator", required=False)
@click.option("--history", is_flag=True, help="Every revision, not only the latest.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@setting_option("MONITOR_LANG", "lang", resolve=True, type=click.Choice(["zh", "en"]))
@click.pass_context
def readings(ctx: click.Context, indicator: str | None, history: bool, as_json: bool, lang: str) -> None:
    """List readings (latest revision of each period), optionally of one INDICATOR."""
    from monitor.present import views

    rows = views.reading_rows(store(ctx), indicator, history, lang=lang)
    warn_unusable(ctx, lang, indicator)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} readings" + (" (all revisions)" if history else ""))
    for name in ("indicator", "period", "value", "qualifier", "rev", "source", "recorded"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(*cells(
            r["indicator_id"], r["period_label"],
            f"withdrawn by {r['recorded_by']}: {r['withdrawn_reason']} (was {r['value_display']})"
            if r["withdrawn"] else r["value_display"],
            r["qualifier"], str(r["revision"]),
            r["source"] or "", clock.stamp(datetime.fromisoformat(r["recorded_at"])) if r["recorded_at"] else "",
        ))
    console().print(table)


def review_enabled() -> bool:
    from monitor.services.review import enabled

    return enabled()


def _who(by: str | None) -> str:
    """Who the history records for a command's readings: --by, else the operating-system user."""
    from monitor.services.users import check_name, os_user

    return os_user() if by is None else check_name(by, "--by")


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("indicator")
@click.argument("value")
@click.option("--period-end", required=True, metavar="DATE", help="Last day of the period (YYYY-MM-DD).")
@click.option("--period-start", default=None, metavar="DATE", help="First day (default: from the indicator's frequency).")
@click.option("--unit", default=None, help="Unit VALUE is given in, e.g. 万人次 (default: the base unit).")
@click.option("--qualifier", default=None, help="exact | approx | at_least | more_than | at_most (or 约, 以上, 余).")
@click.option("--source", default=None, help="Where the figure comes from.")
@click.option("--note", default=None)
@click.option("--confirm-jump", is_flag=True,
              help="Store VALUE even if it is far from the indicator's previous reading (MONITOR_JUMP_FACTOR, "
                   "MONITOR_JUMP_POINTS); without it such a value is refused with exit code 5.")
@click.option("--strict", is_flag=True,
              help="Refuse (exit code 5) a reading no target of INDICATOR can ever use (a warning otherwise).")
@click.option("--by", default=None, metavar="NAME", help="Who enters it, for the history (default: the operating-system user).")
@click.pass_context
def add(ctx: click.Context, indicator: str, value: str, period_end: str, period_start: str | None,
        unit: str | None, qualifier: str | None, source: str | None, note: str | None, confirm_jump: bool,
        strict: bool, by: str | None) -> None:
    """Append one reading of INDICATOR (a changed value for a period becomes a new revision)."""
    from monitor.files.ingest import add_reading
    from monitor.model.plausibility import JUMP_CODES

    try:
        with duckdb_without_pandas():
            report = add_reading(
                store(ctx), indicator, value, period_end, period_start=period_start, unit=unit,
                qualifier=qualifier, source=source or "cli", note=note, recorded_by=_who(by),
                accept_jumps=confirm_jump, pending=review_enabled(),
                strict=strict,
            )
    except ValidationError as e:
        if len(e.problems) == 1 and e.problems[0].code in JUMP_CODES:
            # Held, not invalid: say how to store it anyway.
            raise ValidationError(e.problems, f"{e.problems[0]}; nothing was stored (if the figure is right, "
                                              "run the command again with --confirm-jump)") from e
        raise
    outcome = "new reading" if report.new else "new revision" if report.revised else "unchanged (same value already recorded)"
    echo(f"{indicator}: {outcome}")
    echo_warnings(report.warnings)


def echo_warnings(warnings: list[Any], shown: int = 20) -> None:
    """Readings stored that count for no target (monitor.files.ingest.uncounted), one located line each on stderr."""
    for problem in warnings[:shown]:
        echo(f"  warning: {problem}", err=True)
    if len(warnings) > shown:
        echo(f"  ... and {len(warnings) - shown} more warnings", err=True)


@main.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; quarantine the rest (rows held as jumps too).")
@click.option("--accept-jumps", is_flag=True,
              help="Import rows far from their indicator's previous reading (held otherwise, like invalid rows).")
@click.option("--strict", is_flag=True,
              help="Refuse the file (exit code 5, nothing written) if a row would count for no target of its "
                   "indicator; without it such rows are imported and listed as warnings.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--by", default=None, metavar="NAME", help="Who imports it, for the history (default: the operating-system user).")
@click.pass_context
def import_(ctx: click.Context, file: str, dry_run: bool, skip_invalid: bool, accept_jumps: bool, strict: bool,
            as_json: bool, by: str | None) -> None:
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
        report = import_file(store(ctx), file, dry_run=dry_run, skip_invalid=skip_invalid, progress=progress,
                             accept_jumps=accept_jumps, strict=strict, recorded_by=_who(by),
                             pending=review_enabled())
    finally:
        if bar is not None:
            bar.stop()
    if as_json:
        print_json(report.as_dict())
    else:
        verb = "would import" if dry_run else "imported"
        echo(f"{report.file}: {report.rows} rows, {report.valid} valid, {report.rejected} rejected; "
             f"{verb} {report.new} new, {report.revised} revised, {report.unchanged} unchanged")
        for problem in report.problems[:20]:
            echo(f"  {problem}", err=True)
        # Only the first ingest.PROBLEMS_KEPT problems are kept in memory; problem_count has them all.
        total = max(report.problem_count, len(report.problems))
        if total > 20:
            where = " (all listed by `monitor rejected`)" if report.written else ""
            echo(f"  ... and {total - 20} more{where}", err=True)
        echo_warnings(report.warnings)
    if dry_run and strict and report.warnings:
        raise ValidationError([], summary=f"{report.file}: {len(report.warnings)} rows would count for no target; "
                                          "a strict import would write nothing")
    if dry_run and report.problems and not skip_invalid:
        # The problems are listed above (or in the JSON): the error carries the summary only.
        raise ValidationError([], summary=f"{report.file}: {report.rejected} of {report.rows} rows invalid; "
                                          "an import would write nothing (use --skip-invalid to import the valid rows)")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (to hand back to whoever sent the file).")
@click.pass_context
def rejected(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """List rows rejected by imports with --skip-invalid (the quarantine)."""
    from monitor.present import views

    rows = views.rejected_rows(store(ctx))
    if as_json:
        print_json(rows)
        return
    if as_csv:
        import io

        from monitor.files.export import neutralise, write_csv_rows

        header = ["file", "row_number", "column_name", "reason", "raw_value", "raw_row", "batch_id", "rejected_at"]
        buffer = io.StringIO()
        write_csv_rows(buffer, [header, *[[neutralise(str(r[h]) if r[h] is not None else "") for h in header]
                                          for r in rows]])
        print_data(buffer.getvalue())
        return
    if not rows:
        echo("No rejected rows.")
        return
    for r in rows:
        echo(f"{r['file']}, row {r['row_number']}, column '{r['column_name']}': {r['reason']}"
             + (f" (got {r['raw_value']!r})" if r["raw_value"] is not None else ""))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output for csv/json).")
@click.option("--history", is_flag=True, help="Include every revision and target version.")
@click.pass_context
def export(ctx: click.Context, fmt: str, out: str | None, history: bool) -> None:
    """Export readings (csv, parquet, xlsx) or everything (json: indicators, targets, readings)."""
    from monitor.files.export import export_store

    text = export_store(store(ctx), fmt, out, history=history)
    warn_unusable(ctx)
    if text is None:
        echo(f"Wrote {out}", err=True)
    elif fmt == "json":
        print_json_text(text)
    else:
        print_data(text)


@main.command()
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Judge as of this date (default: the --known-on date, else today).")
@click.option("--known-on", "known_on", default=None, metavar="DATE",
              help="As the store knew it at the end of this date in the workspace's time zone (MONITOR_TIMEZONE), or at YYYY-MM-DDTHH:MM (UTC unless it has an offset): later readings, revisions and targets are left out.")
@click.option("--domain", default=None, help=DOMAIN_HELP)
@click.option("--nature", type=click.Choice(["binding", "expected"]), default=None,
              help="Only binding (约束性) or expected (预期性) goals. Binding goals come first either way.")
@click.option("--source", "source", default=None, metavar="ID",
              help="Only the goals whose target comes from this source document (an id the catalogue declares).")
@click.option("--include-retired", is_flag=True, help="Also the goals of retired indicators.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of every status with its evidence.")
@click.option("--evidence", type=click.Choice(["summary", "full"]), default="summary", show_default=True,
              help="With --json: the summary evidence of each status (computed for every goal at once), or the full "
                   "evidence: every reading used and skipped and why (goal by goal: slow and memory-hungry on a large "
                   "store; narrow it with --domain).")
@setting_option("MONITOR_LANG", "lang", resolve=True, type=click.Choice(["zh", "en"]))
@click.pass_context
def status(ctx: click.Context, as_of: str | None, known_on: str | None, domain: str | None, nature: str | None,
           source: str | None, include_retired: bool, as_json: bool, evidence: str, lang: str) -> None:
    """Status of every goal: achieved, on track, needs acceleration, ... with its numbers."""
    check_domain(domain, store(ctx))
    check_source(source, store(ctx))
    known = parse_known_on(known_on)
    known_day = known.date() if isinstance(known, datetime) else known
    day = parse_day(as_of, "--as-of") or known_day or clock.today()
    from monitor.present.overview import goal_records
    from monitor.present.wording import by_nature, json_record, status_table
    from monitor.status import Detail, statuses

    if as_json:
        # Every record field and the status in words. The summary evidence is computed set-wise for every
        # goal at once (a nation-scale store fits); the full evidence (every reading used or skipped and
        # why) runs the per-goal engine, which holds every reading as a Python object: on request only.
        detail = Detail.FULL if evidence == "full" else Detail.SUMMARY
        found = statuses(store(ctx), day, domain=domain, known_on=known, detail=detail)
        # The same filters and order as the table (by_nature), applied to the full records.
        full = {(g.indicator_id, g.target_id): g for g in found}
        kept = by_nature(goal_records(store(ctx), [g.as_dict() for g in found], include_retired, source, day), nature)
        print_json([json_record(full[(r["indicator_id"], r["target_id"])]) for r in kept])
        warn_unusable(ctx, lang)
        return
    # The table explains each status from the summary evidence, which monitor.status computes for
    # every goal at once (12-24x faster on a large store, docs/benchmarks.md): a status poll holds
    # the read lock, and with it every writer, for that long.
    records = [r.as_dict() for r in statuses(store(ctx), day, domain=domain, known_on=known, detail=Detail.SUMMARY)]
    records = by_nature(goal_records(store(ctx), records, include_retired, source, day), nature)

    if known is not None:
        # a date ends in the workspace's zone (monitor.clock); a date-time is UTC unless it has an offset
        zone = (clock.zone_name() if not isinstance(known, datetime)
                else "UTC" if known.tzinfo is None else clock.offset_text(known))
        echo(f"截至 {known.isoformat()}（{zone}）库中已知的数据；其后录入的数据、修订和目标不计入。" if lang == "zh"
             else f"As known on {known.isoformat()} ({zone}): readings, revisions and targets recorded later are left out.")
    from monitor.files.catalog import read_profile

    console().print(status_table(records, day, lang, read_profile(store(ctx))))
    warn_unusable(ctx, lang)
