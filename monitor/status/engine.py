"""The per-goal path: the store's data through the progress engine (monitor.status.progress), one goal at a time.

Used through monitor.status.statuses (which decides the path); the set-based path hands it the goals
it cannot represent (``assess_goals``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from monitor.model import Indicator, Reading, Target
from monitor.status.progress import Assessment, assess
from monitor.status.record import ComputedBy, StatusRecord
from monitor.store import queries, status_queries
from monitor.store.connection import Store
from monitor.store.status_queries import Known


@dataclass(frozen=True)
class GoalStatus:
    indicator: Indicator
    target: Target | None
    assessment: Assessment
    newest: Reading | None = None  # the indicator's most recent reading, comparable or not


def statuses(
    store: Store,
    as_of: date,
    domain: str | None = None,
    indicator_ids: Sequence[str] | None = None,
    known_on: Known = None,
) -> list[StatusRecord]:
    """One record per target in force (or per indicator without one), with the full evidence.

    With ``indicator_ids``, only those indicators' goals (reading only their readings): one goal's
    detail costs one indicator, however large the catalogue. With ``known_on`` (a date, or a naive UTC
    datetime), the store as it was known then (see monitor.store.status_queries).
    """
    return [record(g) for g in compute_statuses(store, as_of, domain, indicator_ids, known_on)]


def compute_statuses(
    store: Store,
    as_of: date,
    domain: str | None = None,
    indicator_ids: Sequence[str] | None = None,
    known_on: Known = None,
) -> list[GoalStatus]:
    """The assessments behind ``statuses``, in one read of the store (what the benchmark times)."""
    with store.read() as con:
        if indicator_ids is not None:
            indicators = sorted(status_queries.indicators_of(con, indicator_ids, known_on), key=lambda i: (i.domain, i.id))
            if domain is not None:
                indicators = [i for i in indicators if i.domain == domain]
            targets = status_queries.targets_of(con, indicator_ids, known_on)
            reading_rows = status_queries.reading_rows_of(con, indicator_ids, as_of, known_on)
        elif known_on is None:
            indicators = queries.list_indicators(con, domain)
            targets = queries.list_targets(con, history=True)
            reading_rows = queries.reading_rows(con, None, as_of=as_of)
        else:
            indicators = status_queries.known_indicators(con, known_on, domain)
            targets = status_queries.known_targets(con, known_on)
            reading_rows = status_queries.known_reading_rows(con, None, as_of, known_on)
    # Built outside the session: other processes may write while Python shapes the rows.
    return assess_goals(indicators, targets, queries.readings_from_rows(reading_rows), as_of)


def assess_goals(
    indicators: Sequence[Indicator], targets: Sequence[Target], readings: Sequence[Reading], as_of: date
) -> list[GoalStatus]:
    """progress.assess for each indicator, over its own targets and readings, in the indicators' order."""
    targets_of: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        targets_of[t.indicator_id].append(t)
    readings_of: dict[str, list[Reading]] = defaultdict(list)
    for r in readings:
        readings_of[r.indicator_id].append(r)
    result: list[GoalStatus] = []
    for indicator in indicators:
        versions, own = targets_of[indicator.id], readings_of[indicator.id]
        newest = max(own, key=lambda r: (r.period_end, r.period_start), default=None)
        for assessment in assess(indicator, versions, own, as_of):
            result.append(GoalStatus(indicator, _version_used(versions, assessment), assessment, newest))
    return result


def _version_used(versions: list[Target], assessment: Assessment) -> Target | None:
    """The target version the assessment judged (its evidence names it), else the latest one of that id."""
    if assessment.target_id is None:
        return None
    used = assessment.evidence.get("target")
    version = used.get("version") if isinstance(used, dict) else None
    latest = None
    for t in versions:
        if t.id == assessment.target_id:
            if t.version == version:
                return t
            latest = t
    return latest


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def record(goal: GoalStatus) -> StatusRecord:
    """The goal's StatusRecord, with the engine's full evidence."""
    a, i, target = goal.assessment, goal.indicator, goal.target
    # Show the newest reading even when the method could not use it (e.g. only the baseline is known).
    latest = a.latest or goal.newest
    return StatusRecord(
        indicator_id=i.id,
        target_id=a.target_id,
        name_zh=i.name_zh,
        name_en=i.name_en,
        domain=i.domain,
        unit=i.unit,
        display_unit=i.display_unit,
        direction=i.direction.value,
        target_kind=target.kind.value if target else None,
        target_nature=target.nature.value if target else None,
        target_comparator=(target.comparator or None) if target else None,  # range and about have none
        target_period=target.period.value if target and target.period else None,
        target_value=a.target_value,
        target_deadline=_iso(a.deadline),
        target_stretch_date=_iso(a.stretch_date),
        baseline_value=a.baseline_value,
        baseline_date=_iso(a.baseline_date),
        latest_value=latest.value if latest else None,
        latest_used=a.latest is not None,
        latest_qualifier=latest.qualifier.value if latest else None,
        latest_period_start=_iso(latest.period_start) if latest else None,
        latest_period_end=_iso(latest.period_end) if latest else None,
        ratio=a.ratio,
        margin=a.margin,
        share_met=a.share_met,
        provisional=a.provisional,
        status=a.status,
        stale=a.staleness.stale,
        last_period_end=_iso(a.staleness.last_period_end),
        next_due=_iso(a.staleness.next_due),
        days_overdue=a.staleness.days_overdue,
        projected_value_at_deadline=a.projected_value_at_deadline,
        projected_low=a.projected_low,
        projected_high=a.projected_high,
        projected_achievement_date=_iso(a.projected_achievement_date),
        trend_cagr=a.trend_cagr,
        evidence=a.evidence,
        computed_by=ComputedBy.ENGINE,
    )
