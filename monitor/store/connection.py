"""Access to the database file without ever holding it between operations.

DuckDB lets one process hold a database file for writing, and any process that has it open (even
read-only) locks every writer out. The dashboard, the scheduler and CLI calls must all be able to
write at any moment, so each operation:

1. takes an OS advisory lock on a sidecar file (``<db>.lock``): exclusive to write, shared to read,
   waiting in the kernel's queue up to a bound, after which it raises StoreBusy (nothing was written);
   a batch write (an import; the scheduler's lease) first closes a second sidecar (``<db>.gate``) that
   every other write passes through, so it waits for the operation in progress, not for every writer
   in the queue;
2. ATTACHes the database file on a long-lived in-memory connection (cheaper than a new connection);
3. runs one transaction, DETACHes (which checkpoints) and releases the lock.

A process that skips the sidecar lock (a DuckDB shell, say) still makes ATTACH fail with DuckDB's
own lock error; that error is retried with the same bounded backoff.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from monitor import settings
from monitor.errors import ConfigError, StoreBusy, StoreError
from monitor.store import schema
from monitor.store.base import Store as Store  # re-exported: the layers above import Store from here

DEFAULT_DB = Path(settings.SETTINGS["MONITOR_DB"].default)
ALIAS = "monitor_db"
# DuckDB writes files in the v0.10.2 storage format unless told otherwise; the current format reuses
# table metadata when checkpointing, which halves the DETACH that every write pays (measured: 6.9 ms
# -> 2.9 ms per single-row write with this schema). An older file is upgraded at its next checkpoint.
STORAGE_VERSION = "v1.5.0"
# Each commit adds its rows to a table as row groups of their own, and DuckDB merges small row groups
# when it checkpoints ("vacuum"). Merging at every commit rewrote the same rows again and again (10k,
# 20k, 40k, 80k, 122,880: every few imports a commit rewrote up to two full row groups, 65-190 ms with
# the lock held). So only a write that comes MERGE_EVERY writes after the last merge merges (every
# table's small row groups, at once); the others only add theirs. Measured with 10k-row batches
# alone: 257k -> 428-462k rows/s; a table carries at most MERGE_EVERY writes' worth of extra row groups.
MERGE_EVERY = 32
MERGE_TASKS = 100  # DuckDB's default max_vacuum_tasks: as many merges as the checkpoint finds
# Store.read_copy: up to this many readings, the status tables are copied. The copy holds the shared lock
# itself, and once the reading table carried review, withdrawal and provenance columns it cost more than
# the computation it frees the lock for: at city scale (126k readings) status_table took 135 ms with the
# copy (about 80 ms of it copying, under the lock) and 55 ms read in place (2026-12-06). Small stores
# (a plan's few thousand readings) still copy in a few ms.
COPY_MAX_READINGS = 20_000
COPY_ALIAS = "monitor_copy"
COPY_STATUS_TABLES = "; ".join(
    f"CREATE TABLE {COPY_ALIAS}.{table} AS SELECT * FROM {ALIAS}.{table}" for table in ("indicator", "target", "reading")
)


def resolve_location(location: str | os.PathLike[str] | None = None) -> str:
    """--db, else MONITOR_DB, else data/monitor.duckdb, as a string to pass on to another process:
    a ``ducklake:`` location unchanged, a file as its absolute path."""
    if is_lake(location):
        return str(location if location not in (None, "") else settings.get("MONITOR_DB")).strip()
    return str(resolve_db_path(location).resolve())


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """--db PATH, else MONITOR_DB, else data/monitor.duckdb."""
    chosen = path if path not in (None, "") else settings.get("MONITOR_DB")
    resolved = Path(chosen).expanduser()
    if resolved.is_dir():
        raise ConfigError(f"database location {resolved} is a folder; give a file path such as {resolved / 'monitor.duckdb'}")
    return resolved


def _is_duckdb_lock_error(error: Exception) -> bool:
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


def one_line(error: BaseException | str) -> str:
    """A DuckDB error as one line (its messages span several, with hints and caret lines); of a
    failed checkpoint, the cause ("Could not write file ...: No space left on device")."""
    text = str(error)
    cause = text.rpartition("Original error:")[2] if "Original error:" in text else text
    return " ".join(cause.split()) or type(error).__name__


def _sql_string(text: str) -> str:
    # ATTACH takes no prepared parameters; the path is configuration, never row data.
    return "'" + text.replace("'", "''") + "'"


def _wait_for_lock(fd: int, mode: int, deadline: float) -> int | None:
    """Block in the kernel's queue for the lock, giving up at the deadline; the fd, or None.

    Polling with sleeps starves unlucky waiters under load (seen: p99 of 3 s with four writers);
    a blocking flock is served in turn. It cannot time out, so it runs in a thread: a waiter that
    gives up leaves the thread to take the lock later and release it at once.
    """
    acquired = threading.Event()
    state = {"abandoned": False}
    guard = threading.Lock()

    def take() -> None:
        fcntl.flock(fd, mode)
        with guard:
            if state["abandoned"]:
                os.close(fd)
                return
            acquired.set()

    threading.Thread(target=take, name="monitor-store-lock", daemon=True).start()
    if acquired.wait(max(0.0, deadline - time.monotonic())):
        return fd
    with guard:
        if acquired.is_set():
            return fd
        state["abandoned"] = True
    return None


def _take_fd(fd: int, mode: int, deadline: float) -> int | None:
    """``fd`` once it holds the flock ``mode``; None (and ``fd`` is closed, now or when the lock
    comes) if the deadline passed first."""
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        return _wait_for_lock(fd, mode, deadline)


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The settings of a Store's in-memory connection (also for tools that wrap one)."""
    # Long queries would otherwise draw DuckDB's progress bar over the CLI's output.
    con.execute("SET enable_progress_bar = false")
    # Every commit checkpoints at once and skips the WAL: DETACH would checkpoint right after
    # anyway, so the log's write and fsync were pure cost (a single-row write 3.8 -> 2.8 ms; an
    # import's rows were written twice). A checkpoint is atomic (the file's header is written
    # last), so a crash leaves the last committed state.
    con.execute("SET checkpoint_threshold = '0KB'")
    con.execute("SET auto_checkpoint_skip_wal_threshold = 0")
    return con


def _count_write(lock_fd: int) -> bool:
    """Count one write since the last merge in the lock file (held exclusively, so no other process
    counts at the same time); True once there are MERGE_EVERY of them. A count lost with the file
    only shifts when the next merge happens."""
    raw = os.pread(lock_fd, 8, 0)
    pending = int.from_bytes(raw, "little") + 1 if len(raw) == 8 else 1
    os.pwrite(lock_fd, pending.to_bytes(8, "little"), 0)
    return pending >= MERGE_EVERY


def _merged(lock_fd: int) -> None:
    os.pwrite(lock_fd, (0).to_bytes(8, "little"), 0)


def _modified(path: Path) -> int | None:
    # The kernel stamps files in ticks (a few ms): a checkpoint in the same tick as the previous one
    # looks like none, and the merge stays due for one more write (which finds little to merge).
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _try_flock(fd: int, mode: int) -> bool:
    """Take the flock ``mode`` on ``fd`` if it is free now; a shared probe is let go at once."""
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    if mode == fcntl.LOCK_SH:
        fcntl.flock(fd, fcntl.LOCK_UN)
    return True


class FileStore(Store):
    """One database file, opened only for the span of each operation."""

    backend = "file"

    def __init__(self, path: str | os.PathLike[str] | None = None, timeout_s: float | None = None) -> None:
        self.path = resolve_db_path(path)
        self.location = str(self.path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.gate_path = self.path.with_name(self.path.name + ".gate")
        self.timeout_s = settings.get("MONITOR_LOCK_TIMEOUT") if timeout_s is None else timeout_s
        # DuckDB connections are not safe for concurrent use by threads (Streamlit runs one per
        # session), so every use of the shared in-memory connection is serialised.
        self._mutex = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._attached = False
        self._in_transaction = False

    def __repr__(self) -> str:
        return f"FileStore({str(self.path)!r})"

    @property
    def path(self) -> Path:
        return self._path

    @path.setter
    def path(self, value: Path) -> None:
        self._path = value

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The in-memory connection, without the database file: for staging input before a write."""
        with self._mutex:
            if self._con is None:
                self._con = configure(duckdb.connect(":memory:"))
            yield self._con

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only view of the database for one operation."""
        self._require_file()
        with self._session(exclusive=False) as con:
            yield con

    def _require_file(self) -> None:
        # A read never creates the file.
        if not self.path.exists():
            raise StoreError(f"database {self.path} does not exist; run `monitor init` first")

    @contextmanager
    def read_copy(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read of the tables status is computed from (indicators, targets, readings), for work that
        takes much longer than reading them: in a store of up to COPY_MAX_READINGS readings they are
        copied into memory under the shared lock, which is let go of before the caller's queries run,
        so writers are not held up by the computation (in the load test a status poll held the lock
        ~40 ms; with the copy ~12 ms, ATTACH included). A larger store is read in place, as read()
        does. Other tables are not in the copy. Inside another session it joins that session.
        """
        self._require_file()
        with self.scratch() as con:
            if self._attached:
                yield con
                return
            copied = False
            with self._session(exclusive=False) as con:
                try:
                    readings = con.execute("SELECT count(*) FROM reading").fetchone()
                except duckdb.CatalogException:
                    readings = None  # no schema: let the caller's own queries say so
                if readings is None or readings[0] > COPY_MAX_READINGS:
                    yield con
                else:
                    con.execute(f"ATTACH ':memory:' AS {COPY_ALIAS}")
                    try:
                        con.execute(COPY_STATUS_TABLES)
                    except BaseException:
                        con.execute(f"DETACH {COPY_ALIAS}")
                        raise
                    copied = True
            if copied:
                con.execute(f"USE {COPY_ALIAS}")
                try:
                    yield con
                finally:
                    con.execute("USE memory")
                    con.execute(f"DETACH {COPY_ALIAS}")

    @contextmanager
    def write(self, priority: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: all of it is committed, or none of it.

        ``priority`` (a batch of many rows, or the scheduler's lease, which must not wait behind
        a queue): writes that ask for the store after this one wait until it has the lock, and
        writes already waiting let it go first, so it waits for the operation in progress only.
        One batch at a time goes first (another queues as usual), and a writer steps back for a
        batch at most once, so a single write waits for at most one batch more than it would have.
        Batches hold the lock longer but write a row at a fraction of a single write's lock time,
        so letting them through raises what the store takes in. Readers are not held back: they
        share the lock with each other, and the batch waits for the reads in progress.
        """
        with self._session(exclusive=True, priority=priority) as con:
            if self._in_transaction:
                yield con  # nested use joins the enclosing transaction
                return
            con.execute("BEGIN TRANSACTION")
            self._in_transaction = True
            try:
                yield con
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # the statement that failed already ended the transaction; keep its error
                raise
            else:
                try:
                    con.execute("COMMIT")
                except duckdb.Error as e:
                    # A full disk (or a file size limit) fails the checkpoint that every commit runs;
                    # DuckDB then drops the transaction, and the file keeps its last committed state
                    # (tests/test_cli_errors.py fills a file size limit during an import).
                    raise StoreError(f"cannot write database {self.path}: {one_line(e)}; nothing was written") from e
            finally:
                self._in_transaction = False

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The write lock alone, without opening the file: for replacing the file itself."""
        with self._mutex, self._file_lock(True, time.monotonic() + self.timeout_s):
            yield

    @contextmanager
    def _session(self, exclusive: bool, priority: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.scratch() as con:
            if self._attached:
                # Re-entrant use from the same thread: already inside a session.
                yield con
                return
            if exclusive:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(f"cannot create the folder of database {self.path}: {e.strerror}") from e
            deadline = time.monotonic() + self.timeout_s
            with self._file_lock(exclusive, deadline, priority) as lock_fd:
                merge = exclusive and lock_fd is not None and _count_write(lock_fd)
                if exclusive:
                    con.execute("SET max_vacuum_tasks = ?", [MERGE_TASKS if merge else 0])
                before = _modified(self.path) if merge else None
                self._attach(con, read_only=not exclusive, deadline=deadline)
                try:
                    yield con
                except BaseException:
                    self._detach(con, quiet=True)  # the error in flight is the one to report
                    raise
                else:
                    self._detach(con)
                finally:
                    # DuckDB merges only at a checkpoint, and a write that changed nothing (or was
                    # rolled back) does not checkpoint: the count stays due until a write does.
                    if merge and lock_fd is not None and _modified(self.path) != before:
                        _merged(lock_fd)

    @contextmanager
    def _file_lock(self, exclusive: bool, deadline: float, priority: bool = False) -> Iterator[int | None]:
        """The sidecar lock for one operation; yields its descriptor (None for a reader that could not
        open it)."""
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            opened = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            if exclusive:
                raise StoreError(f"cannot create lock file {self.lock_path}: {e.strerror}") from e
            # A reader on a read-only folder can still read; it just cannot coordinate.
            yield None
            return
        fd: int | None = opened  # None once the deadline passed (the descriptor is then closed for us)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        started = time.monotonic()
        # Readers take no part in the gate: they share the lock with each other, and a reader held at a
        # gate closed by a batch that itself waits behind a long read (a backup) would fail for nothing.
        gate = self._open_gate() if exclusive else None
        leading = False  # this batch closed the gate
        try:
            if gate is not None and priority:
                # Only one batch at a time goes first: a second one (the gate already closed) queues
                # like everyone else, so writers never wait behind a chain of batches at the gate.
                leading = _try_flock(gate, fcntl.LOCK_EX)
            elif gate is not None:
                gate = self._pass_gate(gate, deadline)  # waits while a batch goes first
                if gate is None:
                    raise StoreBusy(str(self.path), time.monotonic() - started)
            fd = _take_fd(opened, mode, deadline)
            if fd is None:
                raise StoreBusy(str(self.path), time.monotonic() - started)
            if gate is not None and not priority and not _try_flock(gate, fcntl.LOCK_SH):
                # A batch closed the gate while this writer waited: those who queued before it would
                # still go first, one after the other (the kernel wakes waiters in no order). Step
                # back, once: let it have the lock, then queue again without looking at the gate.
                fcntl.flock(fd, fcntl.LOCK_UN)
                gate = self._pass_gate(gate, deadline)
                if gate is None:
                    raise StoreBusy(str(self.path), time.monotonic() - started)
                fd = _take_fd(fd, mode, deadline)
                if fd is None:
                    raise StoreBusy(str(self.path), time.monotonic() - started)
            if leading and gate is not None:
                fcntl.flock(gate, fcntl.LOCK_UN)  # the batch has the lock: the others may queue again
            yield fd
        finally:
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the flock
            if gate is not None:
                os.close(gate)

    def _open_gate(self) -> int | None:
        """The gate's descriptor; None where it can be neither created nor opened (then this
        operation neither waits at the gate nor closes it)."""
        for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):  # flock works on a read-only descriptor
            try:
                return os.open(self.gate_path, flags, 0o644)
            except OSError:
                continue
        return None

    @staticmethod
    def _pass_gate(gate: int, deadline: float) -> int | None:
        """Wait while a batch holds the gate (until it has the lock), then let go of it; the gate's
        descriptor, or None when the bound passed (the descriptor then belongs to the waiting thread,
        which closes it): the caller raises StoreBusy."""
        taken = _take_fd(gate, fcntl.LOCK_SH, deadline)
        if taken is not None:
            fcntl.flock(taken, fcntl.LOCK_UN)
        return taken

    def _attach(self, con: duckdb.DuckDBPyConnection, read_only: bool, deadline: float) -> None:
        options = f"READ_ONLY, STORAGE_VERSION '{STORAGE_VERSION}'" if read_only else f"STORAGE_VERSION '{STORAGE_VERSION}'"
        statement = f"ATTACH {_sql_string(str(self.path))} AS {ALIAS} ({options})"
        pause = 0.005
        started = time.monotonic()
        while True:
            try:
                con.execute(statement)
                break
            except duckdb.Error as e:
                if not _is_duckdb_lock_error(e):
                    raise StoreError(f"cannot open database {self.path}: {e}") from e
                if time.monotonic() >= deadline:
                    raise StoreBusy(str(self.path), time.monotonic() - started) from e
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
        con.execute(f"USE {ALIAS}")
        self._attached = True

    def _detach(self, con: duckdb.DuckDBPyConnection, quiet: bool = False) -> None:
        self._attached = False
        try:
            # "memory.main", not "memory": once a failed checkpoint has invalidated the attached
            # database (a full disk), DuckDB refuses `USE memory` (it looks the name up in the
            # invalid database first) and, with it, the DETACH; the qualified name still works.
            con.execute("USE memory.main")
            con.execute(f"DETACH {ALIAS}")
        except duckdb.Error as e:
            # The connection cannot let go of the file: never reuse it (the next operation of this
            # process, a dashboard session say, would find the alias taken and fail for ever).
            with self._mutex:
                if self._con is con:
                    self._con = None
            if not quiet:
                raise StoreError(f"cannot close database {self.path}: {one_line(e)}") from e

    def init(self) -> list[int]:
        """Create or migrate the database; return the migration versions applied."""
        with self.write() as con:
            return schema.migrate(con)

    def close(self) -> None:
        with self._mutex:
            if self._con is not None:
                self._con.close()
                self._con = None


LAKE_PREFIX = "ducklake:"


def is_lake(location: str | os.PathLike[str] | None) -> bool:
    """Whether a database location (--db, else MONITOR_DB) names a DuckLake rather than a file."""
    chosen = location if location not in (None, "") else settings.get("MONITOR_DB")
    return isinstance(chosen, str) and chosen.strip().startswith(LAKE_PREFIX)


def open_store(location: str | os.PathLike[str] | None = None, timeout_s: float | None = None) -> Store:
    """The store the location names (see :class:`monitor.store.base.Store`): ``Store(location, timeout_s)``.

    ``location`` is --db, else ``$MONITOR_DB``, else ``data/monitor.duckdb``; ``ducklake:<catalog>`` (e.g.
    ``ducklake:postgres:dbname=monitor host=127.0.0.1 port=5432 user=monitor``) gives a LakeStore whose
    Parquet files go to ``$MONITOR_DATA_PATH``; anything else a FileStore. ``timeout_s`` bounds the wait for
    the file lock (file) or the conflict retries (lake); beyond it StoreBusy, and nothing was written.
    """
    return Store(location, timeout_s)  # type: ignore[abstract]  # Store.__new__ builds the concrete backend
