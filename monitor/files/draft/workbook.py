"""A draft as the catalogue template's workbook (monitor.files.catalog_xlsx), plus a 草稿 sheet.

Contract: ``write_draft(rows, source)`` returns xlsx bytes. The 指标 sheet is the template's, one row per
drafted statement: a target's figure fills 目标值/目标年份/目标形式, an actual's 基期值/基期年份 (with
the row's 单位 = the unit as stated, 万人次, so values read as printed), 原文 the sentence, 来源文件 the
document; the 来源文件, 领域 and 说明 sheets as in the template. After review (delete what is not wanted,
fix names and measures) `monitor catalog import` reads it like any filled template. The extra 草稿 (Draft)
sheet, which the import ignores, has the drafting evidence beside each row number: value in base units and
as stated, magnitude word, qualifier, period, target or actual, confidence and its reasons.

The 读数 (Readings) sheet holds one reading per actual figure (kind actual or both), in the readings-file
layout of `monitor import` (indicator_id, period_start, period_end, value in the base unit, qualifier, unit,
source = the document's id, note) plus the provenance a catalogue reading carries (quote = the sentence,
source_date, speaker, office) and the indicator's name for the reader. The 指标 sheet gives every row its
指标代码 (the id the template would make from the drafted name), so a name corrected on the 指标 sheet
keeps its readings. ``read_readings(path)`` reads the sheet back (through monitor.files.readers) for
monitor.files.draft.import_workbook.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from monitor.files.catalog_xlsx import (
    DOMAIN_COLUMNS,
    ROW_COLUMNS,
    SHEET_DOMAINS,
    SHEET_ROWS,
    SHEET_SOURCES,
    SOURCE_COLUMNS,
    _help_sheet,
    _sheet,
    generated_id,
)
from monitor.files.draft.extract import DraftRow
from monitor.model import DEFAULT_DOMAINS
from monitor.model.units import split_unit

SHEET_DRAFT = "草稿"
SHEET_READINGS = "读数"
READINGS_TITLES = (SHEET_READINGS, "readings")
# The readings-file columns (monitor.files.ingest.CANONICAL_COLUMNS) and the provenance ones, as headers.
READING_COLUMNS = (
    ("name", "指标名称 indicator (not read)", 24), ("indicator_id", "indicator_id", 14),
    ("period_start", "period_start", 11), ("period_end", "period_end", 11), ("value", "value", 14),
    ("qualifier", "qualifier", 10), ("unit", "unit", 8), ("source", "source", 16), ("note", "note", 16),
    ("quote", "quote", 60), ("source_date", "source_date", 11), ("speaker", "speaker", 8), ("office", "office", 14),
)
READING_KEYS = tuple(k for k, _, _ in READING_COLUMNS if k != "name")
QUALIFIER_ZH = {"exact": "准确", "approx": "约", "at_least": "以上（不低于）", "more_than": "余（多于）", "at_most": "以内（不超过）"}
KIND_ZH = {"actual": "实际", "target": "目标", "both": "实际，亦可作底线目标"}
DRAFT_COLUMNS = (
    ("no", "序号 No.", 6), ("kind", "类型 Kind", 10), ("name", "指标名称 Indicator", 24),
    ("value", "数值（基本单位） Value (base unit)", 14), ("unit", "基本单位 Base unit", 8),
    ("stated", "原文数值 As stated", 14), ("magnitude", "量级 Magnitude", 6), ("qualifier", "限定词 Qualifier", 12),
    ("period", "时期（原文） Period as stated", 14), ("period_start", "时期起 From", 11), ("period_end", "时期止 To", 11),
    ("deadline", "目标期限 Deadline", 18), ("form", "目标形式 Target form", 12), ("domain", "领域 Domain", 10),
    ("speaker", "发言人 Speaker", 8), ("office", "发布单位 Office", 14), ("confidence", "置信度 Confidence", 8),
    ("reasons", "理由 Reasons", 30), ("repeats", "出现次数 Times stated", 6), ("sentence", "原句 Sentence", 60),
)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# Forms judged against a baseline (monitor.files.catalog_xlsx.FORMS: a change or an average growth).
BASELINE_FORMS = ("降低%", "提高%", "提高(绝对值)", "降低(绝对值)", "翻番", "翻两番", "倍数", "年均增长", "年均下降")


def template_rows(rows: list[DraftRow], source_id: str, base_year: int | None = None) -> list[dict[str, Any]]:
    """The 指标 sheet's rows. ``base_year``: the 基期年份 of a change or an average growth the sentence gives
    none for (the year before the document's: "降低2.5%" in a 2026 report is against 2025), said in 说明."""
    domains = {d.id: d.name_zh for d in DEFAULT_DOMAINS}
    out: list[dict[str, Any]] = []
    described: set[str] = set()
    for n, row in enumerate(rows, 1):
        shown = _number(row.value / _factor(row))
        cells: dict[str, Any] = {
            "no": n, "id": indicator_id(row), "name_zh": row.name, "unit": _sheet_unit(row),
            "domain": domains.get(row.domain, domains["livelihood"] if not row.domain else row.domain),
            "measure": _measure(row), "quote": row.sentence, "source": source_id,
            "speaker": row.speaker or None, "office": row.office or None,
            "note": f"草稿 {n}：置信度 {row.confidence}" + (f"；{'；'.join(row.reasons)}" if row.reasons else ""),
        }
        if row.kind in ("target", "both"):
            cells["form"] = row.form or "达到"
            if row.form == "翻番":
                pass
            elif row.high is not None:
                cells["target_value"] = f"{shown}至{_number(row.high / _factor(row))}"
            else:
                cells["target_value"] = shown
            if row.deadline:
                a, b = row.deadline
                cells["target_year"] = a.isoformat() if a == b else f"{a.isoformat()}至{b.isoformat()}"
            if row.kind == "target" and row.deadline is None and not row.form.startswith(("每年", "持续", "年均")):
                cells["target_year"] = None
            if row.form in BASELINE_FORMS and base_year is not None:
                cells["baseline_year"] = base_year
                cells["note"] += f"；基期按文件日期的上一年（{base_year}年）"
        if row.kind == "actual":
            # The figure itself is a reading (the 读数 sheet): an indicator that has a row already needs no
            # other; the first says in 指标说明 where it was first read.
            if cells["id"] in described:
                continue
            cells["description"] = f"原文：{row.sentence}　{cells['note']}"
            for key in ("quote", "source", "speaker", "office", "note"):
                cells.pop(key, None)
        if cells["id"] in described:
            # A later row of an indicator leaves the indicator's cells to its first (a row under another
            # section may guess another domain or measure: the template refuses rows that disagree).
            for key in ("domain", "measure", "description"):
                cells.pop(key, None)
        described.add(cells["id"])
        out.append({k: v for k, v in cells.items() if v is not None})
    return out


def indicator_id(row: DraftRow) -> str:
    """The indicator's id: what the template makes of a row without one (monitor.files.catalog_xlsx)."""
    return generated_id(row.name, None)


def reading_rows(rows: list[DraftRow], source: dict[str, Any]) -> list[dict[str, Any]]:
    """One reading per actual figure (kind actual or both): base value and unit, period, qualifier, the
    document as source and the sentence as quote. A stock stated at a day ("截至6月底") starts that day."""
    out = []
    for n, row in enumerate(rows, 1):
        if row.kind not in ("actual", "both") or row.period_end is None:
            continue
        # In the indicator's base unit, as the template makes it from the 单位 written (万人次 -> 人次;
        # 个百分点 stays itself, which the drafted base unit 百分点 would not convert to).
        factor, base = split_unit(_sheet_unit(row))
        value = row.value if base == row.unit else row.value / _factor(row) * factor
        out.append({
            "no": n, "name": row.name, "indicator_id": indicator_id(row), "period_start": row.period_start or row.period_end,
            "period_end": row.period_end, "value": _number(value), "qualifier": row.qualifier, "unit": base,
            "source": str(source["id"]), "quote": row.sentence, "source_date": source.get("date"),
            "speaker": row.speaker or None, "office": row.office or None,
        })
    return out


def read_readings(path: Path) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """The 读数 sheet of a (reviewed) draft workbook: its name for problems ("draft.xlsx, sheet 读数") and
    (spreadsheet row, cells by READING_KEYS) pairs, read by monitor.files.readers; no sheet: no rows.
    A header cell counts by its first word, so "indicator_id" and "indicator_id 指标代码" both do."""
    from monitor.files.readers import read_xlsx_sheets

    sheets = read_xlsx_sheets(path, lambda title: title.strip().lower() in READINGS_TITLES)
    if not sheets:
        return f"{path.name}, sheet {SHEET_READINGS}", []
    title, sheet = next(iter(sheets.items()))
    keys = [str(h or "").strip().split(" ")[0].lower() for h in sheet.header]
    rows = []
    for number, cells in sheet.rows:
        rows.append((number, {k: cells[i] for i, k in enumerate(keys) if k in READING_KEYS and i < len(cells)}))
    return f"{path.name}, sheet {title}", rows


def _sheet_unit(row: DraftRow) -> str:
    """The 单位 of a row's 指标 sheet line: the unit as stated (万人次), a factor as 倍."""
    return row.display_unit if row.unit != "倍" else "倍"


def _factor(row: DraftRow) -> float:
    if row.magnitude == "万亿":
        return 1e12
    return {"万": 1e4, "亿": 1e8, "千万": 1e7, "百万": 1e6}.get(row.magnitude, 1.0)


def _measure(row: DraftRow) -> str:
    if row.unit == "%" and "增长" in row.name or row.unit == "百分点":
        return "同比增速"
    if row.unit == "%":
        return "比率"
    if row.period_start is not None and row.period_end is not None and row.period_start != row.period_end:
        return "流量"
    return "存量"


def draft_sheet_rows(rows: list[DraftRow]) -> list[dict[str, Any]]:
    out = []
    for n, row in enumerate(rows, 1):
        out.append({
            "no": n, "kind": KIND_ZH[row.kind], "name": row.name, "value": _number(row.value), "unit": row.unit,
            "stated": row.stated, "magnitude": row.magnitude, "qualifier": QUALIFIER_ZH[row.qualifier],
            "period": row.period_text, "period_start": row.period_start, "period_end": row.period_end,
            "deadline": (f"{row.deadline[0].isoformat()}至{row.deadline[1].isoformat()}" if row.deadline and row.deadline[0] != row.deadline[1]
                         else row.deadline[0].isoformat() if row.deadline else None),
            "form": row.form, "domain": row.domain, "speaker": row.speaker, "office": row.office,
            "confidence": row.confidence, "reasons": "；".join(row.reasons), "repeats": row.repeats,
            "sentence": row.sentence,
        })
    return out


def base_year(source: dict[str, Any]) -> int | None:
    """The 基期年份 of changes the text gives no baseline for: the year before the document's date."""
    day = source.get("date")
    return day.year - 1 if isinstance(day, date) else None


def write_draft(rows: list[DraftRow], source: dict[str, Any]) -> bytes:
    """The workbook: 说明, 指标 (template rows), 领域, 来源文件, 读数 and 草稿."""
    import openpyxl

    from monitor.files.catalog_xlsx import Column

    workbook = openpyxl.Workbook()
    _help_sheet(workbook, list(DEFAULT_DOMAINS))
    _sheet(workbook, SHEET_ROWS, ROW_COLUMNS, template_rows(rows, str(source["id"]), base_year(source)))
    _sheet(workbook, SHEET_DOMAINS, DOMAIN_COLUMNS,
           [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in DEFAULT_DOMAINS])
    _sheet(workbook, SHEET_SOURCES, SOURCE_COLUMNS, [source])
    columns = [Column(key, header, "", "", "", width) for key, header, width in DRAFT_COLUMNS]
    readings = [Column(key, header, "", "", "", width) for key, header, width in READING_COLUMNS]
    ws = _sheet(workbook, SHEET_READINGS, readings, reading_rows(rows, source))
    for n, (_, header, _) in enumerate(READING_COLUMNS, 1):
        ws.cell(row=1, column=n, value=header)
    ws = _sheet(workbook, SHEET_DRAFT, columns, draft_sheet_rows(rows))
    for n, (_, header, _) in enumerate(DRAFT_COLUMNS, 1):
        ws.cell(row=1, column=n, value=header)
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["DRAFT_COLUMNS", "READING_COLUMNS", "SHEET_DRAFT", "SHEET_READINGS", "base_year", "draft_sheet_rows",
           "indicator_id", "read_readings", "reading_rows", "template_rows", "write_draft"]
