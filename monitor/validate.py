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

__all__ = [
    "VALUE_MAX",
    "UNUSABLE_SQL",
    "CONTROL_PATTERN_SQL",
    "CONTROL_PATTERN_MULTILINE_SQL",
    "check_rows",
    "control_problem",
    "escape_controls",
    "is_share",
    "magnitude_problem",
    "usable_value",
    "value_problem",
]

# ---------------------------------------------------------------- the value and text rules
#
# One place for what every entry path checks beyond parsing: this module's check_rows (a form,
# `monitor add`, short feeds), the bulk SQL pass of monitor.ingest (which builds its conditions from
# the constants below), the catalogue (monitor.catalog), restore and migrate (monitor.store.maintenance),
# and what the engine and `monitor check` treat as unusable in a store written before these rules.

# The largest size of a figure the product stores: 10^18 is far above any public figure in any base unit
# the catalogue uses (a nation's financial assets in yuan are ~5e14), keeps every figure exact to two
# decimals within Decimal's default 28 digits (Babel's number formatting broke at ~1e38), and keeps
# the products and squares of figures (the engine's fits) far from a double's overflow. Tiny figures
# need no limit: they format as 0 and the engine's rates guard against overflow.
VALUE_MAX = 1e18
TOO_LARGE = f"is too large: figures are kept up to {VALUE_MAX:g} in size (check the unit and any magnitude word)"
# The same rule as a SQL condition on a DOUBLE column (stores written before it: `monitor check`, the status).
UNUSABLE_SQL = "(isnan({0}) OR isinf({0}) OR {0} > " + repr(VALUE_MAX) + " OR {0} < " + repr(-VALUE_MAX) + ")"


def magnitude_problem(value: float) -> str | None:
    """Why ``value`` (in base units) cannot be stored, or None: it must be finite and at most VALUE_MAX in size."""
    if not math.isfinite(value):
        return "is not a finite number"
    if abs(value) > VALUE_MAX:
        return TOO_LARGE
    return None


def usable_value(value: float | None) -> bool:
    """Whether the engine and the formatting can use a stored value (a store written before the
    rules may hold others: they are skipped, reported, and named by `monitor check`)."""
    return value is not None and isinstance(value, (int, float)) and magnitude_problem(float(value)) is None


def is_share(unit: str, measure: str) -> bool:
    """A percentage share (good-air days, green power share): unit % and measured as a ratio or a level.
    Not a year-on-year change, which is in % too but often below 1 %."""
    from monitor.units import normalize_unit

    return normalize_unit(unit) == "%" and str(measure) in (MeasureKind.RATIO.value, MeasureKind.STOCK.value)


def not_whole_reason(unit: str) -> str:
    return f"is not a whole number: {unit} counts whole units (counts and ranks take whole numbers only)"


def share_reason(text: str) -> str:
    shown = text if len(text) <= 40 else text[:39] + "…"
    return (f"is at most 1 for a share in %: if it is a fraction, give it in percent (multiplied by 100); "
            f"if it is {shown} %, write {shown}%")


def sql_reason(reason: Any, expression: str) -> str:
    """A SQL expression giving ``reason(x)`` (a function of one text above) with ``x`` the SQL ``expression``:
    the bulk pass words its problems with the very same functions."""
    parts = reason("\x00").split("\x00")
    return f" || {expression} || ".join("'" + part.replace("'", "''") + "'" for part in parts)


def value_problem(value: float, indicator: Indicator, text: str | None = None) -> str | None:
    """The first rule ``value`` (base units, bounds already checked) breaks for ``indicator``, or None.

    ``text`` is the value as written: a share of 1 or less is refused unless written with a percent sign.
    """
    from monitor.units import is_whole_unit

    problem = magnitude_problem(value)
    if problem is not None:
        return problem
    if is_whole_unit(indicator.unit) and value != math.floor(value):
        return not_whole_reason(indicator.unit)
    if (text is not None and 0 < value <= 1 and is_share(indicator.unit, indicator.measure)
            and "%" not in text and "\uff05" not in text):
        return share_reason(text)
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
# The same classes for DuckDB's regular expressions (RE2), used by monitor.ingest's SQL pass.
CONTROL_PATTERN_SQL = _re2_class(_ranges())
CONTROL_PATTERN_MULTILINE_SQL = _re2_class(_ranges(_MULTILINE_ALLOWED))
# Fields of a reading that may span lines.
MULTILINE_FIELDS = ("note",)


def control_reason(code: str) -> str:
    """``code`` is "U+001B": the character named by its code point (printing it would act on a terminal)."""
    return f"contains the control character {code}, which is not allowed here; remove it"


def control_problem(text: str | None, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be stored (a control character: terminal escapes, bidirectional overrides), or None."""
    if not text:
        return None
    pattern = _CONTROL_MULTILINE if multiline else CONTROL
    found = pattern.search(text.replace("\r\n", "\n") if multiline else text)
    return None if found is None else control_reason(f"U+{ord(found.group()):04X}")


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
