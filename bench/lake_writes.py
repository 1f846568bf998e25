"""Single-row writes on the DuckLake backend against the file backend.

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py; durable: fsync on, as in production), then
runs bench/loadtest.py's writers only (``--writers`` processes appending single readings through the
library, every acknowledged write checked exactly once afterwards) on a fresh DuckLake and on a fresh
DuckDB file, and prints writes/s and p50/p99 latency of each. Also measures what keeping the lake
attached between operations saves (ATTACH + DETACH of the lake).

    python bench/lake_writes.py --seconds 20 --writers 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import loadtest  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402


def attach_cost(location: str, data_path: str, n: int = 20) -> dict[str, float]:
    """ATTACH + DETACH of the lake (what each operation would pay if the lake were not kept attached),
    against one read transaction on the attached lake."""
    from monitor.store.lake import LakeStore

    store = LakeStore(location, data_path=data_path)
    store.init()
    attach, read = [], []
    with store.scratch() as con:
        for _ in range(n):
            started = time.perf_counter()
            con.execute(f"ATTACH '{location}' AS probe (DATA_PATH '{store.data_path}')")
            con.execute("DETACH probe")
            attach.append(time.perf_counter() - started)
    for _ in range(n):
        started = time.perf_counter()
        with store.read() as con:
            con.execute("SELECT count(*) FROM reading").fetchone()
        read.append(time.perf_counter() - started)
    store.close()
    return {"attach_detach_ms": statistics.median(attach) * 1e3, "read_txn_ms": statistics.median(read) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--no-fsync", action="store_true", help="PostgreSQL without fsync (as in the tests)")
    args = parser.parse_args()

    cluster = PgCluster(durable=not args.no_fsync).start()
    work = Path(tempfile.mkdtemp(prefix="monitor-lake-bench-"))
    rows = []
    try:
        cluster.create_database("probe")
        costs = attach_cost(cluster.location("probe"), str(work / "probe-data"))
        for backend in ("lake", "file"):
            folder = work / backend
            folder.mkdir()
            if backend == "lake":
                cluster.create_database("load")
                os.environ["MONITOR_DATA_PATH"] = str(folder / "lake-data")
                db = cluster.location("load")
            else:
                db = str(folder / "load.duckdb")
            summary = loadtest.run(args.seconds, args.writers, str(folder), importer=False, reader=False,
                                   refresher=False, db=db)
            rows.append((backend, summary))
    finally:
        cluster.stop()
    print(f"{args.writers} writer processes, {args.seconds:.0f} s each, PostgreSQL fsync {'off' if args.no_fsync else 'on'}")
    print(f"{'backend':<8} {'writes/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'busy':>5} {'lost':>5} {'doubled':>8}")
    for backend, s in rows:
        print(f"{backend:<8} {s['writes_per_s']:>9.1f} {s['write_p50_ms']:>8.1f} {s['write_p99_ms']:>8.1f} "
              f"{s['busy_answers']:>5} {s['lost_writes']:>5} {s['doubled_writes']:>8}")
    print(f"lake: ATTACH+DETACH {costs['attach_detach_ms']:.1f} ms (saved per operation by staying attached); "
          f"a read transaction on the attached lake {costs['read_txn_ms']:.1f} ms")
    if any(s["lost_writes"] or s["doubled_writes"] or s["unhandled_errors"] or s["crashed_processes"] for _, s in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
