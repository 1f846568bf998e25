"""The `monitor` group and its one error handler.

Every failure of every command ends in :func:`fail`: one line on stderr starting with ``Error:``
(plus, for invalid input, its located problems, one per line) and the exit code documented in the
README (EXIT_CODES below): a MonitorError's own code, 74 for a file that cannot be read or written,
130 for Ctrl-C, 70 for anything unexpected (a bug: the line names the exception, and MONITOR_DEBUG=1
prints its traceback too). :class:`MonitorGroup` and :class:`MonitorCommand` catch whatever a command
lets escape (a command invoked on its own, as a test may, included), so no traceback reaches a user
and no command catches errors itself: a command calls the library and raises. When the reader of the
output goes away (`monitor readings | head -1`), the command ends quietly with 141, as a tool killed
by SIGPIPE.

Options that override a setting are built by :func:`setting_option` from monitor.settings.SETTINGS:
their name and help text come from that one table, and when such an option is absent its value is
read through :func:`monitor.settings.get` (validated there, a ConfigError naming the variable),
never by click from the environment: the environment has one reader.

The commands live in modules by subject (readings, catalog, maintenance, admin, refresh, serve) and
attach themselves to :data:`main` with ``@main.command()``. They are loaded on demand: COMMAND_MODULES
names the module of each command, and :class:`MonitorGroup` imports only the module of the command being
run (all of them for `monitor --help`, completion, and :meth:`MonitorGroup.list_commands`), so `monitor add`
pays for readings.py alone, not for every other command's imports (tests/test_add_path.py checks the table
against what the modules register, and what a `monitor add` process loads). Only click is imported at
module level: heavy packages (pandas, streamlit, apscheduler, rich) are imported inside the commands that
need them, so `monitor add` starts about as fast as Python with duckdb.
"""

from __future__ import annotations

import errno
import importlib
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from monitor import settings
from monitor.cli.output import EXIT_BROKEN_PIPE, echo, flush_stdout, quiet_exit_on_broken_pipe
from monitor.errors import MonitorError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])

DEBUG_ENV = "MONITOR_DEBUG"
EXIT_INTERNAL = 70  # EX_SOFTWARE: an exception the product does not expect (a bug)
EXIT_IO = 74  # EX_IOERR: a file other than the store could not be read or written
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
# The README's table of exit codes; tests/test_cli_errors.py checks both agree.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "`monitor check` found a problem, or `monitor refresh` had a failed source",
    2: "unusable configuration or command-line usage (a missing option, a database path that is a folder, ...)",
    3: "an indicator, target or other named object does not exist",
    4: "the database could not be read or written (permission denied, disk full, not a database file, ...)",
    5: "invalid input: a reading, a file, a catalogue or a backup was refused; nothing was written",
    6: "a refresh source could not be fetched (monitor.services.refresh.FetchError)",
    70: f"an unexpected error (a bug): the line names the exception; rerun with {DEBUG_ENV}=1 for its traceback",
    73: "another scheduler already serves this database (monitor.services.refresh.SchedulerRunning)",
    74: "a file other than the database could not be read or written (e.g. `export --out` in a read-only folder)",
    77: "not allowed: the user's role or scope does not cover it, or a reviewer approving their own entry",
    75: "the database was busy (locked by another process) beyond the wait; nothing was written, retry",
    130: "interrupted (Ctrl-C); an unfinished write is rolled back",
    EXIT_BROKEN_PIPE: "the reader of the output went away (`monitor readings | head -1`); nothing more is printed",
    143: "`monitor refresh` was stopped by SIGTERM (monitor.cli.refresh.Stopped); the run in progress was not recorded",
}


# The module (under monitor.cli) that defines each command of `monitor`; MonitorGroup imports it when the
# command is asked for. A module's commands attach themselves to :data:`main` when it is imported.
COMMAND_MODULES: dict[str, str] = {
    "add": "readings", "import": "readings", "readings": "readings", "rejected": "readings", "export": "readings",
    "status": "readings",
    "init": "catalog", "indicators": "catalog", "catalog": "catalog",
    "backup": "maintenance", "restore": "maintenance", "check": "maintenance",
    "refresh": "refresh", "runs": "refresh", "events": "refresh", "scheduler": "refresh", "leader": "refresh",
    "hash-password": "admin", "migrate": "admin", "settings": "admin",
    "card": "card", "draft": "draft", "offices": "offices", "report": "report", "review": "review",
    "up": "serve", "users": "users", "withdraw": "withdraw", "withdraw-target": "withdraw",
}


def describe(error: BaseException) -> tuple[str, int]:
    """The message and exit code of any error a command may raise."""
    if isinstance(error, MonitorError):
        return str(error), error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return "interrupted; an unfinished write is rolled back", EXIT_INTERRUPTED
    if isinstance(error, UnicodeEncodeError):
        return (f"cannot print {error.object[error.start:error.end]!r} in this terminal's encoding "
                f"({error.encoding}); use a UTF-8 locale (e.g. LANG=C.UTF-8)"), EXIT_IO
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror or error}" if error.filename else f"{error.strerror or error}", EXIT_IO
    kind = type(error).__name__
    if type(error).__module__.split(".")[0] in ("duckdb", "_duckdb") and kind in ("IOException", "OutOfMemoryException"):
        # The database engine could not read or write a file (a full disk while spilling, say).
        from monitor.store.connection import one_line

        return f"database engine: {one_line(error)}", 4
    text = " ".join(str(error).split())[:300]
    return (f"unexpected {kind}" + (f": {text}" if text else "")
            + f" (a bug; rerun with {DEBUG_ENV}=1 to see where it happened, and report it)"), EXIT_INTERNAL


def fail(error: BaseException) -> NoReturn:
    """End the command on ``error``: one `Error:` line (and invalid input's located problems), its exit code."""
    if isinstance(error, BrokenPipeError) or (isinstance(error, OSError) and error.errno == errno.EPIPE):
        quiet_exit_on_broken_pipe()
    if settings.get(DEBUG_ENV):
        import traceback

        traceback.print_exception(error)
    message, code = describe(error)
    if isinstance(error, KeyboardInterrupt):
        echo(err=True)  # the terminal's ^C has no line break
    echo(f"Error: {message}", err=True)
    if isinstance(error, ValidationError) and len(error.problems) > 1:
        for problem in error.problems[1:20]:
            echo(f"  {problem}", err=True)
        if len(error.problems) > 20:
            echo(f"  ... and {len(error.problems) - 20} more", err=True)
    flush_stdout()  # what the command printed before it failed, or 141 if its reader went away
    sys.exit(code)


def _handled(invoke: Callable[[], Any]) -> Any:
    """Run a command or group; whatever it lets escape ends in :func:`fail`, never in a traceback."""
    try:
        result = invoke()
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise  # usage errors: click prints them (exit code 2)
    except SystemExit:
        flush_stdout()
        raise
    except (Exception, KeyboardInterrupt) as e:
        fail(e)
    flush_stdout()  # a reader that went away is seen here, not by the interpreter's exit
    return result


class MonitorCommand(click.Command):
    """A `monitor` command: its errors go to the one handler even when it is invoked on its own."""

    def invoke(self, ctx: click.Context) -> Any:
        return _handled(lambda: super(MonitorCommand, self).invoke(ctx))


class MonitorGroup(click.Group):
    """The `monitor` group (and `monitor catalog`): errors to the one handler; every command takes `--db`."""

    command_class = MonitorCommand
    group_class = type  # subgroups are MonitorGroups too
    # Command name -> module under monitor.cli that defines it, imported on demand (only `main` has any).
    lazy: dict[str, str] = {}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(f"monitor.cli.{self.lazy[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_commands()
        return super().list_commands(ctx)

    def load_commands(self) -> None:
        """Import every command's module, so that :attr:`commands` holds them all."""
        for module in sorted(set(self.lazy.values())):
            importlib.import_module(f"monitor.cli.{module}")

    def invoke(self, ctx: click.Context) -> Any:
        # Also what a subcommand's options raise while they are parsed (a malformed setting).
        return _handled(lambda: super(MonitorGroup, self).invoke(ctx))

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # `monitor init --db X` works as well as `monitor --db X init` (people put options last).
        if not isinstance(cmd, click.Group) and not any(p.name == "db_here" for p in cmd.params):
            cmd.params.append(click.Option(
                [settings.SETTINGS["MONITOR_DB"].option or "--db", "db_here"], metavar="PATH", expose_value=False,
                is_eager=True, callback=_remember_db, help=setting_help("MONITOR_DB"),
            ))
        super().add_command(cmd, name)


def _remember_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["db"] = value


def setting_help(env: str) -> str:
    """An option's help: what the setting does, its variable and its default, from monitor.settings."""
    s = settings.SETTINGS[env]
    default = "none" if s.default is None else s.default
    return f"{s.description} [env var: {s.env}; default: {default}]"


def setting_option(env: str, dest: str, resolve: bool = False, **attrs: Any) -> Callable[[F], F]:
    """The option that overrides the setting ``env``: its name and help from monitor.settings.SETTINGS.

    Absent, the option's value is None and the library reads the setting where it needs it (the
    store's location, the sources file, the lease); with ``resolve`` the command receives the
    setting's value instead (monitor.settings.get: the variable, else the default; a malformed
    value is a ConfigError naming it).
    """
    s = settings.SETTINGS[env]
    if s.option is None:
        raise ValueError(f"{env} declares no option")  # a programming error, seen at import
    if resolve:
        attrs["callback"] = lambda ctx, param, value: settings.get(env) if value is None else value
    return click.option(s.option, dest, default=None, help=setting_help(env), **attrs)


def db_location(ctx: click.Context) -> str | None:
    """The store location given by `--db` (before or after the command), else None: the setting decides."""
    return (ctx.obj or {}).get("db")


def store(ctx: click.Context) -> Any:
    """The store the command works on (`--db`, else MONITOR_DB, else data/monitor.duckdb)."""
    from monitor.store.connection import open_store

    return open_store(db_location(ctx))


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@setting_option("MONITOR_DB", "db", metavar="PATH")
@click.version_option(package_name="indicator-monitor")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Track public development goals against their targets, from a catalogue of indicators and goals."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


main.lazy = COMMAND_MODULES
