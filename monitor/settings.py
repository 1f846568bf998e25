"""The one declared table of settings: every environment variable the product reads, read here only.

Each :class:`Setting` names its environment variable, its type, its default and what it does. The
table drives three things, so they cannot drift apart:

- reading: :func:`get` is the only function in the package that reads ``os.environ`` for a setting
  (a test greps the tree for any other read); a malformed value is a :class:`ConfigError` naming the
  variable, never a traceback at import time;
- the CLI: the option that overrides a setting is declared with it (``option``); monitor.cli builds
  it with its help text from here and, when it is absent, reads the setting through :func:`get` (click
  never reads the environment); ``monitor settings`` prints every setting with its effective value
  (secrets masked);
- the docs: ``python -m monitor.settings`` writes the table that ``docs/settings.md`` holds (a test
  compares the two).

Values are read when asked for, not at import: a process that sets a variable before calling in
(a test, ``monitor up`` for its children) is seen. Reading costs a dict look-up and a parse (~1 µs).

Header values and webhook URLs of refresh sources and alert channels are not here: their variable
names are chosen per source in the sources file (``{ env = "NAME" }``, ``url_env``), and
``monitor.services.refresh`` reads them when a request is made.

This module imports only the standard library and ``monitor.errors``: it is a leaf, like the model
and the errors, so that ``monitor.store`` may use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "get", "markdown_table", "effective"]


def _positive_float(text: str) -> float:
    value = float(text)
    if not (0 < value < 10**7):
        raise ValueError("must be a number of seconds above 0")
    return value


def _memory(text: str) -> str:
    import re

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB)\s*", text, flags=re.IGNORECASE):
        raise ValueError("must be a size such as 160MB or 1GiB")
    return text.strip()


def _flag(text: str) -> bool:
    # Never an error: the one reader is the CLI's error handler, which must not fail itself.
    return text.lower() not in ("0", "false", "no", "off")


def _jump_factor(text: str) -> float:
    if text.lower() == "off":
        return float("inf")
    value = float(text)
    if not (1 < value < 10**9):
        raise ValueError("must be a factor above 1, such as 5, or off")
    return value


def _points(text: str) -> float:
    if text.lower() == "off":
        return float("inf")
    value = float(text)
    if not (0 < value <= 100):
        raise ValueError("must be a number of percentage points above 0 and at most 100, or off")
    return value


def _time_zone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # OSError: a name too long for a file
        raise ValueError("must be an IANA time zone name such as Asia/Shanghai or UTC") from None
    return text


def _lang(text: str) -> str:
    if text not in ("zh", "en"):
        raise ValueError("must be zh or en")
    return text


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, how its text is read, its default and what it does."""

    env: str
    kind: str  # what the docs call its type
    default: Any
    description: str
    parse: Callable[[str], Any] = str
    secret: bool = False  # never printed in full
    option: str | None = None  # the `monitor` option that overrides it (monitor.cli takes its help from here)

    @property
    def text(self) -> str:
        """The description with the option that overrides it: what the docs and `monitor settings` print."""
        return self.description + (f" `{self.option}` overrides it." if self.option else "")

    def read(self, environ: Mapping[str, str] | None = None) -> Any:
        """The value from ``environ`` (default ``os.environ``), else the default; a bad value is a ConfigError."""
        environ = os.environ if environ is None else environ
        text = environ.get(self.env, "").strip()
        if not text:
            return self.default
        try:
            return self.parse(text)
        except (TypeError, ValueError) as e:
            shown = "(hidden)" if self.secret else repr(text[:80])
            raise ConfigError(f"environment variable {self.env}={shown}: {e}") from None


SETTINGS: dict[str, Setting] = {
    s.env: s
    for s in (
        Setting("MONITOR_DB", "path or ducklake: location", "data/monitor.duckdb",
                "The store: a DuckDB file, or `ducklake:<catalog>` for a DuckLake shared by several hosts "
                "(docs/deployment.md).", secret=True, option="--db"),
        Setting("MONITOR_DATA_PATH", "folder", None,
                "Where a DuckLake store keeps its Parquet files (required for a new lake)."),
        Setting("MONITOR_LOCK_TIMEOUT", "seconds", 15.0,
                "How long an operation waits for the store's write lock (file) or retries a conflict (lake) "
                "before it gives up with exit code 75 and nothing written.", _positive_float),
        Setting("MONITOR_IMPORT_MEMORY", "size", "160MB",
                "DuckDB's memory limit while an import runs; beyond it the import spills to a temporary folder.",
                _memory),
        Setting("MONITOR_SOURCES", "path", None,
                "The refresh sources file (else data/sources.toml, else the example).", option="--sources"),
        Setting("MONITOR_SCHEDULER_LEASE", "seconds", 15.0,
                "The scheduler's leadership lease: a standby takes over within this plus a third of it after "
                "the leader dies.", _positive_float, option="--lease"),
        Setting("MONITOR_EDITOR_PASSWORD_HASH", "hash", None,
                "The editors' password hash (`monitor hash-password`); else `editor_password_hash` in "
                "Streamlit's secrets; without either the dashboard lets anyone who reaches it write.", secret=True),
        Setting("MONITOR_TIMEZONE", "IANA time zone", "Asia/Shanghai",
                "The workspace's time zone: what day \"today\" is (default as-of dates, \"in the future\" for a "
                "reading, staleness) and the zone every time is shown in; stored times stay UTC. The refresh "
                "sources file's `timezone` (when cron schedules fire) defaults to it.", _time_zone),
        Setting("MONITOR_LANG", "zh or en", "zh", "The CLI's language for status tables.", _lang,
                option="--lang"),
        Setting("MONITOR_JUMP_FACTOR", "factor", 5.0,
                "A new value more than this many times the indicator's previous reading (or less than its "
                "1/factor) is held as implausible until confirmed: `monitor add --confirm-jump`, "
                "`monitor import --accept-jumps`, the form's confirmation; a refresh quarantines it. "
                "`off` turns the check off.", _jump_factor),
        Setting("MONITOR_JUMP_POINTS", "percentage points", 20.0,
                "For values in % (shares, year-on-year changes): a move of more than this many percentage "
                "points from the previous reading is held like a jump; `off` turns this check off.", _points),
        Setting("MONITOR_REVIEW", "on or off", False,
                "on: a reading entered (form, import, `monitor add`) stays pending, counted nowhere and alerting "
                "no one, until a reviewer who is not its author approves it (`monitor review`, the dashboard's "
                "review page); a scheduled refresh is not reviewed. Off by default.", _flag),
        Setting("MONITOR_DEBUG", "0 or 1", False,
                "1: a failing `monitor` command prints the traceback as well as its one `Error:` line (for bug reports).",
                _flag),
    )
}


def get(env: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of the setting named by its environment variable (a KeyError for an undeclared one)."""
    return SETTINGS[env].read(environ)


def effective(environ: Mapping[str, str] | None = None) -> list[tuple[Setting, Any, bool]]:
    """(setting, value, set in the environment) for every setting, in the table's order."""
    environ = os.environ if environ is None else environ
    return [(s, s.read(environ), bool(environ.get(s.env, "").strip())) for s in SETTINGS.values()]


def markdown_table() -> str:
    """The settings as the Markdown table docs/settings.md holds."""
    lines = ["| variable | type | default | what it does |", "|---|---|---|---|"]
    for s in SETTINGS.values():
        default = "(none)" if s.default is None else f"`{s.default}`"
        lines.append(f"| `{s.env}` | {s.kind} | {default} | {s.text} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m monitor.settings > the table in docs/settings.md
    print(markdown_table(), end="")
