"""Deterministic synthetic stores at city, province and nation scale, for the benchmark suite.

    .venv/bin/python bench/generate.py city|province|nation [--out PATH] [--seed 7] [--force]

The schema comes from the library's migrations (``Store.init``); indicators, targets and readings
are then written with a few set-based INSERT ... SELECT statements (no Python loop over rows), so
the nation scale (100,000 indicators x 20 years monthly = 24 million readings) takes a minute or
two. Randomness is DuckDB's ``hash()`` of (row, salt, seed): the same seed gives the same file with
the pinned DuckDB version. A manifest next to the file lets ``bench/run.py`` reuse it.

The mix (by ``i % 20``, i = indicator number):

| share | measure | periods |
|---|---|---|
| 40 % | stock (levels: racks, staff, ...) | points at month ends; 3 % of them start at 0 (CAGR undefined: linear fallback) |
| 20 % | flow (visits, revenue) | months; for a third of them December is the full-year total (365 days) |
| 20 % | ratio (%), year to date | Jan 1 to each month end (31 ... 365 days): yearly thresholds are provisional until December |
| 10 % | cumulative | running totals since the series start (half of them with ``cumulative_since``) |
| 5 % | yoy_change (%) | months |
| 5 % | ratio (%) | months |

10 % of the indicators stopped reporting 1 to 3 years before the end (stale at the as-of date).
About 5 % of readings are revised once (a revision-2 row), 5 % carry a qualifier (约, 以上, 余, 以下).
Targets: reach targets (CAGR or linear, some decreasing, windows "within 3-5 years", baselines given,
date-only or missing, some deadlines already past), threshold targets (yearly, monthly or point),
3 % re-stated as a second version, 2 % of indicators with two targets; about 30 % without a target.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.store.connection import Store  # noqa: E402

GENERATOR_VERSION = 3
DEFAULT_DIR = Path("/tmp/indicator-monitor-bench")


@dataclass(frozen=True)
class Scale:
    name: str
    indicators: int
    years: int
    as_of: date  # the date every benchmark judges at

    @property
    def months(self) -> int:
        return 12 * self.years

    @property
    def readings(self) -> int:
        return self.indicators * self.months

    @property
    def first_month(self) -> date:
        return date(2025 - self.years, 1, 1)


SCALES: dict[str, Scale] = {
    "city": Scale("city", 1_000, 10, date(2025, 2, 28)),
    "province": Scale("province", 10_000, 20, date(2025, 2, 28)),
    "nation": Scale("nation", 100_000, 20, date(2025, 2, 28)),
}


def _rnd(salt: int, *cols: str) -> str:
    """A uniform number in [0, 1) from the hash of the columns, the salt and the seed."""
    return f"((hash({', '.join(cols)}, {salt}, $seed) % 1000003) / 1000003.0)"


def _sql(scale: Scale) -> list[str]:
    first = scale.first_month.isoformat()
    m = scale.months
    ri = lambda salt: _rnd(salt, "i")  # noqa: E731  per indicator
    rk = lambda salt: _rnd(salt, "i", "k")  # noqa: E731  per reading slot
    return [
        # ---- the plan for each indicator: kind, growth, noise, target shape
        f"""
        CREATE OR REPLACE TEMP TABLE gen_ind AS
        SELECT i, printf('g%06d', i) AS id, i % 20 AS b,
               CASE WHEN i % 20 < 8 THEN 'stock' WHEN i % 20 < 12 THEN 'flow' WHEN i % 20 < 16 THEN 'ratio'
                    WHEN i % 20 < 18 THEN 'cumulative' WHEN i % 20 = 18 THEN 'yoy_change' ELSE 'ratio' END AS measure,
               i % 20 BETWEEN 12 AND 15 AS ytd,
               i % 20 BETWEEN 8 AND 11 AND i % 3 = 0 AS annual_december,
               {ri(1)} AS u_dir, {ri(2)} AS u_target, {ri(3)} AS u_base, {ri(4)} AS u_growth,
               {ri(5)} AS u_stale, {ri(6)} AS u_lag, {ri(7)} AS u_method, {ri(8)} AS u_deadline,
               {ri(9)} AS u_window, {ri(10)} AS u_baseline, {ri(11)} AS u_factor, {ri(12)} AS u_version,
               {ri(13)} AS u_zero, {ri(14)} AS u_level
        FROM range({scale.indicators}) AS t(i)
        """,
        f"""
        CREATE OR REPLACE TEMP TABLE gen_ind2 AS
        SELECT *,
               measure = 'stock' AND u_dir < 0.2 OR measure = 'ratio' AND NOT ytd AND u_dir < 0.3 AS decreasing,
               measure = 'stock' AND u_zero < 0.03 AS starts_at_zero,
               CASE WHEN u_stale < 0.10 THEN 12 + CAST(floor(u_stale * 240) AS INTEGER) ELSE 0 END AS shift_months,
               CAST(DATE '{first}' - to_months(CASE WHEN u_stale < 0.10 THEN 12 + CAST(floor(u_stale * 240) AS INTEGER) ELSE 0 END)
                    AS DATE) AS series_start,
               [15, 30, 30, 45, 60][1 + CAST(floor(u_lag * 5) AS INTEGER)] AS lag,
               CASE measure WHEN 'stock' THEN ['架', '名', '个', '项', '件'][1 + i % 5]
                            WHEN 'flow' THEN ['人次', '元'][1 + i % 2]
                            WHEN 'cumulative' THEN ['元', '项'][1 + i % 2]
                            ELSE '%' END AS unit
        FROM gen_ind
        """,
        """
        INSERT INTO indicator (id, name_zh, name_en, domain, unit, display_unit, measure, direction, frequency, lower_bound, upper_bound, responsible, publication_lag_days, cumulative_since, description, updated_at)
        SELECT id, '合成指标 ' || id, 'Synthetic indicator ' || id,
               ['tourism', 'ecology', 'digital', 'innovation', 'openness', 'livelihood'][1 + i % 6],
               unit, CASE WHEN unit IN ('%', '元', '人次') THEN (CASE unit WHEN '元' THEN '亿元' WHEN '人次' THEN '万人次' ELSE '%' END)
                          ELSE '万' || unit END,
               measure, CASE WHEN decreasing THEN 'decrease' ELSE 'increase' END, 'monthly',
               CASE WHEN measure = 'yoy_change' THEN -100.0 ELSE 0.0 END,
               CASE WHEN unit = '%' AND measure <> 'yoy_change' THEN 100.0 END,
               NULL, lag,
               CASE WHEN measure = 'cumulative' AND i % 2 = 0 THEN series_start END,
               NULL, TIMESTAMP '2025-01-01 00:00:00'
        FROM gen_ind2 ORDER BY i
        """,
        # ---- readings: one per indicator and month slot k (0 = the first month), time-ordered
        f"""
        CREATE OR REPLACE TEMP TABLE gen_slot AS
        SELECT g.i, g.id, g.series_start, g.measure, g.ytd, g.annual_december, g.decreasing, g.starts_at_zero, k,
               CAST(last_day(DATE '{first}' + to_months(k - g.shift_months)) AS DATE) AS period_end,
               CAST(DATE '{first}' + to_months(k - g.shift_months) AS DATE) AS month_start,
               (k - g.shift_months) / 12.0 AS t,
               g.u_growth, g.u_level, {rk(20)} AS u_noise, {rk(21)} AS u_rev, {rk(22)} AS u_qual
        FROM gen_ind2 AS g CROSS JOIN range({m}) AS s(k)
        """,
        """
        CREATE OR REPLACE TEMP TABLE gen_reading AS
        SELECT i, id, k, period_end, u_rev, u_qual, u_noise,
               CASE WHEN measure = 'stock' THEN period_end
                    WHEN measure = 'cumulative' THEN series_start
                    WHEN ytd OR annual_december AND month(period_end) = 12 THEN CAST(date_trunc('year', period_end) AS DATE)
                    ELSE month_start END AS period_start,
               CASE
                   WHEN measure = 'stock' AND starts_at_zero AND k < 24 THEN 0.0
                   WHEN measure = 'stock' THEN round((1e3 + u_level * 1e6)
                        * exp((CASE WHEN decreasing THEN -0.02 - 0.08 * u_growth ELSE -0.03 + 0.23 * u_growth END) * t
                              + 0.03 * (u_noise - 0.5)))
                   WHEN measure = 'flow' THEN round((1e4 + u_level * 1e7) * exp((0.12 * u_growth - 0.02) * t)
                        * (1 + 0.1 * sin(month(period_end) * 0.52) + 0.04 * (u_noise - 0.5))
                        * (CASE WHEN annual_december AND month(period_end) = 12 THEN 12 ELSE 1 END))
                   WHEN measure = 'cumulative' THEN round((1e3 + u_level * 1e5) * (k + 1) * exp(0.05 * u_growth * t))
                   WHEN measure = 'yoy_change' THEN round(-2 + 14 * u_growth + 6 * (u_noise - 0.5), 1)
                   WHEN decreasing THEN round(greatest(0.0, least(100.0, 5 + 30 * u_level - 1.0 * t + 2 * (u_noise - 0.5))), 1)
                   ELSE round(greatest(0.0, least(100.0, 55 + 40 * u_level + (0.6 * u_growth - 0.2) * t
                                                  + 3 * (u_noise - 0.5))), 1)
               END AS value
        FROM gen_slot
        """,
        """
        INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, source, note, recorded_by, recorded_at, batch_id, quote, source_date, speaker, office)
        SELECT id, period_start, period_end, 1, value,
               CASE WHEN u_qual < 0.95 THEN 'exact' WHEN u_qual < 0.97 THEN 'approx' WHEN u_qual < 0.98 THEN 'at_least'
                    WHEN u_qual < 0.99 THEN 'more_than' ELSE 'at_most' END,
               'synthetic', NULL, 'generator', TIMESTAMP '2025-01-01 00:00:00', 'gen-1', NULL, NULL, NULL, NULL
        FROM gen_reading ORDER BY period_end, i
        """,
        # About 5 % of readings revised once, recorded later (appended at the end, as in life).
        """
        INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, source, note, recorded_by, recorded_at, batch_id, quote, source_date, speaker, office)
        SELECT id, period_start, period_end, 2,
               CASE WHEN value = 0 THEN 0.0 WHEN id IN (SELECT id FROM gen_ind2 WHERE unit = '%')
                    THEN round(value + (u_noise - 0.5), 1) ELSE round(value * (1 + 0.02 * (u_noise - 0.5))) END,
               'exact', 'synthetic revision', NULL, 'generator', TIMESTAMP '2025-01-15 00:00:00', 'gen-2',
               NULL, NULL, NULL, NULL
        FROM gen_reading WHERE u_rev < 0.05 ORDER BY period_end, i
        """,
        # ---- targets
        """
        CREATE OR REPLACE TEMP TABLE gen_target AS
        WITH plan AS (
            SELECT g.*,
                   CASE
                       WHEN measure = 'stock' THEN CASE WHEN u_target < 0.6 THEN 'reach' WHEN u_target < 0.7 THEN 'threshold' END
                       WHEN measure = 'flow' THEN CASE WHEN u_target < 0.4 THEN 'reach' WHEN u_target < 0.7 THEN 'threshold' END
                       WHEN measure = 'ratio' AND ytd THEN CASE WHEN u_target < 0.6 THEN 'threshold' WHEN u_target < 0.8 THEN 'reach' END
                       WHEN measure = 'ratio' THEN CASE WHEN u_target < 0.5 THEN 'threshold' WHEN u_target < 0.7 THEN 'reach' END
                       WHEN measure = 'cumulative' THEN CASE WHEN u_target < 0.5 THEN 'reach' END
                       ELSE CASE WHEN u_target < 0.5 THEN 'threshold' END
                   END AS kind,
                   -- the baseline slot: the end of the third year (the first year for series starting at 0)
                   CASE WHEN starts_at_zero THEN 11 WHEN ytd OR annual_december THEN 35 ELSE 33 END AS base_k
            FROM gen_ind2 AS g
        ),
        based AS (
            SELECT p.*, r.value AS base_value_seen, r.period_end AS base_date_seen
            FROM plan AS p LEFT JOIN gen_reading AS r ON r.i = p.i AND r.k = p.base_k
            WHERE p.kind IS NOT NULL
        )
        SELECT i, id || '-t1' AS target_id, id AS indicator_id, kind,
               CASE WHEN kind = 'reach' THEN
                        CASE WHEN decreasing THEN (CASE WHEN u_method < 0.9 THEN '<=' ELSE '<' END)
                             ELSE (CASE WHEN u_method < 0.93 THEN '>=' ELSE '>' END) END
                    ELSE CASE WHEN decreasing OR u_method > 0.9 THEN '<=' ELSE '>=' END END AS comparator,
               CASE
                   WHEN kind = 'reach' AND decreasing THEN round(base_value_seen * (0.5 + 0.4 * u_factor), 1)
                   WHEN kind = 'reach' AND base_value_seen = 0 THEN round(1e4 + 1e5 * u_factor)
                   WHEN kind = 'reach' AND measure = 'ratio' THEN round(least(100.0, base_value_seen * (1.02 + 0.1 * u_factor)), 1)
                   WHEN kind = 'reach' THEN round(base_value_seen * (1.2 + 1.8 * u_factor))
                   WHEN measure = 'ratio' AND (decreasing OR u_method > 0.9) THEN round(10 + 30 * u_factor, 1)
                   WHEN measure = 'ratio' THEN round(60 + 35 * u_factor, 1)
                   WHEN measure = 'yoy_change' THEN round(2 + 6 * u_factor, 1)
                   ELSE round(base_value_seen * (0.8 + 0.6 * u_factor))
               END AS value,
               CASE WHEN kind = 'reach' AND u_baseline < 0.7 THEN base_value_seen END AS baseline_value,
               CASE WHEN kind = 'reach' AND u_baseline < 0.85 THEN base_date_seen END AS baseline_date,
               CASE WHEN kind = 'threshold' THEN NULL
                    WHEN u_deadline < 0.6 THEN DATE '2030-12-31' WHEN u_deadline < 0.85 THEN DATE '2027-12-31'
                    ELSE DATE '2023-12-31' END AS deadline,
               CASE WHEN kind = 'reach' AND u_window < 0.3 AND u_deadline < 0.85 THEN
                        (CASE WHEN u_deadline < 0.6 THEN DATE '2028-12-31' ELSE DATE '2026-12-31' END) END AS deadline_earliest,
               CASE WHEN kind = 'reach' AND u_method BETWEEN 0.6 AND 0.75 THEN 'linear' ELSE 'cagr' END AS method,
               CASE
                   WHEN kind = 'threshold' AND ytd THEN 'yearly'
                   WHEN kind = 'threshold' AND measure IN ('flow', 'yoy_change', 'ratio') THEN 'monthly'
                   WHEN kind = 'reach' AND (ytd OR annual_december) THEN 'yearly'
               END AS period
        FROM based
        """,
        """
        INSERT INTO target (id, indicator_id, version, kind, comparator, value, baseline_value, baseline_date, deadline, deadline_earliest, method, period, valid_from, recorded_at, note, quote, source, source_date, speaker, office)
        SELECT target_id, indicator_id, 1, kind, comparator, value, baseline_value, baseline_date, deadline,
               deadline_earliest, method, period, NULL, TIMESTAMP '2025-01-01 00:00:00', NULL,
               'synthetic target', 'generator', NULL, NULL, NULL
        FROM gen_target ORDER BY i
        """,
        # 3 % re-stated: a second version, in force from 2020 (2 %) or only after the as-of date (1 %).
        """
        INSERT INTO target (id, indicator_id, version, kind, comparator, value, baseline_value, baseline_date, deadline, deadline_earliest, method, period, valid_from, recorded_at, note, quote, source, source_date, speaker, office)
        SELECT t.target_id, t.indicator_id, 2, t.kind, t.comparator,
               CASE WHEN t.kind = 'threshold' THEN t.value ELSE round(t.value * 1.1, 1) END,
               t.baseline_value, t.baseline_date, t.deadline, t.deadline_earliest, t.method, t.period,
               CASE WHEN g.u_version < 0.02 THEN TIMESTAMP '2020-01-01 00:00:00' ELSE TIMESTAMP '2026-01-01 00:00:00' END,
               TIMESTAMP '2025-01-01 00:00:00', 'restated', 'synthetic target v2', 'generator', NULL, NULL, NULL
        FROM gen_target AS t JOIN gen_ind2 AS g USING (i)
        WHERE g.u_version < 0.03 ORDER BY t.i
        """,
        # 2 % of indicators carry a second, threshold target next to a reach one.
        """
        INSERT INTO target (id, indicator_id, version, kind, comparator, value, baseline_value, baseline_date, deadline, deadline_earliest, method, period, valid_from, recorded_at, note, quote, source, source_date, speaker, office)
        SELECT t.target_id || 'b', t.indicator_id, 1, 'threshold', t.comparator,
               CASE WHEN g.measure = 'ratio' THEN least(100.0, t.value) ELSE round(t.value * 0.6) END,
               NULL, NULL, NULL, NULL, 'cagr', t.period, NULL, TIMESTAMP '2025-01-01 00:00:00', NULL,
               'synthetic second target', 'generator', NULL, NULL, NULL
        FROM gen_target AS t JOIN gen_ind2 AS g USING (i)
        WHERE t.kind = 'reach' AND g.u_version > 0.98 ORDER BY t.i
        """,
    ]


def generate(scale: Scale, path: Path, seed: int = 7) -> dict[str, object]:
    """Create the store file at `path` (replacing one that exists) and return its manifest."""
    for stale in (path, *(path.with_name(path.name + suffix) for suffix in (".wal", ".lock", ".gate"))):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    store = Store(path, timeout_s=600)
    store.init()
    with store.write() as con:
        for statement in _sql(scale):
            con.execute(statement.replace("$seed", str(int(seed))))
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("indicator", "target", "reading")
        }
        for temp in ("gen_target", "gen_reading", "gen_slot", "gen_ind2", "gen_ind"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    store.close()
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "scale": asdict(scale) | {"as_of": scale.as_of.isoformat()},
        "seed": seed,
        "counts": counts,
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": path.stat().st_size,
    }
    _manifest_path(path).write_text(json.dumps(manifest, indent=2))
    return manifest


def _manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def ensure(scale: Scale, folder: Path = DEFAULT_DIR, seed: int = 7, force: bool = False) -> tuple[Path, dict[str, object]]:
    """The store for `scale` under `folder`, generated unless an up-to-date one is there."""
    path = folder / f"{scale.name}-s{seed}.duckdb"
    if not force and path.exists() and _manifest_path(path).exists():
        manifest = json.loads(_manifest_path(path).read_text())
        if manifest.get("generator_version") == GENERATOR_VERSION and manifest.get("seed") == seed:
            return path, manifest
    return path, generate(scale, path, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--out", type=Path, default=None, help=f"store file (default: {DEFAULT_DIR}/<scale>-s<seed>.duckdb)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="regenerate even when an up-to-date file exists")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    if args.out:
        manifest = generate(scale, args.out, args.seed)
        path = args.out
    else:
        path, manifest = ensure(scale, seed=args.seed, force=args.force)
    print(f"{path}: {json.dumps(manifest['counts'])} in {manifest['seconds']} s, {int(manifest['bytes']) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
