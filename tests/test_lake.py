"""The DuckLake backend: dispatch, concurrency across processes ("hosts"), conflicts, busy, crash, restore.

The storage, engine, CLI and refresh modules run on both backends through conftest's parametrised
database fixtures; this module holds what is specific to the lake. Every test here needs the session's
PostgreSQL cluster (conftest's ``lake`` fixture: fails on CI without PostgreSQL, skips elsewhere).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from lock_waits import lake_writers_waiting
from monitor.cli import main
from monitor.errors import ConfigError, StoreBusy, StoreError
from monitor.files.catalog import import_catalog, parse_catalog
from monitor.files.ingest import add_reading
from monitor.store import lake as lake_module
from monitor.store.connection import Store, is_lake, open_store, resolve_location
from monitor.store.lake import LakeStore
from monitor.store.maintenance import backup, check, checksums
from refresh_helpers import wait_for

REPO = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "monitor"

HOST_CATALOG = """
format: indicator-monitor/catalog v1
indicators:
{entries}
"""
ENTRY = """  - id: {id}
    name_zh: 主机指标 {id}
    name_en: Host indicator {id}
    domain: digital
    unit: 个
    measure: stock
    frequency: irregular
    bounds: [0, null]
"""

# One "host": its own process and working folder, the lake from MONITOR_DB / MONITOR_DATA_PATH. It
# says "ready" once attached and starts writing when told to (on stdin). Each write attempt's window
# is recorded on CLOCK_MONOTONIC, one clock for every process of the machine the test runs on.
HOST = textwrap.dedent("""
    import json, sys, time
    from datetime import date, timedelta
    from monitor.errors import StoreBusy
    from monitor.files.ingest import add_reading
    from monitor.store.connection import open_store

    name, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = open_store(None)
    with store.read() as con:  # attached before the start, so both hosts write at once
        con.execute("SELECT 1").fetchall()
    print("ready", flush=True)
    sys.stdin.readline()
    acked, shared, busy, windows = [], [], 0, []
    for i in range(n):
        day = (date(1990, 1, 1) + timedelta(days=i)).isoformat()
        for indicator, done in ((f"host-{name}", acked), ("shared", shared)):
            while True:
                began = time.monotonic_ns()
                try:
                    add_reading(store, indicator, i, day, recorded_by=name)
                    done.append(i)
                    break
                except StoreBusy:
                    busy += 1  # nothing was written: retry the same reading
                finally:
                    windows.append((began, time.monotonic_ns()))
    store.close()
    open(out, "w").write(json.dumps({"acked": acked, "shared": shared, "busy": busy, "windows": windows}))
""")


def _env(location: str, data_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, MONITOR_DB=location, MONITOR_DATA_PATH=str(data_path), PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def _add_indicators(store: Store, ids: list[str]) -> None:
    document = yaml.safe_load(HOST_CATALOG.format(entries="".join(ENTRY.format(id=i) for i in ids)))
    import_catalog(store, parse_catalog(document, "host-catalog"))


@pytest.fixture
def lake_location(lake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Where a migrated lake of the test's own is (conftest's LakeLocation: it can ask its PostgreSQL)."""
    location = lake.new(tmp_path, create=False)
    lake.fill(location, "empty")
    monkeypatch.setenv("MONITOR_DATA_PATH", str(location.data_path))
    return location


@pytest.fixture
def lake_db(lake_location):  # type: ignore[no-untyped-def]
    """A migrated lake of the test's own (conftest's lake fixtures, without the file variant)."""
    store = Store(lake_location)
    yield store
    store.close()


# ---------------------------------------------------------------- dispatch and configuration


def test_a_ducklake_location_opens_a_lake_store_everywhere(lake_db: LakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    location = lake_db.location
    assert isinstance(lake_db, LakeStore) and lake_db.backend == "lake"
    assert is_lake(location) and not is_lake("data/monitor.duckdb") and not is_lake(None)
    # open_store, Store(...) (what the CLI, dashboard and scheduler call) and MONITOR_DB all give the lake.
    for store in (open_store(location), Store(location)):
        assert isinstance(store, LakeStore) and store.location == location
        store.close()
    monkeypatch.setenv("MONITOR_DB", location)
    assert is_lake(None) and resolve_location(None) == location
    from_env = open_store(None)
    assert isinstance(from_env, LakeStore)
    from_env.close()
    file_store = open_store(Path("x.duckdb"))
    assert file_store.backend == "file" and file_store.location.endswith("x.duckdb")


def test_only_a_postgresql_catalogue_is_accepted_and_passwords_are_hidden() -> None:
    with pytest.raises(ConfigError, match="only a PostgreSQL catalogue"):
        LakeStore("ducklake:metadata.ducklake")
    store = LakeStore("ducklake:postgres:dbname=m host=h user=u password=s3cret")
    assert "s3cret" not in repr(store) and "s3cret" not in str(store.path)


def test_passwords_are_hidden_in_every_form_and_in_the_server_s_own_errors() -> None:
    assert lake_module.shown("password='s3 cret' host=h") == "password=*** host=h"
    assert lake_module.shown("postgresql://monitor:s3cret@db/monitor") == "postgresql://monitor:***@db/monitor"
    # Nothing listens on port 1: PostgreSQL's error repeats the connection string, password included.
    store = open_store("ducklake:postgres:dbname=x host=127.0.0.1 port=1 user=monitor password=s3cret")
    try:
        with pytest.raises(StoreError) as caught:
            with store.read():
                pass
    finally:
        store.close()
    assert "s3cret" not in str(caught.value) and "password=***" in str(caught.value)


def test_missing_extension_packages_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lake_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"duckdb-extension-postgres-scanner.*\[lake\]"):
        lake_module.extension_file(*lake_module.EXTENSIONS[0])


def test_creating_a_lake_needs_a_data_path(lake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    location = lake.new(tmp_path)
    store = Store(location)
    assert not store.exists
    with pytest.raises(StoreError, match="does not exist; run `monitor init` first"):
        with store.read():
            pass
    with pytest.raises(ConfigError, match="MONITOR_DATA_PATH"):
        store.init()
    store.close()
    assert not location.exists()  # neither the read nor the refused init created the lake


def test_extensions_are_loaded_from_the_packages_never_downloaded(lake_db: LakeStore) -> None:
    with lake_db.scratch() as con:
        rows = con.execute(
            "SELECT extension_name, install_path FROM duckdb_extensions() WHERE loaded AND extension_name IN ('ducklake', 'postgres_scanner')"
        ).fetchall()
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall())
    assert {name for name, _ in rows} == {"ducklake", "postgres_scanner"}
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


# ---------------------------------------------------------------- concurrency


def test_two_hosts_writing_at_once_lose_and_double_nothing(lake_db: LakeStore, lake_location: Any, tmp_path: Path) -> None:
    """Two processes with separate working folders write to one lake at the same time: every
    acknowledged reading is stored exactly once, also the same reading sent by both hosts."""
    _add_indicators(lake_db, ["host-a", "host-b", "shared"])
    n = 15
    hosts = {}
    for name in ("a", "b"):
        folder = tmp_path / f"host-{name}"
        folder.mkdir()
        hosts[name] = subprocess.Popen(
            [sys.executable, "-c", HOST, name, str(n), str(folder / "out.json")],
            cwd=folder, env=_env(lake_db.location, Path(os.environ["MONITOR_DATA_PATH"])),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    for proc in hosts.values():
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.stderr
    # Both start while the lake's write lock is held here: their first writes queue for it together
    # (PostgreSQL's lock table shows both waiting), and race from the moment it is let go.
    with lake_db.exclusive():
        for proc in hosts.values():
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        wait_for(lambda: lake_writers_waiting(lake_location) == 2, 60, "both hosts to queue for the lake's write lock")
    results = {}
    for name, proc in hosts.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results[name] = json.loads((tmp_path / f"host-{name}" / "out.json").read_text())
    with lake_db.read() as con:
        for name, result in results.items():
            stored = dict(con.execute(
                "SELECT CAST(value AS INTEGER), count(*) FROM reading WHERE indicator_id = ? GROUP BY ALL",
                [f"host-{name}"],
            ).fetchall())
            assert sorted(stored) == result["acked"] == list(range(n))
            assert set(stored.values()) == {1}
        shared = con.execute(
            "SELECT CAST(value AS INTEGER), count(*), max(revision) FROM reading WHERE indicator_id = 'shared' GROUP BY ALL"
        ).fetchall()
    assert results["a"]["shared"] == results["b"]["shared"] == list(range(n))
    assert sorted(shared) == [(i, 1, 1) for i in range(n)]  # sent twice, stored once, one revision
    assert all(f.ok for f in check(lake_db))
    # The hosts' write attempts really overlapped in time (one waited while the other wrote).
    overlapping = [(x, y) for x in results["a"]["windows"] for y in results["b"]["windows"] if x[0] < y[1] and y[0] < x[1]]
    assert overlapping, "the two hosts never wrote at the same time"


def test_writers_are_serialised_so_read_then_write_keeps_its_invariant(lake_db: LakeStore) -> None:
    """DuckLake alone would let two transactions that both insert commit; the store's write lock makes
    read-then-write (revision numbers, anti-joins) safe: a counter incremented by two stores from two
    threads ends with every value exactly once."""
    import threading

    other = Store(lake_db.location)
    with lake_db.write() as con:
        con.execute("INSERT INTO rejected_row VALUES ('0', 'counter', 0, NULL, 'r', NULL, NULL, now())")

    def bump(store: LakeStore) -> None:
        for _ in range(15):
            with store.write() as con:
                top = con.execute("SELECT max(row_number) FROM rejected_row WHERE file = 'counter'").fetchone()[0]
                con.execute("INSERT INTO rejected_row VALUES ('x', 'counter', ?, NULL, 'r', NULL, NULL, now())", [top + 1])

    threads = [threading.Thread(target=bump, args=(s,)) for s in (lake_db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    with lake_db.read() as con:
        values = [r[0] for r in con.execute("SELECT row_number FROM rejected_row WHERE file = 'counter' ORDER BY 1").fetchall()]
    assert values == list(range(31))


def _outside_writer(location: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the lake that does not take the store's write lock (a DuckDB shell, say)."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for extension in lake_module.EXTENSIONS:
        con.execute(f"LOAD '{lake_module.extension_file(*extension)}'")
    con.execute(f"ATTACH '{location}' AS outside")
    return con


def test_a_conflicting_commit_is_retried_or_busy_with_nothing_written(lake_db: LakeStore) -> None:
    outside = _outside_writer(lake_db.location)

    def commit_outside(sql: str) -> None:
        outside.execute("BEGIN")
        outside.execute(sql)
        outside.execute("COMMIT")

    with lake_db.write() as con:
        con.execute("INSERT INTO goal_status VALUES ('g', 'i', NULL, 'on_track', false, DATE '2025-01-01', NULL, now())")
    # Both insert into the same table: DuckLake merges the commits, both succeed.
    with lake_db.write() as con:
        con.execute("INSERT INTO rejected_row VALUES ('ours', 'f', 1, NULL, 'r', NULL, NULL, now())")
        commit_outside("INSERT INTO outside.rejected_row VALUES ('theirs', 'f', 1, NULL, 'r', NULL, NULL, now())")
    # Both delete the same rows: ours cannot be merged: StoreBusy, and nothing of it was written.
    with pytest.raises(StoreBusy, match="nothing was written, retry") as busy:
        with lake_db.write() as con:
            con.execute("INSERT INTO rejected_row VALUES ('ours-2', 'f', 1, NULL, 'r', NULL, NULL, now())")
            con.execute("UPDATE goal_status SET status = 'late' WHERE goal_key = 'g'")
            commit_outside("DELETE FROM outside.goal_status WHERE goal_key = 'g'")
    assert "conflict" in str(busy.value) and "\n" not in str(busy.value)
    outside.close()
    with lake_db.read() as con:
        assert [r[0] for r in con.execute("SELECT batch_id FROM rejected_row ORDER BY 1").fetchall()] == ["ours", "theirs"]
        assert con.execute("SELECT count(*) FROM goal_status").fetchone()[0] == 0
    # The store is usable at once afterwards.
    with lake_db.write() as con:
        con.execute("INSERT INTO rejected_row VALUES ('after', 'f', 1, NULL, 'r', NULL, NULL, now())")


HOLDER = textwrap.dedent("""
    import sys
    from monitor.store.connection import open_store
    store = open_store(sys.argv[1])
    with store.exclusive():
        print("held", flush=True)
        sys.stdin.readline()
""")


def test_cli_reports_a_busy_lake_with_exit_75(lake_db: LakeStore, tmp_path: Path) -> None:
    _add_indicators(lake_db, ["busy"])
    env = _env(lake_db.location, Path(os.environ["MONITOR_DATA_PATH"]))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, lake_db.location], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = subprocess.run(
            [str(CONSOLE_SCRIPT), "add", "busy", "1", "--period-end", "2024-12-31"],
            capture_output=True, text=True, env=dict(env, MONITOR_LOCK_TIMEOUT="0.3"), timeout=60,
        )
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert done.returncode == 75, done.stderr
    assert done.stderr.startswith("Error: database busy") and "nothing was written, retry" in done.stderr
    with lake_db.read() as con:
        assert con.execute("SELECT count(*) FROM reading WHERE indicator_id = 'busy'").fetchone()[0] == 0


KILLED = textwrap.dedent("""
    import sys
    from monitor.store.connection import open_store
    store = open_store(sys.argv[1])
    with store.write() as con:
        con.execute("INSERT INTO rejected_row VALUES ('killed', 'f', 1, NULL, 'r', NULL, NULL, now())")
        print("written", flush=True)
        sys.stdin.readline()  # holds the transaction until killed
""")


def test_a_writer_killed_mid_transaction_leaves_nothing_and_releases_the_lock(lake_db: LakeStore) -> None:
    env = _env(lake_db.location, Path(os.environ["MONITOR_DATA_PATH"]))
    victim = subprocess.Popen([sys.executable, "-c", KILLED, lake_db.location], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    assert victim.stdout is not None and victim.stdout.readline().strip() == "written"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    # PostgreSQL drops the dead session's lock: the next write gets it within its bound (else StoreBusy).
    with lake_db.write() as con:
        con.execute("INSERT INTO rejected_row VALUES ('next', 'f', 1, NULL, 'r', NULL, NULL, now())")
    with lake_db.read() as con:
        assert [r[0] for r in con.execute("SELECT batch_id FROM rejected_row").fetchall()] == ["next"]


# ---------------------------------------------------------------- maintenance


def test_restore_in_place_keeps_the_previous_snapshot(lake_db: LakeStore, tmp_path: Path) -> None:
    _add_indicators(lake_db, ["r"])
    add_reading(lake_db, "r", "1", "2024-12-31")
    before = checksums(lake_db)
    folder = backup(lake_db, tmp_path / "bk")
    add_reading(lake_db, "r", "2", "2025-06-30")
    with lake_db.read() as con:
        snapshot = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots(current_database())").fetchone()[0]
    runner = CliRunner()
    refused = runner.invoke(main, ["--db", lake_db.location, "restore", str(folder)])
    assert refused.exit_code != 0 and "--force" in refused.output
    done = runner.invoke(main, ["--db", lake_db.location, "restore", str(folder), "--force"])
    assert done.exit_code == 0, done.output
    assert checksums(lake_db) == before
    with lake_db.read() as con:
        # The state the restore replaced is still readable by time travel.
        rows = con.execute(
            f"SELECT count(*) FROM reading AT (VERSION => {int(snapshot)}) WHERE indicator_id = 'r'"
        ).fetchone()[0]
    assert rows == 2
