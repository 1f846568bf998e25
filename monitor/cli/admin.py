"""`monitor hash-password`, `monitor migrate --to LOCATION` and `monitor settings`.

- hash-password: the editor password hash the dashboard's sign-in checks (monitor.services.auth);
- migrate: copy the store to another location or backend, verified (monitor.store.migrate);
- settings: every setting declared in monitor.settings with its effective value, where that value
  came from (the command line, the environment or the default) and what it does; a secret's value
  is never printed, and a malformed value in the environment is the usual ConfigError (exit code 2).

Errors are raised to the one handler in monitor.cli.app. Only click is imported at module level.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from monitor.cli.app import db_location, main
from monitor.cli.output import echo, print_json
from monitor.errors import ValidationError

HIDDEN = "(hidden)"  # what a secret's value is shown as (monitor.settings.Setting.read says the same)


@main.command(name="hash-password")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--method", type=click.Choice(["scrypt", "pbkdf2_sha256"]), default="scrypt", show_default=True)
def hash_password_command(from_stdin: bool, method: str) -> None:
    """Print a salted hash of the editor password (for MONITOR_EDITOR_PASSWORD_HASH or Streamlit secrets).

    The password is asked twice without echo (or read from standard input with --stdin) and never
    stored; only the printed hash is configured.
    """
    from monitor.services.auth import ENV_VAR, SECRET_KEY, hash_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Editor password", hide_input=True, confirmation_prompt=True)
    try:
        encoded = hash_password(password, method=method)
    except ValueError as e:  # an empty or unusable password: refused input (exit code 5)
        raise ValidationError([], summary=str(e)) from None
    echo(encoded)
    echo(
        f"Set it in the environment of `monitor up` (export {ENV_VAR}='{encoded}') "
        f"or in .streamlit/secrets.toml ({SECRET_KEY} = \"{encoded}\").",
        err=True,
    )


@main.command()
@click.option("--to", "to", required=True, metavar="LOCATION",
              help="Where to copy the store: a DuckDB file path, or ducklake:<catalog> (data files in $MONITOR_DATA_PATH).")
@click.option("--force", is_flag=True, help="Replace the content of a target that is not empty.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def migrate(ctx: click.Context, to: str, force: bool, as_json: bool) -> None:
    """Copy every table of the store (--db) to LOCATION in one transaction and verify counts and digests.

    Readings with every revision, every target version, indicators, quarantined rows, refresh runs,
    events, alert deliveries and goal statuses are copied exactly. The target must be empty unless
    --force; on any error nothing is written to it.
    """
    from monitor.store.connection import open_store
    from monitor.store.migrate import migrate_store

    source = open_store(db_location(ctx))
    target = open_store(to)
    try:
        result = migrate_store(source, target, force=force)
    finally:
        source.close()
        target.close()
    if as_json:
        print_json(result.as_dict())
        return
    counts = ", ".join(f"{table} {rows}" for table, rows in result.tables.items())
    echo(f"Migrated {result.source} -> {result.target}" + (" (replaced its content)" if result.replaced else ""))
    echo(f"  rows: {counts}")
    echo(f"  verified: row counts and digests of {len(result.tables)} tables match ({result.seconds:.1f} s)")


def _shown(value: Any) -> str:
    """A setting's value as the docs write it: seconds without a trailing .0, a flag as 0 or 1."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def setting_rows(ctx: click.Context) -> list[dict[str, Any]]:
    """Every declared setting: its variable, effective value, origin and description (secrets hidden)."""
    from monitor import settings

    given = {"MONITOR_DB": db_location(ctx)}  # the options the group itself takes (`monitor --db X settings`)
    rows = []
    for s, value, in_environment in settings.effective():
        origin = "environment" if in_environment else "default"
        if given.get(s.env):
            value, origin = given[s.env], f"option {s.option}"
        hidden = s.secret and origin != "default" and value is not None
        rows.append({
            "variable": s.env, "value": HIDDEN if hidden else value, "from": origin, "secret": s.secret,
            "type": s.kind, "default": s.default, "option": s.option, "description": s.text,
        })
    return rows


@main.command(name="settings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: variable, value, from, secret, type, default, option, description.")
@click.pass_context
def settings_command(ctx: click.Context, as_json: bool) -> None:
    """Every setting (environment variable) with its value now, where it came from and what it does.

    A secret's value (the store's location, the editor password hash) is shown as (hidden) unless it is
    the default; a malformed value is an error naming the variable (exit code 2)."""
    rows = setting_rows(ctx)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        value = r["value"] if r["value"] == HIDDEN else _shown(r["value"])
        echo(f"{r['variable']} = {value}  ({r['from']})")
        echo(f"    {r['description']}")
