"""A synthetic catalogue of N goals with targets and readings, written through the library.

Used to measure the dashboard's overview at scale (bench/overview_time.py) and by the dashboard
tests. Indicators go in with catalog.import_catalog, readings with ingest.import_rows, so the data
passes the same validation as real input. Deterministic for a given N and seed.
"""

from __future__ import annotations

import random
from datetime import date

from monitor.files.catalog import DOMAINS, import_catalog
from monitor.files.ingest import import_rows
from monitor.model import Catalog, Direction, Frequency, Indicator, MeasureKind, Method, Target, TargetKind
from monitor.store.connection import Store

UNITS = ("架", "人次", "名", "件", "项", "个", "条", "元", "%")


def make_catalog(n: int, seed: int = 7) -> Catalog:
    """n indicators: about half with a reach target, a fifth with a threshold, the rest without."""
    rng = random.Random(seed)
    indicators, targets = [], []
    for k in range(n):
        unit = UNITS[k % len(UNITS)]
        percent = unit == "%"
        ident = f"synthetic-{k:04d}"
        indicators.append(Indicator(
            id=ident,
            name_zh=f"合成指标 {k:04d}",
            name_en=f"Synthetic goal {k:04d}",
            domain=DOMAINS[k % len(DOMAINS)],
            unit=unit,
            display_unit=unit if percent else f"万{unit}",
            measure=MeasureKind.RATIO if percent else MeasureKind.STOCK,
            direction=Direction.INCREASE,
            frequency=Frequency.YEARLY if percent else Frequency.HALF_YEARLY,
            lower_bound=0.0,
            upper_bound=100.0 if percent else None,
        ))
        kind = k % 10
        if kind < 5 and not percent:
            base = rng.uniform(1e3, 1e6)
            targets.append(Target(
                id=f"{ident}-reach", indicator_id=ident, kind=TargetKind.REACH, comparator=">=",
                value=round(base * rng.uniform(1.5, 3.0)), baseline_value=round(base), baseline_date=date(2022, 6, 30),
                deadline=date(2030, 6, 30), deadline_earliest=date(2028, 6, 30) if k % 2 else None,
                method=Method.CAGR,
            ))
        elif kind < 7 and percent:
            targets.append(Target(
                id=f"{ident}-threshold", indicator_id=ident, kind=TargetKind.THRESHOLD, comparator=">=",
                value=round(rng.uniform(60, 95), 1), period=Frequency.YEARLY,
            ))
    return Catalog(indicators=indicators, targets=targets)


def make_rows(catalog: Catalog, seed: int = 7) -> list[dict[str, str]]:
    """Readings for every indicator: half-yearly levels 2022–2025, or yearly percentages 2021–2024."""
    rng = random.Random(seed)
    baselines = {t.indicator_id: t.baseline_value for t in catalog.targets if t.baseline_value}
    rows: list[dict[str, str]] = []
    for i in catalog.indicators:
        if i.unit == "%":
            for year in range(2021, 2025):
                rows.append({
                    "indicator_id": i.id, "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
                    "value": f"{rng.uniform(55, 99):.1f}",
                })
            continue
        value = baselines.get(i.id) or rng.uniform(1e3, 1e6)
        for year in range(2022, 2026):
            for end in (f"{year}-06-30", f"{year}-12-31"):
                rows.append({"indicator_id": i.id, "period_end": end, "value": f"{value:.0f}"})
                value *= rng.uniform(0.97, 1.15)
    return rows


def populate(store: Store, n: int, seed: int = 7) -> dict[str, int]:
    """Create the schema and write n synthetic goals with their readings; counts written."""
    store.init()
    catalog = make_catalog(n, seed)
    result = import_catalog(store, catalog, recorded_by="synthetic")
    # Random series jump on purpose: taken as they are (monitor.model.plausibility would hold them).
    report = import_rows(store, make_rows(catalog, seed), source_name="synthetic", recorded_by="synthetic",
                         accept_jumps=True)
    return {"indicators": result["indicators_new"], "targets": result["targets_new"], "readings": report.new}
