"""One status record, whichever path computed it, and how much of it a caller asked for.

Both paths (monitor.status.engine, the per-goal engine; monitor.status.sets, the set-based path) fill
``StatusRecord``. A record carries codes ("on_track", "reach", ">=", ISO dates), never words: those are
added where a record is shown (monitor.present.wording, monitor.present.i18n).

``Detail`` says how much a caller needs, and with it the record's shape, whatever path ran:

- ``BRIEF``: the status, its figures and staleness; no share of periods met, trend or projection
  (``share_met``, ``trend_cagr`` and ``projected_*`` are None) — lists of every goal (the overview,
  a refresh's comparison);
- ``SUMMARY``: every field, and the summary evidence: the figures behind the status (SUMMARY_EVIDENCE)
  — what `monitor status` prints and explains;
- ``FULL``: every field, and the engine's full evidence: also every reading skipped and why, the
  comparable period, the reasons and the projection's working — `monitor status --json`, a goal's page.

The summary evidence is the full evidence restricted to SUMMARY_EVIDENCE, key for key and value for
value (tests/test_status_sql.py compares the two paths field by field, evidence included).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any


class Detail(StrEnum):
    BRIEF = "brief"
    SUMMARY = "summary"
    FULL = "full"


class ComputedBy(StrEnum):
    """Which path computed a record (its ``computed_by``)."""

    ENGINE = "engine"  # monitor.status.progress, one goal at a time
    SETS = "sets"  # monitor.status.sets, every goal at once


# The evidence keys of a SUMMARY record (and of a BRIEF one), in the engine's order. Everything else the
# engine writes is detail: "reasons", "skipped", "comparable_period", "readings_used", "bands",
# "projection", "projection_basis", "projection_fallback_reason", "full_periods",
# "shorter_periods_counted", "trend_window".
SUMMARY_EVIDENCE: tuple[str, ...] = (
    # every goal
    "as_of", "indicator_id", "measure", "indicator_direction", "staleness", "target",
    # reach targets
    "direction_sign", "baseline_source", "baseline", "latest", "latest_meets_target",
    "years_baseline_to_latest", "years_baseline_to_deadline", "method", "fallback_reason", "method_used",
    "cagr_observed", "cagr_required", "change_per_year_observed", "change_per_year_required",
    "ratio", "ratio_note",
    # thresholds
    "met", "margin", "provisional", "share_met",
    # indicators without a target
    "trend_linear_per_year", "trend_cagr",
    # the target forms of monitor.status.forms (range, about, path; change; average growth)
    "form", "change", "average_growth",
)  # fmt: skip
_SUMMARY_KEYS = frozenset(SUMMARY_EVIDENCE)
# What a BRIEF record leaves out (None), in its fields and in its evidence.
BRIEF_BLANK_FIELDS = (
    "share_met", "trend_cagr",
    "projected_value_at_deadline", "projected_low", "projected_high", "projected_achievement_date",
)  # fmt: skip
_BRIEF_BLANK_EVIDENCE = ("share_met", "trend_cagr")
_BRIEF_DROPPED_EVIDENCE = ("trend_linear_per_year",)


@dataclass(slots=True)
class StatusRecord:
    """One goal (a target in force, or an indicator without one) at an as-of date.

    Dates are ISO strings (as JSON carries them); ``latest_*`` is the reading the status rests on, or
    the indicator's newest reading when none could be used (``latest_used`` False).
    """

    indicator_id: str
    target_id: str | None
    name_zh: str
    name_en: str
    domain: str
    unit: str
    display_unit: str
    direction: str
    target_kind: str | None
    target_nature: str | None  # "binding" | "expected" (monitor.model.Nature); None without a target
    target_comparator: str | None
    target_period: str | None
    target_value: float | None
    target_deadline: str | None
    target_stretch_date: str | None
    baseline_value: float | None
    baseline_date: str | None
    latest_value: float | None
    latest_used: bool
    latest_qualifier: str | None
    latest_period_start: str | None
    latest_period_end: str | None
    ratio: float | None
    margin: float | None
    share_met: float | None
    provisional: bool
    status: str  # one of monitor.model.STATUSES
    stale: bool
    last_period_end: str | None
    next_due: str | None
    days_overdue: int
    projected_value_at_deadline: float | None
    projected_low: float | None
    projected_high: float | None
    projected_achievement_date: str | None
    trend_cagr: float | None
    evidence: dict[str, Any]
    computed_by: ComputedBy

    def at(self, detail: Detail) -> StatusRecord:
        """This record with the shape ``detail`` gives (see the module docstring); self for FULL."""
        if detail is Detail.FULL:
            return self
        evidence = {k: v for k, v in self.evidence.items() if k in _SUMMARY_KEYS}
        if detail is Detail.SUMMARY:
            return replace(self, evidence=evidence)
        for key in _BRIEF_BLANK_EVIDENCE:
            if key in evidence:
                evidence[key] = None
        for key in _BRIEF_DROPPED_EVIDENCE:
            evidence.pop(key, None)
        blanks: dict[str, Any] = dict.fromkeys(BRIEF_BLANK_FIELDS)
        return replace(self, evidence=evidence, **blanks)

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict (for the presenters and JSON); the evidence is shared, not copied."""
        return {name: getattr(self, name) for name in FIELDS}


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(StatusRecord))
