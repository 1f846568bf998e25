"""How good a draft is: recall and precision against statements read by hand (docs/drafting.md).

Contract: ``expected_from_catalog(document)`` turns a hand-made catalogue document (data/briefing.yaml's
shape) into ``Expected`` statements — each stated reading (a derived one, whose note starts "Derived", is
left out) and each target; ``score(rows, expected)`` matches them one to one and returns a ``Score``:

- a statement is *found* when a draft row has its value (to 6 significant digits) and unit, a matching
  qualifier (for a target: the comparator's side, >= or <=), the same kind (a reading needs an actual row, a
  target a target row; a "both" row serves either) and the right period: for a reading the same end date,
  and the same start where the hand-made row states its period (no note explaining an assumption); for a
  target the same deadline years (a window's both ends), or no deadline for a standing floor;
- a draft row is *real* when it has the value and unit of some expected statement (precision);
- each miss is put down to its first failing part (value/unit, qualifier, kind, period), so the notes say
  what kind of rule failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.files.draft.extract import DraftRow


@dataclass(frozen=True)
class Expected:
    label: str
    value: float
    unit: str
    qualifier: str  # for a target: at_least | at_most | exact (the comparator's side)
    kind: str  # actual | target
    period_start: date | None = None  # compared only when given
    period_end: date | None = None
    deadline_years: tuple[int, int] | None = None


@dataclass
class Score:
    expected: int
    found: int
    rows: int
    real_rows: int
    misses: list[tuple[str, str]] = field(default_factory=list)  # (label, kind of miss)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.real_rows / self.rows if self.rows else 1.0

    def misses_by_kind(self) -> dict[str, int]:
        return dict(Counter(kind for _, kind in self.misses))


def _same(a: float, b: float) -> bool:
    return float(f"{a:.6g}") == float(f"{b:.6g}")


_SIDE = {">=": "at_least", ">": "at_least", "<=": "at_most", "<": "at_most"}


def expected_from_catalog(document: dict[str, Any]) -> list[Expected]:
    out: list[Expected] = []
    for ind in document.get("indicators") or []:
        unit = str(ind.get("unit"))
        for r in ind.get("readings") or []:
            note = str(r.get("note") or "")
            if note.startswith("Derived"):
                continue
            out.append(Expected(f"{ind['id']} {r['period_end']}", float(r["value"]), unit,
                                str(r.get("qualifier") or "exact"), "actual",
                                None if note else r["period_start"], r["period_end"]))
        for t in ind.get("targets") or []:
            deadline = t.get("deadline")
            years = None
            if isinstance(deadline, dict):
                years = (deadline["earliest"].year, deadline["latest"].year)
            elif isinstance(deadline, date):
                years = (deadline.year, deadline.year)
            out.append(Expected(str(t.get("id")), float(t.get("value", t.get("low", 0))), unit,
                                _SIDE.get(str(t.get("comparator")), "exact"), "target", None, None, years))
    return out


def _side(row: DraftRow) -> str:
    if row.qualifier == "at_most" or "不超过" in row.form or "下降" in row.form:
        return "at_most"
    return "at_least"


def _miss(e: Expected, row: DraftRow) -> str | None:
    if not (_same(row.value, e.value) and row.unit == e.unit):
        return "value/unit"
    if e.kind == "target":
        if row.kind == "actual":
            return "kind"
        if e.qualifier != "exact" and _side(row) != e.qualifier:
            return "qualifier"
        years = (row.deadline[0].year, row.deadline[1].year) if row.deadline else None
        return None if years == e.deadline_years else "period"
    if row.qualifier != e.qualifier:
        return "qualifier"
    if row.kind == "target":
        return "kind"
    start = row.period_start or row.period_end
    if row.period_end != e.period_end or (e.period_start is not None and start != e.period_start):
        return "period"
    return None


def score(rows: list[DraftRow], expected: list[Expected]) -> Score:
    used: set[int] = set()
    result = Score(len(expected), 0, len(rows), 0)
    for e in expected:
        best: str | None = "value/unit"
        for n, row in enumerate(rows):
            why = _miss(e, row)
            if why is None and n not in used:
                used.add(n)
                best = None
                break
            if why is None:
                # the row already matched another statement; a second is fine only for "both"
                if row.kind == "both" and e.kind == "target":
                    best = None
                    break
                continue
            order = ["value/unit", "qualifier", "kind", "period"]
            if best is not None and order.index(why) > order.index(best):
                best = why
        if best is None:
            result.found += 1
        else:
            result.misses.append((e.label, best))
    result.real_rows = sum(1 for row in rows if any(_same(row.value, e.value) and row.unit == e.unit for e in expected))
    return result


__all__ = ["Expected", "Score", "expected_from_catalog", "score"]
