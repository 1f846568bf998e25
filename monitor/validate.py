"""Row validation in Python for small batches (a form, `monitor add`, a short feed).

The bulk pipeline in ``ingest.py`` validates in set-based SQL, which costs a few dozen statements
whatever the row count: for one row that overhead dominates and holds other writers back. This module
applies the same rules, with the same messages, to a handful of rows in plain Python;
``tests/test_validate.py`` checks that both paths give identical verdicts on the same inputs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from monitor.errors import Problem
from monitor.model import Indicator, MeasureKind, Qualifier

_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_MAGNITUDE = re.compile(r"[万亿千]")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTHS_BACK = {"monthly": 0, "quarterly": 2, "half_yearly": 5, "yearly": 11}
QUALIFIER_HINT = "unknown qualifier; use exact, approx, at_least, more_than or at_most"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip(" ")
    return text if text else None


def parse_value(text: str | None) -> tuple[float | None, str | None, str | None]:
    """(value, qualifier from the text, error) as the bulk pipeline reads a value cell."""
    from monitor.units import parse_number

    if text is None:
        return None, None, None
    plain = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
    if _PLAIN_NUMBER.fullmatch(plain):
        number = float(plain)
        if math.isfinite(number):
            return number, None, None
    try:
        number, qualifier = parse_number(text)
        if not math.isfinite(number):
            raise ValueError("is not a finite number")
        return number, (qualifier.value if qualifier else None), None
    except ValueError as e:
        return None, None, str(e) or "is not a number"


def parse_day(text: str | None, span: bool) -> tuple[date | None, date | None, str | None]:
    """(day, start of the span when a whole period was written, error)."""
    if text is None:
        return None, None, None
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text), None, None
        except ValueError:
            pass
    # Imported here: its ~30 patterns cost a `monitor add` with an ISO date several milliseconds.
    from monitor.periods import parse_date, parse_period

    try:
        return parse_date(text), None, None
    except ValueError as e:
        try:
            period = parse_period(text)
        except ValueError:
            return None, None, str(e) or "is not a date"
        return (period.end, period.start, None) if span else (period.start, None, None)


def _shown_unit(unit: str) -> str:
    return unit if len(unit) <= 60 else unit[:59] + "…"  # as ingest._unit_factors: one short line


def _month_end(d: date) -> bool:
    from monitor.periods import month_end

    return d == month_end(d)


def _default_start(indicator: Indicator, end: date) -> date | None:
    from monitor.periods import add_months

    if indicator.measure is MeasureKind.STOCK:
        return end
    if indicator.measure is MeasureKind.CUMULATIVE:
        return indicator.cumulative_since
    back = _MONTHS_BACK.get(indicator.frequency.value)
    if back is None or not _month_end(end):
        return None
    return add_months(end.replace(day=1), -back)


def _base_value(value: float, factor: float) -> float:
    converted = value * factor
    if factor == 1 or value == 0 or not math.isfinite(converted):
        return value
    # Same rounding as the SQL path: 15 significant digits, all a double holds.
    return round(converted, max(0, 14 - math.floor(math.log10(abs(converted)))))


def check_rows(
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    indicators: Mapping[str, Indicator],
    today: date,
    file: str,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Valid readings (base units) and every problem, for (row number, canonical columns) pairs."""
    from monitor.units import QUALIFIER_WORDS, conversion_factor

    words = {q.value: q.value for q in Qualifier} | {k: str(v) for k, v in QUALIFIER_WORDS.items()}
    problems: list[Problem] = []
    checked: list[dict[str, Any]] = []
    for row_no, raw in rows:
        cell = {k: _text(raw.get(k)) for k in
                ("indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note")}
        found: list[tuple[str, str, str | None]] = []
        ident = cell["indicator_id"]
        indicator = indicators.get(ident.strip()) if ident else None
        if ident is None:
            found.append(("indicator_id", "is required", None))
        elif indicator is None:
            found.append(("indicator_id", "unknown indicator (see `monitor indicators`)", raw.get("indicator_id")))
        v, v_qualifier, v_error = parse_value(cell["value"])
        if cell["value"] is None:
            found.append(("value", "is required", None))
        elif v is None:
            found.append(("value", v_error or "is not a number", cell["value"]))
        pe, span_start, pe_error = parse_day(cell["period_end"], span=True)
        if cell["period_end"] is None:
            found.append(("period_end", "is required", None))
        elif pe is None:
            found.append(("period_end", pe_error or "is not a date (use YYYY-MM-DD)", cell["period_end"]))
        ps, _, ps_error = parse_day(cell["period_start"], span=False)
        if cell["period_start"] is not None and ps is None:
            found.append(("period_start", ps_error or "is not a date (use YYYY-MM-DD)", cell["period_start"]))
        start: date | None = ps or span_start
        if start is None and indicator is not None and pe is not None:
            start = _default_start(indicator, pe)
            if start is None and cell["period_start"] is None:
                found.append((
                    "period_start",
                    f"is required for this indicator ({indicator.measure.value}, {indicator.frequency.value}) "
                    "unless period_end is a month end",
                    None,
                ))
        if pe is not None and start is not None and pe < start:
            found.append(("period_end", f"is before period_start {start.isoformat()}", cell["period_end"]))
        if pe is not None and pe > today:
            found.append(("period_end", f"is in the future (after {today.isoformat()})", cell["period_end"]))
        factor: float | None = 1.0
        if indicator is not None and cell["unit"] is not None:
            try:
                factor = conversion_factor(cell["unit"], indicator.unit)
            except ValueError as e:
                factor = None
                found.append((
                    "unit",
                    f"unit '{_shown_unit(cell['unit'])}' cannot be converted to {indicator.display_unit} ({indicator.unit}): {e}",
                    cell["unit"],
                ))
        if factor not in (None, 1.0) and cell["value"] is not None and _MAGNITUDE.search(cell["value"]):
            found.append((
                "value",
                f"has a magnitude word (万, 亿, 千) and the unit {cell['unit']} has one too; give it once",
                cell["value"],
            ))
        if cell["qualifier"] is not None:
            q = words.get(cell["qualifier"].lower())
            if q is None:
                found.append(("qualifier", QUALIFIER_HINT, cell["qualifier"]))
        else:
            q = v_qualifier or "exact"
        base = None if v is None else _base_value(v, factor if factor is not None else 1.0)
        if indicator is not None and base is not None:
            if indicator.lower_bound is not None and base < indicator.lower_bound:
                found.append(("value", f"is below the plausible minimum {indicator.lower_bound!r} {indicator.unit}",
                              cell["value"]))
            if indicator.upper_bound is not None and base > indicator.upper_bound:
                found.append(("value", f"is above the plausible maximum {indicator.upper_bound!r} {indicator.unit}",
                              cell["value"]))
        problems.extend(Problem(file, row_no, col, reason, value) for col, reason, value in found)
        checked.append({
            "row_no": row_no, "ok": not found, "key_ok": indicator is not None and pe is not None and start is not None,
            "indicator_id": ident.strip() if ident else None, "period_start": start, "period_end": pe,
            "value": base, "qualifier": q, "source": cell["source"], "note": cell["note"],
        })
    problems.extend(_duplicates(checked, file))
    problem_rows = {p.row for p in problems}
    valid = [
        {k: c[k] for k in ("indicator_id", "period_start", "period_end", "value", "qualifier", "source", "note")}
        for c in checked if c["row_no"] not in problem_rows
    ]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return valid, problems


def _duplicates(checked: list[dict[str, Any]], file: str) -> list[Problem]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for c in checked:
        if c["key_ok"]:
            groups.setdefault((c["indicator_id"], c["period_start"], c["period_end"]), []).append(c)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda c: c["row_no"])
        first, second = members[0]["row_no"], members[1]["row_no"]
        conflicting = len({c["value"] for c in members if c["value"] is not None}) > 1
        for c in members:
            if conflicting:
                other = second if c["row_no"] == first else first
                found.append(Problem(file, c["row_no"], "period_end",
                                     f"conflicts with row {other} (same indicator and period, other value)", None))
            elif c["row_no"] != first:
                found.append(Problem(file, c["row_no"], "period_end", f"duplicates row {first}", None))
    return found
