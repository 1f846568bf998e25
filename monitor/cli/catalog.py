"""`monitor init`, `monitor indicators` and `monitor catalog import|export|template`: the catalogue of goals.

The catalogue is a YAML file or a workbook in the template's layout (monitor.files.catalog_xlsx): `catalog
import` takes either (by the file's .xlsx suffix), `catalog export --format xlsx` and `catalog template`
write the workbook.

Each command calls monitor.files.catalog or monitor.present.views and prints through
monitor.cli.output; errors are raised to the one handler in monitor.cli.app.
"""

from __future__ import annotations

from pathlib import Path

import click

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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def indicators(ctx: click.Context, domain: str | None, as_json: bool) -> None:
    """List the indicators with their units, measure kinds and targets (those with a binding target first)."""
    from monitor.present import views

    check_domain(domain, store(ctx))
    rows = views.indicator_rows(store(ctx), domain)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} indicators", show_lines=False)
    for name in ("id", "name", "domain", "unit (values)", "shown as", "measure", "frequency", "bounds", "targets"):
        table.add_column(name)
    for r in rows:
        bounds = _bounds_text(r["lower_bound"], r["upper_bound"])
        table.add_row(*cells(r["id"], r["name_zh"], r["domain"], r["unit"], r["display_unit"], r["measure"],
                             r["frequency"], bounds,
                             str(r["targets"]) + (f" ({r['binding_targets']} binding)" if r["binding_targets"] else "")))
    console().print(table)


@main.group()
def catalog() -> None:
    """Import or export the catalogue of indicators and targets (YAML or the .xlsx template, see docs/catalog.md)."""


@catalog.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def catalog_import(ctx: click.Context, file: str) -> None:
    """Load indicators and targets from FILE (YAML, or .xlsx in the template's layout); a changed target
    becomes a new version."""
    from monitor.files.catalog import import_catalog, load_catalog, read_profile

    target = store(ctx)
    # A catalogue that declares no domains (one adding an indicator) is checked against the store's.
    known = None
    if target.exists:
        target.init()  # an older store gains the tables the profile is read from
        known = read_profile(target).domains
    # Read first: an invalid file must not leave an empty database behind.
    if Path(file).suffix.lower() in XLSX_SUFFIXES:
        from monitor.files.catalog_xlsx import load_catalog_xlsx

        catalog_file = load_catalog_xlsx(file, known or None)
    else:
        catalog_file = load_catalog(file, [d.id for d in known] if known else None)
    target.init()
    result = import_catalog(target, catalog_file, recorded_by=f"catalog:{Path(file).name}")
    echo(
        "{file}: indicators {indicators_new} new, {indicators_changed} changed, {indicators_unchanged} unchanged; "
        "targets {targets_new} new, {targets_revised} revised (new version), {targets_unchanged} unchanged; "
        "readings {readings_new} new, {readings_revised} revised".format(file=Path(file).name, **result)
    )


XLSX_SUFFIXES = (".xlsx", ".xlsm")


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
