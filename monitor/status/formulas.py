"""The formulas of docs/methodology.md over plain numbers and dates: rates, the ratio's bands, what a
qualified reading proves, decimal differences, the weighted fit and the projection.

Pure functions shared by the per-goal engine (monitor.status.progress, which decides which readings
they apply to) and the set-based path (monitor.status.sets, which applies them to whole columns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from monitor.model import Method, Qualifier

# Bands of the ratio R = observed / required progress (Statistics Canada / Open SDG style).
ON_TRACK_MIN_RATIO = 0.95
NEEDS_ACCELERATION_MIN_RATIO = 0.60

DAYS_PER_YEAR = 365.25
FIT_MIN_POINTS = 3
FIT_HALF_LIFE_PERIODS = 2.0


@dataclass(frozen=True)
class Fit:
    """Weighted least-squares line y = intercept + slope * x (x in years)."""

    slope: float
    intercept: float
    slope_se: float | None  # None with exactly two points: no residual degrees of freedom
    n: int


@dataclass(frozen=True)
class Projection:
    value_at_deadline: float | None
    low: float | None
    high: float | None
    achievement_date: date | None
    basis: str  # "two points" or "weighted log-linear fit" / "weighted linear fit"
    evidence: dict[str, object]


# ---------------------------------------------------------------------------------------------
# Small arithmetic helpers


def years_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate; only defined for positive values over a positive time."""
    if start_value <= 0 or end_value <= 0:
        raise ValueError(f"CAGR needs positive values, got {start_value} and {end_value}")
    if years <= 0:
        raise ValueError(f"CAGR needs a positive time span, got {years} years")
    try:
        # A difference of logs, not the log of the ratio: the ratio of two storable figures can
        # underflow to 0 (a subnormal target over a large baseline) or overflow, their logs cannot.
        return math.expm1((math.log(end_value) - math.log(start_value)) / years)
    except OverflowError:
        # A large change over a few days compounds beyond float range; that is "very fast".
        return math.inf


def linear_rate(start_value: float, end_value: float, years: float) -> float:
    if years <= 0:
        raise ValueError(f"a rate needs a positive time span, got {years} years")
    return (end_value - start_value) / years


def status_for_ratio(ratio: float) -> str:
    if ratio >= ON_TRACK_MIN_RATIO:
        return "on_track"
    if ratio >= NEEDS_ACCELERATION_MIN_RATIO:
        return "needs_acceleration"
    if ratio >= 0:
        return "limited_progress"
    return "deterioration"


def reading_meets(value: float, qualifier: Qualifier, comparator: str, threshold: float) -> bool:
    """Whether a reading *proves* `true value <comparator> threshold`.

    The qualifier says what the source actually claimed: "at least v" is the set [v, inf),
    "more than v" is (v, inf), "at most v" is (-inf, v]. A reading meets a target only if every
    value in that set does, so "at most 120" never proves ">= 100". "approx" is taken at face
    value because the source offers no better number.
    """
    q = Qualifier(qualifier)
    if comparator == ">=":
        return q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_LEAST, Qualifier.MORE_THAN) and (
            value >= threshold
        )
    if comparator == ">":
        if q is Qualifier.MORE_THAN:
            return value >= threshold
        return q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_LEAST) and value > threshold
    if comparator == "<=":
        return q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_MOST) and value <= threshold
    if comparator == "<":
        # There is no "less than" qualifier, so "at most v" proves "< t" only when v < t.
        return q in (Qualifier.EXACT, Qualifier.APPROX, Qualifier.AT_MOST) and value < threshold
    raise ValueError(f"unknown comparator {comparator!r}")


def finite(x: float | None) -> float | None:
    # Evidence must survive json.dumps(allow_nan=False); an infinite rate is reported as absent.
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def decimal_diff(a: float, b: float) -> float:
    # Figures are typed as decimals; binary subtraction would turn 91.7 - 93 into
    # -1.2999999999999972, which then leaks into evidence and exports.
    if not (math.isfinite(a) and math.isfinite(b)):
        return a - b
    return float(Decimal(repr(a)) - Decimal(repr(b)))


def _rate(slope: float, log: bool) -> float | None:
    """Per-year rate of a fitted slope: growth rate for a log path, change per year otherwise."""
    if not log:
        return finite(slope)
    try:
        return finite(math.expm1(slope))
    except OverflowError:
        return None


def _add_years(start: date, years: float) -> date | None:
    if not math.isfinite(years):
        return None
    try:
        return start + timedelta(days=round(years * DAYS_PER_YEAR))
    except OverflowError:
        return None


def reading_evidence(
    period_start: str, period_end: str, value: float, qualifier: str, revision: int, reason: str | None = None
) -> dict[str, object]:
    """A reading as the evidence shows it (ISO dates; the revision only when it is not the first)."""
    # NaN is not JSON: an unusable value is null, with the reason.
    out: dict[str, object] = {"period_start": period_start, "period_end": period_end, "value": finite(value),
                              "qualifier": qualifier}
    if revision != 1:
        out["revision"] = revision
    if reason is not None:
        out["reason"] = reason
    return out


# ---------------------------------------------------------------------------------------------
# Fitting and projection


def weighted_fit(xs: Sequence[float], ys: Sequence[float], weights: Sequence[float]) -> Fit:
    """Weighted least squares with weights read as relative precisions (as statsmodels WLS)."""
    n = len(xs)
    if n < 2 or len(ys) != n or len(weights) != n:
        raise ValueError("a fit needs at least two points and matching lengths")
    w_sum = sum(weights)
    x_bar = sum(w * x for w, x in zip(weights, xs, strict=True)) / w_sum
    y_bar = sum(w * y for w, y in zip(weights, ys, strict=True)) / w_sum
    sxx = sum(w * (x - x_bar) ** 2 for w, x in zip(weights, xs, strict=True))
    if sxx <= 0:
        raise ValueError("a fit needs at least two distinct times")
    sxy = sum(w * (x - x_bar) * (y - y_bar) for w, x, y in zip(weights, xs, ys, strict=True))
    slope = sxy / sxx
    intercept = y_bar - slope * x_bar
    se: float | None = None
    if n > 2:
        rss = sum(w * (y - intercept - slope * x) ** 2 for w, x, y in zip(weights, xs, ys, strict=True))
        se = math.sqrt(max(rss, 0.0) / (n - 2) / sxx)
    return Fit(slope=slope, intercept=intercept, slope_se=se, n=n)


def recency_weights(n: int, half_life: float = FIT_HALF_LIFE_PERIODS) -> list[float]:
    """Weight 1 for the latest point, halving every `half_life` points back."""
    return [0.5 ** ((n - 1 - i) / half_life) for i in range(n)]


def project(
    points: Sequence[tuple[date, float]],
    target_value: float,
    deadline: date | None,
    method: Method,
) -> Projection:
    """Continue the path from the latest point and see where it is at the deadline.

    `points` are (date, value), oldest first, the baseline first. The rate comes from the
    first and last point when only two are known, otherwise from a weighted fit over all of
    them; either way the path starts at the latest reading, which is what is actually known.
    With `method` CAGR the path is exponential (all values must be positive), else straight.
    """
    pts = sorted(points)
    if len(pts) < 2:
        raise ValueError("a projection needs at least two points")
    log = Method(method) is Method.CAGR
    if log and any(v <= 0 for _, v in pts):
        raise ValueError("a log-linear projection needs positive values")
    t_last, y_last = pts[-1]
    xs = [years_between(t_last, t) for t, _ in pts]  # <= 0, latest at 0
    ys = [math.log(v) if log else v for _, v in pts]
    own_slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    ev: dict[str, object] = {"path": "exponential (constant CAGR)" if log else "straight line (constant change per year)"}
    ev["own_rate_per_year"] = _rate(own_slope, log)
    slopes: list[float] = []
    if len(pts) >= FIT_MIN_POINTS:
        weights = recency_weights(len(pts))
        fit = weighted_fit(xs, ys, weights)
        slope = fit.slope
        basis = "weighted log-linear fit" if log else "weighted linear fit"
        se = fit.slope_se or 0.0
        slopes = [slope - se, slope + se, own_slope]
        ev.update(
            fit_points=len(pts),
            fit_half_life_periods=FIT_HALF_LIFE_PERIODS,
            fit_weights=[round(w, 6) for w in weights],
            fit_rate_per_year=_rate(slope, log),
            fit_slope=finite(slope),
            fit_slope_se=finite(se),
            range_rule="min/max of the fit's slope +/- 1 standard error and the baseline-to-latest rate",
        )
    else:
        slope = own_slope
        basis = "two points"
    ev["projection_basis"] = basis

    def value_after(s: float, years: float) -> float | None:
        try:
            return finite(y_last * math.exp(s * years) if log else y_last + s * years)
        except OverflowError:
            return None

    value_at_deadline = low = high = None
    if deadline is None:
        ev["value_at_deadline_reason"] = "target has no deadline"
    elif deadline <= t_last:
        ev["value_at_deadline_reason"] = "the latest reading is at or after the deadline"
    else:
        horizon = years_between(t_last, deadline)
        value_at_deadline = value_after(slope, horizon)
        if slopes:
            vals = [v for v in (value_after(s, horizon) for s in slopes) if v is not None]
            if vals:
                low, high = min(vals), max(vals)

    needed: float | None
    if not log:
        needed = target_value - ys[-1]
    elif target_value > 0:
        needed = math.log(target_value) - ys[-1]
    else:
        needed = None
    achievement: date | None = None
    if needed is None:
        ev["achievement_reason"] = "target value is not positive; an exponential path never reaches it"
    elif needed == 0:
        achievement = t_last
    elif slope == 0 or (needed > 0) != (slope > 0):
        ev["achievement_reason"] = "the path does not move towards the target"
    else:
        achievement = _add_years(t_last, needed / slope)
        if achievement is None:
            ev["achievement_reason"] = "the path reaches the target only beyond the calendar's range"
    return Projection(
        value_at_deadline=value_at_deadline,
        low=low,
        high=high,
        achievement_date=achievement,
        basis=basis,
        evidence=ev,
    )
