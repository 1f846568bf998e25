"""Chinese and English wording and number/date formatting shared by the CLI and the dashboard.

Every user-visible phrase lives in ``MESSAGES`` with both languages so that a missing translation is a
test failure, not a blank on screen. Babel is imported inside the formatting functions: the CLI's
``add`` path never formats and must start fast.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from monitor.model import Qualifier
from monitor.periods import add_months
from monitor.units import normalize_unit

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "LOCALES",
    "MESSAGES",
    "STATUSES",
    "STATUS_ICONS",
    "format_date",
    "format_number",
    "freshness",
    "months_ago",
    "normalize_lang",
    "qualified",
    "status_text",
    "t",
]

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"

# en_GB rather than en_US: "11 Jul 2025" matches the period labels ("30 Jun 2025") and reads
# unambiguously to readers outside the US.
LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en_GB"}

STATUSES: tuple[str, ...] = (
    "achieved",
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deterioration",
    "met",
    "not_met",
    "no_target",
    "insufficient_data",
)

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
    # Domains of the catalogue.
    "domain.tourism": {"zh": "文化旅游", "en": "Tourism"},
    "domain.ecology": {"zh": "生态环境", "en": "Ecology & air"},
    "domain.digital": {"zh": "数字经济与算力", "en": "Digital economy & compute"},
    "domain.innovation": {"zh": "科技创新与盐湖产业", "en": "Innovation & salt-lake industry"},
    "domain.openness": {"zh": "对外开放", "en": "Openness & trade"},
    "domain.livelihood": {"zh": "民生保障", "en": "People's livelihood"},
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
}


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
    from babel.numbers import (
        format_compact_currency,
        format_compact_decimal,
        format_currency,
        format_decimal,
    )

    code = normalize_lang(lang)
    locale = LOCALES[code]
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}: not a finite number")
    shown_unit = normalize_unit(unit) if unit else ""
    value = _round_for_display(value)

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
