"""Crash safety: processes killed with SIGKILL at random points leave the store whole.

`monitor import`, `monitor add` and `monitor refresh` (an inbox source) are run 24 + 12 times by
default (MONITOR_CRASH_KILLS), and more while fewer than half of them were killed mid-way. Each kill
lands somewhere in start-up, staging, validation, the write transaction, the checkpoint or (a refresh)
the run's bookkeeping and the move of the file it imported.
Afterwards the store must open, hold either the whole batch or none of it, and a re-run must complete
without duplicates.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from monitor.files.catalog import init_store
from monitor.store import queries
from monitor.store.connection import Store
from monitor.store.maintenance import check
from refresh_helpers import make_old, write_sources

MONITOR = [sys.executable, "-m", "monitor.cli"]
KILLS = int(os.environ.get("MONITOR_CRASH_KILLS", "24"))
ROWS = 20_000


def _write_batch(path: Path, indicator: str, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["indicator_id", "period_start", "period_end", "value"])
        for j in range(rows):
            day = (date(1940, 1, 1) + timedelta(days=j)).isoformat()
            w.writerow([indicator, day, day, j])


def _count(store: Store, indicator: str) -> tuple[int, int]:
    with store.read() as con:
        rows = queries.list_readings(con, indicator, history=True)
    periods = {(r.period_start, r.period_end) for r in rows}
    return len(rows), len(periods)


def _run_and_kill(args: list[str], env: dict[str, str], delay: float) -> tuple[int | None, float]:
    """Run ``args`` and SIGKILL it ``delay`` seconds after the start unless it ended before: its exit
    code (None: killed) and how long it ran."""
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout=delay), time.monotonic() - started
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None, delay


class KillPoints:
    """Random kill points from start-up to the end of a full run, as measured here (per kind of run).

    The measure is taken once, maybe on a busier moment of the machine: a run that ends before its kill
    point narrows its kind's range to that run's own length, and ``more()`` goes on past the planned
    number of attempts until enough of them were killed mid-way (at most three times as many: a hang
    guard), so that the test means something however fast the machine is at the time.
    """

    def __init__(self, rng: random.Random, spans: dict[str, float], planned: int, kills: int) -> None:
        self.rng, self.spans, self.planned, self.kills = rng, dict(spans), planned, kills
        self.outcomes = {"killed": 0, "finished": 0}
        self.attempts = 0

    def more(self) -> bool:
        return self.attempts < self.planned or (self.outcomes["killed"] < self.kills and self.attempts < 3 * self.planned)

    def run(self, kind: str, args: list[str], env: dict[str, str]) -> int | None:
        self.attempts += 1
        rc, ran = _run_and_kill(args, env, self.rng.uniform(0.0, self.spans[kind]))
        if rc is not None:
            self.spans[kind] = min(self.spans[kind], ran)
        self.outcomes["killed" if rc is None else "finished"] += 1
        return rc


def _revisions_per_period(store: Store, indicator: str) -> dict[tuple[date, date], int]:
    with store.read() as con:
        rows = queries.list_readings(con, indicator, history=True)
    counts: dict[tuple[date, date], int] = {}
    for r in rows:
        counts[(r.period_start, r.period_end)] = counts.get((r.period_start, r.period_end), 0) + 1
    return counts


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def test_killed_imports_and_adds_leave_whole_batches(db_path: Path, tmp_path: Path) -> None:
    store = Store(db_path)
    init_store(store)
    env = dict(os.environ, MONITOR_DB=str(db_path))
    batch = tmp_path / "batch.csv"
    _write_batch(batch, "compute-racks", ROWS)
    rng = random.Random(20250711)

    # How long a full run takes here sets the range of kill points: from start-up to just past the end.
    import_seconds = _timed([*MONITOR, "import", str(batch), "--dry-run"], env)
    add_seconds = _timed([*MONITOR, "readings", "compute-racks"], env)

    kills = KillPoints(rng, {"import": import_seconds, "add": add_seconds}, planned=KILLS, kills=KILLS // 2)
    while kills.more():
        attempt = kills.attempts
        if attempt % 2 == 0:
            kills.run("import", [*MONITOR, "import", str(batch)], env)
            # The store opens and holds all of the batch or none of it (plus the seed reading).
            total, periods = _count(store, "compute-racks")
            assert total == periods, "a period was written twice"
            assert periods in (1, ROWS + 1) or periods == ROWS, f"partial batch: {periods} periods after kill {attempt}"
        else:
            day = (date(2000, 1, 1) + timedelta(days=attempt)).isoformat()
            kills.run("add", [*MONITOR, "add", "good-air-days-ratio", "90", "--period-start", day, "--period-end", day], env)
            with store.read() as con:
                rows = [r for r in queries.list_readings(con, "good-air-days-ratio", history=True)
                        if r.period_end.isoformat() == day]
            assert len(rows) <= 1

    # Re-runs complete and add nothing twice.
    subprocess.run([*MONITOR, "import", str(batch)], env=env, check=True, capture_output=True)
    subprocess.run([*MONITOR, "import", str(batch)], env=env, check=True, capture_output=True)
    total, periods = _count(store, "compute-racks")
    assert total == periods
    assert periods in (ROWS, ROWS + 1)
    assert all(f.ok for f in check(store)), [f for f in check(store) if not f.ok]
    # The test only means something if many attempts were really killed mid-way.
    assert kills.outcomes["killed"] >= KILLS // 2, kills.outcomes


REFRESH_ROWS = 10_000
INBOX = '[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1h"\nsettle = "0.1s"\n'


def _drop_batch(inbox: Path, k: int) -> None:
    """Batch k: every period of the indicator again, with values of its own (a revision of each)."""
    path = inbox / f"batch-{k:02d}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["indicator_id", "period_start", "period_end", "value"])
        for j in range(REFRESH_ROWS):
            day = (date(1960, 1, 1) + timedelta(days=j)).isoformat()
            w.writerow(["compute-capacity", day, day, k * 100_000 + j])
    make_old(path)


def _assert_whole_batches(store: Store, attempt: object) -> int:
    """Every period has the same number of revisions (the seed reading's period aside): each batch is
    all there or not at all. Returns that number."""
    counts = _revisions_per_period(store, "compute-capacity")
    batch_periods = {n for (start, _), n in counts.items() if start.year < 2000}
    if not batch_periods:
        return 0
    assert len(batch_periods) == 1, f"a partial batch after kill {attempt}: revisions per period {batch_periods}"
    assert sum(1 for (start, _) in counts if start.year < 2000) == REFRESH_ROWS, f"periods missing after kill {attempt}"
    return batch_periods.pop()


def test_killed_refreshes_leave_whole_batches_and_lose_no_file(db_path: Path, tmp_path: Path) -> None:
    """`monitor refresh` of an inbox, killed at random points: each dropped file is imported whole or
    not at all, stays in the inbox until it was imported, and a re-run completes without duplicates."""
    store = Store(db_path)
    init_store(store)
    sources = write_sources(tmp_path, INBOX)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = dict(os.environ, MONITOR_DB=str(db_path))
    refresh = [*MONITOR, "refresh", "--sources", str(sources)]
    rng = random.Random(20250711)

    _drop_batch(inbox, 0)
    refresh_seconds = _timed(refresh, env)  # a whole run, which imports batch 0
    assert _assert_whole_batches(store, "none") == 1

    planned = max(KILLS // 2, 10)
    kills = KillPoints(rng, {"refresh": refresh_seconds}, planned=planned, kills=planned // 2)
    while kills.more():
        attempt = kills.attempts + 1
        _drop_batch(inbox, attempt)
        kills.run("refresh", refresh, env)
        imported = _assert_whole_batches(store, attempt)
        waiting = sorted(p.name for p in inbox.glob("batch-*.csv"))
        processed = sorted(p.name for p in (inbox / "processed").glob("*batch-*.csv"))
        # No file is lost: each is either still waiting or was processed (after its import).
        assert {n[-12:] for n in waiting} | {n[-12:] for n in processed} == {f"batch-{k:02d}.csv" for k in range(attempt + 1)}
        assert imported >= len({n[-12:] for n in processed})

    # The re-run imports what is still waiting, once; a second re-run finds nothing to do.
    subprocess.run(refresh, env=env, check=True, capture_output=True)
    assert not list(inbox.glob("batch-*.csv"))
    assert _assert_whole_batches(store, "re-run") == kills.attempts + 1
    subprocess.run(refresh, env=env, check=True, capture_output=True)
    assert _assert_whole_batches(store, "second re-run") == kills.attempts + 1
    assert all(f.ok for f in check(store)), [f for f in check(store) if not f.ok]
    assert kills.outcomes["killed"] >= planned // 2, kills.outcomes
