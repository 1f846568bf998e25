"""The set-based path (monitor.status.sets) gives the same status records as the per-goal engine
(monitor.status.engine): the contract behind monitor.status.statuses choosing between them.

Compared field by field for every goal, the summary evidence included (key by key, nested keys too): on
the seeded briefing at several as-of dates, on hand-made edge cases, on a few hundred random indicators
whose shapes, targets and readings are drawn to reach every branch of the engine, and on goals built on
both sides of every boundary of the methodology (bands of R, zero, achieved, deadlines, threshold
margins, provisional periods, staleness) — the last on both backends (DuckDB file and DuckLake). Every
goal of a shape the set-based path supports must have been computed by it (``computed_by``), so a goal
silently handed to the engine fails too.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from monitor.files.catalog import DOMAINS, import_catalog
from monitor.model import (
    STATUSES,
    Catalog,
    Direction,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Qualifier,
    Reading,
    Target,
    TargetKind,
)
from monitor.model.periods import add_months
from monitor.status import ComputedBy, Detail, StatusRecord, engine, sets, statuses
from monitor.status.record import FIELDS
from monitor.status.sets import status_table
from monitor.store.connection import Store


def status_records(store: Store, as_of: date, domain: str | None = None, known_on: Any = None,
                   detail: Detail = Detail.SUMMARY) -> list[StatusRecord]:
    """The engine's records of every goal, in the shape ``detail`` gives."""
    return [r.at(detail) for r in engine.statuses(store, as_of, domain, known_on=known_on)]


def status_rows(store: Store, as_of: date, domain: str | None = None, extras: bool = True,
                projections: bool = True, known_on: Any = None) -> list[StatusRecord]:
    """The set-based path's records of every goal."""
    return sets.statuses(store, as_of, domain, extras=extras, projections=projections, known_on=known_on)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return type(a) is type(b) and a == b or (a == b and {type(a), type(b)} <= {int, float})


_MISSING = object()


def _flat(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested dicts as (dotted key, leaf) pairs: evidence is compared leaf by leaf."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{prefix}.{k}" if prefix else str(k))
    else:
        yield prefix, value


def record_differences(expected: StatusRecord, got: StatusRecord) -> list[str]:
    """Every field that differs, the evidence leaf by leaf (a key on one side only is a difference)."""
    problems = []
    e, g = expected.as_dict(), got.as_dict()
    assert set(g) == set(e) == set(FIELDS)
    where = f"{e['indicator_id']}/{e['target_id']}"
    for key in FIELDS:
        if key in ("evidence", "computed_by"):
            continue
        if not _same(e[key], g[key]):
            problems.append(f"{where} {key}: engine {e[key]!r}, sets {g[key]!r} (status {e['status']}, by {g['computed_by']})")
    e_ev, g_ev = dict(_flat(e["evidence"])), dict(_flat(g["evidence"]))
    for key in sorted(set(e_ev) | set(g_ev)):
        a, b = e_ev.get(key, _MISSING), g_ev.get(key, _MISSING)
        if a is _MISSING or b is _MISSING or not _same(a, b):
            problems.append(f"{where} evidence.{key}: engine {'-' if a is _MISSING else repr(a)}, "
                            f"sets {'-' if b is _MISSING else repr(b)} (status {e['status']}, by {g['computed_by']})")
    return problems


def assert_same_records(store: Store, as_of: date, domain: str | None = None,
                        detail: Detail = Detail.SUMMARY) -> Counter[ComputedBy]:
    """Every field of every record equal, evidence included; returns how many goals each path computed."""
    expected = status_records(store, as_of, domain, detail=detail)
    got = status_rows(store, as_of, domain, extras=detail is Detail.SUMMARY)
    assert [(r.indicator_id, r.target_id) for r in got] == [(r.indicator_id, r.target_id) for r in expected]
    problems = [p for e, g in zip(expected, got, strict=True) for p in record_differences(e, g)]
    assert not problems, f"{len(problems)} differences at {as_of}:\n" + "\n".join(problems[:25])
    # The entry point gives the set-based records for every goal.
    through = statuses(store, as_of, domain=domain, detail=detail)
    assert [g.computed_by for g in through] == [g.computed_by for g in got]
    assert [p for a, b in zip(through, got, strict=True) for p in record_differences(a, b)] == []
    return Counter(g.computed_by for g in got)


# ---------------------------------------------------------------------------------------------
# Stores of this module on both backends


def _backends(test: str) -> list[str]:
    """The backends the module's own stores run on: the file always; the lake where conftest's rule
    (MONITOR_TEST_LAKE, on by default with CI=true) runs ``test`` on it."""
    from conftest import _runs_on_lake

    return ["file", "lake"] if _runs_on_lake("test_status_sql", test) else ["file"]


def _new_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str) -> Store:
    """A migrated empty store for a module fixture: a DuckDB file, or a DuckLake on the session's
    PostgreSQL cluster (conftest's ``lake``: skipped without PostgreSQL, a failure on CI)."""
    folder = tmp_path_factory.mktemp(name)
    if request.param == "lake":
        from monitor.store.lake import LakeStore

        location = request.getfixturevalue("lake").new(folder)
        store: Store = LakeStore(str(location), data_path=location.data_path)  # type: ignore[assignment]
    else:
        store = Store(folder / f"{name}.duckdb")
    store.init()
    return store


# ---------------------------------------------------------------------------------------------
# The seeded briefing


@pytest.mark.parametrize("as_of", [date(2024, 12, 31), date(2025, 7, 11), date(2026, 6, 30), date(2031, 1, 1)])
def test_seeded_briefing_matches_the_engine(fresh_db: Store, as_of: date) -> None:
    paths = assert_same_records(fresh_db, as_of)
    assert paths[ComputedBy.SETS] > 0


def test_domain_filter_matches_the_engine(fresh_db: Store) -> None:
    for domain in DOMAINS:
        assert_same_records(fresh_db, date(2025, 7, 11), domain)


# ---------------------------------------------------------------------------------------------
# Hand-made edge cases


def _ind(ident: str, measure: MeasureKind, frequency: Frequency = Frequency.YEARLY, **kw: Any) -> Indicator:
    return Indicator(
        id=ident, name_zh=ident, name_en=ident, domain=kw.pop("domain", "digital"), unit="x", display_unit="x",
        measure=measure, frequency=frequency, **kw,
    )


def _span(ident: str, start: date, end: date, value: float, q: Qualifier = Qualifier.EXACT) -> Reading:
    return Reading(ident, start, end, value, qualifier=q)


def _point(ident: str, day: date, value: float, q: Qualifier = Qualifier.EXACT) -> Reading:
    return Reading(ident, day, day, value, qualifier=q)


def _year(ident: str, y: int, value: float) -> Reading:
    return _span(ident, date(y, 1, 1), date(y, 12, 31), value)


def _reach(ident: str, indicator: str, value: float, **kw: Any) -> Target:
    return Target(id=ident, indicator_id=indicator, kind=TargetKind.REACH, comparator=kw.pop("comparator", ">="),
                  value=value, **kw)


def _threshold(ident: str, indicator: str, value: float, **kw: Any) -> Target:
    return Target(id=ident, indicator_id=indicator, kind=TargetKind.THRESHOLD, comparator=kw.pop("comparator", ">="),
                  value=value, **kw)


def _edge_catalog() -> tuple[Catalog, list[Reading]]:
    """Indicators, targets and readings for the cases docs/methodology.md describes; plus revisions."""
    S, F, R, C, Y = MeasureKind.STOCK, MeasureKind.FLOW, MeasureKind.RATIO, MeasureKind.CUMULATIVE, MeasureKind.YOY_CHANGE
    inds = [
        _ind("racks", S, Frequency.HALF_YEARLY),  # window deadline, CAGR
        _ind("air", R, Frequency.YEARLY),  # yearly threshold, Jan-Jun provisional
        _ind("complaints", R, Frequency.MONTHLY, direction=Direction.DECREASE),  # decrease, <=
        _ind("linear", S, Frequency.YEARLY),  # linear method
        _ind("zero", S, Frequency.YEARLY),  # zero baseline: linear fallback
        _ind("mixed", F, Frequency.MONTHLY),  # months and year totals: incomparable skipped
        _ind("trend", F, Frequency.QUARTERLY),  # no target, trend
        _ind("empty", S, Frequency.MONTHLY),  # no readings at all
        _ind("lonely", S, Frequency.YEARLY),  # one reading, no baseline: insufficient
        _ind("early", S, Frequency.YEARLY),  # deadline before baseline
        _ind("nodeadline", S, Frequency.IRREGULAR),  # no deadline
        _ind("datebase", F, Frequency.YEARLY),  # baseline date without value: two readings there
        _ind("since", C, Frequency.MONTHLY, cumulative_since=date(2021, 1, 1)),
        _ind("running", C, Frequency.MONTHLY),  # cumulative without a start date
        _ind("restart", C, Frequency.MONTHLY),  # running totals from two starts: engine
        _ind("thr-nop", F, Frequency.MONTHLY),  # threshold without a period: latest reading's shape
        _ind("thr-mix", F, Frequency.MONTHLY),  # newest date has a 31-day and a 40-day reading
        _ind("multiyear", F, Frequency.IRREGULAR),  # totals over 3 and 4 years from one start: engine
        _ind("leap", F, Frequency.YEARLY),  # 365 and 366-day years ending the same day
        _ind("qual", S, Frequency.YEARLY),  # qualifiers
        _ind("versions", S, Frequency.YEARLY),  # target restated later
        _ind("yoy", Y, Frequency.MONTHLY),
        _ind("point-stock", S, Frequency.QUARTERLY),  # stock with a non-point reading (skipped)
        _ind("flat", S, Frequency.YEARLY),  # target equals baseline: R undefined
        _ind("backwards", S, Frequency.YEARLY, direction=Direction.DECREASE),  # comparator disagrees
        _ind("other-domain", S, Frequency.YEARLY, domain="tourism"),
    ]
    d = date
    targets = [
        _reach("racks-50k", "racks", 50000, baseline_value=23000, baseline_date=d(2025, 6, 30),
               deadline=d(2030, 6, 30), deadline_earliest=d(2028, 6, 30)),
        _threshold("air-93", "air", 93, period=Frequency.YEARLY),
        _threshold("complaints-5", "complaints", 5, comparator="<=", period=Frequency.MONTHLY),
        _reach("complaints-down", "complaints", 2, comparator="<", baseline_value=8, baseline_date=d(2022, 12, 31),
               deadline=d(2026, 12, 31), period=Frequency.MONTHLY),
        _reach("linear-t", "linear", 200, baseline_value=100, baseline_date=d(2020, 12, 31), deadline=d(2030, 12, 31),
               method=Method.LINEAR),
        _reach("zero-t", "zero", 500, baseline_value=0, baseline_date=d(2020, 12, 31), deadline=d(2028, 12, 31)),
        _reach("mixed-t", "mixed", 2_000_000, period=Frequency.YEARLY, deadline=d(2029, 12, 31)),
        _reach("lonely-t", "lonely", 100, deadline=d(2030, 12, 31)),
        _reach("early-t", "early", 100, baseline_value=50, baseline_date=d(2024, 12, 31), deadline=d(2023, 12, 31)),
        _reach("nodeadline-t", "nodeadline", 100, baseline_value=50, baseline_date=d(2021, 12, 31)),
        _reach("datebase-t", "datebase", 900, baseline_date=d(2022, 12, 31), deadline=d(2027, 12, 31)),
        _reach("since-t", "since", 5000, deadline=d(2027, 12, 31)),
        _reach("running-t", "running", 5000, deadline=d(2027, 12, 31)),
        _reach("restart-t", "restart", 5000, deadline=d(2027, 12, 31)),
        _threshold("thr-nop-t", "thr-nop", 100),
        _threshold("thr-mix-t", "thr-mix", 100),
        _reach("multiyear-t", "multiyear", 9000, baseline_date=d(2023, 12, 31), deadline=d(2027, 12, 31)),
        _threshold("leap-t", "leap", 100, period=Frequency.YEARLY),
        _reach("qual-t", "qual", 100, baseline_value=50, baseline_date=d(2020, 12, 31), deadline=d(2030, 12, 31)),
        _threshold("qual-thr", "qual", 100, comparator=">"),
        _reach("versions-t", "versions", 100, baseline_value=50, baseline_date=d(2020, 12, 31), deadline=d(2030, 12, 31)),
        _threshold("yoy-t", "yoy", 5, period=Frequency.MONTHLY),
        _reach("point-stock-t", "point-stock", 100, deadline=d(2030, 12, 31)),
        _reach("flat-t", "flat", 50, baseline_value=50, baseline_date=d(2020, 12, 31), deadline=d(2030, 12, 31)),
        _reach("backwards-t", "backwards", 80, comparator=">=", baseline_value=50, baseline_date=d(2020, 12, 31),
               deadline=d(2030, 12, 31)),
        _reach("other-t", "other-domain", 80, baseline_value=50, baseline_date=d(2020, 12, 31), deadline=d(2030, 12, 31)),
    ]
    rs: list[Reading] = []
    rs += [_point("racks", d(2025, 6, 30), 23000), _point("racks", d(2025, 12, 31), 26000),
           _point("racks", d(2026, 6, 30), 30000)]
    rs += [_year("air", y, v) for y, v in ((2021, 94.0), (2022, 92.5), (2023, 93.4), (2024, 95.1))]
    rs += [_span("air", d(2025, 1, 1), d(2025, 6, 30), 91.7)]
    rs += [_span("complaints", d(y, m, 1), add_months(d(y, m, 1), 1) - timedelta(days=1), 9 - 0.1 * (12 * (y - 2022) + m))
           for y in (2022, 2023, 2024) for m in range(1, 13)]
    rs += [_year("linear", y, 100 + 9 * (y - 2020)) for y in range(2020, 2026)]
    rs += [_year("zero", y, max(0, 60 * (y - 2020))) for y in range(2020, 2026)]
    rs += [_span("mixed", d(y, m, 1), add_months(d(y, m, 1), 1) - timedelta(days=1), 100_000 + 1000 * m)
           for y in (2023, 2024) for m in range(1, 13)]
    rs += [_year("mixed", y, 1_300_000 + 50_000 * (y - 2022)) for y in (2022, 2023, 2024)]
    rs += [_span("mixed", d(2025, 1, 1), d(2025, 5, 31), 600_000)]
    rs += [_span("trend", d(y, q, 1), add_months(d(y, q, 1), 3) - timedelta(days=1), 10 + y - 2020 + q)
           for y in (2021, 2022, 2023) for q in (1, 4, 7, 10)]
    rs += [_point("lonely", d(2024, 12, 31), 40)]
    rs += [_point("early", d(2024, 12, 31), 50), _point("early", d(2025, 6, 30), 60)]
    rs += [_point("nodeadline", d(2021, 12, 31), 50), _point("nodeadline", d(2024, 12, 31), 101)]
    rs += [_year("datebase", 2022, 500), _span("datebase", d(2022, 7, 1), d(2022, 12, 31), 260),
           _year("datebase", 2023, 600), _year("datebase", 2024, 640)]
    rs += [_span("since", d(2021, 1, 1), add_months(d(2021, 1, 31), k), 100 * (k + 1)) for k in range(30)]
    rs += [_span("running", d(2022, 1, 1), add_months(d(2022, 1, 31), k), 150 * (k + 1)) for k in range(24)]
    rs += [_span("restart", d(2022, 1, 1), d(2022, 1, 31), 100), _span("restart", d(2022, 1, 1), d(2022, 12, 31), 1200),
           _span("restart", d(2023, 1, 1), d(2023, 1, 31), 110), _span("restart", d(2023, 1, 1), d(2023, 6, 30), 700),
           _span("restart", d(2022, 1, 1), d(2023, 12, 31), 2600)]
    rs += [_span("thr-nop", d(2024, m, 1), add_months(d(2024, m, 1), 1) - timedelta(days=1), 90 + 3 * m) for m in range(1, 13)]
    rs += [_span("thr-mix", d(2024, 12, 1), d(2024, 12, 31), 120), _span("thr-mix", d(2024, 11, 22), d(2024, 12, 31), 99),
           _span("thr-mix", d(2024, 11, 1), d(2024, 11, 30), 80)]
    rs += [_span("multiyear", d(2021, 1, 1), d(2023, 12, 31), 3000), _span("multiyear", d(2021, 1, 1), d(2024, 12, 31), 4100)]
    rs += [_span("leap", d(2024, 1, 1), d(2024, 12, 31), 101), _span("leap", d(2024, 1, 2), d(2024, 12, 31), 99),
           _span("leap", d(2023, 1, 1), d(2023, 12, 31), 98)]
    rs += [_point("qual", d(2020, 12, 31), 50), _point("qual", d(2023, 12, 31), 100, Qualifier.AT_MOST),
           _point("qual", d(2024, 12, 31), 100, Qualifier.MORE_THAN)]
    rs += [_point("versions", d(2020, 12, 31), 50), _point("versions", d(2024, 12, 31), 70)]
    rs += [_span("yoy", d(2024, m, 1), add_months(d(2024, m, 1), 1) - timedelta(days=1), 3.0 + m * 0.4) for m in range(1, 13)]
    rs += [_point("point-stock", d(2022, 12, 31), 40), _point("point-stock", d(2023, 12, 31), 45),
           _span("point-stock", d(2024, 1, 1), d(2024, 12, 31), 47)]
    rs += [_point("flat", d(2020, 12, 31), 50), _point("flat", d(2024, 12, 31), 48)]
    rs += [_point("backwards", d(2020, 12, 31), 50), _point("backwards", d(2024, 12, 31), 60)]
    rs += [_point("other-domain", d(2020, 12, 31), 50), _point("other-domain", d(2024, 12, 31), 60)]
    # Later corrections: the latest reading of racks, a baseline-date reading, a threshold's latest.
    revisions = [_point("racks", d(2026, 6, 30), 31000), _year("datebase", 2022, 520),
                 _year("air", 2024, 92.9), _span("air", d(2025, 1, 1), d(2025, 6, 30), 93.2, Qualifier.APPROX)]
    return Catalog(indicators=inds, targets=targets, readings=rs), revisions


@pytest.fixture(scope="module", params=_backends("edge_db"))
def edge_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _new_store(request, tmp_path_factory, "edge")
    catalog, revisions = _edge_catalog()
    import_catalog(store, catalog, recorded_by="test")
    import_catalog(store, Catalog(readings=revisions), recorded_by="test")
    # A restated target (in force from 2024) and one restated only from 2030.
    versions = next(t for t in catalog.targets if t.id == "versions-t")
    import_catalog(store, Catalog(targets=[Target(**{**versions.__dict__, "value": 65.0, "valid_from": datetime(2024, 1, 1)})]))
    flat = next(t for t in catalog.targets if t.id == "flat-t")
    import_catalog(store, Catalog(targets=[Target(**{**flat.__dict__, "value": 70.0, "valid_from": datetime(2030, 1, 1)})]))
    yield store
    store.close()


@pytest.mark.parametrize(
    "as_of", [date(2020, 1, 1), date(2022, 12, 31), date(2024, 6, 30), date(2025, 3, 15), date(2025, 8, 1),
              date(2026, 12, 31), date(2031, 6, 30)],
)
def test_edge_cases_match_the_engine(edge_db: Store, as_of: date) -> None:
    assert_same_records(edge_db, as_of)


def test_edge_cases_left_to_the_engine_say_so(edge_db: Store) -> None:
    rows = {r.target_id or r.indicator_id: r for r in status_rows(edge_db, date(2025, 8, 1))}
    # Running totals restarting every year (two Januaries: 31 days each, from two starts), and totals
    # over 3 and 4 years from one start judged against the 3-year one.
    assert rows["restart-t"].computed_by is ComputedBy.ENGINE
    assert rows["multiyear-t"].computed_by is ComputedBy.ENGINE
    assert rows["thr-mix-t"].computed_by is ComputedBy.SETS
    assert rows["racks-50k"].computed_by is ComputedBy.SETS
    assert rows["air-93"].provisional is True


def test_domain_filter_on_edge_cases(edge_db: Store) -> None:
    assert_same_records(edge_db, date(2025, 8, 1), "tourism")
    assert_same_records(edge_db, date(2025, 8, 1), "digital")


def test_broken_rows_are_left_to_the_engine(tmp_path: Path) -> None:
    """A value that is not finite (written around the library) sends its indicator to the engine."""
    store = Store(tmp_path / "broken.duckdb")
    store.init()
    catalog, _ = _edge_catalog()
    import_catalog(store, catalog, recorded_by="test")
    with store.write() as con:
        con.execute(
            "INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, recorded_at) "
            "VALUES ('linear', DATE '2025-12-31', DATE '2025-12-31', 1, 'nan'::DOUBLE, 'exact', now())"
        )
    paths = assert_same_records(store, date(2026, 6, 30))
    assert paths[ComputedBy.ENGINE] >= 1


def test_no_goal_at_all(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.duckdb")
    store.init()
    assert status_rows(store, date(2025, 1, 1)) == status_records(store, date(2025, 1, 1)) == []
    assert len(status_table(store, date(2025, 1, 1))) == 0


# ---------------------------------------------------------------------------------------------
# Random indicators


def _random_catalog(seed: int, n: int) -> tuple[Catalog, list[Reading]]:
    rng = random.Random(seed)
    inds: list[Indicator] = []
    targets: list[Target] = []
    readings: list[Reading] = []
    revisions: list[Reading] = []
    freqs = list(Frequency)
    for k in range(n):
        ident = f"r{k:03d}"
        measure = rng.choice(list(MeasureKind))
        shape = rng.choice(["point", "month", "quarter", "year", "ytd", "mixed", "cum"])
        if measure is MeasureKind.STOCK and rng.random() < 0.8:
            shape = "point"
        if measure is MeasureKind.CUMULATIVE:
            shape = rng.choice(["cum", "cum", "point", "month"])
        since = date(2019, 1, 1) if measure is MeasureKind.CUMULATIVE and rng.random() < 0.5 else None
        inds.append(_ind(ident, measure, rng.choice(freqs), cumulative_since=since,
                         direction=rng.choice(list(Direction)), publication_lag_days=rng.choice([0, 15, 30, 90]),
                         domain=rng.choice(DOMAINS)))
        level = rng.choice([0.0, 1.0, 50.0, 1000.0])
        growth = rng.uniform(-0.2, 0.4)
        ends: list[tuple[date, date]] = []
        start_year = rng.choice([2017, 2019, 2021])
        for y in range(start_year, 2026):
            for m in range(1, 13):
                end = add_months(date(y, m, 1), 1) - timedelta(days=1)
                if end > date(2025, 9, 30) or rng.random() < 0.15:
                    continue
                first = date(y, m, 1)
                if shape == "point":
                    if m % 3 == 0:
                        ends.append((end, end))
                elif shape == "month":
                    ends.append((first, end))
                elif shape == "quarter" and m % 3 == 0:
                    ends.append((add_months(first, -2), end))
                elif shape == "year" and m == 12:
                    ends.append((date(y, 1, 1), end))
                elif shape == "ytd":
                    ends.append((date(y, 1, 1), end))
                elif shape == "mixed":
                    ends.append((first, end))
                    if m in (6, 12):
                        ends.append((date(y, 1, 1), end))
                elif shape == "cum":
                    # From `since` even before it: such readings end before they start, which the
                    # engine skips with a reason and the set-based path leaves to the engine.
                    ends.append((since or date(start_year, 1, 1), end))
        for _i, (start, end) in enumerate(ends):
            t = (end - date(2017, 1, 1)).days / 365.25
            value = round(max(0.0, level * (1 + growth) ** t + rng.uniform(-3, 3)) if level else rng.choice([0.0, 1.0, 2.0]), 2)
            q = rng.choices(list(Qualifier), weights=[80, 5, 5, 5, 5])[0]
            readings.append(_span(ident, start, end, value, q))
            if rng.random() < 0.08:
                revisions.append(_span(ident, start, end, round(value * rng.uniform(0.9, 1.1) + 0.5, 2), q))
        n_targets = rng.choices([0, 1, 2], weights=[30, 60, 10])[0]
        for j in range(n_targets):
            comparator = rng.choice([">=", ">", "<=", "<"])
            base = rng.choice(ends) if ends and rng.random() < 0.8 else None
            base_value = next((r.value for r in readings if r.indicator_id == ident and (r.period_start, r.period_end) == base), None)
            value = round((base_value or level or 10) * rng.uniform(0.5, 2.5), 1)
            if rng.random() < 0.5:
                targets.append(_reach(
                    f"{ident}-t{j}", ident, value, comparator=comparator,
                    baseline_value=base_value if base and rng.random() < 0.6 else None,
                    baseline_date=base[1] if base and rng.random() < 0.8 else None,
                    deadline=rng.choice([None, date(2023, 12, 31), date(2027, 6, 30), date(2030, 12, 31)]),
                    deadline_earliest=rng.choice([None, date(2026, 12, 31)]),
                    method=rng.choice([Method.CAGR, Method.CAGR, Method.LINEAR]),
                    period=rng.choice([None, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY]),
                ))
            else:
                targets.append(_threshold(
                    f"{ident}-t{j}", ident, value, comparator=comparator,
                    baseline_date=base[1] if base and rng.random() < 0.3 else None,
                    period=rng.choice([None, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.HALF_YEARLY, Frequency.YEARLY,
                                       Frequency.IRREGULAR]),
                ))
    return Catalog(indicators=inds, targets=targets, readings=readings), revisions


RANDOM_SEED, RANDOM_INDICATORS = 11, 300


@pytest.fixture(scope="module", params=_backends("random_db"))
def random_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _new_store(request, tmp_path_factory, "random")
    catalog, revisions = _random_catalog(seed=RANDOM_SEED, n=RANDOM_INDICATORS)
    import_catalog(store, catalog, recorded_by="test")
    import_catalog(store, Catalog(readings=revisions), recorded_by="test")
    yield store
    store.close()


@pytest.mark.parametrize(
    "as_of", [date(2018, 3, 1), date(2020, 6, 30), date(2022, 1, 15), date(2023, 12, 31), date(2024, 7, 31),
              date(2025, 6, 30), date(2025, 12, 31), date(2029, 1, 1)],
)
def test_random_indicators_match_the_engine(random_db: Store, as_of: date) -> None:
    paths = assert_same_records(random_db, as_of)
    assert paths[ComputedBy.SETS] > paths[ComputedBy.ENGINE]


RANDOM_DATES = [date(2018, 3, 1), date(2020, 6, 30), date(2022, 1, 15), date(2023, 12, 31), date(2024, 7, 31),
                date(2025, 6, 30), date(2025, 12, 31), date(2029, 1, 1)]


def _goal_shape(indicator: Indicator, target: Target | None) -> tuple[str, str, str]:
    """(measure, kind, form): what decides how the engine reads a goal's readings."""
    if target is None:
        return indicator.measure.value, "none", "-"
    if target.kind is TargetKind.REACH:
        form = ("stated baseline" if target.baseline_value is not None and target.baseline_date is not None
                else "baseline date" if target.baseline_date is not None else "no baseline")
    else:
        form = "period" if target.period is not None else "no period"
    return indicator.measure.value, target.kind.value, form


def _supported(indicator: Indicator, readings: list[Reading]) -> bool:
    """Whether the set-based path represents the goals of this indicator (its module docstring): no
    reading that ends before it starts or is not finite; running totals from one start only; and,
    but for stocks, no period of 400 days or more, which would be grouped by its start date."""
    if any(r.period_end < r.period_start or not math.isfinite(r.value) for r in readings):
        return False
    if indicator.measure is MeasureKind.CUMULATIVE:
        return len({r.period_start for r in readings}) <= 1
    return indicator.measure is MeasureKind.STOCK or all((r.period_end - r.period_start).days < 400 for r in readings)


def test_every_goal_of_a_supported_shape_is_computed_set_wise(random_db: Store) -> None:
    """Per goal shape, the goals the set-based path supports were computed by it, not handed to the
    engine (which would compare the engine with itself); and every shape has such goals."""
    catalog, revisions = _random_catalog(seed=RANDOM_SEED, n=RANDOM_INDICATORS)
    indicators = {i.id: i for i in catalog.indicators}
    targets = {(t.indicator_id, t.id): t for t in catalog.targets}
    readings: dict[str, list[Reading]] = defaultdict(list)
    for r in catalog.readings + revisions:
        readings[r.indicator_id].append(r)
    supported: Counter[tuple[str, str, str]] = Counter()
    handed: list[str] = []
    for as_of in RANDOM_DATES:
        for record in status_rows(random_db, as_of, extras=False):
            indicator = indicators[record.indicator_id]
            known = [r for r in readings[indicator.id] if r.period_end <= as_of]
            if not _supported(indicator, known):
                continue
            shape = _goal_shape(indicator, targets.get((indicator.id, record.target_id)))
            supported[shape] += 1
            if record.computed_by is not ComputedBy.SETS:
                handed.append(f"{as_of} {record.indicator_id}/{record.target_id} {shape}")
    assert handed == []
    every_shape = {(m.value, "none", "-") for m in MeasureKind} | {
        (m.value, kind, form) for m in MeasureKind
        for kind, forms in (("reach", ("stated baseline", "baseline date", "no baseline")), ("threshold", ("period", "no period")))
        for form in forms
    }
    assert every_shape - set(supported) == set(), supported


def test_the_brief_records_match_the_engine(random_db: Store) -> None:
    """Detail.BRIEF (the overview, a refresh's comparison): no second pass on the set-based side."""
    for as_of in (date(2022, 1, 15), date(2025, 6, 30)):
        assert_same_records(random_db, as_of, detail=Detail.BRIEF)


def test_the_entry_point_routes_by_detail_and_indicators(edge_db: Store) -> None:
    day = date(2025, 8, 1)
    summary = statuses(edge_db, day)
    full = statuses(edge_db, day, detail=Detail.FULL)
    assert [r.computed_by for r in full] == [ComputedBy.ENGINE] * len(full)
    assert Counter(r.computed_by for r in summary)[ComputedBy.SETS] == len(summary) - 2  # restart-t, multiyear-t
    # The summary evidence is the full one restricted to its keys; the rest is the engine's working.
    for s_record, f_record in zip(summary, full, strict=False):
        assert record_differences(s_record, f_record.at(Detail.SUMMARY)) == []
        assert "reasons" in f_record.evidence and "reasons" not in s_record.evidence
    # One indicator: the engine reads only its readings, in any detail.
    [one] = statuses(edge_db, day, indicator_ids=["air"], detail=Detail.SUMMARY)
    assert one.computed_by is ComputedBy.ENGINE and one.target_id == "air-93"
    assert record_differences(one, next(r for r in summary if r.target_id == "air-93")) == []
    assert statuses(edge_db, day, indicator_ids=["air"], domain="tourism") == []
    assert statuses(edge_db, day, indicator_ids=[]) == []


# ---------------------------------------------------------------------------------------------
# Both sides of every boundary, on both backends

BAND_AS_OF = date(2024, 6, 30)
# Baseline, latest and deadline 4 and 8 years of 365.25 days apart (1461, 2922 days): with linear rates
# R = (latest - baseline) / 4 / ((target - baseline) / 8) exactly, so R can sit on a band's bound.
T0, T1, T_END = date(2020, 1, 1), date(2024, 1, 1), date(2028, 1, 1)


class Band:
    """Goals built on either side of each boundary, one indicator each, with the status expected."""

    def __init__(self) -> None:
        self.indicators: list[Indicator] = []
        self.targets: list[Target] = []
        self.readings: list[Reading] = []
        self.expected: dict[str, tuple[str, str]] = {}  # goal -> (branch, status)

    def goal(self, branch: str, status: str, measure: MeasureKind = MeasureKind.STOCK, target: dict[str, Any] | None = None,
             readings: list[tuple[date, date, float, Qualifier]] = (), **indicator: Any) -> None:  # type: ignore[assignment]
        ident = f"b{len(self.indicators):03d}"
        self.indicators.append(_ind(ident, measure, **{"frequency": Frequency.IRREGULAR, **indicator}))
        if target is not None:
            kind = target.pop("kind", TargetKind.REACH)
            self.targets.append(Target(id=f"{ident}-t", indicator_id=ident, kind=kind, **target))
        self.readings += [Reading(ident, start, end, value, qualifier=q) for start, end, value, q in readings]
        self.expected[ident] = (branch, status)

    def reach(self, branch: str, status: str, latest: float, *, comparator: str = ">=", baseline: float = 100.0,
              value: float = 180.0, at: date = T1, deadline: date | None = T_END, method: Method = Method.LINEAR,
              q: Qualifier = Qualifier.EXACT) -> None:
        target = dict(comparator=comparator, value=value, baseline_value=baseline, baseline_date=T0,
                      deadline=deadline, method=method)
        self.goal(branch, status, target=target, readings=[(T0, T0, baseline, Qualifier.EXACT), (at, at, latest, q)])

    def threshold(self, branch: str, status: str, latest: float, *, comparator: str = ">=", value: float = 93.0,
                  q: Qualifier = Qualifier.EXACT) -> None:
        target = dict(kind=TargetKind.THRESHOLD, comparator=comparator, value=value)
        self.goal(branch, status, target=target, readings=[(T1, T1, latest, q)])


def _band_catalog() -> Band:
    b = Band()
    # R's bands, target 180 from 100 (10 a year needed): up, and down (target 20, comparator <=).
    for comparator, sign, value in ((">=", 1, 180.0), ("<=", -1, 20.0)):
        for bound, at_bound, below in ((0.95, "on_track", "needs_acceleration"), (0.60, "needs_acceleration", "limited_progress"),
                                       (0.0, "limited_progress", "deterioration")):
            latest = 100 + sign * 40 * bound  # R exactly at the bound
            b.reach(f"{comparator} R = {bound}", at_bound, latest, comparator=comparator, value=value)
            b.reach(f"{comparator} R just above {bound}", at_bound, latest + sign * 0.1, comparator=comparator, value=value)
            b.reach(f"{comparator} R just below {bound}", below, latest - sign * 0.1, comparator=comparator, value=value)
    # The same bands with CAGR rates (target 256 from 1: 100 % a year needed), just either side.
    for latest, status in ((1.95 ** 4 * 1.0001, "on_track"), (1.95 ** 4 * 0.9999, "needs_acceleration"),
                           (1.60 ** 4 * 1.0001, "needs_acceleration"), (1.60 ** 4 * 0.9999, "limited_progress"),
                           (1.0001, "limited_progress"), (0.9999, "deterioration")):
        b.reach(f"CAGR R near {latest:.4f}", status, latest, baseline=1.0, value=256.0, method=Method.CAGR)
    # CAGR needs positive values: a zero baseline falls back to linear rates, a small positive one does not.
    b.reach("CAGR with a zero baseline: linear", "on_track", 95.0, baseline=0.0, value=100.0, method=Method.CAGR)
    b.reach("CAGR with a positive baseline", "on_track", 95.0, baseline=0.5, value=100.0, method=Method.CAGR)
    # Achieved: the latest reading meets the target exactly, with each qualifier and comparator.
    for comparator, value in ((">=", 180.0), (">", 180.0), ("<=", 20.0), ("<", 20.0)):
        for q in Qualifier:
            met = _meets_by_hand(value, q, comparator, value)
            b.reach(f"{comparator} target with {q.value} {value:g}", "achieved" if met else "on_track", value,
                    comparator=comparator, value=value, q=q)
    # The target equals the baseline: R undefined, judged by the sign of the change (zero is no loss).
    b.reach("flat target, no change, >", "limited_progress", 100.0, comparator=">", value=100.0)
    b.reach("flat target, no change, <", "limited_progress", 100.0, comparator="<", value=100.0)
    b.reach("flat target, a loss", "deterioration", 99.9, value=100.0)
    b.reach("flat target, a rise, <=", "deterioration", 100.1, comparator="<=", value=100.0)
    # The deadline: a reading on it that falls short is not met; a day before, the pace is judged.
    b.reach("latest on the deadline", "not_met", 150.0, deadline=T1)
    b.reach("latest a day before the deadline", "needs_acceleration", 150.0, deadline=T1 + timedelta(days=1))
    # A deadline on the baseline date gives no pace; a day later it does (and has passed).
    b.reach("deadline on the baseline date", "insufficient_data", 150.0, deadline=T0)
    b.reach("deadline on the baseline date, met", "achieved", 190.0, deadline=T0)
    b.reach("deadline a day after the baseline", "not_met", 150.0, deadline=T0 + timedelta(days=1))
    b.reach("no deadline", "insufficient_data", 150.0, deadline=None)
    b.reach("no deadline, met", "achieved", 190.0, deadline=None)
    # Only the baseline reading: nothing after the baseline date; a day after it, a reading counts.
    b.goal("reading on the baseline date only", "insufficient_data",
           target=dict(comparator=">=", value=180.0, baseline_value=100.0, baseline_date=T0, deadline=T_END),
           readings=[(T0, T0, 100.0, Qualifier.EXACT)])
    b.reach("reading a day after the baseline", "on_track", 100.5, at=T0 + timedelta(days=1))
    # Thresholds: on the value, just either side, each comparator and qualifier.
    for comparator in (">=", ">", "<=", "<"):
        for q in Qualifier:
            met = _meets_by_hand(93.0, q, comparator, 93.0)
            b.threshold(f"threshold {comparator} 93 with {q.value} 93", "met" if met else "not_met", 93.0,
                        comparator=comparator, q=q)
        up = comparator in (">=", ">")
        b.threshold(f"threshold {comparator} 93, 93.1", "met" if up else "not_met", 93.1, comparator=comparator)
        b.threshold(f"threshold {comparator} 93, 92.9", "not_met" if up else "met", 92.9, comparator=comparator)
    # A yearly threshold: 362..369 days is a full year (365.25 +- 4), 361 is a part-year (provisional),
    # 370 is longer and not comparable.
    for days, status in ((361, "met"), (362, "met"), (369, "met"), (370, "insufficient_data")):
        end = date(2023, 12, 31)
        b.goal(f"yearly threshold on {days} days", status, MeasureKind.RATIO,
               target=dict(kind=TargetKind.THRESHOLD, comparator=">=", value=93.0, period=Frequency.YEARLY),
               readings=[(end - timedelta(days=days - 1), end, 95.0, Qualifier.EXACT)])
    # Staleness: due on the as-of date is not yet overdue, a day earlier it is; month ends stay month
    # ends (2024-04-30 + 1 month is 05-31, so a 30-day lag makes it due on 06-30).
    for last, frequency, lag, stale in ((date(2022, 12, 31), Frequency.YEARLY, 182, False),
                                        (date(2022, 12, 31), Frequency.YEARLY, 181, True),
                                        (date(2024, 4, 30), Frequency.MONTHLY, 30, False),
                                        (date(2024, 4, 30), Frequency.MONTHLY, 29, True)):
        b.goal(f"{frequency.value} series due {'before' if stale else 'on'} the as-of date", "no_target",
               readings=[(last, last, 1.0, Qualifier.EXACT)], frequency=frequency, publication_lag_days=lag)
    # Without a target: a trend from two comparable readings, none from one; linear through zero.
    b.goal("no target, two readings", "no_target", readings=[(T0, T0, 10.0, Qualifier.EXACT), (T1, T1, 20.0, Qualifier.EXACT)])
    b.goal("no target, from zero", "no_target", readings=[(T0, T0, 0.0, Qualifier.EXACT), (T1, T1, 20.0, Qualifier.EXACT)])
    b.goal("no target, one reading", "no_target", readings=[(T1, T1, 20.0, Qualifier.EXACT)])
    b.goal("no target, no reading", "no_target")
    return b


STALE_BY_BRANCH = {"yearly series due before the as-of date": True, "yearly series due on the as-of date": False,
                   "monthly series due before the as-of date": True, "monthly series due on the as-of date": False}


def _meets_by_hand(value: float, q: Qualifier, comparator: str, threshold: float) -> bool:
    """At value == threshold: which qualified readings prove the comparison (docs/methodology.md, 2.3)."""
    assert value == threshold
    return {
        ">=": q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_LEAST, Qualifier.MORE_THAN),
        ">": q is Qualifier.MORE_THAN,
        "<=": q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_MOST),
        "<": False,
    }[comparator]


@pytest.fixture(scope="module", params=_backends("test_every_boundary_is_reached_on_both_paths"))
def band_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _new_store(request, tmp_path_factory, "bands")
    band = _band_catalog()
    import_catalog(store, Catalog(indicators=band.indicators, targets=band.targets, readings=band.readings),
                   recorded_by="test")
    yield store
    store.close()


def test_every_boundary_is_reached_on_both_paths(band_db: Store) -> None:
    """Each goal lands on its side of its boundary on both paths (which agree on every field), computed
    set-wise; and every status is reached. A bound moved by one comparison (>= for >) fails here."""
    band = _band_catalog()
    paths = assert_same_records(band_db, BAND_AS_OF)
    assert paths == {ComputedBy.SETS: len(band.expected)}
    got = {r.indicator_id: r for r in status_rows(band_db, BAND_AS_OF)}
    wrong = [f"{branch}: {got[ident].status}, expected {status}"
             for ident, (branch, status) in band.expected.items() if got[ident].status != status]
    assert wrong == []
    assert {status for _, status in band.expected.values()} == set(STATUSES)
    by_branch = {branch: got[ident] for ident, (branch, _) in band.expected.items()}
    for branch, stale in STALE_BY_BRANCH.items():
        assert by_branch[branch].stale is stale, branch
    for bound in (0.95, 0.6, 0.0):
        assert by_branch[f">= R = {bound}"].ratio == bound and by_branch[f"<= R = {bound}"].ratio == bound
    assert by_branch["CAGR with a zero baseline: linear"].evidence["method_used"] == "linear"
    assert by_branch["CAGR with a positive baseline"].evidence["method_used"] == "cagr"
    assert [by_branch[f"yearly threshold on {d} days"].provisional for d in (361, 362, 369)] == [True, False, False]
    assert by_branch["threshold >= 93 with exact 93"].margin == 0.0
    assert by_branch["no target, two readings"].trend_cagr is not None
    assert by_branch["no target, from zero"].evidence["trend_linear_per_year"] == 5.0
    assert by_branch["no target, one reading"].trend_cagr is None


# ---------------------------------------------------------------------------------------------
# The overview's sparklines, shaped in SQL


def _python_sparklines(store: Store, as_of: date) -> tuple[dict[str, list[float]], set[str]]:
    """overview.sparkline over every indicator's readings; and the indicators it cannot take (a
    period ending before it starts: monitor.model.periods.Period refuses it, the SQL shows the others)."""
    from monitor.present.overview import sparkline
    from monitor.store import queries

    with store.read() as con:
        readings = queries.list_readings(con, as_of=as_of)
    series: dict[str, list[Reading]] = {}
    for r in readings:
        series.setdefault(r.indicator_id, []).append(r)
    broken = {k for k, rs in series.items() if any(r.period_end < r.period_start for r in rs)}
    return {k: v for k, v in ((k, sparkline(rs)) for k, rs in series.items() if k not in broken) if v}, broken


@pytest.mark.parametrize("as_of", [date(2022, 12, 31), date(2025, 8, 1)])
def test_sparklines_match_the_python_ones(fresh_db: Store, edge_db: Store, random_db: Store, as_of: date) -> None:
    from monitor.present.overview import SPARKLINE_POINTS
    from monitor.store import status_queries

    for store in (fresh_db, edge_db, random_db):
        with store.read() as con:
            got = status_queries.sparklines(con, as_of, SPARKLINE_POINTS)
        expected, broken = _python_sparklines(store, as_of)
        assert {k: v for k, v in got.items() if k not in broken} == expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_table_reads_the_same_from_either_path(edge_db: Store, lang: str) -> None:
    """`monitor status` (the table, not --json) can print the set-based records: same words, same figures."""
    from rich.console import Console

    from monitor.present.wording import status_table as render

    day = date(2025, 8, 1)

    def text(records: list[dict[str, Any]]) -> str:
        console = Console(width=240, record=True, file=open("/dev/null", "w"))
        console.print(render(records, day, lang))
        return console.export_text()

    assert text([r.as_dict() for r in status_rows(edge_db, day, projections=False)]) == text(
        [r.as_dict() for r in status_records(edge_db, day, detail=Detail.FULL)])


def test_vectorised_margins_are_the_engines_decimal_differences() -> None:
    """91.7 - 93 is -1.3 in the engine (decimal subtraction); the vectorised margins agree bit for bit."""
    import numpy as np

    from monitor.status import progress
    from monitor.status.sets import _margins

    rng = random.Random(5)
    values = [91.7, 93.0, 0.1, 0.2, 1e-7, 123456789.123, 5e9, -2.5, 0.0]
    values += [round(rng.uniform(-1e4, 1e4), rng.randint(0, 7)) for _ in range(3000)]
    values += [rng.uniform(-1e12, 1e12) for _ in range(500)]
    a, b = np.array(values), np.array(values[::-1])
    above = np.array([rng.random() < 0.5 for _ in values])
    got = _margins(np.ones(len(values), dtype=bool), a, b, above)
    expected = [progress.decimal_diff(x, y) if up else progress.decimal_diff(y, x)
                for x, y, up in zip(a.tolist(), b.tolist(), above.tolist(), strict=True)]
    assert [repr(x) for x in got] == [repr(x) for x in expected]
    assert _margins(np.array([True]), np.array([91.7]), np.array([93.0]), np.array([True])) == [-1.3]


@pytest.mark.parametrize("as_of", [date(2022, 1, 15), date(2025, 6, 30)])
def test_status_from_a_copy_equals_status_read_in_place(random_db: Store, as_of: date,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Store.read_copy copies small stores into memory; a store over the bound is read in place.
    from monitor.store import connection

    copied = status_rows(random_db, as_of)
    monkeypatch.setattr(connection, "COPY_MAX_READINGS", 0)
    in_place = status_rows(random_db, as_of)
    assert len(copied) == len(in_place) > 100
    for a, b in zip(copied, in_place, strict=True):
        assert record_differences(a, b) == [], a.indicator_id


def _project_case(rng: random.Random) -> tuple[date, float, list[tuple[date, float]], float, date, bool]:
    """A random projection: a baseline, 1-30 later points (ascending, distinct), a target and a deadline."""
    t0 = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 9000))
    y0 = rng.choice([rng.uniform(1, 1000), rng.uniform(-50, 50), 0.0, 1e15 * rng.random()])
    days = sorted(rng.sample(range(1, 4000), rng.randrange(1, 31)))
    shape = rng.choice(["trend", "flat", "noise", "wild"])
    step = rng.uniform(-5, 5)
    points = []
    for i, d in enumerate(days):
        value = {"trend": y0 + step * (i + 1) + rng.uniform(-1, 1), "flat": y0,
                 "noise": rng.uniform(-10, 10), "wild": rng.choice([1e-300, 1e15, 3.0, -2.0])}[shape]
        points.append((t0 + timedelta(days=d), value))
    last = points[-1][1]
    target = rng.choice([last, last + rng.uniform(-100, 100), y0, -1.0, 0.0, 1e18, rng.uniform(1, 2000)])
    deadline = rng.choice([points[-1][0], points[-1][0] + timedelta(days=rng.randrange(1, 5000)),
                           t0 + timedelta(days=rng.randrange(1, 20))])
    return t0, y0, points, target, deadline, rng.random() < 0.5


def test_projections_for_whole_columns_equal_formulas_project() -> None:
    # sets._projections is formulas.project for many goals at once: the same four figures per goal.
    from monitor.status import formulas
    from monitor.status.sets import EPOCH, _projections

    rng = random.Random(19)
    cases = [_project_case(rng) for _ in range(600)]
    t0s, y0s, ns, cols, poss, ends, values, logs, targets, deadlines = ([] for _ in range(10))
    expected = []
    for j, (t0, y0, points, target, deadline, linear) in enumerate(cases):
        log = not linear and y0 > 0 and all(v > 0 for _, v in points)
        p = formulas.project([(t0, y0), *points], target, deadline, Method.CAGR if log else Method.LINEAR)
        expected.append((p.value_at_deadline, p.low, p.high, p.achievement_date))
        t0s.append((t0 - EPOCH).days), y0s.append(y0), ns.append(len(points) + 1), logs.append(log)
        targets.append(target), deadlines.append((deadline - EPOCH).days)
        for k, (d, v) in enumerate(points, start=1):
            cols.append(j), poss.append(k), ends.append((d - EPOCH).days), values.append(v)
    a = np.asarray
    got = _projections(a(t0s), a(y0s, dtype=float), a(ns), a(cols), a(poss), a(ends), a(values, dtype=float),
                       a(logs), a(targets, dtype=float), a(deadlines))
    kinds = Counter()
    for j, (value, low, high, when) in enumerate(expected):
        g_value, g_low, g_high = (None if x != x else x for x in
                                  (got["value_at_deadline"][j], got["low"][j], got["high"][j]))
        g_when = None if got["achieved_null"][j] else EPOCH + timedelta(days=int(got["achieved"][j]))
        for e, g in ((value, g_value), (low, g_low), (high, g_high)):
            assert (e is None) == (g is None), (j, cases[j], expected[j])
            assert e is None or _same(float(e), float(g)), (j, cases[j], expected[j])
        assert when == g_when, (j, cases[j], expected[j], g_when)
        kinds.update({"value": value is not None, "range": low is not None, "date": when is not None,
                      "no date": when is None, "no value": value is None})
    assert min(kinds.values()) > 20, kinds  # every branch taken often
