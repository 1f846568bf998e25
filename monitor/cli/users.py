"""`monitor users add|list|disable|enable|set-role|set-password`: the people who sign in to the dashboard.

Each calls one function of monitor.services.users (docs/workflow.md, "Users and roles"); errors go to the
one handler in monitor.cli.app (an unknown user: exit 3; a taken name or an unknown role: exit 2). A
password is typed at a prompt (twice, not echoed) or read from stdin with --password-stdin, never given
in argv, where other users of the machine could see it.
"""

from __future__ import annotations

import sys

import click

from monitor.cli.app import main, store
from monitor.cli.output import echo, print_json


@main.group(name="users")
def users_group() -> None:
    """Named users with roles (viewer, editor, reviewer, admin), optionally limited to domains or offices."""


def _by(by: str | None) -> str:
    from monitor.services.users import check_name, os_user

    return os_user() if by is None else check_name(by, "--by")


def _password(prompt: bool, from_stdin: bool) -> str | None:
    from monitor.services.auth import hash_password

    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
    elif prompt:
        text = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        return None
    try:
        return hash_password(text)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="password") from None


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _show(user: object) -> str:
    d = user.as_dict()  # type: ignore[attr-defined]
    limits = "; ".join(x for x in (f"domains {', '.join(d['domains'])}" if d["domains"] else "",
                                   f"offices {', '.join(d['offices'])}" if d["offices"] else "") if x)
    state = " (disabled)" if d["disabled"] else ""
    how = "password" if d["password"] else "single sign-on"
    return f"{d['name']}  {d['role']}{state}  {limits or 'all indicators'}  {how}" + (f"  {d['email']}" if d["email"] else "")


ROLE = click.Choice(["viewer", "editor", "reviewer", "admin"])


@users_group.command(name="add")
@click.argument("name")
@click.option("--role", type=ROLE, required=True, help="What the user may do.")
@click.option("--domain", "domains", multiple=True, metavar="ID", help="Limit to this domain (repeat, or comma-separated).")
@click.option("--office", "offices", multiple=True, metavar="NAME",
              help="Limit to indicators whose responsible office (责任单位) names this office (repeat, or comma-separated).")
@click.option("--email", default=None, help="Email for single sign-on (Streamlit's OIDC login).")
@click.option("--display-name", default=None, help="The name shown in the dashboard.")
@click.option("--no-password", is_flag=True, help="No password: the user signs in only through single sign-on (needs --email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin instead of a prompt.")
@click.option("--by", default=None, metavar="NAME", help="Who adds the user (default: the operating-system user).")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, domains: tuple[str, ...], offices: tuple[str, ...],
              email: str | None, display_name: str | None, no_password: bool, password_stdin: bool, by: str | None) -> None:
    """Add user NAME; the password is asked for at a prompt (never in argv)."""
    from monitor.services.users import add_user

    encoded = _password(not no_password, password_stdin)
    user = add_user(store(ctx), name, role, password_hash=encoded, email=email, display_name=display_name,
                    domains=_split(domains), offices=_split(offices), by=_by(by))
    echo(f"added {_show(user)}")


@users_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON (never their password hashes).")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Every user: name, role, limits, how they sign in."""
    from monitor.services.users import list_users

    found = list_users(store(ctx))
    if as_json:
        print_json([u.as_dict() for u in found])
        return
    if not found:
        echo("no users: the dashboard uses the shared editor password if one is set, else it is open", err=True)
    for u in found:
        echo(_show(u))


@users_group.command(name="set-role")
@click.argument("name")
@click.argument("role", type=ROLE)
@click.option("--domain", "domains", multiple=True, metavar="ID", help="Limit to these domains (replaces the list).")
@click.option("--office", "offices", multiple=True, metavar="NAME", help="Limit to these offices (replaces the list).")
@click.option("--no-limits", is_flag=True, help="Remove every domain and office limit.")
@click.option("--by", default=None, metavar="NAME", help="Who changes it (default: the operating-system user).")
@click.pass_context
def users_set_role(ctx: click.Context, name: str, role: str, domains: tuple[str, ...], offices: tuple[str, ...],
                   no_limits: bool, by: str | None) -> None:
    """Change the ROLE of user NAME and, when given, their domains and offices."""
    from monitor.services.users import set_role

    d = [] if no_limits else (_split(domains) if domains else None)
    o = [] if no_limits else (_split(offices) if offices else None)
    echo(f"changed {_show(set_role(store(ctx), name, role, domains=d, offices=o, by=_by(by)))}")


@users_group.command(name="disable")
@click.argument("name")
@click.option("--by", default=None, metavar="NAME", help="Who disables the user (default: the operating-system user).")
@click.pass_context
def users_disable(ctx: click.Context, name: str, by: str | None) -> None:
    """Disable user NAME: kept (the history names them), but they can no longer sign in."""
    from monitor.services.users import set_disabled

    echo(f"disabled {_show(set_disabled(store(ctx), name, True, by=_by(by)))}")


@users_group.command(name="enable")
@click.argument("name")
@click.option("--by", default=None, metavar="NAME", help="Who enables the user (default: the operating-system user).")
@click.pass_context
def users_enable(ctx: click.Context, name: str, by: str | None) -> None:
    """Enable a disabled user NAME again."""
    from monitor.services.users import set_disabled

    echo(f"enabled {_show(set_disabled(store(ctx), name, False, by=_by(by)))}")


@users_group.command(name="set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin instead of a prompt.")
@click.option("--by", default=None, metavar="NAME", help="Who changes it (default: the operating-system user).")
@click.pass_context
def users_set_password(ctx: click.Context, name: str, password_stdin: bool, by: str | None) -> None:
    """Set a new password for user NAME (asked for at a prompt)."""
    from monitor.services.users import set_password

    encoded = _password(True, password_stdin)
    assert encoded is not None
    echo(f"changed the password of {_show(set_password(store(ctx), name, encoded, by=_by(by)))}")
