"""File imports stream through a bounded amount of memory, and the write lock re-checks concurrent writes.

- A file several times larger than DuckDB's working set never sits whole in the scratch connection:
  its memory (duckdb_memory()) plus what it spilled to disk (duckdb_temporary_files()) is sampled while
  the import reads, validates and classifies, and must stay well below the file's size. (The insert
  itself appends every row to the table inside one transaction, which DuckDB keeps until COMMIT: that
  part is bounded by the import's memory limit, spilling beyond it.) Under a memory limit far below
  the file's size the whole import still succeeds. A temporary table of the file's text (what every
  stage of the pipeline this replaced was) fails both checks.
- Between the classification (shared lock) and the insert (exclusive lock) another writer can add a
  reading for a period the file has: it is neither lost nor duplicated, and the revision numbers stay
  consecutive, whether the import re-checks only the appended rows (file store) or everything.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import monitor.files.ingest as ingest
from monitor.files.ingest import add_reading, import_file
from monitor.store import queries
from monitor.store.connection import Store
from refresh_helpers import wait_for

TODAY = date(2025, 7, 11)
NOTE = "n" * 180  # a long cell, so the file's text dwarfs DuckDB's per-batch buffers


@pytest.fixture
def db(catalog_template: Path, db_path: Path) -> Iterator[Store]:
    shutil.copyfile(catalog_template, db_path)
    store = Store(db_path)
    yield store
    store.close()


def _big_csv(path: Path, rows: int) -> Path:
    """A valid CSV of `rows` stock readings for racks, one per day, each with a long note."""
    with path.open("w", encoding="utf-8") as f:
        f.write("indicator_id,period_end,value,note\n")
        start = date(900, 1, 1)
        for k in range(rows):
            f.write(f"racks,{(start + timedelta(days=k)).isoformat()},{k},{NOTE}{k}\n")
    return path


class _Sampler:
    """Samples the scratch connection's memory and temporary files from another cursor, every few ms."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._cursor = con.cursor()
        self._stop = threading.Event()
        self.peak = 0
        self.samples = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            used = self._cursor.execute(
                "SELECT (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory())"
                " + (SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files())"
            ).fetchone()[0]
            self.peak = max(self.peak, int(used))
            self.samples += 1
            time.sleep(0.002)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self._cursor.close()


def _scratch_connection(store: Store) -> duckdb.DuckDBPyConnection:
    with store.scratch() as con:
        return con


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("big")
    return {"small": _big_csv(folder / "small.csv", 100_000), "big": _big_csv(folder / "big.csv", 400_000)}


@pytest.fixture
def big_file(files: dict[str, Path]) -> Path:
    return files["big"]


def _peak_before_the_write(store: Store, path: Path) -> int:
    """Peak memory + spill of the scratch connection while the import reads, validates and classifies."""
    original_write = store.write
    sampler = _Sampler(_scratch_connection(store))

    @contextmanager
    def write(**options: Any) -> Iterator[duckdb.DuckDBPyConnection]:
        sampler.__exit__()  # everything before the write session was sampled
        with original_write(**options) as con:
            yield con

    store.write = write  # type: ignore[method-assign]
    try:
        with sampler:
            report = import_file(store, path, today=TODAY)
    finally:
        del store.write
    assert report.written and report.new == report.rows
    assert sampler.samples > 20
    return sampler.peak


def test_a_file_larger_than_the_working_set_streams_through(
    db: Store, files: dict[str, Path], catalog_template: Path, tmp_path: Path,
) -> None:
    size = files["big"].stat().st_size
    assert size > 80_000_000
    small = _peak_before_the_write(db, files["small"])
    other = tmp_path / "other.duckdb"
    shutil.copyfile(catalog_template, other)
    store = Store(other)
    big = _peak_before_the_write(store, files["big"])
    store.close()
    # Four times the rows, about the same memory: batches of the file, never all of it. (Holding the
    # file's text would take more than the file's size; see the next test.)
    assert big < 1.5 * small + 8e6, f"{small / 1e6:.0f} MB for 100k rows, {big / 1e6:.0f} MB for 400k"
    assert big < size * 0.7, f"scratch connection held {big / 1e6:.0f} MB of a {size / 1e6:.0f} MB file"


def test_the_sampler_sees_a_file_held_whole(db: Store, big_file: Path) -> None:
    # The check above can fail: staging the file as one temporary table (what every stage of the old
    # pipeline did) shows up in the same measurement.
    con = _scratch_connection(db)
    with _Sampler(con) as sampler:
        con.execute("CREATE TEMP TABLE whole AS SELECT * FROM read_csv(?, all_varchar = true)", [str(big_file)])
        taken = sampler.samples
        # Two more samples: at least one of them began after the table was there.
        wait_for(lambda: sampler.samples >= taken + 2, 60, "the sampler to sample the held table")
        con.execute("DROP TABLE whole")
    assert sampler.peak > big_file.stat().st_size * 0.7


def test_import_succeeds_under_a_memory_limit_far_below_the_file(
    db: Store, big_file: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest, "IMPORT_MEMORY_LIMIT", "64MB")
    report = import_file(db, big_file, today=TODAY)
    assert report.new == 400_000
    with db.read() as con:
        assert con.execute("SELECT count(*) FROM reading WHERE indicator_id = 'racks'").fetchone()[0] >= 400_000
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert "64" not in limit  # the store's own limit is restored after the import


def test_the_memory_limit_fails_a_pipeline_that_holds_the_file(db: Store, big_file: Path) -> None:
    con = _scratch_connection(db)
    old = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    con.execute("SET memory_limit = '64MB'")
    try:
        with pytest.raises(duckdb.OutOfMemoryException):
            # Sorting the whole file's rows in memory, as a window over all of them does.
            con.execute("SELECT list(note ORDER BY note) FROM read_csv(?, all_varchar = true)", [str(big_file)]).fetchall()
    finally:
        con.execute("SET memory_limit = ?", [old])


def test_many_invalid_rows_are_counted_and_a_bounded_number_listed(
    db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest, "PROBLEMS_KEPT", 50)
    path = tmp_path / "bad.csv"
    path.write_text("indicator_id,period_end,value\n" + "".join(f"racks,2020-01-{1 + k % 28:02d},x{k}\n" for k in range(3000)))
    report = import_file(db, path, today=TODAY, skip_invalid=True)
    assert report.rejected == 3000 and report.problem_count >= 3000
    assert len(report.problems) == 50
    assert [p.row for p in report.problems[:3]] == [2, 3, 4]
    with db.read() as con:
        quarantined = con.execute("SELECT count(DISTINCT row_number) FROM rejected_row").fetchone()[0]
    assert quarantined == 3000  # every rejected row is quarantined, not only the listed ones


# ---------------------------------------------------------------- row numbers in files DuckDB reads in parts


def test_rows_are_named_as_the_user_sees_them_across_read_buffers_and_a_quoted_line_break(
    db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CSV larger than DuckDB's read buffer (8 MB: several parts, read in parallel until a quoted line
    break makes the pass read it again on one thread), whose second row's note spans two lines: an invalid
    value and a jump on its last rows are named by their rows as a spreadsheet numbers them (the quoted
    line break does not count), not by their lines."""
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)  # the jump check on, with its defaults
    rows = 60_000
    path = tmp_path / "long.csv"
    start = date(900, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("indicator_id,period_end,value,note\n")
        f.write(f'racks,{start.isoformat()},1000,"two\nlines"\n')
        for k in range(1, rows - 2):
            f.write(f"racks,{(start + timedelta(days=k)).isoformat()},{1000 + k % 7},{NOTE}\n")
        f.write(f"racks,{(start + timedelta(days=rows - 2)).isoformat()},x12,{NOTE}\n")
        f.write(f"racks,{(start + timedelta(days=rows - 1)).isoformat()},900000,{NOTE}\n")
    assert path.stat().st_size > 8 << 20
    report = import_file(db, path, today=TODAY, skip_invalid=True)
    assert report.rows == rows and report.new == rows - 2
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (rows, "value", "problem.no_number"), (rows + 1, "value", "problem.jump_up")]


def test_parquet_rows_are_named_across_row_groups(db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Parquet file of several row groups (typed DATE and DOUBLE columns): a value out of range in the last
    group and a jump in the first are named by their rows (header = row 1, as the CSV export would number them)."""
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)
    path = tmp_path / "groups.parquet"
    rows = 50_000
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'racks' AS indicator_id, DATE '0900-01-01' + CAST(k AS INTEGER) AS period_end,
                         CASE WHEN k = {rows - 1} THEN -5.0 WHEN k = 1 THEN 900000.0 ELSE 1000.0 + k % 7 END AS value
                  FROM range({rows}) AS r(k) ORDER BY k) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 10000)"""
    )
    assert con.execute(f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{path}')").fetchone()[0] == 5
    report = import_file(db, path, today=TODAY, skip_invalid=True)
    assert report.rows == rows and report.new == rows - 2
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (3, "value", "problem.jump_up"), (rows + 1, "value", "problem.below_min")]


# ---------------------------------------------------------------- writes between snapshot and insert


def _csv(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text("indicator_id,period_end,value\n" + "".join(f"racks,{d},{v}\n" for d, v in rows), encoding="utf-8")
    return path


def _history(store: Store, day: str) -> list[tuple[int, float]]:
    with store.read() as con:
        return [(r.revision, r.value) for r in queries.list_readings(con, "racks", history=True)
                if r.period_end.isoformat() == day]


@contextmanager
def _writer_before_the_insert(store: Store, other: Store, writes: list[tuple[str, str]]) -> Iterator[list[int]]:
    """Let another store object (another writer) add readings after the import's classification and
    before its write session: the import's store.write() runs them first."""
    original = store.write
    calls: list[int] = []

    @contextmanager
    def write(**options: Any) -> Iterator[duckdb.DuckDBPyConnection]:
        if not calls:
            for day, value in writes:
                add_reading(other, "racks", value, day, today=TODAY, recorded_by="other")
        calls.append(1)
        with original(**options) as con:
            yield con

    store.write = write  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        del store.write


@pytest.fixture(params=["appended-rows", "everything", "one-session"])
def recheck(request: pytest.FixtureRequest, db: Store, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the write session learns of the other writer: re-checking the rows appended since the
    classification (a DuckDB file), classifying everything again (no row-id guarantee), or classifying
    in the write session itself (small batches)."""
    if request.param != "one-session":
        monkeypatch.setattr(ingest, "CLASSIFY_WHILE_WRITING", 0)  # classify under the shared lock first
    if request.param == "everything":
        db.backend = "lake-like"  # type: ignore[misc]
    return str(request.param)


def test_a_new_value_written_in_between_is_revised_not_lost(db: Store, tmp_path: Path, recheck: str) -> None:
    other = Store(db.path)
    path = _csv(tmp_path, [("2001-12-31", "100"), ("2002-12-31", "200")])
    with _writer_before_the_insert(db, other, [("2001-12-31", "150")]) as calls:
        report = import_file(db, path, today=TODAY)
    assert calls == [1]
    # Classified as two new rows before; the other writer's reading made one of them a revision.
    assert (report.new, report.revised, report.unchanged) == (1, 1, 0)
    assert _history(db, "2001-12-31") == [(1, 150.0), (2, 100.0)]
    assert _history(db, "2002-12-31") == [(1, 200.0)]
    other.close()


def test_the_same_value_written_in_between_is_not_duplicated(db: Store, tmp_path: Path, recheck: str) -> None:
    other = Store(db.path)
    path = _csv(tmp_path, [("2001-12-31", "100"), ("2002-12-31", "200")])
    with _writer_before_the_insert(db, other, [("2002-12-31", "200")]):
        report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised, report.unchanged) == (1, 0, 1)
    assert _history(db, "2002-12-31") == [(1, 200.0)]
    other.close()


def test_a_revision_written_in_between_is_built_on(db: Store, tmp_path: Path, recheck: str) -> None:
    other = Store(db.path)
    add_reading(db, "racks", "10", "2003-12-31", today=TODAY)
    path = _csv(tmp_path, [("2003-12-31", "30"), ("2004-12-31", "40")])
    # Classified as a revision of 10 (revision 2); meanwhile revision 2 (20) was written: this is 3.
    with _writer_before_the_insert(db, other, [("2003-12-31", "20")]):
        report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised) == (1, 1)
    assert _history(db, "2003-12-31") == [(1, 10.0), (2, 20.0), (3, 30.0)]
    # And when the other writer wrote the file's own value, the import adds nothing for that period.
    path = _csv(tmp_path, [("2003-12-31", "50")])
    with _writer_before_the_insert(db, other, [("2003-12-31", "50")]):
        report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised, report.unchanged) == (0, 0, 1)
    assert _history(db, "2003-12-31")[-1] == (4, 50.0) and len(_history(db, "2003-12-31")) == 4
    other.close()


def test_writes_for_other_periods_in_between_change_nothing(db: Store, tmp_path: Path, recheck: str) -> None:
    other = Store(db.path)
    path = _csv(tmp_path, [(f"19{k:02d}-12-31", str(k)) for k in range(50)])
    with _writer_before_the_insert(db, other, [("2010-12-31", "1"), ("2011-12-31", "2")]):
        report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised, report.unchanged) == (50, 0, 0)
    again = import_file(db, path, today=TODAY)
    assert (again.new, again.revised, again.unchanged) == (0, 0, 50)
    other.close()


def test_a_store_replaced_in_between_with_as_many_readings_is_classified_again(
    db: Store, catalog_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A restore (or `migrate --force`) between classification and write that leaves the same number of
    # readings: the count alone would say nothing changed, and 2001 would be stored a second time.
    monkeypatch.setattr(ingest, "CLASSIFY_WHILE_WRITING", 0)
    add_reading(db, "racks", "5", "2003-12-31", today=TODAY)
    replacement = tmp_path / "replacement.duckdb"
    shutil.copyfile(catalog_template, replacement)
    other = Store(replacement)
    add_reading(other, "racks", "100", "2001-12-31", today=TODAY)
    other.close()
    path = _csv(tmp_path, [("2001-12-31", "100"), ("2002-12-31", "200")])
    original = db.write

    @contextmanager
    def write(**options: Any) -> Iterator[duckdb.DuckDBPyConnection]:
        with db.exclusive():
            shutil.copyfile(replacement, db.path)  # what a restore does to the file
        with original(**options) as con:
            yield con

    db.write = write  # type: ignore[method-assign]
    try:
        report = import_file(db, path, today=TODAY)
    finally:
        del db.write
    assert (report.new, report.revised, report.unchanged) == (1, 0, 1)
    assert _history(db, "2001-12-31") == [(1, 100.0)]
    assert _history(db, "2003-12-31") == []


def test_the_write_lock_is_not_held_for_the_classification(
    db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above CLASSIFY_WHILE_WRITING rows, with nothing written in between, the write session runs no
    join against the readings (the classification ran under the shared lock)."""
    monkeypatch.setattr(ingest, "CLASSIFY_WHILE_WRITING", 10)
    path = _csv(tmp_path, [(f"18{k:02d}-12-31", str(k)) for k in range(60)])
    statements: list[str] = []
    original_write = db.write

    @contextmanager
    def write(**options: Any) -> Iterator[duckdb.DuckDBPyConnection]:
        with original_write(**options) as con:
            yield _Recorder(con, statements)  # type: ignore[misc]

    db.write = write  # type: ignore[method-assign]
    try:
        import_file(db, path, today=TODAY)
    finally:
        del db.write
    joined = [s for s in statements if "JOIN reading" in s]
    assert statements and not joined, statements


class _Recorder:
    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[str]) -> None:
        self._con, self._log = con, log

    def execute(self, sql: str, *args: Any) -> Any:
        self._log.append(" ".join(sql.split()))
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_indicators_changed_between_imports_are_seen(db: Store, tmp_path: Path) -> None:
    """The scratch connection keeps its snapshot of the indicators between imports; a change made by
    another process in between (a new indicator, new bounds) is noticed and the rows checked again."""
    import dataclasses

    path = _csv(tmp_path, [("2001-12-31", "100")])
    assert import_file(db, path, today=TODAY).new == 1  # the snapshot is now cached
    other = Store(db.path)
    with other.write() as con:
        racks = queries.get_indicator(con, "racks")
        assert racks is not None
        queries.upsert_indicators(con, [
            dataclasses.replace(racks, upper_bound=500.0),
            dataclasses.replace(racks, id="racks-2"),
        ])
    other.close()
    too_big = _csv(tmp_path, [("2002-12-31", "900")])
    with pytest.raises(Exception) as caught:
        import_file(db, too_big, today=TODAY)
    assert "above the plausible maximum 500.0" in str(caught.value)
    path = tmp_path / "new.csv"
    path.write_text("indicator_id,period_end,value\nracks-2,2002-12-31,5\n", encoding="utf-8")
    assert import_file(db, path, today=TODAY).new == 1


def test_spill_folders_of_killed_imports_are_removed(db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys
    import tempfile

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = Path(tempfile.gettempdir()) / f"monitor-import-{int(dead.stdout)}-test"
    orphan.mkdir()
    (orphan / "rows.parquet").write_bytes(b"left by a SIGKILL")
    monkeypatch.setattr(ingest.housekeeping, "_ORPHANS_CHECKED", False)
    import_file(db, _csv(tmp_path, [("2001-12-31", "1")]), today=TODAY)
    assert not orphan.exists()
    assert not list(Path(tempfile.gettempdir()).glob(f"monitor-import-{__import__('os').getpid()}-*"))
