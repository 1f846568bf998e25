"""One active scheduler per store: the lease (monitor/leader.py) and scheduler.py processes using it.

Unit tests drive Leadership with fake clocks; process tests run two real scheduler.py processes on one
store (a file, and a DuckLake when PostgreSQL is available), kill -9 the leader and check that the
standby takes over within a bounded time and that no two refresh runs ever overlap.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.catalog import init_store
from monitor.errors import MonitorError, StoreBusy
from monitor.leader import Leadership, lease_seconds, lease_state, leader_events
from monitor.refresh import load_scheduler_module
from monitor.store import refresh_queries
from monitor.store.connection import Store, open_store
from refresh_helpers import runs, wait_for, write_sources

REPO = Path(__file__).resolve().parent.parent
SCHEDULER = REPO / "scheduler.py"


class Clocks:
    """A wall clock (naive UTC) and a monotonic clock that move together, by hand."""

    def __init__(self) -> None:
        self.wall = datetime(2026, 1, 1, 12, 0, 0)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


def leadership(store: Store, clocks: Clocks, name: str, **kwargs: Any) -> Leadership:
    return Leadership(store, lease_s=3, holder=name, clock=clocks.now, monotonic=clocks.monotonic, **kwargs)


def test_one_leader_a_standby_and_a_takeover_after_expiry(empty_db: Store) -> None:
    clocks = Clocks()
    lost: list[str] = []
    a = leadership(empty_db, clocks, "host-a:1:aa", on_lost=lost.append)
    b = leadership(empty_db, clocks, "host-b:2:bb")
    assert a.step() and a.is_leader()
    assert not b.step() and not b.is_leader()
    for _ in range(5):  # renewals keep the lease: the standby never gets it
        clocks.advance(1)
        assert a.step() and not b.step()
    state = lease_state(empty_db)
    assert state.holder == "host-a:1:aa" and state.expires_at == clocks.wall + timedelta(seconds=3)
    assert state.acquired_at == datetime(2026, 1, 1, 12, 0, 0)  # a renewal keeps the acquisition time
    # a stops renewing (it died): b takes over once the lease has expired, not before.
    clocks.advance(2.9)
    assert not b.step()
    assert not a.is_leader()  # a's own deadline (lease minus margin) has passed already
    clocks.advance(0.2)
    assert b.step() and b.is_leader()
    # a comes back: it sees b's lease, gives up, says so.
    clocks.advance(0.1)
    assert not a.step()
    assert lost == ["the lease is held by host-b:2:bb"]
    kinds = [(e["kind"], e["payload"]["holder"]) for e in reversed(leader_events(empty_db))]
    assert kinds == [("leader_elected", "host-a:1:aa"), ("leader_elected", "host-b:2:bb"), ("leader_lost", "host-a:1:aa")]
    elected_b = [e for e in leader_events(empty_db) if e["kind"] == "leader_elected"][0]["payload"]
    assert elected_b["previous_holder"] == "host-a:1:aa" and elected_b["reason"] == "expired"


def test_release_hands_over_at_the_next_poll(empty_db: Store) -> None:
    clocks = Clocks()
    a, b = leadership(empty_db, clocks, "a:1:x"), leadership(empty_db, clocks, "b:2:y")
    assert a.step() and not b.step()
    clocks.advance(0.5)
    a.release()
    assert not a.is_leader() and lease_state(empty_db).holder is None
    clocks.advance(0.5)
    assert b.step()
    assert [e["kind"] for e in leader_events(empty_db)][:2] == ["leader_elected", "leader_released"]


def test_a_leader_that_cannot_renew_steps_down_before_its_lease_ends(empty_db: Store,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    clocks = Clocks()
    lost: list[str] = []
    a = leadership(empty_db, clocks, "a:1:x", on_lost=lost.append)
    assert a.step()
    expires = lease_state(empty_db).expires_at
    assert expires is not None

    class Unwritable:
        def write(self) -> Any:
            raise StoreBusy(str(empty_db.path), 1.0)

        def read(self) -> Any:
            return empty_db.read()

    a.store = Unwritable()
    clocks.advance(1)
    assert a.step() and a.is_leader()  # one failed renewal: still within the lease
    clocks.advance(1.3)  # 2.3 s after the last renewal: past the deadline (3 s minus the 0.75 s margin)
    assert not a.step() and not a.is_leader()
    assert lost == ["the lease could not be renewed in time"]
    assert clocks.wall < expires  # stepped down before anyone else could take the lease


def test_the_loop_in_a_thread_and_is_running(empty_db: Store) -> None:
    scheduler = load_scheduler_module()
    assert not scheduler.is_running(empty_db.path)
    elected: list[bool] = []
    a = Leadership(empty_db, lease_s=1.5, on_elected=lambda: elected.append(True))
    a.start()
    try:
        deadline = time.monotonic() + 10
        while not a.is_leader() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert a.is_leader() and elected == [True]
        time.sleep(1.2)  # longer than the renewal interval: renewed, still the leader
        assert a.is_leader() and scheduler.is_running(empty_db.path)
    finally:
        a.stop()
    assert not a.is_leader() and not scheduler.is_running(empty_db.path)


def test_leadership_events_stay_out_of_the_goal_events(empty_db: Store) -> None:
    a = Leadership(empty_db, lease_s=3)
    assert a.step()
    with empty_db.read() as con:
        assert refresh_queries.list_events(con) == []
        assert len(refresh_queries.list_leader_events(con)) == 1


def test_lease_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lease_seconds(None) == 15.0
    monkeypatch.setenv("MONITOR_SCHEDULER_LEASE", "4")
    assert lease_seconds(None) == 4.0 and lease_seconds("2.5") == 2.5
    with pytest.raises(MonitorError, match="too short"):
        lease_seconds("0.1")
    with pytest.raises(MonitorError, match="not a number"):
        lease_seconds("soon")


# ---------------------------------------------------------------- two scheduler processes

EVERY_SECOND = '[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1s"\nsettle = "0.1s"\n'
LEASE_S = 3.0
# A lake write waits on PostgreSQL and DuckLake's catalogue queries (p99 1.7 s with four writers on two
# cores); a leader renews with a third of its lease to wait, so a 3 s lease flaps there under CI's load.
LAKE_LEASE_S = 9.0


def lease_for(location: str) -> float:
    return LAKE_LEASE_S if location.startswith("ducklake:") else LEASE_S


@pytest.fixture(params=["file", "lake"])
def location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An initialised store: a DuckDB file, or a DuckLake (conftest's ``lake``; skipped without PostgreSQL)."""
    if request.param == "file":
        store: Any = Store(tmp_path / "monitor.duckdb")
    else:
        lake = request.getfixturevalue("lake").new(tmp_path)
        monkeypatch.setenv("MONITOR_DATA_PATH", str(lake.data_path))
        store = open_store(str(lake))
    init_store(store, seed=REPO / "tests" / "fixtures" / "catalog.yaml")
    store.close()
    return str(store.location)


def start(location: str, sources: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONITOR_DB", "MONITOR_SOURCES")}
    command = [sys.executable, str(SCHEDULER), "--db", location, "--sources", str(sources), "--lease", str(lease_for(location))]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=sources.parent, env=env, stdout=out, stderr=subprocess.STDOUT)


def run_ids(log: Path) -> set[str]:
    return set(re.findall(r"run ([0-9a-f]{12}) drop:", log.read_text(encoding="utf-8", errors="replace")))


def assert_no_overlap(history: list[dict[str, Any]]) -> None:
    spans = sorted((r["started_at"], r["finished_at"]) for r in history)
    for (_, end), (start_next, _) in zip(spans, spans[1:]):
        assert start_next >= end, f"refresh runs overlap: one ended at {end}, the next started at {start_next}"


def test_two_schedulers_one_leader_and_a_bounded_takeover_after_kill_9(location: str, tmp_path: Path) -> None:
    sources = write_sources(tmp_path, EVERY_SECOND)
    (tmp_path / "inbox").mkdir()
    logs = (tmp_path / "first.log", tmp_path / "second.log")
    first = start(location, sources, logs[0])
    wait_for(lambda: "holds the scheduler lease" in logs[0].read_text(), 30, "the first scheduler to lead")
    second = start(location, sources, logs[1])
    processes = [first, second]
    try:
        wait_for(lambda: "standby:" in logs[1].read_text(), 30, "the second scheduler to wait as a standby")
        wait_for(lambda: len(runs(location)) >= 4, 30, "four scheduled runs")
        # Exactly one runs jobs: every recorded run is the leader's (logged just after it is recorded).
        recorded = {r["id"] for r in runs(location)}
        wait_for(lambda: recorded <= run_ids(logs[0]), 10, "the leader's log of its runs")
        assert run_ids(logs[1]) == set()
        time.sleep(2 * lease_for(location))  # the standby stays a standby while the leader renews
        assert run_ids(logs[1]) == set() and "holds the scheduler lease" not in logs[1].read_text()

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = datetime.utcnow()
        wait_for(lambda: run_ids(logs[1]), 30, "a run of the standby after the leader's death")
        taken_over = [r for r in runs(location) if r["id"] in run_ids(logs[1])]
        first_run = min(r["started_at"] for r in taken_over)
        # Lease (3 s) + one poll (1 s) + the job's interval (1 s) + slack for a loaded machine.
        lease = lease_for(location)
        assert first_run - killed < timedelta(seconds=lease + lease / 3 + 1 + 3), (killed, first_run)
        assert first_run - killed > timedelta(seconds=lease * 0.25)  # it did wait for the lease to expire
        text = logs[1].read_text()
        assert "holds the scheduler lease" in text and f":{first.pid}:" in text  # names whom it took over from
        wait_for(lambda: len(run_ids(logs[1])) >= 2, 30, "more runs of the new leader")
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in processes]
    assert codes[1] == 0, logs[1].read_text()
    history = runs(location)
    assert_no_overlap(history)
    # Every run is one of theirs; at most one is in no log: recorded by the leader just before the kill.
    unlogged = [r for r in history if r["id"] not in run_ids(logs[0]) | run_ids(logs[1])]
    assert len(unlogged) <= 1 and all(r["finished_at"] <= killed for r in unlogged)
    store = open_store(location)
    try:
        elected = [e for e in leader_events(store) if e["kind"] == "leader_elected"]
        assert len(elected) == 2 and elected[0]["payload"]["reason"] == "expired"
        assert f":{first.pid}:" in elected[0]["payload"]["previous_holder"]
        assert lease_state(store).holder is None  # the new leader released it on SIGTERM
    finally:
        store.close()


def test_a_clean_stop_hands_over_without_waiting_for_expiry(location: str, tmp_path: Path) -> None:
    sources = write_sources(tmp_path, EVERY_SECOND.replace('every = "1s"', 'every = "1h"\nrun_on_start = true'))
    (tmp_path / "inbox").mkdir()
    logs = (tmp_path / "first.log", tmp_path / "second.log")
    first = start(location, sources, logs[0])
    wait_for(lambda: "holds the scheduler lease" in logs[0].read_text(), 30, "the first scheduler to lead")
    second = start(location, sources, logs[1])
    try:
        wait_for(lambda: "standby:" in logs[1].read_text(), 30, "the standby")
        wait_for(lambda: len(runs(location)) == 1, 30, "the run on start of the leader")
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
        stopped = time.monotonic()
        wait_for(lambda: "holds the scheduler lease" in logs[1].read_text(), 30, "the standby to take over")
        assert time.monotonic() - stopped < lease_for(location)  # released: no need to wait for the expiry
        wait_for(lambda: len(runs(location)) == 2, 30, "the new leader's run on start")
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert_no_overlap(runs(location))


def test_monitor_leader_shows_the_holder_and_the_changes(empty_db: Store, db_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db_path), "leader"]).output == "No scheduler holds the lease.\n"
    a = Leadership(empty_db, lease_s=30, holder="host-a:1:aa")
    assert a.step()
    shown = runner.invoke(main, ["--db", str(db_path), "leader"])
    assert shown.exit_code == 0 and shown.output.startswith("Leader: host-a:1:aa (since ")
    assert "leader_elected  host-a:1:aa" in shown.output
    a.release()
    import json

    data = json.loads(runner.invoke(main, ["--db", str(db_path), "leader", "--json"]).output)
    assert data["holder"] is None and [e["kind"] for e in data["events"]] == ["leader_released", "leader_elected"]
    missing = runner.invoke(main, ["--db", str(db_path.with_name("none.duckdb")), "leader"])
    assert missing.exit_code != 0 and "does not exist" in missing.output
