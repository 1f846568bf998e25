from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.model import Frequency
from monitor.model.periods import (
    FREQUENCY_MONTHS,
    Period,
    add_months,
    comparable,
    label,
    month_end,
    parse_date,
    parse_period,
)

D = date


# --- Period ---------------------------------------------------------------------------------------------


def test_period_helpers() -> None:
    h1 = Period(D(2025, 1, 1), D(2025, 6, 30))
    assert h1.length_days == 181
    assert not h1.is_point
    assert h1.months == 6

    point = Period(D(2025, 6, 30), D(2025, 6, 30))
    assert point.length_days == 1
    assert point.is_point
    assert point.months is None

    assert Period(D(2025, 2, 1), D(2025, 2, 28)).months == 1
    assert Period(D(2024, 2, 1), D(2024, 2, 29)).months == 1
    assert Period(D(2024, 2, 1), D(2024, 2, 28)).months is None  # leap year: 28 Feb is not the end
    assert Period(D(2023, 10, 1), D(2025, 7, 31)).months == 22
    assert Period(D(2025, 1, 5), D(2025, 2, 17)).months is None
    assert Period(D(2025, 1, 2), D(2025, 1, 31)).months is None


def test_period_constructors() -> None:
    assert Period.at(D(2025, 6, 30)) == Period(D(2025, 6, 30), D(2025, 6, 30))
    assert Period.of_month(2025, 2) == Period(D(2025, 2, 1), D(2025, 2, 28))
    assert Period.of_months(2025, 1, 6) == Period(D(2025, 1, 1), D(2025, 6, 30))
    assert Period.of_quarter(2025, 4) == Period(D(2025, 10, 1), D(2025, 12, 31))
    assert Period.of_year(2024) == Period(D(2024, 1, 1), D(2024, 12, 31))
    with pytest.raises(ValueError, match="quarter 5 is not in 1..4"):
        Period.of_quarter(2025, 5)
    with pytest.raises(ValueError, match="month 13 is not in 1..12"):
        Period.of_month(2025, 13)


def test_period_rejects_reversed_and_datetimes() -> None:
    with pytest.raises(ValueError, match=r"period ends \(2025-01-01\) before it starts \(2025-06-30\)"):
        Period(D(2025, 6, 30), D(2025, 1, 1))
    with pytest.raises(TypeError, match="datetime.date"):
        Period(datetime(2025, 1, 1), D(2025, 1, 2))
    with pytest.raises(TypeError, match="datetime.date"):
        Period(D(2025, 1, 1), "2025-01-02")  # type: ignore[arg-type]


def test_period_is_hashable_and_ordered() -> None:
    a, b = Period.of_month(2025, 1), Period.of_month(2025, 2)
    assert len({a, b, Period.of_month(2025, 1)}) == 2
    assert sorted([b, a]) == [a, b]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Period.at(D(2025, 6, 30)), Period.at(D(2024, 12, 31)), True),
        (Period.at(D(2025, 6, 30)), Period.of_month(2025, 6), False),
        (Period.of_month(2025, 6), Period.at(D(2025, 6, 30)), False),
        (Period.of_months(2025, 1, 6), Period.of_months(2024, 1, 6), True),
        (Period.of_months(2025, 1, 6), Period.of_months(2024, 7, 12), True),  # 181 vs 184 days, both halves
        (Period.of_month(2025, 2), Period.of_month(2025, 3), True),
        (Period.of_months(2025, 1, 5), Period.of_months(2025, 1, 6), False),
        (Period.of_quarter(2025, 1), Period.of_months(2025, 1, 2), False),
        (Period.of_year(2024), Period.of_year(2025), True),
        (Period.of_year(2024), Period(D(2024, 1, 1), D(2024, 12, 30)), True),  # days within 3
        (Period(D(2025, 1, 5), D(2025, 2, 17)), Period(D(2025, 3, 5), D(2025, 4, 20)), True),  # 44 vs 47
        (Period(D(2025, 1, 5), D(2025, 2, 17)), Period(D(2025, 3, 5), D(2025, 4, 21)), False),  # 44 vs 48
        (Period.of_months(2025, 1, 2), Period(D(2025, 3, 3), D(2025, 5, 1)), True),  # 59 vs 60 days
    ],
)
def test_comparable(a: Period, b: Period, expected: bool) -> None:
    assert comparable(a, b) is expected
    assert comparable(b, a) is expected


# --- month arithmetic -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 2, D(2025, 3, 31)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 6, 30), 6, D(2025, 12, 30)),
        (D(2025, 11, 15), 2, D(2026, 1, 15)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2025, 6, 30), 0, D(2025, 6, 30)),
        (D(2025, 6, 30), -36, D(2022, 6, 30)),
    ],
)
def test_add_months(d: date, n: int, expected: date) -> None:
    assert add_months(d, n) == expected


def test_add_months_out_of_range() -> None:
    with pytest.raises(ValueError, match="leaves the supported years"):
        add_months(D(9999, 12, 1), 1)


@pytest.mark.parametrize(
    ("d", "expected"),
    [(D(2025, 2, 3), D(2025, 2, 28)), (D(2024, 2, 3), D(2024, 2, 29)), (D(2025, 12, 31), D(2025, 12, 31)),
     (D(2025, 4, 1), D(2025, 4, 30))],
)  # fmt: skip
def test_month_end(d: date, expected: date) -> None:
    assert month_end(d) == expected


_DATES = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))
_SHIFTS = st.integers(min_value=-1200, max_value=1200)


@given(_DATES, _SHIFTS)
def test_add_months_properties(d: date, n: int) -> None:
    moved = add_months(d, n)
    # Lands in the right month...
    assert moved.year * 12 + moved.month == d.year * 12 + d.month + n
    # ...on the same day, or on the month end when that day does not exist there.
    assert moved.day == min(d.day, calendar.monthrange(moved.year, moved.month)[1])
    # Shifting does not reorder dates.
    if n > 0:
        assert moved > d
    elif n < 0:
        assert moved < d


@given(_DATES, _SHIFTS, _SHIFTS)
def test_add_months_composes_for_early_days(d: date, m: int, n: int) -> None:
    # Days up to the 28th exist in every month, so no clamping happens and shifts add up.
    d = d.replace(day=min(d.day, 28))
    assert add_months(add_months(d, m), n) == add_months(d, m + n)


def test_frequency_months() -> None:
    assert FREQUENCY_MONTHS == {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
    assert FREQUENCY_MONTHS[Frequency.HALF_YEARLY] == 6
    assert Frequency.IRREGULAR not in FREQUENCY_MONTHS


# --- parsing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-30", D(2025, 6, 30)),
        ("2025-6-3", D(2025, 6, 3)),
        ("2025/6/30", D(2025, 6, 30)),
        ("2025/06/30", D(2025, 6, 30)),
        ("2025.06.30", D(2025, 6, 30)),
        ("2025年6月30日", D(2025, 6, 30)),
        ("2025 年 6 月 30 日", D(2025, 6, 30)),
        ("２０２５年６月３０日", D(2025, 6, 30)),
        ("30 Jun 2025", D(2025, 6, 30)),
        ("30 June 2025", D(2025, 6, 30)),
        ("Jul 11, 2025", D(2025, 7, 11)),
        ("  2024-02-29 ", D(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-13-01", "invalid date '2025-13-01': month 13 is not in 1..12"),
        ("2025-00-10", "invalid date '2025-00-10': month 0 is not in 1..12"),
        ("2025-02-29", "invalid date '2025-02-29': day 29 is not in 1..28 for 2025-02"),
        ("2025年6月31日", "invalid date '2025年6月31日': day 31 is not in 1..30 for 2025-06"),
        ("0000-01-01", "invalid date '0000-01-01': year 0 is not in 1..9999"),
        ("31 Foo 2025", "cannot read '31 Foo 2025': 'Foo' is not a month name"),
        ("2025年6月", "cannot read '2025年6月' as a date: expected e.g. 2025-06-30, 2025/6/30 or 2025年6月30日"),
        ("2025-06", "cannot read '2025-06' as a date: expected e.g. 2025-06-30, 2025/6/30 or 2025年6月30日"),
        ("45838", "cannot read '45838' as a date: expected e.g. 2025-06-30, 2025/6/30 or 2025年6月30日"),
        ("", "cannot read '' as a date: expected e.g. 2025-06-30, 2025/6/30 or 2025年6月30日"),
    ],
)
def test_parse_date_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_date(text)
    assert str(excinfo.value) == reason


def _p(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> Period:
    return Period(D(y1, m1, d1), D(y2, m2, d2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年6月", _p(2025, 6, 1, 2025, 6, 30)),
        ("2025年6月份", _p(2025, 6, 1, 2025, 6, 30)),
        ("2025年1—6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1——6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1–6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1-6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1~6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1至6月", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年1月至5月", _p(2025, 1, 1, 2025, 5, 31)),
        ("2025年1月—5月", _p(2025, 1, 1, 2025, 5, 31)),
        ("2025年上半年", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年下半年", _p(2025, 7, 1, 2025, 12, 31)),
        ("2025上半年", _p(2025, 1, 1, 2025, 6, 30)),
        ("2025年一季度", _p(2025, 1, 1, 2025, 3, 31)),
        ("2025年第一季度", _p(2025, 1, 1, 2025, 3, 31)),
        ("2025年第三季度", _p(2025, 7, 1, 2025, 9, 30)),
        ("2025年第4季度", _p(2025, 10, 1, 2025, 12, 31)),
        ("2025Q1", _p(2025, 1, 1, 2025, 3, 31)),
        ("2025q2", _p(2025, 4, 1, 2025, 6, 30)),
        ("2025-Q3", _p(2025, 7, 1, 2025, 9, 30)),
        ("2025 Q4", _p(2025, 10, 1, 2025, 12, 31)),
        ("Q1 2025", _p(2025, 1, 1, 2025, 3, 31)),
        ("2025H1", _p(2025, 1, 1, 2025, 6, 30)),
        ("H2 2025", _p(2025, 7, 1, 2025, 12, 31)),
        ("2025-06", _p(2025, 6, 1, 2025, 6, 30)),
        ("2025-6", _p(2025, 6, 1, 2025, 6, 30)),
        ("2025/06", _p(2025, 6, 1, 2025, 6, 30)),
        ("2024-02", _p(2024, 2, 1, 2024, 2, 29)),
        ("2025", _p(2025, 1, 1, 2025, 12, 31)),
        ("2025年", _p(2025, 1, 1, 2025, 12, 31)),
        ("2025年度", _p(2025, 1, 1, 2025, 12, 31)),
        ("２０２５年６月", _p(2025, 6, 1, 2025, 6, 30)),
        ("2023—2025年", _p(2023, 1, 1, 2025, 12, 31)),
        ("2023-2025", _p(2023, 1, 1, 2025, 12, 31)),
        ("2025-06-30", _p(2025, 6, 30, 2025, 6, 30)),
        ("2025年6月30日", _p(2025, 6, 30, 2025, 6, 30)),
        ("Jun 2025", _p(2025, 6, 1, 2025, 6, 30)),
        ("June 2025", _p(2025, 6, 1, 2025, 6, 30)),
        ("Jan–Jun 2025", _p(2025, 1, 1, 2025, 6, 30)),
        ("Jan-Jun 2025", _p(2025, 1, 1, 2025, 6, 30)),
        ("2023年10月—2025年7月", _p(2023, 10, 1, 2025, 7, 31)),
        ("2023年10月至2025年7月", _p(2023, 10, 1, 2025, 7, 31)),
        ("Oct 2023 – Jul 2025", _p(2023, 10, 1, 2025, 7, 31)),
        ("Oct 2023 to Jul 2025", _p(2023, 10, 1, 2025, 7, 31)),
        ("2023-10 - 2025-07", _p(2023, 10, 1, 2025, 7, 31)),
        ("2025-01-05 — 2025-02-17", _p(2025, 1, 5, 2025, 2, 17)),
        ("2025-01-05至2025-02-17", _p(2025, 1, 5, 2025, 2, 17)),
        ("2023年10月1日—2025年6月30日", _p(2023, 10, 1, 2025, 6, 30)),
    ],
)
def test_parse_period(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


_EXPECTED_PERIOD = "expected e.g. 2025年6月, 2025年1—6月, 2025年一季度, 2025Q1, 2025-06, 2025 or 2025-06-30"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty period"),
        ("garbage", f"cannot read 'garbage' as a period: {_EXPECTED_PERIOD}"),
        ("2025Q5", f"cannot read '2025Q5' as a period: {_EXPECTED_PERIOD}"),
        ("2025年第五季度", f"cannot read '2025年第五季度' as a period: {_EXPECTED_PERIOD}"),
        ("45838", f"cannot read '45838' as a period: {_EXPECTED_PERIOD}"),
        ("2025年13月", "invalid period '2025年13月': month 13 is not in 1..12"),
        ("2025-13", "invalid period '2025-13': month 13 is not in 1..12"),
        ("2025年6—1月", "invalid period '2025年6—1月': month 1 comes before month 6"),
        ("2025—2023年", "invalid period '2025—2023年': year 2023 comes before year 2025"),
        ("2025-13-01", "invalid date '2025-13-01': month 13 is not in 1..12"),
        ("2025-07 — 2025-06", "invalid period '2025-07 — 2025-06': it ends before it starts"),
        ("Foo 2025", "cannot read 'Foo 2025': 'Foo' is not a month name"),
    ],
)
def test_parse_period_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_period(text)
    assert str(excinfo.value) == reason


# --- labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "zh", "en"),
    [
        (_p(2025, 1, 1, 2025, 6, 30), "2025年1—6月", "Jan–Jun 2025"),
        (_p(2025, 7, 1, 2025, 12, 31), "2025年7—12月", "Jul–Dec 2025"),
        (_p(2025, 1, 1, 2025, 5, 31), "2025年1—5月", "Jan–May 2025"),
        (_p(2025, 6, 1, 2025, 6, 30), "2025年6月", "Jun 2025"),
        (_p(2025, 1, 1, 2025, 12, 31), "2025年", "2025"),
        (_p(2025, 6, 30, 2025, 6, 30), "2025年6月30日", "30 Jun 2025"),
        (_p(2025, 7, 1, 2025, 7, 1), "2025年7月1日", "1 Jul 2025"),
        (_p(2025, 1, 1, 2025, 3, 31), "2025年第一季度", "Q1 2025"),
        (_p(2025, 4, 1, 2025, 6, 30), "2025年第二季度", "Q2 2025"),
        (_p(2025, 10, 1, 2025, 12, 31), "2025年第四季度", "Q4 2025"),
        (_p(2025, 2, 1, 2025, 4, 30), "2025年2—4月", "Feb–Apr 2025"),  # three months, not a quarter
        (_p(2023, 10, 1, 2025, 7, 31), "2023年10月—2025年7月", "Oct 2023 – Jul 2025"),
        (_p(2024, 12, 1, 2025, 1, 31), "2024年12月—2025年1月", "Dec 2024 – Jan 2025"),
        (_p(2023, 1, 1, 2025, 12, 31), "2023—2025年", "2023–2025"),
        (_p(2025, 1, 5, 2025, 2, 17), "2025年1月5日—2025年2月17日", "5 Jan 2025 – 17 Feb 2025"),
        (_p(2025, 1, 1, 2025, 6, 29), "2025年1月1日—2025年6月29日", "1 Jan 2025 – 29 Jun 2025"),
    ],
)
def test_label(period: Period, zh: str, en: str) -> None:
    assert label(period, "zh") == zh
    assert label(period, "en") == en


def test_label_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        label(Period.of_year(2025), "fr")


@st.composite
def _periods(draw: st.DrawFn) -> Period:
    start = draw(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
    kind = draw(st.sampled_from(["point", "months", "days"]))
    if kind == "point":
        return Period.at(start)
    if kind == "months":
        first = start.replace(day=1)
        return Period(first, month_end(add_months(first, draw(st.integers(0, 60)))))
    return Period(start, min(D(2100, 12, 31), start + timedelta(days=draw(st.integers(0, 2000)))))


@given(_periods(), st.sampled_from(["zh", "en"]))
def test_labels_parse_back(period: Period, lang: str) -> None:
    assert parse_period(label(period, lang)) == period
