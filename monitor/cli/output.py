"""How every `monitor` command prints: one function per kind of output, so each is done one way.

- :func:`echo`: a line of text (messages, listings, the ``Error:`` line of monitor.cli.app's handler).
  Everything in it that comes from the store, a file or an argument may hold control characters;
  they are written as visible escapes (monitor.model.validate.escape_controls): a stored
  "\\x1b]0;..." must not retitle or clear the terminal.
- :func:`print_json`: data as JSON (NaN and infinities as null; C1 and other controls as \\u escapes).
- :func:`print_data`: CSV or YAML on standard output, line feeds and tabs kept, other controls escaped.
- :func:`cells` and :func:`console`: rich tables, whose cells are never read as markup.

When the reader of standard output goes away (`monitor readings | head -1`), every path ends the
same way: quietly, with exit code 141 (:func:`quiet_exit_on_broken_pipe`).
Only click is imported here at module level (rich is imported by the commands that print tables).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import click

from monitor.model.validate import escape_controls

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a tool whose reader went away


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """One line (or ``nl=False``: text) on standard output or, with ``err``, standard error; controls escaped."""
    click.echo(escape_controls(text), err=err, nl=nl)


def json_text(text: str) -> str:
    """JSON text with the control characters json.dumps leaves as they are (C1, line separators,
    bidirectional overrides: ensure_ascii=False keeps them) written as \\u escapes: the same JSON
    (such characters only occur inside strings, where the escape means the very character)."""
    from monitor.model.validate import CONTROL

    # C0 characters need nothing: json.dumps escapes them in strings, and the line breaks of its indent
    # are JSON's own whitespace.
    return CONTROL.sub(lambda m: m.group() if m.group() < "\x7f" else f"\\u{ord(m.group()):04x}", text)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output."""
    from monitor.files.export import json_ready

    # NaN and infinities as null (a store written before monitor.model.validate's rules may hold them; the
    # evidence says why such a reading was skipped).
    click.echo(json_text(json.dumps(json_ready(data), ensure_ascii=False, indent=2, default=str)))


def print_json_text(text: str) -> None:
    """JSON a library function already wrote (an export), as it is but for the escapes of :func:`json_text`."""
    click.echo(json_text(text), nl=False)


def print_data(text: str) -> None:
    """Data written to standard output (CSV, YAML) with its line feeds and tabs, and every other control
    character escaped, piped or not: such text cannot be imported again anyway (every entry path refuses
    it), and a terminal may be at the end of any pipe. `--out FILE` keeps the text exactly."""
    click.echo(escape_controls(text, keep="\n\t"), nl=False)


def cells(*values: str) -> list[Any]:
    """Table cells as plain text: stored text such as "[/]" must never be read as rich markup, nor a
    control character reach the terminal."""
    from rich.text import Text

    return [Text(escape_controls(v)) for v in values]


def console() -> Any:
    """A rich console that prints text as written (no markup, emoji codes or highlighting)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich's own exits with 1; every command ends alike (141)
            self.quiet = True
            quiet_exit_on_broken_pipe()

    # Piped output has no terminal width; a narrow default would fold every cell.
    return _Console(width=None if sys.stdout.isatty() else 160, markup=False, emoji=False, highlight=False)


def quiet_exit_on_broken_pipe() -> NoReturn:
    """End with 141 and nothing more printed: the reader of standard output went away."""
    # Point standard output at /dev/null: the interpreter flushes it again on exit, which would
    # print "Exception ignored ... BrokenPipeError" (docs.python.org, "Note on SIGPIPE").
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


def flush_stdout() -> None:
    """Flush standard output now, so that a reader that went away is seen here, not by the interpreter's exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_exit_on_broken_pipe()
