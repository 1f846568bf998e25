"""The target forms of plans (range, about, change, average growth, path) and binding/expected.

On real DuckDB files in temporary folders: the catalogue loader (errors located by file, entry and
field; export then import changes nothing), the status of each form at several dates and on its
boundaries, the worked examples of docs/methodology.md section 9 (read from both language versions:
the doc and the engine must agree), the same records whichever status path is asked, and binding goals
first in the overview rows and in `monitor status`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.catalog import FORMAT, dump_catalog, export_catalog, import_catalog, parse_catalog
from monitor.model import Catalog, Change, ChangeKind, Nature, PathPoint, TargetKind
from monitor.present.overview import filter_rows, overview_rows
from monitor.present.wording import explanation, target_text
from monitor.status import ComputedBy, Detail, StatusRecord, statuses
from monitor.store import queries, schema
from monitor.store.connection import Store
from test_status_sql import record_differences


@pytest.fixture(autouse=True)
def _the_scenarios_day() -> Any:
    """The worked cases read whole years up to 2029 as already published (readings of the future are
    refused at every entry, catalogues included): the clock stands on a day after them."""
    import time_machine

    with time_machine.travel(datetime(2030, 6, 30, 4, 0), tick=True):
        yield

REPO = Path(__file__).resolve().parent.parent
DOCS = (REPO / "docs" / "methodology.md", REPO / "docs" / "methodology.zh.md")


def _catalog(*entries: dict[str, Any], name: str = "forms.yaml") -> Catalog:
    return parse_catalog({"format": FORMAT, "indicators": list(entries)}, name)


def _store(tmp_path: Path, catalog: Catalog, name: str = "forms.duckdb") -> Store:
    store = Store(tmp_path / name)
    store.init()
    import_catalog(store, catalog)
    return store


def _indicator(ident: str, targets: list[dict[str, Any]], readings: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
               **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": ident, "name_zh": f"指标{ident}", "name_en": f"Indicator {ident}", "domain": "livelihood",
        "unit": "%", "measure": "ratio", "frequency": "yearly", "targets": targets,
        "readings": [{"period_start": s, "period_end": e, "value": v} for s, e, v in readings],
    }
    entry.update(fields)
    return entry


def _year(y: int, value: float) -> tuple[str, str, float]:
    return (f"{y}-01-01", f"{y}-12-31", value)


def _one(store: Store, as_of: date, detail: Detail = Detail.SUMMARY) -> StatusRecord:
    found = statuses(store, as_of, detail=detail)
    assert len(found) == 1
    return found[0]


def _problems(entries: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _catalog(*entries, name="plan.yaml")
    return [str(p) for p in caught.value.problems]


# ---------------------------------------------------------------------------------------------
# The loader


@pytest.mark.parametrize(
    ("target", "field", "fragment"),
    [
        ({"kind": "range", "low": 5, "high": 4.5}, "targets[0].high", "low is above high"),
        ({"kind": "range", "low": 4.5}, "targets[0].high", "is required"),
        ({"kind": "range", "low": 4.5, "high": 5, "value": 5}, "targets[0].value", "is not used by a target of kind range"),
        ({"kind": "about", "value": 2, "comparator": ">="}, "targets[0].comparator", "is not used by a target of kind about"),
        ({"kind": "about", "value": 2, "tolerance": -0.5}, "targets[0].tolerance", "must be 0 or more"),
        ({"kind": "change", "change": {"percent": 3}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"},
         "targets[0].change", "must be one of {relative: percent}"),
        ({"kind": "change", "change": {"factor": 0}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"},
         "targets[0].change.factor", "a factor must be more than 0"),
        ({"kind": "change", "change": {"relative": -120}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"},
         "targets[0].change.relative", "must be more than -100"),
        ({"kind": "change", "change": {"relative": -13.5}, "deadline": "2025-12-31"},
         "targets[0].baseline.date", "a target of kind change needs a baseline date"),
        ({"kind": "change", "change": {"relative": -13.5}, "baseline": {"date": "2020-12-31"}},
         "targets[0].deadline", "needs a deadline"),
        ({"kind": "average_growth", "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"},
         "targets[0].rate", "is required"),
        ({"kind": "average_growth", "rate": "seven", "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"},
         "targets[0].rate", "must be a number"),
        ({"kind": "path", "comparator": ">=", "path": [{"date": "2027-12-31", "value": 1}, {"date": "2026-12-31", "value": 2}]},
         "targets[0].path[1].date", "dates must increase"),
        ({"kind": "path", "comparator": ">=", "path": {"2026-12-31": 1}}, "targets[0].path", "must be a list of"),
        ({"kind": "path", "comparator": ">=", "path": [{"date": "2026-12-31"}]}, "targets[0].path[0].value", "is required"),
        ({"kind": "path", "comparator": ">=", "path": [{"date": "2026-12-31", "value": 120}]},
         "targets[0].path[0].value", "plausible maximum"),
        ({"kind": "range", "low": 4.5, "high": 5, "nature": "mandatory"}, "targets[0].nature", "binding | expected"),
    ],
)
def test_a_malformed_form_is_refused_with_its_place(target: dict[str, Any], field: str, fragment: str) -> None:
    problems = _problems([_indicator("x", [target], bounds=[0, 100])])
    place = f"plan.yaml, indicator 'x'.{field}:"
    assert any(p.startswith(place) and fragment in p for p in problems), problems


@pytest.mark.parametrize("change", [{"relative": -13.5}, {"factor": 2}])
def test_a_relative_or_factor_change_of_yearly_changes_is_refused(change: dict[str, float]) -> None:
    # "降低13.5%" on a series that is itself each year's change would be judged against the latest
    # yearly change as a level (a smaller fall read as deterioration).
    target = {"kind": "change", "change": change, "baseline": {"date": "2020-12-31", "value": -3.0},
              "deadline": "2025-12-31"}
    problems = _problems([_indicator("x", [target], measure="yoy_change")])
    assert any(p.startswith("plan.yaml, indicator 'x'.targets[0].change:") and "average_growth" in p
               for p in problems), problems


def test_an_absolute_change_of_yearly_changes_is_taken() -> None:
    # "提高1个百分点" of a growth rate is a plain difference: it means what it says.
    target = {"kind": "change", "change": {"absolute": 1}, "baseline": {"date": "2020-12-31", "value": 3.0},
              "deadline": "2025-12-31"}
    assert _catalog(_indicator("x", [target], measure="yoy_change"), name="plan.yaml") is not None


def _every_form() -> list[dict[str, Any]]:
    return [
        _indicator("growth", [
            {"id": "growth-range", "kind": "range", "nature": "binding", "low": 4.5, "high": 5, "period": "yearly",
             "deadline": "2025-12-31"},
            {"id": "growth-about", "kind": "about", "value": 5, "period": "yearly"},
            {"id": "growth-about-tol", "kind": "about", "value": 5, "tolerance": 0.3},
            {"id": "growth-avg", "kind": "average_growth", "rate": 5, "baseline": {"date": "2020-12-31"},
             "deadline": "2025-12-31", "nature": "binding"},
        ], measure="yoy_change"),
        _indicator("level", [
            {"id": "level-down", "kind": "change", "change": {"relative": -13.5}, "baseline": {"date": "2020-12-31"},
             "deadline": "2025-12-31"},
            {"id": "level-double", "kind": "change", "change": {"factor": 2}, "comparator": ">=",
             "baseline": {"value": 40, "date": "2020-12-31"}, "deadline": "2035-12-31"},
            {"id": "level-plus", "kind": "change", "change": {"absolute": 1}, "baseline": {"date": "2020-12-31"},
             "deadline": "2025-12-31", "quote": "提高1个百分点"},
            {"id": "level-path", "kind": "path", "comparator": "<=",
             "path": [{"date": "2026-12-31", "value": 60}, {"date": "2027-12-31", "value": 55}]},
            {"id": "level-ceiling", "kind": "threshold", "comparator": "<=", "value": 70, "period": "yearly",
             "nature": "binding"},
        ], readings=[_year(2020, 50)]),
    ]


def test_every_form_is_stored_as_stated() -> None:
    catalog = _catalog(*_every_form())
    by_id = {t.id: t for t in catalog.targets}
    assert by_id["growth-range"].kind is TargetKind.RANGE and (by_id["growth-range"].low, by_id["growth-range"].high) == (4.5, 5)
    assert by_id["growth-range"].nature is Nature.BINDING and by_id["growth-range"].comparator == ""
    assert by_id["growth-about"].tolerance is None and by_id["growth-about-tol"].tolerance == 0.3
    assert by_id["level-down"].change == Change(ChangeKind.RELATIVE, -13.5) and by_id["level-down"].comparator == "<="
    assert by_id["level-down"].baseline_value is None
    assert by_id["level-double"].change == Change(ChangeKind.FACTOR, 2) and by_id["level-double"].comparator == ">="
    assert by_id["level-plus"].change == Change(ChangeKind.ABSOLUTE, 1) and by_id["level-plus"].comparator == ">="
    assert by_id["growth-avg"].rate == 5 and by_id["growth-avg"].comparator == ">="
    assert by_id["level-path"].path == (PathPoint(date(2026, 12, 31), 60), PathPoint(date(2027, 12, 31), 55))
    assert by_id["level-ceiling"].nature is Nature.BINDING and by_id["level-down"].nature is Nature.EXPECTED


def test_the_forms_round_trip_through_the_file_and_the_store(tmp_path: Path) -> None:
    catalog = _catalog(*_every_form())
    again = parse_catalog(yaml.safe_load(dump_catalog(catalog.indicators, catalog.targets, catalog.readings)), "again")
    assert again.targets == catalog.targets
    store = _store(tmp_path, catalog)
    with store.read() as con:
        stored = queries.list_targets(con)
    # As stated, every field (the first version's valid_from aside: the store's own).
    stated = sorted(catalog.targets, key=lambda t: t.id)
    assert sorted(stored, key=lambda t: t.id) == [replace(t, valid_from=s.valid_from) for t, s in
                                                  zip(stated, sorted(stored, key=lambda t: t.id), strict=True)]
    exported = export_catalog(store)
    result = import_catalog(store, parse_catalog(yaml.safe_load(exported), "export.yaml"))
    assert result["targets_new"] == result["targets_revised"] == 0
    assert result["targets_unchanged"] == len(catalog.targets)
    assert export_catalog(store) == exported


def test_a_store_of_schema_4_gets_the_form_columns_and_its_targets_read_as_expected(tmp_path: Path) -> None:
    store = Store(tmp_path / "old.duckdb")
    with store.write() as con:
        schema.migrate(con, up_to=4)
        con.execute(
            "INSERT INTO target (id, indicator_id, version, kind, comparator, value, method, recorded_at) "
            "VALUES ('t', 'x', 1, 'threshold', '<=', 5.5, 'cagr', now())"
        )
    assert 5 in store.init()
    with store.read() as con:
        (old,) = queries.list_targets(con)
        assert 5 in schema.applied_versions(con)
    assert old.nature is Nature.EXPECTED and old.low is None and old.change is None and old.path == ()


# ---------------------------------------------------------------------------------------------
# Statuses: each form at several dates and on its boundaries


def _status(tmp_path: Path, target: dict[str, Any], readings: list[tuple[str, str, float]], as_of: date,
            **fields: Any) -> StatusRecord:
    store = _store(tmp_path, _catalog(_indicator("x", [{"id": "t", **target}], readings, **fields)),
                   name=f"s{len(list(tmp_path.iterdir()))}.duckdb")
    return _one(store, as_of)


@pytest.mark.parametrize(("value", "status"), [(4.5, "met"), (5.0, "met"), (4.75, "met"), (4.49, "not_met"), (5.01, "not_met")])
def test_a_range_includes_both_ends(tmp_path: Path, value: float, status: str) -> None:
    r = _status(tmp_path, {"kind": "range", "low": 4.5, "high": 5, "period": "yearly"}, [_year(2025, value)],
                date(2026, 3, 1), measure="yoy_change")
    assert r.status == status and r.target_kind == "range" and r.target_comparator is None
    assert r.margin == pytest.approx(min(value - 4.5, 5 - value))


def test_a_range_with_a_deadline_is_about_that_period_only(tmp_path: Path) -> None:
    target = {"kind": "range", "low": 4.5, "high": 5, "period": "yearly", "deadline": "2025-12-31"}
    readings = [_year(2024, 4.8), ("2025-01-01", "2025-09-30", 5.3), _year(2025, 4.6), _year(2026, 3.0)]
    before = _status(tmp_path, target, readings, date(2025, 6, 30), measure="yoy_change")
    assert before.status == "insufficient_data"  # 2024's figure is not 2025's
    part = _status(tmp_path, target, readings, date(2025, 10, 31), measure="yoy_change")
    assert (part.status, part.provisional, part.latest_period_end) == ("not_met", True, "2025-09-30")
    final = _status(tmp_path, target, readings, date(2027, 6, 30), measure="yoy_change")
    assert (final.status, final.provisional, final.latest_period_end) == ("met", False, "2025-12-31")


@pytest.mark.parametrize(("value", "status"), [(2.3, "met"), (1.7, "met"), (2.31, "not_met"), (1.69, "not_met")])
def test_about_is_met_at_exactly_the_stated_tolerance(tmp_path: Path, value: float, status: str) -> None:
    r = _status(tmp_path, {"kind": "about", "value": 2, "tolerance": 0.3}, [_year(2025, value)], date(2026, 3, 1))
    assert r.status == status
    assert r.evidence["form"] == {"low": 1.7, "high": 2.3, "value": 2.0, "tolerance": 0.3, "tolerance_source": "target"}


def test_about_without_a_tolerance_takes_the_documented_default(tmp_path: Path) -> None:
    percent = _status(tmp_path, {"kind": "about", "value": 2}, [_year(2025, 2.5)], date(2026, 3, 1))
    assert percent.status == "met" and percent.evidence["form"]["tolerance_source"] == "default"
    assert percent.evidence["form"]["tolerance"] == 0.5
    count = {"unit": "人", "display_unit": "万人", "measure": "flow", "bounds": [0, None]}
    inside = _status(tmp_path, {"kind": "about", "value": 12_000_000}, [_year(2025, 12_600_000)], date(2026, 3, 1), **count)
    outside = _status(tmp_path, {"kind": "about", "value": 12_000_000}, [_year(2025, 12_610_000)], date(2026, 3, 1), **count)
    assert (inside.status, outside.status) == ("met", "not_met")  # 5% of 1200万 is 60万
    assert target_text(inside.as_dict(), "zh") == "1200万人左右（±60万人）（每期）"


def test_a_relative_change_takes_its_baseline_from_the_reading_at_the_baseline_date(tmp_path: Path) -> None:
    target = {"kind": "change", "change": {"relative": -13.5}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"}
    readings = [_year(2019, 120), _year(2020, 100), _year(2023, 90)]
    r = _status(tmp_path, target, readings, date(2024, 6, 30), direction="decrease")
    assert r.status == "on_track" and r.target_value == 86.5 and r.target_comparator == "<="
    assert r.baseline_value == 100 and r.evidence["change"]["baseline_source"] == "reading at the target's baseline date"
    assert r.evidence["target"]["kind"] == "change"
    achieved = _status(tmp_path, target, [*readings, _year(2025, 86.5)], date(2026, 3, 1), direction="decrease")
    missed = _status(tmp_path, target, [*readings, _year(2025, 86.6)], date(2026, 3, 1), direction="decrease")
    assert (achieved.status, missed.status) == ("achieved", "not_met")


def test_a_change_without_a_baseline_value_or_reading_says_what_is_missing(tmp_path: Path) -> None:
    target = {"kind": "change", "change": {"relative": -13.5}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"}
    store = _store(tmp_path, _catalog(_indicator("x", [{"id": "t", **target}], [_year(2019, 100), _year(2023, 90)])))
    r = _one(store, date(2024, 6, 30))
    assert r.status == "insufficient_data" and r.target_value is None
    full = _one(store, date(2024, 6, 30), Detail.FULL)
    assert any("no reading at the baseline date 2020-12-31" in reason for reason in full.evidence["reasons"])
    assert explanation(r.as_dict(), "en") == (
        "no baseline value at 2020-12-31: record that reading or state the baseline value in the catalogue")


def test_doubling_and_an_absolute_change(tmp_path: Path) -> None:
    double = {"kind": "change", "change": {"factor": 2}, "baseline": {"value": 50000, "date": "2020-12-31"},
              "deadline": "2035-12-31"}
    money = {"unit": "元", "measure": "flow", "bounds": [0, None]}
    r = _status(tmp_path, double, [_year(2025, 65000)], date(2026, 3, 1), **money)
    assert (r.status, r.target_value, r.ratio) == ("on_track", 100000, pytest.approx(1.1391, abs=1e-4))
    assert target_text(r.as_dict(), "zh") == "较基期翻一番（2035年）"
    slow = _status(tmp_path, double, [_year(2025, 52000)], date(2026, 3, 1), **money)
    assert slow.status == "limited_progress"
    plus = {"kind": "change", "change": {"absolute": 1}, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"}
    years = {"unit": "岁", "bounds": [0, 130]}
    on = _status(tmp_path, plus, [_year(2020, 77.9), _year(2023, 78.6)], date(2024, 6, 30), **years)
    assert (on.status, on.target_value) == ("on_track", 78.9)
    done = _status(tmp_path, plus, [_year(2020, 77.9), _year(2025, 78.9)], date(2026, 6, 30), **years)
    assert done.status == "achieved"


@pytest.mark.parametrize(("latest", "status"), [(2_840_000_000_000, "needs_acceleration"), (3_100_000_000_000, "on_track"),
                                                (2_300_000_000_000, "deterioration")])
def test_average_growth_before_the_deadline_is_judged_by_its_pace(tmp_path: Path, latest: float, status: str) -> None:
    target = {"kind": "average_growth", "rate": 7, "baseline": {"value": 2_439_300_000_000, "date": "2020-12-31"},
              "deadline": "2025-12-31"}
    r = _status(tmp_path, target, [_year(2023, latest)], date(2024, 6, 30), unit="元", measure="flow", bounds=[0, None])
    observed = ((latest / 2_439_300_000_000) ** (365.25 / 1095) - 1) * 100
    assert r.status == status
    assert r.evidence["average_growth"]["observed"] == pytest.approx(observed, abs=1e-6)
    assert r.ratio == pytest.approx(observed / 7, abs=1e-6)


@pytest.mark.parametrize(("latest", "status"), [(3_430_000_000_000, "achieved"), (3_400_000_000_000, "not_met")])
def test_average_growth_at_the_deadline_is_achieved_or_not(tmp_path: Path, latest: float, status: str) -> None:
    target = {"kind": "average_growth", "rate": 7, "baseline": {"value": 2_439_300_000_000, "date": "2020-12-31"},
              "deadline": "2025-12-31"}
    r = _status(tmp_path, target, [_year(2023, 2_840_000_000_000), _year(2025, latest), _year(2026, 1)], date(2027, 3, 1),
                unit="元", measure="flow", bounds=[0, None])
    assert r.status == status and r.latest_period_end == "2025-12-31"  # 2026 is after the plan's period
    assert r.ratio is None


def test_average_growth_of_yearly_growth_readings_is_their_compound_mean(tmp_path: Path) -> None:
    target = {"kind": "average_growth", "rate": 5, "baseline": {"date": "2020-12-31"}, "deadline": "2025-12-31"}
    readings = [_year(2021, 8.1), _year(2022, 3.0), _year(2023, 5.2)]
    r = _status(tmp_path, target, readings, date(2024, 6, 30), measure="yoy_change")
    mean = ((1.081 * 1.03 * 1.052) ** (1 / 3) - 1) * 100
    assert r.status == "on_track"
    assert r.evidence["average_growth"]["observed"] == pytest.approx(mean, abs=1e-6)
    assert r.evidence["average_growth"]["basis"] == "yearly growth readings"
    below = _status(tmp_path, {**target, "rate": 6}, readings, date(2024, 6, 30), measure="yoy_change")
    assert below.status == "needs_acceleration"
    assert explanation(below.as_dict(), "zh") == "年均增长 5.4%，目标 6%以上，比值 0.90 → 需加速"


def test_a_bound_on_average_growth_is_within_or_beyond(tmp_path: Path) -> None:
    target = {"kind": "average_growth", "comparator": "<=", "rate": 3, "baseline": {"date": "2020-12-31"},
              "deadline": "2025-12-31"}
    within = _status(tmp_path, target, [_year(2021, 2.0), _year(2022, 2.5)], date(2023, 3, 1), measure="yoy_change")
    beyond = _status(tmp_path, target, [_year(2021, 2.0), _year(2022, 4.5)], date(2023, 3, 1), measure="yoy_change")
    assert (within.status, beyond.status) == ("on_track", "deterioration")
    assert explanation(beyond.as_dict(), "en") == "average annual growth 3.2%, target at most 3% → Deterioration"


def test_a_path_judges_each_year_against_its_own_point(tmp_path: Path) -> None:
    target = {"kind": "path", "comparator": ">=", "path": [
        {"date": "2026-12-31", "value": 100}, {"date": "2027-12-31", "value": 110}, {"date": "2028-12-31", "value": 120}]}
    flow = {"unit": "元", "measure": "flow", "bounds": [0, None]}
    readings = [_year(2024, 90), _year(2026, 101), _year(2027, 108), ("2028-01-01", "2028-06-30", 70), _year(2029, 125)]
    expected = {
        date(2025, 6, 30): ("insufficient_data", None, None),  # 2024 is before the path
        date(2027, 3, 1): ("met", 100, False),
        date(2028, 3, 1): ("not_met", 110, False),
        date(2028, 8, 1): ("not_met", 120, True),  # half of 2028 against 2028's point: provisional
        date(2030, 3, 1): ("met", 120, False),  # after the path: its last point
    }
    for as_of, (status, point, provisional) in expected.items():
        r = _status(tmp_path, target, readings, as_of, **flow)
        assert (r.status, r.target_value) == (status, point), as_of
        if provisional is not None:
            assert r.provisional is provisional, as_of
    r = _status(tmp_path, target, readings, date(2028, 3, 1), **flow)
    assert r.margin == -2 and r.share_met == 0.5


# ---------------------------------------------------------------------------------------------
# The worked examples of docs/methodology.md section 9, from both language versions

_BLOCK = re.compile(r"```yaml\n(# example: .*?)```", re.S)
_LINE = re.compile(r"^# (\d{4}-\d{2}-\d{2}): (\w+)(?: \| (.*) \| (.*))?$")


def _examples(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


def test_both_language_versions_hold_the_same_worked_examples() -> None:
    english, chinese = (_examples(p) for p in DOCS)
    assert len(english) >= 9 and english == chinese


@pytest.mark.parametrize("block", _examples(DOCS[0]), ids=lambda b: b.splitlines()[0][len("# example: "):])
def test_the_worked_example_is_what_the_engine_prints(tmp_path: Path, block: str) -> None:
    lines = [_LINE.match(line) for line in block.splitlines()[1:] if re.match(r"# \d{4}", line)]
    assert lines and all(lines), block
    store = _store(tmp_path, parse_catalog({"format": FORMAT, "indicators": yaml.safe_load(block)}, "methodology.md"))
    for m in lines:
        assert m is not None
        as_of = date.fromisoformat(m.group(1))
        r = _one(store, as_of)
        assert r.status == m.group(2), (as_of, r.status)
        if m.group(3) is not None:
            assert explanation(r.as_dict(), "zh") == m.group(3)
            assert explanation(r.as_dict(), "en") == m.group(4)


# ---------------------------------------------------------------------------------------------
# Whichever path is asked


def _forms_store(tmp_path: Path) -> Store:
    entries = _every_form()
    entries[0]["readings"] = [{"period_start": s, "period_end": e, "value": v}
                              for s, e, v in (_year(2021, 8.1), _year(2022, 3.0), ("2025-01-01", "2025-09-30", 5.2))]
    entries[1]["readings"] = [{"period_start": s, "period_end": e, "value": v}
                              for s, e, v in (_year(2020, 50), _year(2023, 45), _year(2026, 58), _year(2027, 56))]
    # Old kinds beside them, binding and expected: computed by the set-based path.
    entries.append(_indicator("old", [
        {"id": "old-reach", "kind": "reach", "comparator": ">=", "value": 80, "baseline": {"value": 50, "date": "2020-12-31"},
         "deadline": "2030-12-31", "nature": "binding"},
        {"id": "old-threshold", "kind": "threshold", "comparator": ">=", "value": 60, "period": "yearly"},
    ], readings=[_year(2022, 58), _year(2023, 62)]))
    return _store(tmp_path, _catalog(*entries))


@pytest.mark.parametrize("as_of", [date(2021, 6, 30), date(2024, 6, 30), date(2025, 10, 31), date(2027, 6, 30), date(2028, 3, 1)])
def test_the_forms_give_the_same_records_whichever_path_is_asked(tmp_path: Path, as_of: date) -> None:
    store = _forms_store(tmp_path)
    for detail in (Detail.SUMMARY, Detail.BRIEF):
        listed = statuses(store, as_of, detail=detail)  # the set-based path, handing the forms to the engine
        ids = sorted({r.indicator_id for r in listed})
        chosen = statuses(store, as_of, indicator_ids=ids, detail=detail)  # the per-goal engine
        assert [(r.indicator_id, r.target_id) for r in listed] == [(r.indicator_id, r.target_id) for r in chosen]
        problems = [p for a, b in zip(chosen, listed, strict=True) for p in record_differences(a, b)]
        assert not problems, problems
        by = {r.target_id: r.computed_by for r in listed}
        assert by["old-reach"] is by["old-threshold"] is ComputedBy.SETS
        assert by["level-ceiling"] is ComputedBy.SETS
        assert {by[t] for t in by if not t.startswith("old") and t != "level-ceiling"} == {ComputedBy.ENGINE}
        assert {r.target_id: r.target_nature for r in listed}["old-reach"] == "binding"


# ---------------------------------------------------------------------------------------------
# Binding first


def test_binding_goals_come_first_in_the_overview_and_filter(tmp_path: Path) -> None:
    store = _forms_store(tmp_path)
    records = [r.as_dict() for r in statuses(store, date(2024, 6, 30), detail=Detail.BRIEF)]
    rows = overview_rows(records, (), date(2024, 6, 30), "zh")
    natures = [row["nature_code"] for row in rows]
    binding = natures.count("binding")
    assert binding == 4 and natures[:binding] == ["binding"] * binding
    assert set(natures[binding:]) == {"expected"}
    assert rows[0]["nature"] == "约束性"
    only = filter_rows(rows, natures=["expected"])
    assert only and {row["nature_code"] for row in only} == {"expected"}


def test_monitor_status_lists_binding_goals_first_and_filters_them(tmp_path: Path) -> None:
    store = _forms_store(tmp_path)
    store.close()
    runner = CliRunner()
    db = str(tmp_path / "forms.duckdb")
    result = runner.invoke(main, ["--db", db, "status", "--as-of", "2024-06-30", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("约束性目标") < out.index("区间 4.5%–5%") < out.index("预期性目标") < out.index("较基期降低13.5%")
    result = runner.invoke(main, ["--db", db, "status", "--as-of", "2024-06-30", "--nature", "binding", "--json"])
    assert result.exit_code == 0, result.output
    listed = yaml.safe_load(result.output)
    assert {r["target_id"] for r in listed} == {"growth-range", "growth-avg", "level-ceiling", "old-reach"}
    result = runner.invoke(main, ["--db", db, "status", "--as-of", "2024-06-30", "--json"])
    natures = [r["target_nature"] for r in yaml.safe_load(result.output)]
    assert natures == sorted(natures, key=lambda n: n != "binding")
    result = runner.invoke(main, ["--db", db, "indicators", "--json"])
    assert [r["id"] for r in yaml.safe_load(result.output)][:2] == ["growth", "level"]


def test_a_catalogue_without_binding_goals_shows_no_nature_headings(tmp_path: Path) -> None:
    store = _store(tmp_path, _catalog(_indicator("x", [{"id": "t", "kind": "about", "value": 2}], [_year(2025, 2.2)])))
    store.close()
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "forms.duckdb"), "status", "--as-of", "2026-03-01",
                                       "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Binding goals" not in result.output and "Expected goals" not in result.output
    assert "about 2% (±0.5)" in result.output


def test_the_explanations_say_each_form(tmp_path: Path) -> None:
    store = _forms_store(tmp_path)
    said = {r.target_id: (target_text(r.as_dict(), "zh"), explanation(r.as_dict(), "en"))
            for r in statuses(store, datetime(2024, 6, 30).date())}
    assert said["growth-about"][0] == "5%左右（±0.5）（每年）"
    assert said["growth-about-tol"][0] == "5%左右（±0.3）（每期）"
    assert said["level-plus"][0] == "较基期提高1个百分点（2025年）"
    assert said["level-down"][0] == "较基期降低13.5%（2025年）"
    # 2021 and 2022 (the Jan-Sep 2025 figure is not a year): (1.081 * 1.03) ** (1 / 2) - 1
    assert said["growth-avg"][1] == "average annual growth 5.5%, target at least 5%, ratio 1.10 → On track"
    assert said["level-path"][0] == "路径 60%→55%"


def test_the_dashboard_shows_the_nature_and_each_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app_helpers import open_app, overview_frame

    _forms_store(tmp_path).close()
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "forms.duckdb"))
    at = open_app("overview.py", lang="zh")
    frame = overview_frame(at)
    natures = list(frame["nature"])
    assert natures[:4] == ["约束性"] * 4 and set(natures[4:]) <= {"预期性", None, ""}
    assert "区间 4.5%–5%（2025年）" in set(frame["target"])
    assert any(m.label == "目标性质" for m in at.multiselect)
    goal = open_app("goal.py", lang="en", goal="growth")
    headings = [h.value for h in goal.subheader]
    # Binding first: the average growth and the range, then the two "about" targets.
    assert "average annual growth at least 5%" in headings[0] and "range 4.5%–5%" in headings[1]
    assert "about 5% (±0.5)" in headings[2]


def test_the_dashboard_of_expected_goals_only_has_no_nature_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app_helpers import open_app, overview_frame

    _store(tmp_path, _catalog(_indicator("x", [{"id": "t", "kind": "about", "value": 2}], [_year(2025, 2.2)]))).close()
    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "forms.duckdb"))
    at = open_app("overview.py", lang="en")
    assert "nature" not in overview_frame(at).columns
    assert not any(m.label == "Nature" for m in at.multiselect)
