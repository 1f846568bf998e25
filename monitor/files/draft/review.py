"""An editor's corrections of a drafted row, before it is accepted (the review page, docs/drafting.md).

Contract: ``edited_row(row, cells, number)`` applies the cells an editor may change — kind, name, value
(as stated in the unit: "1245.19", a range "4.5至5"), unit (with its magnitude word: 万人次), period
start and end, target form and deadline (a year, a date, a month or a window "2028至2030") — to a
``DraftRow`` and returns the corrected row and the problems, each a ``monitor.errors.Problem`` located at
the review grid's row ``number`` and the field's key (EDITABLE). A row with problems is never imported:
the caller keeps the draft's row and shows the problems; nothing is stored here. Cells left as the draft
had them change nothing. Pure: no clock, no files, no store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from monitor.errors import Problem
from monitor.files.draft.extract import PLACEHOLDER, DraftRow

EDITABLE = ("kind", "name", "value", "unit", "period_start", "period_end", "form", "deadline")
KINDS = ("actual", "target", "both")
SOURCE = "draft"
_WINDOW_SEPARATORS = ("至", "到", "～", "~", "—")


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if value != value:  # NaN or NaT: an emptied cell of a data grid
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _figure(row: DraftRow) -> str:
    """The row's figure in its stated unit, as the grid shows it: "1245.19", "4.5至5"."""
    from monitor.files.draft.workbook import _factor

    factor = _factor(row)
    low = _shown(row.value / factor)
    return low if row.high is None else f"{low}至{_shown(row.high / factor)}"


def _shown(x: float) -> str:
    return f"{x:.10g}"


def grid_cells(row: DraftRow) -> dict[str, Any]:
    """The editable cells of a row as the review grid shows them (EDITABLE keys)."""
    return {
        "kind": row.kind, "name": row.name, "value": _figure(row), "unit": row.display_unit or row.unit,
        "period_start": row.period_start, "period_end": row.period_end, "form": row.form,
        "deadline": (None if row.deadline is None else row.deadline[0].isoformat() if row.deadline[0] == row.deadline[1]
                     else f"{row.deadline[0].isoformat()}至{row.deadline[1].isoformat()}"),
    }


def _day(value: Any) -> tuple[date | None, tuple[str, dict[str, Any]] | None]:
    from monitor.model.validate import parse_day

    text = _text(value)
    if not text:
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    day, _, error = parse_day(text, span=True)
    return day, (None if day is not None else error or ("problem.not_a_date", {}))


def _number(text: str) -> tuple[float | None, tuple[str, dict[str, Any]] | None]:
    from monitor.model.units import parse_number

    try:
        return parse_number(text)[0], None
    except ValueError:
        return None, ("problem.not_a_number", {})


def edited_row(row: DraftRow, cells: dict[str, Any], number: int) -> tuple[DraftRow, list[Problem]]:
    """``row`` with the editor's ``cells`` applied, and the problems (none: the row may be imported)."""
    from monitor.files.catalog_xlsx import FORMS
    from monitor.model.units import normalize_unit, split_unit
    from monitor.model.validate import control_rule

    before = grid_cells(row)
    problems: list[Problem] = []

    def problem(key: str, rule: tuple[str, dict[str, Any]], value: Any = None) -> None:
        problems.append(Problem(SOURCE, number, key, rule[0], rule[1], None if value is None else str(value)))

    changed = {k: v for k, v in cells.items() if k in EDITABLE and _text(v) != _text(before.get(k))}
    kind = _text(changed.get("kind", row.kind))
    if kind not in KINDS:
        problem("kind", ("problem.one_of", {"allowed": " | ".join(KINDS)}), kind)
        kind = row.kind
    name = _text(changed.get("name", row.name))
    for key, text in (("name", name), ("unit", _text(changed.get("unit", "")))):
        rule = control_rule(text)
        if rule is not None:
            problem(key, rule, text)
    if not name:
        problem("name", ("problem.required", {}))
    elif name == PLACEHOLDER:
        # Every unnamed row would become one indicator (the id is made from the name).
        problem("name", ("problem.placeholder_name", {}), name)
    updates: dict[str, Any] = {"kind": kind, "name": name or row.name}

    if "value" in changed or "unit" in changed:
        unit = _text(changed.get("unit", before["unit"]))
        figure = _text(changed.get("value", before["value"]))
        if not unit:
            problem("unit", ("problem.required", {}))
        if not figure:
            problem("value", ("problem.required", {}))
        parts = [figure]
        for separator in _WINDOW_SEPARATORS:
            if separator in figure.lstrip("-"):
                head, _, tail = figure.partition(separator)
                parts = [head, tail]
                break
        numbers = []
        percent = normalize_unit(unit) == "%"
        for part in parts if figure else []:
            text = part.strip()
            if text.endswith(("%", "％")):
                if not percent:
                    # "5%" in a 亿元 row is not 5亿元: said, not stripped.
                    problem("value", ("problem.percent_unit", {"unit": unit}), figure)
                text = text[:-1].strip()
            value, rule = _number(text)
            if rule is not None:
                problem("value", rule, figure)
            numbers.append(value)
        if unit and any(word in figure for word in "万亿千") and split_unit(unit)[0] != 1:
            # "4.8万" in 万人 would be 4.8亿人: the rule of every import (monitor.model.validate).
            problem("value", ("problem.magnitude_twice", {"unit": unit}), figure)
        if len(numbers) == 2 and None not in numbers and numbers[0] > numbers[1]:  # type: ignore[operator]
            problem("value", ("problem.range_order", {}), figure)
        if unit and figure and not problems:
            factor, base = split_unit(unit)
            low = numbers[0]
            assert low is not None
            high = numbers[1] if len(numbers) == 2 else None
            updates.update(
                value=low * factor, high=None if high is None else high * factor, unit=base,
                display_unit=normalize_unit(unit), magnitude=unit[: len(unit) - len(base)] if factor != 1 else "",
                stated=f"{figure}{normalize_unit(unit)}",
            )

    high = updates["high"] if "high" in updates else row.high
    if kind != "target" and high is not None and not any(p.column == "value" for p in problems):
        # An actual figure (or a floor that is also one) is one reading: a range would be cut to its low end.
        problem("value", ("problem.range_not_target", {}), _text(changed.get("value", before["value"])))

    start, rule = _day(changed["period_start"]) if "period_start" in changed else (row.period_start, None)
    if rule is not None:
        problem("period_start", rule, changed["period_start"])
    end, rule = _day(changed["period_end"]) if "period_end" in changed else (row.period_end, None)
    if rule is not None:
        problem("period_end", rule, changed["period_end"])
    if kind in ("actual", "both") and end is None and rule is None:
        problem("period_end", ("problem.required", {}))
    if start is not None and end is not None and end < start:
        problem("period_end", ("problem.before_start", {"date": start.isoformat()}), end.isoformat())
    updates.update(period_start=start, period_end=end)

    form = _text(changed.get("form", row.form))
    if kind in ("target", "both") and form and form not in FORMS:
        problem("form", ("problem.one_of", {"allowed": "、".join(list(FORMS)[:12]) + " …"}), form)
    updates["form"] = form if kind != "actual" else row.form

    if "deadline" in changed:
        text = _text(changed["deadline"])
        deadline: tuple[date, date] | None = None
        if text:
            sides = [text]
            for separator in _WINDOW_SEPARATORS:
                if separator in text:
                    sides = [s.strip() for s in text.split(separator, 1)]
                    break
            days = [_day(s) for s in sides]
            for _, side_rule in days:
                if side_rule is not None:
                    problem("deadline", side_rule, text)
            if all(d is not None for d, _ in days):
                first, last = days[0][0], days[-1][0]
                assert first is not None and last is not None
                if first > last:
                    problem("deadline", ("problem.deadline_order", {}), text)
                deadline = (first, last)
        updates["deadline"] = deadline
    if problems:
        return row, problems
    if changed:
        updates["reasons"] = [*row.reasons, "已人工修改"]
    return replace(row, **updates), []


__all__ = ["EDITABLE", "KINDS", "edited_row", "grid_cells"]
