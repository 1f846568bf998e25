"""The target forms beyond reach and threshold: range, about, change, average growth and path.

Pure functions of their arguments, like monitor.status.progress (which dispatches here from ``assess``);
the rules are those of docs/methodology.md, section "Target forms", and tests/test_target_forms.py
computes that section's worked examples:

- range (``low``..``high``, inclusive) and about (``value`` ± ``tolerance``) are judged per period like a
  threshold: met / not_met on the latest comparable reading, the share of full periods met beside it.
  With a deadline they are about the one period ending at the deadline (a work report's annual target):
  only readings inside that period count, a shorter one (Jan-Sep) is provisional, and once the deadline
  has passed the verdict stays that of the deadline's period. About's tolerance, when the target states
  none, is ABOUT_DEFAULT_POINTS for an indicator in percent and ABOUT_DEFAULT_SHARE of the value otherwise.
- change (relative percent, factor, absolute amount) resolves to a reach target from the baseline: the
  stated baseline value, else the reading at the baseline date; neither gives insufficient_data.
- average_growth compares the observed average annual growth since the baseline (CAGR of the levels, or
  for a year-on-year indicator the compound mean of its yearly growth readings) with the stated rate:
  R = observed / rate gives the reach bands before the deadline, achieved / not_met at it.
- path is judged per period like a threshold against the point in force: the first point dated on or
  after the reading's period end (a step, not an interpolation), the last point after the path ends.

The set-based path (monitor.status.sets) computes none of these: their goals go to the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from monitor.model import (
    ChangeKind,
    Frequency,
    Indicator,
    MeasureKind,
    Qualifier,
    Reading,
    Target,
    TargetKind,
)
from monitor.status import progress as p
from monitor.status.formulas import cagr, decimal_diff, finite, reading_meets, status_for_ratio, years_between

# About without a stated tolerance: half a percentage point for an indicator in percent ("2%左右" is
# 1.5%..2.5%), else 5% of the stated value ("1200万人左右" is 1140..1260万人).
ABOUT_DEFAULT_POINTS = 0.5
ABOUT_DEFAULT_SHARE = 0.05
# Average growth: the observed rate, in percent, is compared with the stated one at this many decimals, so
# that a series growing exactly at the stated rate is not missed by a floating-point hair.
GROWTH_DECIMALS = 6

BASIS_LEVELS = "levels"
BASIS_GROWTH_READINGS = "yearly growth readings"


def _d(x: float) -> Decimal:
    return Decimal(repr(x))


def about_tolerance(indicator: Indicator, target: Target) -> tuple[float, str]:
    """(tolerance in base units, where it comes from: "target" or "default")."""
    if target.tolerance is not None:
        return target.tolerance, "target"
    if indicator.unit.strip() == "%":
        return ABOUT_DEFAULT_POINTS, "default"
    return float(abs(_d(target.value)) * _d(ABOUT_DEFAULT_SHARE)), "default"


def band(indicator: Indicator, target: Target) -> tuple[float, float]:
    """(low, high) of a range or about target, inclusive, in base units (decimal arithmetic: 2 ± 0.3 is 1.7..2.3)."""
    if TargetKind(target.kind) is TargetKind.RANGE:
        assert target.low is not None and target.high is not None
        return target.low, target.high
    tolerance, _ = about_tolerance(indicator, target)
    return float(_d(target.value) - _d(tolerance)), float(_d(target.value) + _d(tolerance))


def resolve_change(target: Target, baseline: float) -> float:
    """The value a change target asks for, from the baseline value (decimal arithmetic: 100 - 13.5% is 86.5)."""
    assert target.change is not None
    amount, y0 = _d(target.change.amount), _d(baseline)
    kind = ChangeKind(target.change.kind)
    if kind is ChangeKind.RELATIVE:
        return float(y0 * (1 + amount / 100))
    if kind is ChangeKind.FACTOR:
        return float(y0 * amount)
    return float(y0 + amount)


def point_in_force(target: Target, end: date) -> tuple[date, float] | None:
    """The path point a period ending on ``end`` is judged against: the first dated on or after it, the
    last one after the path ends; None before the path's first period."""
    points = target.path
    if not points:
        return None
    first = points[0]
    # The first point's period: as long as the gap to the second point, else a year.
    length = (points[1].date - first.date).days if len(points) > 1 else 366
    if end <= first.date - timedelta(days=length):
        return None
    for pt in points:
        if pt.date >= end:
            return pt.date, pt.value
    return points[-1].date, points[-1].value


def form_evidence(target: Target) -> dict[str, object]:
    """The stated form of a target of the new kinds, for the evidence's "target"."""
    kind = TargetKind(target.kind)
    if kind is TargetKind.RANGE:
        return {"low": target.low, "high": target.high}
    if kind is TargetKind.ABOUT:
        return {"tolerance": target.tolerance}
    if kind is TargetKind.CHANGE and target.change is not None:
        return {"change": {"kind": ChangeKind(target.change.kind).value, "amount": target.change.amount}}
    if kind is TargetKind.AVERAGE_GROWTH:
        return {"rate": target.rate}
    if kind is TargetKind.PATH:
        return {"path": [{"date": pt.date.isoformat(), "value": pt.value} for pt in target.path]}
    return {}


# ---------------------------------------------------------------------------------------------
# Per period: range, about, path


@dataclass(frozen=True)
class _Criterion:
    """What a reading must show, and how far it is from it (negative: short of it)."""

    meets: Callable[[Reading], bool]
    margin: Callable[[Reading], float]


Rule = tuple[str, dict[str, object]]


def _in_band(low: float, high: float) -> _Criterion:
    def meets(r: Reading) -> bool:
        return reading_meets(r.value, r.qualifier, ">=", low) and reading_meets(r.value, r.qualifier, "<=", high)

    def margin(r: Reading) -> float:
        return min(decimal_diff(r.value, low), decimal_diff(high, r.value))

    return _Criterion(meets, margin)


def _deadline_window(target: Target, span_days: float | None) -> Callable[[Reading], Rule | None]:
    """With a deadline: only readings inside the period ending at it (its length: the target's period, else
    the comparable span, else a year)."""
    deadline = target.deadline
    if deadline is None:
        return lambda r: None
    if target.period is not None and Frequency(target.period) in p.NOMINAL_SPAN_DAYS:
        length = p.NOMINAL_SPAN_DAYS[Frequency(target.period)]
    else:
        length = span_days or p.DAYS_PER_YEAR
    earliest_start = deadline - timedelta(days=math.floor(length) - 1 + p.SPAN_TOLERANCE_DAYS)

    def applies(r: Reading) -> Rule | None:
        if r.period_end > deadline:
            return "problem.uncounted_after_deadline", {"deadline": deadline.isoformat()}
        if r.period_start < earliest_start:
            return "problem.uncounted_outside_deadline_period", {"deadline": deadline.isoformat()}
        return None

    return applies


def applies_rule(indicator: Indicator, target: Target, shape: p._Shape) -> Callable[[Reading], Rule | None]:
    """Whether a per-period target looks at a reading at all, before comparability: range and about with a
    deadline only at the period ending then, a path from its first period on; (code, params) of why not."""
    kind = TargetKind(target.kind)
    if kind in (TargetKind.RANGE, TargetKind.ABOUT):
        return _deadline_window(target, shape.span_days)
    if kind is TargetKind.PATH:
        return lambda r: None if point_in_force(target, r.period_end) is not None else ("problem.uncounted_before_path", {})
    return lambda r: None


def _periodic(
    indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date,
    make: Callable[[p._Shape], _Criterion], form: dict[str, object],
) -> p.Assessment:
    """The threshold's rule (progress.assess_threshold) with another criterion: met or not on the latest
    counted reading, the share of full periods met."""
    reasons: list[str] = []
    stale, ev, prepared, skipped = p._begin(indicator, target, readings, as_of, reasons)
    ev["form"] = form
    # The target's period, else the indicator's own, else the baseline or latest reading's (progress.target_shape).
    shape = p.target_shape(indicator, target, p.baseline_reading_of(target, prepared), prepared)
    if shape is None:
        reasons.append("no reading known at the as-of date")
        return p._blank(indicator, target, "insufficient_data", stale, ev)
    ev["comparable_period"] = shape.describe()
    criterion = make(shape)
    applies = applies_rule(indicator, target, shape)
    kind = TargetKind(target.kind)
    full: list[Reading] = []
    shorter: list[Reading] = []
    for r in prepared:
        outside = applies(r)
        if outside is not None:
            skipped.append(p._skipped_ev(r, *outside))
            continue
        verdict, why = p.counted_as(indicator, kind, shape, r)
        if verdict == "same":
            full.append(r)
        elif verdict == "shorter":
            shorter.append(r)
        else:
            skipped.append(p._skipped_ev(r, *why) if why else p._reading_ev(r, "not comparable"))
    full = p._one_per_end(full)
    counted = sorted(full + shorter, key=lambda r: (r.period_end, p._span_days(r)))
    if not counted:
        reasons.append("no comparable reading known at the as-of date" if target.deadline is None else
                       f"no reading yet of the period ending at the deadline {target.deadline.isoformat()}")
        return p._blank(indicator, target, "insufficient_data", stale, ev)
    latest = counted[-1]
    provisional = not any(r is latest for r in full)
    if target.deadline is not None and latest.period_end < target.deadline:
        provisional = True  # the deadline's period is not over in this reading
    met = criterion.meets(latest)
    margin = criterion.margin(latest)
    periods = [{**p._reading_ev(r), "met": criterion.meets(r)} for r in full]
    share = sum(1 for x in periods if x["met"]) / len(periods) if periods else None
    ev["latest"] = p._reading_ev(latest)
    ev["met"] = met
    ev["margin"] = margin
    ev["provisional"] = provisional
    ev["full_periods"] = periods
    ev["share_met"] = share
    ev["shorter_periods_counted"] = [p._reading_ev(r) for r in shorter]
    reasons.append(f"the latest reading ({p._qualified(latest)}) {'meets' if met else 'does not meet'} the target; "
                   f"margin {margin:+.4g}")
    if provisional:
        reasons.append("provisional: the latest reading covers less than the target's period")
    overrides: dict[str, object] = {}
    point = form.get("point")
    if isinstance(point, dict):
        overrides["target_value"] = point["value"]
    return p._blank(indicator, target, "met" if met else "not_met", stale, ev, provisional=provisional,
                    latest=latest, margin=margin, share_met=share, **overrides)


def assess_band(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> p.Assessment:
    """A range or about target (see the module docstring)."""
    low, high = band(indicator, target)
    form: dict[str, object] = {"low": low, "high": high}
    if TargetKind(target.kind) is TargetKind.ABOUT:
        tolerance, source = about_tolerance(indicator, target)
        form.update(value=target.value, tolerance=tolerance, tolerance_source=source)

    return _periodic(indicator, target, readings, as_of, lambda shape: _in_band(low, high), form)


def assess_path(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> p.Assessment:
    """A path target (see the module docstring)."""
    comparator = target.comparator
    form: dict[str, object] = {}

    def value_for(r: Reading) -> float:
        found = point_in_force(target, r.period_end)
        assert found is not None
        return found[1]

    def meets(r: Reading) -> bool:
        return reading_meets(r.value, r.qualifier, comparator, value_for(r))

    def margin(r: Reading) -> float:
        v = value_for(r)
        return decimal_diff(r.value, v) if comparator in (">=", ">") else decimal_diff(v, r.value)

    a = _periodic(indicator, target, readings, as_of, lambda shape: _Criterion(meets, margin), form)
    if a.latest is not None:
        found = point_in_force(target, a.latest.period_end)
        assert found is not None
        form["point"] = {"date": found[0].isoformat(), "value": found[1]}
        return replace(a, target_value=found[1])
    return replace(a, target_value=None)


# ---------------------------------------------------------------------------------------------
# From the baseline: change, average growth


def _baseline(target: Target, prepared: list[Reading]) -> tuple[float, date, str] | None:
    """(value, date, source) of a change's or an average growth's baseline: stated, else the reading at its date."""
    if target.baseline_date is None:
        return None
    if target.baseline_value is not None:
        return target.baseline_value, target.baseline_date, p.BASELINE_FROM_TARGET
    reading = p._reading_at_baseline_date(target, prepared)
    if reading is None:
        return None
    return reading.value, reading.period_end, p.BASELINE_FROM_READING_AT_DATE


def _no_baseline(target: Target) -> str:
    if target.baseline_date is None:
        return "the target states no baseline date"
    return (f"the target states no baseline value and there is no reading at the baseline date "
            f"{target.baseline_date.isoformat()}: record that reading or give baseline.value")


def assess_change(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> p.Assessment:
    """A change target: resolved to a reach target from the baseline, then judged as reach is."""
    assert target.change is not None
    prepared, _ = p._prepare(indicator, readings, as_of)
    change = {"kind": ChangeKind(target.change.kind).value, "amount": target.change.amount}
    found = _baseline(target, prepared)
    if found is None:
        reasons: list[str] = []
        stale, ev, _, _ = p._begin(indicator, target, readings, as_of, reasons)
        reasons.append(_no_baseline(target))
        ev["change"] = {**change, "resolved_value": None}
        return p._blank(indicator, target, "insufficient_data", stale, ev, target_value=None)
    y0, _, source = found
    resolved = resolve_change(target, y0)
    reach = replace(target, kind=TargetKind.REACH, value=resolved)
    a = p.assess_reach(indicator, reach, readings, as_of)
    ev = dict(a.evidence)
    ev["target"] = p._base_evidence(indicator, target, as_of, a.staleness)["target"]
    ev["change"] = {**change, "baseline_value": y0, "baseline_source": source, "resolved_value": resolved}
    reasons = list(ev.get("reasons", []))  # type: ignore[call-overload]
    reasons.insert(0, f"the change {change['kind']} {target.change.amount:g} from the baseline {y0:g} "
                      f"resolves to {target.comparator} {resolved:g}")
    ev["reasons"] = reasons
    return replace(a, evidence=ev)


def _compound_mean(growths: list[float]) -> float:
    """The average annual growth of yearly growth readings in percent, as a fraction."""
    log_sum = sum(math.log1p(g / 100) for g in growths)
    return math.expm1(log_sum / len(growths))


def assess_average_growth(
    indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date
) -> p.Assessment:
    """An average annual growth target (see the module docstring)."""
    assert target.rate is not None
    reasons: list[str] = []
    stale, ev, prepared, skipped = p._begin(indicator, target, readings, as_of, reasons)
    rate = target.rate
    comparator = target.comparator
    deadline = target.deadline
    growth_readings = MeasureKind(indicator.measure) is MeasureKind.YOY_CHANGE
    info: dict[str, object] = {"rate": rate, "comparator": comparator,
                               "basis": BASIS_GROWTH_READINGS if growth_readings else BASIS_LEVELS}
    ev["average_growth"] = info
    if target.baseline_date is None:
        reasons.append(_no_baseline(target))
        return p._blank(indicator, target, "insufficient_data", stale, ev, target_value=None)
    t0 = target.baseline_date
    y0: float | None = None
    base: dict[str, object] = {}
    if growth_readings:
        # Each reading is already a year's growth: no level is needed, only the years after the baseline.
        shape = p.target_shape(indicator, target, None, prepared)
    else:
        found = _baseline(target, prepared)
        if found is None:
            reasons.append(_no_baseline(target))
            return p._blank(indicator, target, "insufficient_data", stale, ev, target_value=None)
        y0, t0, source = found
        info["baseline"] = {"value": y0, "date": t0.isoformat(), "source": source}
        base = dict(baseline_value=y0, baseline_date=t0)
        shape = p.target_shape(indicator, target, p.baseline_reading_of(target, prepared), prepared)
    if shape is None:
        reasons.append("no reading to tell which period length is comparable")
        return p._blank(indicator, target, "insufficient_data", stale, ev, target_value=None, **base)
    ev["comparable_period"] = shape.describe()
    same = p._comparable(indicator, shape, prepared, skipped)
    after: list[Reading] = []
    for r in p._after_baseline(same, t0, skipped):
        if deadline is not None and r.period_end > deadline:
            skipped.append(p._skipped_ev(r, "problem.uncounted_growth_after_deadline"))
        else:
            after.append(r)
    ev["readings_used"] = [p._reading_ev(r) for r in after]
    if not after:
        reasons.append(f"no comparable reading after the baseline date {t0.isoformat()}")
        return p._blank(indicator, target, "insufficient_data", stale, ev, target_value=None, **base)
    latest = after[-1]
    ev["latest"] = p._reading_ev(latest)
    if growth_readings:
        years = float(len(after))
        observed = _compound_mean([r.value for r in after])
    else:
        assert y0 is not None
        years = years_between(t0, latest.period_end)
        if y0 <= 0 or latest.value <= 0:
            reasons.append("an average growth needs positive values at the baseline and the latest reading")
            return p._blank(indicator, target, "insufficient_data", stale, ev, latest=latest, target_value=None, **base)
        observed = cagr(y0, latest.value, years)
    observed_pct = finite(round(observed * 100, GROWTH_DECIMALS))
    if observed_pct is None:
        reasons.append("the observed growth is too large to represent")
        return p._blank(indicator, target, "insufficient_data", stale, ev, latest=latest, target_value=None, **base)
    met = reading_meets(observed_pct, Qualifier.EXACT, comparator, rate)
    info.update(observed=observed_pct, years=years, met=met)
    d = 1 if comparator in (">=", ">") else -1
    ratio: float | None = None
    if deadline is not None and latest.period_end >= deadline:
        status = "achieved" if met else "not_met"
        reasons.append(f"at the deadline the average annual growth is {observed_pct:g}%, "
                       f"{'meeting' if met else 'not meeting'} {comparator} {rate:g}%")
    elif d * rate > 0:
        # A pace, as a reach target's: R = observed / stated rate, the same bands.
        ratio = finite(observed_pct / rate)
        status = status_for_ratio(observed_pct / rate)
        reasons.append(f"R = observed / stated rate = {observed_pct:g} / {rate:g} -> {status}")
    else:
        # A bound on growth ("no more than 3% a year"): no pace to judge, only which side of it.
        status = "on_track" if met else "deterioration"
        reasons.append(f"the average annual growth {observed_pct:g}% is {'within' if met else 'beyond'} "
                       f"{comparator} {rate:g}%")
    info["ratio"] = ratio
    implied = None
    if y0 is not None and deadline is not None and deadline > t0:
        implied = finite(y0 * (1 + rate / 100) ** years_between(t0, deadline))
    return p._blank(indicator, target, status, stale, ev, latest=latest, ratio=ratio, target_value=implied, **base)


def assess_form(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> p.Assessment:
    """The assessment of a target of one of this module's kinds."""
    kind = TargetKind(target.kind)
    if kind in (TargetKind.RANGE, TargetKind.ABOUT):
        return assess_band(indicator, target, readings, as_of)
    if kind is TargetKind.CHANGE:
        return assess_change(indicator, target, readings, as_of)
    if kind is TargetKind.AVERAGE_GROWTH:
        return assess_average_growth(indicator, target, readings, as_of)
    if kind is TargetKind.PATH:
        return assess_path(indicator, target, readings, as_of)
    raise ValueError(f"target {target.id}: not a form of this module: {kind.value}")
