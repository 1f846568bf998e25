"""A draft as the catalogue template's workbook (monitor.files.catalog_xlsx), plus a 草稿 sheet.

Contract: ``write_draft(rows, source)`` returns xlsx bytes. The 指标 sheet is the template's, one row per
drafted statement: a target's figure fills 目标值/目标年份/目标形式, an actual's 基期值/基期年份 (with
the row's 单位 = the unit as stated, 万人次, so values read as printed), 原文 the sentence, 来源文件 the
document; the 来源文件, 领域 and 说明 sheets as in the template. After review (delete what is not wanted,
fix names and measures) `monitor catalog import` reads it like any filled template. The extra 草稿 (Draft)
sheet, which the import ignores, has the drafting evidence beside each row number: value in base units and
as stated, magnitude word, qualifier, period, target or actual, confidence and its reasons.
"""

from __future__ import annotations

import io
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
)
from monitor.files.draft.extract import DraftRow
from monitor.model import DEFAULT_DOMAINS

SHEET_DRAFT = "草稿"
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


def template_rows(rows: list[DraftRow], source_id: str) -> list[dict[str, Any]]:
    domains = {d.id: d.name_zh for d in DEFAULT_DOMAINS}
    out: list[dict[str, Any]] = []
    for n, row in enumerate(rows, 1):
        shown = _number(row.value / _factor(row))
        cells: dict[str, Any] = {
            "no": n, "name_zh": row.name, "unit": row.display_unit if row.unit != "倍" else "倍",
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
        if row.kind in ("actual", "both"):
            # Readings are not part of the template (quote, note, speaker and target cells go with a target
            # only): the actual figure and its sentence are said in 指标说明 and imported as a reading later.
            since = f"{row.period_start.isoformat()}至" if row.period_start else ""
            until = row.period_end.isoformat() if row.period_end else ""
            cells["description"] = f"实际 {row.stated}（{since}{until}）。原文：{row.sentence}　{cells['note']}"
        if row.kind == "actual":
            for key in ("quote", "source", "speaker", "office", "note"):
                cells.pop(key, None)
        out.append({k: v for k, v in cells.items() if v is not None})
    return out


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


def write_draft(rows: list[DraftRow], source: dict[str, Any]) -> bytes:
    """The workbook: 说明, 指标 (template rows), 领域, 来源文件 and 草稿."""
    import openpyxl

    from monitor.files.catalog_xlsx import Column

    workbook = openpyxl.Workbook()
    _help_sheet(workbook, list(DEFAULT_DOMAINS))
    _sheet(workbook, SHEET_ROWS, ROW_COLUMNS, template_rows(rows, str(source["id"])))
    _sheet(workbook, SHEET_DOMAINS, DOMAIN_COLUMNS,
           [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in DEFAULT_DOMAINS])
    _sheet(workbook, SHEET_SOURCES, SOURCE_COLUMNS, [source])
    columns = [Column(key, header, "", "", "", width) for key, header, width in DRAFT_COLUMNS]
    ws = _sheet(workbook, SHEET_DRAFT, columns, draft_sheet_rows(rows))
    for n, (_, header, _) in enumerate(DRAFT_COLUMNS, 1):
        ws.cell(row=1, column=n, value=header)
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["DRAFT_COLUMNS", "SHEET_DRAFT", "draft_sheet_rows", "template_rows", "write_draft"]
