"""Getting a source's content onto local disk, whole, before anything is imported.

- URLs: httpx with the source's timeout; 5xx, 408, 429 and network errors are retried a bounded
  number of times with exponential backoff; other 4xx fail at once. The body is streamed to a
  temporary file (at most ``max_bytes``), so a response cut off mid-way never reaches the import.
- Inbox folders: a file is picked up only when it has stopped changing (same size and mtime across
  two looks ``settle`` seconds apart); hidden and
  temporary names (``.x``, ``~$x``, ``x.tmp``, ``x.part``, ``x.crdownload``) are left alone. After
  its import a file is moved to ``processed/`` or ``failed/`` next to it, with ``<name>.report.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from monitor.refresh import FetchError
from monitor.refresh.sources import EnvHeader, Source, safe_url

SUFFIX_KIND = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".json": "json", ".xlsx": "xlsx"}
KIND_SUFFIX = {"csv": ".csv", "json": ".json", "xlsx": ".xlsx"}
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", ".lock")
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
MAX_BACKOFF_S = 60.0


@dataclass
class Fetched:
    """One piece of content ready to import."""

    name: str  # what reports call it: the inbox file name, or "<source>.<ext>" for a URL
    path: Path  # local file holding the complete content
    kind: str
    origin: str  # URL without query, or the file path
    attempts: int = 1
    inbox_file: Path | None = None  # set for inbox files: moved to processed/ or failed/ afterwards


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def request_headers(headers: dict[str, str | EnvHeader], what: str) -> tuple[dict[str, str], list[str]]:
    """Header values with secrets read from the environment now; returns (headers, secret values)."""
    resolved: dict[str, str] = {}
    secrets: list[str] = []
    for name, value in headers.items():
        if isinstance(value, EnvHeader):
            secret = os.environ.get(value.env)
            if not secret:
                raise FetchError(f"{what}: environment variable {value.env} (header {name}) is not set")
            if "\r" in secret or "\n" in secret:
                raise FetchError(f"{what}: environment variable {value.env} (header {name}) contains a line break")
            resolved[name] = value.prefix + secret
            secrets.append(secret)
        else:
            resolved[name] = value
    return resolved, secrets


def backoff_delay(base_s: float, attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): base, 2·base, 4·base, ..."""
    return min(base_s * (2 ** (attempt - 1)), MAX_BACKOFF_S)


def fetch_url(
    source: Source,
    folder: Path,
    *,
    sleep: Callable[[float], None] = time.sleep,
    transport: Any = None,
) -> Fetched:
    """Download the source's URL into ``folder``; FetchError (with the attempts made) when it cannot."""
    import httpx

    assert source.url is not None
    shown = safe_url(source.url)
    headers, secrets = request_headers(source.headers, f"source '{source.name}'")
    headers.setdefault("User-Agent", "indicator-monitor/refresh")
    secrets.append(source.url)  # the full URL is only ever shown without its query
    target = folder / f"{source.name}{KIND_SUFFIX[source.kind]}"
    attempts = 0
    last_error = ""
    with httpx.Client(timeout=source.timeout, follow_redirects=True, headers=headers, transport=transport) as client:
        while attempts <= source.retries:
            attempts += 1
            retry = True
            try:
                with client.stream("GET", source.url) as response:
                    if response.status_code >= 400:
                        retry = response.status_code in RETRY_STATUS
                        last_error = f"HTTP {response.status_code} {response.reason_phrase} from {shown}"
                    else:
                        _save(response, target, source.max_bytes, shown)
                        return Fetched(target.name, target, source.kind, shown, attempts)
            except httpx.TimeoutException:
                last_error = f"no response from {shown} within {source.timeout:g} s"
            except httpx.HTTPError as e:
                last_error = f"{type(e).__name__} from {shown}: {_scrub(str(e), secrets) or 'connection failed'}"
            except _TooLarge as e:
                last_error = str(e)
                retry = False
            if not retry or attempts > source.retries:
                break
            sleep(backoff_delay(source.backoff, attempts))
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    raise FetchError(f"source '{source.name}': {last_error}{tried}", attempts)


class _TooLarge(Exception):
    pass


def _save(response: Any, target: Path, max_bytes: int, shown: str) -> None:
    size = 0
    with target.open("wb") as f:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge(f"the response from {shown} is larger than max_bytes = {max_bytes}")
            f.write(chunk)
    # httpx raises for a body shorter than its Content-Length; an empty body is still a failure.
    if size == 0:
        raise _TooLarge(f"the response from {shown} is empty")


# ---------------------------------------------------------------- files and inbox folders


def _ignored(path: Path) -> bool:
    name = path.name
    return (
        name.startswith((".", "~$", "~"))
        or name.lower().endswith(TEMPORARY_SUFFIXES)
        or name.endswith(".report.json")
    )


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def settled(paths: list[Path], settle_s: float, sleep: Callable[[float], None] = time.sleep) -> list[Path]:
    """The files among ``paths`` that are not being written: unchanged across two looks, not new."""
    if not paths:
        return []
    first = {p: _stat(p) for p in paths}
    sleep(settle_s)
    ready = []
    for p in paths:
        second = _stat(p)
        # Same size and modification time after settle_s (so also last written at least settle_s ago).
        if second is not None and second == first[p] and second[0] > 0:
            ready.append(p)
    return ready


def inbox_candidates(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not _ignored(p))


def fetch_inbox(source: Source, sleep: Callable[[float], None] = time.sleep) -> list[Fetched]:
    """The inbox's complete files, oldest first (creating the folder and its subfolders if needed)."""
    assert source.path is not None
    folder = source.path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for sub in ("processed", "failed"):
            (folder / sub).mkdir(exist_ok=True)
    except OSError as e:
        raise FetchError(f"source '{source.name}': cannot use inbox folder {folder}: {e.strerror}") from e
    ready = settled(inbox_candidates(folder), source.settle, sleep)
    ready.sort(key=lambda p: (_stat(p) or (0, 0))[1])
    return [
        Fetched(p.name, p, SUFFIX_KIND.get(p.suffix.lower(), source.kind), str(p), 1, inbox_file=p) for p in ready
    ]


def fetch_file(source: Source, sleep: Callable[[float], None] = time.sleep) -> list[Fetched]:
    """A single file source (read in place, never moved); empty while the file is being written."""
    assert source.path is not None
    if not source.path.is_file():
        raise FetchError(f"source '{source.name}': file {source.path} does not exist")
    ready = settled([source.path], source.settle, sleep)
    return [Fetched(p.name, p, source.kind, str(p)) for p in ready]


def move_done(file: Path, ok: bool, report: dict[str, Any]) -> Path:
    """Move an inbox file to processed/ or failed/ next to it and write its report beside it."""
    folder = file.parent / ("processed" if ok else "failed")
    folder.mkdir(exist_ok=True)
    target = folder / file.name
    if target.exists() or target.with_name(target.name + ".report.json").exists():
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{stamp}-{file.name}"
    shutil.move(str(file), str(target))
    report_path = target.with_name(target.name + ".report.json")
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, report_path)
    return target


def stage_samples(samples: Path, inbox: Path, skip: set[str] | frozenset[str] = frozenset()) -> list[Path]:
    """Copy sample files into an inbox, each atomically (written under a temporary name, then renamed)."""
    copied = []
    inbox.mkdir(parents=True, exist_ok=True)
    for sample in sorted(p for p in samples.iterdir() if p.is_file() and not _ignored(p)):
        target = inbox / sample.name
        if target.exists() or sample.name in skip:
            continue
        with tempfile.NamedTemporaryFile(dir=inbox, prefix=".", suffix=".tmp", delete=False) as tmp:
            tmp.write(sample.read_bytes())
        os.replace(tmp.name, target)
        # Old enough to be picked up by the next run instead of waiting for the settle time.
        past = time.time() - 3600
        os.utime(target, (past, past))
        copied.append(target)
    return copied
