from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import date
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.model import Direction, Frequency, MeasureKind, Method, Qualifier, TargetKind
from monitor.model.units import parse_number
from monitor.present.i18n import (
    DEFAULT_LANG,
    LANGS,
    MESSAGES,
    STATUS_ICONS,
    STATUSES,
    format_date,
    format_number,
    format_quantity,
    freshness,
    months_ago,
    normalize_lang,
    qualified,
    status_text,
    t,
)

D = date


# --- messages -------------------------------------------------------------------------------------------


def test_langs() -> None:
    assert LANGS == ("zh", "en")
    assert DEFAULT_LANG == "zh"


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages(key: str) -> None:
    entry = MESSAGES[key]
    assert set(entry) == set(LANGS)
    for lang in LANGS:
        assert entry[lang].strip(), f"{key} is empty in {lang}"


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_agree_between_languages(key: str) -> None:
    fields = [set(re.findall(r"\{(\w+)\}", MESSAGES[key][lang])) for lang in LANGS]
    assert fields[0] == fields[1]


@pytest.mark.parametrize(
    ("status", "zh", "en"),
    [
        ("achieved", "已实现", "Achieved"),
        ("on_track", "按期推进", "On track"),
        ("needs_acceleration", "需加速", "Needs acceleration"),
        ("limited_progress", "进展有限", "Limited progress"),
        ("deterioration", "倒退", "Deterioration"),
        ("met", "达标", "Met"),
        ("not_met", "未达标", "Not met"),
        ("no_target", "无目标", "No target"),
        ("insufficient_data", "数据不足", "Insufficient data"),
    ],
)
def test_status_labels(status: str, zh: str, en: str) -> None:
    assert t(f"status.{status}", "zh") == zh
    assert t(f"status.{status}", "en") == en
    assert status in STATUSES


def test_status_icons_are_distinct_and_complete() -> None:
    assert set(STATUS_ICONS) == set(STATUSES)
    assert len(set(STATUS_ICONS.values())) == len(STATUSES)
    assert all(icon.strip() for icon in STATUS_ICONS.values())


def test_status_text() -> None:
    assert status_text("on_track", "zh") == "🟢 按期推进"
    assert status_text("deterioration", "en") == "🔻 Deterioration"
    assert status_text("met", "en", icon=False) == "Met"


@pytest.mark.parametrize(
    ("domain", "zh", "en", "default_zh", "default_en"),
    [
        ("tourism", "文化旅游", "Tourism", "文化旅游", "Tourism"),
        ("ecology", "生态环境", "Ecology & air", "生态环境", "Ecology"),
        ("digital", "数字经济与算力", "Digital economy & compute", "数字经济", "Digital economy"),
        ("innovation", "科技创新与盐湖产业", "Innovation & salt-lake industry", "科技创新", "Innovation"),
        ("openness", "对外开放", "Openness & trade", "对外开放", "Openness & trade"),
        ("livelihood", "民生保障", "People's livelihood", "民生保障", "People's livelihood"),
    ],
)
def test_domain_labels(domain: str, zh: str, en: str, default_zh: str, default_en: str) -> None:
    # The names come from the catalogue: the seed declares them in the briefing's wording; a catalogue
    # that declares no domains gets generic defaults with the same ids.
    from monitor.files.catalog import load_catalog
    from monitor.model import DEFAULT_DOMAINS, Profile

    seed = Profile(domains=tuple(load_catalog().domains))
    assert (seed.domain_name(domain, "zh"), seed.domain_name(domain, "en")) == (zh, en)
    default = Profile(domains=DEFAULT_DOMAINS)
    assert (default.domain_name(domain, "zh"), default.domain_name(domain, "en")) == (default_zh, default_en)


@pytest.mark.parametrize(
    ("prefix", "enum"),
    [
        ("measure", MeasureKind),
        ("frequency", Frequency),
        ("qualifier", Qualifier),
        ("qualified", Qualifier),
        ("direction", Direction),
        ("target_kind", TargetKind),
        ("method", Method),
    ],
)
def test_every_enumeration_value_has_a_label(prefix: str, enum: type[Enum]) -> None:
    for member in enum:
        assert f"{prefix}.{member.value}" in MESSAGES


def test_some_exact_labels() -> None:
    assert t("frequency.half_yearly", "zh") == "半年度"
    assert t("frequency.half_yearly", "en") == "Half-yearly"
    assert t("qualifier.approx", "zh") == "约"
    assert t("qualifier.approx", "en") == "approx."
    assert t("freshness.overdue", "zh") == "逾期"
    assert t("freshness.overdue", "en") == "overdue"
    assert t("freshness.up_to_date", "zh") == "按时"
    assert t("freshness.up_to_date", "en") == "up to date"


def test_t_formats_placeholders() -> None:
    assert t("freshness.updated_months_ago", "zh", n=3) == "最近更新 3 个月前"
    assert t("freshness.updated_months_ago", "en", n=3) == "updated 3 months ago"


def test_t_defaults_to_chinese() -> None:
    assert t("status.met") == "达标"


def test_t_unknown_key_raises_key_error() -> None:
    with pytest.raises(KeyError, match="no message 'status.nope'"):
        t("status.nope", "en")


def test_t_missing_placeholder_raises() -> None:
    with pytest.raises(KeyError):
        t("freshness.updated_months_ago", "en", m=3)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "zh"), ("en", "en"), ("zh-CN", "zh"), ("zh_Hans_CN", "zh"), ("EN-us", "en"), (" en ", "en"),
     (None, "zh")],
)  # fmt: skip
def test_normalize_lang(lang: str | None, expected: str) -> None:
    assert normalize_lang(lang) == expected


@pytest.mark.parametrize("lang", ["fr", "", "english"])
def test_unknown_language_is_refused(lang: str) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        t("status.met", lang)


@pytest.mark.parametrize(
    ("text", "qualifier", "lang", "expected"),
    [
        ("2.3万", "approx", "zh", "约2.3万"),
        ("23,000", "approx", "en", "approx. 23,000"),
        ("100亿元", "at_least", "zh", "100亿元以上"),
        ("13万", "more_than", "zh", "13万余"),
        ("130,000", "more_than", "en", "more than 130,000"),
        ("5万", "at_most", "zh", "5万以下"),
        ("50,000", "at_most", "en", "at most 50,000"),
        ("2.3万", "exact", "zh", "2.3万"),
        ("2.3万", None, "zh", "2.3万"),
        ("23,000", Qualifier.APPROX, "en", "approx. 23,000"),
    ],
)
def test_qualified(text: str, qualifier: str | None, lang: str, expected: str) -> None:
    assert qualified(text, qualifier, lang) == expected


# --- numbers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "zh", "en"),
    [
        (23000, None, "2.3万", "23,000"),
        (23000, "架", "2.3万架", "23,000 架"),
        (11853000000, None, "118.53亿", "11.85 billion"),
        (11853000000, "元", "118.53亿元", "CN¥11.85bn"),
        (45000, "元", "4.5万元", "CN¥45,000"),
        (45000.5, "元", "4.5万元", "CN¥45,000.5"),
        (93.1, "%", "93.1%", "93.1%"),
        (93.1, "percent", "93.1%", "93.1%"),
        (100, "%", "100%", "100%"),
        (1234, None, "1,234", "1,234"),
        (1234.567, None, "1,234.57", "1,234.57"),
        (9999, None, "9,999", "9,999"),
        (10000, None, "1万", "10,000"),
        (2500000, None, "250万", "2.5 million"),
        (999999, None, "100万", "999,999"),
        (1.2e12, None, "1.2万亿", "1.2 trillion"),
        (0, None, "0", "0"),
        (0.3, None, "0.3", "0.3"),
        (0.1 + 0.2, None, "0.3", "0.3"),
        (-0.001, None, "0", "0"),  # never "-0"
        (-23000, "人次", "-2.3万人次", "-23,000 人次"),
        (30, "PFlops", "30PFlops", "30 PFlops"),
        (2.3, "万架", "2.3万架", "2.3 万架"),  # a display unit is written as given
    ],
)
def test_format_number(value: float, unit: str | None, zh: str, en: str) -> None:
    assert format_number(value, "zh", unit) == zh
    assert format_number(value, "en", unit) == en


@pytest.mark.parametrize(
    ("value", "unit", "zh", "en"),
    [
        (23000, None, "23,000", "23,000"),
        (11853000000, "元", "11,853,000,000元", "CN¥11,853,000,000"),
        (2500000, "人次", "2,500,000人次", "2,500,000 人次"),
        (93.1, "%", "93.1%", "93.1%"),
    ],
)
def test_format_number_not_compact(value: float, unit: str | None, zh: str, en: str) -> None:
    assert format_number(value, "zh", unit, compact=False) == zh
    assert format_number(value, "en", unit, compact=False) == en


@pytest.mark.parametrize(("value", "shown"), [
    (math.nan, "NaN"), (math.inf, "∞"), (-math.inf, "−∞"), (1e40, "1e40"), (1e300, "1e300"), (-1e300, "-1e300"),
    (-0.0, "0"), (5e-324, "0"), (-5e-324, "0"), (sys.float_info.max, "1.798e308"),
])
def test_format_number_shows_what_a_store_may_hold(value: float, shown: str) -> None:
    """Issue 14 item 2: 1e40 in the store made every status fail in Babel (decimal.InvalidOperation);
    formatting is total now, for values a store written before the rules may hold."""
    for lang in LANGS:
        for unit in (None, "%", "元", "架", "人次"):
            assert shown in format_number(value, lang, unit)
            assert format_quantity(value, unit, lang, "Rank in a list")


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([None, "%", "元", "架", "百分点", "名"]),
       st.booleans())
def test_format_number_is_total(value: float, unit: str | None, compact: bool) -> None:
    for lang in LANGS:
        assert format_number(value, lang, unit, compact=compact)
        assert format_quantity(value, unit, lang, "Rank in a list")


@given(st.floats(min_value=-1e18, max_value=1e18))
def test_format_number_within_the_stored_sizes_goes_through_babel(value: float) -> None:
    """Every storable value (monitor.model.validate.VALUE_MAX) gets the localised form, not the plain fallback."""
    for lang in LANGS:
        shown = format_number(value, lang, "架")
        assert "e" not in shown.replace("racks", ""), shown


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_plain_numbers_parse_back(n: int) -> None:
    for lang in LANGS:
        assert parse_number(format_number(n, lang, compact=False)) == (float(n), None)


@given(st.integers(min_value=0, max_value=10**13))
def test_compact_chinese_numbers_parse_back_within_rounding(n: int) -> None:
    # Compact form keeps two decimals of the magnitude word (1.89万): off by at most half of 0.01 of it,
    # which is at most 0.5% of the value since the magnitude word never exceeds the value.
    value, qualifier = parse_number(format_number(n, "zh"))
    assert qualifier is None
    assert abs(value - n) <= n * 0.005 + 0.005


# --- dates and freshness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "zh", "en"),
    [
        (D(2025, 7, 11), "2025年7月11日", "11 Jul 2025"),
        (D(2025, 1, 1), "2025年1月1日", "1 Jan 2025"),
        (D(2024, 12, 31), "2024年12月31日", "31 Dec 2024"),
    ],
)
def test_format_date(d: date, zh: str, en: str) -> None:
    assert format_date(d, "zh") == zh
    assert format_date(d, "en") == en


@pytest.mark.parametrize(
    ("then", "now", "expected"),
    [
        (D(2025, 7, 11), D(2025, 7, 11), 0),
        (D(2025, 6, 30), D(2025, 7, 11), 0),
        (D(2025, 6, 11), D(2025, 7, 11), 1),
        (D(2025, 6, 12), D(2025, 7, 11), 0),
        (D(2025, 1, 31), D(2025, 2, 28), 1),  # clamped: 31 Jan + 1 month is 28 Feb
        (D(2025, 1, 31), D(2025, 2, 27), 0),
        (D(2024, 7, 11), D(2025, 7, 11), 12),
        (D(2023, 10, 1), D(2025, 7, 11), 21),
        (D(2025, 9, 11), D(2025, 7, 11), -2),
    ],
)
def test_months_ago(then: date, now: date, expected: int) -> None:
    assert months_ago(then, now) == expected


@given(
    st.dates(min_value=D(1950, 1, 1), max_value=D(2100, 1, 1)),
    st.dates(min_value=D(1950, 1, 1), max_value=D(2100, 1, 1)),
)
def test_months_ago_bounds(then: date, now: date) -> None:
    from monitor.model.periods import add_months

    n = months_ago(then, now)
    if then <= now:
        assert n >= 0
        assert add_months(then, n) <= now < add_months(then, n + 1)
    else:
        assert n == -months_ago(now, then)


@pytest.mark.parametrize(
    ("then", "lang", "expected"),
    [
        (D(2025, 7, 1), "zh", "本月更新"),
        (D(2025, 7, 1), "en", "updated this month"),
        (D(2025, 6, 1), "zh", "最近更新 1 个月前"),
        (D(2025, 6, 1), "en", "updated 1 month ago"),
        (D(2025, 3, 1), "zh", "最近更新 4 个月前"),
        (D(2025, 3, 1), "en", "updated 4 months ago"),
        (None, "zh", "尚无数据"),
        (None, "en", "no data yet"),
    ],
)
def test_freshness(then: date | None, lang: str, expected: str) -> None:
    assert freshness(then, D(2025, 7, 11), lang) == expected


def test_importing_the_pure_modules_stays_light() -> None:
    # The CLI's `add` path imports these; Babel and the data stack must load only when formatting.
    code = (
        "import sys, monitor.present.i18n, monitor.model.units, monitor.model.periods; "
        "heavy = {'babel', 'pandas', 'duckdb', 'streamlit', 'apscheduler', 'pyarrow'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_message_table_names_no_key_twice() -> None:
    # A dict literal keeps the last of two equal keys silently: two areas once both defined
    # problem.too_large, and the form showed the zip-bomb message for a figure of 1e40.
    import ast
    from pathlib import Path

    import monitor.present.i18n as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
