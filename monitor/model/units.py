"""Units and figures as Chinese officials and spreadsheets write them.

Values are stored in an indicator's base unit ("人次", "元", "%"); people read and type them with a
magnitude word in front ("2.3万人次", "118.53亿元"). This module converts between the two and parses
written figures, refusing anything ambiguous: a silently wrong number is worse than an error.

Pure standard library so that importing it stays cheap for the CLI.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from monitor.model import Qualifier
from monitor.model.problems import ProblemError

__all__ = [
    "MAGNITUDES",
    "QUALIFIER_WORDS",
    "UNIT_ALIASES",
    "Quantity",
    "conversion_factor",
    "WHOLE_UNITS",
    "fold_width",
    "is_whole_unit",
    "normalize_unit",
    "parse_number",
    "parse_quantity",
    "split_unit",
    "to_base",
]

MAGNITUDES: dict[str, float] = {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "千万": 1e7, "万亿": 1e12}

# "万亿" must win over "万" and "千万" over "千", so prefixes are always tried longest first.
_MAGNITUDES_LONGEST_FIRST: tuple[str, ...] = tuple(sorted(MAGNITUDES, key=len, reverse=True))

# Decimal twins of MAGNITUDES: 2.3 * 1e4 is 22999.999999999996 in binary floating point.
_EXACT_MAGNITUDES: dict[str, Decimal] = {
    "万": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "千": Decimal(10) ** 3,
    "百万": Decimal(10) ** 6,
    "千万": Decimal(10) ** 7,
    "万亿": Decimal(10) ** 12,
}

# Measure words of things counted one by one: a value in any of them (after any magnitude word: 万架
# is 10,000 架) is a whole number. 名 is also a place in a ranking (第100名), a whole number too. Units
# of time (天, 年), mass, money and rates (名/万人, 吨/年) are not here: 2.5天 or 3.2名/万人 are real figures.
# An average of a count ("persons per household") is written as such a rate, not as the bare noun.
WHOLE_UNITS: frozenset[str] = frozenset({
    "架", "台", "人次", "名", "人", "位", "户", "件", "项", "个", "条", "家", "所", "座", "次", "辆", "套",
    "张", "份", "篇", "部", "场", "例", "起", "批", "处", "宗", "笔", "栋", "间", "艘", "只", "头", "株",
    "棵", "枚", "册", "首", "款", "支", "村",
})

# English spellings people type on the command line or find in English spreadsheets.
UNIT_ALIASES: dict[str, str] = {
    "percent": "%",
    "per cent": "%",
    "pct": "%",
    "yuan": "元",
    "cny": "元",
    "rmb": "元",
}

QUALIFIER_WORDS: dict[str, Qualifier] = {
    "约": Qualifier.APPROX,
    "大约": Qualifier.APPROX,
    "左右": Qualifier.APPROX,
    "~": Qualifier.APPROX,
    "≈": Qualifier.APPROX,
    "以上": Qualifier.AT_LEAST,
    "突破": Qualifier.AT_LEAST,
    "≥": Qualifier.AT_LEAST,
    ">=": Qualifier.AT_LEAST,
    "余": Qualifier.MORE_THAN,
    "多": Qualifier.MORE_THAN,
    "超过": Qualifier.MORE_THAN,
    "逾": Qualifier.MORE_THAN,
    ">": Qualifier.MORE_THAN,
    "不到": Qualifier.AT_MOST,
    "以下": Qualifier.AT_MOST,
    "≤": Qualifier.AT_MOST,
    "<=": Qualifier.AT_MOST,
}

# Where each word may stand matters: "约5万" is a figure, "5万约" is a typo we should not guess at.
_PREFIX_WORDS: tuple[str, ...] = tuple(
    sorted(("约", "大约", "~", "≈", "突破", "≥", ">=", "超过", "逾", ">", "不到", "≤", "<="), key=len, reverse=True)
)
# 余/多 sit right after the digits or the magnitude word ("50余万", "13万余").
_INNER_WORDS: tuple[str, ...] = ("余", "多")
_SUFFIX_WORDS: tuple[str, ...] = ("以上", "以下", "左右")

# Thousands groups must be exactly three digits so that "1,2,3" (a list? a decimal comma?) is refused.
# Exponents are allowed only on ungrouped numbers: spreadsheets export 1.1853E+10, people never write 1,185E7.
_NUMBER = re.compile(
    r"""
    (?P<sign>[+-]?)
    (?:
        (?P<grouped>\d{1,3}(?:,\d{3})+(?:\.\d+)?)
      | (?P<plain>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)
    )
    """,
    re.VERBOSE | re.ASCII,
)
_WHITESPACE = re.compile(r"\s+")
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, as typed with a Chinese input method.
# Not NFKC: that also turns "5²" into "52" and "①" into "1", silently changing figures.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x2212: ord("-")}
# "1 234" could be one number or two; SI-style space grouping is not accepted.
_SPACE_IN_NUMBER = re.compile(r"[0-9.,]\s+[0-9.,]")
_NON_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
# A unit starting with these would mean the number itself was malformed ("2.3.4", "1,2,3", "5万-3").
_BAD_UNIT_START = re.compile(r"[\d.,+\-eE²³¹⁰-⁹]")


def _shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters: a 100,000-character cell
    must not make a 100,000-character message (it is printed, stored with rejected rows and shown)."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass(frozen=True)
class Quantity:
    """A written figure: its value (magnitude word applied), its qualifier and whatever unit followed."""

    value: float
    qualifier: Qualifier | None
    unit: str  # "" when no unit was written; "%" for percentages; magnitude already folded into value


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII ("１２，３４５" -> "12,345"); U+2212 minus as "-"."""
    return text.translate(_FULL_WIDTH)


def normalize_unit(unit: str) -> str:
    """Canonical spelling of a unit: full-width forms folded, spaces dropped, English aliases resolved."""
    folded = unicodedata.normalize("NFKC", unit).strip()
    alias = UNIT_ALIASES.get(_WHITESPACE.sub(" ", folded).lower())
    if alias is not None:
        return alias
    return _WHITESPACE.sub("", folded)


def split_unit(display_unit: str) -> tuple[float, str]:
    """Split one leading magnitude word off a unit: "万人次" -> (10000.0, "人次"), "%" -> (1.0, "%")."""
    unit = normalize_unit(display_unit)
    for word in _MAGNITUDES_LONGEST_FIRST:
        if unit.startswith(word):
            return MAGNITUDES[word], unit[len(word) :]
    return 1.0, unit


def _decompose(unit: str) -> tuple[Decimal, str]:
    # Strip magnitude words repeatedly so that "万千瓦" and "千万瓦" reduce to the same root "瓦".
    factor = Decimal(1)
    rest = normalize_unit(unit)
    while True:
        for word in _MAGNITUDES_LONGEST_FIRST:
            if rest.startswith(word):
                factor *= _EXACT_MAGNITUDES[word]
                rest = rest[len(word) :]
                break
        else:
            return factor, rest


def is_whole_unit(unit: str) -> bool:
    """Whether values in ``unit`` are counts or ranks (whole numbers only): its root is in WHOLE_UNITS."""
    return _decompose(unit)[1] in WHOLE_UNITS


def conversion_factor(from_unit: str, to_base_unit: str) -> float:
    """Multiply a value in ``from_unit`` by this to express it in ``to_base_unit``.

    A bare magnitude word ("万") stands for that many of ``to_base_unit``. Raises ValueError naming both
    units when they measure different things ("万元" vs "人次").
    """
    from_factor, from_root = _decompose(from_unit)
    to_factor, to_root = _decompose(to_base_unit)
    if from_root == "" and from_factor != 1:
        # A bare magnitude word ("单位：万" in a spreadsheet) means that many of the target's own unit.
        from_root = to_root
    if from_root != to_root:
        raise ProblemError("problem.units_differ", unit=_shown(from_unit), target=_shown(to_base_unit),
                           unit_root=_shown(from_root or "no unit"), target_root=_shown(to_root or "no unit"))
    return float(from_factor / to_factor)


def _exact_product(value: float, factor: float) -> float:
    # Through Decimal of the shortest repr so 2.3 * 1e4 gives 23000.0, not 22999.999999999996.
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


def to_base(value: float, unit: str | None, indicator_unit: str, indicator_display_unit: str) -> float:
    """Convert ``value`` written in ``unit`` to the indicator's base unit.

    ``unit`` may be None (already in base units), any unit of the same kind ("万架", "架", "亿元"), or a bare
    magnitude word ("万") meaning that many base units.
    """
    if not math.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    if unit is None:
        return float(value)
    try:
        factor = conversion_factor(unit, indicator_unit)
    except ValueError as e:
        shown = f"{indicator_display_unit!r} or {indicator_unit!r}"
        if normalize_unit(indicator_display_unit) == normalize_unit(indicator_unit):
            shown = repr(indicator_unit)
        raise ValueError(f"{e}; this indicator is measured in {shown}") from e
    return _exact_product(value, factor)


def _take_prefix(text: str, words: tuple[str, ...]) -> tuple[str | None, str]:
    for word in words:
        if text.startswith(word):
            return word, text[len(word) :]
    return None, text


def _take_suffix(text: str, words: tuple[str, ...]) -> tuple[str | None, str]:
    for word in words:
        if text.endswith(word):
            return word, text[: -len(word)]
    return None, text


def parse_quantity(text: str) -> Quantity:
    """Parse a figure with an optional qualifier, magnitude word and trailing unit: "约2.3万架".

    The magnitude word is applied to the value; the unit is returned as written (normalized) so the caller
    can check it against the indicator. Raises ValueError with the reason for anything ambiguous.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    original = text
    rest = fold_width(text).strip()
    if not rest:
        raise ProblemError("problem.empty_value")
    if _SPACE_IN_NUMBER.search(rest):
        raise ProblemError("problem.space_in_number", text=_shown(original))
    rest = _WHITESPACE.sub("", rest)
    if rest.lower().lstrip("+-") in _NON_FINITE_WORDS:
        raise ProblemError("problem.not_finite_text", text=_shown(original))

    words: list[str] = []
    word, rest = _take_prefix(rest, _PREFIX_WORDS)
    if word is not None:
        words.append(word)

    match = _NUMBER.match(rest)
    if match is None:
        raise ProblemError("problem.no_number", text=_shown(original))
    digits = match.group("grouped") or match.group("plain")
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation as e:  # pragma: no cover - the pattern only admits valid literals
        raise ProblemError("problem.not_a_number_text", text=_shown(original)) from e
    if match.group("sign") == "-":
        number = -number
    rest = rest[match.end() :]

    word, rest = _take_prefix(rest, _INNER_WORDS)
    if word is not None:
        words.append(word)
    magnitude, rest = _take_prefix(rest, _MAGNITUDES_LONGEST_FIRST)
    if magnitude is not None:
        try:
            number *= _EXACT_MAGNITUDES[magnitude]
        except ArithmeticError as e:  # decimal.Overflow: "1E1000000万" is past Decimal's exponent range
            raise ProblemError("problem.number_too_large", text=_shown(original)) from e
        word, rest = _take_prefix(rest, _INNER_WORDS)
        if word is not None:
            words.append(word)
    word, rest = _take_suffix(rest, _SUFFIX_WORDS)
    if word is not None:
        words.append(word)

    if len(words) > 1:
        raise ProblemError("problem.qualifiers", words=", ".join(words), text=_shown(original))
    if rest and _BAD_UNIT_START.match(rest):
        raise ProblemError("problem.malformed", text=_shown(original), rest=_shown(rest), digits=_shown(digits))
    if magnitude is not None and rest.startswith("%"):
        raise ProblemError("problem.magnitude_percent", text=_shown(original))

    value = float(number)
    if not math.isfinite(value):
        raise ProblemError("problem.number_too_large", text=_shown(original))
    qualifier = QUALIFIER_WORDS[words[0]] if words else None
    return Quantity(value=value, qualifier=qualifier, unit=normalize_unit(rest) if rest else "")


def parse_number(text: str) -> tuple[float, Qualifier | None]:
    """Parse a figure such as "23,000", "１２３４", "约2.3万", "118.53亿", "93.1%" or "13万余".

    Returns (value, qualifier) with the qualifier None when no qualifying word was written. A trailing
    percent sign is dropped (values in percent are stored as written); any other trailing text is an error
    because dropping a unit could silently misread the figure (use ``parse_quantity`` to keep it).
    """
    quantity = parse_quantity(text)
    if quantity.unit not in ("", "%"):
        raise ProblemError("problem.trailing_text", unit=_shown(quantity.unit), text=_shown(text))
    return quantity.value, quantity.qualifier
