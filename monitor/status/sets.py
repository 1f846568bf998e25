"""The set-based path: every goal's status at once; DuckDB shapes the data per goal, numpy applies the formulas.

Same records as the per-goal engine (monitor.status.engine, which runs monitor.status.progress.assess per
indicator over every reading as Python objects), at a fraction of the cost: the readings never leave
DuckDB. One pass over the reading table (monitor/store/status_queries.py) finds per goal the latest
counted reading, the earliest comparable one and the newest one; a second pass, only with ``extras``
(one statement, sq.goal_extras, fetched as columns), gives the share of full periods met, the trend of
goals without a target and the projection points. The formulas of docs/methodology.md are applied to
whole columns at once, the projections too (``_projections``: formulas.project's arithmetic in its
order, column by column; tests/test_status_sql.py compares the two on random cases). tests/test_status_sql.py
checks every record field, the summary evidence included, against the engine.

Targets of the forms beyond reach and threshold (range, about, change, average_growth, path: monitor.model
SET_KINDS lists the two computed here) are the engine's (monitor.status.forms): goal_columns marks them, like
the other goals handed over. Goals the set-based path cannot represent exactly (a period ending before it starts, a value that
is not finite, an unknown qualifier or comparator, running totals from several start dates, a
reference period over 400 days cutting through a group of readings) are handed to the engine
(engine.assess_goals): their records say ``computed_by`` ENGINE, the others SETS.

Used through monitor.status.statuses, which decides the path. ``status_table`` returns columns (what
the benchmark times); ``statuses`` the StatusRecords, with the summary evidence (record.Detail.SUMMARY,
or BRIEF without ``extras``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np

from monitor.model import FREQUENCY_MONTHS, STATUSES
from monitor.status import formulas, progress
from monitor.status.engine import GoalStatus, assess_goals
from monitor.status.engine import record as engine_record
from monitor.status.record import ComputedBy, Detail, StatusRecord
from monitor.store import queries
from monitor.store import status_queries as sq
from monitor.store.connection import Store
from monitor.store.status_queries import (
    ComparatorCode,
    FrequencyCode,
    KindCode,
    MethodCode,
    ModeCode,
    QualifierCode,
)

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
_MAX_DAY = (date(9999, 12, 31) - EPOCH).days
NAN = float("nan")


def _day(days: int | None) -> date | None:
    return None if days is None else date.fromordinal(days + _EPOCH_ORDINAL)


def _floats(column: Any) -> tuple[np.ndarray, np.ndarray]:
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column)
    if data.dtype.kind not in "fiu":
        data = np.array([NAN if m else float(v) for v, m in zip(data, mask, strict=True)], dtype=np.float64)
    return np.where(mask, NAN, data.astype(np.float64)), mask


def _objects(column: Any) -> np.ndarray:
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column).astype(object)
    data[mask] = None
    return data


def _ints(column: Any, fill: int = 0) -> tuple[np.ndarray, np.ndarray]:
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column)
    if data.dtype.kind not in "iu":
        data = np.array([fill if m else int(v) for v, m in zip(data, mask, strict=True)], dtype=np.int64)
    return np.where(mask, fill, data.astype(np.int64)), mask


@dataclass
class _Packed:
    """Readings decoded from packed keys (see status_queries): one slot per goal."""

    present: np.ndarray  # bool
    end: np.ndarray  # days
    span: np.ndarray  # days, inclusive
    revision: np.ndarray  # of the value shown: 1 where not known (only the counted reading's is)
    qualifier: np.ndarray  # QualifierCode
    value: np.ndarray

    @property
    def start(self) -> np.ndarray:
        return cast(np.ndarray, self.end - self.span + 1)

    def only(self, where: np.ndarray) -> _Packed:
        return _Packed(where & self.present, self.end, self.span, self.revision, self.qualifier, self.value)


def _reading_columns(cols: dict[str, Any], prefix: str, with_qualifier: bool = True) -> _Packed:
    end, missing = _ints(cols[f"{prefix}_end"])
    span, _ = _ints(cols[f"{prefix}_span"])
    q = _ints(cols[f"{prefix}_q"])[0] if with_qualifier else np.zeros(len(end), dtype=np.int64)
    value, _ = _floats(cols[f"{prefix}_v"])
    revision = _ints(cols[f"{prefix}_revision"], fill=1)[0] if f"{prefix}_revision" in cols else np.ones(len(end), dtype=np.int64)
    return _Packed(present=~missing, end=end, span=span, revision=revision, qualifier=q, value=value)


def _meets(value: np.ndarray, q: np.ndarray, comparator: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """formulas.reading_meets for whole columns (QualifierCode, ComparatorCode)."""
    exact_or_approx = (q == QualifierCode.EXACT) | (q == QualifierCode.APPROX)
    at_least, more_than, at_most = q == QualifierCode.AT_LEAST, q == QualifierCode.MORE_THAN, q == QualifierCode.AT_MOST
    with np.errstate(invalid="ignore"):
        ge = (exact_or_approx | at_least | more_than) & (value >= threshold)
        gt = (more_than & (value >= threshold)) | ((exact_or_approx | at_least) & (value > threshold))
        le = (exact_or_approx | at_most) & (value <= threshold)
        lt = (exact_or_approx | at_most) & (value < threshold)
    return np.select(
        [comparator == ComparatorCode.GE, comparator == ComparatorCode.GT, comparator == ComparatorCode.LE], [ge, gt, le], lt
    )


def _add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """periods.add_months(..., keep_month_end=True) (progress.next_period_end) for whole columns of days."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64) + 1
    month_length = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months.astype("timedelta64[M]")
    target_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    day = np.where(day_of_month == month_length, target_length, np.minimum(day_of_month, target_length))
    return cast(np.ndarray, (target.astype("datetime64[D]") + (day - 1)).astype(np.int64))


@dataclass
class StatusTable:
    """Every goal's status as columns (one entry per goal, in compute_statuses' order)."""

    as_of: date
    n: int
    columns: dict[str, Any]
    engine: dict[int, GoalStatus] = field(default_factory=dict)  # goal index -> its assessment by the engine

    def __len__(self) -> int:
        return self.n


def _decimals(x: np.ndarray) -> np.ndarray:
    """The fewest decimals (0..6) that write each value exactly, or 7 when none does (or |x| >= 4e9)."""
    out = np.full(len(x), 7, dtype=np.int64)
    small = np.abs(x) < 4e9
    for k in range(6, -1, -1):
        scale = 10.0**k
        with np.errstate(invalid="ignore"):
            exact = small & (np.round(x * scale) / scale == x)
        out[exact] = k
    return out


def _margins(which: np.ndarray, latest: np.ndarray, threshold: np.ndarray, above: np.ndarray) -> list[float | None]:
    """formulas.decimal_diff(latest, threshold) (or the reverse below a threshold) for the goals in `which`.

    The engine subtracts the shortest decimal forms, so that 91.7 - 93 is -1.3. Below 4e9 with at
    most 6 decimals that decimal is unique, the difference of the two scaled integers is exact and
    one IEEE division rounds it as float(Decimal) does; the rest go through Decimal."""
    margin: list[float | None] = [None] * len(which)
    idx = np.flatnonzero(which)
    if not len(idx):
        return margin
    a, b = latest[idx], threshold[idx]
    k = np.maximum(_decimals(a), _decimals(b))
    fast = k < 7
    scale = 10.0 ** np.where(fast, k, 0)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = (np.round(a * scale) - np.round(b * scale)) / scale
    diff = np.where(above[idx], diff, -diff)
    diff = np.where(diff == 0, 0.0, diff)  # Decimal("0") is +0.0
    values = diff.tolist()
    a_list, b_list, above_list, fast_list = a.tolist(), b.tolist(), above[idx].tolist(), fast.tolist()
    for j, i in enumerate(idx.tolist()):
        if fast_list[j]:
            margin[i] = values[j]
        else:
            x, y = a_list[j], b_list[j]
            margin[i] = formulas.decimal_diff(x, y) if above_list[j] else formulas.decimal_diff(y, x)
    return margin


# Months per period by FrequencyCode (0: irregular, or a code of no frequency).
_MONTHS_BY_FREQUENCY = np.array(
    [FREQUENCY_MONTHS.get(f, 0) for f in sq.decoder(FrequencyCode)[:-1]] + [0], dtype=np.int64  # type: ignore[call-overload]
)


def statuses(
    store: Store,
    as_of: date,
    domain: str | None = None,
    extras: bool = True,
    projections: bool = True,
    known_on: sq.Known = None,
) -> list[StatusRecord]:
    """Every goal's StatusRecord at `as_of`: Detail.SUMMARY, or Detail.BRIEF without ``extras``.

    projections=False leaves the projected_* fields of the goals computed here None (for timing only:
    monitor.status.statuses never asks for it).
    """
    return records(status_table(store, as_of, domain, extras=extras, projections=projections, labels=True,
                                 known_on=known_on))


def status_table(
    store: Store,
    as_of: date,
    domain: str | None = None,
    extras: bool = True,
    projections: bool = True,
    labels: bool = False,
    known_on: sq.Known = None,
) -> StatusTable:
    """Every goal's status at `as_of`, in one read session (see the module docstring).

    extras: also the share of full periods met and the trends (a second pass); projections: also
    the projections of reach targets; labels: also the indicators' names and units (for records);
    known_on: the store as it was known on that date (see monitor.store.status_queries), else now.
    """
    to_engine: list[str] = []
    with store.read_copy() as con:
        sane, last_end = sq.sanity(con, known_on)
        routed = [] if sane else sq.suspect_indicators(con, as_of, known_on)
        # the one pass reads every revision: indicators with a withdrawn period go to the engine
        routed = sorted({*routed, *sq.withdrawn_indicators(con, as_of, known_on)})
        cols = sq.goal_columns(con, as_of, domain, routed, sq.baseline_dates(con, as_of, known_on), keep=extras,
                               last_end=last_end, known_on=known_on)
        order = np.argsort(np.asarray(cols["goal_no"]), kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        table = _evaluate(as_of, cols)
        if table.n:
            to_engine = sorted({table.columns["indicator_id"][i] for i in np.flatnonzero(table.columns["_engine"])})
        if to_engine:
            indicators = sq.indicators_of(con, to_engine, known_on)
            targets = sq.targets_of(con, to_engine, known_on)
            reading_rows = sq.reading_rows_of(con, to_engine, as_of, known_on)
        if extras and table.n:
            _extras(con, table, as_of, projections, known_on)
        if labels:
            table.columns["_labels"] = sq.indicator_labels(con, known_on)
        sq.drop_temporary(con)
    if to_engine:
        _run_engine(table, assess_goals(indicators, targets, queries.readings_from_rows(reading_rows), as_of))
    table.columns["_detail"] = Detail.SUMMARY if extras else Detail.BRIEF
    return table


def _evaluate(as_of: date, cols: dict[str, Any]) -> StatusTable:
    n = len(cols["goal_no"])
    as_of_day = (as_of - EPOCH).days
    kind = _ints(cols["kind"], fill=len(KindCode))[0]
    mode = _ints(cols["mode"])[0]
    comparator = _ints(cols["comparator"], fill=len(ComparatorCode))[0]
    method = _ints(cols["method"], fill=len(MethodCode))[0]
    target_value, _ = _floats(cols["target_value"])
    baseline_value, no_bv = _floats(cols["baseline_value"])
    baseline_date, no_bd = _ints(cols["baseline_date"])
    deadline, no_deadline = _ints(cols["deadline"])
    b_value, _ = _floats(cols["b_value"])
    has_b = np.asarray(np.ma.filled(cols["has_b"], False), dtype=bool)
    lo, no_lo = _ints(cols["lo"])
    counted = _reading_columns(cols, "counted")
    first = _reading_columns(cols, "first", with_qualifier=False)
    newest = _reading_columns(cols, "newest")

    reach, threshold, none = kind == KindCode.REACH, kind == KindCode.THRESHOLD, kind == KindCode.NONE
    engine = mode == ModeCode.ENGINE
    upward = (comparator == ComparatorCode.GE) | (comparator == ComparatorCode.GT)
    status = np.full(n, "insufficient_data", dtype=object)
    latest_present = np.zeros(n, dtype=bool)

    # ---- reach targets (progress.assess_reach)
    from_target = reach & ~no_bd & ~no_bv
    from_reading = reach & ~no_bd & no_bv & has_b
    from_first = reach & ~from_target & ~from_reading & first.present
    y0 = np.where(from_target, baseline_value, np.where(from_reading, b_value, np.where(from_first, first.value, NAN)))
    t0 = np.where(from_target | from_reading, baseline_date, np.where(from_first, first.end, 0))
    established = from_target | from_reading | from_first
    after = established & counted.present & (counted.end > t0)
    latest_present |= reach & after
    d = np.where(upward, 1.0, -1.0)
    achieved = reach & after & _meets(counted.value, counted.qualifier, comparator, target_value)
    timed = after & ~no_deadline & (deadline > t0)
    status[reach & after & ~timed & achieved] = "achieved"
    elapsed = (counted.end - t0) / formulas.DAYS_PER_YEAR
    horizon = (deadline - t0) / formulas.DAYS_PER_YEAR
    yT = target_value
    with np.errstate(all="ignore"):
        linear = timed & ((method == MethodCode.LINEAR) | (np.fmin(np.fmin(y0, counted.value), yT) <= 0))
        cagr_rows = timed & ~linear
        # Differences of logs, as formulas.cagr: the ratio of two storable figures can under- or overflow.
        observed = np.where(cagr_rows, np.expm1((np.log(counted.value) - np.log(y0)) / elapsed),
                            np.where(timed, (counted.value - y0) / elapsed, NAN))
        required = np.where(cagr_rows, np.expm1((np.log(yT) - np.log(y0)) / horizon),
                            np.where(timed, (yT - y0) / horizon, NAN))
        raw = d * observed / np.abs(required)
        zero_pace = timed & (required == 0)
        banded = np.select(
            [raw >= formulas.ON_TRACK_MIN_RATIO, raw >= formulas.NEEDS_ACCELERATION_MIN_RATIO, raw >= 0],
            ["on_track", "needs_acceleration", "limited_progress"],
            "deterioration",
        )
        sign_status = np.where(d * observed >= 0, "limited_progress", "deterioration")
    fallback = timed & (method == MethodCode.CAGR) & linear
    judged = np.where(zero_pace, sign_status, banded)
    judged = np.where(achieved, "achieved", np.where(counted.end >= deadline, "not_met", judged))
    status = np.where(timed, judged, status)
    ratio = np.where(timed & ~zero_pace & np.isfinite(raw), raw, NAN)
    huge_ratio = timed & ~zero_pace & ~np.isfinite(raw)
    shown_value = np.where(established, y0, np.where(no_bv, NAN, baseline_value))
    shown_date = np.where(established, t0, baseline_date)
    shown_date_null = np.where(established, False, no_bd)
    baseline_source = np.select([from_target, from_reading, from_first], [1, 2, 3], 0)  # 1 + BASELINE_SOURCES index
    # Running totals with no start known and no reading yet: the engine cannot tell which period is
    # comparable and stops before taking the baseline (it keeps the target's in the record).
    baseline_source[reach & (mode == ModeCode.FIRST) & ~newest.present] = 0

    # ---- threshold targets (progress.assess_threshold)
    counted_thr = threshold & counted.present
    latest_present |= counted_thr
    provisional = counted_thr & ~no_lo & (counted.span < lo)
    met = counted_thr & _meets(counted.value, counted.qualifier, comparator, target_value)
    status = np.where(counted_thr, np.where(met, "met", "not_met"), status)
    margin = _margins(counted_thr, counted.value, target_value, upward)

    # ---- indicators without a target (progress.assess_no_target)
    latest_present |= none & counted.present
    status = np.where(none, "no_target", status)

    # ---- staleness (progress.staleness): from the newest reading, whatever its shape
    frequency = _ints(cols["frequency"], fill=len(FrequencyCode))[0]
    months = _MONTHS_BY_FREQUENCY[frequency]
    lag, _ = _ints(cols["lag"])
    regular = (months > 0) & newest.present
    safe_end = np.where(regular, np.minimum(newest.end, _MAX_DAY - 400), 0)
    due = _add_months(safe_end, months) + lag
    representable = regular & (newest.end <= _MAX_DAY - 366) & (due <= _MAX_DAY)
    overdue = np.where(representable, as_of_day - due, 0)
    stale = representable & (overdue > 0)

    columns: dict[str, Any] = {
        "indicator_id": _objects(cols["indicator_id"]),
        "target_id": _objects(cols["target_id"]),
        "version": _objects(cols["version"]),
        "valid_from": _timestamps(cols["valid_from"]),
        "kind": kind,
        "nature": _objects(cols["nature"]),
        "comparator": comparator,
        "period": _ints(cols["period"], fill=len(FrequencyCode))[0],
        "method": method,
        "frequency": frequency,
        "lag": lag,
        "target_value": np.where(none, NAN, target_value),
        "target_baseline_value": np.where(no_bv, NAN, baseline_value),
        "target_baseline_date": (baseline_date, no_bd),
        "deadline": (deadline, no_deadline),
        "stretch": _ints(cols["deadline_earliest"]),
        "baseline_value": shown_value,
        "baseline_date": shown_date,
        "baseline_date_null": shown_date_null,
        "baseline_source": baseline_source,
        "status": status,
        "ratio": ratio,
        "huge_ratio": huge_ratio,
        "provisional": provisional,
        "margin": margin,
        "latest": counted.only(latest_present),
        "newest": newest,
        "stale": stale,
        "next_due": np.where(representable, due, -1),
        "next_due_null": ~representable,
        "days_overdue": np.where(stale, overdue, 0),
        "elapsed": elapsed,
        "horizon": horizon,
        "observed": observed,
        "required": required,
        "linear": linear,
        "fallback": fallback,
        "achieved": achieved,
        "timed": timed,
        "share_met": [None] * n,
        "trend_cagr": [None] * n,
        "trend_linear": [None] * n,
        "projection": [None] * n,
        "_engine": engine,
        "_y0": y0,
        "_t0": t0,
    }
    return StatusTable(as_of=as_of, n=n, columns=columns)


def _timestamps(column: Any) -> list[str | None]:
    """A TIMESTAMP column as ISO strings (datetime.isoformat, as the engine's evidence writes them)."""
    mask = np.ma.getmaskarray(column).tolist()
    values = np.ma.getdata(column).astype("datetime64[us]").tolist()
    return [None if m or v is None else v.isoformat() for v, m in zip(values, mask, strict=True)]


def _extras(con: Any, table: StatusTable, as_of: date, projections: bool, known_on: sq.Known = None) -> None:
    """Share of full periods met, trend of goals without a target, projections: a second pass (one statement)."""
    c = table.columns
    kind = c["kind"]
    share, trend, trend_linear = c["share_met"], c["trend_cagr"], c["trend_linear"]
    projected = np.flatnonzero(~c["_engine"] & c["timed"] & ~c["achieved"]).tolist() if projections else []
    x = sq.goal_extras(con, as_of, projected, known_on)
    goal_no = np.asarray(x["goal_no"], dtype=np.int64)
    summary = np.asarray(np.ma.filled(x["summary"], False), dtype=bool)
    rows = np.flatnonzero(summary)
    if len(rows):
        periods = _ints(x["periods"][rows])[0].tolist()
        met = _ints(x["met"][rows])[0].tolist()
        last_end, last_value = _ints(x["end_day"][rows])[0].tolist(), _floats(x["value"][rows])[0].tolist()
        first_end, first_value = _ints(x["first_end"][rows])[0].tolist(), _floats(x["first_value"][rows])[0].tolist()
        for j, goal in enumerate(goal_no[rows].tolist()):
            if kind[goal] == KindCode.THRESHOLD:
                share[goal] = met[j] / periods[j] if periods[j] else None
                continue
            if periods[j] < 2:
                continue
            years = (last_end[j] - first_end[j]) / formulas.DAYS_PER_YEAR
            a, b = first_value[j], last_value[j]
            if a > 0 and b > 0:
                trend[goal] = formulas.finite(formulas.cagr(a, b, years))
            else:
                trend_linear[goal] = formulas.linear_rate(a, b, years)
    if not projected:
        return
    points = np.flatnonzero(~summary)
    if not len(points):
        return
    goals = goal_no[points]
    ends, values = _ints(x["end_day"][points])[0], _floats(x["value"][points])[0]
    first = np.concatenate(([True], goals[1:] != goals[:-1]))
    starts = np.flatnonzero(first)
    which = goals[starts]  # the projected goals with points, ascending
    col = np.cumsum(first) - 1
    pos = np.arange(len(goals)) - starts[col] + 1
    n = np.diff(np.append(starts, len(goals))) + 1
    t0, y0 = c["_t0"][which], c["_y0"][which]
    # CAGR unless the goal's rule is linear or a point is not positive (formulas.project's condition)
    nonpositive = np.zeros(len(which), dtype=bool)
    np.logical_or.at(nonpositive, col, values <= 0)
    log = ~c["linear"][which] & ~nonpositive & (y0 > 0)
    target, deadline = c["target_value"][which], c["deadline"][0][which]
    projection = c["projection"]
    # In slices of goals of about the same number of points: the padded columns stay small.
    by_size = np.argsort(n, kind="stable")
    for part in np.array_split(by_size, max(1, len(by_size) // _PROJECTION_SLICE)):
        if not len(part):
            continue
        keep = np.isin(col, part)
        local = np.empty(len(which), dtype=np.int64)
        local[part] = np.arange(len(part))
        p = _projections(t0[part], y0[part], n[part], local[col[keep]], pos[keep], ends[keep], values[keep],
                         log[part], target[part], deadline[part])
        v, lo, hi = p["value_at_deadline"].tolist(), p["low"].tolist(), p["high"].tolist()
        when, when_null = p["achieved"].tolist(), p["achieved_null"].tolist()
        for j, goal in enumerate(which[part].tolist()):
            projection[goal] = {
                "value_at_deadline": None if v[j] != v[j] else v[j],
                "low": None if lo[j] != lo[j] else lo[j],
                "high": None if hi[j] != hi[j] else hi[j],
                "achievement_date": None if when_null[j] else _day(when[j]).isoformat(),  # type: ignore[union-attr]
            }


_PROJECTION_SLICE = 4096  # goals per slice of _projections


_ORDINAL_MIN, _ORDINAL_MAX = date.min.toordinal() - _EPOCH_ORDINAL, date.max.toordinal() - _EPOCH_ORDINAL


def _projections(t0: np.ndarray, y0: np.ndarray, n: np.ndarray, col: np.ndarray, pos: np.ndarray, ends: np.ndarray,
                 values: np.ndarray, log: np.ndarray, target: np.ndarray, deadline: np.ndarray) -> dict[str, np.ndarray]:
    """formulas.project for many goals at once: goal g's n[g] points are (t0[g], y0[g]) and then its readings,
    given flat: reading k is point pos[k] (1, 2, ...) of goal col[k], ending on day ends[k] (ascending per goal,
    after t0[g]) with values[k]; log: the exponential path (CAGR), else straight.

    Column by column in the order formulas.project adds, multiplies and sums (every sum runs from the
    oldest point to the newest, as ``sum`` does), so the figures are the engine's up to the last bits of
    exp, log and pow. Returns value_at_deadline, low, high (NaN where none) and the achievement day
    (days since 1970-01-01; ``achieved_null`` where none)."""
    g = len(t0)
    width = int(n.max()) if g else 0
    day = np.zeros((width, g), dtype=np.int64)
    val = np.zeros((width, g), dtype=np.float64)
    inside = np.arange(width)[:, None] < n[None, :]
    day[0], val[0] = t0, y0
    day[pos, col], val[pos, col] = ends, values
    last = n - 1
    cols = np.arange(g)
    t_last, y_last = day[last, cols], val[last, cols]
    xs = np.where(inside, (day - t_last[None, :]) / formulas.DAYS_PER_YEAR, 0.0)
    with np.errstate(all="ignore"):
        ys = np.where(inside, np.where(log[None, :], np.log(np.where(inside & log[None, :], val, 1.0)), val), 0.0)
        own_slope = (ys[last, cols] - ys[0]) / (xs[last, cols] - xs[0])
        fitted = n >= formulas.FIT_MIN_POINTS
        weights = np.where(inside, 0.5 ** ((n[None, :] - 1 - np.arange(width)[:, None]) / formulas.FIT_HALF_LIFE_PERIODS), 0.0)

        def total(terms: np.ndarray) -> np.ndarray:
            acc = np.zeros(g)
            for i in range(width):  # oldest first, as sum() adds them
                acc = np.where(inside[i], acc + terms[i], acc)
            return acc

        w_sum = total(weights)
        x_bar = total(weights * xs) / w_sum
        y_bar = total(weights * ys) / w_sum
        dx = xs - x_bar[None, :]
        sxx = total(weights * dx**2)
        sxy = total(weights * dx * (ys - y_bar[None, :]))
        fit_slope = sxy / sxx
        intercept = y_bar - fit_slope * x_bar
        rss = total(weights * (ys - intercept[None, :] - fit_slope[None, :] * xs) ** 2)
        rss = np.where(0.0 > rss, 0.0, rss)
        se = np.sqrt(rss / np.maximum(n - 2, 1) / sxx)
        se = np.where(se == 0, 0.0, se)
        slope = np.where(fitted, fit_slope, own_slope)

        horizon = (deadline - t_last) / formulas.DAYS_PER_YEAR
        ahead = deadline > t_last

        def after(s: np.ndarray) -> np.ndarray:
            v = np.where(log, y_last * np.exp(s * horizon), y_last + s * horizon)
            return np.where(ahead & np.isfinite(v), v, NAN)

        at_deadline = after(slope)
        candidates = np.stack([after(slope - se), after(slope + se), after(own_slope)])
        low = np.where(fitted, np.fmin(np.fmin(candidates[0], candidates[1]), candidates[2]), NAN)
        high = np.where(fitted, np.fmax(np.fmax(candidates[0], candidates[1]), candidates[2]), NAN)

        positive = target > 0
        needed = np.where(log, np.log(np.where(positive, target, 1.0)) - ys[last, cols], target - ys[last, cols])
        has_needed = ~log | positive
        moving = (slope != 0) & ((needed > 0) == (slope > 0))
        days = np.rint((needed / slope) * formulas.DAYS_PER_YEAR)
        reached = has_needed & (needed == 0)
        later = has_needed & (needed != 0) & moving & (np.abs(days) < 1e7)  # NaN compares False
        achieved = np.where(reached, t_last, t_last + np.where(later, days, 0).astype(np.int64))
        achieved_ok = reached | (later & (achieved >= _ORDINAL_MIN) & (achieved <= _ORDINAL_MAX))
    return {"value_at_deadline": at_deadline, "low": low, "high": high, "achieved": achieved, "achieved_null": ~achieved_ok}


def _run_engine(table: StatusTable, goals: list[GoalStatus]) -> None:
    """Put the engine's assessments of the goals left to it in their slots."""
    slots: dict[tuple[str, str | None], int] = {}
    ids, target_ids, engine = table.columns["indicator_id"], table.columns["target_id"], table.columns["_engine"]
    for i in np.flatnonzero(engine).tolist():
        slots[(ids[i], target_ids[i])] = i
    for goal in goals:
        slot = slots.get((goal.indicator.id, goal.assessment.target_id))
        if slot is not None:
            table.engine[slot] = goal


_BASELINE_SOURCES = (None, *progress.BASELINE_SOURCES)


def records(table: StatusTable) -> list[StatusRecord]:
    """status_table's columns as StatusRecords (status_table(..., labels=True)), with the summary evidence."""
    c = table.columns
    detail: Detail = c["_detail"]
    labels: dict[str, tuple[Any, ...]] = c["_labels"]
    as_of_iso = table.as_of.isoformat()
    qualifiers = [q.qualifier.value for q in QualifierCode]
    kinds = sq.decoder(KindCode)
    comparators = sq.decoder(ComparatorCode)
    periods = sq.decoder(FrequencyCode)
    frequencies = periods
    methods = sq.decoder(MethodCode)
    ids, target_ids = c["indicator_id"].tolist(), c["target_id"].tolist()
    versions, valid_from = c["version"].tolist(), c["valid_from"]
    kind_codes, comparator_codes = c["kind"].tolist(), c["comparator"].tolist()
    natures = c["nature"].tolist()
    period_codes, method_codes = c["period"].tolist(), c["method"].tolist()
    frequency_codes, lags = c["frequency"].tolist(), c["lag"].tolist()
    target_values = c["target_value"].tolist()
    t_b_values = c["target_baseline_value"].tolist()
    t_b_dates, t_b_null = (a.tolist() for a in c["target_baseline_date"])
    deadlines, deadline_null = (a.tolist() for a in c["deadline"])
    stretch, stretch_null = (a.tolist() for a in c["stretch"])
    b_values, b_dates = c["baseline_value"].tolist(), c["baseline_date"].tolist()
    b_null = np.asarray(c["baseline_date_null"]).tolist()
    baseline_sources = c["baseline_source"].tolist()
    statuses, ratios, huge_ratio = c["status"].tolist(), c["ratio"].tolist(), c["huge_ratio"].tolist()
    provisional, margins = c["provisional"].tolist(), c["margin"]
    latest: _Packed = c["latest"]
    newest: _Packed = c["newest"]
    l_present, l_end, l_start = latest.present.tolist(), latest.end.tolist(), latest.start.tolist()
    l_value, l_q, l_revision = latest.value.tolist(), latest.qualifier.tolist(), latest.revision.tolist()
    n_present, n_end, n_start = newest.present.tolist(), newest.end.tolist(), newest.start.tolist()
    n_value, n_q = newest.value.tolist(), newest.qualifier.tolist()
    stale = c["stale"].tolist()
    next_due, next_due_null = c["next_due"].tolist(), c["next_due_null"].tolist()
    overdue = c["days_overdue"].tolist()
    elapsed, horizon = c["elapsed"].tolist(), c["horizon"].tolist()
    observed, required = c["observed"].tolist(), c["required"].tolist()
    linear, fallback = c["linear"].tolist(), c["fallback"].tolist()
    achieved, timed = c["achieved"].tolist(), c["timed"].tolist()
    y0s = c["_y0"].tolist()
    share, trend, trend_linear, projection = c["share_met"], c["trend_cagr"], c["trend_linear"], c["projection"]
    iso: dict[int, str] = {}

    def day(x: int) -> str:
        s = iso.get(x)
        if s is None:
            s = iso[x] = _day(x).isoformat()  # type: ignore[union-attr]
        return s

    def dated(x: int, null: bool) -> str | None:
        return None if null else day(x)

    def nan_none(x: float) -> float | None:
        return None if x != x else x

    out: list[StatusRecord] = []
    for i in range(table.n):
        goal = table.engine.get(i)
        if goal is not None:
            out.append(engine_record(goal).at(detail))
            continue
        kind = kinds[kind_codes[i]]
        has_target = kind != "none"
        status = statuses[i]
        assert status in _STATUSES
        used = l_present[i]
        if used:
            shown = (l_value[i], qualifiers[l_q[i]], l_start[i], l_end[i])
        elif n_present[i]:
            shown = (n_value[i], qualifiers[n_q[i]], n_start[i], n_end[i])
        else:
            shown = None
        ratio = nan_none(ratios[i])
        target_value = target_values[i] if has_target else None
        comparator = comparators[comparator_codes[i]] if has_target else None
        name_zh, name_en, domain, unit, display_unit, direction, measure = labels[ids[i]]
        proj = projection[i] or {}
        evidence: dict[str, Any] = {
            "as_of": as_of_iso,
            "indicator_id": ids[i],
            "measure": measure,
            "indicator_direction": direction,
            "staleness": {
                "stale": stale[i],
                "last_period_end": day(n_end[i]) if n_present[i] else None,
                "next_due": dated(next_due[i], next_due_null[i]),
                "days_overdue": overdue[i],
                "frequency": frequencies[frequency_codes[i]],
                "publication_lag_days": lags[i],
            },
        }
        if has_target:
            evidence["target"] = {
                "id": target_ids[i], "version": versions[i], "kind": kind, "comparator": comparator,
                "value": target_value, "baseline_value": nan_none(t_b_values[i]),
                "baseline_date": dated(t_b_dates[i], t_b_null[i]),
                "deadline": dated(deadlines[i], deadline_null[i]), "deadline_earliest": dated(stretch[i], stretch_null[i]),
                "method": methods[method_codes[i]], "period": periods[period_codes[i]], "valid_from": valid_from[i],
                "nature": natures[i],
            }
        latest_ev = (
            formulas.reading_evidence(day(l_start[i]), day(l_end[i]), l_value[i], qualifiers[l_q[i]], l_revision[i])
            if used else None
        )
        if kind == "reach":
            evidence["direction_sign"] = 1 if comparator in (">=", ">") else -1
            if baseline_sources[i]:
                evidence["baseline_source"] = _BASELINE_SOURCES[baseline_sources[i]]
                evidence["baseline"] = {"value": b_values[i], "date": day(b_dates[i])}
            if used:
                evidence["latest"] = latest_ev
                evidence["latest_meets_target"] = achieved[i]
            if timed[i]:
                evidence["years_baseline_to_latest"] = elapsed[i]
                evidence["years_baseline_to_deadline"] = horizon[i]
                evidence["method"] = methods[method_codes[i]]
                if fallback[i]:
                    evidence["fallback_reason"] = (
                        "CAGR is undefined for zero or negative values "
                        f"(baseline {y0s[i]:g}, latest {l_value[i]:g}, target {target_values[i]:g}); linear rates used instead"
                    )
                evidence["method_used"] = "linear" if linear[i] else "cagr"
                obs, req = observed[i], required[i]
                if linear[i]:
                    evidence["change_per_year_observed"], evidence["change_per_year_required"] = obs, req
                else:
                    evidence["cagr_observed"] = formulas.finite(obs)
                    evidence["cagr_required"] = formulas.finite(req)
                if huge_ratio[i]:
                    evidence["ratio_note"] = "R is too large to represent (huge change over a short time)"
                evidence["ratio"] = ratio
        elif kind == "threshold" and used:
            evidence["latest"] = latest_ev
            evidence["met"] = status == "met"
            evidence["margin"] = margins[i]
            evidence["provisional"] = provisional[i]
            evidence["share_met"] = share[i]
        elif kind == "none" and n_present[i]:
            if trend_linear[i] is not None:
                evidence["trend_linear_per_year"] = trend_linear[i]
            evidence["trend_cagr"] = trend[i]
        out.append(StatusRecord(
            indicator_id=ids[i],
            target_id=target_ids[i],
            name_zh=name_zh,
            name_en=name_en,
            domain=domain,
            unit=unit,
            display_unit=display_unit,
            direction=direction,
            target_kind=kind if has_target else None,
            target_nature=natures[i] if has_target else None,
            target_comparator=comparator,
            target_period=periods[period_codes[i]] if has_target else None,
            target_value=target_value,
            target_deadline=dated(deadlines[i], deadline_null[i]),
            target_stretch_date=dated(stretch[i], stretch_null[i]),
            baseline_value=nan_none(b_values[i]),
            baseline_date=dated(b_dates[i], b_null[i]),
            latest_value=shown[0] if shown else None,
            latest_used=used,
            latest_qualifier=shown[1] if shown else None,
            latest_period_start=day(shown[2]) if shown else None,
            latest_period_end=day(shown[3]) if shown else None,
            ratio=ratio,
            margin=margins[i],
            share_met=share[i],
            provisional=provisional[i],
            status=status,
            stale=stale[i],
            last_period_end=day(n_end[i]) if n_present[i] else None,
            next_due=dated(next_due[i], next_due_null[i]),
            days_overdue=overdue[i],
            projected_value_at_deadline=proj.get("value_at_deadline"),
            projected_low=proj.get("low"),
            projected_high=proj.get("high"),
            projected_achievement_date=proj.get("achievement_date"),
            trend_cagr=trend[i],
            evidence=evidence,
            computed_by=ComputedBy.SETS,
        ))
    return out


_STATUSES = frozenset(STATUSES)
