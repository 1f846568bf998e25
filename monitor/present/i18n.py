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
        "zh": "选择一个过去的日期：只计入该日（本工作区时区）结束前已录入的数据、修订和目标，状态按该日判断。留空即为当前数据。",
        "en": "Pick a past date: only readings, revisions and targets recorded by the end of that day (in the workspace's time zone) count, "
              "and the status is judged as of that day. Leave empty for the data known now.",
    },
    "overview.known_on_note": {
        "zh": "这是截至 {day} 结束时库中已知的数据：其后录入的数据、修订和目标不计入。",
        "en": "As the store knew it at the end of {day}: readings, revisions and targets recorded later are left out.",
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
    # ---- The overview that cannot be misread (issue 18 item 4): share of the target, provisional badges,
    # overdue explained in place; status at a chosen date and the change since an earlier one (item 3).
    "col.share": {"zh": "达到目标的比例", "en": "Share of target"},
    "col.share_help": {
        "zh": "最新值占目标值的比例（如 2.3万 / 5万 = 46%），按目标形式计算，向下取整，未达到目标时不会显示 100%；"
              "从基期算起的类目标，下方另列“自基期”：从基期值到目标值已走完的比例。",
        "en": "The latest value as a share of the target (e.g. 23,000 / 50,000 = 46%), per target form, rounded "
              "down so a goal not reached never shows 100%; for goals measured from a baseline, \"from baseline\" "
              "below is the share of the way from the baseline to the target.",
    },
    "overview.from_baseline": {"zh": "自基期 {pct}", "en": "{pct} from baseline"},
    "overview.provisional_mark": {"zh": "（暂定）", "en": " (provisional)"},
    "overview.provisional_help": {
        "zh": "暂定：最新数据只覆盖目标期间的一部分（如 1—6 月），全期数据出来后可能改变。",
        "en": "Provisional: the latest figure covers only part of the target's period (e.g. Jan–Jun) and may "
              "change once the full period is known.",
    },
    "col.due": {"zh": "更新情况（应更新日期）", "en": "Updates (due date)"},
    "col.due_help": {
        "zh": "逾期：下一期数据的应发布日（期末加上该指标的发布滞后天数）已过而尚未录入。"
              "因此同样 16 个月前更新的指标，年度指标可能尚未到期，季度指标已经逾期。",
        "en": "Overdue: the day the next period's figure was due (the period's end plus the indicator's "
              "publication lag) has passed and no figure is recorded. So of two goals last updated 16 months "
              "ago, a yearly one may not be due yet while a quarterly one is overdue.",
    },
    "overview.due_overdue": {
        "zh": "⏰ 逾期 {days} 天：截至 {last} 一期之后的数据应于 {due} 前发布",
        "en": "⏰ Overdue {days} days: the period after {last} was due by {due}",
    },
    "overview.due_next": {"zh": "下一期应于 {due} 前发布", "en": "Next figure due by {due}"},
    "overview.due_rule": {
        "zh": "{frequency}指标，期末后 {lag} 天内发布",
        "en": "{frequency} figure, published {lag} days after the period ends",
    },
    "overview.due_irregular": {"zh": "不定期发布，无应更新日期", "en": "Irregular: no due date"},
    "col.change": {"zh": "较 {day} 的变化", "en": "Change since {day}"},
    "overview.change_better": {"zh": "↑ 好转：{before} → {after}", "en": "↑ Better: {before} → {after}"},
    "overview.change_worse": {"zh": "↓ 变差：{before} → {after}", "en": "↓ Worse: {before} → {after}"},
    "overview.change_other": {"zh": "↔ {before} → {after}", "en": "↔ {before} → {after}"},
    "overview.change_new": {"zh": "＋ 新纳入：{after}", "en": "+ New: {after}"},
    "overview.change_same": {"zh": "＝ 状态未变", "en": "= Status unchanged"},
    "overview.change_value": {"zh": "数值：{before} → {after}", "en": "Value: {before} → {after}"},
    "overview.change_overdue": {"zh": "新逾期", "en": "newly overdue"},
    "overview.change_summary": {
        "zh": "与 {day} 相比：{better} 项好转，{worse} 项变差，{other} 项状态另有变化，{values} 项有新数值。",
        "en": "Since {day}: {better} better, {worse} worse, {other} other status changes, {values} with a new value.",
    },
    "overview.status_day": {"zh": "状态日期", "en": "Status on"},
    "overview.status_day_help": {
        "zh": "按所选日期判断各目标的状态（只计入期末在该日之前的数据）。与“按当时已知数据”不同：这里用的是现在库中的全部数据。",
        "en": "Judge every goal as of the chosen day (only figures for periods ending by then count). Unlike "
              "\"As known on\", this uses all the data the store holds now.",
    },
    "overview.status_today": {"zh": "今天（{day}）", "en": "Today ({day})"},
    "overview.compare_day": {"zh": "与此日期比较", "en": "Compare with"},
    "overview.compare_day_help": {
        "zh": "选择一个更早的日期：表中增加一列，显示状态的升降和数值的变化（与进展报告“变化情况”一节同一算法）。",
        "en": "Pick an earlier day: a column shows each goal's status going up or down and its value changing "
              "(the same comparison as the progress report's \"what changed\").",
    },
    "overview.compare_none": {"zh": "不比较", "en": "No comparison"},
    "period_end.month": {"zh": "月末", "en": "month end"},
    "period_end.quarter": {"zh": "季末", "en": "quarter end"},
    "period_end.half": {"zh": "半年末", "en": "half-year end"},
    "period_end.year": {"zh": "年末", "en": "year end"},
    "overview.status_day_note": {
        "zh": "这是各目标截至 {day} 的状态（按现有全部数据判断）。",
        "en": "Each goal's status as of {day} (judged on all the data held now).",
    },
    "overview.known_on_before_data": {
        "zh": "{day} 时库中还没有任何数据：最早的数据录入于 {first}（UTC）。请选择这之后的日期，或留空查看当前数据。",
        "en": "On {day} the store held no data yet: the first figures were recorded on {first} (UTC). Pick a "
              "later day, or leave the date empty for the data known now.",
    },
    "overview.table_caption": {
        "zh": "目标一览：名称、状态、更新情况、最新值、目标与达到目标的比例",
        "en": "Every goal: name, status, updates, latest value, target and share of target",
    },
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
    "goal.withdraw.heading": {"zh": "撤回一期有误的数据", "en": "Withdraw a mistaken reading"},
    "goal.withdraw.period": {"zh": "期间（现行数据）", "en": "Period (reading in force)"},
    "goal.withdraw.reason": {"zh": "原因（必填）", "en": "Reason (required)"},
    "goal.withdraw.confirm": {
        "zh": "确认撤回：该期间将不再计入状态、图表、报告和导出；修订历史保留全部记录",
        "en": "Confirm: the period no longer counts in status, charts, reports and exports; the history keeps everything",
    },
    "goal.withdraw.submit": {"zh": "撤回", "en": "Withdraw"},
    "goal.withdraw.pick": {"zh": "请选择要撤回的期间", "en": "Choose the period to withdraw"},
    "goal.withdraw.unconfirmed": {"zh": "请勾选确认后再撤回", "en": "Tick the confirmation to withdraw"},
    "goal.withdraw.errors": {"zh": "未能撤回", "en": "Not withdrawn"},
    "goal.withdraw.done": {"zh": "已撤回 {period} 的数据（修订 {revision}）", "en": "Withdrew the reading of {period} (revision {revision})"},
    "goal.withdraw.note": {
        "zh": "撤回不会删除数据：新增一个修订，记录撤回人、时间和原因。重新录入该期间的数据即可恢复。",
        "en": "Nothing is deleted: a new revision records who withdrew it, when and why. Entering a value for the period again brings it back.",
    },
    "goal.withdraw_target.heading": {"zh": "撤回有误的目标版本", "en": "Withdraw a mistaken target version"},
    "goal.withdraw_target.target": {"zh": "目标（现行版本）", "en": "Target (version in force)"},
    "goal.withdraw_target.pick": {"zh": "请选择要撤回的目标", "en": "Choose the target to withdraw"},
    "goal.withdraw_target.option": {"zh": "{target}（{id}）", "en": "{target} ({id})"},
    "goal.withdraw_target.confirm": {
        "zh": "确认撤回：上一版本重新生效（没有上一版本则该指标暂无目标）；变更记录保留全部版本",
        "en": "Confirm: the previous version is in force again (none: the goal has no target); the change log keeps every version",
    },
    "goal.withdraw_target.done": {"zh": "已撤回目标第 {version} 版", "en": "Withdrew target version {version}"},
    "goal.withdraw_target.again": {"zh": "，第 {version} 版重新生效", "en": "; version {version} is in force again"},
    "goal.withdraw_target.none": {"zh": "，该指标暂无目标", "en": "; the goal has no target now"},
    "goal.withdrawn_cell": {"zh": "已撤回：{reason}", "en": "withdrawn: {reason}"},
    "rcol.withdrawn": {"zh": "撤回", "en": "Withdrawn"},
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
    "rcol.recorded_at": {"zh": "录入时间", "en": "Recorded at"},  # shown with its UTC offset (monitor.clock)
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
    "auth.review_needs_users": {
        "zh": "已开启审核（MONITOR_REVIEW=on）：录入须由具名用户登录，审核人不能是录入人。请先用 `monitor users add` 添加编辑和审核人员。",
        "en": "Review is on (MONITOR_REVIEW=on): entries need named users, and a reviewer other than the author. "
              "Add editors and reviewers with `monitor users add` first.",
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
    # ---- Named users and roles (dashboards/auth.py, monitor/services/users.py).
    "auth.user": {"zh": "用户名", "en": "User name"},
    "auth.user_password": {"zh": "密码", "en": "Password"},
    "auth.user_sign_in": {"zh": "登录", "en": "Sign in"},
    "auth.signed_in_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "auth.limits": {"zh": "限于：{limits}", "en": "Limited to: {limits}"},
    "auth.wrong_user": {"zh": "用户名或密码不正确", "en": "Wrong user name or password"},
    "auth.sso": {"zh": "用单位账号登录", "en": "Sign in with your organisation account"},
    "auth.sso_viewer": {
        "zh": "单位账号 {email} 尚未登记为编辑，只能浏览；请管理员用 monitor users add 登记。",
        "en": "The organisation account {email} is not registered as an editor, so it can only read; "
              "ask an administrator to add it with monitor users add.",
    },
    "auth.required_user": {
        "zh": "需要登录：请在侧边栏输入用户名和密码。",
        "en": "Sign-in required: enter your user name and password in the sidebar.",
    },
    "auth.no_write": {
        "zh": "你的角色（{role}）只能浏览，不能写入数据。",
        "en": "Your role ({role}) can read but not write data.",
    },
    "auth.scope_note": {
        "zh": "你只能为以下范围内的指标写入数据：{limits}",
        "en": "You can write data only for indicators within: {limits}",
    },
    "auth.not_allowed": {"zh": "不允许：{reason}", "en": "Not allowed: {reason}"},
    "auth.refresh_limited": {
        "zh": "数据源可能带来任何指标的数据：只有不限范围的编辑可以立即刷新。",
        "en": "A source may bring readings of any indicator: only editors without limits can run a refresh now.",
    },
    "auth.catalog_limited": {
        "zh": "指标目录只能由不限领域和责任单位的编辑修改。",
        "en": "The catalogue can be changed only by editors without domain or office limits.",
    },
    "auth.domains": {"zh": "领域 {names}", "en": "domains {names}"},
    "auth.offices": {"zh": "责任单位 {names}", "en": "offices {names}"},
    "role.viewer": {"zh": "查看者", "en": "viewer"},
    "role.editor": {"zh": "编辑", "en": "editor"},
    "role.reviewer": {"zh": "审核人", "en": "reviewer"},
    "role.admin": {"zh": "管理员", "en": "admin"},
    # ---- Review of entered readings (dashboards/review_page.py, monitor/services/review.py).
    "page.review": {"zh": "待审核", "en": "Review"},
    "review.intro": {
        "zh": "审核开启时，录入的数据在另一位审核人批准前不计入状态、报告和提醒。录入人不能审核自己录入的数据。",
        "en": "With review on, an entered value counts for no status, report or alert until another reviewer "
              "approves it. Nobody reviews their own entry.",
    },
    "review.not_reviewer": {"zh": "只有审核人和管理员可以审核。", "en": "Only reviewers and admins can review."},
    "review.empty": {"zh": "没有待审核的数据。", "en": "Nothing is pending review."},
    "review.col.indicator": {"zh": "指标", "en": "Indicator"},
    "review.col.period": {"zh": "期间", "en": "Period"},
    "review.col.value": {"zh": "录入值", "en": "Value entered"},
    "review.col.previous": {"zh": "上一个值", "en": "Previous value"},
    "review.col.jump": {"zh": "倍数", "en": "Jump factor"},
    "review.col.source": {"zh": "来源", "en": "Source"},
    "review.col.author": {"zh": "录入人", "en": "Entered by"},
    "review.pick": {"zh": "选择要审核的数据", "en": "Choose a value to review"},
    "review.comment": {"zh": "审核意见（驳回时必填）", "en": "Comment (required to reject)"},
    "review.approve": {"zh": "批准", "en": "Approve"},
    "review.reject": {"zh": "驳回", "en": "Reject"},
    "review.errors": {"zh": "无法保存审核结果：", "en": "The decision cannot be saved:"},
    "review.done_approved": {"zh": "已批准 {period} 的 {value}，现已计入。", "en": "Approved {value} for {period}; it counts now."},
    "review.done_rejected": {"zh": "已驳回 {period} 的 {value}。", "en": "Rejected {value} for {period}."},
    "review.pending_note": {
        "zh": "有 {n} 个录入值待审核，尚未计入状态和报告。",
        "en": "{n} entered values are pending review and not yet counted in statuses and reports.",
    },
    "pcol.row": {"zh": "行", "en": "Row"},
    "pcol.column": {"zh": "列", "en": "Column"},
    "pcol.reason": {"zh": "原因", "en": "Reason"},
    "pcol.value": {"zh": "原值", "en": "Value given"},
    "pcol.problems": {"zh": "问题", "en": "Problems"},
    # ---- Methodology.
    "meth.missing": {"zh": "找不到方法说明文件 {path}", "en": "The methodology file {path} is missing"},
    # The leaders' summary above the method (monitor/present/methodology.py): plain words, no identifiers.
    "meth.leaders.heading": {"zh": "如何阅读各项状态", "en": "How to read the statuses"},
    "meth.intro.what": {
        "zh": "每个目标都按同一套方法对照目标判断进展；总览、目标页面、报告和本页使用同样的状态名称。",
        "en": "Every goal is judged against its target by one method; the overview, the goal pages, the reports "
              "and this page name the statuses the same way.",
    },
    "meth.intro.families": {
        "zh": "目标分两类：一类要在期限前达到某个数值，看实际增长速度够不够按期完成；另一类每一期都要达到某个水平"
              "（不低于或不高于某一数值、落在某个区间、在某个数值左右，或逐年的目标值），看最新一期是否达到。",
        "en": "Goals are of two kinds. Some must reach a value by a deadline: what counts is whether the growth "
              "so far is fast enough to get there in time. Others must hold a level every period (no less or no "
              "more than a value, within a range, about a value, or a value set for each year): what counts is "
              "whether the latest period meets it.",
    },
    "meth.statuses.heading": {"zh": "状态含义", "en": "What each status means"},
    "meth.group.reach": {"zh": "在期限前达到某个数值的目标", "en": "Goals to reach a value by a deadline"},
    "meth.group.period": {"zh": "每一期都要达到某个水平的目标", "en": "Goals to meet every period"},
    "meth.group.other": {"zh": "暂不判断", "en": "No judgement"},
    "meth.means.reach.achieved": {"zh": "最新数据已经达到目标值。", "en": "The latest figure already reaches the target."},
    "meth.means.reach.on_track": {
        "zh": "尚未达到，但自起点以来的实际增速达到按期完成所需增速的 95% 以上：照此速度能按期完成。",
        "en": "Not there yet, but growth since the starting point is at least 95% of the pace needed: at this "
              "pace the target is reached in time.",
    },
    "meth.means.reach.needs_acceleration": {
        "zh": "实际增速只有所需增速的 60% 至 95%：照此速度会晚于期限，需要加快。",
        "en": "Growth is 60% to 95% of the pace needed: at this pace the target is reached late, so it must "
              "speed up.",
    },
    "meth.means.reach.limited_progress": {
        "zh": "朝目标方向有进展，但不到所需增速的 60%。",
        "en": "Moving towards the target, but at less than 60% of the pace needed.",
    },
    "meth.means.reach.deterioration": {"zh": "数值正在远离目标。", "en": "The figure is moving away from the target."},
    "meth.means.reach.not_met": {
        "zh": "期限已到，最新数据仍未达到目标。",
        "en": "The deadline has passed and the latest figure falls short of the target.",
    },
    "meth.means.period.met": {"zh": "最新一期达到要求。", "en": "The latest period meets the requirement."},
    "meth.means.period.not_met": {"zh": "最新一期未达到要求。", "en": "The latest period falls short of the requirement."},
    "meth.means.other.insufficient_data": {
        "zh": "还没有能与起点比较的新数据，暂时无法判断；录入下一期数据后即可判断。",
        "en": "There is no new figure yet that can be compared with the starting point, so nothing can be "
              "judged until the next figure is recorded.",
    },
    "meth.means.other.no_target": {
        "zh": "只跟踪数据，没有可对照的目标。",
        "en": "Tracked only: there is no target to judge against.",
    },
    "meth.notes.heading": {"zh": "其他标记", "en": "Other marks"},
    "meth.note.progress": {
        "zh": "进度：目标完成到了什么程度，与总览和目标页面上的数字相同。状态按上面的规则判断，不由进度决定。",
        "en": "Progress: how far along the goal is, the same figure as on the overview and the goal page. The "
              "status follows the rules above, not the progress figure.",
    },
    "meth.note.provisional": {
        "zh": "暂定：最新数据只覆盖一期中的一部分（例如上半年数据对照全年目标），以全期数据出来后的判断为准。",
        "en": "Provisional: the latest figure covers only part of a period (for example the first half of a "
              "year against a yearly target); the judgement on the full period's figure is the one that stands.",
    },
    "meth.note.overdue": {
        "zh": "逾期：按指标的更新频率和通常的发布时间，下一期数据应当已经公布，但还没有录入。逾期不改变状态，"
              "只说明数据需要更新。",
        "en": "Overdue: by the indicator's frequency and usual publication delay, the next figure should be "
              "out already but has not been recorded. Being overdue does not change the status; it says the "
              "figures need updating.",
    },
    "meth.examples.heading": {"zh": "本工作区的实例（截至{date}）", "en": "Examples from this workspace (as of {date})"},
    "meth.examples.intro": {
        "zh": "以下实例在打开本页时由本工作区的数据计算，数字与对应的目标页面相同。",
        "en": "These examples are computed from this workspace's figures when the page opens, and show the same "
              "numbers as their goal pages.",
    },
    "meth.example.reach": {"zh": "达到类目标", "en": "A goal to reach by a deadline"},
    "meth.example.period": {"zh": "每期达标类目标", "en": "A goal to meet every period"},
    "meth.example.baseline": {"zh": "起点", "en": "Starting point"},
    "meth.example.means": {"zh": "这表示", "en": "What this means"},
    "meth.example.open": {"zh": "打开该目标页面", "en": "Open this goal's page"},
    "meth.no_examples": {
        "zh": "本工作区还没有带目标的指标，暂无实例。",
        "en": "This workspace has no goal with a target yet, so there is no example to show.",
    },
    "meth.technical": {"zh": "技术细节：完整计算方法（供分析人员参考）", "en": "Technical detail: the full method (for analysts)"},
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
    # ---- The phone view, share links and picture cards (dashboards/phone.py, monitor/present/cards.py).
    "phone.summary": {"zh": "{attention} 项需关注 · 共 {total} 项目标", "en": "{attention} need attention · {total} goals"},
    "phone.filters": {"zh": "筛选", "en": "Filters"},
    "phone.showing": {"zh": "显示 {shown} / {total} 项，按需关注程度排序", "en": "Showing {shown} of {total}, most urgent first"},
    "phone.more_cards": {"zh": "再显示 {n} 项", "en": "Show {n} more"},
    "phone.no_trend": {"zh": "读数不足，暂无趋势", "en": "Too few readings for a trend"},
    "phone.more_readings": {"zh": "另有 {n} 期较早数据，宽屏可见全表", "en": "{n} older readings: the full table is on a wide screen"},
    "share.link": {"zh": "分享链接", "en": "Share link"},
    "share.help": {
        "zh": "复制此链接发到群里：打开即是本页，语言、日期与筛选都在链接里。",
        "en": "Copy this link into a chat: it opens this page with the same language, date and filters.",
    },
    "card.copy": {"zh": "复制为图片", "en": "Copy as picture"},
    "card.copy_help": {
        "zh": "长按（手机）或右键（电脑）图片即可复制，也可下载后发送。",
        "en": "Long-press (phone) or right-click (computer) the picture to copy it, or download it.",
    },
    "card.download": {"zh": "下载图片", "en": "Download picture"},
    "card.source": {"zh": "来源：", "en": "Source: "},
    "card.total": {"zh": "共 {n} 项目标", "en": "{n} goals"},
    "card.written": {"zh": "已写入 {path}（{width}×{height}）", "en": "wrote {path} ({width}×{height})"},
    # ---- helper forms: the target forms and binding/expected (docs/methodology.md, "Target forms").
    "target_kind.range": {"zh": "区间", "en": "Range"},
    "target_kind.about": {"zh": "左右", "en": "About a value"},
    "target_kind.change": {"zh": "较基期变化", "en": "Change from the baseline"},
    "target_kind.average_growth": {"zh": "年均增长", "en": "Average annual growth"},
    "target_kind.path": {"zh": "逐年路径", "en": "Path of yearly values"},
    "nature.binding": {"zh": "约束性", "en": "Binding"},
    "nature.expected": {"zh": "预期性", "en": "Expected"},
    "nature.heading_binding": {"zh": "约束性目标", "en": "Binding goals"},
    "nature.heading_expected": {"zh": "预期性目标", "en": "Expected goals"},
    "overview.nature": {"zh": "目标性质", "en": "Nature"},
    "overview.nature_help": {
        "zh": "约束性目标必须完成，预期性目标为努力方向；列表中约束性目标排在前面。",
        "en": "Binding goals must be met; expected goals are what the plan works towards. Binding goals come first.",
    },
    "form.range": {"zh": "区间 {low}–{high}", "en": "range {low}–{high}"},
    "form.about": {"zh": "{value}左右（±{tolerance}）", "en": "about {value} (±{tolerance})"},
    "form.change_relative_down": {"zh": "较基期降低{amount}%", "en": "{amount}% below the baseline"},
    "form.change_relative_up": {"zh": "较基期提高{amount}%", "en": "{amount}% above the baseline"},
    "form.change_double": {"zh": "较基期翻一番", "en": "double the baseline"},
    "form.change_quadruple": {"zh": "较基期翻两番", "en": "four times the baseline"},
    "form.change_factor": {"zh": "为基期的{factor}倍", "en": "{factor} times the baseline"},
    "form.change_absolute_up": {"zh": "较基期提高{amount}", "en": "{amount} above the baseline"},
    "form.change_absolute_down": {"zh": "较基期降低{amount}", "en": "{amount} below the baseline"},
    "form.growth": {"zh": "年均增长{goal}", "en": "average annual growth {goal}"},
    "form.goal_ge": {"zh": "{rate}以上", "en": "at least {rate}"},
    "form.goal_gt": {"zh": "超过{rate}", "en": "more than {rate}"},
    "form.goal_le": {"zh": "{rate}以内", "en": "at most {rate}"},
    "form.goal_lt": {"zh": "低于{rate}", "en": "below {rate}"},
    "form.path": {"zh": "路径 {first}→{last}", "en": "path {first}→{last}"},
    "form.path_point": {"zh": "{year}年路径值", "en": "path value for {year}"},
    "evidence.band": {"zh": "最新 {latest}，目标{form}{provisional} → {verdict}",
                      "en": "latest {latest}, target {form}{provisional} → {verdict}"},
    "evidence.growth": {"zh": "年均增长 {observed}，目标 {goal} → {verdict}",
                        "en": "average annual growth {observed}, target {goal} → {verdict}"},
    "evidence.growth_ratio": {"zh": "年均增长 {observed}，目标 {goal}，比值 {ratio} → {verdict}",
                              "en": "average annual growth {observed}, target {goal}, ratio {ratio} → {verdict}"},
    "evidence.path": {"zh": "最新 {latest}，{point}{provisional} → {verdict}",
                      "en": "latest {latest}, {point}{provisional} → {verdict}"},
    "evidence.change": {"zh": "{change}（基期 {baseline}），即 {resolved}；{rest}",
                        "en": "{change} (baseline {baseline}), that is {resolved}; {rest}"},
    "evidence.no_baseline": {
        "zh": "基期（{date}）没有数值：请录入该期数据或在目录中填写基期值",
        "en": "no baseline value at {date}: record that reading or state the baseline value in the catalogue",
    },
    "evidence.provisional": {"zh": "（非全期数据，暂定）", "en": " (part-period figure, provisional)"},
    # ---- helper editor: the catalogue page (dashboards/catalog_page.py) and the overview's document filter.
    "page.catalog": {"zh": "指标目录", "en": "Catalogue"},
    # ---- the draft review page (dashboards/draft_page.py, docs/drafting.md)
    "page.draft": {"zh": "文件起草", "en": "Draft from a document"},
    "draft.intro": {"zh": "上传发布会材料、工作报告或规划（.txt、.docx、带文字层的 .pdf），逐条核对自动识别的指标，接受的行导入指标目录；接受前不保存任何内容。",
                    "en": "Upload a briefing, work report or plan (.txt, .docx, .pdf with text); review each figure found and import the accepted rows into the catalogue. Nothing is stored before you accept."},
    "draft.upload": {"zh": "选择文件", "en": "Choose a document"},
    "draft.date": {"zh": "文件日期", "en": "Document date"},
    "draft.none": {"zh": "文中没有找到带单位的数字。", "en": "No figures with a unit were found in the document."},
    "draft.count": {"zh": "识别出 {n} 条", "en": "{n} statements found"},
    "draft.kind.actual": {"zh": "实际", "en": "actual"},
    "draft.kind.target": {"zh": "目标", "en": "target"},
    "draft.kind.both": {"zh": "实际/底线目标", "en": "actual / floor"},
    "draft.date_assumed": {
        "zh": "文中和文件名中都没有日期：“3年至5年内”等时限按今天（{day}）推算。请在上方填写文件日期。",
        "en": "No date in the text or the file name: windows such as 3年至5年内 were counted from today ({day}). "
              "Enter the document's date above.",
    },
    "draft.col.accept": {"zh": "接受", "en": "Accept"},
    "draft.col.kind": {"zh": "类型", "en": "Kind"},
    "draft.col.name": {"zh": "指标名称", "en": "Indicator"},
    "draft.col.stated": {"zh": "原文数值", "en": "As stated"},
    "draft.col.value": {"zh": "数值", "en": "Value"},
    "draft.col.unit": {"zh": "单位", "en": "Unit"},
    "draft.col.period_start": {"zh": "时期起", "en": "Period from"},
    "draft.col.period_end": {"zh": "时期止", "en": "Period to"},
    "draft.col.deadline": {"zh": "目标期限", "en": "Deadline"},
    "draft.help.value": {"zh": "按“单位”填写的数字，区间写“4.5至5”。", "en": "The figure in the unit shown; a range as 4.5至5."},
    "draft.help.deadline": {"zh": "年份（2030）、日期（2030-12-31）、月份，或时间窗“2028至2030”。",
                            "en": "A year (2030), a date (2030-12-31), a month, or a window 2028至2030."},
    "draft.problem": {"zh": "第 {row} 行，{column}：{reason}", "en": "Row {row}, {column}: {reason}"},
    "draft.blocked": {"zh": "第 {rows} 行有错误，改正或取消接受后才能导入。",
                      "en": "Rows {rows} have problems: correct them or untick them to import."},
    "draft.uncounted": {"zh": "{n} 条读数不属于任何目标的考核期，已保存。",
                        "en": "{n} readings count for no target of their indicator; they were stored."},
    "draft.col.period": {"zh": "时期", "en": "Period"},
    "draft.col.form": {"zh": "目标形式", "en": "Target form"},
    "draft.col.confidence": {"zh": "置信度", "en": "Confidence"},
    "draft.col.reasons": {"zh": "理由", "en": "Reasons"},
    "draft.show": {"zh": "查看原句", "en": "Show the sentence of row"},
    "draft.import": {"zh": "导入接受的 {n} 行", "en": "Import the {n} accepted rows"},
    "draft.imported": {"zh": "已导入：指标新增 {indicators_new}，目标新增 {targets_new}，读数新增 {readings_new}。",
                       "en": "Imported: {indicators_new} new indicators, {targets_new} new targets, {readings_new} new readings."},
    "draft.accept_jumps": {"zh": "确认与上期相差很大的数值无误，仍然导入", "en": "The figures far from the previous reading are right: import them"},
    "draft.refused": {"zh": "未导入，请修改后重试：", "en": "Nothing was imported; correct these and retry:"},
    "catalog.intro": {
        "zh": "新增指标、新增目标或目标的新版本、停用指标。每项修改都记入修改记录（时间、操作人、理由）；目标的旧版本与停用指标的历史均予保留。",
        "en": "Add an indicator, add a target or a new version of one, retire an indicator. Every change is "
              "recorded in the change log (when, who, why); earlier target versions and retired indicators' "
              "history are kept.",
    },
    "catalog.pick": {"zh": "请选择", "en": "Choose"},
    "catalog.in_unit": {"zh": "{label}（{unit}）", "en": "{label} ({unit})"},
    "catalog.show_retired": {"zh": "显示已停用指标", "en": "Show retired indicators"},
    "catalog.col.id": {"zh": "编号", "en": "Id"},
    "catalog.col.name": {"zh": "名称", "en": "Name"},
    "catalog.col.domain": {"zh": "领域", "en": "Domain"},
    "catalog.col.unit": {"zh": "单位", "en": "Unit"},
    "catalog.col.targets": {"zh": "目标数", "en": "Targets"},
    "catalog.col.retired": {"zh": "停用", "en": "Retired"},
    "catalog.col.when": {"zh": "时间", "en": "When"},  # shown with its UTC offset (monitor.clock)
    "catalog.col.who": {"zh": "操作人", "en": "Who"},
    "catalog.col.what": {"zh": "修改", "en": "Change"},
    "catalog.col.target": {"zh": "目标", "en": "Target"},
    "catalog.col.reason": {"zh": "理由", "en": "Reason"},
    "catalog.col.details": {"zh": "详情", "en": "Details"},
    "catalog.tab.add": {"zh": "新增指标", "en": "Add indicator"},
    "catalog.tab.target": {"zh": "目标", "en": "Targets"},
    "catalog.tab.retire": {"zh": "停用指标", "en": "Retire indicator"},
    "catalog.tab.log": {"zh": "修改记录", "en": "Change log"},
    "catalog.field.id": {"zh": "编号（小写字母、数字和 -）", "en": "Id (lower-case letters, digits and -)"},
    "catalog.field.name_zh": {"zh": "中文名称", "en": "Name in Chinese"},
    "catalog.field.name_en": {"zh": "英文名称", "en": "Name in English"},
    "catalog.field.domain": {"zh": "领域", "en": "Domain"},
    "catalog.field.unit": {"zh": "基本单位（数值的存储单位）", "en": "Base unit (values are stored in it)"},
    "catalog.field.display_unit": {"zh": "显示单位（默认同基本单位）", "en": "Display unit (default: the base unit)"},
    "catalog.field.measure": {"zh": "指标类型", "en": "Measure"},
    "catalog.field.direction": {"zh": "方向", "en": "Direction"},
    "catalog.field.frequency": {"zh": "频率", "en": "Frequency"},
    "catalog.field.responsible": {"zh": "责任单位", "en": "Responsible"},
    "catalog.field.comparator": {"zh": "比较", "en": "Comparator"},
    "catalog.field.value": {"zh": "目标值", "en": "Target value"},
    "catalog.field.baseline_value": {"zh": "基线值", "en": "Baseline value"},
    "catalog.field.baseline_date": {"zh": "基线日期", "en": "Baseline date"},
    "catalog.field.deadline": {"zh": "截止日期", "en": "Deadline"},
    "catalog.field.deadline_earliest": {"zh": "最早完成日期（时间窗，可不填）", "en": "Earliest date (of a window; optional)"},
    "catalog.field.period": {"zh": "考核周期", "en": "Judged over"},
    "catalog.field.method": {"zh": "进度方法", "en": "Progress method"},
    "catalog.add_submit": {"zh": "新增指标", "en": "Add indicator"},
    "catalog.add_errors": {"zh": "未能新增指标：", "en": "The indicator was not added:"},
    "catalog.added": {"zh": "已新增指标 {id}。", "en": "Indicator {id} added."},
    "catalog.indicator": {"zh": "指标", "en": "Indicator"},
    "catalog.pick_indicator": {"zh": "请先选择一个指标。", "en": "Choose an indicator first."},
    "catalog.target": {"zh": "目标", "en": "Target"},
    "catalog.new_target": {"zh": "新增目标", "en": "New target"},
    "catalog.version_of": {"zh": "{id}（现为第 {version} 版）：新版本", "en": "{id} (now version {version}): a new version"},
    "catalog.kind": {"zh": "目标类型", "en": "Kind of target"},
    "catalog.kind.reach": {"zh": "达到型（截止日前达到）", "en": "Reach (by a deadline)"},
    "catalog.kind.threshold": {"zh": "阈值型（每期保持）", "en": "Threshold (every period)"},
    "catalog.kind.range": {"zh": "区间（如 4.5%至5%）", "en": "Range (e.g. 4.5% to 5%)"},
    "catalog.kind.about": {"zh": "左右（如 2%左右）", "en": "About a value (e.g. about 2%)"},
    "catalog.kind.change": {"zh": "较基期变化（降低13.5%、翻一番、提高1岁）",
                            "en": "Change from the baseline (13.5% lower, double, 1 more)"},
    "catalog.kind.average_growth": {"zh": "年均增长（如 年均增长7%以上）", "en": "Average annual growth (e.g. 7% a year)"},
    "catalog.field.low": {"zh": "下限", "en": "Low end"},
    "catalog.field.high": {"zh": "上限", "en": "High end"},
    "catalog.field.tolerance": {"zh": "允许偏差（留空：百分数 ±0.5 个百分点，其他 ±5%）",
                                "en": "Tolerance (empty: ±0.5 points for a percent, else ±5%)"},
    "catalog.field.change_relative": {"zh": "变化百分比（降低填负数，如 -13.5）",
                                      "en": "Change in percent (negative for a reduction: -13.5)"},
    "catalog.field.change_factor": {"zh": "倍数（翻一番填 2）", "en": "Factor (2 = double)"},
    "catalog.field.change_absolute": {"zh": "变化量（降低填负数）", "en": "Change as an amount (negative for a reduction)"},
    "catalog.field.rate": {"zh": "年均增长率（%，下降填负数）", "en": "Average annual growth (%, negative for a decline)"},
    "catalog.field.comparator_default": {"zh": "比较（留空：按增减方向）", "en": "Comparator (empty: by the sign)"},
    "catalog.field.nature": {"zh": "目标性质（留空：预期性）", "en": "Nature (empty: expected)"},
    "catalog.reason": {"zh": "理由（必填）", "en": "Reason (required)"},
    "catalog.note": {"zh": "备注", "en": "Note"},
    "catalog.valid_from": {"zh": "生效日期", "en": "In force from"},
    "catalog.valid_from_help": {
        "zh": "留空：自记录时起生效。此前的评估仍按旧版本。",
        "en": "Empty: from when it is recorded. Judgements before that date keep the earlier version.",
    },
    "catalog.target_submit": {"zh": "保存目标", "en": "Save target"},
    "catalog.target_errors": {"zh": "未能保存目标：", "en": "The target was not saved:"},
    "catalog.target_saved": {"zh": "已保存目标 {id}（第 {version} 版）。", "en": "Target {id} saved (version {version})."},
    "catalog.retire_confirm": {
        "zh": "确认停用：该指标不再出现在总览与状态中（历史数据保留）",
        "en": "Confirm: the indicator leaves the overview and the statuses (its history is kept)",
    },
    "catalog.retire_submit": {"zh": "停用指标", "en": "Retire indicator"},
    "catalog.retire_note": {
        "zh": "停用的指标仍保留其数据、目标和历史；在总览中打开“含已停用指标”即可查看。",
        "en": "A retired indicator keeps its readings, targets and history; the overview shows it with "
              "\"Include retired indicators\".",
    },
    "catalog.retire_unconfirmed": {"zh": "请勾选确认后再停用。", "en": "Tick the confirmation to retire the indicator."},
    "catalog.retire_errors": {"zh": "未能停用指标：", "en": "The indicator was not retired:"},
    "catalog.retired": {"zh": "指标 {id} 已停用（自 {date} 起）。", "en": "Indicator {id} retired as of {date}."},
    "catalog.no_changes": {"zh": "尚无修改记录。", "en": "No changes recorded yet."},
    "catalog.what.indicator_added": {"zh": "新增指标", "en": "indicator added"},
    "catalog.what.indicator_changed": {"zh": "修改指标", "en": "indicator changed"},
    "catalog.what.indicator_retired": {"zh": "停用指标", "en": "indicator retired"},
    "catalog.what.target_version": {"zh": "目标新版本", "en": "target version"},
    "catalog.what.target_withdrawn": {"zh": "撤回目标版本", "en": "target version withdrawn"},
    "field.reason": {"zh": "理由", "en": "Reason"},
    "field.kind": {"zh": "目标类型", "en": "Kind of target"},
    "overview.filter_document": {"zh": "来源文件", "en": "Document"},
    "overview.filter_document_help": {
        "zh": "只显示目标出自该文件的目标。",
        "en": "Only the goals whose target comes from this document.",
    },
    "overview.include_retired": {"zh": "含已停用指标", "en": "Include retired indicators"},
    "overview.include_retired_help": {
        "zh": "停用的指标默认不显示；其数据与历史仍保留。",
        "en": "Retired indicators are left out by default; their data and history are kept.",
    },
    # ---- Office scorecards (monitor/present/offices.py, dashboards/offices.py, `monitor offices`).
    "page.offices": {"zh": "责任单位", "en": "Offices"},
    "office.title": {"zh": "按责任单位", "en": "By responsible office"},
    "office.intro": {"zh": "每个责任单位的目标、状态、逾期和即将到期的报送。点击单位名称查看其记分卡。",
                     "en": "Each responsible office's goals, statuses, overdue and upcoming submissions. "
                           "Open an office for its scorecard."},
    "office.col.office": {"zh": "责任单位", "en": "Office"},
    "office.col.goals": {"zh": "目标数", "en": "Goals"},
    "office.col.tracked": {"zh": "跟踪指标", "en": "Tracked"},
    "office.col.behind": {"zh": "落后", "en": "Behind"},
    "office.col.overdue": {"zh": "逾期", "en": "Overdue"},
    "office.col.statuses": {"zh": "状态分布", "en": "Statuses"},
    "office.heading": {"zh": "责任单位记分卡：{office}", "en": "Office scorecard: {office}"},
    "office.as_of": {"zh": "截至 {day}", "en": "As of {day}"},
    "office.goals": {"zh": "目标与状态", "en": "Goals and statuses"},
    "office.overdue": {"zh": "逾期未报送", "en": "Overdue"},
    "office.none_overdue": {"zh": "没有逾期的数据。", "en": "Nothing is overdue."},
    "office.calendar": {"zh": "报送日历（未来 {n} 天）", "en": "Submission calendar (next {n} days)"},
    "office.calendar_help": {
        "zh": "每期数据的应报日期 = 该期结束日 + 发布滞后天数（按指标的更新频率推算）。",
        "en": "Each period is due on its last day plus the indicator's publication lag (from its frequency).",
    },
    "office.none_due": {"zh": "近期没有应报送的数据。", "en": "Nothing is due in this span."},
    "office.col.period": {"zh": "数据期", "en": "Period"},
    "office.col.due": {"zh": "应报日期", "en": "Due"},
    "office.col.state": {"zh": "状态", "en": "When"},
    "office.col.frequency": {"zh": "频率", "en": "Frequency"},
    "office.col.days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "office.state_overdue": {"zh": "已逾期 {n} 天", "en": "overdue by {n} days"},
    "office.state_behind": {"zh": "（共欠 {n} 期）", "en": " ({n} periods owed)"},
    "office.state_today": {"zh": "今天到期", "en": "due today"},
    "office.state_in": {"zh": "{n} 天后到期", "en": "in {n} days"},
    "office.back": {"zh": "全部责任单位", "en": "All offices"},
    "office.unknown": {"zh": "没有指标以“{office}”为责任单位。", "en": "No indicator names “{office}” as its office."},
    "office.choose": {"zh": "选择责任单位", "en": "Choose an office"},
    "office.open": {"zh": "打开记分卡", "en": "Open scorecard"},
    "office.empty": {"zh": "目录中还没有指标注明责任单位。", "en": "No indicator in the catalogue names an office yet."},
    # ---- Progress reports (helper `report`: monitor/present/report, `monitor report`, the overview's button).
    "report.kind": {"zh": "目标进展报告", "en": "Progress report"},
    "report.as_of": {"zh": "截至 {day}", "en": "As of {day}"},
    "report.period": {"zh": "报告期：{since} 至 {as_of}", "en": "Reporting period: {since} to {as_of}"},
    "report.filter_domain": {"zh": "领域：{domain}", "en": "Domain: {domain}"},
    "report.filter_office": {"zh": "责任单位：{office}", "en": "Responsible office: {office}"},
    # The overview's other filters, when the report is made from the overview (monitor.present.filters).
    "report.filter_document": {"zh": "来源文件：{document}", "en": "Source document: {document}"},
    "report.filter_nature": {"zh": "目标性质：{nature}", "en": "Target nature: {nature}"},
    "report.filter_status": {"zh": "状态：{status}", "en": "Status: {status}"},
    "report.filter_text": {"zh": "关键词：{text}", "en": "Words: {text}"},
    "report.filter_known_on": {"zh": "按{day}已知数据", "en": "As known on {day}"},
    "report.no_office": {"zh": "未明确责任单位", "en": "No office named"},
    "report.with_nature": {"zh": "{status}（{nature}）", "en": "{status} ({nature})"},
    "report.label.status": {"zh": "状态", "en": "Status"},
    "report.label.latest": {"zh": "最新值", "en": "Latest"},
    "report.label.period": {"zh": "期间", "en": "Period"},
    "report.label.target": {"zh": "目标", "en": "Target"},
    "report.label.evidence": {"zh": "依据", "en": "Why"},
    "report.label.office": {"zh": "责任单位", "en": "Responsible office"},
    "report.label.nature": {"zh": "目标性质", "en": "Nature"},
    "report.label.chart_note": {
        "zh": "注：图中实线为可比期次的数值，虚线为目标值。",
        "en": "Note: in the charts the solid line is the comparable readings, the dashed line the target.",
    },
    "report.h.summary": {"zh": "一、总体情况", "en": "1. Summary"},
    "report.h.changes": {"zh": "二、报告期内变化", "en": "2. Changes in the reporting period"},
    "report.h.status_changes": {"zh": "（一）状态变化", "en": "2.1 Status changes"},
    "report.h.new_readings": {"zh": "（二）新录入数据", "en": "2.2 Readings recorded"},
    "report.h.newly_overdue": {"zh": "（三）新出现的逾期未更新", "en": "2.3 Newly overdue"},
    "report.h.domains": {"zh": "三、分领域进展", "en": "3. Progress by domain"},
    "report.h.domain": {"zh": "（{n}）{name}", "en": "3.{n} {name}"},
    "report.h.annex": {"zh": "附件：逾期未更新目标（按责任单位）", "en": "Annex: overdue goals by responsible office"},
    "report.total": {"zh": "合计", "en": "Total"},
    "report.summary_intro": {
        "zh": "共监测有目标的指标 {goals} 项，仅跟踪（无目标）的指标 {tracked} 项；其中逾期未更新 {stale} 项。各状态数量如下。",
        "en": "{goals} goals with a target and {tracked} indicators tracked without one are monitored; {stale} of them "
              "are overdue for an update. By status:",
    },
    "report.changes_intro": {
        "zh": "{since}至{as_of}期间，状态变化、新录入数据和新出现的逾期未更新如下。",
        "en": "Between {since} and {as_of}: status changes, readings recorded and goals newly overdue.",
    },
    "report.none": {"zh": "无。", "en": "None."},
    "report.not_tracked": {"zh": "（未纳入）", "en": "(not tracked)"},
    "report.revised": {"zh": "修订", "en": "revision"},
    "report.withdrawn": {"zh": "撤回", "en": "withdrawn"},
    "report.withdrawn_because": {"zh": "已撤回：{reason}", "en": "withdrawn: {reason}"},
    "report.new_reading": {"zh": "新增", "en": "new"},
    "report.col.domain": {"zh": "领域", "en": "Domain"},
    "report.col.indicator_id": {"zh": "指标编号", "en": "Indicator id"},
    "report.col.name": {"zh": "指标", "en": "Goal"},
    "report.col.status": {"zh": "状态", "en": "Status"},
    "report.col.nature": {"zh": "目标性质", "en": "Nature"},
    "report.col.latest": {"zh": "最新值", "en": "Latest value"},
    "report.col.unit": {"zh": "单位", "en": "Unit"},
    "report.col.period_start": {"zh": "期间起", "en": "Period start"},
    "report.col.period_end": {"zh": "期间止", "en": "Period end"},
    "report.col.period": {"zh": "期间", "en": "Period"},
    "report.col.target": {"zh": "目标值", "en": "Target value"},
    "report.col.target_stated": {"zh": "目标表述", "en": "Target as stated"},
    "report.col.deadline": {"zh": "截止日期", "en": "Deadline"},
    "report.col.evidence": {"zh": "依据", "en": "Why"},
    "report.col.office": {"zh": "责任单位", "en": "Responsible office"},
    "report.col.next_due": {"zh": "应更新日期", "en": "Update due"},
    "report.col.days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "report.col.value": {"zh": "数值", "en": "Value"},
    "report.col.qualifier": {"zh": "限定", "en": "Qualifier"},
    "report.col.revision": {"zh": "修订版次", "en": "Revision"},
    "report.col.source": {"zh": "来源", "en": "Source"},
    "report.col.recorded_at": {"zh": "录入时间", "en": "Recorded"},
    "report.col.new": {"zh": "报告期内录入", "en": "In this period"},
    "report.col.before": {"zh": "原状态", "en": "Before"},
    "report.col.after": {"zh": "现状态", "en": "Now"},
    "report.col.kind": {"zh": "类别", "en": "Kind"},
    "report.sheet.status": {"zh": "目标状态", "en": "Status"},
    "report.sheet.readings": {"zh": "数据", "en": "Readings"},
    "report.download": {"zh": "下载报告", "en": "Download report"},
    "report.format": {"zh": "报告格式", "en": "Report format"},
    "report.download_help": {
        "zh": "按当前语言和所选领域生成进展报告（截至所示日期，报告期为此前三个月），点击后生成，可能需要数秒。",
        "en": "A progress report in the current language for the selected domains (as of the date shown, covering "
              "the three months before it), made when you click; it may take a few seconds.",
    },
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
    # ---- Readings no target can use (issue 21): the form before Save, the goal page, `monitor check`.
    "add.uncounted": {
        "zh": "注意：此读数有效，但不会计入该指标的任何目标（仍可保存，仅作记录和图表）。",
        "en": "Note: this reading is valid but counts for no target of the indicator (Save still stores it, "
              "for the record and the chart).",
    },
    "imp.uncounted": {
        "zh": "{n} 行数据有效，但不会计入其指标的任何目标（导入后仅作记录和图表）：",
        "en": "{n} valid rows count for no target of their indicator (imported, they serve the record and the chart):",
    },
    "imp.uncounted_row": {"zh": "第 {row} 行：{reason}", "en": "Row {row}: {reason}"},
    "goal.skipped_heading": {"zh": "未计入此目标的读数", "en": "Readings this goal does not count"},
    "goal.skipped_intro": {
        "zh": "以下读数已录入，但判断此目标的状态时未使用，原因如下：",
        "en": "These readings are recorded but were not used to judge this goal, for the reason given:",
    },
    "goal.skipped_row": {"zh": "{period}：{value} —— {reason}", "en": "{period}: {value} — {reason}"},
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
    # Units of plans' main-indicator tables (docs/catalog.md): life expectancy, energy intensity, land.
    "岁": "years",
    "吨标准煤": "tce",
    "吨标准煤/万元": "tce per 10,000 yuan",
    "立方米": "m³",
    "公顷": "ha",
    "平方公里": "km²",
    "千克": "kg",
    "小时": "hours",
}

_SINGULAR_EN: dict[str, str] = {
    "racks": "rack", "units": "unit", "visits": "visit", "people": "person", "households": "household",
    "cases": "case", "items": "item", "firms": "firm", "institutions": "institution",
    "facilities": "facility", "times": "time", "days": "day", "years": "year", "hours": "hour",
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
