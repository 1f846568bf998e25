"""Backup, restore and integrity checks of a store (a DuckDB file or a DuckLake).

A backup is a folder: one Parquet file per table and ``manifest.json`` with the schema versions
and each table's row count and digest. A restore takes only a whole backup (every table of its
schema version, each file matching the manifest), checked before anything is written; whatever it
refuses, it refuses with every problem found and leaves the store untouched. The file it replaces
is kept under a name no later restore reuses (``<name>.before-restore-<UTC time>``).

On a DuckLake, a restore rebuilds the tables in place in one transaction (verified against the manifest
before it commits); the state it replaced stays readable as the lake's previous snapshot (DuckLake time
travel, ``AT (VERSION => n)``) until snapshots are expired, instead of a ``.before-restore`` file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import glob
import hashlib
import itertools
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from monitor import clock
from monitor.errors import ConfigError, Problem, StoreError, ValidationError
from monitor.model.problems import OTHER
from monitor.store import schema
from monitor.store.base import Store
from monitor.store.connection import FileStore, one_line
from monitor.store.queries import UNUSABLE_SQL

if TYPE_CHECKING:
    from monitor.store.lake import LakeStore

MANIFEST = "manifest.json"


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        SELECT table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT temporary
        ORDER BY table_name
        """
    ).fetchall()
    return [r[0] for r in rows]


def _quote(identifier: str) -> str:
    # Table names come from the database's own catalogue, never from user input.
    return '"' + identifier.replace('"', '""') + '"'


def _table_checksum(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> tuple[int, str]:
    """Row count and an order-independent digest of every row's content (of ``columns`` only, in their
    order, when given: a backup of an older schema restored into a DuckLake whose tables have gained
    columns since, which no migration removes, is checked on the columns it was made with)."""
    source = _quote(table)
    if columns is not None:
        source = f"(SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)})"
    row = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {source} AS t"
    ).fetchone()
    assert row is not None
    return int(row[0]), hashlib.sha256(str(row[1]).encode()).hexdigest()[:16]


def checksums(store: Store | LakeStore) -> dict[str, dict[str, Any]]:
    with store.read() as con:
        return {t: dict(zip(("rows", "digest"), _table_checksum(con, t), strict=True)) for t in _tables(con)}


def backup(store: Store | LakeStore, out_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write every table as Parquet plus a manifest of row counts and digests; return the folder.

    The manifest is written last (under another name, then renamed), so a folder without one is an
    unfinished backup, which restore refuses. If writing fails (a full disk), the files written so
    far are removed again and StoreError says why.
    """
    if out_dir is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if store.backend == "lake":
            out_dir = Path("data") / "backups" / f"lake-{stamp}"
        else:
            file = Path(store.path)  # a FileStore's path
            out_dir = file.parent / "backups" / f"{file.stem}-{stamp}"
    target = Path(out_dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"backup folder {target} is not empty; choose a new folder")
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create backup folder {target}: {e.strerror}") from e
    written: list[Path] = []
    try:
        manifest: dict[str, Any] = {"created_at": datetime.now(UTC).isoformat(), "tables": {}}
        with store.read() as con:
            manifest["schema_versions"] = schema.applied_versions(con)
            for table in _tables(con):
                path = target / f"{table}.parquet"
                written.append(path)
                con.execute(f"COPY {_quote(table)} TO '{_escape(str(path))}' (FORMAT parquet)")
                rows, digest = _table_checksum(con, table)
                manifest["tables"][table] = {"rows": rows, "digest": digest}
        partial = target / (MANIFEST + ".partial")
        written.append(partial)
        partial.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(partial, target / MANIFEST)
    except BaseException as e:
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                target.rmdir()
        if isinstance(e, (duckdb.Error, OSError)):
            raise StoreError(f"cannot write the backup to {target}: {_error_text(e)}; "
                             "the incomplete backup was removed") from e
        raise
    return target


def _escape(path: str) -> str:
    # COPY takes no parameters for its file name; the path is ours (the backup folder).
    return path.replace("'", "''")


def _error_text(error: BaseException, *replace: tuple[str, str]) -> str:
    """An error as one line: a DuckDB message without its line breaks, an OSError's reason and file."""
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    else:
        # DuckDB appends the statement ("LINE 1: ...") and a caret: ours, not the user's business.
        text = one_line(str(error).split("\nLINE ")[0])
    for old, new in replace:
        text = text.replace(old, new)
    return text


# ---------------------------------------------------------------- restore: what a backup must be

MANIFEST_MAX_BYTES = 1_000_000  # a manifest is about 1 kB; this bounds what a broken one costs to read
KEPT_INFIX = ".before-restore-"  # <store name>.before-restore-<UTC time>[-n]: the file a restore replaced
_DIGEST = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Manifest:
    """A backup's manifest, checked: the schema versions 1..n it was made with and every table's
    expected row count and digest."""

    schema_versions: tuple[int, ...]
    tables: dict[str, dict[str, Any]]

    @property
    def schema_version(self) -> int:
        return self.schema_versions[-1]


@functools.cache
def schema_columns(version: int) -> dict[str, tuple[str, ...]]:
    """Every table that schema version ``version`` defines, with its columns in order: the
    migrations up to that version, applied to an empty in-memory database."""
    with duckdb.connect(":memory:") as con:
        schema.migrate(con, up_to=version)
        rows = con.execute(
            """
            SELECT table_name, column_name FROM duckdb_columns()
            WHERE database_name = current_database() ORDER BY table_name, column_index
            """
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return {table: tuple(names) for table, names in columns.items()}


def _first_version_of(table: str) -> int | None:
    for migration in schema.MIGRATIONS:
        if table in schema_columns(migration.version):
            return migration.version
    return None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a manifest naming a table twice is ambiguous.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _shown(value: Any) -> str:
    return value[:80] if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:80]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(source: str, reason: str, column: str | None = None, value: str | None = None) -> Problem:
    # A backup's manifest and files are checked by `monitor restore` (the CLI only): their reasons are
    # English text, carried as "problem.other".
    return Problem(source, None, column, OTHER, {"reason": reason}, value)


class _Unusable(Exception):
    def __init__(self, reason: str, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def _open_regular(path: Path) -> int:
    """A descriptor of ``path`` if it is a regular file of its own: not a symbolic link (it could
    point anywhere, and change after it was checked), a folder, a FIFO (reading one waits for
    ever) or a device (``/dev/zero`` never ends)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise _Unusable("is missing", missing=True) from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _Unusable("is a symbolic link; a backup holds its files themselves") from None
        raise _Unusable(f"cannot be opened: {e.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _Unusable("is a folder, not a file" if stat.S_ISDIR(mode)
                        else "is not a regular file (a FIFO, socket or device)")
    return fd


def _by_descriptor(fd: int, path: Path) -> str:
    """The name DuckDB is given for an opened file: ``/dev/fd/N`` reads exactly the file that was
    checked, and a folder name with ``*``, ``?`` or ``[`` is not taken as a file pattern (DuckDB
    globs every path it reads). Where there is no /dev/fd, the path itself."""
    named = f"/dev/fd/{fd}"
    return named if os.path.exists(named) else str(path)


def _read_manifest(folder: Path, problems: list[Problem]) -> Manifest | None:
    """The folder's manifest if it is whole and consistent; else None, with every problem found added."""
    found = len(problems)
    try:
        fd = _open_regular(folder / MANIFEST)
    except _Unusable as e:
        problems.append(_problem(MANIFEST, f"{e.reason}: {folder} is not a backup folder (every backup has one)"
                                 if e.missing else e.reason))
        return None
    with os.fdopen(fd, "rb") as file:
        data = file.read(MANIFEST_MAX_BYTES + 1)
    if len(data) > MANIFEST_MAX_BYTES:
        problems.append(_problem(MANIFEST, f"is larger than {MANIFEST_MAX_BYTES:,} bytes; a backup's manifest is about 1 kB"))
        return None
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as e:
        problems.append(_problem(MANIFEST, f"is not UTF-8 text (byte {e.start})"))
        return None
    except _DuplicateKey as e:
        problems.append(_problem(MANIFEST, "names one key twice in one object; a backup writes each once",
                                 value=e.key))
        return None
    except json.JSONDecodeError as e:
        problems.append(_problem(MANIFEST, f"is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"))
        return None
    except RecursionError:
        problems.append(_problem(MANIFEST, "is not valid JSON: nested too deeply"))
        return None
    except ValueError:  # Python refuses to convert an integer of more than 4,300 digits
        problems.append(_problem(MANIFEST, "is not a manifest: it holds a number of thousands of digits"))
        return None
    if not isinstance(document, dict):
        problems.append(_problem(MANIFEST, f"must be a JSON object with 'schema_versions' and 'tables', not {_kind(document)}"))
        return None
    versions = _schema_versions(document, problems)
    tables = _table_entries(document, problems)
    if versions is not None and tables is not None:
        version = versions[-1]
        defined = schema_columns(version)
        for table in sorted(set(defined) - set(tables)):
            problems.append(_problem(MANIFEST, f"is missing: schema version {version} defines table {table}, "
                                     "and a restore needs every table", column=f"tables.{table}"))
        for table in sorted(set(tables) - set(defined)):
            since = _first_version_of(table)
            if since is None:
                problems.append(_problem(MANIFEST, "names a table that no schema version of this "
                                         "indicator-monitor defines", value=table))
            else:
                problems.append(_problem(MANIFEST, f"is defined from schema version {since} on; the backup is of "
                                         f"version {version}", column=f"tables.{table}"))
    if len(problems) > found or versions is None or tables is None:
        return None
    return Manifest(versions, tables)


def _schema_versions(document: dict[str, Any], problems: list[Problem]) -> tuple[int, ...] | None:
    if "schema_versions" not in document:
        problems.append(_problem(MANIFEST, "lacks 'schema_versions' (the schema versions the backup was made with)"))
        return None
    raw = document["schema_versions"]
    if not isinstance(raw, list) or not raw or not all(_whole(v) for v in raw):
        problems.append(_problem(MANIFEST, "'schema_versions' must be a list of whole numbers such as [1, 2, 3]",
                                 value=_shown(raw)))
        return None
    if max(raw) > schema.LATEST_VERSION:
        problems.append(_problem(MANIFEST, f"the backup was made with schema version {max(raw)}, newer than this "
                                 f"indicator-monitor knows (up to {schema.LATEST_VERSION}): restore it with the "
                                 "version that made it, or upgrade", value=_shown(raw)))
        return None
    known = [m.version for m in schema.MIGRATIONS]
    if raw != known[: len(raw)]:
        problems.append(_problem(MANIFEST, f"'schema_versions' must list the versions from {known[0]} on, in order, "
                                 "each once (migrations are applied in turn)", value=_shown(raw)))
        return None
    return tuple(raw)


def _table_entries(document: dict[str, Any], problems: list[Problem]) -> dict[str, dict[str, Any]] | None:
    if "tables" not in document:
        problems.append(_problem(MANIFEST, "lacks 'tables' (each table's row count and digest)"))
        return None
    raw = document["tables"]
    if not isinstance(raw, dict):
        problems.append(_problem(MANIFEST, f"'tables' must map each table name to its row count and digest, "
                                 f"not be {_kind(raw)}", value=_shown(raw)))
        return None
    known = schema_columns(schema.LATEST_VERSION)
    for name, entry in raw.items():
        # An unknown name is reported once, by the caller; its entry does not matter.
        where = f"tables.{name}" if name in known else None
        if where is None:
            continue
        if not isinstance(entry, dict):
            problems.append(_problem(MANIFEST, f"must be an object with 'rows' and 'digest', not {_kind(entry)}",
                                     column=where, value=_shown(entry)))
            continue
        if "rows" not in entry:
            problems.append(_problem(MANIFEST, "lacks 'rows' (the table's row count)", column=where))
        elif not _whole(entry["rows"]) or entry["rows"] < 0:
            problems.append(_problem(MANIFEST, "'rows' must be a whole number of rows (0 or more)", column=where,
                                     value=_shown(entry["rows"])))
        if "digest" not in entry:
            problems.append(_problem(MANIFEST, "lacks 'digest' (the digest of the table's rows)", column=where))
        elif not isinstance(entry["digest"], str) or not _DIGEST.fullmatch(entry["digest"]):
            problems.append(_problem(MANIFEST, "'digest' must be 16 lower-case hexadecimal digits", column=where,
                                     value=_shown(entry["digest"])))
    return raw


@dataclass
class _OpenedBackup:
    folder: Path
    manifest: Manifest
    files: dict[str, str]  # table -> the name DuckDB reads it by (see _by_descriptor)


def _refused(folder: Path, problems: list[Problem]) -> ValidationError:
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return ValidationError(problems, summary=f"cannot restore from {folder}: {problems[0]}{more}; nothing was changed")


@contextlib.contextmanager
def _opened_backup(folder: Path) -> Iterator[_OpenedBackup]:
    """The backup in ``folder``, checked before anything is written: its manifest, every table's
    file (opened, and held open until the restore ends, so what is loaded is what was checked),
    no Parquet file the manifest does not list, each file's columns and row count. ValidationError
    with every problem found otherwise."""
    problems: list[Problem] = []
    if not folder.is_dir():
        raise _refused(folder, [_problem(str(folder), "is not a folder")])
    manifest = _read_manifest(folder, problems)
    with contextlib.ExitStack() as stack:
        files: dict[str, str] = {}
        if manifest is not None:
            for table in sorted(manifest.tables):
                path = folder / f"{table}.parquet"
                try:
                    fd = _open_regular(path)
                except _Unusable as e:
                    problems.append(_problem(path.name, e.reason))
                    continue
                stack.callback(os.close, fd)
                files[table] = _by_descriptor(fd, path)
            listed = {f"{table}.parquet" for table in manifest.tables}
            for entry in sorted(folder.iterdir()):
                if entry.name.lower().endswith(".parquet") and entry.name not in listed:
                    problems.append(_problem("backup folder", "holds a Parquet file that its manifest does not list "
                                             "(added by hand, or the manifest edited?)", value=entry.name))
            if not problems:
                _check_files(manifest, files, problems)
        if problems:
            raise _refused(folder, problems)
        assert manifest is not None
        yield _OpenedBackup(folder, manifest, files)


def _check_files(manifest: Manifest, files: dict[str, str], problems: list[Problem]) -> None:
    """Each file is Parquet with the table's columns and the manifest's row count (its footer only)."""
    expected = schema_columns(manifest.schema_version)
    with duckdb.connect(":memory:") as con:
        for table, named in sorted(files.items()):
            name = f"{table}.parquet"
            try:
                columns = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [named]).fetchall()]
                counted = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [named]).fetchone()
            except duckdb.Error as e:
                problems.append(_problem(name, f"cannot be read as Parquet: {_error_text(e, (named, name))[:300]}"))
                continue
            extra = [c for c in columns if c not in expected[table]]
            missing = [c for c in expected[table] if c not in columns]
            if extra:
                problems.append(_problem(name, f"has columns that table {table} does not have", value=", ".join(extra)))
            if missing:
                problems.append(_problem(name, f"lacks columns of table {table}: {', '.join(missing)}"))
            rows = int(counted[0] or 0) if counted else 0
            if rows != manifest.tables[table]["rows"]:
                problems.append(_problem(name, f"holds {rows} rows; the manifest says {manifest.tables[table]['rows']}"))


def _load_backup(con: duckdb.DuckDBPyConnection, backup: _OpenedBackup) -> None:
    """Replace every table's rows by the backup's, in the caller's transaction, verified against the
    manifest (ValidationError otherwise, and the caller's transaction rolls back)."""
    manifest = backup.manifest
    schema.migrate(con, up_to=manifest.schema_version)
    present = set(_tables(con))
    # Tables of later schema versions than the backup's (a lake restored in place) start empty, as
    # they would have been when the backup was made.
    for table in sorted(set(schema_columns(schema.LATEST_VERSION)) - set(manifest.tables)):
        if table in present:
            con.execute(f"DELETE FROM {_quote(table)}")
    problems: list[Problem] = []
    for table, expected in sorted(manifest.tables.items()):
        name = f"{table}.parquet"
        con.execute(f"DELETE FROM {_quote(table)}")
        try:
            con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM read_parquet(?)", [backup.files[table]])
        except duckdb.Error as e:
            # A failed statement ends the transaction: this is the last problem that can be found.
            reason = f"cannot be loaded into table {table}: {_error_text(e, (backup.files[table], name))[:300]}"
            raise _refused(backup.folder, [*problems, _problem(name, reason)]) from e
        backed_up = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [backup.files[table]]).fetchall()]
        rows, digest = _table_checksum(con, table, backed_up)
        if rows != expected["rows"] or digest != expected["digest"]:
            problems.append(_problem(name, f"does not match the backup manifest ({rows} rows, digest {digest}; "
                                     f"expected {expected['rows']}, {expected['digest']})"))
    if not problems:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]
        if versions != list(manifest.schema_versions):
            problems.append(_problem("schema_migration.parquet", f"records schema versions {versions}; the manifest "
                                     f"says {list(manifest.schema_versions)}"))
    if problems:
        raise _refused(backup.folder, problems)
    # Values no entry path accepts (monitor.model.validate) stay out, however the backup was made.
    refuse_unusable(con, f"backup {backup.folder.name}")
    schema.migrate(con)  # a backup from an older version gets the newer migrations


def _restore_lake(store: LakeStore, backup: _OpenedBackup) -> dict[str, Any]:
    """Rebuild a DuckLake's tables in place in one write transaction; nothing changes if it fails."""
    previous: int | None = None
    if store.exists:
        with store.read() as con:
            row = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots(current_database())").fetchone()
            previous = None if row is None else row[0]
    with store.write() as con:
        _load_backup(con, backup)
    return {
        "database": store.location,
        "tables": {t: e["rows"] for t, e in sorted(backup.manifest.tables.items())},
        "schema_version": backup.manifest.schema_version,
        "previous_snapshot": previous,
    }


def kept_copies(path: Path) -> list[Path]:
    """The files restores have kept of the store at ``path`` (``<name>.before-restore*``), oldest first."""
    pattern = glob.escape(path.name) + ".before-restore*"
    return sorted((p for p in path.parent.glob(pattern) if p.is_file()), key=lambda p: p.name)


def _keep_replaced(path: Path) -> Path:
    """Keep the store file a restore is about to replace under a name no later restore reuses:
    ``<name>.before-restore-<UTC time>``, with ``-2``, ``-3``… when two restores share a second.

    A hard link (no copy, no extra space until the live name points elsewhere, which it is about
    to), or a copy where the filesystem has none. Its WAL, if any, goes with it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in itertools.count(1):
        kept = path.with_name(f"{path.name}{KEPT_INFIX}{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            os.link(path, kept)
        except FileExistsError:
            continue
        except OSError:
            try:
                with open(path, "rb") as src, open(kept, "xb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except FileExistsError:
                continue
            except OSError as e:
                kept.unlink(missing_ok=True)
                raise StoreError(f"cannot keep a copy of {path} before replacing it: {_error_text(e)}; "
                                 "nothing was changed") from e
            shutil.copystat(path, kept)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            # A WAL belongs to its file: left next to the new file it would be replayed onto it.
            os.replace(wal, kept.with_name(kept.name + ".wal"))
        return kept
    raise AssertionError("unreachable")  # pragma: no cover


def restore(store: Store | LakeStore, in_dir: str | os.PathLike[str], force: bool = False) -> dict[str, Any]:
    """Rebuild the database from a backup folder, verify it against the manifest, then swap it in.

    The backup must hold every table its schema version defines (no more), each as a plain Parquet
    file (not a link) with the table's columns, whose rows match the manifest's count and digest;
    the manifest must be whole (docs/bad-inputs.md lists what is refused). Anything else raises
    ValidationError naming every problem found, and the store is untouched: the tables are rebuilt
    in a new file beside the store (on a DuckLake: in one transaction) and only swapped in whole.

    The file replaced is kept as ``<name>.before-restore-<UTC time>`` (see _keep_replaced): a later
    restore never overwrites it, and nothing deletes it, so each restore keeps one more file as
    large as the store was; delete those no longer needed. The result names it (``kept``) and
    counts every kept copy (``kept_copies``, ``kept_bytes``). On a DuckLake the state replaced is
    the lake's previous snapshot (``previous_snapshot``) instead.
    """
    source = Path(in_dir)
    if store.backend == "lake":
        if store.exists and not force:
            raise ConfigError(
                f"{store.path} exists; pass --force to replace its tables "
                "(the state before is kept as the lake's previous snapshot)"
            )
        with _opened_backup(source) as opened:
            return _restore_lake(store, opened)  # type: ignore[arg-type]
    assert isinstance(store, FileStore)
    if store.exists and not force:
        raise ConfigError(f"{store.path} exists; pass --force to replace it (it is kept as a "
                          f"{KEPT_INFIX}<time> copy)")
    with _opened_backup(source) as opened:
        return _restore_file(store, opened)


def _restore_file(store: FileStore, backup: _OpenedBackup) -> dict[str, Any]:
    try:
        store.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=store.path.name + ".", suffix=".restoring", dir=store.path.parent)
    except OSError as e:
        raise StoreError(f"cannot create the restored database next to {store.path}: {_error_text(e)}; "
                         "nothing was changed") from e
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB wants to create the file itself
    staging = FileStore(tmp_name)
    kept: Path | None = None
    try:
        try:
            with staging.write() as con:
                _load_backup(con, backup)
        except (StoreError, duckdb.Error, OSError) as e:
            raise StoreError(f"cannot build the restored database next to {store.path}: {_error_text(e)}; "
                             "nothing was changed") from e
        staging.close()
        with store.exclusive():
            # No other process uses the file while it is swapped.
            if store.path.exists():
                kept = _keep_replaced(store.path)
            os.replace(tmp_name, store.path)
    finally:
        staging.close()
        for leftover in (Path(tmp_name), *(Path(tmp_name + suffix) for suffix in (".wal", ".lock", ".gate"))):
            leftover.unlink(missing_ok=True)
    copies = kept_copies(store.path)  # with their WAL files, if any, in the bytes but not the count
    return {
        "database": str(store.path),
        "tables": {t: e["rows"] for t, e in sorted(backup.manifest.tables.items())},
        "schema_version": backup.manifest.schema_version,
        "kept": None if kept is None else str(kept),
        "kept_copies": len([p for p in copies if not p.name.endswith(".wal")]),
        "kept_bytes": sum(p.stat().st_size for p in copies),
    }


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str


CHECKS: tuple[tuple[str, str], ...] = (
    ("orphan readings", "SELECT count(*) FROM reading WHERE indicator_id NOT IN (SELECT id FROM indicator)"),
    ("orphan targets", "SELECT count(*) FROM target WHERE indicator_id NOT IN (SELECT id FROM indicator)"),
    ("duplicate indicator ids", "SELECT count(*) FROM (SELECT id FROM indicator GROUP BY id HAVING count(*) > 1)"),
    (
        "duplicate reading revisions",
        """
        SELECT count(*) FROM (
            SELECT 1 FROM reading GROUP BY indicator_id, period_start, period_end, revision HAVING count(*) > 1)
        """,
    ),
    (
        "duplicate target versions",
        "SELECT count(*) FROM (SELECT 1 FROM target GROUP BY id, version HAVING count(*) > 1)",
    ),
    ("periods ending before they start", "SELECT count(*) FROM reading WHERE period_end < period_start"),
    (
        "readings outside plausible bounds",
        f"""
        SELECT count(*) FROM reading AS r JOIN indicator AS i ON i.id = r.indicator_id
        WHERE (r.value < i.lower_bound OR r.value > i.upper_bound)
          -- NaN sorts above every number in DuckDB; unusable values have a check of their own below.
          AND NOT {UNUSABLE_SQL.format("r.value")}
        """,
    ),
    (
        "unknown qualifiers",
        "SELECT count(*) FROM reading WHERE qualifier NOT IN ('exact', 'approx', 'at_least', 'more_than', 'at_most')",
    ),
)


@dataclass(frozen=True)
class Unusable:
    """A stored value the product cannot compute with or show as a figure (monitor.model.validate's rules:
    finite, at most VALUE_MAX in size), which a store written before those rules may hold."""

    table: str  # reading | target | indicator
    indicator_id: str
    where: str  # "compute-racks 2025-06-30..2025-06-30 revision 2", "racks-2030 version 1", "compute-racks"
    column: str
    value: float
    current: bool  # the latest revision of its period / version of its target (else history only)

    def __str__(self) -> str:
        state = "" if self.current else " (superseded, kept as history)"
        return f"{self.table} {self.where}, {self.column} = {self.value!r}{state}"


def _unusable(column: str) -> str:
    from monitor.store.queries import UNUSABLE_SQL

    return UNUSABLE_SQL.format(column)


def _in_effect() -> str:
    from monitor.store.queries import target_in_effect

    return target_in_effect("target")


# Every value column of the data tables, with the current rows (the reading in force of its period, the
# latest version in effect of its target; withdrawn ones are history, migration 7) marked.
_UNUSABLE_SQL = f"""
SELECT 'reading' AS t, indicator_id, indicator_id || ' ' || CAST(period_start AS VARCHAR) || '..' || CAST(period_end AS VARCHAR)
       || ' revision ' || CAST(revision AS VARCHAR) AS w, 'value' AS c, value AS v,
       revision = (SELECT max(x.revision) FROM reading AS x WHERE x.indicator_id = r.indicator_id
                   AND x.period_start = r.period_start AND x.period_end = r.period_end)
       AND withdrawn IS NOT TRUE AS cur
FROM reading AS r WHERE {_unusable("value")}
UNION ALL
SELECT 'target', indicator_id, id || ' version ' || CAST(version AS VARCHAR), col, v,
       version = (SELECT max(x.version) FROM {_in_effect()} AS x WHERE x.id = g.id)
FROM (SELECT id, indicator_id, version, 'value' AS col, value AS v FROM target
      UNION ALL SELECT id, indicator_id, version, 'baseline_value', baseline_value FROM target) AS g
WHERE {_unusable("v")}
UNION ALL
SELECT 'indicator', id, id, col, v, true
FROM (SELECT id, 'lower_bound' AS col, lower_bound AS v FROM indicator
      UNION ALL SELECT id, 'upper_bound', upper_bound FROM indicator)
WHERE {_unusable("v")}
ORDER BY 1, 2, 3, 4
"""


def unusable_values(con: duckdb.DuckDBPyConnection, current_only: bool = False) -> list[Unusable]:
    """Every stored value outside monitor.model.validate's rules (in a session). Cheap when there is none:
    the min and max of each column come from the tables' statistics (NaN sorts above every number)."""
    from monitor.model import VALUE_MAX

    bounds = con.execute(
        "SELECT (SELECT min(value) FROM reading), (SELECT max(value) FROM reading), "
        "(SELECT least(min(value), min(baseline_value)) FROM target), "
        "(SELECT greatest(max(value), max(baseline_value)) FROM target), "
        "(SELECT least(min(lower_bound), min(upper_bound)) FROM indicator), "
        "(SELECT greatest(max(lower_bound), max(upper_bound)) FROM indicator)"
    ).fetchone()
    assert bounds is not None
    if all(b is None or -VALUE_MAX <= b <= VALUE_MAX for b in bounds):
        return []
    found = [Unusable(*row) for row in con.execute(_UNUSABLE_SQL).fetchall()]
    return [u for u in found if u.current] if current_only else found


def check(store: Store | LakeStore) -> list[Finding]:
    """Verify the store: migrations applied, constraints the write logic keeps, no orphan rows, and no
    value the product cannot use (a current one fails the check; one in a superseded revision or target
    version, which the engine never uses, is named without failing it: history is never rewritten)."""
    findings: list[Finding] = []
    with store.read() as con:
        applied = schema.applied_versions(con)
        missing = [m.version for m in schema.MIGRATIONS if m.version not in applied]
        findings.append(Finding(
            "migrations", not missing,
            f"applied {applied}" if not missing else f"missing migrations {missing}: run `monitor init`",
        ))
        if missing:
            return findings
        for name, sql in CHECKS:
            count = con.execute(sql).fetchone()[0]  # type: ignore[index]
            findings.append(Finding(name, count == 0, "none" if count == 0 else f"{count} found"))
        unusable = unusable_values(con)
        from monitor.store.queries import withdrawn_periods

        withdrawn = withdrawn_periods(con)
    current = [u for u in unusable if u.current]
    if not unusable:
        detail = "none"
    else:
        listed = "; ".join(str(u) for u in (current or unusable)[:10])
        more = len(current or unusable) - 10
        detail = (f"{len(current)} current" if current else "none current") + (
            f", {len(unusable) - len(current)} superseded" if len(unusable) > len(current) else "") + f": {listed}"
        if more > 0:
            detail += f"; and {more} more"
        if current:
            detail += (" (record a corrected reading for the period, or a new target version, to replace each; "
                       "or withdraw it: `monitor withdraw`, `monitor withdraw-target`)")
    # (It replaces a check of readings' non-finite values only: this one covers targets and bounds too.)
    findings.append(Finding("values the product cannot use (not finite or too large)", not current, detail))
    findings.append(Finding("withdrawn periods", True, withdrawn_detail(withdrawn)))
    return findings


def withdrawn_detail(withdrawn: list[Any]) -> str:
    """The periods withdrawn (information, never damage: a withdrawal is how a mistake is undone), by
    indicator, each with who and why."""
    if not withdrawn:
        return "none"
    by_indicator: dict[str, list[Any]] = {}
    for r in withdrawn:
        by_indicator.setdefault(r.indicator_id, []).append(r)
    parts = []
    for indicator_id, rows in by_indicator.items():
        listed = "; ".join(
            f"{r.period_start.isoformat()}..{r.period_end.isoformat()} by {r.recorded_by or '?'} "
            f"on {clock.stamp(r.recorded_at)}: {r.withdrawn_reason or ''}" for r in rows[:5])
        more = f"; and {len(rows) - 5} more" if len(rows) > 5 else ""
        parts.append(f"{indicator_id} ({len(rows)}: {listed}{more})")
    return f"{len(withdrawn)} (information, not damage): " + ", ".join(parts)


def refuse_unusable(con: duckdb.DuckDBPyConnection, what: str) -> None:
    """Raise ValidationError naming every current value of the rules' kind (restore and migrate: a store
    must not take in what no entry path would have). Values in superseded rows are history and pass."""
    from monitor.errors import Problem, ValidationError

    current = unusable_values(con, current_only=True)
    if current:
        from monitor.model import magnitude_code

        raise ValidationError([
            Problem(what, None, f"{u.table} {u.where}.{u.column}", magnitude_code(u.value) or OTHER,
                    {} if magnitude_code(u.value) else {"reason": "cannot be used"}, repr(u.value))
            for u in current
        ])
