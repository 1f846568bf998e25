"""Row validation in Python for small batches (a form, `monitor add`, a short feed).

The bulk pipeline in ``ingest.py`` validates in set-based SQL, which costs a few dozen statements
whatever the row count: for one row that overhead dominates and holds other writers back. This module
applies the same rules, with the same messages, to a handful of rows in plain Python;
``tests/test_validate.py`` checks that both paths give identical verdicts on the same inputs.

It is also the one home of the rules on values and text that every entry path applies (the section
below): a figure is finite and at most VALUE_MAX in size; counts and ranks are whole numbers; a share
in % of 1 or less states its percent; stored text holds no control character. The SQL pass builds its
conditions and messages from these constants and functions; the catalogue, restore and migrate, the
engine, `monitor check` and every CLI output (``escape_controls``) use them too. Pure standard library
at import time: the CLI imports it on every command.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from monitor.errors import Problem
from monitor.model import VALUE_MAX, Indicator, MeasureKind, Qualifier, magnitude_code, magnitude_problem
from monitor.model.problems import nested, of_error, render

__all__ = [
    "VALUE_MAX",
    "CONTROL_PATTERN_SQL",
    "CONTROL_PATTERN_MULTILINE_SQL",
    "check_rows",
    "control_problem",
    "control_rule",
    "escape_controls",
    "is_share",
    "magnitude_problem",
    "usable_value",
    "value_problem",
    "value_rule",
]

# A problem as the rules give it: (code, parameters), see monitor.model.problems.
Rule = tuple[str, dict[str, Any]]

# ---------------------------------------------------------------- the value and text rules
#
# One place for what every entry path checks beyond parsing: this module's check_rows (a form,
# `monitor add`, short feeds), the bulk SQL pass of monitor.files.ingest (which builds its conditions from
# the constants below), the catalogue (monitor.files.catalog), restore and migrate (monitor.store.maintenance),
# and what the engine and `monitor check` treat as unusable in a store written before these rules.

# VALUE_MAX, TOO_LARGE and magnitude_problem live with the model (the store's checks use them too);
# UNUSABLE_SQL is the same rule as SQL, in monitor.store.queries.


def usable_value(value: float | None) -> bool:
    """Whether the engine and the formatting can use a stored value (a store written before the
    rules may hold others: they are skipped, reported, and named by `monitor check`)."""
    return value is not None and isinstance(value, (int, float)) and magnitude_problem(float(value)) is None


def is_share(unit: str, measure: str) -> bool:
    """A percentage share (good-air days, green power share): unit % and measured as a ratio or a level.
    Not a year-on-year change, which is in % too but often below 1 %."""
    from monitor.model.units import normalize_unit

    return normalize_unit(unit) == "%" and str(measure) in (MeasureKind.RATIO.value, MeasureKind.STOCK.value)


def states_percent(unit: str | None) -> bool:
    """Whether a unit given with a value is "%" (or "percent", "％"...)."""
    from monitor.model.units import normalize_unit

    return unit is not None and normalize_unit(unit) == "%"


# The longest value text a share problem quotes (the SQL pass cuts it alike).
SHARE_TEXT_MAX = 40


def share_text(text: str) -> str:
    return text if len(text) <= SHARE_TEXT_MAX else text[:SHARE_TEXT_MAX - 1] + "…"


def value_problem(value: float, indicator: Indicator, text: str | None = None, unit: str | None = None) -> str | None:
    """``value_rule`` in English."""
    rule = value_rule(value, indicator, text, unit)
    return None if rule is None else render(*rule)


def value_rule(value: float, indicator: Indicator, text: str | None = None, unit: str | None = None) -> Rule | None:
    """The first rule ``value`` (base units, bounds already checked) breaks for ``indicator``, or None.

    ``text`` is the value as written and ``unit`` the unit given with it (a file's unit column, `--unit`):
    a share of 1 or less is refused unless the percent is stated, by a percent sign in the value or by
    "%" given as its unit (which every export writes, so an export of a share below 1 % imports again).
    The dashboard's form gives no unit when its choice is the indicator's own: a preset is no statement.
    """
    from monitor.model.units import is_whole_unit

    code = magnitude_code(value)
    if code is not None:
        return code, {}
    if is_whole_unit(indicator.unit) and value != math.floor(value):
        return "problem.not_whole", {"unit": indicator.unit}
    if (text is not None and 0 < value <= 1 and is_share(indicator.unit, indicator.measure)
            and "%" not in text and "\uff05" not in text and not states_percent(unit)):
        return "problem.share_fraction", {"text": share_text(text)}
    return None


# Characters no stored text may hold: C0 controls, DEL, C1 controls (terminal escapes: ESC, CSI...),
# line and paragraph separators, and the bidirectional embeddings, overrides and isolates that reorder
# what is shown (U+202A-202E, U+2066-2069). Tab and line feed are allowed in multi-line fields (a note,
# a quote), and a carriage return there only before a line feed (CRLF line ends).
_CONTROL_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0x202A, 0x202E), (0x2066, 0x2069))


def _ranges(skip: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for low, high in _CONTROL_RANGES:
        start = low
        for code in range(low, high + 1):
            if code in skip:
                if start < code:
                    out.append((start, code - 1))
                start = code + 1
        if start <= high:
            out.append((start, high))
    return out


def _python_class(ranges: list[tuple[int, int]]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


def _re2_class(ranges: list[tuple[int, int]]) -> str:
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges) + "]"


_MULTILINE_ALLOWED = (0x09, 0x0A)
CONTROL = _python_class(_ranges())  # every character of the rules (output escapes them all)
_CONTROL_MULTILINE = _python_class(_ranges(_MULTILINE_ALLOWED))
# The same classes for DuckDB's regular expressions (RE2), used by monitor.files.ingest's SQL pass.
CONTROL_PATTERN_SQL = _re2_class(_ranges())
CONTROL_PATTERN_MULTILINE_SQL = _re2_class(_ranges(_MULTILINE_ALLOWED))
# Fields of a reading that may span lines.
MULTILINE_FIELDS = ("note",)


def control_rule(text: str | None, multiline: bool = False) -> Rule | None:
    """Why ``text`` cannot be stored (a control character: terminal escapes, bidirectional overrides), or None.
    The character is named by its code point, "U+001B" (printing it would act on a terminal)."""
    if not text:
        return None
    pattern = _CONTROL_MULTILINE if multiline else CONTROL
    found = pattern.search(text.replace("\r\n", "\n") if multiline else text)
    return None if found is None else ("problem.control", {"char": f"U+{ord(found.group()):04X}"})


def control_problem(text: str | None, multiline: bool = False) -> str | None:
    """``control_rule`` in English."""
    rule = control_rule(text, multiline)
    return None if rule is None else render(*rule)


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every control character of the rules above (tab and line feed too, unless in
    ``keep``) written as a visible escape ("\\x1b", "\\u202e"): for output to a terminal, where they
    would act. Multi-line output (CSV, YAML) keeps its line feeds with ``keep="\\n"``."""
    if CONTROL.search(text) is None:
        return text

    def visible(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return CONTROL.sub(visible, text)


_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_MAGNITUDE = re.compile(r"[万亿千]")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTHS_BACK = {"monthly": 0, "quarterly": 2, "half_yearly": 5, "yearly": 11}


# The characters DuckDB's trim() removes (Unicode's space separators, Zs: the ASCII space, the no-break
# space U+00A0, the ideographic space U+3000, …): the row-wise path trims cells exactly as the bulk SQL does.
SPACES = "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip(SPACES)
    return text if text else None


def parse_value(text: str | None) -> tuple[float | None, str | None, Rule | None]:
    """(value, qualifier from the text, error) as the bulk pipeline reads a value cell."""
    from monitor.model.units import parse_number

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
            return None, None, ("problem.not_finite", {})
        return number, (qualifier.value if qualifier else None), None
    except ValueError as e:
        return None, None, of_error(e, "problem.not_a_number")


def parse_day(text: str | None, span: bool) -> tuple[date | None, date | None, Rule | None]:
    """(day, start of the span when a whole period was written, error)."""
    if text is None:
        return None, None, None
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text), None, None
        except ValueError:
            pass
    # Imported here: its ~30 patterns cost a `monitor add` with an ISO date several milliseconds.
    from monitor.model.periods import parse_date, parse_period

    try:
        return parse_date(text), None, None
    except ValueError as e:
        try:
            period = parse_period(text)
        except ValueError:
            return None, None, of_error(e, "problem.not_a_date")
        return (period.end, period.start, None) if span else (period.start, None, None)


def _shown_unit(unit: str) -> str:
    return unit if len(unit) <= 60 else unit[:59] + "…"  # the message stays one short line


def unit_rule(unit: str, display_unit: str, base_unit: str, error: ValueError) -> Rule:
    """A unit that cannot be converted to the indicator's (both entry paths word it with this)."""
    return "problem.unit", {"unit": _shown_unit(unit), "display": display_unit, "base": base_unit,
                            "detail": nested(*of_error(error, "problem.other"))}


def _month_end(d: date) -> bool:
    from monitor.model.periods import month_end

    return d == month_end(d)


def _default_start(indicator: Indicator, end: date) -> date | None:
    from monitor.model.periods import add_months

    if indicator.measure is MeasureKind.STOCK:
        return end
    if indicator.measure is MeasureKind.CUMULATIVE:
        return indicator.cumulative_since
    back = _MONTHS_BACK.get(indicator.frequency.value)
    if back is None or not _month_end(end):
        return None
    return add_months(end.replace(day=1), -back)


# A stock given for a whole calendar period (a yearbook's "2021年": 2021-01-01..2021-12-31) is its level at the
# period's end: stored as that one date, with this note (docs/catalog.md, docs/methodology.md section 2).
STOCK_AT_END_NOTE = "entered for {start} to {end}; a stock is its level at the period's end"


def stock_at_end(indicator: Indicator, start: date, end: date) -> bool:
    """Whether a stock's reading over start..end is a whole calendar month, quarter, half-year or year (read
    as the level at ``end``). The bulk pass of monitor.store.import_queries applies the same rule in SQL."""
    if indicator.measure is not MeasureKind.STOCK or not start < end or start.day != 1 or not _month_end(end):
        return False
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
    return months in (1, 3, 6, 12) and (start.month - 1) % months == 0


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
    from monitor.model.units import QUALIFIER_WORDS, conversion_factor

    words = {q.value: q.value for q in Qualifier} | {k: str(v) for k, v in QUALIFIER_WORDS.items()}
    problems: list[Problem] = []
    checked: list[dict[str, Any]] = []
    for row_no, raw in rows:
        cell = {k: _text(raw.get(k)) for k in
                ("indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note")}
        found: list[tuple[str, str, dict[str, Any], str | None]] = []
        ident = cell["indicator_id"]
        indicator = indicators.get(ident.strip()) if ident else None
        if ident is None:
            found.append(("indicator_id", "problem.required", {}, None))
        elif indicator is None:
            found.append(("indicator_id", "problem.unknown_indicator", {}, raw.get("indicator_id")))
        v, v_qualifier, v_error = parse_value(cell["value"])
        if cell["value"] is None:
            found.append(("value", "problem.required", {}, None))
        elif v is None:
            found.append(("value", *(v_error or ("problem.not_a_number", {})), cell["value"]))
        pe, span_start, pe_error = parse_day(cell["period_end"], span=True)
        if cell["period_end"] is None:
            found.append(("period_end", "problem.required", {}, None))
        elif pe is None:
            found.append(("period_end", *(pe_error or ("problem.not_a_date", {})), cell["period_end"]))
        ps, _, ps_error = parse_day(cell["period_start"], span=False)
        if cell["period_start"] is not None and ps is None:
            found.append(("period_start", *(ps_error or ("problem.not_a_date", {})), cell["period_start"]))
        start: date | None = ps or span_start
        if start is None and indicator is not None and pe is not None:
            start = _default_start(indicator, pe)
            if start is None and cell["period_start"] is None:
                found.append(("period_start", "problem.start_required",
                              {"measure": indicator.measure.value, "frequency": indicator.frequency.value}, None))
        if pe is not None and start is not None and pe < start:
            found.append(("period_end", "problem.before_start", {"date": start.isoformat()}, cell["period_end"]))
        if pe is not None and pe > today:
            found.append(("period_end", "problem.future", {"date": today.isoformat()}, cell["period_end"]))
        factor: float | None = 1.0
        if indicator is not None and cell["unit"] is not None:
            try:
                factor = conversion_factor(cell["unit"], indicator.unit)
            except ValueError as e:
                factor = None
                found.append(("unit", *unit_rule(cell["unit"], indicator.display_unit, indicator.unit, e), cell["unit"]))
        if factor not in (None, 1.0) and cell["value"] is not None and _MAGNITUDE.search(cell["value"]):
            found.append(("value", "problem.magnitude_twice", {"unit": cell["unit"]}, cell["value"]))
        if cell["qualifier"] is not None:
            q = words.get(cell["qualifier"].lower())
            if q is None:
                found.append(("qualifier", "problem.qualifier", {}, cell["qualifier"]))
        else:
            q = v_qualifier or "exact"
        # + 0.0: "-0" is stored as 0 (IEEE -0.0 equals 0; kept, it showed as "-0" and made a revision).
        base = None if v is None else _base_value(v, factor if factor is not None else 1.0) + 0.0
        if base is not None and (too_big := magnitude_code(base)) is not None:
            # One problem per value: the size first (bounds and the rules below mean nothing past it).
            found.append(("value", too_big, {}, cell["value"]))
        elif indicator is not None and base is not None:
            bounded = len(found)
            if indicator.lower_bound is not None and base < indicator.lower_bound:
                found.append(("value", "problem.below_min", {"bound": indicator.lower_bound, "unit": indicator.unit},
                              cell["value"]))
            if indicator.upper_bound is not None and base > indicator.upper_bound:
                found.append(("value", "problem.above_max", {"bound": indicator.upper_bound, "unit": indicator.unit},
                              cell["value"]))
            rule = value_rule(base, indicator, cell["value"], cell["unit"]) if len(found) == bounded else None
            if rule is not None:
                found.append(("value", *rule, cell["value"]))
        for column in ("source", "note"):
            bad = control_rule(cell[column], multiline=column in MULTILINE_FIELDS)
            if bad is not None:
                found.append((column, *bad, cell[column]))
        problems.extend(Problem(file, row_no, col, code, params, value) for col, code, params, value in found)
        note = cell["note"]
        if indicator is not None and start is not None and pe is not None and stock_at_end(indicator, start, pe):
            said = STOCK_AT_END_NOTE.format(start=start.isoformat(), end=pe.isoformat())
            note = f"{note}; {said}" if note else said
            start = pe
        checked.append({
            "row_no": row_no, "ok": not found, "key_ok": indicator is not None and pe is not None and start is not None,
            "indicator_id": ident.strip() if ident else None, "period_start": start, "period_end": pe,
            "value": base, "qualifier": q, "source": cell["source"], "note": note,
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
                found.append(Problem(file, c["row_no"], "period_end", "problem.conflict", {"row": other}))
            elif c["row_no"] != first:
                found.append(Problem(file, c["row_no"], "period_end", "problem.duplicate", {"row": first}))
    return found
