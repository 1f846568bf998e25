"""A reviewer's defects in the progress report (monitor/present/report, `monitor report`, the overview's button).

1. a year-end reading is drawn on its own year's tick; 2. the value axis shows plain numbers (0.5, not
"500m"); 3. a range target is drawn as its band; 4. the report takes the overview's filter object
(monitor.present.filters.GoalFilter) and holds the goals the overview shows with it; 5. one list of
formats. Real DuckDB stores; charts rendered by vl-convert; reports opened with python-docx and openpyxl.
"""

from __future__ import annotations

import ast
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import docx
import openpyxl
import pytest
import vl_convert

from monitor import clock
from monitor.cli import main
from monitor.files.catalog import init_store
from monitor.model import Reading
from monitor.present import report as report_package
from monitor.present.catalog_edit import retire_indicator
from monitor.present.filters import GoalFilter
from monitor.present.i18n import format_date, t
from monitor.present.overview import load_overview
from monitor.present.report import build_report
from monitor.present.report.content import build_content, chart_spec, default_since, goal_key, year_end_ticks
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
COUNTY = REPO / "tests" / "fixtures" / "county.yaml"
TODAY = clock.today()  # the workspace's day (monitor.clock), as the pages and reports use


@pytest.fixture
def county(tmp_path: Path) -> Store:
    store = Store(tmp_path / "county.duckdb")
    init_store(store, seed=COUNTY)
    return store


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


def _line(spec: dict[str, Any]) -> dict[str, Any]:
    return next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")


def _goal(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(g for g in content["goals"] if g["key"] == key)


def _svg_labels(spec: dict[str, Any]) -> list[str]:
    svg = vl_convert.vegalite_to_svg(spec)
    return [re.sub(r"<[^>]+>", "", x) for x in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


# ---------------------------------------------------------------- 1. year ends on their own year


def test_a_year_end_reading_sits_on_its_years_tick(county: Store) -> None:
    content = build_content(county, TODAY, default_since(TODAY), "zh")
    spec = _goal(content, "county-gdp/county-gdp-2030")["chart"]
    x = _line(spec)["encoding"]["x"]
    (point,) = _line(spec)["data"]["values"]
    assert _day(point["date"]) == date(2025, 12, 31)
    # The point's x is the tick labelled with its year (ticks are year ends, labelled "%Y" in UTC).
    assert x["scale"]["type"] == "utc" and x["axis"]["format"] == "%Y"
    assert point["date"] in x["axis"]["values"]
    assert [_day(v).year for v in x["axis"]["values"] if v == point["date"]] == [2025]
    low, high = x["scale"]["domain"]
    assert low < point["date"] < high  # inside the axis, not cut at its edge
    # Rendered, the year-end point's year is a label and the next year is not.
    labels = _svg_labels(spec)
    assert "2025" in labels and "2026" not in labels, labels


def test_year_end_ticks() -> None:
    ticks, (low, high) = year_end_ticks(date(2023, 6, 30), date(2025, 12, 31))
    assert [_day(v) for v in ticks] == [date(2022, 12, 31), date(2023, 12, 31), date(2024, 12, 31), date(2025, 12, 31)]
    assert _day(low) < date(2022, 12, 31) and _day(high) > date(2025, 12, 31)
    many, _ = year_end_ticks(date(2001, 12, 31), date(2025, 12, 31))
    assert len(many) <= 6 and _day(many[-1]) == date(2025, 12, 31)  # the newest year is always labelled


# ---------------------------------------------------------------- 2. plain numbers on the value axis


def _small_record(**extra: Any) -> dict[str, Any]:
    return {"target_value": 0.8, "evidence": {}, **extra}


def _readings(values: list[float]) -> list[Reading]:
    return [Reading(indicator_id="x", period_start=date(2020 + n, 1, 1), period_end=date(2020 + n, 12, 31), value=v)
            for n, v in enumerate(values)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_value_axis_shows_plain_numbers(lang: str) -> None:
    spec = chart_spec(_small_record(), _readings([0.4, 0.5, 0.6]), 1.0, lang)
    assert spec is not None
    assert "s" not in _line(spec)["encoding"]["y"]["axis"]["format"]
    labels = _svg_labels(spec)
    assert "0.5" in labels, labels
    assert not any(label.endswith("m") for label in labels), labels
    big = chart_spec(_small_record(target_value=20000), _readings([12000, 15000, 18000]), 1.0, lang)
    assert big is not None
    shown = _svg_labels(big)
    assert ("20,000" if lang == "en" else "20000") in shown and "20k" not in shown, shown


# ---------------------------------------------------------------- 3. a range is a band


def test_a_range_target_is_drawn_as_its_band(county: Store) -> None:
    content = build_content(county, TODAY, default_since(TODAY), "en")
    spec = _goal(content, "county-gdp-growth/county-gdp-growth-2026")["chart"]
    marks = {layer["mark"]["type"]: layer for layer in spec["layer"]}
    assert marks["rect"]["data"]["values"] == [{"low": 4.5, "high": 5.0}]
    assert sorted(v["value"] for v in marks["rule"]["data"]["values"]) == [4.5, 5.0]  # both bounds, no midpoint
    assert 4.75 not in [v["value"] for v in marks["rule"]["data"]["values"]]
    # A plain threshold keeps its one line.
    forest = _goal(content, "county-forest/county-forest-2030")["chart"]
    rules = [layer for layer in forest["layer"] if layer["mark"]["type"] == "rule"]
    assert [v["value"] for v in rules[0]["data"]["values"]] == [45.0]
    assert all(layer["mark"]["type"] != "rect" for layer in forest["layer"])


# ---------------------------------------------------------------- 4. the overview's filters


def _overview_keys(store: Store, filters: GoalFilter, as_of: date = TODAY) -> list[str]:
    day = filters.known_on or as_of
    _, rows = load_overview(store, day, "zh", known_on=filters.known_on, include_retired=filters.include_retired,
                            source=filters.source)
    return sorted(goal_key(r) for r in filters.rows(rows))


FILTERS = [
    GoalFilter(),
    GoalFilter(natures=("binding",)),
    GoalFilter(natures=("expected",)),
    GoalFilter(source="work-report-2026"),
    GoalFilter(source="plan-15", statuses=("insufficient_data",)),
    GoalFilter(text="forest"),
    GoalFilter(domains=("economy",), targets_only=True),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[10:60])
def test_the_report_holds_the_goals_the_overview_shows(county: Store, filters: GoalFilter) -> None:
    content = build_content(county, TODAY, default_since(TODAY), "zh", filters=filters)
    shown = _overview_keys(county, filters)
    assert sorted(g["key"] for g in content["goals"]) == shown
    assert 0 < len(shown) or filters.statuses  # the filters select something of the county's catalogue


def test_a_report_made_with_filters_says_so_and_keeps_only_them(county: Store) -> None:
    binding = GoalFilter(natures=("binding",), source="plan-15")
    document = docx.Document(io.BytesIO(build_report(county, "docx", as_of=TODAY, lang="zh", filters=binding)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "目标性质：约束性" in text and "来源文件：某县国民经济和社会发展第十五个五年规划纲要" in text
    book = openpyxl.load_workbook(io.BytesIO(build_report(county, "xlsx", as_of=TODAY, lang="en", filters=binding)))
    sheet = book[t("report.sheet.status", "en")]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(n for n, row in enumerate(rows) if t("report.col.indicator_id", "en") in row)
    column = rows[header].index(t("report.col.indicator_id", "en"))
    ids = {row[column] for row in rows[header + 1:] if row[column]}
    expected = {k.split("/")[0] for k in _overview_keys(county, binding)}
    assert ids == expected == {"county-energy"}


def test_retired_indicators_follow_the_overview(county: Store) -> None:
    retire_indicator(county, "county-forest", "merged", "test")
    without = build_content(county, TODAY, default_since(TODAY), "en")
    with_retired = build_content(county, TODAY, default_since(TODAY), "en", filters=GoalFilter(include_retired=True))
    assert "county-forest/county-forest-2030" not in {g["key"] for g in without["goals"]}
    assert "county-forest/county-forest-2030" in {g["key"] for g in with_retired["goals"]}
    assert sorted(g["key"] for g in with_retired["goals"]) == _overview_keys(county, GoalFilter(include_retired=True))
    assert sorted(g["key"] for g in without["goals"]) == _overview_keys(county, GoalFilter())


def test_as_known_on_is_the_store_as_known_that_day(county: Store) -> None:
    # The store was made today: as known yesterday it held nothing, as the overview says too.
    yesterday = TODAY - timedelta(days=1)
    before = GoalFilter(known_on=yesterday)
    content = build_content(county, yesterday, default_since(yesterday), "zh", filters=before)
    assert [g["key"] for g in content["goals"]] == _overview_keys(county, before) == []
    assert t("report.filter_known_on", "zh", day=format_date(yesterday, "zh")) in content["filters_text"]
    today = GoalFilter(known_on=TODAY)
    keys = sorted(g["key"] for g in build_content(county, TODAY, default_since(TODAY), "zh", filters=today)["goals"])
    assert keys == _overview_keys(county, today) and len(keys) == 8


# ---------------------------------------------------------------- 5. one list of formats


def test_report_formats_are_defined_once() -> None:
    assigned = []
    for path in [*(REPO / "monitor" / "present").rglob("*.py"), *(REPO / "monitor" / "cli").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            if any(isinstance(x, ast.Name) and x.id == "FORMATS" for x in targets):
                assigned.append(path.relative_to(REPO).as_posix())
    assert assigned == ["monitor/present/report/__init__.py"]
    command = main.get_command(click.Context(main), "report")
    assert command is not None
    (fmt,) = [p for p in command.params if p.name == "fmt"]
    assert tuple(fmt.type.choices) == report_package.FORMATS  # type: ignore[attr-defined]
