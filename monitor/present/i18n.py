"""Chinese and English wording and number/date formatting shared by the CLI and the dashboard.

Every user-visible phrase lives in ``MESSAGES`` with both languages so that a missing translation is a
test failure, not a blank on screen. Babel is imported inside the formatting functions: the CLI's
``add`` path never formats and must start fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

from monitor.model import STATUSES, Qualifier
from monitor.model.periods import add_months
from monitor.model.problems import OTHER, PROBLEMS, render
from monitor.model.units import normalize_unit
from monitor.model.validate import VALUE_MAX, escape_controls

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "LOCALES",
    "MESSAGES",
    "STATUSES",
    "STATUS_ICONS",
    "escape_markdown",
    "format_date",
    "format_number",
    "format_quantity",
    "freshness",
    "month_name",
    "months_ago",
    "normalize_lang",
    "problem_text",
    "qualified",
    "status_text",
    "t",
    "unit_label",
]

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"

# en_GB rather than en_US: "11 Jul 2025" matches the period labels ("30 Jun 2025") and reads
# unambiguously to readers outside the US.
LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en_GB"}


# Every icon has its own shape (circle, square, diamond, triangle...), not just its own colour, so that
# status survives colour blindness and monochrome printing.
STATUS_ICONS: dict[str, str] = {
    "achieved": "✅",
    "on_track": "🟢",
    "needs_acceleration": "🟨",
    "limited_progress": "🔶",
    "deterioration": "🔻",
    "met": "✔",
    "not_met": "✖",
    "no_target": "➖",
    "insufficient_data": "❔",
}

MESSAGES: dict[str, dict[str, str]] = {
    # Status of an indicator against its target.
    "status.achieved": {"zh": "已实现", "en": "Achieved"},
    "status.on_track": {"zh": "按期推进", "en": "On track"},
    "status.needs_acceleration": {"zh": "需加速", "en": "Needs acceleration"},
    "status.limited_progress": {"zh": "进展有限", "en": "Limited progress"},
    "status.deterioration": {"zh": "倒退", "en": "Deterioration"},
    "status.met": {"zh": "达标", "en": "Met"},
    "status.not_met": {"zh": "未达标", "en": "Not met"},
    "status.no_target": {"zh": "无目标", "en": "No target"},
    "status.insufficient_data": {"zh": "数据不足", "en": "Insufficient data"},
    # Measure kinds.
    "measure.stock": {"zh": "存量（时点值）", "en": "Stock (level at a date)"},
    "measure.flow": {"zh": "流量（期间累计）", "en": "Flow (total over a period)"},
    "measure.ratio": {"zh": "比率", "en": "Ratio"},
    "measure.cumulative": {"zh": "累计值（自起始日）", "en": "Cumulative (since a start date)"},
    "measure.yoy_change": {"zh": "同比增速", "en": "Year-on-year change"},
    # Directions.
    "direction.increase": {"zh": "越高越好", "en": "Higher is better"},
    "direction.decrease": {"zh": "越低越好", "en": "Lower is better"},
    # Frequencies.
    "frequency.monthly": {"zh": "月度", "en": "Monthly"},
    "frequency.quarterly": {"zh": "季度", "en": "Quarterly"},
    "frequency.half_yearly": {"zh": "半年度", "en": "Half-yearly"},
    "frequency.yearly": {"zh": "年度", "en": "Yearly"},
    "frequency.irregular": {"zh": "不定期", "en": "Irregular"},
    # Target kinds and methods.
    "target_kind.reach": {"zh": "到期达到", "en": "Reach by a deadline"},
    "target_kind.threshold": {"zh": "每期达标", "en": "Threshold every period"},
    "method.cagr": {"zh": "复合增长", "en": "Compound growth"},
    "method.linear": {"zh": "线性增长", "en": "Linear growth"},
    # Qualifiers: the word alone, and wrapped around a formatted figure.
    "qualifier.exact": {"zh": "确数", "en": "exact"},
    "qualifier.approx": {"zh": "约", "en": "approx."},
    "qualifier.at_least": {"zh": "以上", "en": "at least"},
    "qualifier.more_than": {"zh": "余", "en": "more than"},
    "qualifier.at_most": {"zh": "以下", "en": "at most"},
    "qualified.exact": {"zh": "{value}", "en": "{value}"},
    "qualified.approx": {"zh": "约{value}", "en": "approx. {value}"},
    "qualified.at_least": {"zh": "{value}以上", "en": "at least {value}"},
    "qualified.more_than": {"zh": "{value}余", "en": "more than {value}"},
    "qualified.at_most": {"zh": "{value}以下", "en": "at most {value}"},
    # Freshness of the latest reading.
    "freshness.updated_this_month": {"zh": "本月更新", "en": "updated this month"},
    "freshness.updated_one_month_ago": {"zh": "最近更新 1 个月前", "en": "updated 1 month ago"},
    "freshness.updated_months_ago": {"zh": "最近更新 {n} 个月前", "en": "updated {n} months ago"},
    "freshness.overdue": {"zh": "逾期", "en": "overdue"},
    "freshness.up_to_date": {"zh": "按时", "en": "up to date"},
    "freshness.never": {"zh": "尚无数据", "en": "no data yet"},
    # ---- Dashboard: frame and navigation.
    # The title of a store whose catalogue declares no workspace (docs/catalog.md).
    "app.title": {"zh": "目标监测", "en": "Goals monitor"},
    "app.based_on": {"zh": "依据 {documents}", "en": "Based on {documents}"},
    "app.as_of": {"zh": "状态截至 {date}", "en": "Status as of {date}"},
    "app.language": {"zh": "语言", "en": "Language"},
    "app.database": {"zh": "数据库：{path}", "en": "Database: {path}"},
    "app.created": {
        "zh": "首次运行：已创建数据库并载入指标目录（{n} 个指标）",
        "en": "First run: created the database and loaded the catalogue ({n} indicators)",
    },
    "app.error": {"zh": "出错了：{reason}", "en": "Something went wrong: {reason}"},
    "app.busy": {
        "zh": "数据库正忙（另一进程正在写入），请稍后刷新",
        "en": "The database is busy (another process is writing); refresh in a moment",
    },
    "page.overview": {"zh": "总览", "en": "Overview"},
    "page.goal": {"zh": "指标详情", "en": "Goal detail"},
    "page.add": {"zh": "录入数据", "en": "Add reading"},
    "page.import": {"zh": "批量导入", "en": "Import"},
    "page.refresh": {"zh": "数据刷新", "en": "Refresh"},
    "page.methodology": {"zh": "方法说明", "en": "Methodology"},
    "common.yes": {"zh": "是", "en": "yes"},
    "common.no": {"zh": "否", "en": "no"},
    "common.all": {"zh": "全部", "en": "All"},
    # ---- Overview.
    "overview.total": {"zh": "有目标的指标", "en": "Goals with a target"},
    "overview.tracked": {"zh": "仅跟踪（无目标）", "en": "Tracked, no target"},
    "overview.filter_domain": {"zh": "领域", "en": "Domain"},
    "overview.filter_status": {"zh": "状态", "en": "Status"},
    "overview.filter_text": {"zh": "搜索", "en": "Search"},
    "overview.filter_text_placeholder": {"zh": "指标名称或编号", "en": "Goal name or id"},
    "overview.stale_only": {"zh": "只看逾期未更新", "en": "Stale only"},
    "overview.targets_only": {"zh": "只看有目标的", "en": "With a target only"},
    "overview.showing": {"zh": "显示 {shown} / {total} 项", "en": "Showing {shown} of {total}"},
    "overview.empty": {"zh": "没有符合筛选条件的目标", "en": "No goal matches the filters"},
    "overview.hint": {
        "zh": "点击指标名称查看详情：数据走势、目标路径与判断依据。状态以图标和文字表示。",
        "en": "Click a goal's name for its detail: readings, path to the target and the evidence. "
        "Status is shown by icon and word.",
    },
    "overview.stale_count": {"zh": "逾期未更新", "en": "Stale"},
    "overview.known_on": {"zh": "按当时已知数据（日期）", "en": "As known on"},
    "overview.known_on_help": {
        "zh": "选择一个过去的日期：只计入该日（UTC）结束前已录入的数据、修订和目标，状态按该日判断。留空即为当前数据。",
        "en": "Pick a past date: only readings, revisions and targets recorded by the end of that day (UTC) count, "
              "and the status is judged as of that day. Leave empty for the data known now.",
    },
    "overview.known_on_note": {
        "zh": "这是截至 {day}（UTC）库中已知的数据：其后录入的数据、修订和目标不计入。",
        "en": "As the store knew it on {day} (UTC): readings, revisions and targets recorded later are left out.",
    },
    "col.domain": {"zh": "领域", "en": "Domain"},
    "col.name": {"zh": "指标", "en": "Goal"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.latest": {"zh": "最新值（期间）", "en": "Latest (period)"},
    "col.target": {"zh": "目标（期限）", "en": "Target (deadline)"},
    "col.progress": {"zh": "进度", "en": "Progress"},
    "col.progress_help": {
        "zh": "从基期值到目标值已走完的比例；每期达标类目标：达标为 100%",
        "en": "Share of the way from the baseline to the target; threshold goals: 100% when met",
    },
    "col.trend": {"zh": "走势", "en": "Trend"},
    "col.trend_help": {"zh": "可比期间的历次数据", "en": "Comparable readings over time"},
    "col.freshness": {"zh": "更新情况", "en": "Freshness"},
    # ---- Goal detail.
    "goal.pick": {"zh": "选择指标", "en": "Choose a goal"},
    "goal.pick_help": {"zh": "可输入名称搜索", "en": "Type to search by name"},
    "goal.none": {"zh": "请选择一个指标查看详情", "en": "Choose a goal to see its detail"},
    "goal.unknown": {"zh": "未找到编号为 “{id}” 的指标", "en": "No goal with the id “{id}”"},
    "goal.back": {"zh": "返回总览", "en": "Back to the overview"},
    "goal.add_link": {"zh": "为此指标录入新数据", "en": "Add a reading for this goal"},
    "goal.chart": {"zh": "数据与目标路径", "en": "Readings and the path to the target"},
    "goal.chart_caption": {
        "zh": "圆点为时点数据，横线段为期间数据（如 1—6 月的数据覆盖 1 月至 6 月，不代表全年）；"
        "阴影带为目标期限窗口（冲刺日期至最终期限）。",
        "en": "Dots are levels at a date; horizontal segments are figures for a period (a Jan–Jun figure "
        "spans January to June, not the year); the shaded band is the deadline window (stretch date to deadline).",
    },
    "goal.evidence": {"zh": "判断依据", "en": "Why this status"},
    "goal.evidence_numbers": {"zh": "依据数据", "en": "The evidence in numbers"},
    "goal.readings": {"zh": "数据记录", "en": "Readings"},
    "goal.history": {"zh": "修订历史（全部版本）", "en": "Revision history (every version)"},
    "goal.history_none": {"zh": "尚无修订：每期数据只有一个版本", "en": "No revision yet: every period has one version"},
    "goal.target_quote": {"zh": "目标出处", "en": "Source of the target (original Chinese)"},
    "goal.no_readings": {"zh": "尚无数据", "en": "No reading yet"},
    "goal.raw_evidence": {"zh": "原始依据数据（JSON，供核对）", "en": "Raw evidence (JSON, for checking)"},
    "goal.target_heading": {"zh": "目标：{target}", "en": "Target: {target}"},
    "goal.no_target_heading": {"zh": "此指标没有量化目标", "en": "This indicator has no quantified target"},
    "goal.latest": {"zh": "最新值", "en": "Latest"},
    "goal.target": {"zh": "目标", "en": "Target"},
    "goal.progress": {"zh": "进度", "en": "Progress"},
    "goal.freshness": {"zh": "更新情况", "en": "Freshness"},
    "meta.unit": {"zh": "单位", "en": "Unit"},
    "meta.measure": {"zh": "统计口径", "en": "Measure"},
    "meta.frequency": {"zh": "更新频率", "en": "Frequency"},
    "meta.direction": {"zh": "方向", "en": "Direction"},
    "meta.responsible": {"zh": "责任单位", "en": "Responsible office"},
    "meta.id": {"zh": "编号", "en": "Id"},
    # Chart series, axes and tooltips.
    "series.reading_point": {"zh": "时点数据", "en": "Level at a date"},
    "series.reading_period": {"zh": "期间数据", "en": "Figure for a period"},
    "series.baseline": {"zh": "基期值", "en": "Baseline"},
    "series.target": {"zh": "目标值", "en": "Target"},
    "series.threshold": {"zh": "达标线", "en": "Threshold"},
    "series.required": {"zh": "需要的路径", "en": "Required path"},
    "series.projection": {"zh": "预测（含区间）", "en": "Projection (with range)"},
    "series.window": {"zh": "目标期限窗口", "en": "Deadline window"},
    "axis.date": {"zh": "日期", "en": "Date"},
    "axis.value": {"zh": "数值（{unit}）", "en": "Value ({unit})"},
    "axis.value_plain": {"zh": "数值", "en": "Value"},
    "tip.series": {"zh": "类别", "en": "Series"},
    "tip.period": {"zh": "期间", "en": "Period"},
    "tip.value": {"zh": "数值", "en": "Value"},
    # Evidence table.
    "ev.item": {"zh": "项目", "en": "Item"},
    "ev.value": {"zh": "数值", "en": "Value"},
    "ev.method": {"zh": "计算方法", "en": "Method"},
    "ev.baseline": {"zh": "基期值", "en": "Baseline"},
    "ev.latest": {"zh": "最新可比数据", "en": "Latest comparable reading"},
    "ev.target": {"zh": "目标", "en": "Target"},
    "ev.deadline": {"zh": "最终期限", "en": "Deadline"},
    "ev.stretch": {"zh": "冲刺日期", "en": "Stretch date"},
    "ev.years_elapsed": {"zh": "基期至最新数据", "en": "Baseline to latest reading"},
    "ev.years_total": {"zh": "基期至最终期限", "en": "Baseline to deadline"},
    "ev.years": {"zh": "{n} 年", "en": "{n} years"},
    "ev.days": {"zh": "{n} 天", "en": "{n} days"},
    "ev.cagr_required": {"zh": "需要的年均增长", "en": "Growth needed a year"},
    "ev.cagr_observed": {"zh": "实际年均增长", "en": "Growth achieved a year"},
    "ev.change_required": {"zh": "需要的年均变化", "en": "Change needed a year"},
    "ev.change_observed": {"zh": "实际年均变化", "en": "Change achieved a year"},
    "ev.ratio": {"zh": "比值 R（实际 ÷ 需要）", "en": "Ratio R (achieved ÷ needed)"},
    "ev.bands": {
        "zh": "R ≥ 0.95 按期推进；0.60—0.95 需加速；0—0.60 进展有限；< 0 倒退",
        "en": "R ≥ 0.95 on track; 0.60–0.95 needs acceleration; 0–0.60 limited progress; < 0 deterioration",
    },
    "ev.bands_label": {"zh": "判断区间", "en": "Bands"},
    "ev.margin": {"zh": "与达标线的差距", "en": "Margin to the threshold"},
    "ev.share_met": {"zh": "历期达标率", "en": "Share of periods met"},
    "ev.provisional": {"zh": "暂定（非完整期间）", "en": "Provisional (part of a period)"},
    "ev.projected_value": {"zh": "按当前速度，期限时预计达到", "en": "At the current pace, by the deadline"},
    "ev.projected_range": {"zh": "预测区间", "en": "Projection range"},
    "ev.projected_date": {"zh": "预计达标日期", "en": "Projected date the target is reached"},
    "ev.projection_basis": {"zh": "预测依据", "en": "Projection basis"},
    "ev.trend": {"zh": "近期年均增长", "en": "Recent growth a year"},
    "ev.last_period_end": {"zh": "最近数据期末", "en": "Latest period ends"},
    "ev.next_due": {"zh": "下期数据应于", "en": "Next reading due"},
    "ev.days_overdue": {"zh": "逾期", "en": "Overdue by"},
    "basis.two_points": {"zh": "两点（基期值与最新值）", "en": "two points (baseline and latest)"},
    "basis.weighted_log_linear_fit": {"zh": "加权对数线性拟合", "en": "weighted log-linear fit"},
    "basis.weighted_linear_fit": {"zh": "加权线性拟合", "en": "weighted linear fit"},
    # Reading tables.
    "rcol.period": {"zh": "期间", "en": "Period"},
    "rcol.value": {"zh": "数值", "en": "Value"},
    "rcol.qualifier": {"zh": "限定", "en": "Qualifier"},
    "rcol.source": {"zh": "来源", "en": "Source"},
    "rcol.quote": {"zh": "原文", "en": "Original quote (Chinese)"},
    "rcol.note": {"zh": "备注", "en": "Note"},
    "rcol.revision": {"zh": "版本", "en": "Revision"},
    "rcol.recorded_by": {"zh": "录入方式", "en": "Recorded by"},
    "rcol.recorded_at": {"zh": "录入时间（UTC）", "en": "Recorded at (UTC)"},
    "recorded_by.seed": {"zh": "指标目录初始数据", "en": "catalogue seed"},
    "recorded_by.dashboard": {"zh": "仪表盘录入", "en": "dashboard"},
    "recorded_by.import": {"zh": "文件导入", "en": "file import"},
    "recorded_by.cli": {"zh": "命令行", "en": "command line"},
    "recorded_by.catalog": {"zh": "目录导入", "en": "catalogue import"},
    # ---- Add reading.
    "add.intro": {
        "zh": "录入一期数据。同一期间再次录入不同数值时，会保存为新的修订版本，历史版本保留。",
        "en": "Record one figure. A different value for a period already recorded is kept as a new revision; "
        "earlier versions stay in the history.",
    },
    "add.indicator": {"zh": "指标", "en": "Goal (indicator)"},
    "add.period_kind": {"zh": "期间类型", "en": "Period type"},
    "add.date": {"zh": "日期", "en": "Date"},
    "add.year": {"zh": "年份", "en": "Year"},
    "add.month": {"zh": "月份", "en": "Month"},
    "add.quarter": {"zh": "季度", "en": "Quarter"},
    "add.half": {"zh": "半年", "en": "Half-year"},
    "add.start": {"zh": "起始日期", "en": "Start date"},
    "add.end": {"zh": "截止日期", "en": "End date"},
    "add.value": {"zh": "数值（{unit}）", "en": "Value ({unit})"},
    "add.value_help": {
        "zh": "按所选单位填写，如 2.3；也可写 23,000、约2.3、13余",
        "en": "In the unit chosen, e.g. 2.3 or 23,000",
    },
    "add.unit": {"zh": "单位", "en": "Unit"},
    "add.qualifier": {"zh": "限定（原文的说法）", "en": "Qualifier (as the source states it)"},
    "add.source": {"zh": "来源", "en": "Source"},
    "add.source_placeholder": {"zh": "如：市统计局月报", "en": "e.g. city statistics bureau, monthly report"},
    "add.note": {"zh": "备注", "en": "Note"},
    "add.submit": {"zh": "保存", "en": "Save reading"},
    "add.current": {"zh": "当前最新值：{value}", "en": "Latest stored: {value}"},
    "add.bounds": {"zh": "合理范围：{low} — {high}", "en": "Plausible range: {low} – {high}"},
    "add.open": {"zh": "不设上限", "en": "no limit"},
    "add.saved_new": {"zh": "已保存：{value}（{period}）", "en": "Saved: {value} ({period})"},
    "add.saved_revised": {
        "zh": "已保存为新的修订版本：{value}（{period}）",
        "en": "Saved as a new revision: {value} ({period})",
    },
    "add.unchanged": {
        "zh": "与已有数据相同，未作修改：{value}（{period}）",
        "en": "Same as the stored figure; nothing changed: {value} ({period})",
    },
    "add.new_status": {"zh": "该目标的最新状态", "en": "New status of this goal"},
    "add.errors": {"zh": "未保存，请修改以下内容：", "en": "Not saved. Please fix:"},
    "add.busy": {
        "zh": "数据库正忙（另一进程正在写入），未保存，请稍后重试",
        "en": "The database is busy (another process is writing); nothing was saved, please retry",
    },
    "period_kind.point": {"zh": "截至某日（时点值或累计值）", "en": "As of a date (level or running total)"},
    "period_kind.month": {"zh": "月度", "en": "Month"},
    "period_kind.quarter": {"zh": "季度", "en": "Quarter"},
    "period_kind.half": {"zh": "半年", "en": "Half-year"},
    "period_kind.year": {"zh": "年度", "en": "Year"},
    "period_kind.custom": {"zh": "自定义起止日期", "en": "Custom start and end"},
    "half.1": {"zh": "上半年（1—6月）", "en": "H1 (Jan–Jun)"},
    "half.2": {"zh": "下半年（7—12月）", "en": "H2 (Jul–Dec)"},
    "quarter.n": {"zh": "第{n}季度", "en": "Q{n}"},
    # ---- Import.
    "imp.intro": {
        "zh": "上传数据文件，先校验（不写入），再选择全部导入或只导入有效行。",
        "en": "Upload a reading file: it is validated first (nothing written), then you import all of it or "
        "only the valid rows.",
    },
    "imp.upload": {
        "zh": "数据文件（CSV：UTF-8 或 GB18030；XLSX；不超过 20 MB）",
        "en": "Reading file (CSV in UTF-8 or GB18030, or XLSX; up to 20 MB)",
    },
    "imp.columns": {
        "zh": "列：indicator_id（指标编号）、period_start（起始日期，可空）、period_end（截止日期）、value（数值）、"
        "qualifier（限定，可空）、unit（单位，可空）、source（来源）、note（备注）",
        "en": "Columns: indicator_id, period_start (may be empty), period_end, value, qualifier (optional), "
        "unit (optional), source, note",
    },
    "imp.template": {"zh": "下载模板（CSV）", "en": "Download a template (CSV)"},
    "imp.preview": {"zh": "预览（前 {n} 行）", "en": "Preview (first {n} rows)"},
    "imp.report": {"zh": "校验结果（试运行，未写入）", "en": "Validation (dry run, nothing written)"},
    "imp.rows": {"zh": "行数", "en": "Rows"},
    "imp.valid": {"zh": "有效", "en": "Valid"},
    "imp.rejected": {"zh": "有误", "en": "Invalid"},
    "imp.new": {"zh": "新增", "en": "New"},
    "imp.revised": {"zh": "修订", "en": "Revised"},
    "imp.unchanged": {"zh": "不变", "en": "Unchanged"},
    "imp.all_valid": {"zh": "所有行均有效", "en": "Every row is valid"},
    "imp.problems": {"zh": "有误的行", "en": "Problems by row"},
    "imp.import_all": {"zh": "全部导入（任一行有误则全部不导入）", "en": "Import all or nothing"},
    "imp.import_valid": {"zh": "只导入有效行（有误的行隔离）", "en": "Import valid rows only (quarantine the rest)"},
    "imp.download_rejected": {"zh": "下载有误的行（CSV）", "en": "Download the invalid rows (CSV)"},
    "imp.done": {
        "zh": "已导入 {file}：新增 {new} 条，修订 {revised} 条，未变 {unchanged} 条",
        "en": "Imported {file}: {new} new, {revised} revised, {unchanged} unchanged",
    },
    "imp.done_rejected": {
        "zh": "{n} 行有误，未导入，已记入隔离区",
        "en": "{n} invalid rows were not imported and were quarantined",
    },
    "imp.failed": {
        "zh": "未导入：{n} 行有误，整个文件未写入",
        "en": "Nothing imported: {n} rows are invalid, so no row of the file was written",
    },
    "imp.file_error": {"zh": "文件无法读取：", "en": "The file cannot be read:"},
    "imp.too_large": {
        "zh": "文件超过 {mb} MB 的上传上限；请拆分文件，或用命令行 monitor import 导入",
        "en": "The file is larger than the {mb} MB upload limit; split it, or import it with monitor import",
    },
    # ---- Editor sign-in (dashboards/auth.py).
    "auth.sign_in": {"zh": "编辑登录", "en": "Editor sign-in"},
    "auth.password": {"zh": "编辑密码", "en": "Editor password"},
    "auth.submit": {"zh": "登录", "en": "Sign in"},
    "auth.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "auth.signed_in": {"zh": "已作为编辑登录", "en": "Signed in as editor"},
    "auth.wrong": {"zh": "密码不正确", "en": "Wrong password"},
    "auth.throttled": {"zh": "尝试次数过多，请 {seconds} 秒后再试", "en": "Too many attempts; try again in {seconds} s"},
    "auth.why": {
        "zh": "录入数据、批量导入和立即刷新需要编辑登录；浏览无需登录。",
        "en": "Adding readings, importing files and running a refresh need an editor sign-in; reading does not.",
    },
    "auth.required": {
        "zh": "需要编辑登录：请在侧边栏输入编辑密码。",
        "en": "Editor sign-in required: enter the editor password in the sidebar.",
    },
    "auth.open": {
        "zh": "未设置编辑密码：能打开本页面的人都可以写入数据，请只在可信网络中使用（见 README 的“Security”一节）。",
        "en": "No editor password is set: anyone who can open this page can write data. "
              "Use the dashboard on a trusted network only (see Security in the README).",
    },
    "auth.bad_hash": {
        "zh": "编辑密码的配置有误，已禁止写入（见 README 的“Security”一节）",
        "en": "The editor password is misconfigured, so writing is disabled (see Security in the README)",
    },
    "auth.bad_hash_detail": {
        "zh": "编辑密码的配置有误，已禁止写入：{reason}",
        "en": "The editor password is misconfigured, so writing is disabled: {reason}",
    },
    "pcol.row": {"zh": "行", "en": "Row"},
    "pcol.column": {"zh": "列", "en": "Column"},
    "pcol.reason": {"zh": "原因", "en": "Reason"},
    "pcol.value": {"zh": "原值", "en": "Value given"},
    "pcol.problems": {"zh": "问题", "en": "Problems"},
    # ---- Methodology.
    "meth.missing": {"zh": "找不到方法说明文件 {path}", "en": "The methodology file {path} is missing"},
    # ---- Refresh page (dashboards/refresh_page.py): sources, runs and events.
    "refresh.config": {"zh": "数据源配置：{path}", "en": "Sources file: {path}"},
    "refresh.running": {"zh": "调度器运行中", "en": "Scheduler running"},
    "refresh.stopped": {
        "zh": "调度器未运行（`monitor up` 或 `monitor scheduler` 启动）",
        "en": "Scheduler not running (start it with `monitor up` or `monitor scheduler`)",
    },
    "refresh.sources": {"zh": "数据源", "en": "Sources"},
    "refresh.name": {"zh": "名称", "en": "Name"},
    "refresh.kind": {"zh": "格式", "en": "Kind"},
    "refresh.location": {"zh": "位置", "en": "Location"},
    "refresh.schedule": {"zh": "计划", "en": "Schedule"},
    "refresh.next": {"zh": "下次运行", "en": "Next run"},
    "refresh.last": {"zh": "上次结果", "en": "Last outcome"},
    "refresh.last_at": {"zh": "上次运行", "en": "Last run"},
    "refresh.error": {"zh": "错误", "en": "Error"},
    "refresh.disabled": {"zh": "已停用", "en": "disabled"},
    "refresh.run_now": {"zh": "立即运行", "en": "Run now"},
    "refresh.pick": {"zh": "数据源", "en": "Source"},
    "refresh.runs": {"zh": "运行记录", "en": "Run history"},
    "refresh.events": {"zh": "事件", "en": "Events"},
    "refresh.no_runs": {"zh": "尚无运行记录。", "en": "No runs yet."},
    "refresh.no_events": {"zh": "尚无事件。", "en": "No events yet."},
    "refresh.started": {"zh": "开始", "en": "Started"},
    "refresh.finished": {"zh": "结束", "en": "Finished"},
    "refresh.outcome": {"zh": "结果", "en": "Outcome"},
    "refresh.files": {"zh": "文件", "en": "Files"},
    "refresh.seen": {"zh": "行数", "en": "Rows"},
    "refresh.new": {"zh": "新增", "en": "New"},
    "refresh.revised": {"zh": "修订", "en": "Revised"},
    "refresh.unchanged": {"zh": "未变", "en": "Unchanged"},
    "refresh.rejected": {"zh": "拒收", "en": "Rejected"},
    "refresh.trigger": {"zh": "触发", "en": "Trigger"},
    "refresh.alerts": {"zh": "告警", "en": "Alerts"},
    "outcome.ok": {"zh": "成功", "en": "ok"},
    "outcome.partial": {"zh": "部分成功", "en": "partial"},
    "outcome.failed": {"zh": "失败", "en": "failed"},
    "trigger.scheduler": {"zh": "定时", "en": "scheduler"},
    "trigger.cli": {"zh": "命令行", "en": "command line"},
    "trigger.dashboard": {"zh": "看板", "en": "dashboard"},
    # "every 1m" from the sources file: only the word around the interval is translated.
    "refresh.every": {"zh": "每 {interval}", "en": "every {interval}"},
    # ---- Punctuation between a label and its value (goal detail).
    "punct.colon": {"zh": "：", "en": ": "},
    # ---- The language switch: each language by its own name, whatever the page's language.
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    # ---- Input fields, as named in error messages.
    "field.indicator_id": {"zh": "指标", "en": "Indicator"},
    "field.period_start": {"zh": "起始日期", "en": "Period start"},
    "field.period_end": {"zh": "截止日期", "en": "Period end"},
    "field.value": {"zh": "数值", "en": "Value"},
    "field.qualifier": {"zh": "限定", "en": "Qualifier"},
    "field.unit": {"zh": "单位", "en": "Unit"},
    "field.source": {"zh": "来源", "en": "Source"},
    "field.note": {"zh": "备注", "en": "Note"},
    "field.file": {"zh": "文件", "en": "File"},
    # ---- Reasons an input is rejected: the codes of monitor.model.problems, merged below the table.
    "cli.unusable": {
        "zh": "注意：库中一个数值无法使用，已跳过：{item}（运行 `monitor check` 查看该值及更正办法）",
        "en": "Warning: a stored value cannot be used and was skipped: {item} "
              "(`monitor check` names it and how to correct it)",
    },
    "app.unusable": {
        "zh": "库中有 {n} 个数值无法使用（非有限数或过大），计算时已跳过，其余数据照常显示。请为相应期次录入更正后的数值（见下列清单与 `monitor check`）。",
        "en": "{n} stored value(s) cannot be used (not finite or too large) and were skipped; everything else is "
              "shown as usual. Record a corrected value for each (listed below; see also `monitor check`).",
    },
    "problem.got": {"zh": "（输入：{value}）", "en": " (got {value})"},
    "problem.row": {"zh": "第 {row} 行", "en": "row {row}"},
    # ---- Plausibility in the add form (issue 17): the value as it will be stored, a held jump, the dates.
    "add.will_store": {"zh": "将保存：{period}，{value}", "en": "Will be stored: {value} for {period}"},
    "add.will_store_unreadable": {
        "zh": "将保存：{period}（数值尚无法读取，保存时会说明原因）",
        "en": "Will be stored for {period} (the value cannot be read yet; Save says why)",
    },
    "add.held": {
        "zh": "请核对：此数值与上一读数相差很大，确认无误后才会保存。",
        "en": "Please check: this value is far from the previous reading; it is stored only once you confirm it.",
    },
    "add.confirm_jump": {"zh": "我已核对，{value} 无误，确认保存", "en": "I checked it: {value} is right, store it"},
    "add.date_missing": {"zh": "请选择日期：没有日期无法保存。", "en": "Choose a date: nothing is saved without one."},
    "add.date_future": {
        "zh": "日期 {date} 晚于今天（{today}），无法保存：请改为已结束的期间。",
        "en": "The date {date} is after today ({today}) and cannot be saved: choose a period that has ended.",
    },
    "add.date_order": {
        "zh": "截止日期早于起始日期，无法保存。",
        "en": "The end date is before the start date; nothing can be saved.",
    },
    "imp.accept_jumps": {
        "zh": "我已核对：上表中与上一读数相差很大的 {n} 行数值无误，一并导入",
        "en": "I checked them: the {n} row(s) above that are far from their previous reading are right; import them too",
    },
}
# Why an input is rejected: one table, kept with the model (monitor.model.problems) so that the lower layers
# word their problems in English from it; the screens show the same codes in either language.
assert not set(PROBLEMS) & set(MESSAGES), "a problem code is also a key of MESSAGES"
MESSAGES.update(PROBLEMS)


def normalize_lang(lang: str | None) -> str:
    """"zh", "zh-CN", "zh_Hans", "EN-us" and None (the default) map to a supported language code."""
    if lang is None:
        return DEFAULT_LANG
    code = lang.strip().replace("-", "_").split("_")[0].lower()
    if code not in LANGS:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(LANGS)}")
    return code


def t(key: str, lang: str = DEFAULT_LANG, **fmt: Any) -> str:
    """The message ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    An unknown key raises KeyError: a typo must fail in tests rather than show a key to users.
    """
    try:
        entry = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message {key!r}") from None
    text = entry[normalize_lang(lang)]
    return text.format(**fmt) if fmt else text


# ---------------------------------------------------------------- text inside markdown

# Every kind of line break str.splitlines knows: a break followed by "#", "-", "1." or "===" would
# start a heading, a list or a setext heading; a blank line would end the paragraph.
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")
# Inline markup: emphasis, code, links and images ("[", "]"), strikethrough, LaTeX ("$"), tables,
# directive attributes; "<" and ">" become entities (raw HTML, autolinks <https://x>, WeCom's <@id>).
_ESCAPED = frozenset("\\`*_[]~$|{}")
# Markup that a markdown renderer finds in plain text after parsing, where a backslash no longer
# helps (GFM autolinks https://x, www.x, a@b.c; Streamlit's :material/icon:, :emoji: and :red[x]
# directives): an invisible word joiner (U+2060) splits the pattern.
_JOIN_AFTER = re.compile(r"(?<=:)(?=[\w/+-])|(?<=@)(?=\w)|(?<=www)(?=\.)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
# What makes a line a heading, list item or thematic break, at its start ("93.5%" and "-5" do not).
_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|[-+](?=[\s-]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def escape_markdown(text: object) -> str:
    """``text`` as markdown that shows exactly that text, on one line: never a link, image, heading,
    list, HTML tag, emphasis, formula, icon or colour.

    For every place where stored or fetched text (names, units, notes, sources, file names, error
    messages) meets a markdown renderer: Streamlit's st.markdown/caption/error/labels/help, and the
    WeCom and DingTalk markdown alerts. Backslash escapes are CommonMark's; characters that a
    renderer finds after parsing (autolinks, shortcodes) are split with an invisible word joiner.
    Line breaks become spaces: callers that want lines escape each line.
    """
    # Leading spaces go: four of them would make an indented code block.
    flat = _LINE_BREAKS.sub(" ", str(text)).lstrip(" \t")
    flat = _JOIN_AFTER.sub(_WORD_JOINER, _ENTITY.sub("&amp;", flat))
    out = []
    for ch in flat:
        if ch in _ESCAPED:
            out.append("\\" + ch)
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        else:
            out.append(ch)
    escaped = "".join(out)
    # The first character may start a block; "1." is escaped at its dot.
    return _LINE_START.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), escaped)


def status_text(status: str, lang: str = DEFAULT_LANG, icon: bool = True) -> str:
    """A status for display, icon first so the meaning does not rest on colour alone: "🟢 按期推进"."""
    words = t(f"status.{status}", lang)
    return f"{STATUS_ICONS[status]} {words}" if icon else words


def qualified(text: str, qualifier: str | None, lang: str = DEFAULT_LANG) -> str:
    """Wrap an already formatted figure in its qualifier: ("2.3万", "approx") -> "约2.3万"."""
    return t(f"qualified.{Qualifier(qualifier or Qualifier.EXACT).value}", lang, value=text)


def _round_for_display(value: float) -> float:
    # Two decimals are all any briefing figure carries; rounding first also avoids Babel printing "-0".
    rounded = round(value, 2)
    return 0.0 if rounded == 0 else rounded


def format_number(value: float, lang: str = DEFAULT_LANG, unit: str | None = None, compact: bool = True) -> str:
    """A figure as people read it: zh "2.3万人次", "118.53亿元", en "23,000 visits", "CN¥11.85bn", "93.1%".

    ``value`` is in ``unit``, written after the number as given: pass the base unit ("架", not "万架") and
    let the compact form pick the magnitude, since "千瓦" or "千克" cannot be told apart from a magnitude
    word here. In en the unit should be an English word; it follows the number after a space. The compact
    form applies from 1万 in zh and from one million in en, below which thousands separators read well.
    """
    code = normalize_lang(lang)
    locale = LOCALES[code]
    shown_unit = normalize_unit(unit) if unit else ""
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return "—"
    # Total: any float is shown (a store written before monitor.model.validate's rules may hold any), never
    # raises. Not a number, infinities and sizes past the product's (Babel's rounding raised for ~1e38)
    # are written plainly instead of by Babel.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if abs(value) > VALUE_MAX:
        number = f"{value:.4g}".replace("e+", "e")
        return f"{number}{shown_unit}" if code == "zh" or not shown_unit or shown_unit == "%" else f"{number} {shown_unit}"
    value = _round_for_display(value)
    try:
        return _format_babel(value, code, locale, shown_unit, compact)
    except (ArithmeticError, ValueError):  # not reached within VALUE_MAX (tested up to it); kept total
        return f"{value:,.2f}{shown_unit}"


def _format_babel(value: float, code: str, locale: str, shown_unit: str, compact: bool) -> str:
    from babel.numbers import (
        format_compact_currency,
        format_compact_decimal,
        format_currency,
        format_decimal,
    )

    if shown_unit == "%":
        return f"{format_decimal(value, '#,##0.##', locale=locale)}%"

    zh_compact = compact and code == "zh" and abs(value) >= 1e4
    en_compact = compact and code == "en" and abs(value) >= 1e6
    if shown_unit == "元" and code == "en":
        # Yuan read best with the currency sign in English ("CN¥11.85bn"), as Babel renders it.
        if en_compact:
            return format_compact_currency(value, "CNY", locale=locale, fraction_digits=2)
        return format_currency(value, "CNY", format="¤#,##0.##", locale=locale, currency_digits=False)
    if zh_compact:
        number = format_compact_decimal(value, locale=locale, fraction_digits=2)
    elif en_compact:
        number = format_compact_decimal(value, format_type="long", locale=locale, fraction_digits=2)
    else:
        number = format_decimal(value, "#,##0.##", locale=locale)
    if not shown_unit:
        return number
    return f"{number}{shown_unit}" if code == "zh" else f"{number} {shown_unit}"


def format_date(d: date, lang: str = DEFAULT_LANG) -> str:
    """A day as written in running text: zh "2025年7月11日", en "11 Jul 2025" (Babel's medium format)."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(d, "medium", locale=LOCALES[normalize_lang(lang)])


def months_ago(then: date, now: date) -> int:
    """Whole calendar months from ``then`` to ``now`` (negative when ``then`` is later).

    A month counts once its day is reached, clamped at month ends: 31 Jan -> 28 Feb is one month.
    """
    if then > now:
        return -months_ago(now, then)
    months = (now.year - then.year) * 12 + now.month - then.month
    if add_months(then, months) > now:
        months -= 1
    return months


def freshness(then: date | None, now: date, lang: str = DEFAULT_LANG) -> str:
    """"最近更新 3 个月前" / "updated 3 months ago", with the singular and current month worded properly."""
    if then is None:
        return t("freshness.never", lang)
    n = months_ago(then, now)
    if n <= 0:
        return t("freshness.updated_this_month", lang)
    if n == 1:
        return t("freshness.updated_one_month_ago", lang)
    return t("freshness.updated_months_ago", lang, n=n)


# English names of the base units the catalogue uses. Chinese measure words have no plural and
# often no English unit at all, so these are the nouns an English reader expects after a number.
UNIT_LABELS_EN: dict[str, str] = {
    "架": "racks",
    "台": "units",
    "人次": "visits",
    "名": "people",
    "人": "people",
    "位": "people",
    "户": "households",
    "件": "cases",
    "项": "items",
    "个": "units",
    "条": "items",
    "家": "firms",
    "所": "institutions",
    "座": "facilities",
    "次": "times",
    "天": "days",
    "年": "years",
    "吨": "t",
    "吨/年": "t/yr",
    "千瓦": "kW",
    "千瓦时": "kWh",
    "公里": "km",
    "平方米": "m²",
    "亩": "mu",
    "元": "yuan",
    "%": "%",
    "百分点": "percentage points",
    "PFlops": "PFlops",
}

_SINGULAR_EN: dict[str, str] = {
    "racks": "rack", "units": "unit", "visits": "visit", "people": "person", "households": "household",
    "cases": "case", "items": "item", "firms": "firm", "institutions": "institution",
    "facilities": "facility", "times": "time", "days": "day", "years": "year",
    "percentage points": "percentage point",
}

# Magnitude words written in front of a unit, in English ("万架" -> "10,000 racks").
_MAGNITUDE_LABELS_EN: dict[str, str] = {
    "万亿": "trillion",
    "千万": "10 million",
    "百万": "million",
    "亿": "100 million",
    "万": "10,000",
    "千": "thousand",
}


def unit_label(unit: str | None, lang: str = DEFAULT_LANG, name_en: str | None = None) -> str:
    """A unit as readers of ``lang`` write it: zh keeps "万架"; en gives "racks", "10,000 racks", "t/yr".

    ``name_en`` (the indicator's English name) settles the one ambiguous measure word: 名 counts people
    ("4.7万名") but is also a place in a ranking ("第100名"), which has no unit in English.
    """
    if not unit:
        return ""
    if normalize_lang(lang) == "zh":
        return unit
    shown = normalize_unit(unit)
    if shown == "名" and name_en and "rank" in name_en.lower():
        return ""
    if shown == "人次" and not (name_en and "visit" in name_en.lower()):
        # 人次 counts tourist visits, but also meals served or grants paid: "person-times" then.
        return "person-times"
    if shown in UNIT_LABELS_EN:
        return UNIT_LABELS_EN[shown]
    for word in sorted(_MAGNITUDE_LABELS_EN, key=len, reverse=True):
        rest = shown[len(word):]
        if shown.startswith(word) and rest in UNIT_LABELS_EN:
            return f"{_MAGNITUDE_LABELS_EN[word]} {UNIT_LABELS_EN[rest]}"
    return unit


def format_quantity(value: float, unit: str | None, lang: str = DEFAULT_LANG, name_en: str | None = None) -> str:
    """A figure with its unit for ``lang``: zh "2.3万架", en "23,000 racks", "CN¥530M", "91.7%".

    ``unit`` is the indicator's base unit as stored (Chinese). Percentages and yuan keep Babel's own
    forms; other units are put into words with ``unit_label`` in English.
    """
    code = normalize_lang(lang)
    shown = normalize_unit(unit) if unit else ""
    if code == "zh" or shown in ("", "%", "元"):
        return format_number(value, code, shown or None)
    label = unit_label(shown, code, name_en)
    if value == 1:
        label = _SINGULAR_EN.get(label, label)
    return f"{format_number(value, code)} {label}" if label else format_number(value, code)


def month_name(month: int, lang: str = DEFAULT_LANG) -> str:
    """"6月" / "June"."""
    from babel.dates import get_month_names

    if normalize_lang(lang) == "zh":
        return f"{month}月"
    return str(get_month_names("wide", locale=LOCALES["en"])[month])


def problem_reason(problem: Any, lang: str = DEFAULT_LANG) -> str:
    """Why a monitor.errors.Problem was rejected, in ``lang``: its code and parameters rendered from the
    message table, numbers and units formatted for the language (a bound: "100%", "2 万架")."""
    code, params = problem.code, dict(problem.params)
    english = normalize_lang(lang) == "en"
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Mapping) and "code" in value:
            shown[name] = problem_reason(SimpleNamespace(code=value["code"], params=value.get("params") or {}), lang)
        elif name == "bound" and isinstance(value, (int, float)):
            shown[name] = format_quantity(float(value), params.get("unit") or None, lang)
        elif name == "unit" and code == "problem.not_whole" and english:
            shown[name] = unit_label(str(value), lang) or value
        elif name in ("figure", "previous") and isinstance(value, (int, float)):
            shown[name] = format_quantity(float(value), params.get("unit") or None, lang)
        elif name in ("factor", "points") and isinstance(value, (int, float)):
            shown[name] = format_number(float(value), lang, compact=False)
        else:
            shown[name] = value
    if code not in MESSAGES or not code.startswith("problem."):
        return t(OTHER, lang, reason=render(code, params))  # a code this version does not know
    return t(code, lang, **shown)


def problem_text(problem: Any, lang: str = DEFAULT_LANG, with_row: bool = False) -> str:
    """A monitor.errors.Problem for people: "数值：高于合理上限 100%（输入：150）"."""
    parts = []
    if with_row and problem.row is not None:
        parts.append(t("problem.row", lang, row=problem.row))
    column = problem.column
    if column:
        key = f"field.{column}"
        parts.append(t(key, lang) if key in MESSAGES else column)
    where = " · ".join(parts)
    text = problem_reason(problem, lang)
    if where:
        text = f"{where}：{text}" if normalize_lang(lang) == "zh" else f"{where}: {text}"
    shown = escape_controls(str(problem.value)[:80]) if problem.value not in (None, "") else ""
    if shown and shown.strip() not in text:  # a message that quotes the input already says it once
        # Escaped: the value is the input as given, control characters included (shown, never acted on).
        text += t("problem.got", lang, value=shown)
    return text
