"""`monitor report`: a progress report as a Word, PDF, spreadsheet or HTML file (docs/reports.md).

One library call (monitor.present.report.write_report); errors go to the one handler in monitor.cli.app.
"""

from __future__ import annotations

import click

from monitor import clock
from monitor.cli.app import main, setting_option, store
from monitor.cli.options import DOMAIN_HELP, check_domain, parse_day
from monitor.cli.output import echo
from monitor.cli.readings import duckdb_without_pandas
from monitor.present.report import FORMATS


@main.command()
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="Judge as of this date (default: today).")
@click.option("--since", default=None, metavar="DATE",
              help="Changes since this date (default: three months before --as-of).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="docx", show_default=True)
@click.option("--domain", default=None, help=DOMAIN_HELP)
@click.option("--office", default=None, help="Only the indicators this office is responsible for (as the catalogue names it).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Output file (default: report-<as-of>.<format> in the current folder).")
@setting_option("MONITOR_LANG", "lang", resolve=True, type=click.Choice(["zh", "en"]))
@click.pass_context
def report(ctx: click.Context, as_of: str | None, since: str | None, fmt: str, domain: str | None,
           office: str | None, out: str | None, lang: str) -> None:
    """Write a progress report: summary, changes since the last period, a section per domain, overdue annex."""
    day = parse_day(as_of, "--as-of") or clock.today()
    start = parse_day(since, "--since")
    db = store(ctx)
    check_domain(domain, db)
    from monitor.present.report import write_report

    # No DataFrame is needed: DuckDB would import pandas for its first bound parameter (most of the run time).
    with duckdb_without_pandas():
        path = write_report(db, fmt, out, as_of=day, since=start, lang=lang, domain=domain, office=office)
    echo(f"Wrote {path}", err=True)
