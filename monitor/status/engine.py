"""The status of every goal at an as-of date: the store's data through the progress engine."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from monitor.model import Indicator, Reading, Target
from monitor.status.progress import Assessment, assess
from monitor.store import queries, status_queries
from monitor.store.connection import Store
from monitor.store.status_queries import Known


@dataclass(frozen=True)
class GoalStatus:
    indicator: Indicator
    target: Target | None
    assessment: Assessment
    newest: Reading | None = None  # the indicator's most recent reading, comparable or not


def compute_statuses(
    store: Store,
    as_of: date,
    domain: str | None = None,
    indicator_id: str | None = None,
    known_on: Known = None,
) -> list[GoalStatus]:
    """One GoalStatus per target in force (or per indicator without one), in one read of the store.

    With ``indicator_id``, only that indicator's goals (reading only its readings): one goal's detail
    costs one indicator, however large the catalogue. For every goal at scale, the set-based
    monitor.status_sql gives the same records without the full evidence.

    With ``known_on`` (a date, or a naive UTC datetime), the store as it was known then: readings and
    target versions recorded later are left out (see monitor.store.status_queries).
    """
    with store.read() as con:
        if known_on is None:
            indicators = queries.list_indicators(con, domain)
            targets = queries.list_targets(con, history=True)
            reading_rows = queries.reading_rows(con, indicator_id, as_of=as_of)
        else:
            indicators = status_queries.known_indicators(con, known_on, domain)
            targets = status_queries.known_targets(con, known_on)
            reading_rows = status_queries.known_reading_rows(con, indicator_id, as_of, known_on)
        if indicator_id is not None:
            indicators = [i for i in indicators if i.id == indicator_id]
    # Built outside the session: other processes may write while Python shapes the rows.
    readings = queries.readings_from_rows(reading_rows)
    targets_of: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        targets_of[t.indicator_id].append(t)
    readings_of: dict[str, list[Reading]] = defaultdict(list)
    for r in readings:
        readings_of[r.indicator_id].append(r)
    result: list[GoalStatus] = []
    for indicator in indicators:
        by_id = {t.id: t for t in targets_of[indicator.id]}
        for assessment in assess(indicator, targets_of[indicator.id], readings_of[indicator.id], as_of):
            target = _version_used(by_id, targets_of[indicator.id], assessment)
            newest = max(readings_of[indicator.id], key=lambda r: (r.period_end, r.period_start), default=None)
            result.append(GoalStatus(indicator, target, assessment, newest))
    return result


def _version_used(by_id: dict[str, Target], versions: list[Target], assessment: Assessment) -> Target | None:
    if assessment.target_id is None:
        return None
    used = assessment.evidence.get("target")
    version = used.get("version") if isinstance(used, dict) else None
    for t in versions:
        if t.id == assessment.target_id and t.version == version:
            return t
    return by_id.get(assessment.target_id)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def status_record(goal: GoalStatus) -> dict[str, Any]:
    """The JSON shape of `monitor status --json` (and the dashboard's table rows)."""
    from monitor.i18n import t as translate

    a, i, target = goal.assessment, goal.indicator, goal.target
    # Show the newest reading even when the method could not use it (e.g. only the baseline is known).
    latest = a.latest or goal.newest
    return {
        "indicator_id": i.id,
        "target_id": a.target_id,
        "name_zh": i.name_zh,
        "name_en": i.name_en,
        "domain": i.domain,
        "unit": i.unit,
        "display_unit": i.display_unit,
        "direction": i.direction.value,
        "target_kind": target.kind.value if target else None,
        "target_comparator": target.comparator if target else None,
        "target_period": target.period.value if target and target.period else None,
        "target_value": a.target_value,
        "target_deadline": _iso(a.deadline),
        "target_stretch_date": _iso(a.stretch_date),
        "baseline_value": a.baseline_value,
        "baseline_date": _iso(a.baseline_date),
        "latest_value": latest.value if latest else None,
        "latest_used": a.latest is not None,
        "latest_qualifier": latest.qualifier.value if latest else None,
        "latest_period_start": _iso(latest.period_start) if latest else None,
        "latest_period_end": _iso(latest.period_end) if latest else None,
        "ratio": a.ratio,
        "margin": a.margin,
        "share_met": a.share_met,
        "provisional": a.provisional,
        "status": a.status,
        "status_zh": translate(f"status.{a.status}", "zh"),
        "status_en": translate(f"status.{a.status}", "en"),
        "stale": a.staleness.stale,
        "last_period_end": _iso(a.staleness.last_period_end),
        "next_due": _iso(a.staleness.next_due),
        "days_overdue": a.staleness.days_overdue,
        "projected_value_at_deadline": a.projected_value_at_deadline,
        "projected_low": a.projected_low,
        "projected_high": a.projected_high,
        "projected_achievement_date": _iso(a.projected_achievement_date),
        "trend_cagr": a.trend_cagr,
        "evidence": a.evidence,
    }


def status_records(
    store: Store,
    as_of: date,
    domain: str | None = None,
    indicator_id: str | None = None,
    known_on: Known = None,
) -> list[dict[str, Any]]:
    return [status_record(g) for g in compute_statuses(store, as_of, domain, indicator_id, known_on)]
