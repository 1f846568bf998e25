"""Reporting periods: the spans officials quote figures for ("2025年1—6月", "一季度", "截至6月底").

A figure is only comparable with another one over a span of the same kind, and it has to be shown the
way the source wrote it, so periods are parsed from and labelled in both Chinese and English.
Pure standard library so that importing it stays cheap for the CLI.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from monitor.model import FREQUENCY_MONTHS
from monitor.model.problems import ProblemError
from monitor.model.units import fold_width

__all__ = [
    "FREQUENCY_MONTHS",
    "Period",
    "add_months",
    "comparable",
    "label",
    "month_end",
    "parse_date",
    "parse_period",
]

# Spans whose lengths differ by this many days or fewer count as the same kind when not month-aligned
# (a "week 1" of 7 days vs one of 9 is not; two 90-day windows starting on different days are).
_SAME_LENGTH_TOLERANCE_DAYS = 3

_LANGS = ("zh", "en")
_ZH_QUARTERS = ("一", "二", "三", "四")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Spelled out rather than taken from calendar.month_name, which follows the process locale.
_EN_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_EN_MONTH_NUMBERS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(_EN_MONTHS, start=1)},
    **{name.lower(): i for i, name in enumerate(_EN_MONTH_NAMES, start=1)},
    "sept": 9,
}
# zh labels use the em dash as the briefing does ("1—6月"); en labels the en dash ("Jan–Jun").
_ZH_DASH = "—"
_EN_DASH = "–"


@dataclass(frozen=True, order=True)
class Period:
    """A closed span of days [start, end]; a point in time has start == end."""

    start: date
    end: date

    def __post_init__(self) -> None:
        # datetime is a date subclass, but mixing the two makes comparisons raise later, far from the cause.
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, datetime) or not isinstance(value, date):
                raise TypeError(f"Period.{name} must be a datetime.date, got {type(value).__name__}")
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def at(cls, d: date) -> Period:
        return cls(d, d)

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        start = _checked_date(year, month, 1, f"{year}-{month}")
        return cls(start, month_end(start))

    @classmethod
    def of_months(cls, year: int, first_month: int, last_month: int) -> Period:
        start = _checked_date(year, first_month, 1, f"{year}-{first_month}")
        end = month_end(_checked_date(year, last_month, 1, f"{year}-{last_month}"))
        return cls(start, end)

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter {quarter} is not in 1..4")
        return cls.of_months(year, 3 * quarter - 2, 3 * quarter)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls.of_months(year, 1, 12)

    @property
    def length_days(self) -> int:
        """Days covered, both ends included: a point is 1 day, June is 30."""
        return (self.end - self.start).days + 1

    @property
    def is_point(self) -> bool:
        return self.start == self.end

    @property
    def months(self) -> int | None:
        """Whole calendar months covered, or None when the span does not start and end on month bounds."""
        if self.start.day != 1 or self.end != month_end(self.end):
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int, *, keep_month_end: bool = False) -> date:
    """``d`` moved by ``n`` calendar months, clamped to the month end: 2025-01-31 + 1 -> 2025-02-28.

    With ``keep_month_end``, a month end stays a month end (2025-06-30 + 1 -> 2025-07-31, not 07-30):
    the next period end of a series that reports at month ends (monitor.status.progress.staleness).
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"{d} moved by {n} months leaves the supported years 1..9999")
    last_day = calendar.monthrange(year, month0 + 1)[1]
    if keep_month_end and d.day == calendar.monthrange(d.year, d.month)[1]:
        return date(year, month0 + 1, last_day)
    return date(year, month0 + 1, min(d.day, last_day))


def comparable(a: Period, b: Period) -> bool:
    """Whether figures over ``a`` and ``b`` may be compared: both points, same whole months, or same days."""
    if a.is_point or b.is_point:
        return a.is_point and b.is_point
    a_months, b_months = a.months, b.months
    if a_months is not None and b_months is not None:
        # February and March are both "a month" although 3 days apart; a quarter and 92 days are not.
        return a_months == b_months
    return abs(a.length_days - b.length_days) <= _SAME_LENGTH_TOLERANCE_DAYS


def _shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters: a 100,000-character cell
    must not make a 100,000-character message (it is printed, stored with rejected rows and shown)."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _checked_date(year: int, month: int, day: int, text: str) -> date:
    # date() says "month must be in 1..12" without the input; people need to see what they typed.
    if not 1 <= year <= 9999:
        raise ProblemError("problem.date_year", text=_shown(text), year=year)
    if not 1 <= month <= 12:
        raise ProblemError("problem.date_month", text=_shown(text), month=month)
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise ProblemError("problem.date_day", text=_shown(text), day=day, last=last_day, year_month=f"{year}-{month:02d}")
    return date(year, month, day)


def _normalize(text: str) -> str:
    # Full-width digits and "～"/"－" come from Chinese input methods; spaces are collapsed, not removed,
    # as en labels need them.
    return re.sub(r"\s+", " ", fold_width(text).strip())


_MON = r"([A-Za-z]{3,9})\.?"
_DASH = r"\s?(?:—{1,2}|–|-|~|至|到)\s?"


@functools.cache
def _date_patterns() -> tuple[tuple[re.Pattern[str], tuple[str, str, str]], ...]:
    # Compiled on first use: a `monitor add` with ISO dates never needs them.
    return (
        (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII), ("y", "m", "d")),
        (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})", re.ASCII), ("y", "m", "d")),
        (re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})", re.ASCII), ("y", "m", "d")),
        (re.compile(r"(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?[日号]", re.ASCII), ("y", "m", "d")),
        (re.compile(rf"(\d{{1,2}}) {_MON},? (\d{{4}})", re.ASCII), ("d", "mon", "y")),
        (re.compile(rf"{_MON} (\d{{1,2}}),? (\d{{4}})", re.ASCII), ("mon", "d", "y")),
    )


def _month_number(name: str, text: str) -> int:
    number = _EN_MONTH_NUMBERS.get(name.lower())
    if number is None:
        raise ProblemError("problem.month_name", text=_shown(text), name=_shown(name))
    return number


def _try_parse_date(text: str) -> date | None:
    for pattern, fields in _date_patterns():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = dict(zip(fields, match.groups(), strict=True))
        month = _month_number(parts["mon"], text) if "mon" in parts else int(parts["m"])
        return _checked_date(int(parts["y"]), month, int(parts["d"]), text)
    return None


def parse_date(text: str) -> date:
    """A day date: "2025-06-30", "2025/6/30", "2025年6月30日", "30 Jun 2025" or "Jun 30, 2025".

    Spans ("2025年6月") belong to ``parse_period``; spreadsheet serial numbers to the importer.
    """
    normalized = _normalize(text)
    parsed = _try_parse_date(normalized)
    if parsed is None:
        raise ProblemError("problem.date_unreadable", text=_shown(text))
    return parsed


def _quarter_number(token: str) -> int:
    return _ZH_QUARTERS.index(token) + 1 if token in _ZH_QUARTERS else int(token)


def _months_range(year: str, first: str, last: str, text: str) -> Period:
    first_month, last_month = int(first), int(last)
    for month in (first_month, last_month):
        if not 1 <= month <= 12:
            raise ValueError(f"invalid period {_shown(text)}: month {month} is not in 1..12")
    if last_month < first_month:
        raise ValueError(f"invalid period {_shown(text)}: month {last_month} comes before month {first_month}")
    return Period.of_months(int(year), first_month, last_month)


def _years_range(first: str, last: str, text: str) -> Period:
    if int(last) < int(first):
        raise ValueError(f"invalid period {_shown(text)}: year {last} comes before year {first}")
    return Period(Period.of_year(int(first)).start, Period.of_year(int(last)).end)


_Builder = Callable[[re.Match[str], str], Period]

# Tried in order with fullmatch; each builder gets the match and the original text for error messages.
@functools.cache
def _period_patterns() -> tuple[tuple[re.Pattern[str], _Builder], ...]:
    # Compiled on first use: a `monitor add` with ISO dates never needs them.
    return (
        (re.compile(r"(\d{4}) ?(?:年|年度|年全年)?", re.ASCII), lambda m, t: Period.of_year(int(m[1]))),
        (
            re.compile(rf"(\d{{4}}) ?年? ?{_DASH}(\d{{4}}) ?年?", re.ASCII),
            lambda m, t: _years_range(m[1], m[2], t),
        ),
        (
            re.compile(r"(\d{4}) ?年 ?(\d{1,2}) ?月份?", re.ASCII),
            lambda m, t: _months_range(m[1], m[2], m[2], t),
        ),
        (
            re.compile(r"(\d{4})[-/.](\d{1,2})", re.ASCII),
            lambda m, t: _months_range(m[1], m[2], m[2], t),
        ),
        (
            re.compile(rf"(\d{{4}}) ?年 ?(\d{{1,2}}) ?月?{_DASH}(\d{{1,2}}) ?月份?", re.ASCII),
            lambda m, t: _months_range(m[1], m[2], m[3], t),
        ),
        (
            re.compile(r"(\d{4}) ?年? ?(上|下)半年", re.ASCII),
            lambda m, t: Period.of_months(int(m[1]), 1, 6) if m[2] == "上" else Period.of_months(int(m[1]), 7, 12),
        ),
        (
            re.compile(r"(\d{4}) ?年? ?-? ?H([12])", re.IGNORECASE | re.ASCII),
            lambda m, t: Period.of_months(int(m[1]), 6 * int(m[2]) - 5, 6 * int(m[2])),
        ),
        (
            re.compile(r"H([12]) ?-? ?(\d{4})", re.IGNORECASE | re.ASCII),
            lambda m, t: Period.of_months(int(m[2]), 6 * int(m[1]) - 5, 6 * int(m[1])),
        ),
        (
            re.compile(r"(\d{4}) ?年? ?第?([一二三四1-4]) ?季度", re.ASCII),
            lambda m, t: Period.of_quarter(int(m[1]), _quarter_number(m[2])),
        ),
        (
            re.compile(r"(\d{4}) ?年? ?-? ?Q([1-4])", re.IGNORECASE | re.ASCII),
            lambda m, t: Period.of_quarter(int(m[1]), int(m[2])),
        ),
        (
            re.compile(r"Q([1-4]) ?-? ?(\d{4})", re.IGNORECASE | re.ASCII),
            lambda m, t: Period.of_quarter(int(m[2]), int(m[1])),
        ),
        (
            re.compile(rf"{_MON} (\d{{4}})", re.ASCII),
            lambda m, t: Period.of_month(int(m[2]), _month_number(m[1], t)),
        ),
        (
            re.compile(rf"{_MON}{_DASH}{_MON} (\d{{4}})", re.ASCII),
            lambda m, t: _months_range(m[3], str(_month_number(m[1], t)), str(_month_number(m[2], t)), t),
        ),
    )

# Between two full periods ("2023年10月—2025年7月", "Oct 2023 – Jul 2025", "2025-01-05 — 2025-02-17").
# A bare ASCII hyphen only counts with spaces around it, since ISO dates are full of hyphens.
_RANGE_SEPARATOR = r" (?:—{1,2}|–|-|~|至|到|to) |—{1,2}|–|~|至|到"


def _try_parse_single(text: str) -> Period | None:
    day = _try_parse_date(text)
    if day is not None:
        return Period.at(day)
    for pattern, build in _period_patterns():
        match = pattern.fullmatch(text)
        if match is not None:
            return build(match, text)
    return None


def parse_period(text: str) -> Period:
    """A reporting span as officials and spreadsheets write it.

    Accepts a day ("2025-06-30": a point), a month ("2025年6月", "2025-06", "Jun 2025"), months of one year
    ("2025年1—6月", "2025年1月至5月", "Jan–Jun 2025"), halves ("2025年上半年", "2025H1"), quarters
    ("2025年一季度", "2025年第一季度", "2025Q1", "Q1 2025"), years ("2025", "2025年", "2023—2025年") and a
    span between any two of these ("2023年10月—2025年7月", "2025-01-05 — 2025-02-17").
    """
    normalized = _normalize(text)
    if not normalized:
        raise ValueError("empty period")
    single = _try_parse_single(normalized)
    if single is not None:
        return single
    for separator in re.finditer(_RANGE_SEPARATOR, normalized, re.ASCII):
        left = _try_parse_single(normalized[: separator.start()].strip())
        right = _try_parse_single(normalized[separator.end() :].strip())
        if left is not None and right is not None:
            if right.end < left.start:
                raise ValueError(f"invalid period {_shown(text)}: it ends before it starts")
            return Period(left.start, right.end)
    raise ValueError(
        f"cannot read {_shown(text)} as a period: expected e.g. 2025年6月, 2025年1—6月, 2025年一季度, 2025Q1, "
        "2025-06, 2025 or 2025-06-30"
    )


def _check_lang(lang: str) -> None:
    if lang not in _LANGS:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(_LANGS)}")


def label(period: Period, lang: str) -> str:
    """How the period is written for people: "2025年1—6月" / "Jan–Jun 2025", "2025年第一季度" / "Q1 2025"."""
    _check_lang(lang)
    start, end = period.start, period.end
    zh = lang == "zh"
    if period.is_point:
        if zh:
            return f"{start.year}年{start.month}月{start.day}日"
        return f"{start.day} {_EN_MONTHS[start.month - 1]} {start.year}"
    months = period.months
    if months is None:
        # No calendar name fits an arbitrary span: both days, written as a reader of the language would.
        if zh:
            return f"{start.year}年{start.month}月{start.day}日{_ZH_DASH}{end.year}年{end.month}月{end.day}日"
        return (f"{start.day} {_EN_MONTHS[start.month - 1]} {start.year} {_EN_DASH} "
                f"{end.day} {_EN_MONTHS[end.month - 1]} {end.year}")
    first, last = _EN_MONTHS[start.month - 1], _EN_MONTHS[end.month - 1]
    if start.month == 1 and end.month == 12:
        if start.year == end.year:
            return f"{start.year}年" if zh else str(start.year)
        return f"{start.year}{_ZH_DASH}{end.year}年" if zh else f"{start.year}{_EN_DASH}{end.year}"
    if start.year != end.year:
        if zh:
            return f"{start.year}年{start.month}月{_ZH_DASH}{end.year}年{end.month}月"
        return f"{first} {start.year} {_EN_DASH} {last} {end.year}"
    if months == 1:
        return f"{start.year}年{start.month}月" if zh else f"{first} {start.year}"
    if months == 3 and start.month % 3 == 1:
        quarter = start.month // 3 + 1
        return f"{start.year}年第{_ZH_QUARTERS[quarter - 1]}季度" if zh else f"Q{quarter} {start.year}"
    # Halves are written as month ranges, as the briefing does ("2025年1—6月", not "上半年").
    if zh:
        return f"{start.year}年{start.month}{_ZH_DASH}{end.month}月"
    return f"{first}{_EN_DASH}{last} {start.year}"
