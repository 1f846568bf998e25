"""`monitor init`, `monitor indicators` and `monitor catalog import|export|template`: the catalogue of goals.

The catalogue is a YAML file or a workbook in the template's layout (monitor.files.catalog_xlsx): `catalog
import` takes either (by the file's .xlsx suffix), `catalog export --format xlsx` and `catalog template`
write the workbook.

Each command calls monitor.files.catalog or monitor.present.views and prints through
monitor.cli.output; errors are raised to the one handler in monitor.cli.app.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from monitor import clock
from monitor.cli.app import main, store
from monitor.cli.options import DOMAIN_HELP, check_domain
from monitor.cli.output import cells, console, echo, print_data, print_json


@main.command()
@click.option("--no-seed", is_flag=True, help="Create the schema only, without the briefing's goals.")
@click.option("--seed", "seed", type=click.Path(dir_okay=False), default=None, help="Catalogue file to seed from.")
@click.pass_context
def init(ctx: click.Context, no_seed: bool, seed: str | None) -> None:
    """Create or migrate the database and load the seed (idempotent)."""
    from monitor.files.catalog import init_store

    result = init_store(store(ctx), seed=seed, with_seed=not no_seed)
    applied = result["migrations_applied"]
    echo(f"Database {result['database']}: " + (f"applied migrations {applied}" if applied else "schema up to date"))
    if not no_seed:
        echo(
            "Seed: {indicators_new} new / {indicators_changed} changed indicators, "
            "{targets_new} new / {targets_revised} revised targets, "
            "{readings_new} new / {readings_revised} revised readings "
            "({readings_unchanged} unchanged)".format(**result)
        )


def _bounds_text(lower: float | None, upper: float | None) -> str:
    def show(x: float | None) -> str:
        return "" if x is None else f"{x:g}"

    return f"{show(lower)}..{show(upper)}"


@main.command()
@click.option("--domain", default=None, help=DOMAIN_HELP)
@click.option("--include-retired", is_flag=True, help="Also the retired indicators (with when and why).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def indicators(ctx: click.Context, domain: str | None, include_retired: bool, as_json: bool) -> None:
    """List the indicators with their units, measure kinds and targets (those with a binding target first;
    retired ones left out by default)."""
    from monitor.present import views

    check_domain(domain, store(ctx))
    rows = views.indicator_rows(store(ctx), domain, include_retired=include_retired)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} indicators", show_lines=False)
    columns = ["id", "name", "domain", "unit (values)", "shown as", "measure", "frequency", "bounds", "targets"]
    for name in columns + (["retired"] if include_retired else []):
        table.add_column(name)
    for r in rows:
        bounds = _bounds_text(r["lower_bound"], r["upper_bound"])
        targets = str(r["targets"]) + (f" ({r['binding_targets']} binding)" if r["binding_targets"] else "")
        row = [r["id"], r["name_zh"], r["domain"], r["unit"], r["display_unit"], r["measure"],
               r["frequency"], bounds, targets]
        if include_retired:
            row.append(f"{r['retired_on']}: {r['retired_reason']}" if r["retired_on"] else "")
        table.add_row(*cells(*row))
    console().print(table)


@main.group()
def catalog() -> None:
    """Import or export the catalogue of indicators and targets (YAML or the .xlsx template, see docs/catalog.md)."""


@catalog.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "by", default=None, metavar="NAME",
              help="Who makes the change, for the change log (default: \"catalog import\").")
@click.option("--strict", is_flag=True,
              help="Refuse the file (exit code 5, nothing written) if a reading would count for no target of its "
                   "indicator; without it such readings are stored and listed as warnings.")
@click.option("--redefine", is_flag=True,
              help="Accept a change of an indicator's unit, measure or cumulative_since although it has readings "
                   "(they are then read under the new definition); without it such a file is refused.")
@click.option("--accept-jumps", is_flag=True,
              help="A draft workbook's readings (its 读数 sheet): import a value far from the indicator's previous "
                   "reading, which is otherwise held (as `monitor import --accept-jumps`).")
@click.pass_context
def catalog_import(ctx: click.Context, file: str, by: str | None, strict: bool, redefine: bool,
                   accept_jumps: bool) -> None:
    """Load indicators and targets from FILE (YAML, or .xlsx in the template's layout); a changed target
    becomes a new version. Every change is recorded in the change log (`monitor catalog changes`)."""
    from monitor.files.catalog import import_catalog, load_catalog, read_profile

    target = store(ctx)
    # A catalogue that declares no domains (one adding an indicator) is checked against the store's.
    known = None
    if target.exists:
        target.init()  # an older store gains the tables the profile is read from
        known = read_profile(target).domains
    xlsx = Path(file).suffix.lower() in XLSX_SUFFIXES
    if xlsx and _has_readings_sheet(Path(file)):
        # A reviewed draft (`monitor draft`, docs/drafting.md): the 读数 sheet's readings go through the
        # readings import after the catalogue; checked before anything is written.
        from monitor.files.draft import import_workbook
        from monitor.services.review import enabled
        from monitor.services.users import check_name, os_user

        # Readings record a person, as `monitor import` does: --by, else the operating-system user.
        person = os_user() if by is None else check_name(by, "--by")
        result = import_workbook(target, Path(file), person, pending=enabled(), strict=strict,
                                 redefine=redefine, accept_jumps=accept_jumps)
    else:
        # Read first: an invalid file must not leave an empty database behind.
        if xlsx:
            from monitor.files.catalog_xlsx import load_catalog_xlsx

            catalog_file = load_catalog_xlsx(file, known or None)
        else:
            catalog_file = load_catalog(file, [d.id for d in known] if known else None)
        target.init()
        result = import_catalog(target, catalog_file, recorded_by=f"catalog:{Path(file).name}",
                                changed_by=_who(by, "catalog import"), strict=strict, redefine=redefine,
                                file_name=Path(file).name)
    echo(
        "{file}: indicators {indicators_new} new, {indicators_changed} changed, {indicators_unchanged} unchanged; "
        "targets {targets_new} new, {targets_revised} revised (new version), {targets_unchanged} unchanged; "
        "readings {readings_new} new, {readings_revised} revised".format(file=Path(file).name, **result)
    )
    for problem in result["warnings"][:20]:
        echo(f"  warning: {problem}", err=True)
    if len(result["warnings"]) > 20:
        echo(f"  ... and {len(result['warnings']) - 20} more warnings", err=True)


XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _has_readings_sheet(path: Path) -> bool:
    """Whether a workbook is a draft with readings to import (a 读数 sheet with rows)."""
    from monitor.files.draft.workbook import read_readings

    return bool(read_readings(path)[1])


@catalog.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Output file (default: standard output for YAML; required for xlsx).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default=None,
              help="yaml (default) or xlsx (the template's layout); default from --out's suffix.")
@click.option("--with-readings", is_flag=True, help="Include the readings too (YAML only).")
@click.pass_context
def catalog_export(ctx: click.Context, out: str | None, fmt: str | None, with_readings: bool) -> None:
    """Write the catalogue in the format `monitor catalog import` reads."""
    from monitor.files.export import write_whole

    if fmt is None:
        fmt = "xlsx" if out and Path(out).suffix.lower() in XLSX_SUFFIXES else "yaml"
    if fmt == "xlsx":
        if not out:
            raise click.UsageError("--format xlsx writes a file: give --out FILE.xlsx")
        if with_readings:
            raise click.UsageError("--with-readings is for YAML; readings are exported with `monitor export`")
        from monitor.files.catalog_xlsx import export_catalog_xlsx

        write_whole(Path(out), export_catalog_xlsx(store(ctx)))
        echo(f"Wrote {out}", err=True)
        return
    from monitor.files.catalog import export_catalog

    text = export_catalog(store(ctx), with_readings=with_readings)
    if out:
        write_whole(Path(out), text.encode("utf-8"))  # whole or not at all (a full disk)
        echo(f"Wrote {out}", err=True)
    else:
        print_data(text)


@catalog.command(name="template")
@click.option("--out", type=click.Path(dir_okay=False), default="catalog-template.xlsx", show_default=True,
              help="The workbook to write.")
@click.pass_context
def catalog_template(ctx: click.Context, out: str) -> None:
    """Write an empty catalogue workbook to fill in (instructions, drop-downs of the store's domains,
    target forms and units); load it with `monitor catalog import FILE.xlsx`."""
    from monitor.files.catalog import read_profile
    from monitor.files.catalog_xlsx import write_template
    from monitor.files.export import write_whole

    target = store(ctx)
    profile = read_profile(target) if target.exists else None  # no database is created for a template
    write_whole(Path(out), write_template(profile))
    echo(f"Wrote {out}", err=True)


def _who(by: str | None, default: str) -> str:
    if by is None:
        return default
    if not by.strip() or not by.isprintable():
        raise click.BadParameter("give a name (printable text)", param_hint="--by")
    return by.strip()


@catalog.command(name="retire")
@click.argument("indicator")
@click.option("--reason", required=True, help="Why the indicator is no longer followed (kept in the change log).")
@click.option("--date", "on", default=None, metavar="DATE", help="Retired as of this date (default: today in the workspace's time zone).")
@click.option("--by", "by", default=None, metavar="NAME", help="Who retires it, for the change log (default: \"cli\").")
@click.pass_context
def catalog_retire(ctx: click.Context, indicator: str, reason: str, on: str | None, by: str | None) -> None:
    """Retire INDICATOR: it keeps its readings, targets and history, and leaves statuses and lists
    (`--include-retired` shows it)."""
    from monitor.cli.options import parse_day
    from monitor.present.catalog_edit import retire_indicator

    day = parse_day(on, "--date")
    who = _who(by, "cli")
    target = store(ctx)
    target.init()  # a store written before schema migration 6 gets its columns
    retirement = retire_indicator(target, indicator, reason, who, day)
    echo(f"{indicator}: retired as of {retirement.date.isoformat()} ({retirement.reason})")


@catalog.command(name="changes")
@click.option("--indicator", default=None, help="Only the changes to this indicator.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def catalog_changes(ctx: click.Context, indicator: str | None, as_json: bool) -> None:
    """List the change log of the catalogue, newest first: when (in the workspace's time zone), who, what, why."""
    from monitor.present.catalog_edit import change_rows

    rows = change_rows(store(ctx), indicator)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo("No changes recorded.")
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} changes (times in {clock.zone_name()})")
    for name in ("when", "who", "what", "indicator", "target", "reason", "details"):
        table.add_column(name, overflow="fold")
    for r in rows:
        details = ", ".join(f"{k}={v}" for k, v in r["details"].items())
        table.add_row(*cells(clock.stamp(datetime.fromisoformat(r["changed_at"])), r["changed_by"], r["what"], r["indicator_id"], r["target_id"] or "",
                             r["reason"] or "", details))
    console().print(table)
