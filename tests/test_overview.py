"""The dashboard's data shaping, without Streamlit: overview rows, detail chart series, form helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from monitor.errors import Problem
from monitor.files.ingest import add_reading
from monitor.present.chart_data import chart_data, evidence_rows, goal_detail, required_path
from monitor.present.entry import (
    default_period_kind,
    period_bounds,
    problem_rows,
    read_table,
    rejected_csv,
    template_csv,
    unit_choices,
)
from monitor.present.i18n import format_quantity, problem_text, unit_label
from monitor.present.overview import filter_rows, load_overview, progress_fraction, sparkline, status_counts
from monitor.store.connection import Store

AS_OF = date(2026, 12, 1)


def record(**fields: Any) -> dict[str, Any]:
    base = {
        "status": "on_track", "target_kind": "reach", "target_comparator": ">=", "target_value": 50000.0,
        "baseline_value": 23000.0, "latest_value": 30000.0,
    }
    return base | fields


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, 7000 / 27000),
        ({"latest_value": 23000.0}, 0.0),
        ({"latest_value": 20000.0}, 0.0),  # moved the wrong way: clipped, the status says the rest
        ({"status": "achieved", "latest_value": 51000.0}, 1.0),
        ({"baseline_value": None}, None),
        ({"target_value": None, "status": "no_target"}, None),
        ({"target_kind": "threshold", "target_value": 93.0, "latest_value": 91.7, "status": "not_met"}, 91.7 / 93),
        ({"target_kind": "threshold", "target_value": 93.0, "latest_value": 95.0, "status": "met"}, 1.0),
        ({"target_kind": "threshold", "target_comparator": "<=", "target_value": 5.0, "latest_value": 10.0,
          "status": "not_met"}, 0.5),
        ({"target_comparator": "<=", "target_value": 10.0, "baseline_value": 20.0, "latest_value": 15.0}, 0.5),
    ],
)
def test_progress_fraction(fields: dict[str, Any], expected: float | None) -> None:
    result = progress_fraction(record(**fields))
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_overview_rows_and_filters(fresh_db: Store) -> None:
    records, rows = load_overview(fresh_db, AS_OF, "zh")
    assert len(rows) == len(records) == 43
    assert [r["has_target"] for r in rows] == sorted((r["has_target"] for r in rows), reverse=True)
    assert sum(n for _, n in status_counts(rows)) == 43
    assert {r["indicator_id"] for r in filter_rows(rows, domains=["digital"], statuses=["insufficient_data"])} == {
        "compute-racks", "compute-capacity", "digital-talent-trained",
    }
    assert [r["indicator_id"] for r in filter_rows(rows, text="Standard racks")] == ["compute-racks"]
    assert [r["indicator_id"] for r in filter_rows(rows, text="标准机架")] == ["compute-racks"]
    assert all(r["stale"] for r in filter_rows(rows, stale_only=True))
    assert len(filter_rows(rows, targets_only=True)) == 9
    air = next(r for r in rows if r["indicator_id"] == "good-air-days-ratio")
    assert air["trend"] == [87.9, 91.7]  # the Jan–Jun figures only: the full year 2024 is not comparable
    assert air["latest"] == "91.7%（2025年1—6月）"
    _, rows_en = load_overview(fresh_db, AS_OF, "en")
    air_en = next(r for r in rows_en if r["indicator_id"] == "good-air-days-ratio")
    assert (air_en["status"], air_en["target"]) == ("✖ Not met (provisional)", "≥ 93% every year")


def test_a_single_reading_has_no_sparkline() -> None:
    assert sparkline([]) == []


def test_worked_example_on_the_detail_page(fresh_db: Store) -> None:
    add_reading(fresh_db, "compute-racks", "30000", "2026-06-30", recorded_by="dashboard", today=AS_OF)
    detail = goal_detail(fresh_db, "compute-racks", AS_OF)
    assert detail is not None
    (racks,) = detail["records"]
    evidence = {row["item"]: row["value"] for row in evidence_rows(racks, "zh")}
    assert evidence["需要的年均增长"] == "16.8%"
    assert evidence["实际年均增长"] == "30.5%"
    assert evidence["比值 R（实际 ÷ 需要）"] == "1.81"
    assert evidence["按当前速度，期限时预计达到"] == "8.69万架"
    assert evidence["预计达标日期"] == "2028年6月1日"
    english = {row["item"]: row["value"] for row in evidence_rows(racks, "en")}
    assert english["At the current pace, by the deadline"] == "86,898 racks"

    data = chart_data(racks, detail["readings"], "zh")
    assert data["y_title"] == "数值（万架）" and data["factor"] == 10000
    assert [p["value"] for p in data["points"]] == [2.3, 3.0]
    assert data["baseline"][0]["value"] == 2.3
    assert data["window"][0]["start"] == "2028-06-30" and data["window"][0]["end"] == "2030-06-30"
    assert data["required"][0]["value"] == pytest.approx(2.3) and data["required"][-1]["value"] == pytest.approx(5.0)
    assert data["projection"][0]["value"] == pytest.approx(3.0)
    assert data["projection"][-1]["value"] == pytest.approx(8.6898, abs=1e-3)
    assert set(data["series"]) >= {"series.reading_point", "series.baseline", "series.target", "series.required",
                                   "series.projection", "series.window"}


def test_period_figures_are_segments_over_their_span(fresh_db: Store) -> None:
    detail = goal_detail(fresh_db, "good-air-days-ratio", AS_OF)
    assert detail is not None
    data = chart_data(detail["records"][0], detail["readings"], "en")
    spans = {(s["start"], s["end"]) for s in data["segments"]}
    assert ("2025-01-01", "2025-07-01") in spans  # Jan–Jun 2025 ends where 1 July begins
    assert ("2024-01-01", "2025-01-01") in spans
    assert not data["points"] and not data["required"]
    assert data["target"][0]["key"] == "series.threshold"


def test_required_path_follows_the_method() -> None:
    cagr = required_path(100.0, date(2020, 1, 1), 400.0, date(2022, 1, 1), "cagr")
    linear = required_path(100.0, date(2020, 1, 1), 400.0, date(2022, 1, 1), "linear")
    middle = len(cagr) // 2
    assert cagr[middle][1] == pytest.approx(200.0, rel=0.01)  # halfway in time: doubled once
    assert linear[middle][1] == pytest.approx(250.0, rel=0.01)
    assert required_path(0.0, date(2020, 1, 1), 10.0, date(2021, 1, 1), "cagr")[-1][1] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("unit", "name_en", "label"),
    [("架", None, "racks"), ("万架", None, "10,000 racks"), ("吨/年", None, "t/yr"), ("人次", "Tourist visits", "visits"),
     ("人次", "Meals served", "person-times"), ("名", "Rank in the top 100", ""), ("名", "People helped", "people"),
     ("百分点", None, "percentage points")],
)
def test_unit_labels_in_english(unit: str, name_en: str | None, label: str) -> None:
    assert unit_label(unit, "en", name_en) == label
    assert unit_label(unit, "zh", name_en) == unit


def test_every_seed_unit_has_an_english_label(fresh_db: Store) -> None:
    from monitor.present.views import indicator_rows

    for row in indicator_rows(fresh_db):
        assert unit_label(row["unit"], "en", row["name_en"]) != row["unit"] or row["unit"] in ("%", "PFlops")


def test_quantities() -> None:
    assert format_quantity(23000, "架", "zh") == "2.3万架"
    assert format_quantity(23000, "架", "en") == "23,000 racks"
    assert format_quantity(1, "条", "en") == "1 item"
    assert format_quantity(93.1, "%", "en") == "93.1%"
    assert format_quantity(1.1853e10, "元", "en").startswith("CN¥11.85")


def test_problems_in_both_languages() -> None:
    p = Problem("reading", None, "value", "problem.above_max", {"bound": 100.0, "unit": "%"}, "150")
    assert problem_text(p, "zh") == "数值：高于合理上限 100%（输入：150）"
    assert problem_text(p, "en") == "Value: is above the plausible maximum 100% (got 150)"
    assert p.reason == "is above the plausible maximum 100.0 %"  # the CLI's English, as before codes
    rows = problem_rows([Problem("f.csv", 3, "indicator_id", "problem.unknown_indicator", {}, "x")], "zh")
    assert rows == [{"row": 3, "column": "指标", "reason": "未知的指标编号", "value": "x"}]
    odd = Problem("f.csv", 2, "value", "problem.other", {"reason": "something new"})
    assert problem_text(odd, "en", with_row=True) == "row 2 · Value: something new"


def test_form_periods() -> None:
    assert default_period_kind("stock", "half_yearly") == "point"
    assert default_period_kind("ratio", "monthly") == "month"
    assert default_period_kind("flow", "irregular") == "custom"
    assert period_bounds("point", day=date(2026, 6, 30)) == (None, date(2026, 6, 30))
    assert period_bounds("half", year=2025, half=1) == (date(2025, 1, 1), date(2025, 6, 30))
    assert period_bounds("quarter", year=2025, quarter=4) == (date(2025, 10, 1), date(2025, 12, 31))
    assert period_bounds("month", year=2024, month=2) == (date(2024, 2, 1), date(2024, 2, 29))
    assert unit_choices("架", "万架", "zh") == ["万架", "架"]
    assert unit_choices("架", "万架", "en") == ["万架", "架"]  # issue 17: the same order in every language
    assert unit_choices("%", "%", "en") == ["%"]


def test_upload_helpers(tmp_path: Any) -> None:
    template = tmp_path / "template.csv"
    template.write_bytes(template_csv())
    header, rows = read_table(template)
    assert header[:4] == ["indicator_id", "period_start", "period_end", "value"]
    assert [n for n, _ in rows] == [2, 3]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("indicator_id,period_end,value,note\ncompute-racks,2025-12-31,2.6万,备注\n".encode("gb18030"))
    header, rows = read_table(gbk)
    assert rows == [(2, ["compute-racks", "2025-12-31", "2.6万", "备注"])]
    rejected = rejected_csv(gbk, [Problem("gbk.csv", 2, "value", "problem.below_min", {"bound": 0.0, "unit": "架"}, "2.6万")], "en")
    text = rejected.decode("utf-8-sig")
    assert "Value: is below the plausible minimum 0 racks" in text and text.startswith("Row,indicator_id")


# ---------------------------------------------------------------- share of the target, per form (issue 18 item 4)


def _form_record(tmp_path: Any, target: dict[str, Any], readings: list[tuple[str, str, float]], as_of: date,
                 **fields: Any) -> dict[str, Any]:
    """The one goal's record from the status service, on a real store holding that target."""
    from test_target_forms import _catalog, _indicator, _store

    store = _store(tmp_path, _catalog(_indicator("x", [{"id": "t", **target}], readings, **fields)),
                   name=f"share{len(list(tmp_path.iterdir()))}.duckdb")
    from monitor.status import Detail, statuses

    found = [r.as_dict() for r in statuses(store, as_of, detail=Detail.BRIEF)]
    assert len(found) == 1
    return found[0]


def _y(year: int, value: float) -> tuple[str, str, float]:
    return (f"{year}-01-01", f"{year}-12-31", value)


REACH_UP = {"kind": "reach", "comparator": ">=", "value": 50000, "baseline": {"value": 23000, "date": "2025-06-30"},
            "deadline": "2030-06-30"}


@pytest.mark.parametrize(
    ("target", "readings", "fields", "expected", "status"),
    [
        # reach, a floor: the racks (2.3万 of 5万), its only reading being the baseline itself
        (REACH_UP, [("2025-06-30", "2025-06-30", 23000)], {"measure": "stock", "unit": "架", "frequency": "half_yearly"},
         23000 / 50000, "insufficient_data"),
        (REACH_UP, [("2025-06-30", "2025-06-30", 23000), ("2026-06-30", "2026-06-30", 30000)],
         {"measure": "stock", "unit": "架", "frequency": "half_yearly"}, 30000 / 50000, None),
        # reach, a ceiling: 90 against at most 80
        ({"kind": "reach", "comparator": "<=", "value": 80, "baseline": {"value": 100, "date": "2020-12-31"},
          "deadline": "2030-12-31"}, [_y(2020, 100), _y(2023, 90)], {"direction": "decrease"}, 80 / 90, None),
        # threshold floor and ceiling, met
        ({"kind": "threshold", "comparator": ">=", "value": 93, "period": "yearly"}, [_y(2024, 91.7)], {}, 91.7 / 93, "not_met"),
        ({"kind": "threshold", "comparator": "<=", "value": 70, "period": "yearly"}, [_y(2024, 77)], {}, 70 / 77, "not_met"),
        ({"kind": "threshold", "comparator": ">=", "value": 93, "period": "yearly"}, [_y(2024, 95)], {}, 1.0, "met"),
        # a growth rate below zero: no share means anything
        ({"kind": "threshold", "comparator": ">=", "value": 5, "period": "yearly"}, [_y(2024, -2)], {}, None, "not_met"),
        # range: below, above, inside
        ({"kind": "range", "low": 4.5, "high": 5, "period": "yearly"}, [_y(2024, 4.0)], {}, 4.0 / 4.5, "not_met"),
        ({"kind": "range", "low": 4.5, "high": 5, "period": "yearly"}, [_y(2024, 5.5)], {}, 5 / 5.5, "not_met"),
        ({"kind": "range", "low": 4.5, "high": 5, "period": "yearly"}, [_y(2024, 4.7)], {}, 1.0, "met"),
        # about 5 ± 0.3: 4.0 is below 4.7
        ({"kind": "about", "value": 5, "tolerance": 0.3}, [_y(2024, 4.0)], {}, 4.0 / 4.7, "not_met"),
        # change: 13.5% down from 100 resolves to at most 86.5; 95 is 86.5/95 of the way
        ({"kind": "change", "change": {"relative": -13.5}, "baseline": {"value": 100, "date": "2020-12-31"},
          "deadline": "2030-12-31"}, [_y(2020, 100), _y(2023, 95)], {"direction": "decrease", "unit": "吨"},
         86.5 / 95, None),
        # average growth: 100 -> 105 over two years against 5% a year
        ({"kind": "average_growth", "rate": 5, "baseline": {"value": 100, "date": "2020-12-31"},
          "deadline": "2030-12-31"}, [_y(2020, 100), _y(2022, 105)], {"unit": "亿元", "measure": "flow"},
         ((105 / 100) ** (365.25 / 730) - 1) * 100 / 5, None),  # CAGR over 730 days (years of 365.25)
        # path: at most 60 in 2025 (a year already over: a catalogue reading of the future is refused)
        ({"kind": "path", "comparator": "<=", "path": [{"date": "2025-12-31", "value": 60},
                                                       {"date": "2027-12-31", "value": 55}]},
         [_y(2025, 66)], {}, 60 / 66, "not_met"),
    ],
)
def test_share_of_target_for_every_form(tmp_path: Any, target: dict[str, Any], readings: list[Any],
                                        fields: dict[str, Any], expected: float | None, status: str | None) -> None:
    from monitor.present.overview import percent_text, share_of_target

    rec = _form_record(tmp_path, target, readings, date(2027, 3, 1), **fields)
    if status is not None:
        assert rec["status"] == status
    share = share_of_target(rec)
    if expected is None:
        assert share is None
        assert percent_text(share) == "—"
    else:
        assert share == pytest.approx(expected, rel=1e-6)
        assert percent_text(share) == f"{int(expected * 100 + 1e-9)}%"


def test_share_of_target_is_none_without_a_target_and_never_100_when_not_reached() -> None:
    from monitor.present.overview import percent_text, share_of_target

    assert share_of_target(record(status="no_target", target_kind=None)) is None
    near = record(target_kind="threshold", target_value=93.0, latest_value=92.999, status="not_met")
    assert share_of_target(near) < 1 and percent_text(share_of_target(near)) == "99%"
    assert percent_text(0.46) == "46%"  # 2.3 / 5 is 0.45999…: still 46%
    assert percent_text(2.3 / 5) == "46%"


def test_overview_rows_say_share_baseline_provisional_and_due(fresh_db: Store) -> None:
    _, rows = load_overview(fresh_db, AS_OF, "zh")
    racks = next(r for r in rows if r["indicator_id"] == "compute-racks")
    assert (racks["progress_text"], racks["from_baseline"]) == ("46%", "自基期 0%")
    air = next(r for r in rows if r["indicator_id"] == "good-air-days-ratio")
    assert air["provisional"] and air["status"] == "✖ 未达标（暂定）"
    assert air["from_baseline"] == ""  # a threshold has no baseline to measure from
    assert racks["stale"] and racks["due"].startswith("⏰ 逾期")
    assert "2026年1月30日" in racks["due"] and racks["due"].endswith("\n半年度指标，期末后 30 天内发布")
    without = next(r for r in rows if r["indicator_id"] == "digital-talent-trained")
    assert without["due"] == ""  # no reading yet: nothing is due


def test_change_column_uses_the_reports_comparison(fresh_db: Store) -> None:
    from monitor.present.overview import with_changes
    from monitor.present.report.content import goal_changes, goal_key

    now_records, rows = load_overview(fresh_db, AS_OF, "en")
    then_records, _ = load_overview(fresh_db, date(2025, 3, 31), "en")
    counts = with_changes(rows, now_records, then_records, "en")
    found = goal_changes(now_records, {goal_key(r): r for r in then_records})
    assert counts["values"] == sum(1 for c in found.values() if c["value_changed"] and c["before_record"])
    assert counts["better"] + counts["worse"] + counts["other"] == sum(1 for c in found.values() if c["status_changed"])
    by_key = {f"{r['indicator_id']}/{r['target_id'] or ''}": r for r in rows}
    for key, change in found.items():
        text = by_key[key]["change"]
        if change["status_changed"] and change["before"] is not None:
            assert text.split("\n")[0].startswith(("↑", "↓", "↔")), text
        elif change["before"] is None:
            assert text.startswith("+ New"), text
        else:
            assert text.startswith("= Status unchanged"), text
    assert counts["values"] > 0


def test_period_ends_offer_month_quarter_and_half_year_ends() -> None:
    from monitor.present.overview import period_ends

    ends = dict(period_ends(date(2026, 12, 5)))
    assert ends[date(2026, 11, 30)] == "month" and ends[date(2026, 9, 30)] == "quarter"
    assert ends[date(2026, 6, 30)] == "half" and ends[date(2025, 12, 31)] == "year"
    assert ends[date(2024, 6, 30)] == "half" and date(2024, 5, 31) not in ends  # old month ends are left out
    assert all(d < date(2026, 12, 5) for d in ends)


def test_table_html_escapes_every_text_and_links_by_quoted_id() -> None:
    from app_helpers import table_rows
    from monitor.present.overview_table import table_html

    evil = '<img src=x onerror="alert(1)">**b** [l](http://x)'
    row = {"indicator_id": 'a"b<c', "target_id": None, "name": evil, "domain": evil, "status_code": "not_met",
           "status": evil, "provisional": True, "stale": True, "updated": evil, "due": evil, "latest": evil,
           "target": evil, "progress": 46.0, "progress_text": "46%", "from_baseline": evil, "trend": [1.0, 2.0],
           "change": evil + "\n" + evil, "nature": evil}
    markup = table_html([row], "en", nature=True, change_day=evil)
    assert "<img src=x" not in markup and 'onerror="' not in markup
    assert 'href="goal?goal=a%22b%3Cc&amp;lang=en"' in markup
    parsed = table_rows(markup)
    assert parsed[0]["indicator_id"] == 'a"b<c'
    assert parsed[0]["name"] == evil and parsed[0]["target"] == evil and parsed[0]["change"] == evil + "\n" + evil
    assert parsed[0]["trend"] == 2


def test_a_provisional_verdict_says_its_full_periods_are_the_earlier_ones(fresh_db: Store) -> None:
    """Issue 18: "完整周期达标率 100.0%（非全年数据，暂定）→ 未达标" read as a contradiction."""
    from monitor.present.wording import explanation
    from monitor.status import statuses

    air = next(r.as_dict() for r in statuses(fresh_db, AS_OF, indicator_ids=["good-air-days-ratio"]))
    assert air["provisional"] and air["share_met"] == 1.0 and air["status"] == "not_met"
    assert explanation(air, "zh") == "与目标相差 −1.3个百分点（非全年数据，暂定）；此前完整周期达标率 100.0% → 未达标"
    assert explanation(air, "en") == "margin −1.3 pp (part-period figure, provisional); earlier full periods met: 100.0% → Not met"
