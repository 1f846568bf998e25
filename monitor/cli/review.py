"""`monitor review list|approve|reject`: the readings pending review (MONITOR_REVIEW=on) and the decisions.

Each calls monitor.services.review; errors go to the one handler in monitor.cli.app (nothing pending
there: exit 3; the reviewer entered the reading: exit 77; a rejection without a comment: exit 5).
"""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.app import main, store
from monitor.cli.options import parse_day
from monitor.cli.output import echo, print_json


@main.group(name="review")
def review_group() -> None:
    """Readings pending review (MONITOR_REVIEW=on): list them, approve or reject them."""


@review_group.command(name="list")
@click.option("--indicator", default=None, help="Only this indicator.")
@click.option("--json", "as_json", is_flag=True, help="Print the queue as JSON.")
@click.pass_context
def review_list(ctx: click.Context, indicator: str | None, as_json: bool) -> None:
    """Each pending reading with the previous value, the jump factor, the source and its author."""
    from monitor.services.review import pending

    queue = pending(store(ctx), indicator_id=indicator)
    if as_json:
        print_json([p.as_dict() for p in queue])
        return
    if not queue:
        echo("nothing pending review", err=True)
    for p in queue:
        d = p.as_dict()
        jump = f"x{d['jump']:.3g}" if d["jump"] is not None else "-"
        previous = f"{d['previous']:g}" if d["previous"] is not None else "-"
        echo(f"{d['indicator_id']}  {d['period_start']}..{d['period_end']}  {d['value']:g}  (previous {previous}, "
             f"{jump})  source {d['source'] or '-'}  by {d['author'] or '-'}")


def _decide(ctx: click.Context, decision: str, indicator: str, period_end: str, period_start: str | None,
            comment: str | None, by: str | None, as_json: bool) -> None:
    from monitor.services.review import decide
    from monitor.services.users import check_name, os_user

    who = os_user() if by is None else check_name(by, "--by")
    done = decide(store(ctx), indicator, parse_day(period_end, "--period-end"), decision, who, comment,  # type: ignore[arg-type]
                  period_start=parse_day(period_start, "--period-start"))
    if as_json:
        print_json(done.as_dict())
        return
    r = done.reading
    echo(f"{indicator}: {decision} {r.period_start.isoformat()}..{r.period_end.isoformat()} (value {r.value:g}, "
         f"entered by {r.recorded_by}) as revision {done.revision}, by {done.by}")
    for e in done.events:
        echo(f"  status of {e['target_id']}: {e['old_status']} -> {e['new_status']}")


def _options(f: Any) -> Any:
    f = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(f)
    f = click.option("--by", default=None, metavar="NAME", help="Who reviews (default: the operating-system user).")(f)
    f = click.option("--period-start", default=None, metavar="DATE",
                     help="First day of the period (needed only when several periods end on that day).")(f)
    f = click.option("--period-end", required=True, metavar="DATE", help="Last day of the period (YYYY-MM-DD).")(f)
    return click.argument("indicator")(f)


@review_group.command(name="approve")
@_options
@click.option("--comment", default=None, help="An optional comment, kept in the history.")
@click.pass_context
def review_approve(ctx: click.Context, indicator: str, period_end: str, period_start: str | None, by: str | None,
                   as_json: bool, comment: str | None) -> None:
    """Approve the pending reading of INDICATOR's period: from now it counts (and alerts fire)."""
    _decide(ctx, "approved", indicator, period_end, period_start, comment, by, as_json)


@review_group.command(name="reject")
@_options
@click.option("--comment", required=True, help="Why it is rejected (kept in the history).")
@click.pass_context
def review_reject(ctx: click.Context, indicator: str, period_end: str, period_start: str | None, by: str | None,
                  as_json: bool, comment: str) -> None:
    """Reject the pending reading of INDICATOR's period: it never counts; the value before stays in force."""
    _decide(ctx, "rejected", indicator, period_end, period_start, comment, by, as_json)
