"""Progress engine: judges an indicator's readings against its targets at a given date.

Everything here is a pure function of its arguments. The as-of date is always passed in and
readings whose period ends after it are ignored, so re-running an assessment for a past date
gives the same answer however much data has been recorded since. The method is described in
``docs/methodology.md``; constants below (and in monitor.status.formulas, the arithmetic over plain
numbers this module applies) are the knobs that document names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from monitor.model import (
    FREQUENCY_MONTHS,
    SET_KINDS,
    STATUSES,
    Direction,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Nature,
    Qualifier,
    Reading,
    Target,
    TargetKind,
)
from monitor.model.periods import add_months
from monitor.model.problems import render
from monitor.model.validate import magnitude_problem, usable_value
from monitor.status.formulas import (
    DAYS_PER_YEAR,
    FIT_HALF_LIFE_PERIODS,
    FIT_MIN_POINTS,
    NEEDS_ACCELERATION_MIN_RATIO,
    ON_TRACK_MIN_RATIO,
    Fit,
    Projection,
    cagr,
    decimal_diff,
    finite,
    linear_rate,
    project,
    reading_evidence,
    reading_meets,
    recency_weights,
    status_for_ratio,
    weighted_fit,
    years_between,
)

__all__ = [  # the formulas, here too: tests and callers read them as the engine's
    "DAYS_PER_YEAR", "FIT_HALF_LIFE_PERIODS", "FIT_MIN_POINTS", "NEEDS_ACCELERATION_MIN_RATIO",
    "ON_TRACK_MIN_RATIO", "Fit", "Projection", "cagr", "decimal_diff", "finite", "linear_rate", "project",
    "reading_evidence", "reading_meets", "recency_weights", "status_for_ratio", "weighted_fit", "years_between",
    "REACH_STATUS_ORDER", "STATUSES", "Assessment", "Staleness", "assess", "assess_no_target", "assess_reach",
    "assess_threshold", "next_period_end", "staleness", "targets_in_force",
    "PART_PERIOD_MEASURES", "PER_PERIOD_KINDS", "Uncounted", "counted_as", "never_counts", "target_shape",
    "uncounted_for", "never_counts_judge", "uncounted_rule",
]


# Worst to best, for reach targets: used by the UI to sort and by tests to check monotonicity.
REACH_STATUS_ORDER = ("deterioration", "limited_progress", "needs_acceleration", "on_track", "achieved")

# Two spans are "the same period length" within this many days: absorbs 28..31-day months,
# leap years and 90..92-day quarters without letting a Jan-May total pass for a full year.
SPAN_TOLERANCE_DAYS = 4
# Nominal length of one period in days, for when no reading tells us the span to expect.
NOMINAL_SPAN_DAYS: dict[Frequency, float] = {
    Frequency.MONTHLY: DAYS_PER_YEAR / 12,
    Frequency.QUARTERLY: DAYS_PER_YEAR / 4,
    Frequency.HALF_YEARLY: DAYS_PER_YEAR / 2,
    Frequency.YEARLY: DAYS_PER_YEAR,
}
TREND_WINDOW = 5  # no-target trend: CAGR across at most this many latest comparable readings

_POINT_MEASURES = (MeasureKind.STOCK, MeasureKind.CUMULATIVE)


# Where a reach target's baseline comes from (evidence "baseline_source"), in the order of precedence.
BASELINE_FROM_TARGET = "target"
BASELINE_FROM_READING_AT_DATE = "reading at the target's baseline date"
BASELINE_FROM_EARLIEST_READING = "earliest comparable reading"
BASELINE_SOURCES = (BASELINE_FROM_TARGET, BASELINE_FROM_READING_AT_DATE, BASELINE_FROM_EARLIEST_READING)


@dataclass(frozen=True)
class Staleness:
    stale: bool
    last_period_end: date | None
    next_due: date | None
    days_overdue: int  # 0 when not stale


@dataclass(frozen=True)
class Assessment:
    indicator_id: str
    target_id: str | None
    status: str  # one of STATUSES
    ratio: float | None  # R for reach targets
    provisional: bool  # threshold judged on a shorter period than the target's
    latest: Reading | None  # the comparable reading used
    baseline_value: float | None
    baseline_date: date | None
    target_value: float | None
    deadline: date | None
    stretch_date: date | None
    margin: float | None  # threshold: latest - threshold, signed so that negative = short of it
    share_met: float | None  # threshold: share of comparable full periods met (0..1)
    projected_value_at_deadline: float | None
    projected_low: float | None
    projected_high: float | None
    projected_achievement_date: date | None
    trend_cagr: float | None  # no_target: CAGR over the last comparable periods
    staleness: Staleness
    evidence: dict[str, object] = field(default_factory=dict)


def next_period_end(last_period_end: date, frequency: Frequency) -> date | None:
    """The end of the period after one ending on ``last_period_end``; month ends stay month ends
    (May 31 + 1 month -> June 30 -> July 31). None for irregular series."""
    months = FREQUENCY_MONTHS.get(Frequency(frequency))
    return None if months is None else add_months(last_period_end, months, keep_month_end=True)


def _span_days(r: Reading) -> int:
    # Inclusive day count: Jan 1..Dec 31 is 365 (366), a point reading is 1.
    return (r.period_end - r.period_start).days + 1


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _reading_ev(r: Reading, reason: str | None = None) -> dict[str, object]:
    return reading_evidence(r.period_start.isoformat(), r.period_end.isoformat(), r.value,
                            Qualifier(r.qualifier).value, r.revision, reason)


def _skipped_ev(r: Reading, code: str, params: dict[str, object] | None = None) -> dict[str, object]:
    """A skipped reading with its reason in English ("reason") and as a problem code ("why", for the screens'
    languages: monitor.present.i18n.problem_reason)."""
    out = _reading_ev(r, render(code, params))
    out["why"] = {"code": code, "params": dict(params or {})}
    return out


# ---------------------------------------------------------------------------------------------
# Staleness


def staleness(indicator: Indicator, readings: Sequence[Reading], as_of: date) -> Staleness:
    """Whether a newer period should have been published by `as_of` and was not recorded.

    With no reading at all nothing is due yet: we cannot tell when the series starts, and a
    brand-new indicator must not show up as overdue.
    """
    ends = [r.period_end for r in readings if r.indicator_id == indicator.id and r.period_end <= as_of]
    if not ends:
        return Staleness(stale=False, last_period_end=None, next_due=None, days_overdue=0)
    last = max(ends)
    try:
        nxt = next_period_end(last, indicator.frequency)
        due = None if nxt is None else nxt + timedelta(days=indicator.publication_lag_days)
    except (ValueError, OverflowError):  # a period ending near year 9999 has no representable successor
        nxt = due = None
    if nxt is None or due is None:  # irregular series have no due date
        return Staleness(stale=False, last_period_end=last, next_due=None, days_overdue=0)
    overdue = (as_of - due).days
    return Staleness(stale=overdue > 0, last_period_end=last, next_due=due, days_overdue=max(overdue, 0))


# ---------------------------------------------------------------------------------------------
# Reading selection and comparability


@dataclass(frozen=True)
class _Shape:
    """What a comparable reading looks like: a point in time, or a span of about `span_days`."""

    kind: str  # "point" | "cumulative" | "span"
    span_days: float | None
    cumulative_start: date | None
    source: str

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "source": self.source}
        if self.span_days is not None:
            out["span_days"] = round(self.span_days, 3)
            out["tolerance_days"] = SPAN_TOLERANCE_DAYS
        if self.cumulative_start is not None:
            out["cumulative_start"] = self.cumulative_start.isoformat()
        return out


def _prepare(
    indicator: Indicator, readings: Sequence[Reading], as_of: date
) -> tuple[list[Reading], list[dict[str, object]]]:
    """Readings of this indicator known at `as_of`, one per period, oldest first.

    Readings after `as_of` are dropped without a trace so that the evidence for a past date
    does not change when later data arrives.
    """
    skipped: list[dict[str, object]] = []
    by_period: dict[tuple[date, date], Reading] = {}
    for r in readings:
        if r.period_end > as_of:
            continue
        if r.indicator_id != indicator.id:
            skipped.append(_reading_ev(r, f"belongs to indicator {r.indicator_id!r}"))
            continue
        if r.period_end < r.period_start:
            skipped.append(_reading_ev(r, "period ends before it starts"))
            continue
        key = (r.period_start, r.period_end)
        held = by_period.get(key)
        if held is None:
            by_period[key] = r
        elif r.revision > held.revision:
            skipped.append(_skipped_ev(held, "problem.superseded", {"revision": r.revision}))
            by_period[key] = r
        else:
            skipped.append(_skipped_ev(r, "problem.superseded", {"revision": held.revision}))
    # A value the product cannot compute with (not finite, or outside monitor.model.validate's sizes: a store
    # written before those rules may hold one) is skipped after the revisions are sorted out: its
    # period then has no reading, rather than the revision it replaced passing for the current figure.
    for key, r in list(by_period.items()):
        if not usable_value(r.value):
            skipped.append(_reading_ev(r, "value is not a finite number" if not math.isfinite(r.value)
                                       else f"value cannot be used: it {magnitude_problem(r.value)}"))
            del by_period[key]
    kept = sorted(by_period.values(), key=lambda r: (r.period_end, r.period_start))
    return kept, skipped


def _shape_for(
    indicator: Indicator,
    *,
    span_reading: Reading | None,
    period: Frequency | None,
    fallback_reading: Reading | None,
    default_span: float | None,
    default_source: str,
) -> _Shape | None:
    measure = MeasureKind(indicator.measure)
    if measure is MeasureKind.STOCK:
        return _Shape("point", None, None, "a stock is a level at one date")
    if measure is MeasureKind.CUMULATIVE:
        # Running totals are comparable only when they count from the same start date.
        if indicator.cumulative_since is not None:
            return _Shape("cumulative", None, indicator.cumulative_since, "indicator's cumulative_since")
        ref = span_reading or fallback_reading
        if ref is None:
            return None
        return _Shape("cumulative", None, ref.period_start, "start of the reference reading")
    if span_reading is not None:
        return _Shape("span", float(_span_days(span_reading)), None, "span of the baseline reading")
    if period is not None and Frequency(period) in NOMINAL_SPAN_DAYS:
        return _Shape("span", NOMINAL_SPAN_DAYS[Frequency(period)], None, f"target period ({Frequency(period).value})")
    if fallback_reading is not None:
        return _Shape("span", float(_span_days(fallback_reading)), None, "span of the reference reading")
    if default_span is not None:
        return _Shape("span", default_span, None, default_source)
    return None


def _compare_rule(shape: _Shape, r: Reading) -> tuple[str, tuple[str, dict[str, object]] | None]:
    """("same" | "shorter" | "skip", (problem code, params) of why not "same"). "shorter" only for span shapes."""
    if shape.kind == "point":
        if r.period_start != r.period_end:
            return "skip", ("problem.uncounted_stock_span", {"days": _span_days(r)})
        return "same", None
    if shape.kind == "cumulative":
        if r.period_start != shape.cumulative_start:
            return "skip", ("problem.uncounted_cumulative_start",
                            {"start": r.period_start.isoformat(), "since": _iso(shape.cumulative_start)})
        return "same", None
    assert shape.span_days is not None
    span = _span_days(r)
    if abs(span - shape.span_days) <= SPAN_TOLERANCE_DAYS:
        return "same", None
    params: dict[str, object] = {"days": span, "reference": f"{shape.span_days:.0f}"}
    if span < shape.span_days:
        return "shorter", ("problem.uncounted_shorter", params)
    return "skip", ("problem.uncounted_longer", params)


def _compare(shape: _Shape, r: Reading) -> tuple[str, str | None]:
    """("same" | "shorter" | "skip", reason in English). "shorter" only arises for span shapes."""
    verdict, why = _compare_rule(shape, r)
    return verdict, None if why is None else render(*why)


# Targets judged per period (a threshold's rule): a shorter part of the period of a flow, ratio or
# year-on-year change counts there, provisionally; targets judged from a baseline compare like with like.
PER_PERIOD_KINDS = (TargetKind.THRESHOLD, TargetKind.RANGE, TargetKind.ABOUT, TargetKind.PATH)
PART_PERIOD_MEASURES = (MeasureKind.RATIO, MeasureKind.FLOW, MeasureKind.YOY_CHANGE)


def counted_as(
    indicator: Indicator, kind: TargetKind | None, shape: _Shape, r: Reading
) -> tuple[str, tuple[str, dict[str, object]] | None]:
    """How a target of ``kind`` (None: no target) counts reading ``r`` of the comparable ``shape``: "same"
    (a full period), "shorter" (a part of one, provisional: per-period kinds only) or "skip", with the
    (code, params) of why. The one per-reading comparability rule of the engine and of ``never_counts``."""
    verdict, why = _compare_rule(shape, r)
    if verdict == "shorter" and not (kind in PER_PERIOD_KINDS and MeasureKind(indicator.measure) in PART_PERIOD_MEASURES):
        return "skip", why
    return verdict, why


def target_shape(
    indicator: Indicator, target: Target, baseline_reading: Reading | None, prepared: Sequence[Reading]
) -> _Shape | None:
    """The comparable shape of ``target``'s readings (docs/methodology.md section 2): the stock's point, the
    cumulative start, else the span of the reading at the baseline date, the target's period, ... in each
    kind's order; from ``prepared`` (the indicator's readings, oldest first) only as the last resort. None
    when nothing tells it (``never_counts`` passes no readings: a shape only the data gives is unknown)."""
    kind = TargetKind(target.kind)
    if kind in PER_PERIOD_KINDS:
        period = target.period
        if kind is not TargetKind.THRESHOLD and period is None and Frequency(indicator.frequency) in NOMINAL_SPAN_DAYS:
            # Range, about, path: the indicator's own period (a Jan-Jun reading of a yearly indicator is then a
            # provisional part of its year, not the reference every full year is measured against).
            period = Frequency(indicator.frequency)
        # The target's own period comes first: a yearly threshold is about whole years even when the latest
        # reading covers half of one. Without it, compare like with the latest reading.
        return _shape_for(indicator, span_reading=None, period=period,
                          fallback_reading=baseline_reading or (prepared[-1] if prepared else None),
                          default_span=None, default_source="")
    if kind is TargetKind.AVERAGE_GROWTH and MeasureKind(indicator.measure) is MeasureKind.YOY_CHANGE:
        return _shape_for(indicator, span_reading=None, period=target.period or Frequency.YEARLY,
                          fallback_reading=None, default_span=None, default_source="")
    return _reach_shape(indicator, target, baseline_reading, list(prepared))


def baseline_reading_of(target: Target, prepared: Sequence[Reading]) -> Reading | None:
    """The reading at the target's baseline date that fixes its comparable span (threshold and the per-period
    forms: the longest; reach, change, average growth: the one with the stated value if any, else the longest)."""
    if TargetKind(target.kind) in PER_PERIOD_KINDS:
        if target.baseline_date is None:
            return None
        at_date = [r for r in prepared if r.period_end == target.baseline_date]
        return max(at_date, key=_span_days) if at_date else None
    return _reading_at_baseline_date(target, list(prepared))


@dataclass(frozen=True)
class Uncounted:
    """Why a reading can never count for one target: a problem code of monitor.model.problems and its params."""

    target_id: str
    code: str
    params: dict[str, object]

    @property
    def reason(self) -> str:
        return render(self.code, self.params)


def uncounted_rule(
    indicator: Indicator, target: Target, shape: _Shape
) -> Callable[[Reading], Uncounted | None]:
    """``uncounted_for`` once the target's comparable ``shape`` is known: why ``target`` can never use a
    reading, or None (the per-reading half of the rule, built once per target for many readings)."""
    kind = TargetKind(target.kind)
    applies = None
    if kind in PER_PERIOD_KINDS:
        from monitor.status.forms import applies_rule

        applies = applies_rule(indicator, target, shape)

    def rule(r: Reading) -> Uncounted | None:
        verdict, why = counted_as(indicator, kind, shape, r)
        if verdict == "skip" and why is not None:
            return Uncounted(target.id, *why)
        if applies is not None:
            found = applies(r)
            return None if found is None else Uncounted(target.id, *found)
        # Strictly before: a reading at the baseline date is the baseline (or beside it), context.
        if target.baseline_date is not None and r.period_end < target.baseline_date:
            return Uncounted(target.id, "problem.uncounted_before_baseline",
                             {"date": r.period_end.isoformat(), "baseline": target.baseline_date.isoformat()})
        if kind is TargetKind.AVERAGE_GROWTH and target.deadline is not None and r.period_end > target.deadline:
            return Uncounted(target.id, "problem.uncounted_growth_after_deadline", {})
        return None

    return rule


def uncounted_for(
    indicator: Indicator, target: Target, r: Reading, others: Sequence[Reading] = ()
) -> Uncounted | None:
    """Why ``target`` can never use reading ``r``, or None when it may (now, later, or as its baseline).

    ``others``: the indicator's other readings, only to find the reading at the target's baseline date (which
    fixes the comparable span). Only what the target states decides: a shape only the data would give (a
    threshold without a period on a flow: the latest reading's) is unknown, so the reading may count. The rule
    is the engine's: ``target_shape`` and ``counted_as``, the baseline (a reach, change or average growth
    counts readings after its stated baseline date; one at that date is the baseline), and the forms' own
    windows (monitor.status.forms.applies_rule)."""
    pool = sorted([*others, r], key=lambda x: (x.period_end, x.period_start))
    shape = target_shape(indicator, target, baseline_reading_of(target, pool), [])
    if shape is None:
        return None
    return uncounted_rule(indicator, target, shape)(r)


def never_counts(
    indicator: Indicator, targets: Sequence[Target], r: Reading, others: Sequence[Reading] = ()
) -> list[Uncounted]:
    """Why reading ``r`` can never count for any target of ``indicator`` (one entry per target), or [] when one
    of them may use it, or the indicator has no target (its trend uses any reading).

    The targets are the latest version of each target id (those in force from some date on); ``others``
    as for ``uncounted_for``. The entry paths warn with this (monitor.files.ingest), `monitor check` lists
    the stored readings it finds."""
    found: list[Uncounted] = []
    for t in targets_in_force(targets, indicator.id, date.max):
        why = uncounted_for(indicator, t, r, others)
        if why is None:
            return []
        found.append(why)
    return found


def never_counts_judge(
    indicator: Indicator, targets: Sequence[Target], context: Sequence[Reading]
) -> Callable[[Reading], list[Uncounted]]:
    """``never_counts`` as a function of one reading, its ``others`` being ``context`` without it (the readings
    that may fix a target's span: any at a target's baseline date, the judged reading among them or not; it is
    recognised by identity): a reading that does not end at a target's baseline date leaves that target's shape
    as the context gives it, so the shape is worked out once per target, not once per reading (a large import)."""
    in_force = targets_in_force(targets, indicator.id, date.max)
    pool = sorted(context, key=lambda x: (x.period_end, x.period_start))
    judged: list[tuple[Target, Callable[[Reading], Uncounted | None] | None]] = []
    for t in in_force:
        shape = target_shape(indicator, t, baseline_reading_of(t, pool), [])
        judged.append((t, None if shape is None else uncounted_rule(indicator, t, shape)))

    def judge(r: Reading) -> list[Uncounted]:
        why_all: list[Uncounted] = []
        for t, rule in judged:
            if t.baseline_date is not None and r.period_end == t.baseline_date:
                # It may itself be the reading at the baseline date: the shape with it, as never_counts has it.
                why = uncounted_for(indicator, t, r, [o for o in context if o is not r])
            else:
                why = None if rule is None else rule(r)
            if why is None:
                return []
            why_all.append(why)
        return why_all

    return judge


def _one_per_end(rs: list[Reading]) -> list[Reading]:
    # Two comparable spans ending on the same day (e.g. 365 and 366 days) are one period;
    # keep the longer, which is the closer to a full period.
    out: dict[date, Reading] = {}
    for r in rs:
        held = out.get(r.period_end)
        if held is None or _span_days(r) > _span_days(held):
            out[r.period_end] = r
    return [out[k] for k in sorted(out)]


# ---------------------------------------------------------------------------------------------
# Assessments


def _blank(
    indicator: Indicator,
    target: Target | None,
    status: str,
    stale: Staleness,
    evidence: dict[str, object],
    **overrides: object,
) -> Assessment:
    fields: dict[str, object] = dict(
        indicator_id=indicator.id,
        target_id=None if target is None else target.id,
        status=status,
        ratio=None,
        provisional=False,
        latest=None,
        baseline_value=None if target is None else target.baseline_value,
        baseline_date=None if target is None else target.baseline_date,
        target_value=None if target is None else target.value,
        deadline=None if target is None else target.deadline,
        stretch_date=None if target is None else target.deadline_earliest,
        margin=None,
        share_met=None,
        projected_value_at_deadline=None,
        projected_low=None,
        projected_high=None,
        projected_achievement_date=None,
        trend_cagr=None,
        staleness=stale,
        evidence=evidence,
    )
    fields.update(overrides)
    assert fields["status"] in STATUSES
    return Assessment(**fields)  # type: ignore[arg-type]


def _base_evidence(indicator: Indicator, target: Target | None, as_of: date, stale: Staleness) -> dict[str, object]:
    ev: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "indicator_id": indicator.id,
        "measure": MeasureKind(indicator.measure).value,
        "indicator_direction": Direction(indicator.direction).value,
        "staleness": {
            "stale": stale.stale,
            "last_period_end": _iso(stale.last_period_end),
            "next_due": _iso(stale.next_due),
            "days_overdue": stale.days_overdue,
            "frequency": Frequency(indicator.frequency).value,
            "publication_lag_days": indicator.publication_lag_days,
        },
    }
    if target is not None:
        ev["target"] = {
            "id": target.id,
            "version": target.version,
            "kind": TargetKind(target.kind).value,
            "comparator": target.comparator,
            "value": target.value,
            "baseline_value": target.baseline_value,
            "baseline_date": _iso(target.baseline_date),
            "deadline": _iso(target.deadline),
            "deadline_earliest": _iso(target.deadline_earliest),
            "method": Method(target.method).value,
            "period": None if target.period is None else Frequency(target.period).value,
            "valid_from": None if target.valid_from is None else target.valid_from.isoformat(),
            "nature": Nature(target.nature).value,
        }
        if TargetKind(target.kind) not in SET_KINDS:
            from monitor.status.forms import form_evidence

            ev["target"].update(form_evidence(target))  # type: ignore[attr-defined]
    return ev


def _begin(
    indicator: Indicator, target: Target | None, readings: Sequence[Reading], as_of: date, reasons: list[str]
) -> tuple[Staleness, dict[str, object], list[Reading], list[dict[str, object]]]:
    """What every assessment starts from: staleness, the base evidence and the usable readings."""
    # Range and about state no comparator (""); every other kind needs one.
    no_comparator = target is not None and TargetKind(target.kind) in (TargetKind.RANGE, TargetKind.ABOUT)
    if target is not None and not no_comparator and target.comparator not in (">=", ">", "<=", "<"):
        raise ValueError(f"target {target.id}: unknown comparator {target.comparator!r}")
    stale = staleness(indicator, readings, as_of)
    ev = _base_evidence(indicator, target, as_of, stale)
    ev["reasons"] = reasons
    prepared, skipped = _prepare(indicator, readings, as_of)
    ev["skipped"] = skipped
    return stale, ev, prepared, skipped


def assess_reach(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> Assessment:
    """A reach target: is the path from the baseline to the latest comparable reading fast enough?

    The steps are those of docs/methodology.md, section 3: which way the target points, which readings
    are comparable, the baseline, the readings after it, the pace observed and required, the ratio R
    and its band, and the projection.
    """
    reasons: list[str] = []
    stale, ev, prepared, skipped = _begin(indicator, target, readings, as_of, reasons)
    d = _reach_direction(indicator, target, ev, reasons)

    baseline_reading = baseline_reading_of(target, prepared)
    shape = target_shape(indicator, target, baseline_reading, prepared)
    if shape is None:
        reasons.append("no reading to tell which period length is comparable")
        return _blank(indicator, target, "insufficient_data", stale, ev)
    ev["comparable_period"] = shape.describe()
    same = _comparable(indicator, shape, prepared, skipped)

    baseline = _reach_baseline(target, baseline_reading, same, ev, reasons)
    if baseline is None:
        return _blank(indicator, target, "insufficient_data", stale, ev)
    y0, t0 = baseline
    after = _after_baseline(same, t0, skipped)
    ev["readings_used"] = [_reading_ev(r) for r in after]
    base = dict(baseline_value=y0, baseline_date=t0)
    if not after:
        reasons.append(f"no comparable reading after the baseline date {t0.isoformat()}")
        return _blank(indicator, target, "insufficient_data", stale, ev, **base)

    latest = after[-1]
    yt, t = latest.value, latest.period_end
    yT, T = target.value, target.deadline
    ev["latest"] = _reading_ev(latest)
    base["latest"] = latest
    achieved = reading_meets(yt, latest.qualifier, target.comparator, yT)
    ev["latest_meets_target"] = achieved

    untimed = _reach_without_pace(achieved, t0, T, reasons)
    if untimed is not None:
        return _blank(indicator, target, untimed, stale, ev, **base)
    assert T is not None

    elapsed, horizon = years_between(t0, t), years_between(t0, T)
    ev["years_baseline_to_latest"] = elapsed
    ev["years_baseline_to_deadline"] = horizon
    method, observed, required = _reach_rates(Method(target.method), y0, yt, yT, elapsed, horizon, ev, reasons)
    status, ratio = _reach_band(d, observed, required, ev, reasons)
    status = _reach_verdict(status, ratio, achieved, latest, target, reasons)

    proj_fields: dict[str, object] = {}
    if not achieved:
        points = [(t0, y0)] + [(r.period_end, r.value) for r in after]
        proj_fields = _reach_projection(points, yT, T, method, ev)
    else:
        ev["projection"] = {"reason": "not projected: the target is already met"}

    return _blank(indicator, target, status, stale, ev, ratio=ratio, **base, **proj_fields)


def _reach_direction(indicator: Indicator, target: Target, ev: dict[str, object], reasons: list[str]) -> int:
    """+1 when the target wants the value up, -1 down; notes a window deadline."""
    # The comparator says which way this target wants the value to go; the indicator's own
    # direction is only a default and a disagreement is most likely a data-entry slip.
    d = 1 if target.comparator in (">=", ">") else -1
    ev["direction_sign"] = d
    if (d == 1) != (Direction(indicator.direction) is Direction.INCREASE):
        reasons.append(
            f"comparator {target.comparator} disagrees with the indicator's direction "
            f"'{Direction(indicator.direction).value}'; the comparator is followed"
        )
    if target.deadline_earliest is not None:
        reasons.append(
            f"window deadline: judged against the latest date {_iso(target.deadline)}; "
            f"{target.deadline_earliest.isoformat()} is reported as the stretch date"
        )
    return d


def _reading_at_baseline_date(target: Target, prepared: list[Reading]) -> Reading | None:
    """The reading at the target's baseline date: the one with the stated value if any, else the longest."""
    if target.baseline_date is None:
        return None
    at_date = [r for r in prepared if r.period_end == target.baseline_date]
    matching = [r for r in at_date if target.baseline_value is None or r.value == target.baseline_value]
    pool = matching or at_date
    return max(pool, key=_span_days) if pool else None


def _reach_shape(
    indicator: Indicator, target: Target, baseline_reading: Reading | None, prepared: list[Reading]
) -> _Shape | None:
    """What a comparable reading looks like: the baseline reading's, the target period's, else a year."""
    shape = _shape_for(
        indicator,
        span_reading=baseline_reading,
        period=target.period,
        fallback_reading=None,
        default_span=DAYS_PER_YEAR,
        default_source="assumed one year: reach targets on totals and rates are stated per year",
    )
    if shape is None and prepared:
        shape = _shape_for(
            indicator, span_reading=None, period=None, fallback_reading=prepared[0],
            default_span=None, default_source="",
        )
    return shape


def _comparable(
    indicator: Indicator, shape: _Shape, prepared: list[Reading], skipped: list[dict[str, object]]
) -> list[Reading]:
    """The readings of the same shape, one per end date; the others go to ``skipped`` with the reason."""
    same: list[Reading] = []
    for r in prepared:
        verdict, rule = counted_as(indicator, None, shape, r)
        if verdict == "same":
            same.append(r)
        else:
            skipped.append(_skipped_ev(r, *rule) if rule else _reading_ev(r, "not comparable"))
    return _one_per_end(same)


def _reach_baseline(
    target: Target, baseline_reading: Reading | None, same: list[Reading], ev: dict[str, object], reasons: list[str]
) -> tuple[float, date] | None:
    """(value, date) of the baseline: the target's, the reading at its date, else the earliest comparable one."""
    if target.baseline_value is not None and target.baseline_date is not None:
        y0, t0 = target.baseline_value, target.baseline_date
        ev["baseline_source"] = BASELINE_FROM_TARGET
    elif target.baseline_date is not None and baseline_reading is not None:
        y0, t0 = baseline_reading.value, baseline_reading.period_end
        ev["baseline_source"] = BASELINE_FROM_READING_AT_DATE
        reasons.append("the target gives a baseline date but no value; the reading at that date is used")
    elif same:
        y0, t0 = same[0].value, same[0].period_end
        ev["baseline_source"] = BASELINE_FROM_EARLIEST_READING
        reasons.append(
            f"the target states no baseline; the earliest comparable reading "
            f"({y0:g} at {t0.isoformat()}) is used as baseline"
        )
    else:
        reasons.append("the target states no baseline and there is no comparable reading to use as one")
        return None
    ev["baseline"] = {"value": y0, "date": t0.isoformat()}
    return y0, t0


def _after_baseline(same: list[Reading], t0: date, skipped: list[dict[str, object]]) -> list[Reading]:
    after: list[Reading] = []
    for r in same:
        if r.period_end > t0:
            after.append(r)
        else:
            skipped.append(_skipped_ev(r, "problem.uncounted_not_after_baseline"))
    return after


def _reach_without_pace(achieved: bool, t0: date, deadline: date | None, reasons: list[str]) -> str | None:
    """The status when no pace can be judged (no deadline, or one not after the baseline), else None."""
    if deadline is None:
        if achieved:
            reasons.append("the latest reading meets the target")
            return "achieved"
        reasons.append("the target has no deadline, so the required pace is unknown")
        return "insufficient_data"
    if deadline <= t0:
        reasons.append(f"the deadline {deadline.isoformat()} is not after the baseline date {t0.isoformat()}")
        return "achieved" if achieved else "insufficient_data"
    return None


def _reach_rates(
    method: Method, y0: float, yt: float, yT: float, elapsed: float, horizon: float,
    ev: dict[str, object], reasons: list[str],
) -> tuple[Method, float, float]:
    """(method used, observed rate, required rate): CAGR, or linear when asked or when CAGR is undefined."""
    ev["method"] = method.value
    if method is Method.CAGR and min(y0, yt, yT) <= 0:
        method = Method.LINEAR
        ev["fallback_reason"] = (
            "CAGR is undefined for zero or negative values "
            f"(baseline {y0:g}, latest {yt:g}, target {yT:g}); linear rates used instead"
        )
        reasons.append(str(ev["fallback_reason"]))
    ev["method_used"] = method.value

    if method is Method.CAGR:
        observed, required = cagr(y0, yt, elapsed), cagr(y0, yT, horizon)
        ev["cagr_observed"], ev["cagr_required"] = finite(observed), finite(required)
    else:
        observed, required = linear_rate(y0, yt, elapsed), linear_rate(y0, yT, horizon)
        ev["change_per_year_observed"], ev["change_per_year_required"] = observed, required
    return method, observed, required


def _reach_band(
    d: int, observed: float, required: float, ev: dict[str, object], reasons: list[str]
) -> tuple[str, float | None]:
    """The status of the pace (the band of R = observed / required), and R when it is defined."""
    ratio: float | None
    if required == 0:
        # Target equals baseline: no pace is required, so R is undefined; only the sign of
        # the observed change can be judged.
        ratio = None
        status = "limited_progress" if d * observed >= 0 else "deterioration"
        reasons.append("the target equals the baseline, so the ratio R is undefined; judged by the sign of change")
    else:
        raw = d * observed / abs(required)
        status = status_for_ratio(raw)
        ratio = finite(raw)
        if ratio is None:
            ev["ratio_note"] = "R is too large to represent (huge change over a short time)"
    ev["ratio"] = ratio
    ev["bands"] = {
        "on_track": f"R >= {ON_TRACK_MIN_RATIO}",
        "needs_acceleration": f"{NEEDS_ACCELERATION_MIN_RATIO} <= R < {ON_TRACK_MIN_RATIO}",
        "limited_progress": f"0 <= R < {NEEDS_ACCELERATION_MIN_RATIO}",
        "deterioration": "R < 0",
    }
    return status, ratio


def _reach_verdict(
    status: str, ratio: float | None, achieved: bool, latest: Reading, target: Target, reasons: list[str]
) -> str:
    """The final status: achieved when the latest reading meets the target, not met past the deadline,
    else the pace's band."""
    assert target.deadline is not None
    if achieved:
        reasons.append(f"the latest reading ({_qualified(latest)}) meets {target.comparator} {target.value:g}")
        return "achieved"
    if latest.period_end >= target.deadline:
        # Past the deadline a pace is no longer meaningful: the commitment was simply missed.
        reasons.append(
            f"the latest reading is at or after the deadline {target.deadline.isoformat()} and does not meet the target"
        )
        return "not_met"
    if ratio is not None:
        reasons.append(f"R = {ratio:.3f} -> {status}")
    else:
        reasons.append(f"-> {status}")
    return status


def _reach_projection(
    points: list[tuple[date, float]], yT: float, T: date, method: Method, ev: dict[str, object]
) -> dict[str, object]:
    """Where the path from the baseline through the readings after it is at the deadline (section 6)."""
    proj_method = method
    if proj_method is Method.CAGR and any(v <= 0 for _, v in points):
        proj_method = Method.LINEAR
        ev["projection_fallback_reason"] = "a comparable reading is zero or negative; linear projection used"
    p = project(points, yT, T, proj_method)
    ev["projection"] = {
        **p.evidence,
        "value_at_deadline": p.value_at_deadline,
        "low": p.low,
        "high": p.high,
        "achievement_date": _iso(p.achievement_date),
    }
    ev["projection_basis"] = p.basis
    return dict(
        projected_value_at_deadline=p.value_at_deadline,
        projected_low=p.low,
        projected_high=p.high,
        projected_achievement_date=p.achievement_date,
    )


def _qualified(r: Reading) -> str:
    q = Qualifier(r.qualifier)
    return f"{r.value:g}" if q is Qualifier.EXACT else f"{q.value} {r.value:g}"


def assess_threshold(indicator: Indicator, target: Target, readings: Sequence[Reading], as_of: date) -> Assessment:
    reasons: list[str] = []
    stale, ev, prepared, skipped = _begin(indicator, target, readings, as_of, reasons)
    V = target.value

    # The target's own period, else the baseline reading's, else the latest reading's (target_shape).
    shape = target_shape(indicator, target, baseline_reading_of(target, prepared), prepared)
    if shape is None:
        reasons.append("no reading known at the as-of date")
        return _blank(indicator, target, "insufficient_data", stale, ev)
    ev["comparable_period"] = shape.describe()

    full: list[Reading] = []
    shorter: list[Reading] = []
    for r in prepared:
        verdict, why = counted_as(indicator, TargetKind.THRESHOLD, shape, r)
        if verdict == "same":
            full.append(r)
        elif verdict == "shorter":
            shorter.append(r)
        else:
            skipped.append(_skipped_ev(r, *why) if why else _reading_ev(r, "not comparable"))
    full = _one_per_end(full)
    counted = sorted(full + shorter, key=lambda r: (r.period_end, _span_days(r)))
    if not counted:
        reasons.append("no comparable reading known at the as-of date")
        return _blank(indicator, target, "insufficient_data", stale, ev)

    latest = counted[-1]
    provisional = not any(r is latest for r in full)
    met = reading_meets(latest.value, latest.qualifier, target.comparator, V)
    # Signed so that a negative margin is always the bad side of the threshold.
    margin = decimal_diff(latest.value, V) if target.comparator in (">=", ">") else decimal_diff(V, latest.value)
    periods = [{**_reading_ev(r), "met": reading_meets(r.value, r.qualifier, target.comparator, V)} for r in full]
    share = sum(1 for p in periods if p["met"]) / len(periods) if periods else None

    ev["latest"] = _reading_ev(latest)
    ev["met"] = met
    ev["margin"] = margin
    ev["provisional"] = provisional
    ev["full_periods"] = periods
    ev["share_met"] = share
    ev["shorter_periods_counted"] = [_reading_ev(r) for r in shorter]
    verdict_word = "meets" if met else "does not meet"
    reasons.append(f"the latest reading ({_qualified(latest)}) {verdict_word} {target.comparator} {V:g}; margin {margin:+.4g}")
    if provisional:
        reasons.append(
            f"provisional: the latest reading covers {_span_days(latest)} days, shorter than the target's "
            f"period of about {shape.span_days:.0f} days"
        )
    if share is None:
        reasons.append("no full period yet, so no share of periods met")
    return _blank(
        indicator,
        target,
        "met" if met else "not_met",
        stale,
        ev,
        provisional=provisional,
        latest=latest,
        margin=margin,
        share_met=share,
    )


def assess_no_target(indicator: Indicator, readings: Sequence[Reading], as_of: date) -> Assessment:
    reasons: list[str] = ["the indicator has no target in force; only its trend is reported"]
    stale, ev, prepared, skipped = _begin(indicator, None, readings, as_of, reasons)
    if not prepared:
        reasons.append("no reading known at the as-of date")
        return _blank(indicator, None, "no_target", stale, ev)
    shape = _shape_for(
        indicator, span_reading=None, period=None, fallback_reading=prepared[-1],
        default_span=None, default_source="",
    )
    assert shape is not None  # a fallback reading always yields a shape
    ev["comparable_period"] = shape.describe()
    same = _comparable(indicator, shape, prepared, skipped)
    window = same[-TREND_WINDOW:]
    ev["trend_window"] = [_reading_ev(r) for r in window]
    latest = window[-1] if window else None
    trend: float | None = None
    if len(window) < 2:
        reasons.append("fewer than two comparable readings: no trend")
    else:
        first, last = window[0], window[-1]
        years = years_between(first.period_end, last.period_end)
        if first.value > 0 and last.value > 0:
            trend = finite(cagr(first.value, last.value, years))
            reasons.append(
                f"CAGR from {first.period_end.isoformat()} to {last.period_end.isoformat()} "
                f"over {len(window)} comparable readings"
            )
        else:
            ev["trend_linear_per_year"] = linear_rate(first.value, last.value, years)
            reasons.append("CAGR undefined for zero or negative values; change per year reported instead")
    ev["trend_cagr"] = trend
    return _blank(indicator, None, "no_target", stale, ev, latest=latest, trend_cagr=trend)


def targets_in_force(targets: Sequence[Target], indicator_id: str, as_of: date) -> list[Target]:
    """Latest version, per target id, of the targets of this indicator valid at `as_of`."""
    best: dict[str, Target] = {}
    for t in targets:
        if t.indicator_id != indicator_id:
            continue
        if t.valid_from is not None and t.valid_from.date() > as_of:
            continue
        held = best.get(t.id)
        if held is None or t.version > held.version:
            best[t.id] = t
    return [best[k] for k in sorted(best)]


def assess(indicator: Indicator, targets: Sequence[Target], readings: Sequence[Reading], as_of: date) -> list[Assessment]:
    """One assessment per target in force at `as_of`; a single no-target assessment if none."""
    in_force = targets_in_force(targets, indicator.id, as_of)
    if not in_force:
        return [assess_no_target(indicator, readings, as_of)]
    out: list[Assessment] = []
    for t in in_force:
        kind = TargetKind(t.kind)
        if kind is TargetKind.THRESHOLD:
            out.append(assess_threshold(indicator, t, readings, as_of))
        elif kind is TargetKind.REACH:
            out.append(assess_reach(indicator, t, readings, as_of))
        else:
            from monitor.status.forms import assess_form  # imports this module: loaded on first use

            out.append(assess_form(indicator, t, readings, as_of))
    return out
