"""Why an input is rejected: one table of problem messages, in English and Chinese.

A ``monitor.errors.Problem`` carries a code (a key of ``PROBLEMS``, such as "problem.too_large") and its
parameters (plain values: numbers, text, units, dates as ISO text, or a nested problem as
{"code": ..., "params": ...}). ``render(code, params, "en")`` is the English a problem prints in the CLI,
logs and run reports; ``monitor.present.i18n`` merges this table into its MESSAGES and renders the same
code and parameters in the reader's language, with numbers and units formatted for it. Nothing turns
English back into codes.

Parameters with a meaning beyond their text:

- ``bound`` (with ``unit``): a plausible bound in base units; English shows ``f"{bound!r} {unit}"``,
  the screens ``format_quantity``;
- ``unit`` of "problem.not_whole": a base unit; the English screen shows its English label;
- a dict with a "code": a nested problem, rendered in the same language.

Both entry paths build the same parameters: ``monitor.model.validate`` in Python, and the bulk SQL pass
of ``monitor.files.ingest`` as JSON text (``tests/test_validate.py`` checks they agree). Pure standard
library: the bottom layer, imported by ``monitor.errors``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

OTHER = "problem.other"

# code -> {"zh": template, "en": template}. The English is what every problem printed before codes
# existed: tests and users' scripts match it, so it changes only on purpose.
PROBLEMS: dict[str, dict[str, str]] = {
    # ---- The rules on a reading (monitor.model.validate and the bulk SQL pass).
    "problem.required": {"zh": "必须填写", "en": "is required"},
    "problem.unknown_indicator": {"zh": "未知的指标编号", "en": "unknown indicator (see `monitor indicators`)"},
    "problem.not_a_number": {"zh": "不是可识别的数字", "en": "is not a number"},
    "problem.not_a_date": {"zh": "不是有效日期（请用 YYYY-MM-DD）", "en": "is not a date (use YYYY-MM-DD)"},
    "problem.start_required": {
        "zh": "此指标（{measure}，{frequency}）须填写起始日期（截止日期不是月末时无法推断期间）",
        "en": "is required for this indicator ({measure}, {frequency}) unless period_end is a month end",
    },
    "problem.before_start": {"zh": "早于起始日期 {date}", "en": "is before period_start {date}"},
    "problem.future": {"zh": "是将来的日期（晚于 {date}）", "en": "is in the future (after {date})"},
    "problem.unit": {
        "zh": "单位“{unit}”无法换算为此指标的单位 {display}（{base}）：{detail}",
        "en": "unit '{unit}' cannot be converted to {display} ({base}): {detail}",
    },
    "problem.units_differ": {
        "zh": "无法将 {unit} 换算为 {target}：基本单位不同（{unit_root} 与 {target_root}）",
        "en": "cannot convert {unit} to {target}: different base units ({unit_root} vs {target_root})",
    },
    "problem.magnitude_twice": {
        "zh": "数值含有量词（万、亿、千），单位 {unit} 也含有量词：请只写一次",
        "en": "has a magnitude word (万, 亿, 千) and the unit {unit} has one too; give it once",
    },
    "problem.qualifier": {
        "zh": "未知的限定词；可用：确数、约、以上、余、以下",
        "en": "unknown qualifier; use exact, approx, at_least, more_than or at_most",
    },
    "problem.too_large": {
        "zh": "数值过大：本系统保存的数值绝对值不超过 10^18（请检查单位和“万”“亿”等量词）",
        "en": "is too large: figures are kept up to 1e+18 in size (check the unit and any magnitude word)",
    },
    "problem.not_finite": {"zh": "不是有限的数值", "en": "is not a finite number"},
    "problem.below_min": {"zh": "低于合理下限 {bound}", "en": "is below the plausible minimum {bound}"},
    "problem.above_max": {"zh": "高于合理上限 {bound}", "en": "is above the plausible maximum {bound}"},
    "problem.not_whole": {
        "zh": "不是整数：以“{unit}”计的数量和名次只能是整数",
        "en": "is not a whole number: {unit} counts whole units (counts and ranks take whole numbers only)",
    },
    "problem.share_fraction": {
        "zh": "百分比不大于 1：如果这是小数形式（如 0.931 表示 93.1%），请乘以 100 后填写；如果确为 {text}%，请带百分号填写“{text}%”",
        "en": "is at most 1 for a share in %: if it is a fraction, give it in percent (multiplied by 100); "
              "if it is {text} %, write {text}%",
    },
    "problem.control": {
        "zh": "含有控制字符 {char}（终端转义或文字方向控制符），不允许填写；请删除",
        "en": "contains the control character {char}, which is not allowed here; remove it",
    },
    "problem.conflict": {
        "zh": "与第 {row} 行冲突（同一指标同一期间，数值不同）",
        "en": "conflicts with row {row} (same indicator and period, other value)",
    },
    "problem.duplicate": {"zh": "与第 {row} 行重复", "en": "duplicates row {row}"},
    # ---- Numbers as written (monitor.model.units.parse_number). {text} is the cell, quoted.
    "problem.empty_value": {"zh": "为空", "en": "empty value"},
    "problem.space_in_number": {
        "zh": "数字 {text} 中有空格；请写 23000 或 23,000",
        "en": "space inside a number in {text}: write 23000 or 23,000",
    },
    "problem.not_finite_text": {"zh": "不是有限的数值：{text}", "en": "not a finite number: {text}"},
    "problem.no_number": {"zh": "不是可识别的数字：{text} 中没有数字", "en": "no number found in {text}"},
    "problem.not_a_number_text": {"zh": "不是可识别的数字：{text}", "en": "not a number: {text}"},
    "problem.number_too_large": {"zh": "数值过大：{text}", "en": "number too large: {text}"},
    "problem.qualifiers": {
        "zh": "{text} 含有多个限定词（{words}）",
        "en": "more than one qualifier ({words}) in {text}",
    },
    "problem.malformed": {
        "zh": "数字格式有误：{text} 中 {digits} 之后是 {rest}",
        "en": "malformed number {text}: unexpected {rest} after {digits}",
    },
    "problem.magnitude_percent": {
        "zh": "数字格式有误：量词后不能跟百分号：{text}",
        "en": "a magnitude word before a percent sign makes no sense: {text}",
    },
    "problem.trailing_text": {
        "zh": "数字后有无法识别的文字 {unit}：{text}",
        "en": "unexpected text {unit} after the number in {text}",
    },
    # ---- Dates as written (monitor.model.periods.parse_date).
    "problem.date_year": {
        "zh": "日期 {text} 无效：年份 {year} 不在 1..9999 之间",
        "en": "invalid date {text}: year {year} is not in 1..9999",
    },
    "problem.date_month": {
        "zh": "日期 {text} 无效：月份 {month} 不在 1..12 之间",
        "en": "invalid date {text}: month {month} is not in 1..12",
    },
    "problem.date_day": {
        "zh": "日期 {text} 无效：{year_month} 的日 {day} 不在 1..{last} 之间",
        "en": "invalid date {text}: day {day} is not in 1..{last} for {year_month}",
    },
    "problem.month_name": {
        "zh": "无法读取 {text}：{name} 不是月份名称",
        "en": "cannot read {text}: {name} is not a month name",
    },
    "problem.date_unreadable": {
        "zh": "无法将 {text} 读取为日期（请用 YYYY-MM-DD，如 2025-06-30、2025/6/30 或 2025年6月30日）",
        "en": "cannot read {text} as a date: expected e.g. 2025-06-30, 2025/6/30 or 2025年6月30日",
    },
    # ---- The header of a reading file (monitor.files.ingest).
    "problem.header_blank": {
        "zh": "第一行为空：第一行必须是表头（indicator_id、period_end、value 等）",
        "en": "is blank: the first row must be the header (indicator_id, period_end, value, …)",
    },
    "problem.header_blank_sheet": {
        "zh": "第一行为空：第一个工作表的第一行必须是表头（indicator_id、period_end、value 等）",
        "en": "is blank: the first row of the first sheet must be the header (indicator_id, period_end, value, …)",
    },
    "problem.header_unnamed": {
        "zh": "表头第 {columns} 列没有名称：请为其命名或删除该列",
        "en": "the header has no name in column {columns}: name it or delete that column",
    },
    "problem.header_unnamed_many": {
        "zh": "表头第 {columns} 列没有名称：请为其命名或删除这些列",
        "en": "the header has no name in columns {columns}: name them or delete those columns",
    },
    "problem.unknown_column": {
        "zh": "未知的列；应为 {expected}",
        "en": "unknown column; expected {expected}",
    },
    "problem.column_twice": {"zh": "列重复出现", "en": "column appears twice"},
    "problem.column_missing": {"zh": "缺少必需的列", "en": "required column is missing"},
    "problem.no_rows": {"zh": "只有表头，没有数据行", "en": "has a header but no data rows"},
    "problem.file_type": {
        "zh": "不支持的文件类型“{suffix}”；请用 .csv、.xlsx、.parquet 或 .json",
        "en": "unsupported file type '{suffix}'; use .csv, .xlsx, .parquet or .json",
    },
    "problem.file_name": {"zh": "文件名{reason}", "en": "the file name {reason}"},
    "problem.field_count": {
        "zh": "有 {found} 个字段，表头只有 {expected} 个",
        "en": "has {found} fields; the header has {expected}",
    },
    "problem.unreadable": {"zh": "无法读取为 {kind} 文件：{detail}", "en": "cannot be read as {kind}: {detail}"},
    "problem.nested_column": {
        "zh": "该列是 {kind} 类型（列表或记录），不是单个值：每个单元格应为一个数字、日期或文本",
        "en": "holds {kind} values (lists or records), not single values: each cell must be one number, date or text",
    },
    "problem.blob_column": {"zh": "该列是二进制数据（BLOB），不是文本", "en": "holds binary data (BLOB), not text"},
    "problem.number_column": {
        "zh": "是数字列（{kind}）而不是日期：请存为日期，或写成文本如 2024-10-31（作为数字，2024.10 就是 2024.1，会读成1月）",
        "en": "is a column of numbers ({kind}), not dates: store it as a date or as text such as 2024-10-31 "
              "(as a number, 2024.10 is 2024.1, January)",
    },
    # ---- Files that cannot be read as sent (monitor.files.readers).
    "problem.file_not_found": {"zh": "找不到文件", "en": "file not found"},
    "problem.cannot_open": {"zh": "无法打开：{detail}", "en": "cannot be opened: {detail}"},
    "problem.folder": {"zh": "是文件夹，不是文件", "en": "is a folder, not a file"},
    "problem.not_regular": {
        "zh": "不是普通文件（是 {kind}）；请把数据保存为文件后再导入",
        "en": "is not a regular file but {kind}; save the readings to a file and read that",
    },
    "problem.file_empty": {"zh": "文件为空", "en": "is empty"},
    "problem.nul_byte": {
        "zh": "含有 NUL 字节：这是二进制文件或 UTF-16 文件，不是 CSV 文本",
        "en": "contains a NUL byte: this is a binary or UTF-16 file, not CSV text",
    },
    "problem.line_too_long": {
        "zh": "行过长：超过 {mb} MB 没有换行（一行数据通常只有几百字节）",
        "en": "line too long: more than {mb} MB without a line break (a reading row is a few hundred bytes)",
    },
    "problem.document_type": {
        "zh": "不支持的文件类型“{suffix}”；请用 .txt（UTF-8 或 GB18030）、.docx 或 .pdf",
        "en": "unsupported file type '{suffix}'; use .txt (UTF-8 or GB18030), .docx or .pdf",
    },
    "problem.pdf_no_text": {
        "zh": "PDF 没有文字层（可能是扫描件）；请先做文字识别（OCR）",
        "en": "the PDF has no text layer (a scan?); run OCR on it first",
    },
    "problem.encoding": {"zh": "不是 UTF-8 或 GB18030/GBK 编码的文本", "en": "is neither UTF-8 nor GB18030/GBK text"},
    "problem.mixed_encoding": {
        "zh": "混用了多种编码：第 {utf8_row} 行是 UTF-8，第 {other_row} 行不是；请将整个文件存为同一种编码（UTF-8）",
        "en": "mixes encodings: row {utf8_row} is UTF-8 but row {other_row} is not (GBK/GB18030?); "
              "save the whole file in one encoding (UTF-8)",
    },
    "problem.quote_overlong": {
        "zh": "引号内的单元格超过 {mb} MB：可能缺少右引号，或单元格过长（一行数据通常只有几百字节）",
        "en": "a quoted cell runs on for more than {mb} MB: a closing quote is missing, or the cell is far too "
              "long (a reading row is a few hundred bytes)",
    },
    "problem.quote_unclosed": {
        "zh": "本行打开的引号没有闭合（缺少右引号 \"）",
        "en": "a quote opened in this row is never closed (a closing \" is missing)",
    },
    "problem.encrypted": {
        "zh": "设有密码（已加密）：请在 Excel 中取消密码后重新保存",
        "en": "is password-protected (encrypted): remove the password in Excel and save it again",
    },
    "problem.old_xls": {
        "zh": "是旧版 Excel .xls 文件：请另存为 .xlsx",
        "en": "is an old Excel .xls file, not .xlsx: save it again as .xlsx (Excel Workbook)",
    },
    "problem.xlsx_unreadable": {
        "zh": "无法读取为 XLSX 工作簿：{detail}",
        "en": "cannot be read as an XLSX workbook: {detail}",
    },
    "problem.unpacks_to": {
        "zh": "文件过大：解压后为 {size}，超过读数工作簿的上限 {limit}（可能是压缩炸弹）；请拆分文件或改用 CSV",
        "en": "unpacks to {size}, more than the {limit} a workbook of readings may have (a zip bomb?); "
              "split it or send CSV",
    },
    "problem.unpacks_past": {
        "zh": "文件过大：解压后超过读数工作簿的上限 {limit}（各部分比声明的更大，可能是压缩炸弹）",
        "en": "unpacks to more than the {limit} a workbook of readings may have (its parts are larger than they "
              "declare: a zip bomb?)",
    },
    "problem.too_many_cells": {
        "zh": "有超过 {cells} 个已填单元格；读数文件远小于此：请拆分文件或改用 CSV",
        "en": "has more than {cells} filled cells; a reading file is far smaller: split it, or send CSV",
    },
    "problem.no_worksheet": {"zh": "没有工作表（只有图表页？）", "en": "has no worksheet (only chart sheets?)"},
    "problem.sheet_empty": {"zh": "文件为空：第一个工作表没有表头行", "en": "is empty: the first sheet has no header row"},
    "problem.no_header_above": {
        "zh": "该值所在的列没有表头（表头到 {last} 列为止）：请为该列命名或删除该值",
        "en": "is a value under no header (the header ends at column {last}): name the column or delete the value",
    },
    "problem.json_too_large": {
        "zh": "文件为 {size}，超过 JSON 文件的上限 {limit}（需整体读入）：大文件请用 CSV 或 Parquet",
        "en": "is {size}, more than the {limit} a JSON file may have (it is read whole): send large files as CSV "
              "or Parquet",
    },
    "problem.json_invalid": {"zh": "不是有效的 JSON：{detail}", "en": "is not valid JSON: {detail}"},
    "problem.json_not_utf8": {
        "zh": "不是有效的 JSON：不是 UTF-8 文本（第 {line} 行有非 UTF-8 字节）；请存为 UTF-8",
        "en": "is not valid JSON: it is not UTF-8 text (line {line} has bytes that are not UTF-8); save it as UTF-8",
    },
    "problem.json_utf16": {
        "zh": "不是有效的 JSON：这是 UTF-16 或 UTF-32 文本；请存为 UTF-8",
        "en": "is not valid JSON: it is UTF-16 or UTF-32 text; save it as UTF-8",
    },
    "problem.json_syntax": {
        "zh": "不是有效的 JSON：第 {line} 行第 {col} 列：{detail}",
        "en": "is not valid JSON: {detail} at line {line}, column {col}",
    },
    "problem.json_deep": {"zh": "不是有效的 JSON：嵌套过深", "en": "is not valid JSON: nested too deeply"},
    "problem.cell_bool": {
        "zh": "是真/假值，不是此列可以填写的值",
        "en": "is true/false, not a value this column can hold",
    },
    "problem.cell_object": {
        "zh": "是对象（一组字段），不是单个值；单元格应为文本、数字或日期",
        "en": "is an object (a group of fields), not a single value; a cell holds text, a number or a date",
    },
    "problem.cell_list": {
        "zh": "是列表，不是单个值；单元格应为文本、数字或日期",
        "en": "is a list, not a single value; a cell holds text, a number or a date",
    },
    "problem.number_as_date": {
        "zh": "是数字而不是日期：请把单元格设为日期格式，或写成文本如 2024-10-31 或 2024年10月（作为数字，2024.10 就是 2024.1，会读成1月）",
        "en": "is a number, not a date: format the cell as a date or write it as text such as 2024-10-31 or "
              "2024年10月 (as a number, 2024.10 is 2024.1, January)",
    },
    # ---- JSON documents of readings (monitor.files.ingest, monitor.services.refresh.parse).
    "problem.readings_twice": {
        "zh": "在文档中出现了两次：应取哪一个列表？",
        "en": "appears twice in the document: which list is meant?",
    },
    "problem.not_a_list": {
        "zh": "应为读数对象的列表，或含“readings”列表的对象",
        "en": "must be a list of reading objects or an object with a 'readings' list",
    },
    "problem.no_readings": {"zh": "没有任何读数（列表为空）", "en": "has no readings: the list is empty"},
    "problem.not_object": {
        "zh": "不是对象：每条读数应是含 indicator_id、period_end、value 等字段的对象",
        "en": "is not an object: each reading is an object such as "
              '{{"indicator_id": …, "period_end": …, "value": …}}',
    },
    "problem.not_object_in": {
        "zh": "不是对象：{where} 应为对象的列表",
        "en": "is not an object: {where} must be a list of objects",
    },
    "problem.key_twice": {
        "zh": "在同一条记录中出现了两次：应取哪一个？",
        "en": "appears twice in this reading: which value is meant?",
    },
    "problem.key_twice_on_path": {
        "zh": "通往“{records}”的路径上“{part}”出现了两次：应取哪一个？",
        "en": "has '{part}' twice on the way to '{records}': which one is meant?",
    },
    "problem.no_path": {
        "zh": "没有“{records}”（在“{part}”处中断）",
        "en": "has no '{records}' (stopped at '{part}')",
    },
    "problem.readings_key_twice": {
        "zh": "“readings”出现了两次：应取哪一个列表？",
        "en": "has 'readings' twice: which list is meant?",
    },
    "problem.list_of_objects": {"zh": "{where} 应为对象的列表", "en": "{where} must be a list of objects"},
    # ---- The catalogue spreadsheet (monitor.files.catalog_xlsx; helper xlsx): sheet, row and column in the source.
    "problem.xlsx_no_sheet": {
        "zh": "没有“{sheet}”工作表：请使用 monitor catalog template 生成的模板",
        "en": "has no sheet '{sheet}': fill the workbook `monitor catalog template` writes",
    },
    "problem.xlsx_no_rows": {"zh": "没有填写任何指标", "en": "has no indicator rows"},
    "problem.xlsx_header": {
        "zh": "不是本模板的列名（各列见“{help}”工作表）：请改正或删除该列",
        "en": "is not a column of the template (the columns are listed on sheet '{help}'): rename or delete it",
    },
    "problem.xlsx_header_twice": {"zh": "与“{first}”是同一列，出现了两次", "en": "is the same column as '{first}', given twice"},
    "problem.xlsx_one_row": {"zh": "此工作表只填一行", "en": "this sheet takes one row only"},
    "problem.xlsx_year": {
        "zh": "不是年份或日期（可写 2020、2025-06-30、2025年6月）",
        "en": "is not a year or a date (write 2020, 2025-06-30 or 2025年6月)",
    },
    "problem.xlsx_figure": {
        "zh": "不是数字：{detail}（目标必须是数字；没有量化目标的指标请将目标值和目标形式留空）",
        "en": "is not a figure: {detail} (a target is a number; leave 目标值 and 目标形式 empty for an indicator "
              "without a quantified target)",
    },
    "problem.xlsx_percent": {"zh": "应为百分数（如 13.5 或 13.5%）", "en": "must be a percent (13.5 or 13.5%)"},
    "problem.xlsx_differs": {
        "zh": "与同一指标第 {first_row} 行的“{first}”不一致：同一指标各行的指标列须相同（或留空）",
        "en": "differs from '{first}' on row {first_row} of the same indicator: its rows must agree (or leave it empty)",
    },
    "problem.xlsx_domain": {
        "zh": "不是已登记的领域（可选：{allowed}；新领域请在“领域”工作表中添加）",
        "en": "is not a declared domain (one of {allowed}; add new ones on the 领域 sheet)",
    },
    "problem.xlsx_bare_magnitude": {
        "zh": "只有量词没有单位：请写完整单位，如 万人、亿元",
        "en": "is a magnitude word without a unit: write the whole unit (万人, 亿元)",
    },
    "problem.xlsx_baseline_alone": {
        "zh": "基期值只随目标一起保存：请填写目标值和目标形式，或清空基期年份和基期值",
        "en": "a baseline is kept with a target only: fill 目标值 and 目标形式, or clear the baseline cells",
    },
    "problem.xlsx_target_needed": {
        "zh": "只在有目标（目标值或目标形式）时填写；没有目标时请清空",
        "en": "is kept with a target only (目标值 or 目标形式): fill the target, or clear this cell",
    },
    "problem.xlsx_factor": {
        "zh": "“{label}”即为 {factor} 倍：目标值留空，或改用“倍数”",
        "en": "'{label}' is {factor} times already: leave the target empty, or use 倍数",
    },
    "problem.xlsx_range": {
        "zh": "区间目标应写作“下限至上限”，如 4.5至5",
        "en": "a range is written low至high, such as 4.5至5",
    },
    "problem.xlsx_sign": {
        "zh": "“{label}”已表示减少：请填正数",
        "en": "'{label}' already says it goes down: give a positive figure",
    },
    "problem.xlsx_not_whole": {
        "zh": "{detail}；如果这是每万人、每千人等的比率（如每千人口医师数），请把单位写成比率，如“{unit}/千人”",
        "en": "{detail}; if it is a rate per thousand or per 10,000 people, write the unit as a rate, such as "
              "{unit}/千人",
    },
    "problem.xlsx_bracket": {
        "zh": "方括号中的数字在规划表中表示规划期内的累计变化：请选择目标形式“降低%”“提高%”“提高(绝对值)”等",
        "en": "a bracketed figure is a plan table's change over the plan period: choose a change form "
              "(降低%, 提高%, 提高(绝对值), …)",
    },
    "problem.xlsx_source_quote": {
        "zh": "来源文件须与“原文”一起填写：请在“原文”列照录目标所在的句子或表格行",
        "en": "a source document is kept with its quote: copy the sentence or table line of the target into 原文",
    },
    # ---- The catalogue of indicators and targets (monitor.files.catalog): {where} paths are in the column.
    "problem.must_be_text": {"zh": "应为文本", "en": "must be text"},
    "problem.must_be_number": {"zh": "应为以基本单位计的数字", "en": "must be a number in base units"},
    "problem.must_be_finite": {"zh": "应为有限的数字", "en": "must be a finite number"},
    "problem.must_be_date": {"zh": "应为日期 YYYY-MM-DD", "en": "must be a date YYYY-MM-DD"},
    "problem.one_of": {"zh": "应为以下之一：{allowed}", "en": "must be one of {allowed}"},
    "problem.not_utf8": {"zh": "不是 UTF-8 文本", "en": "is not UTF-8 text"},
    "problem.yaml_invalid": {"zh": "不是有效的 YAML：{detail}", "en": "is not valid YAML: {detail}"},
    "problem.indicator_list": {"zh": "应为指标条目的列表", "en": "must be a list of indicator entries"},
    "problem.source_mapping": {
        "zh": "应为映射 {{id: ..., title: ..., date: ...}}",
        "en": "must be a mapping {{id: ..., title: ..., date: ...}}",
    },
    "problem.mapping": {"zh": "应为映射（键: 值）", "en": "must be a mapping"},
    "problem.entry_list": {"zh": "应为条目的列表（不为空）", "en": "must be a non-empty list of entries"},
    "problem.slug": {
        "zh": "应由小写字母、数字和“-”组成",
        "en": "must be a slug of lower-case letters, digits and '-'",
    },
    "problem.used_twice": {"zh": "被使用了两次", "en": "is used twice"},
    "problem.bounds_form": {
        "zh": "应为 [下限, 上限]，开放的一端写 null",
        "en": "must be [min, max] with null for an open end",
    },
    "problem.bounds_order": {"zh": "下限大于上限", "en": "min is greater than max"},
    "problem.lag_days": {"zh": "应为不小于 0 的整天数", "en": "must be a whole number of days >= 0"},
    "problem.cannot_read": {"zh": "无法读取：{detail}", "en": "cannot be read: {detail}"},
    "problem.redefined": {
        "zh": "已存有 {readings} 条数据，按“{before}”记录；改为“{after}”会让每个已存数值改变含义。"
              "请新建一个指标，或确认已存数值在新定义下同样正确后加 --redefine 重新导入",
        "en": "changes from '{before}' to '{after}' while {readings} reading(s) are stored as '{before}': every "
              "stored value would change its meaning. Add a new indicator instead, or import again with --redefine "
              "if the stored values are right as '{after}'",
    },
    "problem.display_unit": {
        "zh": "无法换算为单位“{unit}”：{detail}",
        "en": "cannot be converted to unit '{unit}': {detail}",
    },
    "problem.catalog_below_min": {
        "zh": "低于该指标的合理下限 {limit}",
        "en": "is below the indicator's plausible minimum {limit}",
    },
    "problem.catalog_above_max": {
        "zh": "高于该指标的合理上限 {limit}",
        "en": "is above the indicator's plausible maximum {limit}",
    },
    "problem.baseline_form": {"zh": "应为 {{value: ..., date: ...}}", "en": "must be {{value: ..., date: ...}}"},
    "problem.baseline_both": {"zh": "需要同时填写数值和日期", "en": "needs both value and date"},
    "problem.deadline_order": {"zh": "最早日期晚于最晚日期", "en": "earliest is after latest"},
    "problem.deadline_needed": {"zh": "达到型目标需要截止日期", "en": "a reach target needs a deadline"},
    "problem.deadline_unwanted": {"zh": "阈值型目标没有截止时间窗", "en": "a threshold target has no deadline window"},
    "problem.deadline_after_baseline": {"zh": "应晚于基线日期", "en": "must be after the baseline date"},
    # ---- Target forms (docs/catalog.md, "Target forms"; helper forms).
    "problem.key_unwanted": {"zh": "类型为 {kind} 的目标不使用此项", "en": "is not used by a target of kind {kind}"},
    "problem.range_order": {"zh": "下限 low 高于上限 high", "en": "low is above high"},
    # ---- A drafted row's edits (monitor.files.draft.review).
    "problem.range_not_target": {
        "zh": "只有目标可以写区间；实际数值只能是一个数",
        "en": "only a target may be a range; an actual figure is one number",
    },
    "problem.percent_unit": {
        "zh": "单位是 {unit}，不是 %：去掉 % 或把单位改为 %",
        "en": "the unit is {unit}, not %: drop the % or change the unit to %",
    },
    "problem.not_on_indicator_sheet": {
        "zh": "读数表的这一行所写的指标不在“指标”表上：一并删除此行或改为新的指标代码",
        "en": "this 读数 row names an indicator that is not on the 指标 sheet: delete it or rename it too",
    },
    "problem.placeholder_name": {
        "zh": "未识别出指标名称：请填写名称",
        "en": "no indicator name was recognised: give it a name",
    },
    "problem.not_negative": {"zh": "不能为负数", "en": "must be 0 or more"},
    "problem.change_form": {
        "zh": "应为 {{relative: 百分比}}、{{factor: 倍数}} 或 {{absolute: 变化量}} 之一",
        "en": "must be one of {{relative: percent}}, {{factor: multiple}} or {{absolute: amount}}",
    },
    "problem.factor_positive": {"zh": "倍数必须大于 0", "en": "a factor must be more than 0"},
    "problem.relative_above_minus_100": {"zh": "不能降低 100% 或更多", "en": "must be more than -100 (percent)"},
    "problem.path_form": {
        "zh": "应为列表：[{{date: 日期, value: 数值}}, ...]",
        "en": "must be a list of {{date: ..., value: ...}}",
    },
    "problem.path_order": {"zh": "日期须逐项递增", "en": "dates must increase from one point to the next"},
    "problem.baseline_date_needed": {"zh": "类型为 {kind} 的目标需要基线日期", "en": "a target of kind {kind} needs a baseline date"},
    "problem.change_of_yearly_changes": {
        "zh": "该指标的读数本身是同比增减（measure: yoy_change），无法按相对基期的比例或倍数变化评判；"
              "累计降低或提高请用年均增速目标（kind: average_growth），或以水平值（如单位GDP能耗，measure: ratio 或 stock）建指标",
        "en": "the indicator's readings are themselves year-on-year changes (measure: yoy_change), so a relative or "
              "factor change from the baseline cannot be judged on them; state it as an average annual growth "
              "(kind: average_growth), or track the level itself (e.g. energy use per unit of GDP, measure: ratio or stock)",
    },
    # ---- Editing the catalogue one change at a time (monitor.present.catalog_edit; helper editor).
    "problem.indicator_exists": {"zh": "该指标编号已存在", "en": "is already an indicator of the catalogue"},
    "problem.already_retired": {"zh": "该指标已于 {date} 停用", "en": "the indicator was retired on {date} already"},
    "problem.target_unchanged": {
        "zh": "与现行版本相同，未记录新版本",
        "en": "is the same as the version in force; no new version was recorded",
    },
    # ---- Plausibility (monitor.model.plausibility): a value far from the indicator's previous reading is held
    # until confirmed. {figure} and {previous} are in base units ({unit}); {date} is the previous reading's
    # period end; {factor} how many times larger or smaller; {points} the move in percentage points.
    "problem.jump_up": {
        "zh": "为 {figure}，是上一读数 {previous}（{date}）的 {factor} 倍：可能是单位或量词有误；如确实无误，请确认",
        "en": "is {figure}, {factor} times the previous reading {previous} ({date}): a wrong unit or magnitude "
              "word? If it is right, confirm it",
    },
    "problem.jump_down": {
        "zh": "为 {figure}，只有上一读数 {previous}（{date}）的 {factor} 分之一：可能是单位或量词有误；如确实无误，请确认",
        "en": "is {figure}, 1/{factor} of the previous reading {previous} ({date}): a wrong unit or magnitude "
              "word? If it is right, confirm it",
    },
    "problem.jump_zero": {
        "zh": "为 0，上一读数为 {previous}（{date}）：如确实为 0，请确认",
        "en": "is 0 where the previous reading is {previous} ({date}): if it is right, confirm it",
    },
    "problem.jump_points": {
        "zh": "为 {figure}，与上一读数 {previous}（{date}）相差 {points} 个百分点：如确实无误，请确认",
        "en": "is {figure}, {points} percentage points from the previous reading {previous} ({date}): "
              "if it is right, confirm it",
    },
    # ---- A reading no target of its indicator can ever use (monitor.status.progress.never_counts): the entry
    # paths warn about it. The "uncounted_*" codes are also the engine's reasons in a goal's evidence
    # ("skipped"): their English must stay as it was. {days} and {reference} are inclusive day counts.
    "problem.never_counts": {
        "zh": "此读数不会计入该指标的任何目标（目标 {target}：{why}）",
        "en": "counts for no target of this indicator (target {target}: {why})",
    },
    "problem.uncounted_stock_span": {
        "zh": "存量指标按时点计（起止日期相同）；此读数跨 {days} 天",
        "en": "a stock is read at one date; this reading spans {days} days",
    },
    "problem.uncounted_cumulative_start": {
        "zh": "累计值自 {start} 起算，而非自 {since} 起算",
        "en": "running total since {start}, not since {since}",
    },
    "problem.uncounted_shorter": {
        "zh": "覆盖 {days} 天，参照期间约 {reference} 天",
        "en": "covers {days} days, the reference period about {reference}",
    },
    "problem.uncounted_longer": {
        "zh": "覆盖 {days} 天，长于约 {reference} 天的参照期间",
        "en": "covers {days} days, longer than the reference period of about {reference}",
    },
    "problem.uncounted_before_baseline": {
        "zh": "截止于 {date}，早于目标的基期 {baseline}",
        "en": "ends {date}, before the target's baseline date {baseline}",
    },
    "problem.uncounted_after_deadline": {
        "zh": "晚于目标期限 {deadline}：目标只看截至期限的期间",
        "en": "ends after the deadline {deadline}: the target is about the period ending then",
    },
    "problem.uncounted_outside_deadline_period": {
        "zh": "不在截至期限 {deadline} 的期间之内",
        "en": "not inside the period ending at the deadline {deadline}",
    },
    "problem.uncounted_not_after_baseline": {"zh": "不晚于基期", "en": "not after the baseline date"},
    "problem.superseded": {"zh": "已被同一期间的第 {revision} 版取代", "en": "superseded by revision {revision} of the same period"},
    "problem.uncounted_before_path": {"zh": "早于目标路径的第一个期间", "en": "before the path's first period"},
    "problem.uncounted_growth_after_deadline": {
        "zh": "晚于目标期限：年均增速只计规划期内",
        "en": "after the deadline: the average is over the plan's period",
    },
    # ---- Catch-all: a reason given as English text (an error of another library, a catalogue entry).
    OTHER: {"zh": "无效（{reason}）", "en": "{reason}"},
}

_FORMATTER = string.Formatter()
# Parameters that are figures in base units (with "unit") or plain counts: English shows them grouped
# ("300,000,000 架", "13,043"); the screens format them for their language (monitor.present.i18n).
_FIGURES = ("figure", "previous")
_COUNTS = ("factor", "points")


def placeholders(template: str) -> set[str]:
    """The names a template fills in: "is below {bound}" -> {"bound"}."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def nested(code: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A problem as a parameter of another: {"code": ..., "params": ...}."""
    return {"code": code, "params": dict(params or {})}


def render(code: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The problem in ``lang`` ("en" or "zh"), parameters shown plainly (the screens format them
    for their language: monitor.present.i18n.problem_text)."""
    params = dict(params or {})
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Mapping) and "code" in value:
            shown[name] = render(value["code"], value.get("params"), lang)
        elif name == "bound":
            shown[name] = f"{value!r} {params.get('unit') or ''}"  # as the rules worded it before codes
        elif name in _FIGURES and isinstance(value, (int, float)):
            unit = params.get("unit") or ""
            number = f"{value:,.15g}"
            shown[name] = f"{number}%" if unit == "%" else f"{number} {unit}".rstrip()
        elif name in _COUNTS and isinstance(value, (int, float)):
            shown[name] = f"{value:,.15g}"
        else:
            shown[name] = value
    entry = PROBLEMS.get(code)
    if entry is None:  # a code this version does not know (a newer store's rejected row): say so plainly
        return f"{code} {params}" if params else code
    return entry[lang if lang in entry else "en"].format(**shown)


class ProblemError(ValueError):
    """A parser's refusal as a typed problem: ``str()`` is its English, ``code`` and ``params`` its meaning.

    A ValueError, so callers that only want the English keep working."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(render(code, params))
        self.code = code
        self.params = params


def of_error(error: BaseException, fallback: str) -> tuple[str, dict[str, Any]]:
    """(code, params) of an exception: its own when it is a ProblemError, else ``fallback`` when it says
    nothing, else its English text as "problem.other"."""
    if isinstance(error, ProblemError):
        return error.code, dict(error.params)
    text = str(error)
    if text or fallback == OTHER:
        return OTHER, {"reason": text or type(error).__name__}
    return fallback, {}
