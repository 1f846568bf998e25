"""`monitor hash-password` (the editor password hash the dashboard's sign-in checks) and
`monitor migrate --to LOCATION` (copy the store to another location or backend, verified).

Registered on the `monitor` group by ``register(main)``, as monitor/cli/refresh.py is. Only click is
imported at module level.
"""

from __future__ import annotations

import sys

import click

from monitor.cli.refresh import _echo


@click.command(name="hash-password")
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
    except ValueError as e:
        _echo(f"Error: {e}", err=True)
        sys.exit(5)
    _echo(encoded)
    _echo(
        f"Set it in the environment of `monitor up` (export {ENV_VAR}='{encoded}') "
        f"or in .streamlit/secrets.toml ({SECRET_KEY} = \"{encoded}\").",
        err=True,
    )


@click.command()
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
    from monitor.errors import MonitorError
    from monitor.store.migrate import migrate_store
    from monitor.store.connection import open_store

    try:
        source = open_store((ctx.obj or {}).get("db"))
        target = open_store(to)
        try:
            result = migrate_store(source, target, force=force)
        finally:
            source.close()
            target.close()
    except MonitorError as e:
        from monitor.cli import _fail  # the one error report of every command

        _fail(e)
    if as_json:
        import json

        from monitor.cli import json_text

        click.echo(json_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2)))
        return
    counts = ", ".join(f"{table} {rows}" for table, rows in result.tables.items())
    _echo(f"Migrated {result.source} -> {result.target}" + (" (replaced its content)" if result.replaced else ""))
    _echo(f"  rows: {counts}")
    _echo(f"  verified: row counts and digests of {len(result.tables)} tables match ({result.seconds:.1f} s)")


def register(main: click.Group) -> None:
    """Add the administration commands to the `monitor` group."""
    main.add_command(hash_password_command)
    main.add_command(migrate)
