"""Server time per rerun of the dashboard's overview, on the seeded database and on N synthetic goals.

    .venv/bin/python bench/overview_time.py [N ...]      (default: 1000)

Runs the real app (dashboards/app.py) with Streamlit's AppTest: the first run includes reading the
database and shaping the rows (the cache is cold), the following reruns are what a user's click
costs (cache warm, ttl 30 s). Prints the timings; nothing is asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from streamlit.testing.v1 import AppTest  # noqa: E402

from monitor.files.catalog import init_store  # noqa: E402
from monitor.store.connection import Store  # noqa: E402
from synthetic import populate  # noqa: E402

APP = REPO / "dashboards" / "app.py"
RERUNS = 10


def measure(db: Path, lang: str = "zh") -> tuple[float, float, int]:
    """(first run s with a cold cache, median rerun s with a warm cache, rows shown)."""
    # The cache is keyed by the database path: a copy under a new name starts cold.
    cold_copy = db.with_name(f"{db.stem}-{lang}-{time.monotonic_ns()}.duckdb")
    shutil.copyfile(db, cold_copy)
    os.environ["MONITOR_DB"] = str(cold_copy)
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.query_params["lang"] = lang
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    warm = []
    for _ in range(RERUNS):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    rows = sum(h.value.count("<tr data-id=") for h in at.html if "ov-table" in h.value)  # the HTML table
    return cold, statistics.median(warm), rows


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        seeded = Path(folder) / "seeded.duckdb"
        init_store(Store(seeded))
        measure(seeded)  # warm-up: imports (Babel, Altair, pandas) are paid once per server process
        for lang in ("zh", "en"):
            cold, warm, rows = measure(seeded, lang)
            print(f"seeded briefing ({rows} goals, {lang}): first run {cold * 1000:.0f} ms, rerun {warm * 1000:.0f} ms")
        for n in sizes:
            db = Path(folder) / f"synthetic-{n}.duckdb"
            started = time.perf_counter()
            counts = populate(Store(db), n)
            built = time.perf_counter() - started
            for lang in ("zh", "en"):
                cold, warm, rows = measure(db, lang)
                print(
                    f"synthetic {n} indicators ({counts['targets']} targets, {counts['readings']} readings, built in "
                    f"{built:.1f} s; {rows} goals, {lang}): first run {cold * 1000:.0f} ms, rerun {warm * 1000:.0f} ms"
                )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000])
