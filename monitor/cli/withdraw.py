"""`monitor withdraw` and `monitor withdraw-target`: take a mistaken reading or target version out of force.

Each calls one function of monitor.services.withdraw (docs/workflow.md, "Withdrawing a mistake") and
prints what it did; errors go to the one handler in monitor.cli.app (unknown indicator or target, or
nothing in force to withdraw: exit 3; a missing reason: a usage error, exit 2).
"""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.app import main, store
from monitor.cli.options import parse_day
from monitor.cli.output import echo, print_json


def _reason(value: str) -> str:
    if not value.strip():
        raise click.BadParameter("say why (a reason is required)", param_hint="--reason")
    return value


def _changes(events: list[dict[str, Any]]) -> None:
    for e in events:
        echo(f"  status of {e['target_id']}: {e['old_status']} -> {e['new_status']}")


@main.command()
@click.argument("indicator")
@click.option("--period-end", required=True, metavar="DATE", help="Last day of the period withdrawn (YYYY-MM-DD).")
@click.option("--period-start", default=None, metavar="DATE",
              help="First day of the period (needed only when several periods end on that day).")
@click.option("--reason", required=True, help="Why the reading is withdrawn (kept in the history).")
@click.option("--by", "by", default=None, metavar="NAME", help="Who withdraws it (default: the operating-system user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def withdraw(ctx: click.Context, indicator: str, period_end: str, period_start: str | None, reason: str,
             by: str | None, as_json: bool) -> None:
    """Withdraw the reading in force of one period of INDICATOR (a mistake): a new revision marks the
    period withdrawn, with who, when and why; nothing is deleted. Status, charts, reports and exports
    then leave the period out; entering a value for it again brings it back."""
    from monitor.services.withdraw import withdraw_reading

    done = withdraw_reading(
        store(ctx), indicator, parse_day(period_end, "--period-end"), _reason(reason), who=by,  # type: ignore[arg-type]
        period_start=parse_day(period_start, "--period-start"),
    )
    if as_json:
        print_json(done.as_dict())
        return
    r = done.reading
    assert r is not None
    echo(f"{indicator}: withdrew {r.period_start.isoformat()}..{r.period_end.isoformat()} (value {r.value:g}, "
         f"revision {r.revision}) as revision {done.revision}, by {done.withdrawn_by}")
    _changes(list(done.events))


@main.command(name="withdraw-target")
@click.argument("target")
@click.option("--reason", required=True, help="Why the target version is withdrawn (kept in the change log).")
@click.option("--by", "by", default=None, metavar="NAME", help="Who withdraws it (default: the operating-system user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def withdraw_target(ctx: click.Context, target: str, reason: str, by: str | None, as_json: bool) -> None:
    """Withdraw the version in force of TARGET (a mistake): the previous version is in force again, or the
    goal has no target. The catalogue's change log records it (`monitor catalog changes`)."""
    from monitor.services.withdraw import withdraw_target as withdraw_version

    done = withdraw_version(store(ctx), target, _reason(reason), who=by)
    if as_json:
        print_json(done.as_dict())
        return
    assert done.target is not None
    again = (f"version {done.in_force_again.version} is in force again" if done.in_force_again
             else "the goal has no target now")
    echo(f"{target}: withdrew version {done.target.version}, by {done.withdrawn_by}; {again}")
    _changes(list(done.events))
