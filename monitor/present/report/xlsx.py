"""The report as a workbook (openpyxl): a formatted status sheet beside the readings.

The status sheet has one row per goal in the report's order, headers in the report's language, the
latest value and the target as numbers in the display unit (the unit in its own column) and the target as
the plan states it (a range, "about", a change from the baseline: the number alone would hide it), real date
cells, and the status cell filled with its status colour (the word stays in the cell, so the meaning
does not rest on colour). The readings sheet lists every revision of the report's indicators, in the
same units, with the readings recorded since the previous report marked. Text cells go through the
export's rules (monitor.files.export: a leading "=" is never a formula; characters a sheet cannot hold
are replaced).
"""

from __future__ import annotations

import io
from typing import Any

from monitor import clock

__all__ = ["STATUS_FILLS", "write_xlsx"]

# Status -> fill colour (ARGB without alpha): greens for done or on course, yellow to red as it worsens,
# greys where there is nothing to judge.
STATUS_FILLS: dict[str, str] = {
    "achieved": "C6EFCE",
    "met": "C6EFCE",
    "on_track": "E2EFDA",
    "needs_acceleration": "FFEB9C",
    "limited_progress": "F8CBAD",
    "deterioration": "FFC7CE",
    "not_met": "FF9999",
    "insufficient_data": "E7E6E6",
    "no_target": "F2F2F2",
}


def _text(value: Any) -> Any:
    from monitor.files.export import _xlsx_cell

    return _xlsx_cell(value)


def _wall(ts: Any) -> Any:
    """A stored UTC time as the workspace's wall-clock time: a sheet's cell holds no zone, and its
    reader reads it as local time (monitor.clock)."""
    shown = clock.local(ts)
    return shown.replace(tzinfo=None) if shown else None


def _number_format(value: Any) -> str:
    return "#,##0" if not isinstance(value, float) or value.is_integer() else "#,##0.00"


def write_xlsx(content: dict[str, Any]) -> bytes:
    """The report as .xlsx bytes."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = content["columns"]
    bold = Font(bold=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = content["sheet"]["status"]
    header = ["domain", "name", "status", "nature", "latest", "unit", "period_start", "period_end", "target",
              "target_stated", "deadline", "evidence", "office", "next_due", "days_overdue", "indicator_id"]
    sheet.append([columns[h] for h in header])
    for cell in sheet[1]:
        cell.font = bold
    for goal in content["goals"]:
        sheet.append([
            _text(goal["domain"]), _text(goal["name"]), goal["status"], goal["nature"] or None,
            goal["latest_value"], _text(goal["unit_shown"]), goal["period_start"], goal["period_end"],
            goal["target_value"], _text(goal["target"]), goal["deadline"], _text(goal["evidence"]), _text(goal["office"]),
            goal["next_due"], goal["days_overdue"] if goal["stale"] else None, _text(goal["indicator_id"]),
        ])
        row = sheet.max_row
        fill = STATUS_FILLS.get(goal["status_code"])
        if fill:
            sheet.cell(row, header.index("status") + 1).fill = PatternFill("solid", start_color=fill, end_color=fill)
        for name in ("latest", "target"):
            cell = sheet.cell(row, header.index(name) + 1)
            cell.number_format = _number_format(cell.value)
        for name in ("period_start", "period_end", "deadline", "next_due"):
            sheet.cell(row, header.index(name) + 1).number_format = "yyyy-mm-dd"
        sheet.cell(row, header.index("evidence") + 1).alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"domain": 14, "name": 30, "status": 12, "nature": 8, "latest": 14, "unit": 10, "period_start": 12,
              "period_end": 12, "target": 14, "target_stated": 24, "deadline": 12, "evidence": 50, "office": 20, "next_due": 12,
              "days_overdue": 10, "indicator_id": 24}
    for n, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = widths[name]
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions

    readings = workbook.create_sheet(content["sheet"]["readings"])
    header = ["indicator_id", "name", "period_start", "period_end", "value", "unit", "qualifier", "revision",
              "source", "recorded_at", "new"]
    readings.append([columns[h] for h in header])
    for cell in readings[1]:
        cell.font = bold
    for r in content["readings"]:
        readings.append([
            _text(r["indicator_id"]), _text(r["name"]), r["period_start"], r["period_end"], r["value"], _text(r["unit"]),
            r["qualifier"], r["revision"], _text(r["source"]), _wall(r["recorded_at"]), "✓" if r["new"] else None,
        ])
        row = readings.max_row
        readings.cell(row, 3).number_format = readings.cell(row, 4).number_format = "yyyy-mm-dd"
        readings.cell(row, 5).number_format = _number_format(r["value"])
        readings.cell(row, 10).number_format = "yyyy-mm-dd hh:mm"
    for n, width in enumerate((24, 30, 12, 12, 14, 10, 8, 6, 30, 17, 6), start=1):
        readings.column_dimensions[get_column_letter(n)].width = width
    readings.freeze_panes = "C2"
    readings.auto_filter.ref = readings.dimensions

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
