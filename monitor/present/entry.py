"""Helpers for entering data by hand or by file in the dashboard: periods from form choices, unit
choices, upload previews, problem tables and the rejected rows of a file. No Streamlit here.

Validation itself is monitor.files.ingest's: these helpers only prepare its input and present its output.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from monitor.errors import Problem, ValidationError
from monitor.files import readers
from monitor.files.export import neutralise
from monitor.files.ingest import CANONICAL_COLUMNS
from monitor.model.periods import Period
from monitor.model.units import normalize_unit
from monitor.present.i18n import MESSAGES, problem_reason, t, unit_label

__all__ = [
    "PERIOD_KINDS",
    "UPLOAD_LIMIT_MB",
    "default_period",
    "default_period_kind",
    "period_bounds",
    "problem_rows",
    "read_table",
    "rejected_csv",
    "stored_preview",
    "template_csv",
    "unit_choices",
]

PERIOD_KINDS: tuple[str, ...] = ("point", "month", "quarter", "half", "year", "custom")
UPLOAD_LIMIT_MB = 20
_KIND_OF_FREQUENCY = {"monthly": "month", "quarterly": "quarter", "half_yearly": "half", "yearly": "year"}


def default_period_kind(measure: str, frequency: str) -> str:
    """Levels and running totals are read at a date; flows and rates over their usual period."""
    if measure in ("stock", "cumulative"):
        return "point"
    return _KIND_OF_FREQUENCY.get(frequency, "custom")


def default_period(kind: str, today: date) -> dict[str, Any]:
    """The last complete period of ``kind`` before ``today``, as the form's initial values."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    this_quarter = (today.month - 1) // 3 + 1
    quarter, quarter_year = (this_quarter - 1, today.year) if this_quarter > 1 else (4, today.year - 1)
    half = 1 if today.month > 6 else 2
    return {
        "day": last_month_end,
        "year": today.year - 1 if kind == "year" else last_month_end.year,
        "month": last_month_end.month,
        "quarter": quarter,
        "quarter_year": quarter_year,
        "half": half,
        "half_year": today.year if half == 1 else today.year - 1,
        "start": date(last_month_end.year, 1, 1),
        "end": last_month_end,
    }


def period_bounds(
    kind: str,
    *,
    day: date | None = None,
    year: int | None = None,
    month: int | None = None,
    quarter: int | None = None,
    half: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[date | None, date]:
    """(period_start, period_end) for monitor.files.ingest.add_reading from the form's choices.

    "point" leaves the start empty: the library makes it the same day for a stock and the start of
    the running total for a cumulative indicator.
    """
    if kind == "point":
        if day is None:
            raise ValueError("a date is needed")
        return None, day
    if kind == "custom":
        if start is None or end is None:
            raise ValueError("a start and an end date are needed")
        return start, end
    if year is None:
        raise ValueError("a year is needed")
    if kind == "month":
        period = Period.of_month(year, month or 1)
    elif kind == "quarter":
        period = Period.of_quarter(year, quarter or 1)
    elif kind == "half":
        period = Period.of_months(year, 1, 6) if (half or 1) == 1 else Period.of_months(year, 7, 12)
    elif kind == "year":
        period = Period.of_year(year)
    else:
        raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(PERIOD_KINDS)}")
    return period.start, period.end


def unit_choices(unit: str, display_unit: str, lang: str) -> list[str]:
    """The units a value may be typed in, the indicator's display unit ("万架") first in every language:
    the same keystrokes must store the same figure whatever the screen's language (issue 17: 30000 was
    3亿架 in Chinese and 30,000 racks in English). ``lang`` is kept for callers; it changes nothing."""
    options = [display_unit, unit]
    seen: list[str] = []
    for option in options:
        if option and normalize_unit(option) not in [normalize_unit(s) for s in seen]:
            seen.append(option)
    return seen


def stored_preview(text: str, unit: str | None, indicator: dict[str, Any], lang: str) -> str | None:
    """The value typed in the form as it will be stored, in words and unit ("3亿架", "300 million racks"),
    or None when it cannot be read (Save then says why). ``unit`` is the form's unit choice; a unit typed
    with the number ("2.3万架") wins, as in the import."""
    from monitor.model.units import conversion_factor, parse_quantity, to_base
    from monitor.present.i18n import format_quantity, qualified

    if not text or not text.strip():
        return None
    try:
        quantity = parse_quantity(text)
        written = quantity.unit if quantity.unit not in ("", "%") else None
        if written is None and unit and conversion_factor(unit, indicator["unit"]) != 1 and any(
                word in text for word in "万亿千"):
            return None  # a magnitude word in the value and in the unit: the import refuses it (magnitude_twice)
        base = to_base(quantity.value, written or unit, indicator["unit"], indicator["display_unit"])
    except ValueError:
        return None
    shown = format_quantity(base, indicator["unit"], lang, indicator.get("name_en"))
    return qualified(shown, quantity.qualifier.value if quantity.qualifier else None, lang)


def unit_choice_label(unit: str, lang: str, name_en: str | None = None) -> str:
    return unit_label(unit, lang, name_en) or unit


def template_csv() -> bytes:
    """A CSV template with the canonical columns and two example rows (UTF-8 with BOM for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CANONICAL_COLUMNS)
    writer.writerow(["compute-racks", "", "2026-06-30", "3", "exact", "万架", "市数据局", "示例：时点数据，请替换"])
    # No unit for the share: "%" there would state that a 0.931 typed over 92.5 is 0.931 %, not a fraction.
    writer.writerow(["good-air-days-ratio", "2026-01-01", "2026-06-30", "92.5%", "exact", "", "市生态环境局", "示例：期间数据，请替换"])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    """A cell as the preview shows it: as the import reads it (monitor.files.ingest.reading.cell_text), blank as ""."""
    from monitor.files.ingest.reading import cell_text

    return cell_text(value) or ""


def read_table(path: str | Path, limit: int | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (spreadsheet row number, cells) of a CSV (UTF-8 or GB18030) or XLSX file, as text.

    Read by monitor.files.readers, as an import reads it (the same checks, caps and delimiter). Rows are
    numbered as a spreadsheet does (header = row 1) and blank rows are skipped without renumbering,
    as monitor.files.ingest numbers them in its problems. Raises ValueError when unreadable.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            sheet = readers.read_xlsx(path, limit=limit)
            return sheet.header, [(number, [_cell(c) for c in cells]) for number, cells in sheet.rows]
        readers.regular_file(path)
        encoding = readers.csv_encoding(path)
        delimiter, _ = readers.csv_header(path, encoding)
    except ValidationError as e:
        raise ValueError(str(e)) from e
    rows: list[tuple[int, list[str]]] = []
    try:
        with path.open("r", encoding=encoding, newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            header = next(reader, [])
            for number, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
                    if limit is not None and len(rows) >= limit:
                        break
    except csv.Error as e:
        raise ValueError(f"cannot be read as CSV: {e}") from e
    return header, rows


def problem_rows(problems: Sequence[Problem], lang: str) -> list[dict[str, Any]]:
    """One table row per problem: row number, column (named in ``lang``), reason in ``lang``, value."""
    out = []
    for p in problems:
        column = p.column or ""
        key = f"field.{column}"
        out.append({
            "row": p.row,
            "column": t(key, lang) if key in MESSAGES else column,
            "reason": problem_reason(p, lang),
            "value": p.value or "",
        })
    return out


def rejected_csv(path: str | Path, problems: Sequence[Problem], lang: str) -> bytes:
    """The file's invalid rows as they were, with their row number and the problems (UTF-8 with BOM)."""
    header, rows = read_table(path)
    reasons: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        if p.row is not None:
            column = p.column or ""
            key = f"field.{column}"
            named = t(key, lang) if key in MESSAGES else column
            reasons[p.row].append(f"{named}: {problem_reason(p, lang)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t("pcol.row", lang), *header, t("pcol.problems", lang)])
    for number, cells in rows:
        if number in reasons:
            # The file's own cells go back out: a "=..." cell must open as text, not run as a formula.
            writer.writerow([number, *(neutralise(c) for c in cells), "; ".join(reasons[number])])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
