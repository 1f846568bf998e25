"""`monitor hash-password`: make the editor password hash the dashboard's sign-in checks.

Registered on the `monitor` group by ``register(main)``, as monitor/cli_refresh.py is. Only click is
imported at module level.
"""

from __future__ import annotations

import sys

import click


@click.command(name="hash-password")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--method", type=click.Choice(["scrypt", "pbkdf2_sha256"]), default="scrypt", show_default=True)
def hash_password_command(from_stdin: bool, method: str) -> None:
    """Print a salted hash of the editor password (for MONITOR_EDITOR_PASSWORD_HASH or Streamlit secrets).

    The password is asked twice without echo (or read from standard input with --stdin) and never
    stored; only the printed hash is configured.
    """
    from monitor.auth import ENV_VAR, SECRET_KEY, hash_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Editor password", hide_input=True, confirmation_prompt=True)
    try:
        encoded = hash_password(password, method=method)
    except ValueError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(5)
    click.echo(encoded)
    click.echo(
        f"Set it in the environment of `monitor up` (export {ENV_VAR}='{encoded}') "
        f"or in .streamlit/secrets.toml ({SECRET_KEY} = \"{encoded}\").",
        err=True,
    )


def register(main: click.Group) -> None:
    """Add the administration commands to the `monitor` group."""
    main.add_command(hash_password_command)
