"""The benchmark suite: the product against a pandas pipeline and DuckDB's floor, at three scales.

    .venv/bin/python bench/run.py [--scales city,province,nation] [--repeat 5] [--only status,import,add,overview]

For each scale (bench/generate.py: city 1,000 indicators x 10 years monthly, province 10,000 x 20 years,
nation 100,000 x 20 years; generated once under /tmp/indicator-monitor-bench and reused):

1. status of all goals from the store: monitor.status.sets.status_table (and the records of
   `monitor status`), the per-indicator engine path monitor.status.engine.compute_statuses where it fits in
   memory, a vectorised pandas pipeline (bench/pandas_baseline.py) and DuckDB's floor
   ``SELECT indicator_id, max(period_end), arg_max(value, period_end) FROM reading GROUP BY indicator_id``;
2. bulk import of a 1M-row CSV and Parquet file with full validation (monitor.files.ingest.import_file)
   against a plain ``INSERT INTO t SELECT * FROM read_csv(...)`` / ``read_parquet(...)``, and at 250k
   rows to show how memory grows with the file;
3. one appended reading: monitor.files.ingest.add_reading p50/p99, and the `monitor add` process against
   ``python -c "import duckdb"``;
4. the dashboard overview's server time per rerun (Streamlit AppTest) at 50, 1,000 and 10,000 goals, and
   the goal page's (task goal_page). AppTest's times include its own work, which a server does not do:
   it compiles the page scripts again at every run (a new ScriptCache per run; a server keeps the
   bytecode) and walks the element tree it receives;
6. with ``--only lake`` (issue 19, goal 6): status, import and add on a DuckLake copy of the first of --scales
   (catalogue in a throwaway PostgreSQL cluster, tests/pg_cluster.py, fsync on), against the file store
   in the same run: bench_lake;
5. the peak memory (VmHWM) of each, every measurement running in a process of its own.

Timings are the median of --repeat runs after one warm-up run (reported as "first"), with min and
max; CPU time is reported too, as the machine may be shared. Writes docs/benchmarks.md and
docs/benchmarks.json and prints the ratios. Nothing is asserted: the tests never time anything.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

DATA = Path(os.environ.get("MONITOR_BENCH_DIR", "/tmp/indicator-monitor-bench"))
FLOOR_SQL = "SELECT indicator_id, max(period_end), arg_max(value, period_end) FROM reading GROUP BY indicator_id"
PYTHON = sys.executable
MONITOR = str(Path(PYTHON).with_name("monitor"))
TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def task(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    TASKS[fn.__name__] = fn
    return fn


# ---------------------------------------------------------------------------------------------
# Inside a worker process


def _status_kb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    return float("nan")


def peak_mb() -> float:
    return _status_kb("VmHWM") / 1024


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> tuple[dict[str, Any], Any]:
    """Run fn warmup + repeat times; the measured runs' wall and CPU seconds, and the last result."""
    first = None
    result = None
    for _ in range(warmup):
        started = time.perf_counter()
        result = fn()
        first = time.perf_counter() - started
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return {"wall": walls, "cpu": cpus, "first": first}, result


def _statuses_of_table(table: Any) -> list[list[Any]]:
    c = table.columns
    return [[i, t, s] for i, t, s in zip(c["indicator_id"].tolist(), c["target_id"].tolist(), c["status"].tolist(), strict=True)]


@task
def status_sql(a: dict[str, Any]) -> dict[str, Any]:
    """monitor.status.sets.status_table: every goal's status, ratio, latest reading, baseline, margin,
    staleness as columns (what the overview and `monitor status` start from)."""
    from monitor.status.sets import status_table
    from monitor.store.connection import Store

    store, day = Store(a["db"]), date.fromisoformat(a["as_of"])
    base = rss_mb()
    times, table = timed(lambda: status_table(store, day, extras=False), a["repeat"])
    engine = int(table.columns["_engine"].sum())
    return {**times, "base_rss_mb": base, "statuses": _statuses_of_table(table), "goals": len(table), "engine_goals": engine}


@task
def status_sql_records(a: dict[str, Any]) -> dict[str, Any]:
    """The set-based records with share of periods met and trends, without projections."""
    from monitor.status.sets import statuses as status_rows
    from monitor.store.connection import Store

    store, day = Store(a["db"]), date.fromisoformat(a["as_of"])
    base = rss_mb()
    times, rows = timed(lambda: status_rows(store, day, extras=True, projections=False), a["repeat"])
    return {**times, "base_rss_mb": base, "goals": len(rows)}


@task
def status_sql_full(a: dict[str, Any]) -> dict[str, Any]:
    """The set-based records with projections too: what `monitor status` prints (Detail.SUMMARY)."""
    from monitor.status.sets import statuses as status_rows
    from monitor.store.connection import Store

    store, day = Store(a["db"]), date.fromisoformat(a["as_of"])
    base = rss_mb()
    times, rows = timed(lambda: status_rows(store, day), a["repeat"])
    return {**times, "base_rss_mb": base, "goals": len(rows)}


@task
def status_engine(a: dict[str, Any]) -> dict[str, Any]:
    """monitor.status.engine.compute_statuses: every reading as a Python object, progress.assess per indicator."""
    from monitor.status.engine import compute_statuses
    from monitor.store.connection import Store

    store, day = Store(a["db"]), date.fromisoformat(a["as_of"])
    base = rss_mb()
    times, goals = timed(lambda: compute_statuses(store, day), a["repeat"], warmup=0)
    return {**times, "base_rss_mb": base, "goals": len(goals),
            "statuses": [[g.indicator.id, g.assessment.target_id, g.assessment.status] for g in goals]}


@task
def status_pandas(a: dict[str, Any]) -> dict[str, Any]:
    import pandas_baseline

    day = date.fromisoformat(a["as_of"])
    base = rss_mb()
    fn = pandas_baseline.status_frame_latest_only if a.get("latest_only") else pandas_baseline.status_frame
    times, frame = timed(lambda: fn(a["db"], day), a["repeat"])
    statuses = [[i, None if t != t else t, s] for i, t, s in zip(frame["indicator_id"], frame["target_id"], frame["status"], strict=True)]
    return {**times, "base_rss_mb": base, "statuses": statuses, "goals": len(frame)}


@task
def status_floor(a: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{a['db']}' AS m (READ_ONLY)")
    con.execute("USE m")
    base = rss_mb()
    times, rows = timed(lambda: con.execute(FLOOR_SQL).fetchall(), a["repeat"])
    return {**times, "base_rss_mb": base, "rows": len(rows)}


# ---- bulk import


def _copy(db: str, folder: str) -> str:
    target = Path(folder) / f"copy-{time.monotonic_ns()}.duckdb"
    shutil.copyfile(db, target)
    return str(target)


@task
def make_import_files(a: dict[str, Any]) -> dict[str, Any]:
    """n readings for the store's indicators in periods before its data (all new), as CSV and Parquet."""
    import duckdb

    rows, out = int(a["rows"]), Path(a["out"])
    con = duckdb.connect()
    con.execute(f"ATTACH '{a['db']}' AS m (READ_ONLY)")
    per = max(1, rows // con.execute("SELECT count(*) FROM m.indicator").fetchone()[0])  # type: ignore[index]
    select = f"""
        SELECT id AS indicator_id,
               CAST(CASE WHEN measure = 'stock' THEN e WHEN measure = 'cumulative' THEN DATE '1980-01-01'
                         ELSE date_trunc('month', e) END AS DATE) AS period_start,
               e AS period_end,
               -- Near the indicator's first stored reading (the one after these periods), so that the
               -- plausibility check runs and holds nothing, as for a real back-fill.
               CASE WHEN unit = '%' THEN round(least(100, greatest(0, coalesce(first_value, 60) + 4 * ((hash(id, k) % 1000) / 1000.0 - 0.5))), 1)
                    ELSE round(coalesce(nullif(first_value, 0), 1000) * (0.9 + 0.2 * ((hash(id, k) % 1000) / 1000.0)))
               END AS value
        FROM (SELECT id, measure, unit, k, CAST(last_day(DATE '1990-01-01' + to_months(k)) AS DATE) AS e, first_value
              FROM m.indicator
              LEFT JOIN (SELECT r.indicator_id, arg_min(r.value, r.period_end) AS first_value
                         FROM m.reading AS r JOIN m.indicator AS i ON i.id = r.indicator_id
                         -- the readings the check compares with: a flow's of the same length (a month)
                         WHERE i.measure <> 'flow' OR datediff('day', r.period_start, r.period_end) < 31
                         GROUP BY ALL) ON indicator_id = id
              CROSS JOIN range({per}) AS r(k))
        ORDER BY e, id LIMIT {rows}
    """
    csv, parquet = out.with_suffix(".csv"), out.with_suffix(".parquet")
    con.execute(f"COPY ({select}) TO '{csv}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({select}) TO '{parquet}' (FORMAT parquet)")
    return {"csv": str(csv), "parquet": str(parquet), "csv_mb": csv.stat().st_size / 1e6,
            "parquet_mb": parquet.stat().st_size / 1e6}


def _import_warm_up(db: str, file: str, folder: str) -> float:
    """Import the file's first 1,000 rows once: what a long-lived process (the dashboard, the scheduler)
    pays once and not per import (the first statement with bound parameters imports pandas, the UDFs
    are registered) is kept out of the measured runs, as the plain load's process has no such cost."""
    import duckdb

    from monitor.files.ingest import import_file
    from monitor.store.connection import Store

    parquet = file.endswith(".parquet")
    small = Path(folder) / ("warm-up.parquet" if parquet else "warm-up.csv")
    reader = "read_parquet" if parquet else "read_csv"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM {reader}('{file}') LIMIT 1000) TO '{small}' {'(FORMAT parquet)' if parquet else '(HEADER)'}")
    store = Store(_copy(db, folder), timeout_s=600)
    started = time.perf_counter()
    import_file(store, small, recorded_by="bench")
    took = time.perf_counter() - started
    store.close()
    os.unlink(store.path)
    return took


@task
def import_product(a: dict[str, Any]) -> dict[str, Any]:
    from monitor.files.ingest import import_file
    from monitor.store.connection import Store

    walls, cpus, reports = [], [], []
    base = rss_mb()
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        first = _import_warm_up(a["db"], a["file"], folder)
        for _ in range(a["repeat"]):
            store = Store(_copy(a["db"], folder), timeout_s=600)
            started, cpu = time.perf_counter(), time.process_time()
            report = import_file(store, a["file"], recorded_by="bench")
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            reports.append({"rows": report.rows, "new": report.new, "rejected": report.rejected})
            store.close()
            os.unlink(store.path)
    return {"wall": walls, "cpu": cpus, "first": first, "base_rss_mb": base, "report": reports[-1]}


@task
def import_plain(a: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    walls, cpus = [], []
    reader = "read_parquet" if a["file"].endswith(".parquet") else "read_csv"
    base = rss_mb()
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        for _ in range(a["repeat"]):
            copy = _copy(a["db"], folder)
            con = duckdb.connect(copy)
            con.execute("CREATE TABLE plain (indicator_id VARCHAR, period_start DATE, period_end DATE, value DOUBLE)")
            started, cpu = time.perf_counter(), time.process_time()
            con.execute(f"INSERT INTO plain SELECT * FROM {reader}('{a['file']}')")
            con.execute("CHECKPOINT")
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            con.close()
            os.unlink(copy)
    return {"wall": walls, "cpu": cpus, "first": None, "base_rss_mb": base}


class _TimedConnection:
    """A DuckDB connection that records how long each statement takes (the import profile)."""

    def __init__(self, con: Any, log: list[tuple[float, str]]) -> None:
        self._con, self._log = con, log

    def execute(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        result = self._con.execute(sql, *args)
        self._log.append((time.perf_counter() - started, " ".join(sql.split())[:90]))
        return result

    def executemany(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        result = self._con.executemany(sql, *args)
        self._log.append((time.perf_counter() - started, "executemany " + " ".join(sql.split())[:80]))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@task
def import_profile(a: dict[str, Any]) -> dict[str, Any]:
    """Where import_file spends its time: every SQL statement, and the Python functions."""
    import cProfile
    import io
    import pstats

    import duckdb

    from monitor.files.ingest import import_file
    from monitor.store.connection import Store, configure

    log: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        _import_warm_up(a["db"], a["file"], folder)
        store = Store(_copy(a["db"], folder), timeout_s=600)
        store._con = _TimedConnection(configure(duckdb.connect(":memory:")), log)  # type: ignore[assignment]
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        import_file(store, a["file"], recorded_by="bench")
        profile.disable()
        total = time.perf_counter() - started
        store.close()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(18)
    statements = sorted(log, reverse=True)[:12]
    return {"total": total, "statements": [[round(t, 3), s] for t, s in statements],
            "python": text.getvalue().splitlines()[:45]}


# ---- appending one reading


ADD_INDICATORS = ("g000000", "g000020", "g000040")  # stocks in every generated store


def _levels(db: str) -> dict[str, float]:
    """The latest value of each of ADD_INDICATORS: the appended readings stay near it, so that the jump
    check (monitor.model.plausibility) takes them, as it takes an analyst's plausible figure."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS m (READ_ONLY)")
    rows = con.execute("SELECT indicator_id, arg_max(value, period_end) FROM m.reading WHERE indicator_id IN "
                       f"({', '.join(repr(i) for i in ADD_INDICATORS)}) GROUP BY ALL").fetchall()
    con.close()
    return {i: float(v) for i, v in rows}


def _add_args(k: int, indicator: str, level: float) -> list[str]:
    """A new reading each time: a stock's level on day k after 1 March 2025, within 7% of ``level``."""
    day = date(2025, 3, 1).toordinal() + k
    return [indicator, f"{level * (1 + (k % 7) / 100):.0f}", "--period-end", date.fromordinal(day).isoformat()]


@task
def add_library(a: dict[str, Any]) -> dict[str, Any]:
    from monitor.store.connection import Store

    base = rss_mb()
    level = _levels(a["db"])["g000040"]
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        store = Store(_copy(a["db"], folder))
        result = _appends(store, level, a["n"], base)
    return result


def _appends(store: Any, level: float, n: int, base: float) -> dict[str, Any]:
    """add_reading n times after one warm-up (imports; a lake's ATTACH), each timed; p50 and p99. Closes the store."""
    from monitor.files.ingest import add_reading

    ident, value, _, end = _add_args(0, "g000040", level)
    add_reading(store, ident, value, period_end=end)
    walls = []
    for k in range(1, n + 1):
        ident, value, _, end = _add_args(k, "g000040", level)
        started = time.perf_counter()
        add_reading(store, ident, value, period_end=end)
        walls.append(time.perf_counter() - started)
    store.close()
    walls.sort()
    return {"wall": walls, "cpu": [], "first": None, "base_rss_mb": base,
            "p50": walls[len(walls) // 2], "p99": walls[min(len(walls) - 1, int(len(walls) * 0.99))]}


def _run_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{argv} failed: {proc.stderr.read().decode() if proc.stderr else status}")
    return wall, usage.ru_maxrss / 1024


@task
def add_process(a: dict[str, Any]) -> dict[str, Any]:
    """`monitor add` end to end, `python -c "import duckdb"`, and `monitor add` with pandas blocked."""
    out: dict[str, Any] = {}
    # An installed package has its bytecode compiled at install time, as duckdb's has; with
    # PYTHONDONTWRITEBYTECODE set (some shells here do), an editable checkout would be compiled
    # from source on every run and the comparison would measure the compiler.
    compileall.compile_dir(str(REPO / "monitor"), quiet=1)
    levels = _levels(a["db"])
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        db = _copy(a["db"], folder)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"MONITOR_DB": db}
        blocked = ("import sys; sys.modules['pandas'] = None; from monitor.cli import main; "
                   "main(sys.argv[1:])")
        variants = {
            "python_pass": lambda k: [PYTHON, "-c", "pass"],
            "import_duckdb": lambda k: [PYTHON, "-c", "import duckdb"],
            "monitor_add": lambda k: [MONITOR, "add", *_add_args(k, "g000000", levels["g000000"])],
            "monitor_add_pandas_blocked": lambda k: [PYTHON, "-c", blocked, "add",
                                                     *_add_args(k, "g000020", levels["g000020"])],
        }
        for name, argv in variants.items():
            _run_process(argv(0), env)  # warm the page cache
            walls, peaks = [], []
            for k in range(1, a["n"] + 1):
                wall, peak = _run_process(argv(k), env)
                walls.append(wall)
                peaks.append(peak)
            out[name] = {"wall": walls, "peak_rss_mb": max(peaks)}
    return {"variants": out}


# ---- dashboard overview


@task
def overview(a: dict[str, Any]) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest

    db = Path(a["db"])
    # The cache is keyed by the database path: a copy under a new name starts cold.
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        copy = _copy(str(db), folder)
        os.environ["MONITOR_DB"] = copy
        base = rss_mb()
        app = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=600)
        app.query_params["lang"] = a.get("lang", "zh")
        started = time.perf_counter()
        app.run()
        first = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(app.exception[0].value)
        walls = []
        for _ in range(a["repeat"]):
            started = time.perf_counter()
            app.run()
            walls.append(time.perf_counter() - started)
        shown = sum(h.value.count("<tr data-id=") for h in app.html if "ov-table" in h.value)  # the HTML table
    return {"wall": walls, "cpu": [], "first": first, "base_rss_mb": base, "rows": shown}


@task
def goal_page(a: dict[str, Any]) -> dict[str, Any]:
    """The goal page (dashboards/goal.py, ?goal=<id>) of the indicator with the most readings: opened as a
    fresh server process's first page (imports and cache cold: "first"), then opened by a new session of
    that warm server on another copy of the database (cache cold: "first_warm"), then its reruns."""
    import duckdb
    from streamlit.testing.v1 import AppTest

    con = duckdb.connect()
    con.execute(f"ATTACH '{a['db']}' AS m (READ_ONLY)")
    goal = con.execute("SELECT indicator_id FROM m.reading GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]  # type: ignore[index]
    con.close()
    base = rss_mb()
    firsts = []
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        for _ in range(2):
            os.environ["MONITOR_DB"] = _copy(a["db"], folder)  # a new path: the cache starts cold
            app = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=600)
            app.query_params["lang"] = a.get("lang", "zh")
            app.query_params["goal"] = goal
            app.switch_page("goal.py")
            started = time.perf_counter()
            app.run()
            firsts.append(time.perf_counter() - started)
            if app.exception:
                raise RuntimeError(app.exception[0].value)
            if not app.metric:
                raise RuntimeError(f"the goal page of {goal} shows no figures")
        walls = []
        for _ in range(a["repeat"]):
            started = time.perf_counter()
            app.run()
            walls.append(time.perf_counter() - started)
    return {"wall": walls, "cpu": [], "first": firsts[0], "first_warm": firsts[1], "base_rss_mb": base, "goal": goal}


@task
def overview_db(a: dict[str, Any]) -> dict[str, Any]:
    """The databases of the overview benchmark: the seeded briefing, and N synthetic goals."""
    from monitor.files.catalog import init_store
    from monitor.store.connection import Store

    path = Path(a["db"])
    if not path.exists():
        if a["n"] == 0:
            init_store(Store(path))
        else:
            from synthetic import populate

            populate(Store(path), a["n"])
    return {}


# ---- the DuckLake backend (issue 19, goal 6): the same status, import and add on a lake
#
# The lake's catalogue is a database on a throwaway PostgreSQL cluster (tests/pg_cluster.py, durable:
# fsync on, as in production) started by the parent, its Parquet files in a folder under DATA; the
# lake holds a copy of the scale's store made by `monitor migrate` (monitor.store.migrate). Each
# measured import gets a lake of its own: a PostgreSQL copy (CREATE DATABASE ... TEMPLATE) of the
# migrated catalogue, whose data files it shares (DuckLake never rewrites a file, it adds new ones).


def _lake_env(a: dict[str, Any]) -> None:
    os.environ["MONITOR_DATA_PATH"] = a["data_path"]


@task
def lake_make(a: dict[str, Any]) -> dict[str, Any]:
    """Copy the file store ``db`` into the (empty) lake ``lake``."""
    from monitor.store.connection import Store
    from monitor.store.migrate import migrate_store

    _lake_env(a)
    source, target = Store(a["db"]), Store(a["lake"])
    started = time.perf_counter()
    result = migrate_store(source, target)
    took = time.perf_counter() - started
    source.close()
    target.close()
    return {"seconds": took, "rows": sum(result.tables.values())}


@task
def lake_import_files(a: dict[str, Any]) -> dict[str, Any]:
    """n readings for the store's indicators in months before its data (all new), as CSV and Parquet,
    each within 3-9% (in %: 0-0.6 points) of its indicator's first stored reading, whole numbers but in %,
    so that no rule refuses and the jump check holds none (an import of plausible history: the measured
    work is the import, not the quarantine)."""
    import duckdb

    rows, out = int(a["rows"]), Path(a["out"])
    con = duckdb.connect()
    con.execute(f"ATTACH '{a['db']}' AS m (READ_ONLY)")
    per = max(1, rows // con.execute("SELECT count(*) FROM m.indicator").fetchone()[0])  # type: ignore[index]
    select = f"""
        SELECT i.id AS indicator_id,
               CAST(CASE WHEN i.measure = 'stock' THEN e WHEN i.measure = 'cumulative' THEN DATE '1980-01-01'
                         ELSE date_trunc('month', e) END AS DATE) AS period_start,
               e AS period_end,
               CASE WHEN i.unit = '%' THEN greatest(0, round(coalesce(f.v, 50) - (hash(i.id, k) % 7) / 10.0, 1))
                    ELSE round(coalesce(f.v, 1000) * (0.97 + (hash(i.id, k) % 7) / 100.0)) END AS value
        FROM (SELECT id, measure, unit, k, CAST(last_day(DATE '1990-01-01' + to_months(k)) AS DATE) AS e
              FROM m.indicator CROSS JOIN range({per}) AS r(k)) AS i
        LEFT JOIN (SELECT indicator_id, arg_min(value, period_end) AS v FROM m.reading  -- flows: a month's
                   WHERE datediff('day', period_start, period_end) < 32 OR period_start = DATE '1980-01-01'
                   GROUP BY ALL) AS f
               ON f.indicator_id = i.id
        ORDER BY e, i.id LIMIT {rows}
    """
    csv, parquet = out.with_suffix(".csv"), out.with_suffix(".parquet")
    con.execute(f"COPY ({select}) TO '{csv}' (HEADER, DELIMITER ',')")
    con.execute(f"COPY ({select}) TO '{parquet}' (FORMAT parquet)")
    return {"csv": str(csv), "parquet": str(parquet)}


@task
def lake_status(a: dict[str, Any]) -> dict[str, Any]:
    """status_table and DuckDB's floor query on the lake (as status_sql and status_floor on the file)."""
    from monitor.status.sets import status_table
    from monitor.store.connection import Store

    _lake_env(a)
    store, day = Store(a["lake"]), date.fromisoformat(a["as_of"])
    base = rss_mb()
    times, table = timed(lambda: status_table(store, day, extras=False), a["repeat"])
    with store.read() as con:
        floor, _ = timed(lambda: con.execute(FLOOR_SQL).fetchall(), a["repeat"])
    store.close()
    return {**times, "base_rss_mb": base, "goals": len(table), "statuses": _statuses_of_table(table),
            "floor": {"median": statistics.median(floor["wall"]), "min": min(floor["wall"]), "max": max(floor["wall"])}}


@task
def lake_import(a: dict[str, Any]) -> dict[str, Any]:
    """import_file into lakes of their own (``lakes``: the first for the warm-up)."""
    from monitor.files.ingest import import_file
    from monitor.store.connection import Store

    _lake_env(a)
    base = rss_mb()
    walls, cpus, first, report = [], [], None, None
    for n, lake in enumerate(a["lakes"]):
        store = Store(lake, timeout_s=600)
        started, cpu = time.perf_counter(), time.process_time()
        done = import_file(store, a["file"], recorded_by="bench")
        wall = time.perf_counter() - started
        store.close()
        if n == 0:
            first = wall
            continue
        walls.append(wall)
        cpus.append(time.process_time() - cpu)
        report = {"rows": done.rows, "new": done.new, "rejected": done.rejected}
    return {"wall": walls, "cpu": cpus, "first": first, "base_rss_mb": base, "report": report}


@task
def lake_add_library(a: dict[str, Any]) -> dict[str, Any]:
    """add_reading on the lake, n times in one process (the lake stays attached between writes)."""
    from monitor.store.connection import Store

    _lake_env(a)
    base = rss_mb()
    store = Store(a["lake"])
    return _appends(store, float(a["level"]), a["n"], base)


@task
def lake_add_process(a: dict[str, Any]) -> dict[str, Any]:
    """`monitor add` processes on the lake and on a copy of the file store, and `python -c "import duckdb"`,
    interleaved (the machine is shared: each round runs all three)."""
    compileall.compile_dir(str(REPO / "monitor"), quiet=1)  # as in add_process
    levels = _levels(a["db"])
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        plain = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs = {"import_duckdb": plain, "monitor_add_file": plain | {"MONITOR_DB": _copy(a["db"], folder)},
                "monitor_add_lake": plain | {"MONITOR_DB": a["lake"], "MONITOR_DATA_PATH": a["data_path"]}}
        argv = {"import_duckdb": lambda k: [PYTHON, "-c", "import duckdb"],
                "monitor_add_file": lambda k: [MONITOR, "add", *_add_args(k, "g000000", levels["g000000"])],
                "monitor_add_lake": lambda k: [MONITOR, "add", *_add_args(k, "g000020", levels["g000020"])]}
        for name in argv:
            _run_process(argv[name](0), envs[name])  # warm the page cache
            out[name] = {"wall": [], "peak_rss_mb": 0.0}
        for k in range(1, a["n"] + 1):
            for name in argv:
                wall, peak = _run_process(argv[name](k), envs[name])
                out[name]["wall"].append(wall)
                out[name]["peak_rss_mb"] = max(out[name]["peak_rss_mb"], peak)
    return {"variants": out}


# ---------------------------------------------------------------------------------------------
# The parent


def run_task(name: str, memory_limit_gib: float | None = None, **args: Any) -> dict[str, Any]:
    """Run one task in a fresh interpreter; its result with the process's peak RSS.

    With memory_limit_gib the worker's address space is capped (the machine is shared): a task that
    needs more fails with MemoryError, reported as such.
    """
    cap = None if memory_limit_gib is None else int(memory_limit_gib * 2**30)
    limit = "" if cap is None else f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap})); "
    code = (
        limit + "import json, sys; sys.path.insert(0, %r); import run; "
        "result = run.TASKS[sys.argv[1]](json.loads(sys.argv[2])); result['peak_rss_mb'] = result.get('peak_rss_mb') "
        "or run.peak_mb(); print('@@RESULT@@' + json.dumps(result, default=str))"
    ) % str(REPO / "bench")
    done = subprocess.run([PYTHON, "-c", code, name, json.dumps(args)], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        if memory_limit_gib is not None and ("MemoryError" in done.stderr or "Out of Memory" in done.stderr
                                             or "bad_alloc" in done.stderr or done.returncode < 0):
            return {"error": f"did not fit in {memory_limit_gib:g} GiB: {tail[0][:200]}"}
        raise RuntimeError(f"task {name} failed:\n{done.stderr[-3000:]}")
    # DuckDB draws a progress bar on stdout for queries over two seconds, without a newline.
    marker = done.stdout.rfind("@@RESULT@@")
    if marker < 0:
        raise RuntimeError(f"task {name} printed no result:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout[marker + len("@@RESULT@@"):].splitlines()[0])


def summary(result: dict[str, Any]) -> dict[str, Any]:
    if "error" in result:
        return result
    walls = result.get("wall") or []
    out = {k: v for k, v in result.items() if k not in ("wall", "cpu", "statuses")}
    if walls:
        out.update(median=statistics.median(walls), min=min(walls), max=max(walls), runs=len(walls))
    if result.get("cpu"):
        out["cpu_median"] = statistics.median(result["cpu"])
    return out


def agreement(a: list[list[Any]], b: list[list[Any]]) -> float:
    theirs = {(i, t): s for i, t, s in b}
    return sum(theirs.get((i, t)) == s for i, t, s in a) / max(1, len(a))


def machine() -> dict[str, Any]:
    import duckdb
    import numpy
    import pandas
    import pyarrow
    import streamlit

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024, 1),
        "os": platform.platform(), "python": platform.python_version(), "duckdb": duckdb.__version__,
        "pandas": pandas.__version__, "numpy": numpy.__version__, "pyarrow": pyarrow.__version__,
        "streamlit": streamlit.__version__, "load_average": os.getloadavg(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def bench_status(scale: Any, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    from generate import ensure

    path, manifest = ensure(scale)
    args = {"db": str(path), "as_of": scale.as_of.isoformat(), "repeat": repeat}
    out: dict[str, Any] = {"manifest": manifest}
    log(f"[{scale.name}] floor")
    out["floor"] = run_task("status_floor", **args)
    log(f"[{scale.name}] status_sql")
    out["status_sql"] = run_task("status_sql", **args)
    log(f"[{scale.name}] status_sql_records")
    out["status_sql_records"] = run_task("status_sql_records", **args)
    log(f"[{scale.name}] status_sql_full")
    # At nation one measured run: what `monitor status --json` computes takes seconds there (issue 19, goal 2).
    out["status_sql_full"] = run_task("status_sql_full", **{**args, "repeat": 1 if scale.name == "nation" else min(repeat, 3)})
    log(f"[{scale.name}] pandas")
    big = scale.name == "nation"
    pandas_args = {**args, "repeat": min(repeat, 2) if big else repeat}
    out["pandas"] = run_task("status_pandas", memory_limit_gib=14, **pandas_args)
    out["pandas_latest_only"] = run_task("status_pandas", memory_limit_gib=14, **pandas_args, latest_only=True)
    if scale.name == "city":
        log(f"[{scale.name}] engine")
        out["engine"] = run_task("status_engine", **{**args, "repeat": min(repeat, 3)})
    elif scale.name == "province":
        log(f"[{scale.name}] engine (one run)")
        out["engine"] = run_task("status_engine", **{**args, "repeat": 1})
    product = out["status_sql"]["statuses"]
    out["agreement"] = {k: agreement(product, out[k]["statuses"])
                        for k in ("pandas", "pandas_latest_only", "engine") if "statuses" in out.get(k, {})}
    return {k: summary(v) if isinstance(v, dict) and ("wall" in v or "error" in v) else v for k, v in out.items()}


def bench_import(db: Path, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {"store": str(db)}
    for rows in (1_000_000, 250_000):
        files = run_task("make_import_files", db=str(db), rows=rows, out=str(DATA / f"import-{rows}"))
        out[f"files_{rows}"] = files
        for kind in ("csv", "parquet"):
            log(f"[import] {rows} rows {kind}: product")
            out[f"product_{kind}_{rows}"] = summary(run_task("import_product", db=str(db), file=files[kind],
                                                             repeat=repeat if rows == 1_000_000 else 1))
            log(f"[import] {rows} rows {kind}: plain")
            out[f"plain_{kind}_{rows}"] = summary(run_task("import_plain", db=str(db), file=files[kind],
                                                           repeat=repeat if rows == 1_000_000 else 1))
    log("[import] profile")
    out["profile_csv"] = run_task("import_profile", db=str(db), file=out["files_1000000"]["csv"])
    return out


def bench_add(db: Path, n_library: int, n_process: int, log: Callable[[str], None]) -> dict[str, Any]:
    log("[add] library")
    library = run_task("add_library", db=str(db), n=n_library)
    log("[add] processes")
    processes = run_task("add_process", db=str(db), n=n_process)
    out = {"library": {k: v for k, v in summary(library).items()}}
    for name, v in processes["variants"].items():
        out[name] = {"median": statistics.median(v["wall"]), "min": min(v["wall"]), "max": max(v["wall"]),
                     "runs": len(v["wall"]), "peak_rss_mb": v["peak_rss_mb"]}
    return out


def bench_overview(repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in (0, 1000, 10000):
        db = DATA / ("overview-seeded.duckdb" if n == 0 else f"overview-{n}.duckdb")
        log(f"[overview] {n or 'seeded'}: database")
        run_task("overview_db", db=str(db), n=n)
        log(f"[overview] {n or 'seeded'}: AppTest")
        out["seeded" if n == 0 else str(n)] = summary(run_task("overview", db=str(db), repeat=repeat))
        log(f"[overview] {n or 'seeded'}: the goal page")
        out[f"goal_{'seeded' if n == 0 else n}"] = summary(run_task("goal_page", db=str(db), repeat=repeat))
    return out


def bench_lake(scale: Any, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Status, import and add on a DuckLake copy of the scale's store, against the file store in the same run."""
    sys.path.insert(0, str(REPO / "tests"))
    from generate import ensure
    from pg_cluster import PgCluster

    path, manifest = ensure(scale)
    out: dict[str, Any] = {"scale": scale.name, "counts": manifest["counts"]}
    cluster = PgCluster(durable=True).start()
    work = Path(tempfile.mkdtemp(prefix="lake-", dir=DATA))
    try:
        data_path = str(work / "lake-data")
        cluster.create_database("bench")
        lake = cluster.location("bench")
        common = {"db": str(path), "lake": lake, "data_path": data_path}
        log(f"[lake {scale.name}] migrate the store to the lake")
        out["migrate"] = run_task("lake_make", **common)
        args = {**common, "as_of": scale.as_of.isoformat(), "repeat": repeat}
        log(f"[lake {scale.name}] status: file")
        file_status = run_task("status_sql", db=str(path), as_of=args["as_of"], repeat=repeat)
        out["status_file"] = summary(file_status)
        out["floor_file"] = summary(run_task("status_floor", db=str(path), as_of=args["as_of"], repeat=repeat))
        log(f"[lake {scale.name}] status: lake")
        status = run_task("lake_status", **args)
        out["floor_lake"] = {**status.pop("floor"), "peak_rss_mb": status["peak_rss_mb"]}
        out["status_agreement"] = agreement(file_status["statuses"], status["statuses"])
        out["status_lake"] = summary(status)
        rows = 100_000
        files = run_task("lake_import_files", db=str(path), rows=rows, out=str(work / f"import-{rows}"))
        out["import_rows"] = rows
        for kind in ("csv", "parquet"):
            log(f"[lake {scale.name}] import {rows} rows {kind}: file")
            out[f"import_{kind}_file"] = summary(run_task("import_product", db=str(path), file=files[kind],
                                                          repeat=min(repeat, 3)))
            lakes = []
            for n in range(min(repeat, 3) + 1):  # the first for the warm-up
                name = f"imp_{kind}_{n}"
                cluster.create_database(name, template="bench")
                lakes.append(cluster.location(name))
            log(f"[lake {scale.name}] import {rows} rows {kind}: lake")
            out[f"import_{kind}_lake"] = summary(run_task("lake_import", **common, file=files[kind], lakes=lakes))
        log(f"[lake {scale.name}] add: library")
        level = _levels(str(path))["g000040"]
        out["add_library_file"] = summary(run_task("add_library", db=str(path), n=100))
        out["add_library_lake"] = summary(run_task("lake_add_library", **common, n=100, level=level))
        log(f"[lake {scale.name}] add: processes")
        processes = run_task("lake_add_process", **common, n=max(10, repeat * 3))
        for name, v in processes["variants"].items():
            out[name] = {"median": statistics.median(v["wall"]), "min": min(v["wall"]), "max": max(v["wall"]),
                         "runs": len(v["wall"]), "peak_rss_mb": v["peak_rss_mb"]}
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return out


def lake_ratios(lake: dict[str, Any]) -> dict[str, float]:
    """The price of moving to the lake: each lake figure over the file store's, measured in the same run."""
    s = lake["scale"]
    out = {
        f"lake {s}: status_sql lake / file": lake["status_lake"]["median"] / lake["status_file"]["median"],
        f"lake {s}: status_sql / the lake's floor": lake["status_lake"]["median"] / lake["floor_lake"]["median"],
        f"lake {s}: floor lake / file": lake["floor_lake"]["median"] / lake["floor_file"]["median"],
        f"lake {s}: add_reading p50 lake / file": lake["add_library_lake"]["p50"] / lake["add_library_file"]["p50"],
        f"lake {s}: monitor add lake / file": lake["monitor_add_lake"]["median"] / lake["monitor_add_file"]["median"],
        f"lake {s}: monitor add lake / import duckdb": lake["monitor_add_lake"]["median"] / lake["import_duckdb"]["median"],
    }
    for kind in ("csv", "parquet"):
        out[f"lake {s}: import {kind} lake / file"] = (lake[f"import_{kind}_lake"]["median"]
                                                        / lake[f"import_{kind}_file"]["median"])
    return out


def lake_report(lake: dict[str, Any]) -> list[str]:
    c = lake["counts"]
    lines = [
        f"## DuckLake backend: {lake['scale']} ({c['indicator']:,} indicators, {c['reading']:,} readings; catalogue in "
        "PostgreSQL 15 with fsync on, Parquet files on the local disk)",
        "",
        f"The store was copied to the lake with `monitor migrate` ({lake['migrate']['seconds']:.1f} s). "
        "Each row: the lake, then the file store, measured in the same run.",
        "",
        "| what | median | min – max | CPU | peak RSS | note |",
        "|---|---|---|---|---|---|",
        _row("status_table, lake", lake["status_lake"], f"{lake['status_lake'].get('goals', 0):,} goals, "
             f"{lake['status_agreement']:.2%} of statuses as on the file"),
        _row("status_table, file", lake["status_file"]),
        _row("DuckDB floor, lake", lake["floor_lake"]),
        _row("DuckDB floor, file", lake["floor_file"]),
    ]
    for kind in ("csv", "parquet"):
        lines += [_row(f"import_file {kind.upper()} {lake['import_rows']:,} rows, lake", lake[f"import_{kind}_lake"],
                       "a lake of its own per run"),
                  _row(f"import_file {kind.upper()} {lake['import_rows']:,} rows, file", lake[f"import_{kind}_file"])]
    for backend in ("lake", "file"):
        lib = lake[f"add_library_{backend}"]
        lines.append(f"| add_reading ({lib['runs']} appends), {backend} | p50 {_fmt_s(lib['p50'])} | p99 "
                     f"{_fmt_s(lib['p99'])} | — | {lib['peak_rss_mb']:.0f} MB | one process |")
    for name in ("monitor_add_lake", "monitor_add_file", "import_duckdb"):
        v = lake[name]
        lines.append(f"| {name} process | {_fmt_s(v['median'])} | {_fmt_s(v['min'])} – {_fmt_s(v['max'])} | — | "
                     f"{v['peak_rss_mb']:.0f} MB | interleaved, {v['runs']} rounds |")
    return lines + [""]


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s"


def _row(name: str, r: dict[str, Any] | None, note: str = "") -> str:
    if not r:
        return f"| {name} | — | — | — | — | {note} |"
    if "error" in r:
        return f"| {name} | — | — | — | — | {r['error']} |"
    return (f"| {name} | {_fmt_s(r.get('median'))} | {_fmt_s(r.get('min'))} – {_fmt_s(r.get('max'))} | "
            f"{_fmt_s(r.get('cpu_median'))} | {r.get('peak_rss_mb', float('nan')):.0f} MB | {note} |")


def ratios(results: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for scale, r in results.get("status", {}).items():
        sql = r["status_sql"]["median"]
        out[f"{scale}: status_sql / floor"] = sql / r["floor"]["median"]
        for key, label in (("pandas", "pandas"), ("pandas_latest_only", "pandas latest-only"), ("engine", "engine")):
            if "median" in r.get(key, {}):
                out[f"{scale}: {label} / status_sql"] = r[key]["median"] / sql
    imp = results.get("import")
    if imp:
        for kind in ("csv", "parquet"):
            out[f"import {kind} 1M: product / plain"] = imp[f"product_{kind}_1000000"]["median"] / imp[f"plain_{kind}_1000000"]["median"]
    add = results.get("add")
    if add:
        out["monitor add / python -c 'import duckdb'"] = add["monitor_add"]["median"] / add["import_duckdb"]["median"]
        out["monitor add (pandas blocked) / import duckdb"] = (
            add["monitor_add_pandas_blocked"]["median"] / add["import_duckdb"]["median"])
    if results.get("lake"):
        out.update(lake_ratios(results["lake"]))
    return out


def goals(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(goal, what was measured, met) for the goals the issue sets."""
    out: list[tuple[str, str, bool]] = []
    status, ratio = results.get("status", {}), results.get("ratios", {})
    for scale in ("city", "province", "nation"):
        if scale not in status:
            continue
        floor, pandas = ratio[f"{scale}: status_sql / floor"], ratio.get(f"{scale}: pandas / status_sql", 0.0)
        out.append((f"status at {scale} within 3x DuckDB's floor", f"{floor:.1f}x", floor <= 3))
        out.append((f"status at {scale} >= 10x faster than pandas", f"{pandas:.1f}x", pandas >= 10))
    for scale, limit_s in (("province", 0.3), ("nation", 1.0)):
        full = status.get(scale, {}).get("status_sql_full")
        if full:
            out.append((f"`monitor status --json` records at {scale} under {_fmt_s(limit_s)}", _fmt_s(full["median"]),
                        full["median"] < limit_s))
            if scale == "nation":
                out.append(("`monitor status --json` records at nation under 1 GiB peak", f"{full['peak_rss_mb']:.0f} MB",
                            full["peak_rss_mb"] < 1024))
    imp = results.get("import")
    if imp:
        for kind in ("csv", "parquet"):
            x = ratio[f"import {kind} 1M: product / plain"]
            out.append((f"import {kind.upper()} within 2x the plain load", f"{x:.1f}x", x <= 2))
        grow = imp["product_csv_1000000"]["peak_rss_mb"] / imp["product_csv_250000"]["peak_rss_mb"]
        out.append(("import streaming (peak memory flat in file size)", f"peak x{grow:.1f} from 250k to 1M rows", grow < 1.25))
    if results.get("add"):
        x = ratio["monitor add / python -c 'import duckdb'"]
        out.append(("`monitor add` within 1.5x `python -c \"import duckdb\"`", f"{x:.1f}x", x <= 1.5))
    ov = results.get("overview", {}).get("1000")
    if ov:
        out.append(("overview rerun under 1 s at 1,000 goals", _fmt_s(ov["median"]), ov["median"] < 1))
        out.append(("overview first paint under 1 s at 1,000 goals", _fmt_s(ov["first"]), ov["first"] < 1))
    ov = results.get("overview", {}).get("10000")
    if ov:
        out.append(("overview first paint under 2 s at 10,000 goals", _fmt_s(ov["first"]), ov["first"] < 2))
    for key, page in results.get("overview", {}).items():
        if key.startswith("goal_"):
            out.append((f"goal page under 500 ms ({key.removeprefix('goal_')}, first on a warm server)",
                        _fmt_s(page["first_warm"]), page["first_warm"] < 0.5))
    return out


def write_report(results: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "benchmarks.json").write_text(json.dumps(results, indent=1, default=str))
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py` (see its docstring); every figure below is from one run of it on the",
        "machine described. Times are the median of the measured runs after a warm-up run, with min – max;",
        "CPU is the process's CPU time (DuckDB uses every core, so CPU > wall means parallel work); peak is",
        "the measuring process's peak resident memory (VmHWM). Ratios compare medians measured in the same",
        "run on the same data.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['os']}. Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}, numpy {m['numpy']}, pyarrow {m['pyarrow']}, "
        f"Streamlit {m['streamlit']}. Run {m['date']}; load average at the start "
        f"{', '.join(f'{x:.2f}' for x in m['load_average'])} (the machine is shared; see min for the quiet case).",
        "",
    ]
    lines += ["## Goals (issue 19)", "", "| goal | measured | met |", "|---|---|---|"]
    lines += [f"| {g} | {m} | {'yes' if ok else '**no**'} |" for g, m, ok in goals(results)]
    lines += ["", "## Ratios", "", "| ratio | value |", "|---|---|"]
    lines += [f"| {k} | {v:.2f}x |" for k, v in results["ratios"].items()]
    lines += [""]
    for scale, r in results.get("status", {}).items():
        c = r["manifest"]["counts"]
        lines += [
            f"## Status of all goals: {scale} ({c['indicator']:,} indicators, {c['target']:,} target versions, "
            f"{c['reading']:,} readings; as of {r['manifest']['scale']['as_of']})",
            "",
            "| what | median | min – max | CPU | peak RSS | note |",
            "|---|---|---|---|---|---|",
            _row("DuckDB floor (`max`, `arg_max` per indicator, fetched)", r["floor"]),
            _row("**monitor.status.sets.status_table**", r["status_sql"],
                 f"{r['status_sql'].get('goals', 0):,} goals, {r['status_sql'].get('engine_goals', 0)} by the engine"),
            _row("sets.statuses without projections (+ share met, trends)", r["status_sql_records"]),
            _row("sets.statuses (`monitor status`: every record field)", r.get("status_sql_full"),
                 "" if r.get("status_sql_full") else "not run at this scale"),
            _row("pandas pipeline (same computation)", r["pandas"],
                 f"agrees on {r['agreement']['pandas']:.2%} of statuses" if "pandas" in r["agreement"] else ""),
            _row("pandas, latest reading only (not the same computation)", r["pandas_latest_only"],
                 f"agrees on {r['agreement']['pandas_latest_only']:.2%}" if "pandas_latest_only" in r["agreement"] else ""),
            _row("engine: monitor.status.engine.compute_statuses (before)", r.get("engine"),
                 f"agrees on {r['agreement']['engine']:.2%}" if "engine" in r.get("agreement", {})
                 else "not run: every reading as a Python object does not fit in memory"),
            "",
        ]
    imp = results.get("import")
    if imp:
        f1 = imp["files_1000000"]
        lines += [
            f"## Bulk import ({f1['csv_mb']:.0f} MB CSV / {f1['parquet_mb']:.0f} MB Parquet, 1,000,000 new readings "
            f"into the {Path(imp['store']).stem} store)",
            "",
            "| what | median | min – max | CPU | peak RSS | note |",
            "|---|---|---|---|---|---|",
        ]
        for kind in ("csv", "parquet"):
            lines += [
                _row(f"monitor.files.ingest.import_file, {kind.upper()} 1M", imp[f"product_{kind}_1000000"]),
                _row(f"plain INSERT … SELECT FROM read_{kind}, 1M", imp[f"plain_{kind}_1000000"]),
                _row(f"import_file, {kind.upper()} 250k", imp[f"product_{kind}_250000"], "one run"),
                _row(f"plain, {kind} 250k", imp[f"plain_{kind}_250000"], "one run"),
            ]
        prof = imp.get("profile_csv", {})
        if prof:
            lines += ["", f"Where import_file spends {prof['total']:.1f} s on the 1M-row CSV (slowest statements):", ""]
            lines += [f"- {t:.2f} s `{s}`" for t, s in prof["statements"]]
        lines += [""]
    add = results.get("add")
    if add:
        lib = add["library"]
        lines += [
            "## Appending one reading",
            "",
            f"monitor.files.ingest.add_reading (open, validate, write, close; {lib['runs']} appends): "
            f"p50 {_fmt_s(lib['p50'])}, p99 {_fmt_s(lib['p99'])}, peak {lib['peak_rss_mb']:.0f} MB.",
            "",
            "| process | median | min – max | peak RSS |",
            "|---|---|---|---|",
        ]
        for name in ("python_pass", "import_duckdb", "monitor_add", "monitor_add_pandas_blocked"):
            v = add[name]
            lines.append(f"| {name} | {_fmt_s(v['median'])} | {_fmt_s(v['min'])} – {_fmt_s(v['max'])} | {v['peak_rss_mb']:.0f} MB |")
        lines += [""]
    ov = results.get("overview")
    if ov:
        lines += ["## Dashboard overview (Streamlit AppTest, server time)", "",
                  "| goals | first run (cold cache) | rerun median | min – max | peak RSS |", "|---|---|---|---|---|"]
        for key, v in ov.items():
            if key.startswith("goal_"):
                continue
            lines.append(f"| {v.get('rows', key)} ({key}) | {_fmt_s(v.get('first'))} | {_fmt_s(v['median'])} | "
                         f"{_fmt_s(v['min'])} – {_fmt_s(v['max'])} | {v['peak_rss_mb']:.0f} MB |")
        lines += [""]
        pages = {k.removeprefix("goal_"): v for k, v in ov.items() if k.startswith("goal_")}
        if pages:
            lines += ["The goal page (?goal=, the indicator with the most readings): first as a fresh server's first "
                      "page (imports and cache cold), first on a warm server (cache cold), reruns.", "",
                      "| store | goal | first, fresh server | first, warm server | rerun median | min – max | peak RSS |",
                      "|---|---|---|---|---|---|---|"]
            for key, v in pages.items():
                lines.append(f"| {key} | {v.get('goal')} | {_fmt_s(v.get('first'))} | {_fmt_s(v.get('first_warm'))} | "
                             f"{_fmt_s(v['median'])} | {_fmt_s(v['min'])} – {_fmt_s(v['max'])} | {v['peak_rss_mb']:.0f} MB |")
            lines += [""]
    if results.get("lake"):
        lines += lake_report(results["lake"])
    if results.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in results["notes"]] + [""]
    (out_dir / "benchmarks.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark suite (see the module docstring).")
    parser.add_argument("--scales", default="city,province,nation")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="status,import,add,overview",
                        help="any of status,import,add,overview,lake (lake: status, import and add on a DuckLake "
                             "copy of the first of --scales, against the file store; needs PostgreSQL's binaries)")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--notes", type=Path, default=REPO / "bench" / "notes.txt",
                        help="notes for the report, one per line (default: bench/notes.txt, the analysis of the last run)")
    parser.add_argument("--report-only", action="store_true", help="rewrite benchmarks.md from benchmarks.json")
    args = parser.parse_args()
    if args.report_only:
        results = json.loads((args.out / "benchmarks.json").read_text())
        if args.notes and args.notes.exists():
            results["notes"] = [line.strip() for line in args.notes.read_text().splitlines() if line.strip()]
        write_report(results, args.out)
        return
    from generate import SCALES

    DATA.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {text}", flush=True)

    results: dict[str, Any] = {"machine": machine(), "repeat": args.repeat}
    scales = [SCALES[s] for s in args.scales.split(",") if s]
    if "status" in only:
        results["status"] = {s.name: bench_status(s, args.repeat, log) for s in scales}
    from generate import ensure

    small = ensure(SCALES["city"])[0]
    if "import" in only:
        results["import"] = bench_import(ensure(SCALES["province"])[0], min(args.repeat, 3), log)
    if "add" in only:
        results["add"] = bench_add(small, 200, max(10, args.repeat * 3), log)
    if "overview" in only:
        results["overview"] = bench_overview(max(args.repeat, 10), log)
    if "lake" in only:
        results["lake"] = bench_lake(scales[0] if scales else SCALES["city"], args.repeat, log)
    results["ratios"] = ratios(results)
    if args.notes and args.notes.exists():
        results["notes"] = [line.strip() for line in args.notes.read_text().splitlines() if line.strip()]
    write_report(results, args.out)
    print()
    for k, v in results["ratios"].items():
        print(f"{k:55s} {v:8.2f}x")
    print(f"\nWrote {args.out / 'benchmarks.md'} and {args.out / 'benchmarks.json'} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
