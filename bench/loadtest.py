"""Concurrency load test: several processes write one store at once; nothing may be lost or doubled.

For ``--seconds`` (default 60): ``--writers`` processes (default 4) append single readings through the
library, one process imports 10k-row CSV files, one runs a refresh of an inbox source every second (when
the refresh package is installed), and one polls the status of every goal. Afterwards every acknowledged
write must be in the store exactly once. Prints writes/s, p50/p99 write latency, busy answers and
import rows/s, and returns them as a dict (``run()``), which the short CI version checks.

    python bench/loadtest.py --seconds 60
    python bench/loadtest.py --seconds 15 --no-reader --no-refresh                 # batches vs writers
    python bench/loadtest.py --seconds 15 --no-reader --no-refresh --raw-batches   # the write pattern alone
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import sys
import tempfile
import time
import traceback
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_DAY = date(1990, 1, 1)
LOAD_CATALOG = """
format: indicator-monitor/catalog v1
indicators:
{entries}
"""
ENTRY = """  - id: {id}
    name_zh: 压测指标 {id}
    name_en: Load-test indicator {id}
    domain: digital
    unit: 个
    measure: stock
    frequency: irregular
    bounds: [0, null]
"""


def _writer(db: str, n: int, stop_at: float, out: str) -> None:
    from monitor.errors import StoreBusy
    from monitor.files.ingest import add_reading
    from monitor.store.connection import Store

    store = Store(db)
    acked: list[int] = []
    latencies: list[float] = []
    busy = errors = 0
    i = 0
    with store.read():
        pass  # warm-up outside the measurement: a lake store loads its extensions and attaches once
    try:
        while time.time() < stop_at or not acked:  # at least one acknowledged write (see _importer)
            day = (BASE_DAY + timedelta(days=i)).isoformat()
            started = time.perf_counter()
            try:
                add_reading(store, f"load-w{n}", i, day, recorded_by=f"writer-{n}")
                latencies.append(time.perf_counter() - started)
                acked.append(i)
                i += 1
            except StoreBusy:
                busy += 1  # not acknowledged: retried with the same day, so at most once
    except Exception:
        errors += 1
        traceback.print_exc()
    Path(out).write_text(json.dumps({"acked": acked, "latencies": latencies, "busy": busy, "errors": errors}))


# --raw-batches: the write pattern alone, as the figure was measured: the lock (with a batch's
# priority), ATTACH, one INSERT of 10k rows prepared in memory, COMMIT, DETACH; no file, no validation.
RAW_BATCH = """
INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, source, recorded_by,
                     recorded_at, batch_id)
SELECT ?, day, day, ?, ? + j, 'exact', 'raw-batch', 'importer', now()::TIMESTAMP, ?
FROM temp.raw_batch
"""


def _raw_importer(store: Any, stop_at: float, batches: list[dict[str, Any]]) -> int:
    """Raw batches until ``stop_at``, appended to ``batches`` as they are acknowledged; the busy count.
    Batch k revises the days of batch k - 50 (same indicator), as the file importer's do."""
    from monitor.errors import StoreBusy

    with store.scratch() as con:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE raw_batch AS "
            "SELECT j, DATE '1990-01-01' + CAST(j AS INTEGER) AS day FROM range(10000) AS t(j)"
        )
    busy = k = 0
    while time.time() < stop_at:
        started = time.perf_counter()
        try:
            with store.write(priority=True) as con:
                con.execute(RAW_BATCH, [f"load-i{k % 50}", k // 50 + 1, k * 10_000, f"raw-{k}"])
            batches.append({"rows": 10_000, "seconds": time.perf_counter() - started, "k": k})
            k += 1
        except StoreBusy:
            busy += 1
    return busy


def _importer(db: str, stop_at: float, folder: str, out: str, raw: bool = False) -> None:
    from monitor.errors import StoreBusy
    from monitor.files.ingest import import_file
    from monitor.store.connection import Store

    store = Store(db)
    batches: list[dict[str, Any]] = []
    busy = errors = 0
    k = 0
    try:
        if raw:
            busy = _raw_importer(store, stop_at, batches)
        # Until the deadline, and in any case until one batch is acknowledged: on a loaded machine a
        # short run that stored no batch would prove nothing (the caller's join bounds a hang).
        while not raw and (time.time() < stop_at or not batches):
            path = Path(folder) / f"batch-{k}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["indicator_id", "period_start", "period_end", "value"])
                for j in range(10_000):
                    day = (BASE_DAY + timedelta(days=j)).isoformat()
                    w.writerow([f"load-i{k % 50}", day, day, k * 10_000 + j])
            started = time.perf_counter()
            try:
                report = import_file(store, path, recorded_by="importer")
                batches.append({"rows": report.new + report.revised, "seconds": time.perf_counter() - started,
                                "indicator": f"load-i{k % 50}", "k": k})
                k += 1
            except StoreBusy:
                busy += 1
            path.unlink()
    except Exception:
        errors += 1
        traceback.print_exc()
    Path(out).write_text(json.dumps({"batches": batches, "busy": busy, "errors": errors}))


def _reader(db: str, stop_at: float, out: str) -> None:
    from monitor.errors import StoreBusy
    from monitor.status import statuses
    from monitor.store.connection import Store

    store = Store(db)
    polls = busy = errors = 0
    latencies: list[float] = []
    try:
        while time.time() < stop_at:
            started = time.perf_counter()
            try:
                statuses(store, date.today())  # what `monitor status` computes
                polls += 1
                latencies.append(time.perf_counter() - started)
            except StoreBusy:
                busy += 1
            time.sleep(0.2)
    except Exception:
        errors += 1
        traceback.print_exc()
    Path(out).write_text(json.dumps({"polls": polls, "busy": busy, "errors": errors, "latencies": latencies}))


def _refresher(db: str, stop_at: float, inbox: str, out: str) -> None:
    """Every second: drop a small CSV into an inbox and run the inbox source, as the scheduler would."""
    from monitor.errors import StoreBusy
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config
    from monitor.store.connection import Store

    folder = Path(inbox)
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder.parent / "sources.toml"
    config_path.write_text(
        f'[[sources]]\nname = "inbox"\nkind = "csv"\npath = "{folder}"\nevery = "1s"\nsettle = \"50ms\"\n',
        encoding="utf-8",
    )
    config = load_config(config_path)
    store = Store(db)
    runs = busy = errors = failed = 0
    acked: list[int] = []
    k = 0
    try:
        while time.time() < stop_at or not runs:  # at least one run (see _importer)
            day = (BASE_DAY + timedelta(days=k)).isoformat()
            (folder / f"feed-{k}.csv").write_text(
                f"indicator_id,period_start,period_end,value\nload-r,{day},{day},{k}\n", encoding="utf-8"
            )
            try:
                result = run_sources(store, config, trigger="loadtest")[0]
                runs += 1
                if result.outcome == "ok" and result.rows_new + result.rows_unchanged >= 1:
                    acked.append(k)
                elif result.outcome != "ok":
                    failed += 1
                k += 1
            except StoreBusy:
                busy += 1
            time.sleep(1.0)
    except Exception:
        errors += 1
        traceback.print_exc()
    Path(out).write_text(json.dumps({"runs": runs, "busy": busy, "errors": errors, "failed": failed, "acked": acked}))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(
    seconds: float = 60.0,
    writers: int = 4,
    workdir: str | None = None,
    importer: bool = True,
    reader: bool = True,
    refresher: bool = True,
    db: str | None = None,
    raw_batches: bool = False,
) -> dict[str, Any]:
    import yaml

    from monitor.files.catalog import import_catalog, init_store, parse_catalog
    from monitor.store.connection import Store

    work = Path(workdir or tempfile.mkdtemp(prefix="monitor-load-"))
    work.mkdir(parents=True, exist_ok=True)
    # --db: another location, e.g. a fresh DuckLake (ducklake:postgres:..., with MONITOR_DATA_PATH set).
    db = db or str(work / "load.duckdb")
    store = Store(db)
    init_store(store)
    ids = [f"load-w{n}" for n in range(writers)] + [f"load-i{k}" for k in range(50)] + ["load-r"]
    document = yaml.safe_load(LOAD_CATALOG.format(entries="".join(ENTRY.format(id=i) for i in ids)))
    import_catalog(store, parse_catalog(document, "load-catalog"))
    store.close()

    ctx = mp.get_context("spawn")
    stop_at = time.time() + 3 + seconds  # the children need a moment to import
    procs = []
    for n in range(writers):
        procs.append(ctx.Process(target=_writer, args=(db, n, stop_at, str(work / f"w{n}.json"))))
    (work / "imports").mkdir(exist_ok=True)
    # A part switched off still writes an empty result, so the summary has one shape.
    empty = {"batches": [], "busy": 0, "errors": 0, "polls": 0, "latencies": [], "runs": 0, "acked": []}
    for name, wanted, target, args in (
        ("imp", importer, _importer, (db, stop_at, str(work / "imports"), str(work / "imp.json"), raw_batches)),
        ("reader", reader, _reader, (db, stop_at, str(work / "reader.json"))),
        ("refresh", refresher, _refresher, (db, stop_at, str(work / "inbox"), str(work / "refresh.json"))),
    ):
        if wanted:
            procs.append(ctx.Process(target=target, args=args))
        else:
            (work / f"{name}.json").write_text(json.dumps(empty))
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=seconds + 120)
    crashed = [p.exitcode for p in procs if p.exitcode != 0]

    results = {n: json.loads((work / f"w{n}.json").read_text()) for n in range(writers)}
    imports = json.loads((work / "imp.json").read_text())
    reader = json.loads((work / "reader.json").read_text())
    refresh = json.loads((work / "refresh.json").read_text())

    # Every acknowledged write exactly once, nothing unacknowledged half-written.
    store = Store(db)
    with store.read() as con:
        lost = doubled = 0
        for n, r in results.items():
            rows = con.execute(
                """
                SELECT value, count(*) FROM reading WHERE indicator_id = ?
                GROUP BY value
                """,
                [f"load-w{n}"],
            ).fetchall()
            stored = {int(v): c for v, c in rows}
            lost += sum(1 for i in r["acked"] if i not in stored)
            doubled += sum(1 for c in stored.values() if c > 1)
        refreshed = {int(v) for (v,) in con.execute(
            "SELECT value FROM reading WHERE indicator_id = 'load-r'").fetchall()}
        lost += sum(1 for k in refresh.get("acked", []) if k not in refreshed)
        batch_rows = con.execute(
            "SELECT count(*) FROM reading WHERE indicator_id LIKE 'load-i%' AND recorded_by = 'importer'"
        ).fetchone()[0]
    store.close()
    imported_acked = sum(b["rows"] for b in imports["batches"])

    latencies = [x for r in results.values() for x in r["latencies"]]
    acked = sum(len(r["acked"]) for r in results.values())
    import_seconds = sum(b["seconds"] for b in imports["batches"])
    summary = {
        "seconds": seconds,
        "writers": writers,
        "acknowledged_writes": acked,
        "writes_per_s": acked / seconds,
        "write_p50_ms": _pct(latencies, 0.50) * 1e3,
        "write_p99_ms": _pct(latencies, 0.99) * 1e3,
        "busy_answers": sum(r["busy"] for r in results.values()) + imports["busy"] + reader["busy"] + refresh["busy"],
        "unhandled_errors": sum(r["errors"] for r in results.values()) + imports["errors"] + reader["errors"] + refresh["errors"],
        "crashed_processes": len(crashed),
        "lost_writes": lost,
        "doubled_writes": doubled,
        "import_batches": len(imports["batches"]),
        "import_rows_acknowledged": imported_acked,
        "import_rows_stored": int(batch_rows),
        "import_rows_per_s": imported_acked / import_seconds if import_seconds else 0.0,
        "status_polls": reader["polls"],
        "status_poll_p50_ms": _pct(reader["latencies"], 0.5) * 1e3,
        "refresh_runs": refresh["runs"],
        "refresh_runs_failed": refresh.get("failed", 0),
    }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--no-import", action="store_true", help="without the 10k-row importer")
    parser.add_argument("--no-reader", action="store_true", help="without the status poller")
    parser.add_argument("--no-refresh", action="store_true", help="without the inbox refresher")
    parser.add_argument("--db", default=None,
                        help="an empty store to load instead of a new file, e.g. ducklake:postgres:... (see bench/lake_writes.py)")
    parser.add_argument("--raw-batches", action="store_true",
                        help="the importer writes 10k-row batches prepared in memory (the write pattern alone) instead of importing files")
    args = parser.parse_args()
    summary = run(args.seconds, args.writers, args.workdir, not args.no_import, not args.no_reader, not args.no_refresh,
                  db=args.db, raw_batches=args.raw_batches)
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}")
    if summary["lost_writes"] or summary["doubled_writes"] or summary["unhandled_errors"] or summary["crashed_processes"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
