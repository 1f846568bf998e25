"""One active scheduler per store: the lease (monitor/services/leader.py) and scheduler.py processes using it.

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
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lock_waits import wait_for_waiters
from monitor.errors import MonitorError, StoreBusy
from monitor.files.catalog import init_store
from monitor.services.leader import Leadership, LeaseLost, leader_events, lease_seconds, lease_state, open_leadership
from monitor.services.refresh import load_scheduler_module
from monitor.services.refresh import run as refresh_run
from monitor.services.refresh.sources import load_config
from monitor.store import queries, refresh_queries
from monitor.store.connection import Store, open_store
from refresh_helpers import csv_bytes, make_old, runs, wait_for, write_sources

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
        def write(self, **options: Any) -> Any:
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
    elected = threading.Event()
    a = Leadership(empty_db, lease_s=30, renew_s=0.2, on_elected=elected.set)
    a.start()
    try:
        assert elected.wait(60), "the loop never took the lease"
        first = lease_state(empty_db)
        assert first.renewed_at is not None
        # The loop renews on its own: the lease row's renewal moves on, its acquisition stays.
        wait_for(lambda: (lease_state(empty_db).renewed_at or first.renewed_at) > first.renewed_at, 60,
                 "a renewal by the loop")
        assert a.is_leader() and scheduler.is_running(empty_db.path)
        assert lease_state(empty_db).acquired_at == first.acquired_at
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


# ---------------------------------------------------------------- a leader's job writes only while it leads

INBOX_SOURCE = '[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1h"\nsettle = "0.1s"\n'
DROPPED = ("compute-racks,,2025-12-31,24000,,", "good-air-days-ratio,,2025-07-31,95.2,,")


def drop_file(tmp_path: Path, name: str = "july.csv") -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    path = inbox / name
    path.write_bytes(csv_bytes(*DROPPED))
    make_old(path)
    return path


def reading_count(store: Any) -> int:
    with store.read() as con:
        return len(queries.list_readings(con, history=True))


def _leading_with_a_dropped_file(store: Store, tmp_path: Path) -> tuple[Any, Path, Clocks, Leadership]:
    """An inbox source with a file dropped in it, and host-a leading (fake clocks, 3 s lease)."""
    config = load_config(write_sources(tmp_path, INBOX_SOURCE))
    dropped = drop_file(tmp_path)
    clocks = Clocks()
    a = leadership(store, clocks, "host-a:1:aa")
    assert a.step()
    return config, dropped, clocks, a


def take_over(store: Any, clocks: Clocks, a: Leadership) -> Leadership:
    """b, on a store object of its own (another process would have its own), takes the lease once a's
    has expired, as a standby does after a's renewals stopped (a stalled, say)."""
    b = leadership(open_store(store.location), clocks, "host-b:2:bb")
    clocks.advance(3.5)
    assert b.step() and lease_state(store).holder == "host-b:2:bb"
    return b


def test_a_run_whose_lease_was_taken_over_writes_nothing_and_says_why(fresh_db: Store, tmp_path: Path) -> None:
    config, dropped, clocks, a = _leading_with_a_dropped_file(fresh_db, tmp_path)
    before = reading_count(fresh_db)
    # The job checked is_leader() when it started; then its scheduler stalled past the lease and a
    # standby took over before the job's first write.
    b = take_over(fresh_db, clocks, a)
    try:
        result = refresh_run.run_source(fresh_db, config, config.source("drop"), trigger="scheduler", lease=a.guard())
    finally:
        b.store.close()
    assert result.abandoned and not result.failed
    assert result.error == "lost the scheduler lease to host-b:2:bb; nothing was written"
    assert reading_count(fresh_db) == before and runs(fresh_db.location) == []
    assert dropped.exists()  # left in the inbox for the new leader
    with fresh_db.read() as con:
        assert refresh_queries.list_events(con) == []  # no goal event, hence no alert
    [abandoned] = [e for e in leader_events(fresh_db) if e["kind"] == "run_abandoned"]
    assert abandoned["payload"]["holder"] == "host-a:1:aa" and abandoned["payload"]["lease_holder"] == "host-b:2:bb"
    assert abandoned["payload"]["run_id"] == result.id and abandoned["payload"]["reason"] == result.error
    from click.testing import CliRunner

    from monitor.cli import main

    shown = CliRunner().invoke(main, ["--db", str(fresh_db.location), "leader"]).output
    assert "run_abandoned   host-a:1:aa: lost the scheduler lease to host-b:2:bb; nothing was written" in shown


def test_the_scheduler_passes_its_lease_to_the_jobs(fresh_db: Store, tmp_path: Path) -> None:
    config, _, clocks, a = _leading_with_a_dropped_file(fresh_db, tmp_path)
    # The job's own check (is_leader) says yes; the lease in the store says otherwise.
    scheduler = load_scheduler_module().build_scheduler(config, fresh_db.location, is_leader=lambda: True,
                                                        lease=a.guard())
    b = take_over(fresh_db, clocks, a)
    try:
        job = scheduler.get_job("refresh:drop")
        job.func(*job.args)
    finally:
        b.store.close()
    assert runs(fresh_db.location) == []
    assert "run_abandoned" in [e["kind"] for e in leader_events(fresh_db)]  # (same fake time as b's election)


def test_the_final_write_of_a_run_is_refused_after_a_takeover(fresh_db: Store, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config, _, clocks, a = _leading_with_a_dropped_file(fresh_db, tmp_path)
    before = reading_count(fresh_db)
    import_all = refresh_run._import_all
    taken: list[Leadership] = []

    def import_then_lose_the_lease(*args: Any) -> None:
        import_all(*args)  # committed while a still held the lease
        taken.append(take_over(fresh_db, clocks, a))  # ... and then a long run outlived it

    monkeypatch.setattr(refresh_run, "_import_all", import_then_lose_the_lease)
    try:
        result = refresh_run.run_source(fresh_db, config, config.source("drop"), trigger="scheduler", lease=a.guard())
    finally:
        for b in taken:
            b.store.close()
    assert result.abandoned and result.rows_new == 2
    assert result.error == ("lost the scheduler lease to host-b:2:bb; nothing more was written "
                            "(imported before: july.csv)")
    assert reading_count(fresh_db) == before + 2  # the import, done while leading, stays
    assert runs(fresh_db.location) == []  # the run row, its events and statuses were rolled back
    with fresh_db.read() as con:
        assert refresh_queries.list_events(con) == [] and refresh_queries.goal_statuses(con) == {}
    assert "run_abandoned" in [e["kind"] for e in leader_events(fresh_db)]  # (same fake time as b's election)


def test_a_run_that_keeps_its_lease_is_recorded_as_usual(fresh_db: Store, tmp_path: Path) -> None:
    config, _, clocks, a = _leading_with_a_dropped_file(fresh_db, tmp_path)
    clocks.advance(1)  # within the lease (3 s) and before the local deadline (2.25 s)
    result = refresh_run.run_source(fresh_db, config, config.source("drop"), trigger="scheduler", lease=a.guard())
    assert result.outcome == "ok" and result.rows_new == 2
    assert [r["id"] for r in runs(fresh_db.location)] == [result.id]
    assert "run_abandoned" not in [e["kind"] for e in leader_events(fresh_db)]


def test_the_lease_check_refuses_an_expired_or_locally_lapsed_lease(empty_db: Store) -> None:
    clocks = Clocks()
    a = leadership(empty_db, clocks, "host-a:1:aa")
    assert a.step()
    guard = a.guard()

    def check() -> str:
        try:
            with empty_db.read() as con:
                guard.check(con)
        except LeaseLost as e:
            return e.reason
        return "held"

    assert check() == "held"
    clocks.advance(2.5)  # past a's local deadline (lease minus margin), the lease not yet expired
    assert check() == "the scheduler lease could not be renewed in time"
    clocks.advance(1)  # expired, nobody took it
    assert check() == "the scheduler lease expired at 12:00:03 UTC without being renewed"
    a.release()
    assert check() == "lost the scheduler lease (nobody holds it now)"


# ---------------------------------------------------------------- renewing while the store is busy


@contextmanager
def store_held(location: str, release: threading.Event) -> Iterator[None]:
    """Another writer (its own store object, as a job of this process has) holding the store's write
    lock until ``release`` is set; the block starts once it holds it."""
    holding = threading.Event()

    def hold() -> None:
        other = open_store(location)
        try:
            with other.write():
                holding.set()
                release.wait(120)
        finally:
            other.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(30), "the other writer never got the lock"
    try:
        yield
    finally:
        release.set()
        thread.join(60)


class Background:
    """A call in a thread of its own; ``result()`` waits for it (a hang guard bounds the wait)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.outcome: list[Any] = []

        def run() -> None:
            try:
                self.outcome.append(call())
            except BaseException as e:  # noqa: BLE001 - handed to the test's thread
                self.outcome.append(e)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self, timeout: float = 60) -> Any:
        self.thread.join(timeout)
        assert len(self.outcome) == 1, "the call did not end"
        if isinstance(self.outcome[0], BaseException):
            raise self.outcome[0]
        return self.outcome[0]


def test_a_renewal_waits_for_a_long_write_of_its_own_process_and_keeps_the_lease(empty_db: Store, db_path: Path) -> None:
    # A 9 s lease: renewed every 3 s, local deadline 6.75 s after a renewal. Another writer holds the
    # store while the (fake) clocks move on 4.5 s: longer than a third of the lease (what a renewal
    # used to wait), well within the deadline.
    clocks = Clocks()
    a = open_leadership(empty_db.location, 9.0, holder="host-a:1:aa", clock=clocks.now, monotonic=clocks.monotonic)
    release = threading.Event()
    try:
        assert a.step()
        first = lease_state(empty_db)
        assert first.renewed_at is not None
        with store_held(empty_db.location, release):
            renewal = Background(a.step)
            wait_for_waiters(db_path, what="the renewal to queue for the store's lock")
            # It waits for the lock up to its local deadline, not a third of the lease (3 s).
            assert a.store.timeout_s == pytest.approx(6.75)
            clocks.advance(4.5)  # the other writer's long write goes on ...
            release.set()  # ... and ends before the deadline
            assert renewal.result() is True and a.is_leader()
        renewed = lease_state(empty_db)
        assert renewed.holder == "host-a:1:aa" and renewed.acquired_at == first.acquired_at
        # Counted from when it got the lock, not from when it asked for it.
        assert renewed.renewed_at == first.renewed_at + timedelta(seconds=4.5)
        assert renewed.expires_at == renewed.renewed_at + timedelta(seconds=9)
        assert [e["kind"] for e in leader_events(empty_db)] == ["leader_elected"]  # never lost
        assert a.store.timeout_s == pytest.approx(3.0)  # its own store's bound, restored for other operations
    finally:
        a.stop()
        a.store.close()


def test_a_renewal_that_cannot_get_the_store_by_the_deadline_steps_down_before_the_lease_ends(
    empty_db: Store, db_path: Path,
) -> None:
    # A 6 s lease: local deadline 4.5 s after a renewal, expiry 6 s after. Another writer holds the
    # store while the (fake) clocks move past the deadline; it lets go once the leader has stepped down.
    clocks = Clocks()
    release = threading.Event()
    lost: list[tuple[datetime, str]] = []

    def on_lost(reason: str) -> None:
        lost.append((clocks.now(), reason))
        release.set()

    a = open_leadership(empty_db.location, 6.0, holder="host-a:1:aa", clock=clocks.now, monotonic=clocks.monotonic,
                        on_lost=on_lost)
    try:
        assert a.step()
        expires = lease_state(empty_db).expires_at
        assert expires == clocks.now() + timedelta(seconds=6)
        with store_held(empty_db.location, release):
            renewal = Background(a.step)
            wait_for_waiters(db_path, what="the renewal to queue for the store's lock")
            # It waits until its local deadline (in the store's real seconds), and leads meanwhile.
            assert a.store.timeout_s == pytest.approx(4.5)
            assert a.is_leader() and lost == []
            clocks.advance(4.6)  # past the deadline, before the expiry
            assert renewal.result() is False and not a.is_leader()
        # It stepped down after waiting for the store, and before any standby could take the lease.
        assert lost == [(datetime(2026, 1, 1, 12, 0, 4, 600000), "the lease could not be renewed in time")]
        assert lost[0][0] < expires
        assert [e["kind"] for e in leader_events(empty_db)] == ["leader_lost", "leader_elected"]
        assert lease_state(empty_db).holder == "host-a:1:aa"  # left to expire: no standby takes it before
    finally:
        a.stop()
        a.store.close()


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


def current_lease(location: str) -> Any:
    store = open_store(location)
    try:
        return lease_state(store)
    finally:
        store.close()


def run_ids(log: Path) -> set[str]:
    return set(re.findall(r"run ([0-9a-f]{12}) drop:", log.read_text(encoding="utf-8", errors="replace")))


def assert_no_overlap(history: list[dict[str, Any]]) -> None:
    spans = sorted((r["started_at"], r["finished_at"]) for r in history)
    for (_, end), (start_next, _) in zip(spans, spans[1:], strict=False):
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
        # The standby stays a standby while the leader renews: wait (in the store) until the leader has
        # renewed a full lease past the expiry the lease had when the standby came up. Without the
        # renewals the lease would have lapsed then, and the standby, polling every third of a lease,
        # would have taken it.
        expiry_seen = current_lease(location).expires_at
        assert expiry_seen is not None
        wait_for(lambda: (current_lease(location).renewed_at or expiry_seen) >= expiry_seen + timedelta(seconds=lease_for(location)),
                 60, "the leader's renewals to outlast its lease")
        assert current_lease(location).holder is not None and f":{first.pid}:" in str(current_lease(location).holder)
        assert run_ids(logs[1]) == set() and "holds the scheduler lease" not in logs[1].read_text()

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = datetime.utcnow()
        # The takeover is bounded: the lease (3 s; 9 s on the lake) plus one poll; the deadline here is
        # only a hang guard.
        wait_for(lambda: run_ids(logs[1]), 60, "a run of the standby after the leader's death")
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
        events = leader_events(store, limit=100)
        shown = [(e["kind"], e["payload"].get("holder"), e["payload"].get("reason")) for e in events]
        # A leader whose renewal missed its local deadline (its process starved on a loaded machine)
        # steps down and takes its own, still unexpired lease back: re-elected with reason "renewed",
        # after a leader_lost of its own. Not a change of hands: only the others count here.
        elected = [e for e in events if e["kind"] == "leader_elected" and e["payload"]["reason"] != "renewed"]
        assert len(elected) == 2 and elected[0]["payload"]["reason"] == "expired", shown
        assert f":{first.pid}:" in elected[0]["payload"]["previous_holder"]
        # It took the lease once the dead leader's lease had expired, not before (both times are the
        # store's, stamped on the same host), and ran jobs only once it led.
        took_over = elected[0]["occurred_at"]
        assert took_over >= datetime.fromisoformat(elected[0]["payload"]["previous_expires_at"])
        assert min(r["started_at"] for r in history if r["id"] in run_ids(logs[1])) >= took_over
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
        wait_for(lambda: "holds the scheduler lease" in logs[1].read_text(), 30, "the standby to take over")
        wait_for(lambda: len(runs(location)) == 2, 30, "the new leader's run on start")
    finally:
        for p in (first, second):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert_no_overlap(runs(location))
    # Released, so the standby found no lease at all (it did not wait for one to expire).
    store = open_store(location)
    try:
        # (A leader stepping down and taking its own lease back on a loaded machine is no handover.)
        events = [(e["kind"], e["payload"]) for e in reversed(leader_events(store, limit=100))
                  if e["kind"] != "leader_lost" and e["payload"].get("reason") != "renewed"]
    finally:
        store.close()
    assert [kind for kind, _ in events] == ["leader_elected", "leader_released", "leader_elected", "leader_released"], events
    assert f":{first.pid}:" in events[1][1]["holder"] and f":{second.pid}:" in events[2][1]["holder"]
    assert events[2][1]["reason"] == "first" and events[2][1]["previous_holder"] is None


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
