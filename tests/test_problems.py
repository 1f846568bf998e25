"""Typed problems (issue 15 item 2): one table of problem messages in zh and en, no English parsed back.

Every problem code the product uses exists in both languages with the same placeholders; a Problem's
English (what the CLI, logs and run reports print) is the table's English for its code and parameters;
the screens render the same code and parameters in Chinese.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.errors import Problem
from monitor.model.problems import OTHER, PROBLEMS, ProblemError, placeholders, render
from monitor.present import i18n
from monitor.present.i18n import MESSAGES, problem_reason, problem_text

ROOT = Path(__file__).resolve().parent.parent
# A code as the code writes it: a string literal "problem.snake_case" (the UI's own problem.got and
# problem.row are keys of MESSAGES, not problem codes).
CODE = re.compile(r"""["'](problem\.[a-z_0-9]+)["']""")
UI_ONLY = {"problem.got", "problem.row"}


def _codes_used() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for folder in ("monitor", "dashboards"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "problems.py":
                continue
            for code in CODE.findall(path.read_text(encoding="utf-8")):
                used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return used


def test_the_scan_finds_the_codes_of_every_layer() -> None:
    used = _codes_used()
    # The bulk SQL pass, the row-wise rules, the readers, the catalogue, the refresh parser.
    for code in ("problem.below_min", "problem.control", "problem.xlsx_unreadable", "problem.slug", "problem.no_path"):
        assert code in used, code
    assert len(used) > 60


def test_every_problem_code_used_exists_in_both_languages() -> None:
    missing = {code: where for code, where in _codes_used().items() if code not in PROBLEMS and code not in UI_ONLY}
    assert missing == {}


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_each_code_has_zh_and_en_with_the_same_placeholders(code: str) -> None:
    entry = PROBLEMS[code]
    assert set(entry) == {"zh", "en"} and entry["zh"].strip() and entry["en"].strip()
    assert placeholders(entry["zh"]) == placeholders(entry["en"]), code
    assert MESSAGES[code] is entry  # the screens read the one table


def test_the_problem_table_and_the_ui_table_share_no_key_but_merge() -> None:
    assert UI_ONLY <= set(MESSAGES) and not UI_ONLY & set(PROBLEMS)
    assert not hasattr(i18n, "_PROBLEM_PATTERNS")  # no English is parsed back into codes


@pytest.mark.parametrize(("code", "params", "english"), [
    ("problem.required", {}, "is required"),
    ("problem.below_min", {"bound": 0.0, "unit": "架"}, "is below the plausible minimum 0.0 架"),
    ("problem.above_max", {"bound": 100.0, "unit": "%"}, "is above the plausible maximum 100.0 %"),
    ("problem.conflict", {"row": 3}, "conflicts with row 3 (same indicator and period, other value)"),
    ("problem.control", {"char": "U+001B"}, "contains the control character U+001B, which is not allowed here; remove it"),
    ("problem.unit", {"unit": "kg", "display": "万架", "base": "架",
                      "detail": {"code": "problem.units_differ",
                                 "params": {"unit": "'kg'", "target": "'架'", "unit_root": "'kg'", "target_root": "'架'"}}},
     "unit 'kg' cannot be converted to 万架 (架): cannot convert 'kg' to '架': different base units ('kg' vs '架')"),
    (OTHER, {"reason": "something new"}, "something new"),
])
def test_a_problems_english_is_the_tables_english(code: str, params: dict[str, object], english: str) -> None:
    problem = Problem("f.csv", 2, "value", code, params, "x")
    assert problem.reason == english == render(code, params, "en")
    assert str(problem).startswith(f"f.csv, row 2, column 'value': {english}")
    zh = problem_reason(problem, "zh")
    assert zh and zh != english if code != OTHER else zh == f"无效（{english}）"


def test_the_screens_format_a_bound_for_their_language() -> None:
    problem = Problem("reading", None, "value", "problem.below_min", {"bound": 20000.0, "unit": "架"}, "1")
    assert problem.reason == "is below the plausible minimum 20000.0 架"
    assert problem_text(problem, "zh") == "数值：低于合理下限 2万架（输入：1）"
    assert problem_text(problem, "en") == "Value: is below the plausible minimum 20,000 racks (got 1)"


def test_a_parser_refusal_carries_its_code_and_english() -> None:
    from monitor.model.periods import parse_date
    from monitor.model.units import parse_number

    with pytest.raises(ProblemError) as number:
        parse_number("abc")
    assert (number.value.code, number.value.params) == ("problem.no_number", {"text": "'abc'"})
    assert str(number.value) == "no number found in 'abc'"
    with pytest.raises(ValueError) as day:  # still a ValueError for callers that want only the English
        parse_date("2025-13-01")
    assert str(day.value) == "invalid date '2025-13-01': month 13 is not in 1..12"
    assert problem_reason(Problem("f", 1, "period_end", day.value.code, day.value.params), "zh") == \
        "日期 '2025-13-01' 无效：月份 13 不在 1..12 之间"  # type: ignore[attr-defined]


def test_a_json_report_keeps_reason_and_adds_code_and_params() -> None:
    problem = Problem("f.csv", 4, "period_end", "problem.duplicate", {"row": 2})
    assert problem.as_dict() == {"source": "f.csv", "row": 4, "column": "period_end", "reason": "duplicates row 2",
                                 "value": None, "code": "problem.duplicate", "params": {"row": 2}}
