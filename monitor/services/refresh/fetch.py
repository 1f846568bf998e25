"""Getting a source's content onto local disk, whole, before anything is imported.

- URLs: httpx through monitor.services.refresh.transport: ``timeout`` bounds each attempt as a whole
  (resolving, connecting, redirects, headers, body), whatever the server's pace; redirects are
  followed by hand, only where monitor.services.refresh.policy allows (the configured origin or
  ``allow_hosts``; never to loopback, link-local or metadata addresses unless the configured URL is
  one), and credentials from the environment go to the configured origin only. 5xx, 408, 429,
  timeouts and network errors are retried a bounded number of times with exponential backoff; other
  4xx and refused redirects fail at once. The body is streamed to a temporary file (at most
  ``max_bytes``), so a response cut off mid-way never reaches the import. What a server says (a
  reason phrase, a protocol error) reaches an error only escaped and cut short.
- Inbox folders: only regular files whose name matches the inbox's ``pattern`` (by default its
  kind's: ``*.csv``...) are taken; never a hidden or temporary name (``.x``, ``~$x``, ``x.tmp``,
  ``x.part``, ``x.crdownload``), a symlink, a FIFO, or the store and its sidecar files. The folder
  is checked again before each look (monitor.services.refresh.policy). A file is picked up only when it has
  stopped changing (same size and mtime across two looks ``settle`` seconds apart) and is read from a
  copy made through a descriptor that does not follow symlinks. After its import a file is moved to
  ``processed/`` or ``failed/`` next to it (folders of its own, not symlinks), with
  ``<name>.report.json``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.services.refresh import FetchError
from monitor.services.refresh.policy import escaped, is_store_file, path_problem, redirect_problem
from monitor.services.refresh.sources import DEFAULT_PATTERNS, EnvHeader, Source, safe_url

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
    resolve: Any = None,
) -> Fetched:
    """Download the source's URL into ``folder``; FetchError (with the attempts made) when it cannot.

    Each attempt ends within ``source.timeout`` (resolving, connecting, redirects, headers and body);
    redirects are followed only as monitor.services.refresh.policy.redirect_problem allows, and every address
    connected to is checked (monitor.services.refresh.transport). ``resolve`` (host, port) -> addresses replaces
    the system resolver (tests).
    """
    import httpx

    from monitor.services.refresh.transport import AddressRefused, GuardedTransport, environment_proxy

    assert source.url is not None
    shown = safe_url(source.url)
    headers, secrets = request_headers(source.headers, f"source '{source.name}'")
    headers.setdefault("User-Agent", "indicator-monitor/refresh")
    secret_names = {name.lower() for name, value in source.headers.items() if isinstance(value, EnvHeader)}
    secrets.append(source.url)  # the full URL is only ever shown without its query
    target = folder / f"{source.name}{KIND_SUFFIX[source.kind]}"
    guarded = None
    if transport is None:
        guarded = GuardedTransport(source.timeout, resolve=resolve, proxy=environment_proxy(source.url))
    attempts = 0
    last_error = ""
    # trust_env=False: the environment's proxy goes through the guarded transport (else httpx would
    # mount one of its own, without the deadline), and no .netrc credentials go to whatever host answers.
    with httpx.Client(timeout=source.timeout, follow_redirects=False, headers=headers,
                      transport=transport or guarded, trust_env=False) as client:
        while attempts <= source.retries:
            attempts += 1
            retry = True
            if guarded is not None:
                guarded.backend.start(source.timeout)
            try:
                _get(client, source, target, shown, secret_names)
                return Fetched(target.name, target, source.kind, shown, attempts)
            except _HTTPStatus as e:
                retry = e.status in RETRY_STATUS
                last_error = str(e)
            except httpx.TimeoutException:
                # The deadline covers the whole request: a server that answers slowly is no better
                # than one that does not answer.
                last_error = f"no complete response from {shown} within {source.timeout:g} s"
            except httpx.HTTPError as e:
                detail = escaped(_scrub(str(e), secrets), 160) or "connection failed"
                last_error = f"{type(e).__name__} from {shown}: {detail}"
            except (_TooLarge, _Refused) as e:
                last_error = str(e)
                retry = False
            except AddressRefused as e:  # the policy, not the network: retrying gives the same answer
                last_error = f"refused to connect for {shown}: {escaped(e, 300)}"
                retry = False
            if not retry or attempts > source.retries:
                break
            sleep(backoff_delay(source.backoff, attempts))
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    raise FetchError(f"source '{source.name}': {last_error}{tried}", attempts)


MAX_REDIRECTS = 5


class _HTTPStatus(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Refused(Exception):
    """A redirect the policy does not follow."""


def _get(client: Any, source: Source, target: Path, shown: str, secret_names: set[str]) -> None:
    """One attempt: GET, following allowed redirects by hand, the body saved to ``target``."""
    assert source.url is not None
    request = client.build_request("GET", source.url)
    for _ in range(MAX_REDIRECTS + 1):
        response = client.send(request, stream=True)
        try:
            if response.next_request is not None:  # a redirect with a Location
                following = response.next_request
                problem = redirect_problem(source.url, str(following.url), source.allow_hosts)
                if problem:
                    raise _Refused(f"{shown}: {problem}")
                if following.url.host != request.url.host or following.url.port != request.url.port:
                    # Credentials from the environment go to the configured origin only.
                    for name in list(following.headers.keys()):
                        if name.lower() in secret_names:
                            del following.headers[name]
                request = following
                continue
            if response.status_code >= 400:
                raise _HTTPStatus(response.status_code, f"HTTP {response.status_code} "
                                  f"{escaped(response.reason_phrase, 60)} from {shown}")
            _save(response, target, source.max_bytes, shown)
            return
        finally:
            response.close()
    raise _Refused(f"{shown} redirected more than {MAX_REDIRECTS} times")


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
    """(size, mtime) of a regular file, not following a symlink; None for anything else."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
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


def matches(name: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether a file name matches one of an inbox's patterns (case-insensitive: JULY.CSV is a CSV)."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def inbox_candidates(folder: Path, patterns: tuple[str, ...] | list[str], db: Path | None = None) -> list[Path]:
    """The inbox's regular files that match its patterns: never a hidden or temporary name, a symlink,
    a folder, a FIFO or device, nor the store or one of its sidecar files."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if not _ignored(p) and matches(p.name, patterns) and not is_store_file(p, db) and _stat(p) is not None
    )


def _real_folder(folder: Path, what: str) -> None:
    """``folder`` exists (created if need be) and is a folder, not a symlink to one elsewhere."""
    folder.mkdir(exist_ok=True)
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        raise OSError(f"{what} {folder} is not a folder of its own (a symbolic link?)")


def fetch_inbox(
    source: Source,
    sleep: Callable[[float], None] = time.sleep,
    *,
    copies: Path | None = None,
    store_folders: tuple[Path, ...] | list[Path] = (),
    lake_folders: tuple[Path, ...] | list[Path] = (),
    db: Path | None = None,
) -> list[Fetched]:
    """The inbox's complete files, oldest first (creating the folder and its subfolders if needed).

    The folder is checked again (monitor.services.refresh.policy: a symlink may have changed since the sources
    file was loaded; the store given here is the one the run writes to). With ``copies``, each file is
    read through a descriptor that does not follow symlinks and copied there: what is imported is the
    regular file that was checked, whatever happens to the name meanwhile.
    """
    assert source.path is not None
    folder = source.path
    problem = path_problem(folder, bases=source.bases or (folder,), store_folders=store_folders,
                           lake_folders=lake_folders, what="inbox")
    if problem:
        raise FetchError(f"source '{source.name}': inbox folder {folder} {problem}; nothing was read or moved")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for sub in ("processed", "failed"):
            _real_folder(folder / sub, "the inbox's subfolder")
    except OSError as e:
        raise FetchError(f"source '{source.name}': cannot use inbox folder {folder}: {e.strerror or e}") from e
    patterns = source.pattern or DEFAULT_PATTERNS.get(source.kind, ())
    ready = settled(inbox_candidates(folder, patterns, db), source.settle, sleep)
    ready.sort(key=lambda p: (_stat(p) or (0, 0))[1])
    fetched = []
    for p in ready:
        kind = SUFFIX_KIND.get(p.suffix.lower(), source.kind)
        read_from = p if copies is None else _copy_regular(p, copies)
        if read_from is not None:
            fetched.append(Fetched(p.name, read_from, kind, str(p), 1, inbox_file=p))
    return fetched


def _copy_regular(path: Path, folder: Path) -> Path | None:
    """Copy ``path`` into ``folder`` if it still is a regular file (not followed if a symlink); else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None  # gone, or replaced by a symlink: not this run's file
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        with target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return target


def fetch_file(source: Source, sleep: Callable[[float], None] = time.sleep) -> list[Fetched]:
    """A single file source (read in place, never moved); empty while the file is being written."""
    assert source.path is not None
    problem = path_problem(source.path, bases=source.bases or (source.path.parent,), what="file")
    if problem:
        raise FetchError(f"source '{source.name}': file {source.path} {problem}; nothing was read")
    if not source.path.is_file():
        raise FetchError(f"source '{source.name}': file {source.path} does not exist")
    ready = settled([source.path.resolve()], source.settle, sleep)
    return [Fetched(source.path.name, p, source.kind, str(source.path)) for p in ready]


def move_done(file: Path, ok: bool, report: dict[str, Any]) -> Path:
    """Move an inbox file to processed/ or failed/ next to it and write its report beside it."""
    folder = file.parent / ("processed" if ok else "failed")
    _real_folder(folder, "the inbox's subfolder")
    target = folder / file.name
    if target.exists() or target.with_name(target.name + ".report.json").exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{stamp}-{file.name}"
    os.replace(file, target)  # same folder tree: a rename (a symlink is moved, not followed)
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
