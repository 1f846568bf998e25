"""Readings no target of their indicator can ever use: found at entry, reported as warnings (issue 21).

A reading can be valid and still count for nothing: a stock entered over a span, a period length no
target compares (a monthly figure where every target compares years), a period ending before every target's
baseline. The rule is the engine's own (``monitor.status.progress.never_counts``, which the assessments
call too); this module only applies it to the rows an entry path is about to store, and words each finding
as a located Problem ("problem.never_counts", row and column ``period_end``) in ``ImportReport.warnings``.
A warning is not a refusal: the reading is stored unless the caller asks for strictness (`--strict`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

import duckdb

from monitor.errors import Problem
from monitor.model import Reading, Target
from monitor.model.problems import nested
from monitor.status.progress import Uncounted, never_counts, never_counts_judge
from monitor.store import import_queries, queries, status_queries

# (where: a row number, or a catalogue entry's path such as "indicator 'x'.readings[3]"; indicator id,
# period start, period end)
Row = tuple[int | str | None, str, date, date]


def _at_baselines(targets: Sequence[Target], readings: Sequence[Reading]) -> list[Reading]:
    """The readings that may fix a target's comparable span: those ending at a target's baseline date (the rule
    looks at no other; passing only these keeps a large import linear)."""
    dates = {t.baseline_date for t in targets if t.baseline_date is not None}
    return [r for r in readings if r.period_end in dates]


def uncounted_problems(db: duckdb.DuckDBPyConnection, file: str, rows: Sequence[Row],
                       kept: int | None = None) -> list[Problem]:
    """One warning per row that no target of its indicator can ever use, in row order (the first ``kept``
    of them). ``db``: a session on the store (its indicators, targets and the readings that fix a target's
    comparable span)."""
    ids = sorted({r[1] for r in rows})
    if not ids:
        return []
    targets = defaultdict(list)
    for t in status_queries.targets_of(db, ids):
        targets[t.indicator_id].append(t)
    if not targets:
        return []  # no target: every reading serves the trend
    with_targets = sorted(targets)
    indicators = queries.indicators_by_id(db, with_targets)
    # Only the stored readings at a target's baseline date can fix its span: those, not the whole history.
    baselines = {i: {t.baseline_date for t in targets[i] if t.baseline_date is not None} for i in with_targets}
    others: dict[str, list[Reading]] = defaultdict(list)
    dates = sorted((i, d) for i, days in baselines.items() for d in days)
    for r in queries.readings_from_rows(import_queries.readings_at(db, dates)):
        others[r.indicator_id].append(r)
    # The rows given together count as each other's context: those at a target's baseline date (the only ones
    # the rule looks at; the same objects are judged, the rule tells a reading from its context by identity).
    at_baseline: dict[int, Reading] = {}
    for k, (_, ident, start, end) in enumerate(rows):
        if end in baselines.get(ident, ()):
            at_baseline[k] = reading = Reading(ident, start, end, 0.0)
            others[ident].append(reading)
    # Then every row in row order, up to the ``kept``-th finding (a back-fill before a target's baseline is
    # 100,000s of findings, of which the report keeps the first): the rule's shapes once per indicator.
    judges: dict[str, Callable[[Reading], list[Uncounted]] | None] = {}
    found: list[tuple[int, Uncounted]] = []
    for k, (_, ident, start, end) in enumerate(rows):
        if kept is not None and len(found) >= kept:
            break
        if ident not in targets:
            continue
        if ident not in judges:
            indicator = indicators.get(ident)
            judges[ident] = None if indicator is None else never_counts_judge(
                indicator, targets[ident], _at_baselines(targets[ident], others[ident]))
        judge = judges[ident]
        if judge is None:
            continue
        why = judge(at_baseline.get(k) or Reading(ident, start, end, 0.0))
        if why:
            found.append((k, why[0]))
    problems = []
    for k, first in found:
        where, _, start, end = rows[k]
        period = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
        row, column = (None, f"{where}.period_end") if isinstance(where, str) else (where, "period_end")
        problems.append(Problem(file, row, column, "problem.never_counts",
                                {"target": first.target_id, "why": nested(first.code, first.params)}, period))
    return problems


def stored_uncounted(db: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[Reading]]:
    """The stored readings (current revisions) no target of their indicator can ever use, by (indicator id,
    the reason in English: that of its first target), oldest first: what `monitor check` lists."""
    targets = defaultdict(list)
    for t in queries.list_targets(db, history=True):
        targets[t.indicator_id].append(t)
    ids = sorted(targets)
    indicators = queries.indicators_by_id(db, ids)
    readings: dict[str, list[Reading]] = defaultdict(list)
    for r in queries.readings_from_rows(status_queries.reading_rows_of(db, ids, date.max)):
        readings[r.indicator_id].append(r)
    found: dict[tuple[str, str], list[Reading]] = defaultdict(list)
    for ident in ids:
        indicator, own = indicators.get(ident), readings[ident]
        if indicator is None:
            continue
        context = _at_baselines(targets[ident], own)
        for r in own:
            why = never_counts(indicator, targets[ident], r, [o for o in context if o is not r])
            if why:
                found[(ident, f"target {why[0].target_id}: {why[0].reason}")].append(r)
    return dict(found)
