"""The store: migrations, the open-per-operation pattern, the sidecar lock, transactions, revisions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from lock_waits import flock_held, flock_waiters
from monitor.errors import ConfigError, StoreBusy, StoreError
from monitor.files.catalog import init_store
from monitor.model import Qualifier, Reading
from monitor.store import queries, schema
from monitor.store.connection import Store, resolve_db_path
from refresh_helpers import wait_for

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"


def _counts(store: Store) -> dict[str, int]:
    with store.read() as con:
        return queries.count_rows(con)


def _add(store: Store, value: float, qualifier: Qualifier = Qualifier.EXACT, end: date = date(2024, 5, 31)) -> dict[str, int]:
    reading = Reading("visits", date(2024, 5, 1), end, value, qualifier=qualifier, source="test")
    with store.write() as con:
        stage = queries.stage_readings(con, [reading])
        return queries.add_staged_readings(con, stage, "test", "batch-1")


# ---------------------------------------------------------------- migrations


def test_migrations_from_empty_create_every_table_and_record_it(db_path: Path) -> None:
    store = Store(db_path)
    assert not db_path.exists()
    assert store.init() == [m.version for m in schema.MIGRATIONS]
    assert db_path.exists()
    with store.read() as con:
        assert schema.applied_versions(con) == [m.version for m in schema.MIGRATIONS]
        names = con.execute("SELECT name FROM schema_migration ORDER BY version").fetchall()
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
        assert set(queries.count_rows(con).values()) == {0}
    assert names == [(m.name,) for m in schema.MIGRATIONS]
    assert {"schema_migration", "indicator", "target", "reading", "rejected_row"} <= tables
    store.close()


def test_migrations_rerun_apply_nothing_and_record_nothing(empty_db: Store) -> None:
    assert empty_db.init() == []
    assert Store(empty_db.path).init() == []  # a new Store object (a new process, say) too
    with empty_db.read() as con:
        recorded = con.execute("SELECT version, count(*) FROM schema_migration GROUP BY version").fetchall()
    assert sorted(recorded) == [(m.version, 1) for m in schema.MIGRATIONS]


def test_applied_versions_of_an_unmigrated_database_is_empty(db_path: Path) -> None:
    duckdb.connect(str(db_path)).close()  # a DuckDB file without our schema
    store = Store(db_path)
    with store.read() as con:
        assert schema.applied_versions(con) == []
    store.close()


def test_init_store_twice_changes_nothing(cat_db: Store) -> None:
    before = _counts(cat_db)
    second = init_store(cat_db, seed=CATALOG)
    assert _counts(cat_db) == before
    assert before["indicator"] == 4 and before["target"] == 2 and before["reading"] == 2
    assert second["migrations_applied"] == []
    assert (second["indicators_new"], second["indicators_changed"]) == (0, 0)
    assert (second["targets_new"], second["targets_revised"]) == (0, 0)
    assert (second["readings_new"], second["readings_revised"], second["readings_unchanged"]) == (0, 0, 2)


# ---------------------------------------------------------------- locations


def test_resolve_db_path_prefers_argument_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"
    assert resolve_db_path(None) == tmp_path / "env.duckdb"
    monkeypatch.delenv("MONITOR_DB")
    assert resolve_db_path(None) == Path("data") / "monitor.duckdb"


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        Store(tmp_path)


def test_reading_a_missing_database_says_to_run_init(db_path: Path) -> None:
    store = Store(db_path)
    with pytest.raises(StoreError, match="monitor init"):
        with store.read():
            pass
    assert not db_path.exists()  # a read never creates the file


# ---------------------------------------------------------------- the file is not held


def _run(code: str, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=timeout
    )


def _storage_version(path: Path) -> str:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{path}' AS probe (READ_ONLY)")
        return con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'probe'").fetchone()[0]
    finally:
        con.close()


def test_new_and_old_files_are_written_in_the_current_storage_format(tmp_path: Path) -> None:
    # The v0.10.2 default format rewrites all table metadata on every DETACH; the current one reuses it.
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    assert _storage_version(old).startswith("v1.0.0")
    init_store(Store(old), CATALOG)
    assert _storage_version(old).startswith("v1.5.0")

    fresh = tmp_path / "fresh.duckdb"
    init_store(Store(fresh), CATALOG)
    assert _storage_version(fresh).startswith("v1.5.0")


def test_database_file_is_not_held_between_operations(cat_db: Store) -> None:
    # The Store object stays alive (with its in-memory connection) while another process writes the file.
    assert _counts(cat_db)["indicator"] == 4
    done = _run(
        """
        import sys, duckdb
        con = duckdb.connect(sys.argv[1])
        con.execute("CREATE TABLE outsider (x INTEGER)")
        con.execute("INSERT INTO outsider VALUES (42)")
        con.close()
        print("written")
        """,
        str(cat_db.path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "written"
    # ... and the Store still works afterwards and sees what the other process wrote.
    with cat_db.read() as con:
        assert con.execute("SELECT x FROM outsider").fetchall() == [(42,)]


class _Holder:
    """Another process holding the sidecar lock or the database file until told to let go."""

    def __init__(self, code: str, path: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), str(path), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "held":
            self.proc.kill()
            raise AssertionError(f"holder did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        assert self.proc.wait(timeout=30) == 0


# A flock on a sidecar of the database (argv[2]: ".lock" or ".gate"), in a mode (argv[3]: LOCK_EX, LOCK_SH).
HOLD_FLOCK = """
    import fcntl, os, sys
    fd = os.open(sys.argv[1] + sys.argv[2], os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, getattr(fcntl, sys.argv[3]))
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold(path: Path, sidecar: str = ".lock", mode: str = "LOCK_EX") -> _Holder:
    return _Holder(HOLD_FLOCK, path, sidecar, mode)


HOLD_FILE = """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SELECT 1").fetchall()
    print("held", flush=True)
    sys.stdin.readline()
    con.close()
"""


def test_store_busy_when_another_process_holds_the_sidecar_lock(cat_db: Store) -> None:
    before = _counts(cat_db)
    busy = Store(cat_db.path, timeout_s=0.3)
    holder = _hold(cat_db.path)
    try:
        with pytest.raises(StoreBusy) as caught:
            _add(busy, 1.0)
        with pytest.raises(StoreBusy):
            with busy.read():
                pass  # a reader waits for a writer too
    finally:
        holder.release()
    assert "nothing was written, retry" in str(caught.value)
    assert str(cat_db.path) in str(caught.value)
    assert caught.value.exit_code == 75
    # It waited before giving up (not compared with the 0.3 s bound: the store starts its own count a moment
    # after the deadline's clock, so on a loaded machine it read 0.296 s; a wall-clock bound is no test).
    assert caught.value.waited_s > 0
    assert _counts(busy) == before  # released: the store works again, and nothing was written
    busy.close()


def test_store_busy_when_a_process_without_the_sidecar_holds_the_file(cat_db: Store) -> None:
    busy = Store(cat_db.path, timeout_s=0.3)
    holder = _Holder(HOLD_FILE, cat_db.path)
    try:
        with pytest.raises(StoreBusy, match="nothing was written, retry"):
            _add(busy, 1.0)
    finally:
        holder.release()
    assert _add(busy, 1.0)["new"] == 1
    busy.close()


class _Background:
    """A call in a thread of its own; ``outcome`` is its result or the exception it raised."""

    def __init__(self, call: Callable[[], object]) -> None:
        self.outcome: list[object] = []

        def run() -> None:
            try:
                self.outcome.append(call())
            except BaseException as e:  # noqa: BLE001 - handed to the test's thread
                self.outcome.append(e)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self, timeout: float = 60) -> object:
        self.thread.join(timeout)
        assert len(self.outcome) == 1, "the call did not end"
        return self.outcome[0]


def test_waiting_writer_succeeds_when_the_lock_is_released_in_time(cat_db: Store) -> None:
    holder = _hold(cat_db.path)
    patient = Store(cat_db.path, timeout_s=60)
    try:
        write = _Background(lambda: _add(patient, 7.0))
        wait_for(lambda: flock_waiters(patient.lock_path) == 1, 60, "the writer to queue for the lock")
        assert write.outcome == []  # queued behind the holder, not failed
    finally:
        holder.release()
    result = write.result()
    assert isinstance(result, dict) and result["new"] == 1, result
    patient.close()


# One write of a marker row (recorded_by = argv[2]); a batch (argv[3] == "1") asks with priority.
QUEUED_WRITE = """
    import sys
    from monitor.store.connection import Store
    store = Store(sys.argv[1], timeout_s=30)
    print("ready", flush=True)
    with store.write(priority=sys.argv[3] == "1") as con:
        con.execute(
            "INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, recorded_by, recorded_at) "
            "VALUES ('queue', DATE '2024-01-01', DATE '2024-01-01', 1, 1, 'exact', ?, now()::TIMESTAMP)",
            [sys.argv[2]],
        )
"""


def _queued_write(path: Path, name: str, priority: bool) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(QUEUED_WRITE), str(path), name, "1" if priority else "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


@pytest.mark.file_only
def test_a_batch_goes_before_the_writers_that_queued_ahead_of_it(cat_db: Store) -> None:
    """Four writers wait for the lock, then a batch asks for it: when the lock is let go, the batch
    writes first (without the gate the kernel hands the lock to a waiter in no order: the batch
    would be first one time in five)."""
    holder = _hold(cat_db.path)
    writers: list[subprocess.Popen[str]] = []
    try:
        writers = [_queued_write(cat_db.path, f"writer-{n}", priority=False) for n in range(4)]
        # Each has passed the open gate and waits for the lock (the kernel's lock table says so).
        wait_for(lambda: flock_waiters(cat_db.lock_path) == 4, 60, "the four writers to queue for the lock")
        batch = _queued_write(cat_db.path, "batch", priority=True)
        writers.append(batch)
        # The batch holds the gate and waits for the lock behind them.
        wait_for(lambda: flock_held(cat_db.gate_path) and flock_waiters(cat_db.lock_path) == 5, 60,
                 "the batch to close the gate and queue for the lock")
    finally:
        holder.release()
        for proc in writers:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
    with cat_db.read() as con:
        order = [r[0] for r in con.execute("SELECT recorded_by FROM reading WHERE indicator_id = 'queue' ORDER BY rowid").fetchall()]
    assert sorted(order) == sorted(["batch", *(f"writer-{n}" for n in range(4))])  # every write, once
    assert order[0] == "batch", order


@pytest.mark.file_only
def test_a_writer_held_at_the_gate_past_its_bound_is_busy_and_writes_nothing(cat_db: Store) -> None:
    before = _counts(cat_db)
    waiting = Store(cat_db.path, timeout_s=0.3)
    holder = _hold(cat_db.path, ".gate")  # a batch that goes first and has not got the lock yet
    try:
        with pytest.raises(StoreBusy, match="nothing was written, retry") as caught:
            _add(waiting, 1.0)
        assert _counts(waiting) == before  # readers are not held at the gate
        # A second batch does not wait at the gate either: it queues like a writer, so writers never
        # wait behind a chain of batches taking turns at the gate. The gate stays closed for the whole
        # block, so waiting there would end in StoreBusy (its bound is 0.3 s); it writes instead.
        with waiting.write(priority=True) as con:
            con.execute(
                "INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, recorded_at) "
                "VALUES ('queue', DATE '2024-01-01', DATE '2024-01-01', 1, 1, 'exact', now()::TIMESTAMP)"
            )
        assert flock_held(cat_db.gate_path)  # (still closed by the holder)
    finally:
        holder.release()
    assert caught.value.waited_s > 0  # the writer waited at the gate (no wall-clock bound: see above)
    assert _counts(waiting)["reading"] == before["reading"] + 1  # the second batch, not the writer
    assert _add(waiting, 1.0)["new"] == 1  # the gate is open again
    waiting.close()


@pytest.mark.file_only
def test_a_read_goes_on_while_a_batch_waits_behind_a_long_read(cat_db: Store) -> None:
    """A long read (a backup) holds the lock shared and a batch waits for it with the gate closed:
    another read still goes through instead of waiting for the batch."""
    holder = _hold(cat_db.path, mode="LOCK_SH")
    batch = Store(cat_db.path, timeout_s=60)

    def write_batch() -> None:
        with batch.write(priority=True):
            pass

    try:
        write = _Background(write_batch)
        wait_for(lambda: flock_held(cat_db.gate_path) and flock_waiters(cat_db.lock_path) == 1, 60,
                 "the batch to close the gate and wait behind the long read")
        # The batch waits until the holder lets go, which is after this read: a reader held at the
        # gate, or queued behind the batch, would give up after its 0.3 s with StoreBusy.
        reader = Store(cat_db.path, timeout_s=0.3)
        assert _counts(reader)["indicator"] == 4
        reader.close()
        assert write.outcome == [] and flock_held(cat_db.gate_path)  # the batch was still waiting, gate closed
    finally:
        holder.release()
    assert write.result() is None  # and wrote once the long read ended
    batch.close()


# ---------------------------------------------------------------- row groups merged every MERGE_EVERY writes


def _reading_row_groups(store: Store) -> int:
    with store.read() as con:
        return con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('reading')").fetchone()[0]


def _pending_writes(db_path: Path) -> int:
    return int.from_bytes(db_path.with_name(db_path.name + ".lock").read_bytes()[:8], "little")


@pytest.mark.file_only
def test_small_row_groups_are_merged_every_merge_every_writes_counted_across_store_objects(db_path: Path) -> None:
    from monitor.store import connection

    every = connection.MERGE_EVERY
    init_store(Store(db_path), CATALOG)
    # Two Store objects (two processes, say) share one count: it lives in the lock file.
    stores = [Store(db_path), Store(db_path)]
    before = _counts(stores[0])["reading"]
    groups = []
    for k in range(2 * every + 3):
        due = _pending_writes(db_path) + 1 >= every
        _add(stores[k % 2], 1.0 + k, end=date(2020, 1, 1) + timedelta(days=k))
        groups.append((due, _reading_row_groups(stores[0])))
    merged = [g for due, g in groups if due]
    between = [g for due, g in groups if not due]
    assert len(merged) >= 2 and all(g == 1 for g in merged)  # every readings' row group merged into one
    # Other writes only add their own row group: at most MERGE_EVERY - 1 since the last merge.
    assert max(between) > 1 and all(g <= every for g in between)
    assert _counts(stores[0])["reading"] == before + 2 * every + 3


@pytest.mark.file_only
def test_a_merge_due_at_a_write_that_changes_nothing_waits_for_the_next_write(db_path: Path) -> None:
    from monitor.store import connection

    init_store(Store(db_path), CATALOG)
    store = Store(db_path)
    k = 0
    while _pending_writes(db_path) + 1 < connection.MERGE_EVERY:  # up to the write before a merge
        _add(store, 1.0 + k, end=date(2020, 1, 1) + timedelta(days=k))
        k += 1
    assert _reading_row_groups(store) > 1
    with store.write():
        pass  # due to merge, but it changes nothing: DuckDB does not checkpoint, so nothing merges
    with pytest.raises(RuntimeError):
        with store.write() as con:
            queries.add_rejected(con, [["b", "f.csv", 2, "value", "bad", "x", "{}"]])
            raise RuntimeError("rolled back")
    groups = _reading_row_groups(store)
    assert groups > 1 and _pending_writes(db_path) >= connection.MERGE_EVERY  # still due
    _add(store, 99.0, end=date(2021, 1, 1))
    assert _reading_row_groups(store) == 1 and _pending_writes(db_path) == 0


# ---------------------------------------------------------------- reads copied before the work


_TRY_WRITE_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("held")
"""


@pytest.mark.file_only
def test_read_copy_lets_go_of_the_lock_before_the_callers_queries(cat_db: Store,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.store import connection

    _add(cat_db, 7.0)
    with cat_db.read() as con:
        expected = con.execute("SELECT count(*), sum(value) FROM reading").fetchone()
        # A plain read holds the shared lock while its queries run: a writer cannot have it.
        assert _run(_TRY_WRITE_LOCK, str(cat_db.lock_path)).stdout.strip() == "held"
    with cat_db.read_copy() as con:
        assert _run(_TRY_WRITE_LOCK, str(cat_db.lock_path)).stdout.strip() == "free"
        assert con.execute("SELECT count(*), sum(value) FROM reading").fetchone() == expected
        assert con.execute("SELECT count(*) FROM target").fetchone()[0] > 0
    # Over the bound, the store is read in place, under the lock.
    monkeypatch.setattr(connection, "COPY_MAX_READINGS", 0)
    with cat_db.read_copy() as con:
        assert _run(_TRY_WRITE_LOCK, str(cat_db.lock_path)).stdout.strip() == "held"
        assert con.execute("SELECT count(*), sum(value) FROM reading").fetchone() == expected
    # Nothing is left attached: the next operations see the file as usual.
    _add(cat_db, 8.0, end=date(2024, 6, 30))
    assert _counts(cat_db)["reading"] == expected[0] + 1


def test_read_copy_inside_a_write_sees_its_uncommitted_rows(cat_db: Store) -> None:
    before = _counts(cat_db)["reading"]
    with cat_db.write():
        _add(cat_db, 9.0)
        with cat_db.read_copy() as inner:
            assert inner.execute("SELECT count(*) FROM reading").fetchone()[0] == before + 1


# ---------------------------------------------------------------- transactions


def test_failing_write_block_is_rolled_back(cat_db: Store) -> None:
    before = _counts(cat_db)
    with pytest.raises(RuntimeError, match="boom"):
        with cat_db.write() as con:
            stage = queries.stage_readings(con, [Reading("visits", date(2024, 1, 1), date(2024, 1, 31), 5.0)])
            queries.add_staged_readings(con, stage, "test", "b")
            queries.add_rejected(con, [["b", "f.csv", 2, "value", "bad", "x", "{}"]])
            with cat_db.read() as inner:  # re-entrant use sees the uncommitted rows
                assert queries.count_rows(inner)["reading"] == before["reading"] + 1
            raise RuntimeError("boom")
    assert _counts(cat_db) == before
    # The store is usable after a rollback.
    assert _add(cat_db, 3.0)["new"] == 1


def test_nested_write_joins_the_enclosing_transaction(cat_db: Store) -> None:
    before = _counts(cat_db)
    with pytest.raises(RuntimeError):
        with cat_db.write():
            _add(cat_db, 1.0)  # opens its own write() inside
            raise RuntimeError("outer fails")
    assert _counts(cat_db) == before


# ---------------------------------------------------------------- revisions


def test_same_reading_twice_is_one_reading(cat_db: Store) -> None:
    before = _counts(cat_db)["reading"]
    assert _add(cat_db, 100.0) == {"seen": 1, "new": 1, "revised": 0, "unchanged": 0}
    assert _add(cat_db, 100.0) == {"seen": 1, "new": 0, "revised": 0, "unchanged": 1}
    assert _counts(cat_db)["reading"] == before + 1


def test_changed_value_is_revision_two_latest_counts_history_keeps_both(cat_db: Store) -> None:
    _add(cat_db, 100.0)
    assert _add(cat_db, 120.0)["revised"] == 1
    with cat_db.read() as con:
        latest = [r for r in queries.list_readings(con, "visits") if r.period_end == date(2024, 5, 31)]
        history = [r for r in queries.list_readings(con, "visits", history=True) if r.period_end == date(2024, 5, 31)]
    assert [(r.revision, r.value) for r in latest] == [(2, 120.0)]
    assert [(r.revision, r.value) for r in history] == [(1, 100.0), (2, 120.0)]
    # Going back to the first value is a third revision, not "unchanged".
    assert _add(cat_db, 100.0)["revised"] == 1
    with cat_db.read() as con:
        assert [r.revision for r in queries.list_readings(con, "visits", history=True) if r.period_end == date(2024, 5, 31)] == [1, 2, 3]


def test_changed_qualifier_is_a_revision(cat_db: Store) -> None:
    _add(cat_db, 100.0)
    assert _add(cat_db, 100.0, qualifier=Qualifier.APPROX)["revised"] == 1


def test_list_readings_as_of_excludes_later_periods(cat_db: Store) -> None:
    _add(cat_db, 1.0, end=date(2024, 5, 31))
    with cat_db.read() as con:
        ids = {(r.indicator_id, r.period_end) for r in queries.list_readings(con, as_of=date(2024, 12, 31))}
    assert ids == {("visits", date(2024, 5, 31))}  # the 2025 seed readings are after the as-of date


def test_quarantine_rows_round_trip(cat_db: Store) -> None:
    with cat_db.write() as con:
        queries.add_rejected(con, [["b1", "in.csv", 3, "value", "is not a number", "abc", '{"value": "abc"}']])
    with cat_db.read() as con:
        rows = queries.list_rejected(con)
    assert [(r["file"], r["row_number"], r["column_name"], r["reason"], r["raw_value"]) for r in rows] == [
        ("in.csv", 3, "value", "is not a number", "abc")
    ]
