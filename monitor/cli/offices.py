"""`monitor offices [--office X]`: the goals grouped by responsible office, or one office's scorecard and
submission calendar.

Each form is one library call (monitor.present.offices.office_index / scorecard); errors (an unknown office
is NotFound naming the offices) go to the one handler in monitor.cli.app. Office names and goal names are
stored text: printed as plain cells, never as rich markup.
"""

from __future__ import annotations

import click

from monitor import clock
from monitor.cli.app import main, setting_option, store
from monitor.cli.options import parse_day
from monitor.cli.output import cells, console, print_json


@main.command()
@click.option("--office", default=None, help="One office's scorecard (as the catalogue names it).")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="Judge as of this date (default: today).")
@click.option("--days", default=None, type=click.IntRange(1, 3660), metavar="N",
              help="The calendar looks N days ahead (default 120).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@setting_option("MONITOR_LANG", "lang", resolve=True, type=click.Choice(["zh", "en"]))
@click.pass_context
def offices(ctx: click.Context, office: str | None, as_of: str | None, days: int | None, as_json: bool, lang: str) -> None:
    """Goals by responsible office; with --office, its goals, what is overdue and what is due next."""
    from rich.table import Table

    from monitor.present.i18n import t
    from monitor.present.offices import DEFAULT_HORIZON_DAYS, office_index, scorecard

    day = parse_day(as_of, "--as-of") or clock.today()
    if office is None:
        rows = office_index(store(ctx), day, lang)
        if as_json:
            print_json(rows)
            return
        table = Table(title=t("office.title", lang))
        for key in ("office", "goals", "tracked", "behind", "overdue", "statuses"):
            table.add_column(t(f"office.col.{key}", lang), overflow="fold")
        for r in rows:
            table.add_row(*cells(r["name"], str(r["goals"]), str(r["tracked"]), str(r["behind"]), str(r["overdue"]),
                                 r["summary"]))
        console().print(table)
        return
    horizon = days or DEFAULT_HORIZON_DAYS
    card = scorecard(store(ctx), office, day, lang, horizon)
    if as_json:
        print_json({k: v for k, v in card.items() if k != "rows"} | {"goals": [
            {k: r[k] for k in ("indicator_id", "target_id", "name", "status_code", "status", "latest", "target", "stale")}
            for r in card["rows"]]})
        return
    out = console()
    goals = Table(title=t("office.heading", lang, office=office) + " · " + t("office.goals", lang))
    for key in ("col.name", "col.status", "col.latest", "col.target"):
        goals.add_column(t(key, lang), overflow="fold")
    for r in card["rows"]:
        goals.add_row(*cells(r["name"], r["status"], r["latest"], r["target"]))
    out.print(goals)
    overdue = Table(title=t("office.overdue", lang))
    for key in ("col.name", "office.col.due", "office.col.days_overdue"):
        overdue.add_column(t(key, lang), overflow="fold")
    for o in card["overdue"]:
        overdue.add_row(*cells(o["name"], o["due"], str(o["days"])))
    out.print(overdue)
    calendar = Table(title=t("office.calendar", lang, n=horizon))
    for key in ("col.name", "office.col.frequency", "office.col.period", "office.col.due", "office.col.state"):
        calendar.add_column(t(key, lang), overflow="fold")
    for c in card["calendar"]:
        calendar.add_row(*cells(c["name"], c["frequency"], c["period"], c["due"], c["state"]))
    out.print(calendar)
