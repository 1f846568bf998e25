"""The store on a DuckLake: metadata in PostgreSQL, table data as Parquet files in a shared folder.

A location ``ducklake:postgres:<libpq conninfo>`` (``--db`` or ``MONITOR_DB``) selects it, with
``MONITOR_DATA_PATH`` naming the folder for the Parquet files (needed when the lake is created; after
that the catalogue remembers it). Several processes on several hosts can use one lake at once.

How it keeps the file store's guarantees without a file lock:

- The DuckLake is ATTACHed once per process on a long-lived in-memory connection and stays attached
  (PostgreSQL has no file lock to release); each operation switches to it (``USE``) and back.
- Reads run in one DuckLake transaction: a consistent snapshot, no lock, never blocked by writers.
- Writes run in one DuckLake transaction (all of it or none of it) while holding a transaction-scoped
  PostgreSQL advisory lock, taken on a second connection to the catalogue database before the
  transaction starts and released after it committed. The write logic reads before it writes (revision
  numbers, anti-join idempotency, alert claims), and DuckLake's snapshot isolation lets two transactions
  that only insert into the same table both commit, so without this lock two hosts adding the same
  reading would both add it. Waiting for the lock is bounded (``timeout_s``, PostgreSQL's
  ``lock_timeout``); past it the write raises StoreBusy and nothing was written.
- A commit that still conflicts with a writer outside this module (a DuckDB shell, a compaction) is
  retried by DuckLake itself (``ducklake_max_retry_count``, with backoff) when the changes can be
  merged; when they cannot, the transaction is rolled back and StoreBusy says nothing was written.
  ``init()`` (idempotent migrations) retries itself on such a conflict until the bound.

The extensions are loaded from the files inside the PyPI packages of the ``lake`` extra
(``duckdb-extension-ducklake``, ``duckdb-extension-postgres-scanner``); nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import duckdb

from monitor import settings
from monitor.errors import ConfigError, StoreBusy, StoreError
from monitor.store import schema
from monitor.store.base import Store

LAKE_PREFIX = "ducklake:"
ALIAS = "monitor_db"
LOCK_ALIAS = "monitor_lake_lock"
# The advisory lock key of the store's writers (any 64-bit number other tools do not use).
LOCK_KEY = 7_263_518_404
DATA_PATH_ENV = "MONITOR_DATA_PATH"
EXTRA = 'pip install "indicator-monitor[lake]"  (from a checkout: pip install -e ".[lake]")'
EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    # (import name, extension name, PyPI name)
    ("duckdb_extension_postgres_scanner", "postgres_scanner", "duckdb-extension-postgres-scanner"),
    ("duckdb_extension_ducklake", "ducklake", "duckdb-extension-ducklake"),
)
# Readings written one at a time stay in the catalogue ("inlined") instead of one Parquet file each.
INLINING_ROW_LIMIT = 100


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)([^@\s]+)(@)", re.IGNORECASE)


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    # After a failed COMMIT there is no transaction left to roll back; that must not hide the error.
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def shown(text: str) -> str:
    """A location, or a message that repeats one (PostgreSQL's errors do), with any password hidden."""
    return _URI_PASSWORD.sub(r"\1***\3", _PASSWORD.sub(r"\1***", text))


def extension_file(package: str, name: str, pypi: str) -> Path:
    """The extension file shipped inside an installed PyPI package; ConfigError naming the extra if absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ConfigError(f"a DuckLake database needs the Python package {pypi}, which is not installed: {EXTRA}")
    folder = Path(spec.origin).parent
    wanted = folder / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if wanted.is_file():
        return wanted
    found = sorted(folder.rglob(f"{name}.duckdb_extension"))
    versions = ", ".join(p.parent.name for p in found) or "none"
    raise ConfigError(
        f"{pypi} has no {name} extension for DuckDB {duckdb.__version__} (it has: {versions}); "
        f"install the version matching duckdb: {EXTRA}"
    )


def catalog_conninfo(location: str) -> str:
    """The PostgreSQL conninfo of a ``ducklake:postgres:<conninfo>`` location; ConfigError otherwise."""
    if not location.startswith(LAKE_PREFIX):
        raise ConfigError(f"{shown(location)} is not a DuckLake location (it starts with {LAKE_PREFIX!r})")
    catalog = location[len(LAKE_PREFIX):]
    if not catalog.startswith("postgres:"):
        raise ConfigError(
            f"DuckLake location {shown(location)}: only a PostgreSQL catalogue is supported "
            "(ducklake:postgres:dbname=... host=... port=... user=...), since several processes write to it"
        )
    return catalog[len("postgres:"):]


def _is_conflict(error: Exception) -> bool:
    text = str(error).lower()
    return isinstance(error, duckdb.TransactionException) or "conflict" in text


def _is_lock_timeout(error: Exception) -> bool:
    return "lock timeout" in str(error).lower()


_INSTANCE: duckdb.DuckDBPyConnection | None = None
_INSTANCE_LOCK = threading.Lock()
_ATTACH_LOCK = threading.Lock()
_ATTACHED: set[str] = set()  # aliases attached to the process's instance
_USERS: dict[str, int] = {}  # open LakeStores per location key; the last to close detaches


def _instance() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB instance with the two extensions loaded (once: each LOAD verifies
    the extension's signature, ~0.2 s); every LakeStore works on cursors of it."""
    global _INSTANCE
    with _INSTANCE_LOCK:
        if _INSTANCE is None:
            files = [extension_file(*e) for e in EXTENSIONS]
            con = duckdb.connect(
                ":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
            )
            try:
                for file in files:
                    con.execute(f"LOAD {_sql_string(str(file))}")
            except duckdb.Error as e:
                con.close()
                raise ConfigError(f"cannot load the DuckLake extensions ({shown(str(e))}); reinstall them: {EXTRA}") from e
            _INSTANCE = con
        return _INSTANCE


class LakeBusy(StoreBusy):
    """A DuckLake write did not get its turn (or conflicted) within the bound; nothing was written."""

    def __init__(self, location: str, waited_s: float, why: str) -> None:
        StoreError.__init__(self, f"database busy: {why} on {location} after {waited_s:.1f} s; nothing was written, retry")
        self.path = location
        self.waited_s = waited_s


class LakeStore(Store):
    """A DuckLake (PostgreSQL catalogue + Parquet folder), with the interface of the file Store."""

    backend = "lake"

    def __init__(
        self,
        location: str | None,
        timeout_s: float | None = None,
        data_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.location = str(location if location not in (None, "") else settings.get("MONITOR_DB")).strip()
        self.conninfo = catalog_conninfo(self.location)
        chosen = data_path if data_path not in (None, "") else settings.get(DATA_PATH_ENV)
        self.data_path = str(Path(chosen).expanduser().resolve()) + os.sep if chosen else None
        self.timeout_s = settings.get("MONITOR_LOCK_TIMEOUT") if timeout_s is None else timeout_s
        self._mutex = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock_con: duckdb.DuckDBPyConnection | None = None
        self._key = hashlib.sha256(self.location.encode()).hexdigest()[:12]
        self._alias = f"{ALIAS}_{self._key}"
        self._lock_alias = f"{LOCK_ALIAS}_{self._key}"
        self._session: str | None = None  # None, "read" or "write"

    def __repr__(self) -> str:
        return f"LakeStore({shown(self.location)!r})"

    @property
    def path(self) -> str:
        """What messages show as the database (the location, password hidden)."""
        return shown(self.location)

    # -- connections -------------------------------------------------------------------------------

    @contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The store's own connection, without the lake: for staging input before a write (its TEMP
        tables are its own; the DuckDB instance under it is shared by the process's lake stores)."""
        with self._mutex:
            if self._con is None:
                root = _instance()
                with _ATTACH_LOCK:
                    if self._lock_alias not in _ATTACHED:
                        try:
                            root.execute(f"ATTACH IF NOT EXISTS {_sql_string(self.conninfo)} AS {self._lock_alias} (TYPE postgres)")
                        except duckdb.Error as e:
                            raise StoreError(f"cannot open DuckLake catalogue {self.path}: {shown(str(e))}") from e
                        _ATTACHED.add(self._lock_alias)
                    _USERS[self._key] = _USERS.get(self._key, 0) + 1
                self._con = root.cursor()
                self._con.execute("SET enable_progress_bar = false")
                self._lock_con = root.cursor()
            yield self._con

    @property
    def _lake_attached(self) -> bool:
        return self._alias in _ATTACHED

    @property
    def exists(self) -> bool:
        """Whether the lake has been created (its catalogue tables exist in the PostgreSQL database)."""
        if self._lake_attached:
            return True
        with self.scratch() as con:
            sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ducklake_metadata'"
            try:
                row = con.execute(
                    f"SELECT * FROM postgres_query({_sql_string(self._lock_alias)}, {_sql_string(sql)})"
                ).fetchone()
            except duckdb.Error as e:
                raise StoreError(f"cannot read DuckLake catalogue {self.path}: {shown(str(e))}") from e
            return bool(row and row[0])

    def _attach(self, con: duckdb.DuckDBPyConnection, create: bool) -> None:
        if self._lake_attached:
            return
        options = [f"DATA_INLINING_ROW_LIMIT {INLINING_ROW_LIMIT}"]
        if self.data_path is not None:
            options.append(f"DATA_PATH {_sql_string(self.data_path)}")
        elif create and not self.exists:
            raise ConfigError(
                f"set {DATA_PATH_ENV} to the folder for the DuckLake's Parquet files (a path every host "
                f"sees) before creating the lake {self.path}"
            )
        if not create:
            options.append("CREATE_IF_NOT_EXISTS false")
        statement = f"ATTACH IF NOT EXISTS {_sql_string(self.location)} AS {self._alias} ({', '.join(options)})"
        with _ATTACH_LOCK:
            if self._lake_attached:
                return
            try:
                con.execute(statement)
            except duckdb.Error as e:
                text = shown(str(e))
                if "does not match existing data path" in text:
                    raise ConfigError(f"{DATA_PATH_ENV} does not match the lake {self.path}: {text}") from e
                if "does not exist" in text and not create:
                    raise StoreError(f"database {self.path} does not exist; run `monitor init` first") from e
                raise StoreError(f"cannot open DuckLake {self.path}: {text}") from e
            _ATTACHED.add(self._alias)

    # -- the write lock ----------------------------------------------------------------------------

    @contextmanager
    def _write_lock(self, deadline: float) -> Iterator[None]:
        """The writers' advisory lock in the catalogue database, held until the block ends."""
        assert self._lock_con is not None
        started = time.monotonic()
        wait_ms = max(1, int((deadline - started) * 1000))
        lock = self._lock_con
        lock.execute("BEGIN TRANSACTION")
        try:
            # The lock's transaction sits idle while the write runs: a server-wide
            # idle_in_transaction_session_timeout (common on managed PostgreSQL) would end it, and
            # with it the lock, in the middle of the write.
            sql = (f"SET LOCAL lock_timeout = '{wait_ms}ms'; SET LOCAL idle_in_transaction_session_timeout = 0; "
                   f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            lock.execute(f"CALL postgres_execute({_sql_string(self._lock_alias)}, {_sql_string(sql)})")
        except duckdb.Error as e:
            _rollback_quietly(lock)
            if _is_lock_timeout(e):
                raise LakeBusy(self.path, time.monotonic() - started, "another writer held the lake") from None
            raise StoreError(f"cannot lock DuckLake {self.path}: {shown(str(e))}") from e
        try:
            yield
        finally:
            # Ends the PostgreSQL transaction, which releases the lock (also if the process dies).
            try:
                lock.execute("COMMIT")
            except duckdb.Error:
                _rollback_quietly(lock)

    # -- the Store interface -----------------------------------------------------------------------

    def read_copy(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """Store.read_copy: a lake read takes no lock, so there is nothing to let go of early: read()."""
        return self.read()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A consistent snapshot of the lake for one operation (no lock)."""
        with self.scratch() as con:
            if self._session is not None:
                yield con  # nested use joins the enclosing session
                return
            self._attach(con, create=False)
            con.execute(f"USE {self._alias}")
            self._session = "read"
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")  # a failed statement leaves the transaction aborted
                    raise
                # COMMIT, not ROLLBACK: the lake is untouched, but TEMP tables the reader made
                # (an import's snapshot of the indicators) must outlive the read.
                con.execute("COMMIT")
            finally:
                self._session = None
                con.execute("USE memory.main")

    @contextmanager
    def write(self, priority: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: all of it is committed, or none of it.

        ``priority`` is accepted for the file store's interface; PostgreSQL already serves the
        advisory lock's waiters in turn.
        """
        with self.scratch() as con:
            if self._session == "write":
                yield con  # nested use joins the enclosing transaction
                return
            if self._session == "read":
                raise StoreError("a write cannot start inside a read of the same store")
            started = time.monotonic()
            deadline = started + self.timeout_s
            with self._write_lock(deadline):
                self._attach(con, create=True)
                con.execute(f"USE {self._alias}")
                self._session = "write"
                try:
                    con.execute("BEGIN TRANSACTION")
                    try:
                        yield con
                    except BaseException:
                        con.execute("ROLLBACK")
                        raise
                    try:
                        con.execute("COMMIT")
                    except duckdb.Error as e:
                        # A failed COMMIT leaves nothing of the transaction behind.
                        try:
                            con.execute("ROLLBACK")
                        except duckdb.Error:
                            pass
                        if _is_conflict(e):
                            lines = [line.strip() for line in shown(str(e)).splitlines() if line.strip()]
                            why = lines[-1] if lines else type(e).__name__
                            raise LakeBusy(
                                self.path, time.monotonic() - started, f"a conflicting concurrent change ({why})"
                            ) from e
                        raise StoreError(f"cannot commit to DuckLake {self.path}: {' '.join(shown(str(e)).split())}; nothing was written") from e
                finally:
                    self._session = None
                    con.execute("USE memory.main")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The writers' lock alone, without a transaction on the lake."""
        with self.scratch():
            with self._write_lock(time.monotonic() + self.timeout_s):
                yield

    def init(self) -> list[int]:
        """Create or migrate the lake; return the migration versions applied."""
        deadline = time.monotonic() + self.timeout_s
        pause = 0.05
        while True:
            try:
                with self.write() as con:
                    return schema.migrate(con)
            except LakeBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def close(self) -> None:
        with self._mutex:
            if self._con is None:
                return
            self._con.close()
            if self._lock_con is not None:
                self._lock_con.close()
            self._con = None
            self._lock_con = None
            with _ATTACH_LOCK:
                _USERS[self._key] -= 1
                if _USERS[self._key] > 0:
                    return  # another store of this process still uses the lake
                del _USERS[self._key]
                # The last user detaches, which closes the PostgreSQL connections.
                root = _instance()
                for alias in (self._alias, self._lock_alias):
                    if alias in _ATTACHED:
                        _ATTACHED.discard(alias)
                        try:
                            root.execute(f"DETACH DATABASE IF EXISTS {alias}")
                        except duckdb.Error:
                            pass
