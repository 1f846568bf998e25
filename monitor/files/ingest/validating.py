"""Validating: every rule of ``monitor.model.validate`` applied to staged rows, as problems with codes.

Two paths, one set of rules (tests/test_validate.py runs both on the same rows):

* the set-based pass (``validate_pass``, then ``find_problems``): one streaming pass over the staged rows
  (import_queries.PASS_SQL) types and checks every row against the snapshot of the indicators and
  writes it, with its problems, to a Parquet spill file; the cells SQL cannot read (full-width digits,
  "2.3万", "2025年6月") go through the Python parsers below, registered as UDFs; unit conversions are
  worked out once per distinct (indicator, unit) pair;
* the row-wise path for small batches (``check_small``): ``monitor.model.validate.check_rows``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from monitor.errors import Problem, ValidationError
from monitor.files import readers
from monitor.files.ingest.reading import CANONICAL_COLUMNS, _Source, cell_text
from monitor.files.ingest.report import ImportReport
from monitor.model import Qualifier
from monitor.model import validate as _rules
from monitor.model.problems import of_error, render
from monitor.store import import_queries

# ---------------------------------------------------------------- the Python parsers, as UDFs of the pass


def _fallback_value(text: str) -> dict[str, Any]:
    """A value cell SQL could not read, as the Python parser reads it (value, qualifier, problem)."""
    v, q, error = _rules.parse_value(text)
    code, params = error if error is not None else (None, None)
    return {"v": v, "q": q, "code": code, "params": None if params is None else json.dumps(params)}


def _problem_text(code: str, params: str | None) -> str:
    """The English of a problem found by the pass (stored with the rejected rows, as `monitor rejected` shows)."""
    return render(code, json.loads(params) if params else {})


def _fallback_dates(start_text: str | None, end_text: str | None) -> dict[str, Any]:
    """The period cells SQL could not read: a date, or a span such as 2025年1—6月 (end and its start)."""
    from monitor.model.periods import parse_date, parse_period

    found: dict[str, Any] = {"ps": None, "ps_code": None, "ps_params": None, "pe": None, "pe_code": None,
                             "pe_params": None, "span_start": None}
    if start_text and start_text.strip():
        try:
            found["ps"] = parse_date(start_text.strip())
        except ValueError as e:
            try:
                found["ps"] = parse_period(start_text.strip()).start
            except ValueError:
                found["ps_code"], params = of_error(e, "problem.not_a_date")
                found["ps_params"] = json.dumps(params)
    if end_text and end_text.strip():
        try:
            found["pe"] = parse_date(end_text.strip())
        except ValueError as e:
            try:
                period = parse_period(end_text.strip())
                found["pe"], found["span_start"] = period.end, period.start
            except ValueError:
                found["pe_code"], params = of_error(e, "problem.not_a_date")
                found["pe_params"] = json.dumps(params)
    return found


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Once per connection: the Python parsers as UDFs, and the table of qualifier words."""
    from monitor.model.units import QUALIFIER_WORDS

    words = {q.value: q.value for q in Qualifier} | {k: str(v) for k, v in QUALIFIER_WORDS.items()}
    import_queries.prepare(con, parse_value=_fallback_value, parse_dates=_fallback_dates,
                           problem_text=_problem_text, qualifier_words=words)


# ---------------------------------------------------------------- the set-based pass


def _unit_factors(con: duckdb.DuckDBPyConnection, source: _Source) -> None:
    """One conversion factor (or reason) per distinct (indicator, unit) pair in the input; and the
    value rules of each kind of indicator."""
    from monitor.model.units import conversion_factor, is_whole_unit

    # Per (unit, measure) of the indicators: whether values are whole numbers, whether a percentage share.
    kinds = import_queries.indicator_kinds(con)
    import_queries.create_unit_rules(con, [(u, m, is_whole_unit(u), _rules.is_share(u, m)) for u, m in kinds])
    import_queries.create_unit_factors(con)
    if "unit" not in source.columns:
        return
    pairs = import_queries.staged_units(con)
    rows: list[tuple[Any, ...]] = []
    for indicator_id, unit, base, display in pairs:
        try:
            rows.append((indicator_id, unit, conversion_factor(unit, base), None, None, _rules.states_percent(unit)))
        except ValueError as e:
            code, params = _rules.unit_rule(unit, display, base, e)
            rows.append((indicator_id, unit, None, code, json.dumps(params), False))
    if rows:
        import_queries.add_unit_factors(con, rows)


def _read_error(source: _Source, error: duckdb.Error) -> ValidationError:
    if source.problem is not None:
        return ValidationError([source.problem(error)])
    raise error


def validate_pass(con: duckdb.DuckDBPyConnection, source: _Source, spill: Path, today: date) -> int:
    """The one pass over the file: every row typed, checked and written to the spill file; its rows."""

    def run() -> None:
        _unit_factors(con, source)  # a first pass over the unit column, only when there is one
        import_queries.run_pass(con, spill, today)

    try:
        try:
            run()
        except duckdb.Error as e:
            if source.serial is None or "parallel scanner does not support null_padding" not in str(e):
                raise
            # DuckDB's parallel reader refuses a quoted line break (a multi-line note) together
            # with null_padding once a file spans several of its chunks: read it again on one thread.
            source.serial()
            run()
    except duckdb.Error as e:
        raise _read_error(source, e) from e
    return import_queries.register_spill(con, spill)


def find_problems(con: duckdb.DuckDBPyConnection, report: ImportReport, kept: int) -> None:
    """Duplicates within the file, then every problem counted and the first ``kept`` listed."""
    rejected, total, listed = import_queries.find_problems(con, kept)
    report.rejected, report.problem_count = rejected, total
    report.valid = report.rows - report.rejected
    if total:
        report.problems = [
            Problem(report.file, r[0], r[1], r[2], json.loads(r[3]) if r[3] else {}, r[4]) for r in listed
        ]


# ---------------------------------------------------------------- plausibility (both paths)


def jumps(db: duckdb.DuckDBPyConnection, rows: str, indicators: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(row number, code, params) of the staged rows (relation ``rows``) whose value jumps from the
    indicator's previous reading: found set-based by the store (import_queries.find_jumps), each worded by
    monitor.model.plausibility.jump_rule with the limits of the settings. Inside a session."""
    from monitor.model.plausibility import jump_rule, limits
    from monitor.model.units import normalize_unit

    limit = limits()
    if limit.factor == float("inf") and limit.points == float("inf"):
        return []  # both checks off: no query

    def find(again: list[int] | None) -> list[tuple[int, str, dict[str, Any]]]:
        found = []
        for row_no, value, previous, previous_end, unit in import_queries.find_jumps(
            db, rows, indicators, limit.factor, limit.points, lambda u: normalize_unit(u) == "%", again,
        ):
            rule = jump_rule(previous, value, unit, limit, previous_end)
            if rule is not None:
                found.append((int(row_no), *rule))
        return found

    held = find(None)
    if held:
        # The rows held are judged again without one another: 3亿 then 2.5万 in a file holds the first only.
        held = find([n for n, _, _ in held])
    return held


def hold_jumps(db: duckdb.DuckDBPyConnection, con: duckdb.DuckDBPyConnection, report: ImportReport, kept: int) -> None:
    """The bulk path: rows of IMPORT_VALID that jump are held (no longer valid) and reported like invalid rows
    (their problems listed, counted, quarantined with --skip-invalid). ``db``: a session on the scratch
    connection ``con``."""
    from monitor.store import queries

    held = jumps(db, queries.IMPORT_VALID, "indicator_snapshot")
    if not held:
        return
    import_queries.hold_rows(con, [(n, "value", code, json.dumps(params), None) for n, code, params in held])
    rows = len({n for n, _, _ in held})
    report.rejected += rows
    report.valid -= rows
    report.problem_count += len(held)
    report.problems = sorted(
        report.problems + [Problem(report.file, n, "value", code, params) for n, code, params in held],
        key=lambda p: (p.row or 0, p.column or ""),
    )[:kept]


def hold_small(
    db: duckdb.DuckDBPyConnection,
    report: ImportReport,
    numbered: list[tuple[int, dict[str, str | None]]],
    valid: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The row-wise path: the valid readings of check_small that do not jump; held ones become problems."""
    bad = {p.row for p in report.problems}
    numbers = [n for n, _ in numbered if n not in bad]
    rows = [(n, v["indicator_id"], v["period_start"], v["period_end"], v["value"])
            for n, v in zip(numbers, valid, strict=True)]
    held = jumps(db, import_queries.stage_jump_rows(db, rows), "indicator")
    if not held:
        return valid
    cells = dict(numbered)
    report.problems = sorted(
        report.problems + [Problem(report.file, n, "value", code, params, cells[n].get("value"))
                           for n, code, params in held],
        key=lambda p: (p.row or 0, p.column or ""),
    )
    held_rows = {n for n, _, _ in held}
    report.rejected += len(held_rows)
    report.valid -= len(held_rows)
    return [v for n, v in zip(numbers, valid, strict=True) if n not in held_rows]


# ---------------------------------------------------------------- the row-wise path (small batches)


def number_rows(
    file: str, rows: Sequence[dict[str, Any]],
) -> tuple[list[Problem], set[tuple[int | None, str | None]], list[tuple[int, dict[str, str | None]]]]:
    """Rows given in Python as a file would have them: (cell problems, their (row, column), numbered rows).

    A typed cell that cannot be what its column holds is the reader's problem, as in reading._stage_records,
    and staged empty; blank rows are skipped, as in a file, keeping later row numbers.
    """
    flagged = [
        Problem(file, n, c, code, {}, readers.shown_value(r.get(c)))
        for n, r in enumerate(rows, start=1) for c in CANONICAL_COLUMNS
        if r.get(c) is not None and not isinstance(r.get(c), str)
        and (code := readers.cell_problem(c, r.get(c))) is not None
    ]
    blanked = {(p.row, p.column) for p in flagged}
    numbered = [
        (n, cells) for n, r in enumerate(rows, start=1)
        if any((cells := {c: None if (n, c) in blanked else cell_text(r.get(c)) for c in CANONICAL_COLUMNS}).values())
        and any(str(v).strip() for v in cells.values() if v is not None)
        or any(row == n for row, _ in blanked)
    ]
    return flagged, blanked, numbered


def check_small(
    report: ImportReport,
    numbered: list[tuple[int, dict[str, str | None]]],
    flagged: list[Problem],
    blanked: set[tuple[int | None, str | None]],
    indicators: Any,
    today: date,
) -> list[dict[str, Any]]:
    """monitor.model.validate.check_rows on the numbered rows: the valid readings; the problems, rejected
    and valid counts into ``report``."""
    from monitor.model.validate import check_rows

    valid, report.problems = check_rows(numbered, indicators, today, report.file)
    if flagged:
        # check_rows lists its valid rows in order, without their numbers: drop the flagged ones.
        checked_bad = {p.row for p in report.problems}
        flagged_rows = {p.row for p in flagged}
        valid_rows = [n for n, _ in numbered if n not in checked_bad]
        valid = [v for n, v in zip(valid_rows, valid, strict=False) if n not in flagged_rows]
        report.problems = sorted(
            [p for p in report.problems if (p.row, p.column) not in blanked] + flagged,
            key=lambda p: (p.row or 0, p.column or ""),
        )
    report.rejected = len({p.row for p in report.problems})
    report.valid = report.rows - report.rejected
    return valid
