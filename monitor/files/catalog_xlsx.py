"""The catalogue as a spreadsheet: goals defined without YAML (`monitor catalog template|import|export`).

Contract:

- ``write_template(profile)`` / ``write_workbook(document)`` build the workbook (bytes); the first is
  the empty template with the store's domains and documents, the second the catalogue document that
  ``monitor.files.catalog.dump_catalog`` writes (read back with ``yaml.safe_load``), in the same layout.
- ``read_workbook(path)`` turns a filled workbook into the catalogue *document* (the dict a YAML
  catalogue parses to) and ``load_catalog_xlsx(path)`` validates it with
  ``monitor.files.catalog.parse_catalog``: every rule of the YAML loader applies, and there is no
  second validator. Each problem, the converter's and the loader's alike, is reported at its sheet,
  spreadsheet row and column header ("plan.xlsx, sheet 指标, row 7, column '目标值': …").

The layout (documented for people on the 说明 sheet and in docs/catalog.md):

- 指标 (Indicators): one row per target, in the column order of a plan's 主要指标表 (指标名称, 单位,
  领域, 基期年份, 基期值, 目标年份, 目标值, 目标形式, 属性, 责任单位, 来源文件, …) then the details.
  An indicator with several targets takes several rows with the same 指标代码 (or, without one, the
  same 指标名称); its indicator columns may be left empty on the later rows and, when given, must agree
  with its first row. A 逐年目标 (path) target takes one row per year; all path rows of one indicator
  with the same 目标代码 form one target. An indicator without a target is a row with the target
  columns empty.
- Values (基期值, 目标值, 合理下限/上限, 允许偏差) are in the row's 单位 as offices write them (1245.19
  with 单位 万人次 is 12,451,900 人次), converted with monitor.model.units. A cell may carry its own
  unit ("1245.19万人次", "5.5%"). Percent changes and growth rates are percent whatever the unit; a
  factor (倍数) is a plain number. The stored (base) unit is 单位 without its magnitude word unless
  基本单位 says otherwise.
- 基期年份/目标年份: a year (2020 = 2020-12-31, the end of the year: the level at that date for a stock,
  the year's total or rate for a flow or ratio, both judged at the year's end), a date, a month
  ("2025年6月" = its last day), or for a target year a window "2028至2030".
- Indicator ids (指标代码): optional. When empty, the id is a slug of the English name (英文名称), or,
  without one, "zb-" and eight hex digits of the SHA-1 of the Chinese name: stable whatever the row
  order, so re-importing an edited sheet updates the same indicators. Target ids default to
  "<indicator id>-<n>" as in YAML.
- 领域 (Domains: id, 中文名, English; the id defaults as an indicator's, with "ly-", the English name to the
  Chinese), 来源文件 (Documents: id, kind, title, English title, date) and
  工作区 (Workspace: one row) as in the YAML keys ``domains``, ``sources`` and ``workspace``. A 领域 or
  来源文件 cell of the 指标 sheet takes the id, the Chinese or the English name of a declared entry; an
  undeclared 来源文件 is declared with its text as id and title.
- Readings are not part of the workbook: they are imported with `monitor import` (a draft's 读数 sheet,
  written by `monitor draft`, is the exception: monitor.files.draft imports it after the catalogue).

Files layer: imports monitor.model, monitor.errors and monitor.files only.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from monitor.errors import Problem, ValidationError
from monitor.model import DEFAULT_DOMAINS, Catalog, Domain, Profile, Qualifier
from monitor.model.problems import nested, of_error
from monitor.model.units import conversion_factor, fold_width, normalize_unit, parse_quantity, split_unit

# ---------------------------------------------------------------- the layout

SHEET_HELP = "说明"
SHEET_ROWS = "指标"
SHEET_DOMAINS = "领域"
SHEET_SOURCES = "来源文件"
SHEET_WORKSPACE = "工作区"
SHEET_LISTS = "选项"
# Sheet titles accepted on import (an English-speaking office may rename them).
SHEET_TITLES = {
    SHEET_ROWS: (SHEET_ROWS, "indicators", "targets"),
    SHEET_DOMAINS: (SHEET_DOMAINS, "domains"),
    SHEET_SOURCES: (SHEET_SOURCES, "sources", "documents"),
    SHEET_WORKSPACE: (SHEET_WORKSPACE, "workspace"),
}
TEMPLATE_ROWS = 500  # rows of the 指标 sheet the drop-downs cover


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    width: int = 12
    indicator: bool = False  # a property of the indicator (same on every row of it), not of the target

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


def _col(key: str, zh: str, en: str, help_zh: str, help_en: str, width: int = 12, indicator: bool = False) -> Column:
    return Column(key, zh, en, help_zh, help_en, width, indicator)


ROW_COLUMNS: tuple[Column, ...] = (
    _col("no", "序号", "No.", "可选，不读取。", "Optional; not read.", 6),
    _col("name_zh", "指标名称", "Indicator", "必填。同一指标的多个目标各占一行，指标名称相同。",
         "Required. An indicator with several targets takes several rows with the same name.", 28, True),
    _col("unit", "单位", "Unit", "必填。数值按此单位填写，如 万人次、亿元、%、岁（可从下拉列表选，也可直接填写）。",
         "Required. Values are written in this unit: 万人次, 亿元, %, 岁 (pick or type).", 10, True),
    _col("domain", "领域", "Domain", "必填。从下拉列表选择（“领域”工作表中的中文名、英文名或代码）。",
         "Required. Pick from the list (a name or id on the 领域 sheet).", 14, True),
    _col("baseline_year", "基期年份", "Baseline year",
         "可选。年份（2020 即 2020年末）、日期（2025-06-30）或月份（2025年6月 即月末）。",
         "Optional. A year (2020 = end of 2020), a date or a month (its last day).", 10),
    _col("baseline_value", "基期值", "Baseline value", "可选，与基期年份一起填写；按“单位”填写。",
         "Optional, with the baseline year; in the row's unit.", 10),
    _col("target_year", "目标年份", "Target year",
         "目标的截止年份或日期；时间窗写“2028至2030”。“每年…”类目标可不填。",
         "The deadline (year or date); a window as 2028至2030. Not needed for 每年… forms.", 10),
    _col("target_value", "目标值", "Target",
         "数字（按“单位”），或“4.5至5”（区间）；降低%/提高%/年均增长填百分数；翻番不填。",
         "A figure in the row's unit, or 4.5至5 for a range; percent for 降低%, 提高%, 年均增长; empty for 翻番.", 10),
    _col("form", "目标形式", "Target form", "从下拉列表选择，见下方“目标形式”。空着时按目标值推断（数字 = 达到）。",
         "Pick from the list (below). Empty: inferred from the target (a plain figure = 达到).", 14),
    _col("nature", "属性", "Binding/expected", "约束性 或 预期性（默认预期性）。", "约束性 (binding) or 预期性 (expected, default).", 8),
    _col("responsible", "责任单位", "Responsible office", "可选。", "Optional.", 14, True),
    _col("source", "来源文件", "Source document",
         "可选；“来源文件”工作表中的代码或标题（未登记的按原文字登记）。须同时填写“原文”。",
         "Optional: an id or title on the 来源文件 sheet (others are declared as written). Needs 原文.", 16),
    _col("quote", "原文", "Quote", "来源文件中的原句或表格行（照录）。", "The sentence or table line of the source, verbatim.", 30),
    _col("measure", "测度", "Measure",
         "必填。存量（某一时点的水平）、流量（期间合计）、比率、累计（自某日起累计）、同比增速。",
         "Required. 存量 stock, 流量 flow, 比率 ratio, 累计 cumulative, 同比增速 year-on-year change.", 10, True),
    _col("direction", "方向", "Direction", "越高越好 或 越低越好；空着时按目标推断（不超过/降低 = 越低越好）。",
         "越高越好 (increase) or 越低越好 (decrease); empty: from the target (不超过/降低 = decrease).", 10, True),
    _col("frequency", "频率", "Frequency", "数据发布频率：月度、季度、半年、年度（默认）、不定期。",
         "How often figures come: 月度, 季度, 半年, 年度 (default), 不定期.", 8, True),
    _col("id", "指标代码", "Indicator id",
         "可选：小写字母、数字和“-”。空着时由英文名称生成，无英文名称时由指标名称生成（zb-xxxxxxxx）。",
         "Optional slug. Empty: made from the English name, else zb- and a hash of the Chinese name.", 16, True),
    _col("name_en", "英文名称", "English name", "可选（默认同指标名称）。", "Optional (default: the Chinese name).", 24, True),
    _col("base_unit", "基本单位", "Base unit", "可选：保存数值的单位，默认为“单位”去掉万、亿等量词。",
         "Optional: the unit values are stored in; default the unit without its magnitude word.", 8, True),
    _col("lower", "合理下限", "Plausible minimum", "可选，按“单位”。", "Optional, in the row's unit.", 8, True),
    _col("upper", "合理上限", "Plausible maximum", "可选，按“单位”。", "Optional, in the row's unit.", 8, True),
    _col("tolerance", "允许偏差", "Tolerance", "“左右”目标可选：允许的绝对偏差，按“单位”。",
         "For 左右: the allowed absolute deviation, in the row's unit (optional).", 8),
    _col("period", "考核周期", "Judged over", "可选：月度、季度、半年、年度、不定期；“每年…”类形式已含此项。",
         "Optional: the period a target is judged over; the 每年… forms imply it.", 8),
    _col("method", "测算方法", "Method", "可选：复合增长（默认）或 线性。", "Optional: 复合增长 (cagr, default) or 线性 (linear).", 8),
    _col("target_id", "目标代码", "Target id", "可选，默认“指标代码-序号”。", "Optional; default <indicator id>-<n>.", 14),
    _col("note", "备注", "Note", "可选：对目标的解释。", "Optional: how the target is read.", 24),
    _col("speaker", "发言人", "Speaker", "可选。", "Optional.", 8),
    _col("office", "发布单位", "Office", "可选。", "Optional.", 12),
    _col("source_date", "来源日期", "Source date", "可选：默认为来源文件的日期。", "Optional: default the document's date.", 10),
    _col("description", "指标说明", "Description", "可选：口径说明。", "Optional: what is counted.", 24, True),
    _col("cumulative_since", "累计起始日期", "Cumulative since", "测度为“累计”时填写起始日期。",
         "For a cumulative measure: the date counting starts.", 10, True),
    _col("lag", "发布滞后天数", "Publication lag (days)", "可选：数据在期末后多少天发布，默认 30。",
         "Optional: days after the period's end figures come out (default 30).", 8, True),
    # A retired indicator (docs/catalog.md, "Retired indicators"): both cells or neither; an export writes
    # them, so importing the export back does not follow a retired indicator again.
    _col("retired_on", "停用日期", "Retired on", "可选：不再跟踪的指标填写停用日期和原因（两项都填）。",
         "Optional: for an indicator no longer followed, the date and the reason (both).", 10, True),
    _col("retired_reason", "停用原因", "Retired because", "可选：停用原因。", "Optional: why it was retired.", 16, True),
)
DOMAIN_COLUMNS: tuple[Column, ...] = (
    _col("id", "领域代码", "Domain id", "可选：小写字母、数字和“-”；空着时自动生成。", "Optional slug; made when empty.", 14),
    _col("name_zh", "中文名", "Chinese name", "必填。", "Required.", 20),
    _col("name_en", "英文名", "English name", "可选（默认同中文名）。", "Optional (default: the Chinese name).", 24),
)
SOURCE_COLUMNS: tuple[Column, ...] = (
    _col("id", "文件代码", "Document id", "必填：指标表“来源文件”列引用的代码。", "Required: what 来源文件 names.", 24),
    _col("kind", "类型", "Kind", "规划、工作报告、新闻发布会、其他。", "规划 plan, 工作报告 work report, 新闻发布会 briefing, 其他 other.", 12),
    _col("title", "标题", "Title", "必填。", "Required.", 40),
    _col("title_en", "英文标题", "English title", "可选。", "Optional.", 40),
    _col("date", "日期", "Date", "可选。", "Optional.", 12),
)
WORKSPACE_COLUMNS: tuple[Column, ...] = (
    _col("title_zh", "标题", "Title", "看板标题（中文）。", "The dashboard's title (Chinese).", 30),
    _col("title_en", "英文标题", "English title", "看板标题（英文）。", "The dashboard's title (English).", 30),
    _col("organisation_zh", "机构", "Organisation", "可选：标题下方的一行（机构名称或依据）。",
         "Optional: the line under the title (who, or based on what).", 30),
    _col("organisation_en", "英文机构名称", "Organisation (English)", "可选。", "Optional.", 30),
)
SHEET_COLUMNS = {SHEET_ROWS: ROW_COLUMNS, SHEET_DOMAINS: DOMAIN_COLUMNS, SHEET_SOURCES: SOURCE_COLUMNS,
                 SHEET_WORKSPACE: WORKSPACE_COLUMNS}

# value -> (Chinese label, English label). The Chinese label is what the drop-downs offer and the export
# writes; the value, the Chinese and the English label are all accepted.
MEASURES = {"stock": ("存量", "stock"), "flow": ("流量", "flow"), "ratio": ("比率", "ratio"),
            "cumulative": ("累计", "cumulative"), "yoy_change": ("同比增速", "year-on-year change")}
DIRECTIONS = {"increase": ("越高越好", "higher is better"), "decrease": ("越低越好", "lower is better")}
FREQUENCIES = {"monthly": ("月度", "monthly"), "quarterly": ("季度", "quarterly"), "half_yearly": ("半年", "half-yearly"),
               "yearly": ("年度", "yearly"), "irregular": ("不定期", "irregular")}
NATURES = {"binding": ("约束性", "binding"), "expected": ("预期性", "expected")}
METHODS = {"cagr": ("复合增长", "compound growth"), "linear": ("线性", "linear")}
SOURCE_KINDS = {"plan": ("规划", "plan"), "work_report": ("工作报告", "work report"),
                "briefing": ("新闻发布会", "briefing"), "other": ("其他", "other")}
# Extra words offices use for the same choices.
_ALIASES = {
    "measure": {"时点": "stock", "水平": "stock", "总量": "flow", "期间合计": "flow", "比重": "ratio", "占比": "ratio",
                "百分比": "ratio", "率": "ratio", "增速": "yoy_change", "同比": "yoy_change", "增长率": "yoy_change"},
    "direction": {"提高": "increase", "增加": "increase", "正向": "increase", "降低": "decrease", "减少": "decrease",
                  "逆向": "decrease", "负向": "decrease"},
    "frequency": {"月": "monthly", "每月": "monthly", "季": "quarterly", "每季度": "quarterly", "半年度": "half_yearly",
                  "年": "yearly", "每年": "yearly", "年报": "yearly"},
    "nature": {"约束": "binding", "预期": "expected"},
    "method": {"复合": "cagr", "几何": "cagr", "年均": "cagr", "线性": "linear", "直线": "linear"},
    "kind": {"规划纲要": "plan", "纲要": "plan", "政府工作报告": "work_report", "发布会": "briefing"},
}
COMMON_UNITS = ("%", "个百分点", "元", "万元", "亿元", "万亿元", "人", "万人", "人次", "万人次", "亿人次", "个", "家", "项",
                "件", "所", "座", "岁", "年", "天", "吨", "万吨", "亿吨", "吨标准煤/万元", "立方米/万元", "千瓦", "万千瓦",
                "千瓦时", "亿千瓦时", "公里", "平方米", "公顷", "万亩", "亩", "元/人", "人/千人", "张/千人", "微克/立方米",
                "PFlops", "架", "台")

_PERIOD_WORDS: dict[str, str | None] = {"每年": "yearly", "每半年": "half_yearly", "每季度": "quarterly",
                                        "每月": "monthly", "持续": None}
_PERIOD_LABEL: dict[str | None, str] = {v: k for k, v in _PERIOD_WORDS.items()}
_COMPARATOR_WORDS = {"不低于": ">=", "高于": ">", "不超过": "<=", "不高于": "<=", "低于": "<"}
_COMPARATOR_LABEL = {">=": "不低于", ">": "高于", "<=": "不超过", "<": "低于"}


@dataclass(frozen=True)
class Form:
    """What a 目标形式 label means: the contract's target kind and how the row's cells fill it."""

    kind: str
    comparator: str | None = None  # None: from the indicator's direction (达到), or not used
    period: str | None = None  # threshold: the period judged over (None with a threshold: every reading)
    change: str | None = None  # change: relative | absolute | factor
    sign: int = 1  # 降低: the figure is negated
    factor: float | None = None  # 翻番: a fixed factor, no figure


def _forms() -> dict[str, Form]:
    forms: dict[str, Form] = {"达到": Form("reach")}
    for word, comparator in _COMPARATOR_WORDS.items():
        forms[word] = Form("reach", comparator)
        for prefix, period in _PERIOD_WORDS.items():
            forms[prefix + word] = Form("threshold", comparator, period)
        forms["逐年" + word] = Form("path", comparator)
        forms["年均增长" + word] = Form("average_growth", comparator)
    forms.update({
        "区间": Form("range"), "左右": Form("about"),
        "降低%": Form("change", change="relative", sign=-1), "提高%": Form("change", change="relative"),
        "降低(绝对值)": Form("change", change="absolute", sign=-1), "提高(绝对值)": Form("change", change="absolute"),
        "翻番": Form("change", change="factor", factor=2.0), "翻两番": Form("change", change="factor", factor=4.0),
        "倍数": Form("change", change="factor"),
        "年均增长": Form("average_growth"), "年均下降": Form("average_growth", "<=", sign=-1),
        "逐年目标": Form("path"),
    })
    return forms


FORMS = _forms()
# The labels the drop-down offers (every label is accepted; these are the common ones, in this order).
FORM_CHOICES = ("达到", "不低于", "不超过", "每年不低于", "每年不超过", "持续不低于", "持续不超过", "区间", "左右",
                "降低%", "提高%", "提高(绝对值)", "降低(绝对值)", "翻番", "翻两番", "倍数", "年均增长", "年均下降",
                "逐年目标", "逐年不低于", "逐年不超过", "高于", "低于", "每月不低于", "每季度不低于", "每半年不低于")
_FORM_ALIASES = {"reach": "达到", "threshold": "每年不低于", "range": "区间", "about": "左右", "path": "逐年目标",
                 "average_growth": "年均增长", "降低百分比": "降低%", "提高百分比": "提高%", "下降%": "降低%",
                 "增长%": "提高%", "增加": "提高(绝对值)", "减少": "降低(绝对值)", "提高(绝对)": "提高(绝对值)",
                 "降低(绝对)": "降低(绝对值)", "翻一番": "翻番", "以上": "不低于", "以内": "不超过", "以下": "不超过",
                 "每年以内": "每年不超过", "每年控制在以内": "每年不超过", "至": "区间", "约": "左右"}
# Examples for the 说明 sheet: (label, target cell, meaning zh, meaning en).
FORM_EXAMPLES = (
    ("达到", "65", "目标年份达到65（越高越好时为不低于，越低越好时为不超过）", "reach 65 by the target year (>= or <= by direction)"),
    ("不低于", "24.1", "目标年份时不低于24.1", "at least 24.1 by the target year"),
    ("每年不超过", "5.5", "每年都不超过5.5（如城镇调查失业率5.5%以内）", "at most 5.5 every year (unemployment within 5.5%)"),
    ("持续不低于", "80", "每期数据都不低于80（稳定在80%以上）", "at least 80 in every reading"),
    ("区间", "4.5至5", "在4.5至5之间（经济增长4.5%至5%）", "between 4.5 and 5 inclusive"),
    ("左右", "2", "2左右（居民消费价格涨幅2%左右）；允许偏差可填", "about 2 (tolerance optional)"),
    ("降低%", "13.5", "比基期降低13.5%（单位GDP能源消耗降低13.5%）", "13.5 % below the baseline"),
    ("提高%", "10", "比基期提高10%", "10 % above the baseline"),
    ("提高(绝对值)", "1", "比基期提高1个单位（人均预期寿命提高1岁）", "1 unit above the baseline (life expectancy +1 year)"),
    ("翻番", "", "达到基期的2倍（翻两番为4倍；倍数形式填倍数）", "twice the baseline (翻两番: 4 times; 倍数: the factor given)"),
    ("年均增长", "7", "年均增长7%以上（研发经费投入年均增长7%以上）", "grows at least 7 % a year"),
    ("年均下降", "3", "年均下降3%以上", "falls at least 3 % a year"),
    ("逐年目标", "100", "每行一年：目标年份+目标值，同一指标的多行组成一条路径", "one row per year; the rows form one path"),
)

_BLANKS = frozenset({"", "—", "——", "-", "－", "–", "/", "／", "无", "…", "……", "n/a", "na"})
_WINDOW = re.compile(r"^(.+?)(?:至|到|～|~|—|–)(.+)$")
_YEAR_WINDOW = re.compile(r"^(\d{4})年?\s*-\s*(\d{4})年?$")
# "4.5-5" or "4.5%-5%": two unsigned figures around a hyphen can only be a range.
_HYPHEN_RANGE = re.compile(r"^(\d+(?:\.\d+)?\s*%?)\s*-\s*(\d+(?:\.\d+)?\s*%?)$")
_YEAR = re.compile(r"^(\d{4})(?:年)?(?:末|底|年末|年底)?$")
_SIGN = re.compile(r"^(<=|>=|≤|≥|<|>)")
_SIGNS = {"<=": "<=", ">=": ">=", "≤": "<=", "≥": ">=", "<": "<", ">": ">"}


def _key(text: Any) -> str:
    """A header or label as compared: full-width folded, spaces dropped, lower case, brackets ASCII."""
    folded = fold_width(str(text)).replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", folded).lower()


def _header_keys(columns: Sequence[Column]) -> dict[str, str]:
    found: dict[str, str] = {}
    for c in columns:
        for text in (c.key, c.zh, c.en, c.header, f"{c.zh}({c.en})"):
            found[_key(text)] = c.key
    return found


def _label_map(table: dict[str, tuple[str, str]], aliases: dict[str, str]) -> dict[str, str]:
    found = {_key(k): k for k in table}
    for value, (zh, en) in table.items():
        found[_key(zh)] = value
        found[_key(en)] = value
    found.update({_key(k): v for k, v in aliases.items()})
    return found


# ---------------------------------------------------------------- reading


@dataclass
class _Row:
    sheet: str
    row: int
    cells: dict[str, Any]


@dataclass
class _Locator:
    """Where each part of the built document came from, to place the loader's problems."""

    name: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> key -> header as in the file
    paths: dict[str, tuple[str, int]] = field(default_factory=dict)  # document path prefix -> (sheet, row)
    path_rows: dict[str, list[int]] = field(default_factory=dict)  # target path -> the rows of its path steps
    base_unit_given: set[str] = field(default_factory=set)

    def source(self, sheet: str) -> str:
        return f"{self.name}, sheet {sheet}"

    def column(self, sheet: str, key: str | None) -> str | None:
        if key is None:
            return None
        given = self.headers.get(sheet, {}).get(key)
        if given is not None:
            return given
        for c in SHEET_COLUMNS.get(sheet, ()):
            if c.key == key:
                return c.zh
        return key

    def problem(self, sheet: str, row: int | None, key: str | None, code: str, value: Any = None,
                **params: Any) -> Problem:
        shown = None if value is None else str(value)[:200]
        return Problem(self.source(sheet), row, self.column(sheet, key), code, params, shown)

    def locate(self, p: Problem) -> Problem:
        """A problem of parse_catalog (a document path in its column) at its sheet, row and column."""
        path = p.column or ""
        best = ""
        for prefix in self.paths:
            if len(prefix) > len(best) and (path == prefix or path.startswith((prefix + ".", prefix + "["))):
                best = prefix
        if not best:
            if path == "indicators":
                return Problem(self.source(SHEET_ROWS), None, None, p.code, p.params, p.value)
            return Problem(self.name, p.row, p.column, p.code, p.params, p.value)
        sheet, row = self.paths[best]
        rest = path[len(best):].lstrip(".")
        step = re.match(r"^path\[(\d+)\]", rest)
        if step and best in self.path_rows and int(step.group(1)) < len(self.path_rows[best]):
            row = self.path_rows[best][int(step.group(1))]
        keys = _TARGET_KEYS if sheet == SHEET_ROWS and ".targets[" in best else _DOCUMENT_KEYS.get(sheet, {})
        key = keys.get(re.sub(r"\[\d+\]", "", rest).split(".")[0]) if rest else None
        if sheet == SHEET_ROWS and rest in ("unit",) and best in self.base_unit_given:
            key = "base_unit"
        if sheet == SHEET_ROWS and rest.startswith("baseline.date"):
            key = "baseline_year"
        if sheet == SHEET_ROWS and rest.startswith("bounds.max"):
            key = "upper"
        code, params = p.code, p.params
        if code == "problem.not_whole":
            # 每千人口医师数 2.9 人: in a plan table a count is often a rate; say how to write one.
            code, params = "problem.xlsx_not_whole", {"detail": nested(p.code, p.params),
                                                      "unit": str(p.params.get("unit", ""))}
        return Problem(self.source(sheet), row, self.column(sheet, key), code, params, p.value)


# A document key (the first part of a problem's path below an entry) -> the column that fills it.
_DOCUMENT_KEYS: dict[str, dict[str, str]] = {
    SHEET_ROWS: {
        "id": "id", "name_zh": "name_zh", "name_en": "name_en", "domain": "domain", "unit": "unit",
        "display_unit": "unit", "measure": "measure", "direction": "direction", "frequency": "frequency",
        "bounds": "lower", "responsible": "responsible", "publication_lag_days": "lag",
        "cumulative_since": "cumulative_since", "description": "description", "targets": "form",
        "retired": "retired_on",
        "readings": "name_zh",
    },
    SHEET_DOMAINS: {"id": "id", "name_zh": "name_zh", "name_en": "name_en"},
    SHEET_SOURCES: {"id": "id", "kind": "kind", "title": "title", "title_en": "title_en", "date": "date"},
    SHEET_WORKSPACE: {k: k for k in ("title_zh", "title_en", "organisation_zh", "organisation_en")},
}
_TARGET_KEYS = {
    "id": "target_id", "kind": "form", "comparator": "form", "value": "target_value", "low": "target_value",
    "high": "target_value", "rate": "target_value", "change": "target_value", "path": "target_value",
    "tolerance": "tolerance", "baseline": "baseline_value", "deadline": "target_year", "method": "method",
    "period": "period", "note": "note", "quote": "quote", "speaker": "speaker", "office": "office",
    "source": "source", "source_date": "source_date", "nature": "nature",
}


class _Converter:
    """Rows of the sheets -> the catalogue document, collecting every problem with its place."""

    def __init__(self, locator: _Locator) -> None:
        self.at = locator
        self.problems: list[Problem] = []

    def fail(self, r: _Row, key: str | None, code: str, value: Any = None, **params: Any) -> None:
        self.problems.append(self.at.problem(r.sheet, r.row, key, code, value, **params))

    # ---- cells

    @staticmethod
    def text(r: _Row, key: str) -> str | None:
        value = r.cells.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        return None if _key(text) in _BLANKS else text

    def choice(self, r: _Row, key: str, table: dict[str, tuple[str, str]], alias: str) -> str | None:
        text = self.text(r, key)
        if text is None:
            return None
        found = _label_map(table, _ALIASES.get(alias, {})).get(_key(text))
        if found is None:
            allowed = " | ".join(f"{zh}（{v}）" for v, (zh, _) in table.items())
            self.fail(r, key, "problem.one_of", text, allowed=allowed)
        return found

    def day(self, r: _Row, key: str, text_value: Any = None) -> date | None:
        value = r.cells.get(key) if text_value is None else text_value
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if float(value).is_integer() and 1900 <= value <= 2200:
                return date(int(value), 12, 31)
            self.fail(r, key, "problem.xlsx_year", value)
            return None
        text = self.text(r, key) if text_value is None else str(text_value).strip()
        if text is None:
            return None
        folded = fold_width(text).strip()
        year = _YEAR.match(folded)
        if year:
            return date(int(year.group(1)), 12, 31)
        from monitor.model.periods import parse_date, parse_period

        try:
            return parse_date(folded)
        except ValueError:
            pass
        try:
            return parse_period(re.sub(r"(月|年)(末|底)$", r"\1", folded)).end
        except ValueError:
            self.fail(r, key, "problem.xlsx_year", text)
            return None

    def deadline(self, r: _Row) -> Any:
        value = r.cells.get("target_year")
        text = self.text(r, "target_year")
        if text is None:
            return None
        if isinstance(value, str):
            folded = fold_width(text).strip()
            window = _YEAR_WINDOW.match(folded) or _WINDOW.match(folded)
            if window:
                earliest = self.day(r, "target_year", window.group(1).strip())
                latest = self.day(r, "target_year", window.group(2).strip())
                if earliest is None or latest is None:
                    return None
                return {"earliest": earliest, "latest": latest}
        return self.day(r, "target_year")

    def figure(self, r: _Row, key: str, unit: str | None, base: str | None, raw: Any = None,
               percent: bool = False) -> tuple[float | None, str | None, Qualifier | None]:
        """A cell's figure in base units (or, ``percent``, as a percent), with a comparator written before it
        (<, ≤, >=) and the qualifier written with it (以上, 左右)."""
        value = r.cells.get(key) if raw is None else raw
        if value is None:
            return None, None, None
        if isinstance(value, bool):
            self.fail(r, key, "problem.xlsx_figure", value)
            return None, None, None
        sign = None
        if isinstance(value, (int, float)):
            number: float = float(value)
            written = ""
            qualifier = None
        else:
            text = fold_width(str(value)).strip()
            if _key(text) in _BLANKS:
                return None, None, None
            text = text.rstrip("*＊").strip()
            if key == "target_value" and len(text) > 2 and text[0] in "[〔【" and text[-1] in "]〕】":
                text = text[1:-1].strip()  # [13.5]: a plan table's cumulative figure over the plan period
            found = _SIGN.match(text)
            if found:
                sign = _SIGNS[found.group(1)]
                text = text[found.end():].strip()
            try:
                quantity = parse_quantity(text)
            except ValueError as e:
                code, params = of_error(e, "problem.other")
                self.fail(r, key, "problem.xlsx_figure", str(value), detail=nested(code, params))
                return None, None, None
            number, written, qualifier = quantity.value, quantity.unit, quantity.qualifier
        if percent:
            if written not in ("", "%"):
                self.fail(r, key, "problem.xlsx_percent", str(value))
                return None, None, None
            return number + 0.0, sign, qualifier
        if base is None or unit is None:
            return number + 0.0, sign, qualifier
        try:
            factor = conversion_factor(written or unit, base)
        except ValueError as e:
            code, params = of_error(e, "problem.other")
            self.fail(r, key, "problem.unit", str(value), unit=written or unit, display=unit, base=base,
                      detail=nested(code, params))
            return None, None, None
        return _times(number, factor), sign, qualifier

    # ---- sheets

    def header(self, sheet: str, header: list[str]) -> dict[int, str]:
        """Column position -> key; unknown headers are problems (a misspelt column would lose its values)."""
        known = _header_keys(SHEET_COLUMNS[sheet])
        keys: dict[int, str] = {}
        given: dict[str, str] = {}
        for n, text in enumerate(header):
            if not str(text).strip():
                continue
            key = known.get(_key(text))
            if key is None:
                self.problems.append(self.at.problem(sheet, 1, None, "problem.xlsx_header", text,
                                                     help=SHEET_HELP))
                continue
            if key in given:
                self.problems.append(self.at.problem(sheet, 1, None, "problem.xlsx_header_twice", text,
                                                     first=given[key]))
                continue
            keys[n] = key
            given[key] = str(text)
        self.at.headers[sheet] = given
        return keys

    def rows(self, sheet: str, table: Any) -> list[_Row]:
        before = len(self.problems)
        keys = self.header(sheet, table.header)
        if len(self.problems) > before:
            # A header that is not the template's: every row under it would be misread, so it is said alone.
            raise ValidationError(self.problems)
        by_number = {number: cells for number, cells in table.rows}
        for first_row, first_column, last_row, last_column in getattr(table, "merged", []):
            # A cell merged down over several rows (a plan table's 领域 or 指标名称 spanning its rows) holds
            # its value for each of them; a merge across columns is left as it is (whose column would it be?).
            top = by_number.get(first_row)
            if first_column != last_column or first_row < 2 or top is None or first_column > len(top):
                continue
            for number in range(first_row + 1, last_row + 1):
                cells = by_number.get(number)
                if cells is not None and cells[first_column - 1] is None:
                    cells[first_column - 1] = top[first_column - 1]
        return [_Row(sheet, number, {keys[n]: v for n, v in enumerate(cells) if n in keys and v is not None})
                for number, cells in table.rows]


def _times(number: float, factor: float) -> float:
    """number * factor through the shortest decimal reprs: 1245.19 万 is 12451900, not 12451900.000000002."""
    return float(Decimal(repr(float(number))) * Decimal(repr(float(factor)))) + 0.0


def _divided(number: float, factor: float) -> float:
    return float(Decimal(repr(float(number))) / Decimal(repr(float(factor)))) + 0.0


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")[:60].strip("-")


def generated_id(name_zh: str, name_en: str | None) -> str:
    """The id of an indicator given without one: a slug of its English name, else zb- and a hash of its
    Chinese name (stable whatever the row order)."""
    slug = _slug(name_en or "")
    if slug and slug[0].isalnum():
        return slug
    return "zb-" + hashlib.sha1(name_zh.encode("utf-8")).hexdigest()[:8]


def read_workbook(path: str | Path, known_domains: Sequence[Domain] | None = None) -> tuple[dict[str, Any], _Locator]:
    """The catalogue document of a filled template, and where each of its parts came from.

    ``known_domains``: the store's, which a 领域 cell may name when the 领域 sheet is empty (as a YAML
    catalogue without ``domains:`` is checked against the store's); else the default domains.

    Raises ValidationError with every problem the cells have (before the catalogue rules run)."""
    from monitor.files.readers import read_xlsx_sheets

    path = Path(path)
    titles = {_key(t): sheet for sheet, ts in SHEET_TITLES.items() for t in ts}
    tables = read_xlsx_sheets(path, lambda title: _key(title) in titles)
    by_sheet = {titles[_key(t)]: table for t, table in tables.items()}
    locator = _Locator(path.name)
    c = _Converter(locator)
    if SHEET_ROWS not in by_sheet:
        raise ValidationError([Problem(path.name, None, None, "problem.xlsx_no_sheet", {"sheet": SHEET_ROWS})])
    document: dict[str, Any] = {"format": "indicator-monitor/catalog v1"}

    workspace_rows = c.rows(SHEET_WORKSPACE, by_sheet[SHEET_WORKSPACE]) if SHEET_WORKSPACE in by_sheet else []
    if workspace_rows:
        r = workspace_rows[0]
        document["workspace"] = {k: c.text(r, k) for k in ("title_zh", "title_en", "organisation_zh", "organisation_en")
                                 if c.text(r, k) is not None}
        locator.paths["workspace"] = (SHEET_WORKSPACE, r.row)
        for extra in workspace_rows[1:]:
            c.fail(extra, None, "problem.xlsx_one_row")

    domains: list[dict[str, Any]] = []
    domain_names: dict[str, str] = {}
    entry: dict[str, Any]
    for n, r in enumerate(c.rows(SHEET_DOMAINS, by_sheet[SHEET_DOMAINS]) if SHEET_DOMAINS in by_sheet else []):
        entry = {k: c.text(r, k) for k in ("id", "name_zh", "name_en")}
        if entry["name_en"] is None:
            entry["name_en"] = entry["name_zh"]
        if entry["id"] is None and entry["name_zh"]:
            # As an indicator's: a slug of the English name, else ly- and a hash of the Chinese one.
            slug = _slug(entry["name_en"] or "")
            entry["id"] = slug if slug and entry["name_en"] != entry["name_zh"] else (
                "ly-" + hashlib.sha1(entry["name_zh"].encode("utf-8")).hexdigest()[:8])
        domains.append({k: v for k, v in entry.items() if v is not None})
        locator.paths[f"domains[{n}]"] = (SHEET_DOMAINS, r.row)
        for k in ("id", "name_zh", "name_en"):
            if entry[k] and entry["id"]:
                domain_names[_key(entry[k])] = entry["id"]
    if domains:
        document["domains"] = domains
    else:
        for d in known_domains or DEFAULT_DOMAINS:
            for text in (d.id, d.name_zh, d.name_en):
                domain_names[_key(text)] = d.id

    sources: list[dict[str, Any]] = []
    source_names: dict[str, str] = {}
    for n, r in enumerate(c.rows(SHEET_SOURCES, by_sheet[SHEET_SOURCES]) if SHEET_SOURCES in by_sheet else []):
        entry = {"id": c.text(r, "id"), "kind": c.choice(r, "kind", SOURCE_KINDS, "kind"),
                 "title": c.text(r, "title"), "title_en": c.text(r, "title_en"), "date": c.day(r, "date")}
        if entry["id"] is None and entry["title"]:
            entry["id"] = entry["title"]
        sources.append({k: v for k, v in entry.items() if v is not None})
        locator.paths[f"sources[{n}]"] = (SHEET_SOURCES, r.row)
        for k in ("id", "title", "title_en"):
            if entry[k] and entry["id"]:
                source_names.setdefault(_key(entry[k]), str(entry["id"]))

    indicators = _indicators(c, c.rows(SHEET_ROWS, by_sheet[SHEET_ROWS]), domain_names, source_names, sources)
    if sources:
        document["sources"] = sources
    document["indicators"] = indicators
    if not indicators and not c.problems:
        c.problems.append(Problem(locator.source(SHEET_ROWS), None, None, "problem.xlsx_no_rows", {}))
    if c.problems:
        raise ValidationError(c.problems)
    return document, locator


_TARGET_CELLS = ("baseline_year", "baseline_value", "target_year", "target_value", "form", "nature", "tolerance",
                 "period", "method", "target_id", "note", "quote", "speaker", "office", "source", "source_date")


def _indicators(c: _Converter, rows: list[_Row], domain_names: dict[str, str], source_names: dict[str, str],
                sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: list[list[_Row]] = []
    by_id: dict[str, list[_Row]] = {}
    by_name: dict[str, list[_Row]] = {}
    for r in rows:
        ident, name = c.text(r, "id"), c.text(r, "name_zh")
        group = (by_id.get(ident) if ident else None) or (by_name.get(name) if name and not ident else None)
        if group is None and ident and name and name in by_name and not c.text(by_name[name][0], "id"):
            group = by_name[name]
        if group is None:
            group = []
            groups.append(group)
        group.append(r)
        if ident:
            by_id.setdefault(ident, group)
        if name:
            by_name.setdefault(name, group)
    used_ids: set[str] = set()
    entries = []
    for n, group in enumerate(groups):
        entries.append(_indicator(c, n, group, domain_names, source_names, sources, used_ids))
    return entries


def _indicator(c: _Converter, n: int, group: list[_Row], domain_names: dict[str, str], source_names: dict[str, str],
               sources: list[dict[str, Any]], used_ids: set[str]) -> dict[str, Any]:
    domain_labels = list(dict.fromkeys(k for k in domain_names if not re.fullmatch(r"[a-z0-9&' -]+", k))) or list(
        dict.fromkeys(domain_names.values()))  # the Chinese names, else (an English-only sheet) the ids
    first = group[0]
    # The indicator's own columns: from its first row; a later row may repeat them, not contradict them.
    values: dict[str, Any] = {}
    for col in ROW_COLUMNS:
        if not col.indicator:
            continue
        for r in group:
            given = c.text(r, col.key)
            if given is None:
                continue
            if col.key not in values:
                values[col.key] = (r, given)
            elif _key(values[col.key][1]) != _key(given):
                c.fail(r, col.key, "problem.xlsx_differs", given,
                       first_row=values[col.key][0].row, first=values[col.key][1])
    own = {k: v[0] for k, v in values.items()}  # key -> the row that gives it

    def text(key: str) -> str | None:
        return values[key][1] if key in values else None

    name_zh = text("name_zh")
    name_en = text("name_en")
    for required in ("name_zh", "unit", "domain", "measure"):
        if required not in values:  # said here, with the cells' problems, rather than in a second round
            c.fail(first, required, "problem.required")
    entry: dict[str, Any] = {}
    ident = text("id")
    if ident is None and name_zh:
        ident = base_id = generated_id(name_zh, name_en)
        k = 2
        while ident in used_ids:
            ident = f"{base_id}-{k}"
            k += 1
    if ident:
        used_ids.add(ident)
        entry["id"] = ident
    if name_zh:
        entry["name_zh"] = name_zh
    entry["name_en"] = name_en or name_zh
    where_row = own.get("name_zh", first)
    domain = text("domain")
    if domain is not None:
        found = domain_names.get(_key(domain))
        if found is None:
            c.fail(own["domain"], "domain", "problem.xlsx_domain", domain, allowed=" | ".join(domain_labels[:40]))
        else:
            entry["domain"] = found
    display = text("unit")
    base = text("base_unit")
    if display is not None:
        display = normalize_unit(display)
        if base is None:
            magnitude, base = split_unit(display)
            if not base:
                c.fail(own["unit"], "unit", "problem.xlsx_bare_magnitude", display)
                base = None
        else:
            base = normalize_unit(base)
        if base:
            entry["unit"] = base
            entry["display_unit"] = display
    for key, table, alias, doc_key in (("measure", MEASURES, "measure", "measure"),
                                       ("direction", DIRECTIONS, "direction", "direction"),
                                       ("frequency", FREQUENCIES, "frequency", "frequency")):
        if key in own:
            chosen = c.choice(own[key], key, table, alias)
            if chosen is not None:
                entry[doc_key] = chosen
    lower = upper = None
    if "lower" in own:
        lower = c.figure(own["lower"], "lower", display, base)[0]
    if "upper" in own:
        upper = c.figure(own["upper"], "upper", display, base)[0]
    entry["bounds"] = [lower, upper]
    for key, doc_key in (("responsible", "responsible"), ("description", "description")):
        if key in values:
            entry[doc_key] = text(key)
    if "cumulative_since" in own:
        entry["cumulative_since"] = c.day(own["cumulative_since"], "cumulative_since")
    if "retired_on" in own or "retired_reason" in values:
        # Both keys go to the loader, which refuses a retirement without its date or reason at this row.
        entry["retired"] = {"date": c.day(own["retired_on"], "retired_on") if "retired_on" in own else None,
                            "reason": text("retired_reason") if "retired_reason" in values else None}
    if "lag" in own:
        raw = own["lag"].cells.get("lag")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
            entry["publication_lag_days"] = int(raw)
        else:
            try:
                entry["publication_lag_days"] = int(str(raw).strip())
            except ValueError:
                entry["publication_lag_days"] = str(raw)  # refused by the loader, at this cell
    where = f"indicator '{ident}'" if ident else f"indicators[{n}]"
    c.at.paths[where] = (SHEET_ROWS, where_row.row)
    c.at.paths[f"indicators[{n}]"] = (SHEET_ROWS, where_row.row)
    if "base_unit" in own:
        c.at.base_unit_given.add(where)
    # Field problems of the indicator's own columns are placed at the row that gave them.
    for key, r in own.items():
        for doc_key, column in _DOCUMENT_KEYS[SHEET_ROWS].items():
            if column == key and r is not where_row:
                c.at.paths[f"{where}.{doc_key}"] = (SHEET_ROWS, r.row)

    targets: list[dict[str, Any]] = []
    paths: dict[str, dict[str, Any]] = {}
    direction = entry.get("direction")
    for r in group:
        if c.text(r, "form") is None and c.text(r, "target_value") is None:
            # No target on this row. A plan table gives 属性 even for a goal without a figure: ignored;
            # any other target cell would be lost, so it is refused at its place.
            if c.text(r, "baseline_value") is not None or c.text(r, "baseline_year") is not None:
                c.fail(r, "baseline_value", "problem.xlsx_baseline_alone")
            else:
                stray = [k for k in _TARGET_CELLS if k != "nature" and c.text(r, k) is not None]
                if stray:
                    c.fail(r, stray[0], "problem.xlsx_target_needed")
            continue
        target = _target(c, r, entry, direction, display, base, source_names, sources)
        if target is None:
            continue
        if target["kind"] == "path":
            key = str(target.get("id") or "")
            if key in paths:
                paths[key]["path"].extend(target["path"])
                c.at.path_rows[paths[key]["_where"]].append(r.row)
                continue
            paths[key] = target
        k = len(targets)
        t_where = f"{where}.targets[{k}]"
        c.at.paths[t_where] = (SHEET_ROWS, r.row)
        if target["kind"] == "path":
            target["_where"] = t_where
            c.at.path_rows[t_where] = [r.row]
        targets.append(target)
    for t in targets:
        t.pop("_where", None)
    if direction is None and targets and "direction" not in own:
        # Unambiguous from the target: a ceiling or a reduction is a goal of going down.
        first_target = targets[0]
        down = first_target.get("comparator") in ("<=", "<") or any(
            v < 0 for v in (first_target.get("change") or {}).values() if isinstance(v, (int, float))
            and "factor" not in (first_target.get("change") or {}))
        if down:
            entry["direction"] = "decrease"
            for t in targets:
                if t.get("_by_direction"):
                    t["comparator"] = "<="
    for t in targets:
        t.pop("_by_direction", None)
    if targets:
        entry["targets"] = targets
    return entry


def _form(c: _Converter, r: _Row) -> tuple[Form | None, str | None]:
    label = c.text(r, "form")
    if label is None:
        return None, None
    key = _key(label).replace("％", "%")
    key = _key(_FORM_ALIASES.get(key, key))
    form = {_key(k): v for k, v in FORMS.items()}.get(key)
    if form is None:
        c.fail(r, "form", "problem.one_of", label, allowed=" | ".join(FORM_CHOICES))
    return form, label


def _target(c: _Converter, r: _Row, entry: dict[str, Any], direction: str | None, display: str | None,
            base: str | None, source_names: dict[str, str], sources: list[dict[str, Any]]) -> dict[str, Any] | None:
    form, label = _form(c, r)
    if label is not None and form is None:
        return None
    bracketed = c.text(r, "target_value")
    if (bracketed is not None and isinstance(r.cells.get("target_value"), str)
            and fold_width(bracketed)[:1] in "[〔【" and fold_width(bracketed)[-1:] in "]〕】"
            and (form is None or form.kind != "change")):
        # [1] in a plan table is a change over the plan period: read as a level it would be silently wrong.
        c.fail(r, "target_value", "problem.xlsx_bracket", bracketed)
        return None
    raw_value = r.cells.get("target_value")
    value_text = c.text(r, "target_value")
    t: dict[str, Any] = {}
    ident = c.text(r, "target_id")
    if ident is not None:
        t["id"] = ident
    low_high = None
    if isinstance(raw_value, str) and value_text is not None:
        folded = fold_width(value_text)
        split = _WINDOW.match(folded) or _HYPHEN_RANGE.match(folded.strip())
        if split and not re.match(r"^\s*[<>≤≥]", folded):
            low_high = (split.group(1).strip(), split.group(2).strip())
    if form is None and value_text is not None:
        if low_high is not None:
            form = FORMS["区间"]
        else:
            qualifier = c.figure(r, "target_value", display, base)[2]
            form = FORMS["左右"] if qualifier is Qualifier.APPROX else FORMS["达到"]
        if c.problems and c.problems[-1].row == r.row:
            return None
    if form is None:
        return None
    t["kind"] = form.kind
    nature = c.choice(r, "nature", NATURES, "nature")
    if nature is not None:
        t["nature"] = nature
    value: float | None = None
    sign = qualifier = None
    if form.kind in ("reach", "threshold", "about", "path"):
        value, sign, qualifier = c.figure(r, "target_value", display, base)
    elif form.kind == "average_growth" or (form.kind == "change" and form.change == "relative"):
        value, sign, qualifier = c.figure(r, "target_value", display, base, percent=True)
    elif form.kind == "change" and form.change == "absolute":
        value, sign, qualifier = c.figure(r, "target_value", display, base)
    elif form.kind == "change":  # factor
        if form.factor is not None:
            given, sign, _ = c.figure(r, "target_value", None, None, percent=True)
            if given is not None and given != form.factor:
                c.fail(r, "target_value", "problem.xlsx_factor", raw_value, label=label or "", factor=f"{form.factor:g}")
            value = form.factor
        else:
            value, sign, _ = c.figure(r, "target_value", None, None, percent=True)
    comparator = form.comparator or sign
    if comparator is None and qualifier in (Qualifier.AT_LEAST, Qualifier.MORE_THAN, Qualifier.AT_MOST):
        comparator = {Qualifier.AT_LEAST: ">=", Qualifier.MORE_THAN: ">", Qualifier.AT_MOST: "<="}[qualifier]
    by_direction = False
    if comparator is None and form.kind == "average_growth":
        # 年均增长7%: at least 7 % a year; a negative rate is a ceiling (the loader's default too)
        comparator = "<=" if value is not None and value * form.sign < 0 else ">="
    if comparator is None and form.kind in ("reach", "path", "threshold"):
        comparator = "<=" if direction == "decrease" else ">="
        by_direction = direction is None
    if form.kind in ("reach", "threshold", "path", "average_growth"):
        t["comparator"] = comparator
    if form.kind in ("reach", "threshold", "about"):
        if value is not None or value_text is None:
            t["value"] = value
    elif form.kind == "range":
        if low_high is None:
            c.fail(r, "target_value", "problem.xlsx_range", raw_value)
        else:
            low = c.figure(r, "target_value", display, base, raw=low_high[0])[0]
            high = c.figure(r, "target_value", display, base, raw=low_high[1])[0]
            t["low"], t["high"] = low, high
    elif form.kind == "average_growth":
        t["rate"] = None if value is None else value * form.sign
    elif form.kind == "change":
        if value is not None and form.sign < 0 and value < 0:
            c.fail(r, "target_value", "problem.xlsx_sign", raw_value, label=label or "")
        key = form.change or "relative"
        t["change"] = {key: None if value is None else (value * form.sign if form.sign < 0 else value) + 0.0}
        if sign is not None:
            # Only a sign written before the figure: the loader's default from the change's direction is
            # what 以上/以下 mean ("降低13.5%以上" is at or below the lowered level).
            t["comparator"] = sign
    elif form.kind == "path":
        t["comparator"] = comparator
        step_date = c.day(r, "target_year")
        t["path"] = [{"date": step_date, "value": value}]
    if by_direction:
        t["_by_direction"] = True
    if form.kind == "about" and c.text(r, "tolerance") is not None:
        t["tolerance"] = c.figure(r, "tolerance", display, base)[0]
    # The baseline: both cells as written; the loader says which is missing.
    baseline: dict[str, Any] = {}
    if c.text(r, "baseline_value") is not None:
        baseline["value"] = c.figure(r, "baseline_value", display, base)[0]
    if c.text(r, "baseline_year") is not None:
        baseline["date"] = c.day(r, "baseline_year")
    if baseline:
        t["baseline"] = baseline
    if form.kind != "path":
        deadline = c.deadline(r)
        if deadline is not None:
            t["deadline"] = deadline
    period: str | None = form.period
    if c.text(r, "period") is not None:
        period = c.choice(r, "period", FREQUENCIES, "frequency")
    if period is not None:
        t["period"] = period
    method = c.choice(r, "method", METHODS, "method")
    if method is not None:
        t["method"] = method
    for key in ("note", "quote", "speaker", "office"):
        if c.text(r, key) is not None:
            t[key] = c.text(r, key)
    source = c.text(r, "source")
    if source is not None:
        if "quote" not in t:
            c.fail(r, "source", "problem.xlsx_source_quote", source)
        known = source_names.get(_key(source))
        if known is None:
            sources.append({"id": source, "kind": "other", "title": source})
            source_names[_key(source)] = known = source
        t["source"] = known
    if c.text(r, "source_date") is not None:
        t["source_date"] = c.day(r, "source_date")
    return t


def load_catalog_xlsx(path: str | Path, known_domains: Sequence[Domain] | None = None) -> Catalog:
    """Read and validate a filled template; raise ValidationError with every problem at its sheet, row and column.

    ``known_domains``: the store's domains, for a workbook whose 领域 sheet is empty (read_workbook)."""
    from monitor.files.catalog import parse_catalog

    document, locator = read_workbook(path, known_domains)
    try:
        return parse_catalog(document, Path(path).name, [d.id for d in known_domains] if known_domains else None)
    except ValidationError as e:
        raise ValidationError([locator.locate(p) for p in e.problems]) from e


# ---------------------------------------------------------------- writing


def _shown_day(d: Any) -> Any:
    """A date as the sheet writes it: a year for a year's end, else ISO text."""
    if isinstance(d, datetime):
        d = d.date()
    if isinstance(d, date):
        return d.year if (d.month, d.day) == (12, 31) else d.isoformat()
    return d


def _shown_number(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def _display(value: Any, display: str, base: str) -> Any:
    """A base-unit value in the display unit; as text with its base unit when dividing would not read back exactly."""
    if value is None:
        return None
    try:
        factor = conversion_factor(display, base)
    except ValueError:
        factor = 1.0
    if factor == 1.0:
        return _shown_number(float(value))
    shown = _divided(float(value), factor)
    if _times(shown, factor) == float(value):
        return _shown_number(shown)
    return f"{float(value)!r}{base}"


def _target_cells(t: dict[str, Any], display: str, base: str, indicator_id: str, k: int, common: dict[str, Any],
                  dates: dict[str, Any]) -> list[dict[str, Any]]:
    """One target of the document as the cells of its row (several rows for a path)."""
    kind = t.get("kind", "reach")
    cells: dict[str, Any] = {}
    comparator = str(t.get("comparator"))
    if kind == "reach":
        cells["form"] = _COMPARATOR_LABEL.get(comparator, "达到")
        cells["target_value"] = _display(t.get("value"), display, base)
    elif kind == "threshold":
        period = t.get("period")
        prefix = _PERIOD_LABEL.get(period) or "持续"
        cells["form"] = prefix + _COMPARATOR_LABEL.get(comparator, "不低于")
        if period is not None and period not in _PERIOD_LABEL:
            cells["period"] = FREQUENCIES.get(period, (period, ""))[0]
        cells["target_value"] = _display(t.get("value"), display, base)
    elif kind == "range":
        cells["form"] = "区间"
        cells["target_value"] = f"{_display(t.get('low'), display, base)}至{_display(t.get('high'), display, base)}"
    elif kind == "about":
        cells["form"] = "左右"
        cells["target_value"] = _display(t.get("value"), display, base)
        if t.get("tolerance") is not None:
            cells["tolerance"] = _display(t.get("tolerance"), display, base)
    elif kind == "change":
        change = t.get("change") or {}
        amount = float(next(iter(change.values()), 0) or 0)
        down = amount < 1 if "factor" in change else amount < 0
        if "relative" in change:
            v = float(change["relative"])
            cells["form"], cells["target_value"] = ("降低%", -v) if v < 0 else ("提高%", v)
            cells["target_value"] = _shown_number(cells["target_value"] + 0.0)
        elif "absolute" in change:
            v = float(change["absolute"])
            cells["form"] = "降低(绝对值)" if v < 0 else "提高(绝对值)"
            cells["target_value"] = _display(abs(v), display, base)
        elif "factor" in change:
            v = float(change["factor"])
            if v == 2:
                cells["form"] = "翻番"
            elif v == 4:
                cells["form"] = "翻两番"
            else:
                cells["form"], cells["target_value"] = "倍数", _shown_number(v)
            if comparator not in (None, "None", "<=" if down else ">=") and "target_value" not in cells:
                cells["target_value"] = _shown_number(v)
        if comparator not in ("None", "<=" if down else ">=") and cells.get("target_value") is not None:
            # A comparator other than the one the change's direction implies: written before the figure.
            cells["target_value"] = f"{comparator}{cells['target_value']}"
    elif kind == "average_growth":
        cells["form"] = "年均增长" + ("" if comparator == ">=" else _COMPARATOR_LABEL.get(comparator, ""))
        cells["target_value"] = _shown_number(float(t.get("rate") or 0))
    elif kind == "path":
        cells["form"] = "逐年" + _COMPARATOR_LABEL.get(comparator, "不低于")
    if kind != "threshold" and t.get("period") is not None:
        cells["period"] = FREQUENCIES.get(t["period"], (t["period"], ""))[0]
    if t.get("nature") is not None:
        cells["nature"] = NATURES.get(t["nature"], (t["nature"], ""))[0]
    if t.get("id") and t["id"] != f"{indicator_id}-{k + 1}":
        cells["target_id"] = t["id"]
    baseline = t.get("baseline") or {}
    if baseline.get("value") is not None:
        cells["baseline_value"] = _display(baseline["value"], display, base)
    if baseline.get("date") is not None:
        cells["baseline_year"] = _shown_day(baseline["date"])
    deadline = t.get("deadline")
    if isinstance(deadline, dict):
        cells["target_year"] = f"{_shown_day(deadline.get('earliest'))}至{_shown_day(deadline.get('latest'))}"
    elif deadline is not None:
        cells["target_year"] = _shown_day(deadline)
    if t.get("method") not in (None, "cagr"):
        cells["method"] = METHODS.get(t["method"], (t["method"], ""))[0]
    for key in ("note", "quote", "speaker", "office"):
        if t.get(key) is not None:
            cells[key] = t[key]
    if t.get("quote") is not None:
        # The document the loader would give the target, written out whole (the sheet has no file default).
        source = t["source"] if "source" in t else common.get("id")
        if "source_date" in t:
            when = t["source_date"]
        elif "source" in t and source in dates:
            when = dates[source]
        else:
            when = common.get("date")
        if source is not None:
            cells["source"] = source
        if when != dates.get(source) if source is not None else when is not None:
            cells["source_date"] = when.isoformat() if isinstance(when, date) else when
    if kind == "path":
        rows = []
        for step in t.get("path") or []:
            row = dict(cells)
            row["target_year"] = _shown_day(step.get("date"))
            row["target_value"] = _display(step.get("value"), display, base)
            rows.append(row)
        return rows or [cells]
    return [cells]


def document_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The 指标 sheet's rows (key -> cell) of a catalogue document as dump_catalog writes it."""
    domains = {d.get("id"): d.get("name_zh") for d in document.get("domains") or []}
    for d in DEFAULT_DOMAINS:
        domains.setdefault(d.id, d.name_zh)
    common = document.get("source") or {}
    dates = {s.get("id"): s.get("date") for s in document.get("sources") or []}
    if common.get("id") is not None and common["id"] not in dates:
        dates[common["id"]] = common.get("date")
    rows: list[dict[str, Any]] = []
    for entry in document.get("indicators") or []:
        base = str(entry.get("unit") or "")
        display = str(entry.get("display_unit") or base)
        own: dict[str, Any] = {
            "id": entry.get("id"), "name_zh": entry.get("name_zh"), "unit": display,
            "domain": domains.get(entry.get("domain"), entry.get("domain")),
            "measure": MEASURES.get(entry.get("measure"), (entry.get("measure"), ""))[0],
            "direction": DIRECTIONS.get(entry.get("direction"), (entry.get("direction"), ""))[0],
            "frequency": FREQUENCIES.get(entry.get("frequency"), (entry.get("frequency"), ""))[0],
            "responsible": entry.get("responsible"), "description": entry.get("description"),
        }
        if entry.get("name_en") != entry.get("name_zh"):
            own["name_en"] = entry.get("name_en")
        if split_unit(display)[1] != base:
            own["base_unit"] = base
        bounds = entry.get("bounds") or [None, None]
        own["lower"] = _display(bounds[0], display, base)
        own["upper"] = _display(bounds[1], display, base)
        if entry.get("cumulative_since") is not None:
            own["cumulative_since"] = entry["cumulative_since"].isoformat()
        if entry.get("publication_lag_days") not in (None, 30):
            own["lag"] = entry["publication_lag_days"]
        if entry.get("retired"):
            own["retired_on"] = entry["retired"]["date"].isoformat()
            own["retired_reason"] = entry["retired"]["reason"]
        target_rows = [cells for k, t in enumerate(entry.get("targets") or [])
                       for cells in _target_cells(t, display, base, str(entry.get("id")), k, common, dates)]
        if not target_rows:
            target_rows = [{}]
        for n, cells in enumerate(target_rows):
            row = dict(own) if n == 0 else {"id": own["id"], "name_zh": own["name_zh"]}
            row.update(cells)
            rows.append({k: v for k, v in row.items() if v is not None})
    for n, row in enumerate(rows, 1):
        row["no"] = n
    return rows


def _sheet(workbook: Any, title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Any:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = workbook.create_sheet(title)
    ws.append([c.header for c in columns])
    for n, c in enumerate(columns, 1):
        cell = ws.cell(row=1, column=n)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = max(c.width, 8)
    for row in rows:
        ws.append([None] * len(columns))
        for n, c in enumerate(columns, 1):
            value = row.get(c.key)
            if value is None:
                continue
            if isinstance(value, datetime):
                value = value.date()
            if isinstance(value, date):
                value = value.isoformat()
            cell = ws.cell(row=ws.max_row, column=n, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: "=…" is never a formula, "2025-06-30" never re-typed
    ws.freeze_panes = "B2" if title == SHEET_ROWS else "A2"
    ws.row_dimensions[1].height = 32
    return ws


def _lists_sheet(workbook: Any) -> dict[str, str]:
    """The hidden sheet of drop-down choices; key -> its range formula."""
    ws = workbook.create_sheet(SHEET_LISTS)
    lists = {
        "form": list(FORM_CHOICES), "nature": [v[0] for v in NATURES.values()],
        "measure": [v[0] for v in MEASURES.values()], "direction": [v[0] for v in DIRECTIONS.values()],
        "frequency": [v[0] for v in FREQUENCIES.values()], "unit": list(COMMON_UNITS),
        "kind": [v[0] for v in SOURCE_KINDS.values()], "method": [v[0] for v in METHODS.values()],
    }
    formulas = {}
    from openpyxl.utils import get_column_letter

    for n, (key, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(n)
        ws.cell(row=1, column=n, value=key)
        for k, v in enumerate(values, 2):
            ws.cell(row=k, column=n, value=v).data_type = "s"
        formulas[key] = f"'{SHEET_LISTS}'!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return formulas


def _validations(workbook: Any, formulas: dict[str, str], n_rows: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = workbook[SHEET_ROWS]
    last = max(n_rows + 1, TEMPLATE_ROWS)
    position = {c.key: get_column_letter(n) for n, c in enumerate(ROW_COLUMNS, 1)}
    formulas = dict(formulas, domain=f"'{SHEET_DOMAINS}'!$B$2:$B${TEMPLATE_ROWS}",
                    period=formulas["frequency"])
    for key in ("domain", "form", "nature", "measure", "direction", "frequency", "unit", "period", "method"):
        strict = key not in ("unit", "form")  # a unit or a form label not in the list may still be right
        dv = DataValidation(type="list", formula1=formulas[key], allow_blank=True, showErrorMessage=strict,
                            errorTitle="不在列表中 / Not in the list",
                            error="请从下拉列表中选择 / Pick a value from the list")
        dv.add(f"{position[key]}2:{position[key]}{last}")
        rows.add_data_validation(dv)
    sources = workbook[SHEET_SOURCES]
    dv = DataValidation(type="list", formula1=formulas["kind"], allow_blank=True)
    dv.add(f"B2:B{TEMPLATE_ROWS}")
    sources.add_data_validation(dv)


def _help_sheet(workbook: Any, domains: Sequence[Domain]) -> None:
    from openpyxl.styles import Alignment, Font

    ws = workbook.worksheets[0]
    ws.title = SHEET_HELP
    lines: list[tuple[str, str, str]] = [
        ("指标目标填报模板 / Catalogue template", "", ""),
        ("用途", "在“指标”工作表中每个目标填一行（主要指标表的格式），保存后用 monitor catalog import 文件.xlsx 导入。"
         "导入时逐格检查，有错误时整个文件不导入，并指出工作表、行号和列名。",
         "Fill one row per target on the 指标 sheet (a plan's main-indicator table), then run "
         "`monitor catalog import FILE.xlsx`. Every cell is checked; on any error nothing is imported and each "
         "error names the sheet, row and column."),
        ("多个目标", "同一指标有多个目标时各占一行，指标名称（或指标代码）相同；后面各行的指标列可以留空。"
         "逐年目标每年一行。没有量化目标的指标：目标列留空。",
         "An indicator with several targets takes several rows with the same name (or id); its indicator "
         "columns may be empty on the later rows. A 逐年目标 (path) target takes one row per year. An indicator "
         "without a quantified target: leave the target columns empty."),
        ("数值与单位", "基期值、目标值、合理上下限、允许偏差都按该行“单位”填写（如 单位 万人次、目标值 1500）；"
         "也可在数字后写单位（1500万人次、5.5%）。降低%、提高%、年均增长填百分数；“—”表示空。",
         "Baseline, target, bounds and tolerance are in the row's unit (unit 万人次, target 1500); a cell may "
         "carry its own unit (1500万人次, 5.5%). Percent changes and growth rates are percent. “—” is empty."),
        ("年份", "基期年份、目标年份写年份（2020 即 2020年12月31日：存量为年末水平，流量、比率为全年数据）、日期"
         "（2025-06-30）或月份（2025年6月 即月末）；目标年份可写时间窗“2028至2030”。",
         "A year (2020 = 31 Dec 2020: the level at the year's end for a stock, the year's figure for a flow or "
         "ratio), a date, or a month (its last day); a target year may be a window 2028至2030."),
        ("不要修改", "请不要修改表头和工作表名称；可以删除不用的列（必填列除外）。“选项”工作表是下拉列表的内容。",
         "Keep the headers and sheet names (unused optional columns may be deleted). The hidden 选项 sheet "
         "holds the drop-down lists."),
        ("", "", ""),
        ("“指标”工作表各列 / Columns", "", ""),
    ]
    lines += [(c.header, c.help_zh, c.help_en) for c in ROW_COLUMNS]
    lines += [("", "", ""), ("目标形式 / Target forms（目标形式 → 目标值示例 → 含义）", "", "")]
    lines += [(label, f"目标值 {value or '（空）'}：{zh}", en) for label, value, zh, en in FORM_EXAMPLES]
    lines += [("其他形式 / Others", "高于、低于（严格）；每年/每半年/每季度/每月/持续 + 不低于/高于/不超过/低于；"
               "逐年不低于、逐年不超过；年均增长不超过。", "Strict 高于/低于; per-period thresholds; path "
               "comparators; growth ceilings.")]
    lines += [("", "", ""), ("测度 / Measures", "", "")]
    lines += [(zh, {"stock": "某一时点的水平（森林覆盖率、常住人口）", "flow": "一段时期的合计（接待游客人次、投资额）",
                    "ratio": "比率、占比（优良天数比率）", "cumulative": "自某日起的累计数（须填累计起始日期）",
                    "yoy_change": "与上年同期相比的增速（GDP增长）"}[v], en) for v, (zh, en) in MEASURES.items()]
    lines += [("", "", ""), ("常用单位 / Units", "、".join(COMMON_UNITS),
               "Any unit may be typed; values convert between 万/亿 forms of the same unit.")]
    lines += [("领域 / Domains", "、".join(f"{d.name_zh}（{d.id}）" for d in domains),
               "Listed on the 领域 sheet; add rows there for more.")]
    lines += [("来源文件 / Documents", "在“来源文件”工作表登记：文件代码、类型（规划、工作报告、新闻发布会、其他）、标题、日期。",
               "Declared on the 来源文件 sheet: id, kind, title, date.")]
    lines += [("工作区 / Workspace", "可选：看板标题和机构名称，一行。", "Optional: the dashboard's title and organisation, one row.")]
    lines += [("读数 / Readings", "实际数据不在此表中：用 monitor import 导入读数文件。",
               "Readings are not in this workbook: import them with `monitor import`.")]
    for line in lines:
        ws.append(list(line))
    for n in (1,) + tuple(k for k, line in enumerate(lines, 1) if line[0] and not line[1] and not line[2]):
        ws.cell(row=n, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 70
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):
                cell.data_type = "s"


def write_workbook(document: dict[str, Any]) -> bytes:
    """A catalogue document (as dump_catalog writes it, loaded back) as the template's workbook."""
    import openpyxl

    workbook = openpyxl.Workbook()
    declared = [Domain(d["id"], d.get("name_zh", d["id"]), d.get("name_en", d["id"])) for d in document.get("domains") or []]
    domains = declared or list(DEFAULT_DOMAINS)
    _help_sheet(workbook, domains)
    rows = document_rows(document)
    _sheet(workbook, SHEET_ROWS, ROW_COLUMNS, rows)
    _sheet(workbook, SHEET_DOMAINS, DOMAIN_COLUMNS,
           [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in domains])
    sources = [dict(s, kind=SOURCE_KINDS.get(s.get("kind", "other"), ("其他", ""))[0]) for s in document.get("sources") or []]
    common = document.get("source") or {}
    if common.get("id") is not None and not any(s.get("id") == common["id"] for s in sources):
        sources.append({"id": common["id"], "kind": "其他", "title": common["id"], "date": common.get("date")})
    _sheet(workbook, SHEET_SOURCES, SOURCE_COLUMNS, sources)
    workspace = document.get("workspace")
    _sheet(workbook, SHEET_WORKSPACE, WORKSPACE_COLUMNS, [workspace] if workspace else [])
    formulas = _lists_sheet(workbook)
    _validations(workbook, formulas, len(rows))
    workbook.active = 1  # opens on the 指标 sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(profile: Profile | None = None) -> bytes:
    """The empty template: the store's domains (else the default six), documents and workspace, no rows."""
    document: dict[str, Any] = {"indicators": []}
    if profile is not None:
        if profile.domains:
            document["domains"] = [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in profile.domains]
        document["sources"] = [{k: v for k, v in (("id", s.id), ("kind", s.kind.value), ("title", s.title),
                                                  ("title_en", s.title_en), ("date", s.date)) if v is not None}
                               for s in profile.sources]
        if profile.workspace is not None:
            w = profile.workspace
            document["workspace"] = {k: v for k, v in (("title_zh", w.title_zh), ("title_en", w.title_en),
                                                       ("organisation_zh", w.organisation_zh),
                                                       ("organisation_en", w.organisation_en)) if v is not None}
    return write_workbook(document)


def export_catalog_xlsx(store: Any) -> bytes:
    """The store's catalogue (indicators, targets, domains, documents, workspace) as the template's workbook."""
    import yaml

    from monitor.files.catalog import export_catalog

    # Through the YAML dump: the workbook holds exactly what `catalog export` writes, whatever target
    # kinds the dumper knows, and is read back into the same document.
    return write_workbook(yaml.safe_load(export_catalog(store)))


__all__ = ["FORMS", "ROW_COLUMNS", "document_rows", "export_catalog_xlsx", "generated_id", "load_catalog_xlsx",
           "read_workbook", "write_template", "write_workbook"]
