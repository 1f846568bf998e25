from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.model import Qualifier
from monitor.model.units import (
    MAGNITUDES,
    QUALIFIER_WORDS,
    Quantity,
    conversion_factor,
    fold_width,
    normalize_unit,
    parse_number,
    parse_quantity,
    split_unit,
    to_base,
)


def test_magnitudes() -> None:
    assert MAGNITUDES == {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "千万": 1e7, "万亿": 1e12}


@pytest.mark.parametrize(
    ("display_unit", "expected"),
    [
        ("万人次", (1e4, "人次")),
        ("亿元", (1e8, "元")),
        ("%", (1.0, "%")),
        ("PFlops", (1.0, "PFlops")),
        ("万架", (1e4, "架")),
        ("万亿元", (1e12, "元")),  # longest match: not 万 of "亿元"
        ("千万元", (1e7, "元")),  # longest match: not 千 of "万元"
        ("百万吨", (1e6, "吨")),
        ("人次", (1.0, "人次")),
        ("万", (1e4, "")),
        ("", (1.0, "")),
        ("percent", (1.0, "%")),
        ("％", (1.0, "%")),
        (" 万 人次 ", (1e4, "人次")),
    ],
)
def test_split_unit(display_unit: str, expected: tuple[float, str]) -> None:
    assert split_unit(display_unit) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("percent", "%"), ("Percent", "%"), ("per cent", "%"), ("pct", "%"), ("％", "%"), ("yuan", "元"),
     ("CNY", "元"), ("PFlops", "PFlops"), ("万 人次", "万人次")],
)  # fmt: skip
def test_normalize_unit(unit: str, expected: str) -> None:
    assert normalize_unit(unit) == expected


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "factor"),
    [
        ("万元", "元", 1e4),
        ("元", "万元", 1e-4),
        ("元", "亿元", 1e-8),
        ("亿元", "万元", 1e4),
        ("万亿元", "亿元", 1e4),
        ("万人次", "人次", 1e4),
        ("人次", "人次", 1.0),
        ("%", "%", 1.0),
        ("percent", "%", 1.0),
        ("%", "percent", 1.0),
        ("PFlops", "PFlops", 1.0),
        ("万架", "架", 1e4),
        ("万", "架", 1e4),  # a bare magnitude word means that many base units
        ("亿", "万元", 1e4),
        ("万千瓦", "千万瓦", 1.0),  # both reduce to 1e7 瓦
        ("yuan", "元", 1.0),
    ],
)
def test_conversion_factor(from_unit: str, to_unit: str, factor: float) -> None:
    assert conversion_factor(from_unit, to_unit) == pytest.approx(factor, rel=1e-15)


def test_conversion_factor_powers_of_ten_are_exact() -> None:
    assert conversion_factor("元", "亿元") == 1e-8
    assert conversion_factor("元", "万元") == 0.0001


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "reason"),
    [
        ("万元", "人次", "different base units ('元' vs '人次')"),
        ("%", "人次", "different base units ('%' vs '人次')"),
        ("PFlops", "EFlops", "different base units ('PFlops' vs 'EFlops')"),
        ("架", "", "different base units ('架' vs 'no unit')"),
    ],
)
def test_conversion_factor_refuses_other_kinds(from_unit: str, to_unit: str, reason: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        conversion_factor(from_unit, to_unit)
    assert str(excinfo.value) == f"cannot convert {from_unit!r} to {to_unit!r}: {reason}"


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("23000", 23000.0, None),
        ("23,000", 23000.0, None),
        ("1,234,567.89", 1234567.89, None),
        ("１２３４", 1234.0, None),
        ("２３，０００", 23000.0, None),
        ("１２３，４５６．７", 123456.7, None),
        ("2.3万", 23000.0, None),
        ("2.3 万", 23000.0, None),
        ("118.53亿", 11853000000.0, None),
        ("1.2万亿", 1.2e12, None),
        ("3千万", 3e7, None),
        ("93.1%", 93.1, None),
        ("93.1％", 93.1, None),
        ("0.5", 0.5, None),
        (".5", 0.5, None),
        ("-3.5", -3.5, None),
        ("−3.5", -3.5, None),  # U+2212 minus sign
        ("+5.2%", 5.2, None),
        ("1.1853E+10", 1.1853e10, None),
        ("  42  ", 42.0, None),
        ("约2.3万", 23000.0, Qualifier.APPROX),
        ("约 2.3 万", 23000.0, Qualifier.APPROX),
        ("大约50", 50.0, Qualifier.APPROX),
        ("5万左右", 50000.0, Qualifier.APPROX),
        ("~5", 5.0, Qualifier.APPROX),
        ("～5", 5.0, Qualifier.APPROX),
        ("100亿以上", 1e10, Qualifier.AT_LEAST),
        ("突破100亿", 1e10, Qualifier.AT_LEAST),
        (">=5", 5.0, Qualifier.AT_LEAST),
        ("95%以上", 95.0, Qualifier.AT_LEAST),
        ("13万余", 130000.0, Qualifier.MORE_THAN),
        ("50余", 50.0, Qualifier.MORE_THAN),
        ("50余万", 500000.0, Qualifier.MORE_THAN),
        ("50多万", 500000.0, Qualifier.MORE_THAN),
        ("13万多", 130000.0, Qualifier.MORE_THAN),
        ("超过3万", 30000.0, Qualifier.MORE_THAN),
        ("逾3万", 30000.0, Qualifier.MORE_THAN),
        ("不到5万", 50000.0, Qualifier.AT_MOST),
        ("5万以下", 50000.0, Qualifier.AT_MOST),
        ("≤35", 35.0, Qualifier.AT_MOST),
    ],
)
def test_parse_number(text: str, value: float, qualifier: Qualifier | None) -> None:
    parsed = parse_number(text)
    assert parsed == (value, qualifier)
    assert type(parsed[0]) is float


def test_parse_number_qualifier_is_the_model_string() -> None:
    assert parse_number("约2.3万")[1] == "approx"
    assert parse_number("13万余")[1] == "more_than"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty value"),
        ("   ", "empty value"),
        ("NaN", "not a finite number: 'NaN'"),
        ("nan", "not a finite number: 'nan'"),
        ("Infinity", "not a finite number: 'Infinity'"),
        ("-inf", "not a finite number: '-inf'"),
        ("abc", "no number found in 'abc'"),
        ("万", "no number found in '万'"),
        ("约", "no number found in '约'"),
        ("1,2,3", "malformed number '1,2,3': unexpected ',2,3' after '1'"),
        ("2.3.4", "malformed number '2.3.4': unexpected '.4' after '2.3'"),
        ("1,234,56", "malformed number '1,234,56': unexpected ',56' after '1,234'"),
        ("12,3456", "malformed number '12,3456': unexpected '6' after '12,345'"),
        ("2,5", "malformed number '2,5': unexpected ',5' after '2'"),
        ("5.", "malformed number '5.': unexpected '.' after '5'"),
        ("--5", "no number found in '--5'"),
        ("1 234", "space inside a number in '1 234': write 23000 or 23,000"),
        ("1e400", "number too large: '1e400'"),
        ("约5万以上", "more than one qualifier (约, 以上) in '约5万以上'"),
        ("50余万余", "more than one qualifier (余, 余) in '50余万余'"),
        ("5万%", "a magnitude word before a percent sign makes no sense: '5万%'"),
        ("2.3万架", "unexpected text '架' after the number in '2.3万架'"),
        ("12abc", "unexpected text 'abc' after the number in '12abc'"),
        ("5万约", "unexpected text '约' after the number in '5万约'"),
        # Compatibility characters are not digits to us: NFKC would read "5²" as 52.
        ("5²", "malformed number '5²': unexpected '²' after '5'"),
        ("①", "no number found in '①'"),
        ("٣", "no number found in '٣'"),
        ("0x10", "unexpected text 'x10' after the number in '0x10'"),
    ],
)
def test_parse_number_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_number(text)
    assert str(excinfo.value) == reason


def test_parse_quantity_keeps_the_unit() -> None:
    assert parse_quantity("约2.3万架") == Quantity(23000.0, Qualifier.APPROX, "架")
    assert parse_quantity("2.3 万架") == Quantity(23000.0, None, "架")
    assert parse_quantity("100亿元以上") == Quantity(1e10, Qualifier.AT_LEAST, "元")
    assert parse_quantity("93.1%") == Quantity(93.1, None, "%")
    assert parse_quantity("42") == Quantity(42.0, None, "")
    assert parse_quantity("30 PFlops") == Quantity(30.0, None, "PFlops")


def test_fold_width() -> None:
    assert fold_width("１２３，４５６．７％") == "123,456.7%"
    assert fold_width("−５　万") == "-5 万"
    assert fold_width("5²①") == "5²①"


def test_qualifier_words() -> None:
    assert QUALIFIER_WORDS["约"] is Qualifier.APPROX
    assert QUALIFIER_WORDS["以上"] is Qualifier.AT_LEAST
    assert QUALIFIER_WORDS["突破"] is Qualifier.AT_LEAST
    assert QUALIFIER_WORDS["余"] is Qualifier.MORE_THAN
    assert QUALIFIER_WORDS["多"] is Qualifier.MORE_THAN
    assert QUALIFIER_WORDS["不到"] is Qualifier.AT_MOST
    assert QUALIFIER_WORDS["以下"] is Qualifier.AT_MOST
    assert Qualifier.EXACT not in QUALIFIER_WORDS.values()


@pytest.mark.parametrize("word", sorted(QUALIFIER_WORDS))
def test_every_qualifier_word_is_understood_somewhere(word: str) -> None:
    candidates = [f"{word}5", f"5{word}", f"5{word}万", f"5万{word}"]
    understood = []
    for text in candidates:
        try:
            understood.append(parse_number(text))
        except ValueError:
            continue
    assert understood, f"{word!r} is never accepted"
    assert all(q is QUALIFIER_WORDS[word] for _, q in understood)


@pytest.mark.parametrize(
    ("value", "unit", "base", "display", "expected"),
    [
        (2.3, "万架", "架", "万架", 23000.0),
        (2.3, "万", "架", "万架", 23000.0),
        (23000, "架", "架", "万架", 23000.0),
        (23000, None, "架", "万架", 23000.0),
        (118.53, "亿元", "元", "亿元", 11853000000.0),
        (1185300, "万元", "元", "亿元", 11853000000.0),
        (93.1, "%", "%", "%", 93.1),
        (93.1, "percent", "%", "%", 93.1),
        (0.0, "万人次", "人次", "万人次", 0.0),
        (-1.5, "万人次", "人次", "万人次", -15000.0),
    ],
)
def test_to_base(value: float, unit: str | None, base: str, display: str, expected: float) -> None:
    assert to_base(value, unit, base, display) == expected


def test_to_base_refuses_other_units_and_names_the_indicator_unit() -> None:
    with pytest.raises(ValueError) as excinfo:
        to_base(1.0, "万元", "人次", "万人次")
    assert str(excinfo.value) == (
        "cannot convert '万元' to '人次': different base units ('元' vs '人次'); "
        "this indicator is measured in '万人次' or '人次'"
    )
    with pytest.raises(ValueError, match="this indicator is measured in '%'$"):
        to_base(1.0, "元", "%", "%")


def test_to_base_refuses_non_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        to_base(math.nan, None, "架", "万架")
    with pytest.raises(ValueError, match="finite"):
        to_base(math.inf, "万架", "架", "万架")


# --- properties ---------------------------------------------------------------------------------------


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_grouped_integers_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == (float(n), None)


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
)
def test_grouped_decimals_round_trip(d: Decimal) -> None:
    text = f"{d:,.2f}"
    assert parse_number(text) == (float(text.replace(",", "")), None)


@given(
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(MAGNITUDES)),
)
def test_magnitude_words_multiply_exactly(d: Decimal, word: str) -> None:
    text = f"{d}{word}"
    value, _ = parse_number(text)
    # The product is computed in decimal: 2.3万 is exactly 23000, not 22999.999999999996.
    assert value == float(Decimal(str(d)) * Decimal(repr(MAGNITUDES[word])))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_repr_of_floats_round_trips(x: float) -> None:
    assert parse_number(repr(x)) == (x, None)


_GARBAGE_ALPHABET = st.sampled_from(list("0123456789,.,.+-eE万亿千百约余多以上下不到突破%％ 　１２，．abcNnIi∞−~"))


@given(st.text(alphabet=_GARBAGE_ALPHABET, max_size=16) | st.text(max_size=12))
def test_garbage_is_either_refused_or_a_finite_float(text: str) -> None:
    try:
        value, qualifier = parse_number(text)
    except ValueError as e:
        assert str(e)  # always a reason, never a bare ValueError
        return
    assert type(value) is float
    assert math.isfinite(value)
    assert qualifier is None or isinstance(qualifier, Qualifier)
    # Accepted text had an ASCII or full-width digit: a number is never conjured out of words alone.
    assert any(ch in "0123456789" for ch in fold_width(text))


@given(st.text(alphabet="0123456789,.", min_size=1, max_size=12))
def test_digits_and_separators_parse_only_when_unambiguous(text: str) -> None:
    try:
        value, _ = parse_number(text)
    except ValueError:
        return
    # Whatever is accepted means the same as Python's reading of it without thousands separators,
    # and commas only ever separate groups of three.
    assert value == float(text.replace(",", ""))
    if "," in text:
        integer_part = text.split(".")[0]
        groups = integer_part.split(",")
        assert 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
