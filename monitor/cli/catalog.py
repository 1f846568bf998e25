"""`monitor init`, `monitor indicators` and `monitor catalog import|export`: the catalogue of goals.

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
    """Import or export the catalogue of indicators and targets (YAML, see docs/catalog.md)."""


@catalog.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def catalog_import(ctx: click.Context, file: str) -> None:
    """Load indicators and targets from FILE; a changed target becomes a new version."""
    from monitor.files.catalog import import_catalog, load_catalog

    catalog_file = load_catalog(file)  # read first: an invalid file must not leave an empty database behind
    target = store(ctx)
    target.init()
    result = import_catalog(target, catalog_file, recorded_by=f"catalog:{Path(file).name}")
    echo(
        "{file}: indicators {indicators_new} new, {indicators_changed} changed, {indicators_unchanged} unchanged; "
        "targets {targets_new} new, {targets_revised} revised (new version), {targets_unchanged} unchanged; "
        "readings {readings_new} new, {readings_revised} revised".format(file=Path(file).name, **result)
    )


@catalog.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Output file (default: standard output).")
@click.option("--with-readings", is_flag=True, help="Include the readings too.")
@click.pass_context
def catalog_export(ctx: click.Context, out: str | None, with_readings: bool) -> None:
    """Write the catalogue in the format `monitor catalog import` reads."""
    from monitor.files.catalog import export_catalog

    text = export_catalog(store(ctx), with_readings=with_readings)
    if out:
        from monitor.files.export import write_whole

        write_whole(Path(out), text.encode("utf-8"))  # whole or not at all (a full disk)
        echo(f"Wrote {out}", err=True)
    else:
        print_data(text)
