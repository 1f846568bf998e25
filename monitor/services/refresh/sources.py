"""The sources file: where figures come from, when to fetch them, and where alerts go.

A TOML file (``--sources PATH``, else ``$MONITOR_SOURCES``, else ``data/sources.toml``; when none
exists, the shipped example ``data/sources.example.toml`` with a note) validated strictly: an unknown key, a wrong type
or an unusable value is an error naming the file, the source and the key, raised when the file is
loaded (before any file is touched or any request made). Secrets never live in the file:
header values and robot URLs that carry keys come from named environment variables, read only when
a request is made, and are never written to the database or a log.

Paths are checked by monitor.services.refresh.policy: an inbox, a file source or a log channel is never a
system folder, always inside the allowed base (the sources file's folder unless ``allowed_base``
names others), and an inbox never holds the store (nor is a parent of its folder). An inbox takes
only the files its ``pattern`` names (by default those of its kind).

Relative paths start in the sources file's folder. The shipped example, when used because the user has
no sources file, is read as if copied to ``data/sources.toml``: its relative paths (the ``inbox``, the
``alerts.log``) start in the user's ``data/`` folder (of the working directory, where ``data/monitor.duckdb``
is by default), never in the installed package's folder. Schedules are validated with
the scheduler's own trigger classes (APScheduler, imported only while validating): a ``cron`` that
APScheduler refuses or that never fires (31 February) and an ``every`` out of 1 s .. 366 d are errors.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor import clock, settings
from monitor.errors import ConfigError, NotFound
from monitor.services.refresh import policy

DEFAULT_SOURCES = Path("data") / "sources.toml"
# Shipped as the package monitor.seed (data/ in a checkout): used when the user has no sources file.
EXAMPLE_SOURCES = Path(str(resources.files("monitor.seed") / "sources.example.toml"))
KINDS = ("csv", "json", "xlsx")
CHANNEL_TYPES = ("webhook", "wecom", "dingtalk", "log")
EVENT_KINDS = ("status_changed", "became_stale", "source_failed", "values_held", "readings_uncounted", "due_soon")
# A reminder that an office's reading falls due (monitor.services.refresh.reminders): sent only to the channels
# that name that office in ``offices``.
REMINDER_EVENTS = ("due_soon",)
DEFAULT_REMINDER_CRON = "0 9 * * *"
DEFAULT_REMINDER_DAYS = 7
CANONICAL = ("indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Header names whose values are credentials: they must come from the environment.
SECRET_HEADER_RE = re.compile(r"authorization|cookie|token|secret|key|signature|password", re.IGNORECASE)
# Query parameters that carry a credential (WeCom's key, DingTalk's access_token, ...).
SECRET_PARAM_RE = re.compile(r"key|token|secret|sign|password|passwd|auth", re.IGNORECASE)
CRON_FIELD_RE = re.compile(r"[0-9A-Za-z*/,-]+")
# A header value with a line break would smuggle extra headers (or a body) into the request.
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# What a file source or an inbox pattern may name: the reading files a refresh can read.
READING_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".xlsx")
# An inbox's files when it declares no pattern: those of its kind.
DEFAULT_PATTERNS = {"csv": ("*.csv", "*.tsv"), "json": ("*.json",), "xlsx": ("*.xlsx",)}
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
MIN_EVERY = timedelta(seconds=1)
MAX_EVERY = timedelta(days=366)  # longer than a year: use cron
# A duration longer than this is a typo (and 99999999999999w overflows timedelta).
MAX_DURATION_S = 3660 * 86400.0
MAX_WAIT_S = 3600.0  # timeout, backoff, settle

TOP_KEYS = {"timezone", "lang", "sources", "channels", "allowed_base", "reminders"}
REMINDER_KEYS = {"days_before", "cron", "enabled"}
SOURCE_KEYS = {
    "name", "kind", "url", "path", "cron", "every", "columns", "defaults", "records", "headers",
    "timeout", "retries", "backoff", "settle", "run_on_start", "enabled", "max_bytes", "pattern",
    "allow_hosts",
}
CHANNEL_KEYS = {
    "name", "type", "url", "url_env", "secret_env", "headers", "path", "lang", "events", "timeout",
    "retries", "backoff", "max_age", "max_attempts", "offices",
}


@dataclass(frozen=True)
class EnvHeader:
    """A header whose value is read from an environment variable when a request is made."""

    env: str
    prefix: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    url: str | None = None
    path: Path | None = None
    cron: str | None = None
    every: timedelta | None = None
    columns: dict[str, str] = field(default_factory=dict)  # column in the source -> canonical column
    defaults: dict[str, str] = field(default_factory=dict)  # canonical column -> value for every row
    records: str | None = None  # dotted path to the list of records in a JSON document
    headers: dict[str, str | EnvHeader] = field(default_factory=dict)
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    settle: float = 2.0
    run_on_start: bool = False
    enabled: bool = True
    max_bytes: int = 50_000_000
    inbox: bool = False  # path names a folder (decided when the file is loaded)
    pattern: tuple[str, ...] = ()  # inbox: the file names it takes (case-insensitive globs)
    allow_hosts: tuple[str, ...] = ()  # url: other hosts a redirect may lead to
    bases: tuple[Path, ...] = ()  # the allowed bases the path was checked against (checked again at run time)

    @property
    def is_inbox(self) -> bool:
        """A folder of files dropped by people or other systems (as opposed to one file or a URL)."""
        return self.path is not None and self.inbox

    @property
    def location(self) -> str:
        """Where the source is, safe to show and store: a URL without its query string."""
        if self.url:
            return safe_url(self.url)
        return str(self.path)

    @property
    def schedule(self) -> str:
        if self.cron:
            return f"cron {self.cron}"
        if self.every:
            return f"every {format_duration(self.every)}"
        return "manual"

    @property
    def uses_rows(self) -> bool:
        """Read into records and mapped (vs. handed to the import pipeline as the file it is)."""
        return bool(self.columns or self.defaults or self.records)


@dataclass(frozen=True)
class Channel:
    name: str
    type: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    headers: dict[str, str | EnvHeader] = field(default_factory=dict)
    path: Path | None = None
    lang: str | None = None
    events: tuple[str, ...] = EVENT_KINDS
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    max_age: timedelta = timedelta(days=1)
    max_attempts: int = 10
    # The responsible offices (责任单位, as the catalogue names them) whose due-date reminders this channel gets.
    offices: tuple[str, ...] = ()

    def resolved_url(self) -> str:
        if self.url_env:
            value = os.environ.get(self.url_env, "").strip()
            if not value:
                raise ConfigError(f"channel '{self.name}': environment variable {self.url_env} (its URL) is not set")
            problem = url_problem(value, allow_secret_query=True)
            if problem:
                raise ConfigError(f"channel '{self.name}': the URL in {self.url_env} {problem}")
            return value
        assert self.url is not None
        return self.url

    def secret(self) -> str | None:
        if not self.secret_env:
            return None
        value = os.environ.get(self.secret_env, "").strip()
        if not value:
            raise ConfigError(f"channel '{self.name}': environment variable {self.secret_env} (its signing secret) is not set")
        return value


@dataclass(frozen=True)
class Reminders:
    """The reminder job: every ``cron`` (in the file's time zone), the readings falling due within
    ``days_before`` days are announced to their offices' channels, each due date once."""

    days_before: int = DEFAULT_REMINDER_DAYS
    cron: str = DEFAULT_REMINDER_CRON
    enabled: bool = True


@dataclass(frozen=True)
class RefreshConfig:
    path: Path
    # when cron schedules fire; without a `timezone` key, the workspace's zone (MONITOR_TIMEZONE)
    timezone: str = field(default_factory=clock.zone_name)
    lang: str = "zh"
    sources: tuple[Source, ...] = ()
    channels: tuple[Channel, ...] = ()
    note: str | None = None  # e.g. "using the example file"
    allowed_base: tuple[Path, ...] = ()
    reminders: Reminders = field(default_factory=Reminders)

    @property
    def reminder_offices(self) -> tuple[str, ...]:
        """Every office some channel takes reminders for (each once, in the file's order)."""
        return tuple(dict.fromkeys(o for c in self.channels for o in c.offices))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise NotFound(f"no source named '{name}' in {self.path} (sources: {known})")


# ---------------------------------------------------------------- helpers shared with fetch/alerts


def safe_url(url: str) -> str:
    """scheme://host/path: the query string (which may hold a robot key) is never shown or stored."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname or ''}"
    if parts.port:
        shown += f":{parts.port}"
    return shown + (parts.path or "") + ("?…" if parts.query else "")


def url_problem(url: str, allow_secret_query: bool = False) -> str | None:
    """Why ``url`` is unusable, or None."""
    if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url):
        return "is not a URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as e:
        return f"is not a valid URL ({e})"
    if parts.scheme not in ("http", "https"):
        return f"must start with http:// or https:// (got '{parts.scheme or url}')"
    if not parts.hostname:
        return "has no host"
    spelled = policy.noncanonical_address(parts.hostname)
    if spelled:
        return spelled
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password; give credentials through an environment variable"
    if not allow_secret_query:
        secret = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if SECRET_PARAM_RE.search(k)]
        if secret:
            return (f"carries a credential in its query ({', '.join(secret)}); put the whole URL in an "
                    "environment variable and name it with url_env")
    return None


_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """'90s', '5m', '6h', '1d', '1h30m' (or a number of seconds) -> timedelta; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("is not a duration")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("is not a duration like 30s, 5m, 6h, 1d or 1h30m")
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if not text or _DURATION_RE.sub("", text):
            shown = value if len(value) <= 40 else value[:39] + "…"
            raise ValueError(f"{shown!r} is not a duration like 30s, 5m, 6h, 1d or 1h30m")
        seconds = sum(float(n) * _UNIT_S[u] for n, u in _DURATION_RE.findall(text))
    else:
        raise ValueError("is not a duration like 30s, 5m, 6h, 1d or 1h30m")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    if not seconds <= MAX_DURATION_S:  # also inf from a 400-digit number
        raise ValueError(f"is too long (at most {format_duration(timedelta(seconds=MAX_DURATION_S))})")
    return timedelta(seconds=seconds)


def format_duration(d: timedelta) -> str:
    seconds = d.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def crontab_weekdays(field: str) -> str:
    """The day-of-week field of a crontab line in APScheduler 3's terms.

    crontab counts 0 (or 7) = Sunday, 1 = Monday; APScheduler 3 counts 0 = Monday. Numbers (and
    steps, which depend on the numbering) are therefore spelled out as names: "1-5" -> "mon,tue,wed,
    thu,fri", "0" -> "sun". Names and "*" pass through unchanged.
    """
    if field == "*" or not any(c.isdigit() for c in field):
        return field
    days: list[int] = []
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in '{part}'")
        if base == "*":
            low, high = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            low, high = _weekday(a), _weekday(b, allow_seven=True)
        else:
            low = _weekday(base, allow_seven=True)
            high = 6 if step_text else low
        if high < low:
            raise ValueError(f"backwards range '{part}'")
        days.extend(range(low, high + 1, step))
    return ",".join(WEEKDAYS[d % 7] for d in sorted(set(d % 7 for d in days)))


def _weekday(text: str, allow_seven: bool = False) -> int:
    if text.isdigit():
        n = int(text)
        if n > (7 if allow_seven else 6):
            raise ValueError(f"day of week {n} is out of range 0-7")
        return n
    lowered = text.lower()[:3]
    if lowered in WEEKDAYS:
        return WEEKDAYS.index(lowered)
    raise ValueError(f"'{text}' is not a day of week")


# ---------------------------------------------------------------- loading


def resolve_sources_path(path: str | os.PathLike[str] | None = None) -> tuple[Path, str | None]:
    """--sources PATH, else MONITOR_SOURCES, else data/sources.toml, else the example (with a note)."""
    chosen = path if path not in (None, "") else settings.get("MONITOR_SOURCES")
    if chosen is not None:
        resolved = Path(chosen).expanduser()
        if not resolved.is_file():
            raise ConfigError(f"sources file {resolved} does not exist")
        return resolved, None
    if DEFAULT_SOURCES.is_file():
        return DEFAULT_SOURCES, None
    if EXAMPLE_SOURCES.is_file():
        note = (f"no {DEFAULT_SOURCES} (nor --sources or MONITOR_SOURCES): using {EXAMPLE_SOURCES} with its "
                f"relative paths in {example_base()}; copy it to {DEFAULT_SOURCES} and edit it to declare your own sources")
        return EXAMPLE_SOURCES, note
    raise ConfigError(f"no sources file: give --sources PATH, set MONITOR_SOURCES or create {DEFAULT_SOURCES}")


def example_base() -> Path:
    """Where the shipped example's relative paths start when it stands in for data/sources.toml: data/."""
    return DEFAULT_SOURCES.parent.resolve()


def load_config(path: str | os.PathLike[str] | None = None, *, store: str | os.PathLike[str] | None = None) -> RefreshConfig:
    """The sources file, validated. ``store``: the database location the sources will refresh (--db,
    else $MONITOR_DB, else data/monitor.duckdb), whose folder no inbox may be."""
    file, note = resolve_sources_path(path)
    # The example standing in for the user's missing data/sources.toml reads like that copy would: its
    # relative paths start in data/, never in the (installed, perhaps read-only) package's folder.
    base = example_base() if note is not None and file == EXAMPLE_SOURCES else None
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read sources file {file}: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{file} is not valid TOML: {e}") from e
    config = parse_config(data, file, store=store, base=base)
    return replace(config, note=note)


@dataclass(frozen=True)
class _Context:
    """What every source of one file is checked against."""

    base: Path  # relative paths start here (the sources file's folder)
    bases: tuple[Path, ...]  # paths must lie inside one of these
    store_folders: tuple[Path, ...]
    lake_folders: tuple[Path, ...]
    db: Path | None
    timezone: str


def _allowed_base(raw: Any, base: Path, errors: list[str]) -> tuple[Path, ...]:
    if raw is None:
        return (base,)
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        errors.append("allowed_base: must be a folder path or a list of folder paths")
        return (base,)
    return tuple(_path(i, base) for i in items)


def parse_config(data: dict[str, Any], file: Path, *, store: str | os.PathLike[str] | None = None,
                 base: Path | None = None) -> RefreshConfig:
    """Validate a parsed TOML document; every problem is collected and reported at once.

    Relative paths start in ``base``, by default the folder of ``file``."""
    errors: list[str] = []
    base = file.resolve().parent if base is None else base.resolve()
    for key in sorted(set(data) - TOP_KEYS):
        errors.append(f"unknown top-level key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    # No second default: a file without `timezone` schedules in the workspace's zone (monitor.clock).
    timezone = data.get("timezone", clock.zone_name())
    try:
        if not isinstance(timezone, str):
            raise ValueError
        ZoneInfo(timezone)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # OSError: a name too long for a file
        shown = timezone if isinstance(timezone, str) and len(timezone) <= 60 else f"{str(timezone)[:59]}…"
        errors.append(f"timezone: {shown!r} is not an IANA time zone such as Asia/Shanghai")
        timezone = clock.zone_name()
    lang = data.get("lang", "zh")
    if lang not in ("zh", "en"):
        errors.append(f"lang: must be 'zh' or 'en' (got {lang!r})")
        lang = "zh"
    bases = _allowed_base(data.get("allowed_base"), base, errors)
    store_folders, lake_folders, db = policy.store_files(store)
    ctx = _Context(base, bases, tuple(store_folders), tuple(lake_folders), db, timezone)

    sources: list[Source] = []
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        errors.append("sources: must be a list of [[sources]] tables")
        raw_sources = []
    for n, raw in enumerate(raw_sources, start=1):
        source = _parse_source(raw, n, ctx, errors)
        if source is not None:
            sources.append(source)
    channels: list[Channel] = []
    raw_channels = data.get("channels", [])
    if not isinstance(raw_channels, list):
        errors.append("channels: must be a list of [[channels]] tables")
        raw_channels = []
    for n, raw in enumerate(raw_channels, start=1):
        channel = _parse_channel(raw, n, ctx, errors)
        if channel is not None:
            channels.append(channel)
    reminders = _parse_reminders(data.get("reminders", {}), timezone, errors)
    for what, items in (("source", sources), ("channel", channels)):
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                errors.append(f"{what} '{item.name}': the name is used twice")
            seen.add(item.name)
    if errors:
        more = "".join(f"\n  {e}" for e in errors[1:])
        raise ConfigError(f"{file}: {errors[0]}" + (f" (and {len(errors) - 1} more){more}" if more else ""))
    return RefreshConfig(file, timezone, lang, tuple(sources), tuple(channels), allowed_base=bases, reminders=reminders)


def _parse_reminders(raw: Any, timezone: str, errors: list[str]) -> Reminders:
    if not isinstance(raw, dict):
        errors.append("reminders: must be a table ([reminders])")
        return Reminders()
    _check_keys(raw, REMINDER_KEYS, "reminders", errors)
    days = raw.get("days_before", DEFAULT_REMINDER_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 366:
        errors.append(f"reminders: 'days_before' must be a whole number of days from 0 to 366 (got {days!r})")
        days = DEFAULT_REMINDER_DAYS
    cron = raw.get("cron", DEFAULT_REMINDER_CRON)
    if not isinstance(cron, str):
        errors.append("reminders: 'cron' must be a string such as \"0 9 * * *\"")
        cron = DEFAULT_REMINDER_CRON
    else:
        _check_cron(cron, timezone, "reminders", errors)
    enabled = _bool(raw, "enabled", "reminders", errors, True)
    return Reminders(days_before=days, cron=cron, enabled=enabled)


def _label(what: str, raw: Any, n: int) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    # Named only by a valid name: an invalid one (a control character, 100k characters) is itself the error.
    return f"{what} '{name}'" if isinstance(name, str) and NAME_RE.fullmatch(name) else f"{what} #{n}"


def _check_keys(raw: dict[str, Any], allowed: set[str], label: str, errors: list[str]) -> None:
    for key in sorted(set(raw) - allowed):
        errors.append(f"{label}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _name(raw: dict[str, Any], label: str, errors: list[str]) -> str | None:
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        errors.append(f"{label}: 'name' is required: letters, digits, '-', '_' or '.', at most 64 characters")
        return None
    return name


def _number(raw: dict[str, Any], key: str, label: str, errors: list[str], default: float, *, duration: bool,
            at_most: float = MAX_WAIT_S) -> float:
    if key not in raw:
        return default
    try:
        if duration:
            seconds = parse_duration(raw[key]).total_seconds()
            if seconds > at_most:
                raise ValueError(f"is too long (at most {format_duration(timedelta(seconds=at_most))})")
            return seconds
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be a whole number, zero or more")
        return value
    except ValueError as e:
        errors.append(f"{label}: '{key}' {e}")
        return default


def _bool(raw: dict[str, Any], key: str, label: str, errors: list[str], default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        errors.append(f"{label}: '{key}' must be true or false")
        return default
    return value


def _path(value: Any, base: Path) -> Path:
    p = Path(str(value)).expanduser()
    return p if p.is_absolute() else base / p


def _headers(raw: Any, label: str, errors: list[str]) -> dict[str, str | EnvHeader]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(f"{label}: 'headers' must be a table: Header-Name = {{ env = \"VARIABLE\" }}")
        return {}
    headers: dict[str, str | EnvHeader] = {}
    for name, value in raw.items():
        if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}", name):
            errors.append(f"{label}: header {name[:100]!r} is not a valid header name")
            continue
        if isinstance(value, dict):
            unknown = set(value) - {"env", "prefix"}
            env, prefix = value.get("env"), value.get("prefix", "")
            if unknown:
                errors.append(f"{label}: header '{name}': unknown key '{sorted(unknown)[0]}' (allowed: env, prefix)")
            elif not isinstance(env, str) or not ENV_RE.fullmatch(env):
                errors.append(f"{label}: header '{name}': 'env' must name an environment variable")
            elif not isinstance(prefix, str) or CONTROL_RE.search(prefix):
                errors.append(f"{label}: header '{name}': 'prefix' must be text such as \"Bearer \" (no line breaks)")
            else:
                headers[name] = EnvHeader(env, prefix)
        elif isinstance(value, str):
            if SECRET_HEADER_RE.search(name):
                errors.append(
                    f"{label}: header '{name}' carries a credential and must not be written in the file; "
                    f"use {name} = {{ env = \"VARIABLE\" }} and set VARIABLE in the environment"
                )
            elif CONTROL_RE.search(value):
                errors.append(f"{label}: header '{name}': the value contains a line break or control character")
            else:
                headers[name] = value
        else:
            errors.append(f"{label}: header '{name}' must be text or {{ env = \"VARIABLE\" }}")
    return headers


def _string_table(raw: Any, key: str, label: str, errors: list[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in raw.values()):
        errors.append(f"{label}: '{key}' must be a table of text values")
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def _parse_source(raw: Any, n: int, ctx: _Context, errors: list[str]) -> Source | None:
    label = _label("source", raw, n)
    if not isinstance(raw, dict):
        errors.append(f"{label}: must be a table")
        return None
    before = len(errors)
    _check_keys(raw, SOURCE_KEYS, label, errors)
    name = _name(raw, label, errors)
    kind = raw.get("kind")
    if kind not in KINDS:
        errors.append(f"{label}: 'kind' must be one of {', '.join(KINDS)} (got {kind!r})")
    url, path = raw.get("url"), raw.get("path")
    location: Path | None = None
    inbox = False
    if (url is None) == (path is None):
        errors.append(f"{label}: give exactly one location: 'url' (http/https) or 'path' (a file or an inbox folder)")
    elif url is not None:
        problem = url_problem(url)
        if problem:
            errors.append(f"{label}: 'url' {problem}")
    elif not isinstance(path, str) or not path.strip():
        errors.append(f"{label}: 'path' must be a file or folder path")
    else:
        location, inbox = _source_path(path, label, ctx, errors)
    pattern = _patterns(raw.get("pattern"), kind, inbox and location is not None, label, errors)
    allow_hosts = _allow_hosts(raw.get("allow_hosts"), url is not None, label, errors)
    cron, every = raw.get("cron"), raw.get("every")
    every_td: timedelta | None = None
    if cron is not None and every is not None:
        errors.append(f"{label}: give 'cron' or 'every', not both")
    elif cron is not None:
        _check_cron(cron, ctx.timezone, label, errors)
    elif every is not None:
        every_td = _check_every(every, ctx.timezone, label, errors)
    columns = _string_table(raw.get("columns"), "columns", label, errors)
    for column, canonical in columns.items():
        if canonical not in CANONICAL:
            errors.append(f"{label}: columns: '{column}' maps to '{canonical}', which is not one of {', '.join(CANONICAL)}")
    if len(set(columns.values())) < len(columns):
        errors.append(f"{label}: columns: two source columns map to the same canonical column")
    defaults = _string_table(raw.get("defaults"), "defaults", label, errors)
    for canonical in defaults:
        if canonical not in CANONICAL:
            errors.append(f"{label}: defaults: '{canonical}' is not one of {', '.join(CANONICAL)}")
    records = raw.get("records")
    if records is not None and (not isinstance(records, str) or kind != "json"):
        errors.append(f"{label}: 'records' (a dotted path such as \"data.items\") applies to json sources only")
    headers = _headers(raw.get("headers"), label, errors)
    if headers and url is None:
        errors.append(f"{label}: 'headers' apply to url sources only")
    timeout = _number(raw, "timeout", label, errors, 30.0, duration=True)
    retries = int(_number(raw, "retries", label, errors, 3, duration=False))
    if retries > 10:
        errors.append(f"{label}: 'retries' must be at most 10")
    backoff = _number(raw, "backoff", label, errors, 1.0, duration=True)
    settle = _number(raw, "settle", label, errors, 2.0, duration=True)
    max_bytes = int(_number(raw, "max_bytes", label, errors, 50_000_000, duration=False))
    run_on_start = _bool(raw, "run_on_start", label, errors, False)
    enabled = _bool(raw, "enabled", label, errors, True)
    if len(errors) > before or name is None:
        return None
    # kind is one of KINDS here (checked above): a str
    return Source(
        name=name, kind=str(kind), url=url, path=location, cron=cron,
        every=every_td, columns=columns, defaults=defaults, records=records, headers=headers,
        timeout=timeout, retries=retries, backoff=backoff, settle=settle, run_on_start=run_on_start,
        enabled=enabled, max_bytes=max_bytes or 50_000_000, inbox=inbox, pattern=pattern,
        allow_hosts=allow_hosts, bases=ctx.bases,
    )


def _source_path(value: str, label: str, ctx: _Context, errors: list[str]) -> tuple[Path | None, bool]:
    """(the path, whether it is an inbox folder), or (None, False) after adding the problem.

    A path with a reading file's extension is a file source; a path without an extension (or an
    existing folder) is an inbox. The system-folder rule is applied to the path as written first, so
    a path such as /etc is refused without being looked at.
    """
    location = _path(value, ctx.base)
    suffix = location.suffix.lower()
    inbox = suffix not in READING_SUFFIXES
    problem = policy.path_problem(
        location, bases=ctx.bases, store_folders=ctx.store_folders if inbox else (),
        lake_folders=ctx.lake_folders if inbox else (), what="inbox" if inbox else "file",
    )
    if problem:
        errors.append(f"{label}: 'path' {value[:200]!r} {problem}")
        return None, False
    if inbox and suffix and not location.is_dir():
        errors.append(f"{label}: 'path' {value[:200]!r}: a file source must be a {', '.join(READING_SUFFIXES)} "
                      "file, and an inbox a folder (a path without an extension)")
        return None, False
    if not inbox and policy.is_store_file(location, ctx.db):
        errors.append(f"{label}: 'path' {value[:200]!r} is the store or one of its files")
        return None, False
    return location, inbox


def _patterns(raw: Any, kind: Any, inbox: bool, label: str, errors: list[str]) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_PATTERNS.get(kind, ()) if inbox else ()
    if not inbox:
        errors.append(f"{label}: 'pattern' applies to inbox folders only")
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        errors.append(f"{label}: 'pattern' must be a file-name pattern such as \"*.csv\", or a list of them")
        return ()
    patterns = []
    for item in items:
        if (not isinstance(item, str) or not item.strip() or item.startswith(".") or any(c in item for c in "/\\")
                or CONTROL_RE.search(item) or len(item) > 200):
            errors.append(f"{label}: 'pattern' {str(item)[:60]!r} must be a file name pattern such as \"*.csv\" "
                          "(no folder, not a hidden name)")
        elif not item.lower().endswith(READING_SUFFIXES):
            errors.append(f"{label}: 'pattern' {item!r} must end with the extension of a reading file "
                          f"({', '.join(READING_SUFFIXES)})")
        else:
            patterns.append(item)
    return tuple(patterns)


def _allow_hosts(raw: Any, is_url: bool, label: str, errors: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not is_url:
        errors.append(f"{label}: 'allow_hosts' applies to url sources only")
        return ()
    if not isinstance(raw, list):
        errors.append(f"{label}: 'allow_hosts' must be a list of host names, e.g. [\"files.example.org\"]")
        return ()
    hosts = []
    for entry in raw:
        problem = policy.host_entry_problem(entry)
        if problem:
            errors.append(f"{label}: 'allow_hosts': {problem}")
        else:
            hosts.append(entry.strip().lower())
    return tuple(hosts)


def _check_cron(cron: Any, timezone: str, label: str, errors: list[str]) -> None:
    """A crontab line, validated by the scheduler's own CronTrigger (one field at a time to name it)."""
    fields = cron.split() if isinstance(cron, str) else []
    if len(fields) != 5 or not all(CRON_FIELD_RE.fullmatch(f) and len(f) <= 100 for f in fields):
        shown = cron if isinstance(cron, str) and len(cron) <= 80 else f"{str(cron)[:79]}…"
        errors.append(f"{label}: 'cron' must have five fields: minute hour day month weekday (got {shown!r})")
        return
    try:
        weekdays = crontab_weekdays(fields[4])
    except ValueError as e:
        errors.append(f"{label}: 'cron' weekday field: {e}")
        return
    try:
        from apscheduler.triggers.cron import CronTrigger
    except ImportError:  # the scheduler is not installed: it cannot run the schedule either
        return
    values = dict(zip(CRON_FIELDS, [*fields[:4], weekdays], strict=True))
    bad = False
    for (field_name, value), shown_field, written in zip(values.items(), ("minute", "hour", "day", "month", "weekday"), fields, strict=True):
        try:
            CronTrigger(**{field_name: value}, timezone=timezone)
        except ValueError as e:
            reason = re.sub(r"^Error validating expression '[^']*': ", "", str(e))
            errors.append(f"{label}: 'cron' {shown_field} field {written!r}: {reason}")
            bad = True
    if bad:
        return
    if fields[2] != "*" and fields[4] != "*":
        # crontab runs when either matches, APScheduler only when both do: refuse rather than guess.
        errors.append(f"{label}: 'cron' {cron!r} restricts both the day of the month and the weekday; crontab "
                      "runs when either matches, the scheduler only when both do: restrict one of them")
        return
    trigger = CronTrigger(**values, timezone=timezone)
    if trigger.get_next_fire_time(None, datetime.now(ZoneInfo(timezone))) is None:
        errors.append(f"{label}: 'cron' {cron!r} never fires (no date matches it, as 31 February)")


def _check_every(every: Any, timezone: str, label: str, errors: list[str]) -> timedelta | None:
    try:
        if not isinstance(every, str):
            raise ValueError("must be text like \"6h\"")
        every_td = parse_duration(every)
        if every_td < MIN_EVERY:
            raise ValueError(f"must be at least {format_duration(MIN_EVERY)}")
        if every_td > MAX_EVERY:
            raise ValueError(f"must be at most {format_duration(MAX_EVERY)} (use cron for a yearly run)")
    except ValueError as e:
        errors.append(f"{label}: 'every' {e}")
        return None
    try:
        from apscheduler.triggers.interval import IntervalTrigger
    except ImportError:
        return every_td
    try:
        IntervalTrigger(seconds=every_td.total_seconds(), timezone=timezone)
    except (ValueError, OverflowError) as e:
        errors.append(f"{label}: 'every' {every!r}: {e}")
        return None
    return every_td


def _parse_channel(raw: Any, n: int, ctx: _Context, errors: list[str]) -> Channel | None:
    label = _label("channel", raw, n)
    if not isinstance(raw, dict):
        errors.append(f"{label}: must be a table")
        return None
    before = len(errors)
    _check_keys(raw, CHANNEL_KEYS, label, errors)
    name = _name(raw, label, errors)
    ctype = raw.get("type")
    if ctype not in CHANNEL_TYPES:
        errors.append(f"{label}: 'type' must be one of {', '.join(CHANNEL_TYPES)} (got {ctype!r})")
    url, url_env, path = raw.get("url"), raw.get("url_env"), raw.get("path")
    if ctype == "log":
        if path is None or not isinstance(path, str) or not path.strip():
            errors.append(f"{label}: a log channel needs 'path' (the file to append to)")
        else:
            log_path = _path(path, ctx.base)
            problem = policy.path_problem(log_path, bases=ctx.bases, what="log file")
            if problem is None and policy.is_store_file(log_path, ctx.db):
                problem = "is the store or one of its files"
            if problem:
                errors.append(f"{label}: 'path' {path[:200]!r} {problem}")
        for key in ("url", "url_env", "secret_env", "headers"):
            if key in raw:
                errors.append(f"{label}: '{key}' does not apply to a log channel")
    elif ctype in CHANNEL_TYPES:
        if (url is None) == (url_env is None):
            errors.append(f"{label}: give 'url' or 'url_env' (the environment variable holding the URL), one of them")
        elif url is not None:
            problem = url_problem(url)
            if problem:
                errors.append(f"{label}: 'url' {problem}")
        elif not isinstance(url_env, str) or not ENV_RE.fullmatch(url_env):
            errors.append(f"{label}: 'url_env' must name an environment variable")
        if path is not None:
            errors.append(f"{label}: 'path' applies to log channels only")
    secret_env = raw.get("secret_env")
    if secret_env is not None and (ctype != "dingtalk" or not isinstance(secret_env, str) or not ENV_RE.fullmatch(secret_env)):
        errors.append(f"{label}: 'secret_env' names the environment variable with DingTalk's signing secret (dingtalk only)")
    headers = _headers(raw.get("headers"), label, errors)
    if headers and ctype != "webhook":
        errors.append(f"{label}: 'headers' apply to webhook channels only")
    lang = raw.get("lang")
    if lang is not None and lang not in ("zh", "en"):
        errors.append(f"{label}: 'lang' must be 'zh' or 'en'")
    events = raw.get("events", list(EVENT_KINDS))
    if not isinstance(events, list) or not events or not all(e in EVENT_KINDS for e in events):
        errors.append(f"{label}: 'events' must be a non-empty list of {', '.join(EVENT_KINDS)}")
        events = list(EVENT_KINDS)
    offices = raw.get("offices", [])
    if not isinstance(offices, list) or not all(isinstance(o, str) and o.strip() for o in offices):
        errors.append(f"{label}: 'offices' must be a list of office names (as the catalogue's 'responsible')")
        offices = []
    timeout = _number(raw, "timeout", label, errors, 10.0, duration=True)
    retries = int(_number(raw, "retries", label, errors, 3, duration=False))
    backoff = _number(raw, "backoff", label, errors, 1.0, duration=True)
    max_age = _number(raw, "max_age", label, errors, 86400.0, duration=True, at_most=MAX_DURATION_S)
    max_attempts = int(_number(raw, "max_attempts", label, errors, 10, duration=False))
    if len(errors) > before or name is None:
        return None
    # ctype is one of CHANNEL_TYPES here (checked above): a str
    return Channel(
        name=name, type=str(ctype), url=url, url_env=url_env, secret_env=secret_env, headers=headers,
        path=_path(path, ctx.base) if path is not None else None, lang=lang, events=tuple(events),
        timeout=timeout, retries=retries, backoff=backoff, max_age=timedelta(seconds=max_age),
        max_attempts=max(1, max_attempts), offices=tuple(o.strip() for o in offices),
    )
