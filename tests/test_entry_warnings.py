"""Readings that can never count are caught at entry (issue 21).

The cases: a stock entered over a span (and a stock entered for a whole year, which is read as its level
at the year's end), a monthly flow where the targets compare whole years, a reading before the baseline.
The rule is the engine's (monitor.status.progress.never_counts); here it is checked on every entry path:
the library (add_reading, import_rows, import_file), `monitor add`, `monitor import` (CSV),
`monitor catalog import` (YAML), a refresh over real HTTP on 127.0.0.1, the dashboard's form (AppTest),
and afterwards `monitor check` and the goal page. Real DuckDB files in temporary folders.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.catalog import import_catalog, load_catalog
from monitor.files.ingest import add_reading, import_file, import_rows
from monitor.model import Frequency, Indicator, MeasureKind, Reading, Target, TargetKind
from monitor.status import Detail, statuses
from monitor.status.progress import assess, never_counts, never_counts_judge
from monitor.store import queries
from monitor.store.connection import Store

# The national 14th Five-Year Plan's shape: 2020 base, 2025 target.
CATALOG: dict[str, Any] = {
    "format": "indicator-monitor/catalog v1",
    "source": {"id": "fyp14", "date": "2021-03-13"},
    "indicators": [
        {
            "id": "patents", "name_zh": "每万人口高价值发明专利拥有量", "name_en": "High-value invention patents per 10,000",
            "domain": "innovation", "unit": "件/万人", "measure": "stock", "direction": "increase", "frequency": "yearly",
            "targets": [{"id": "patents-12", "kind": "reach", "comparator": ">=", "value": 12,
                         "deadline": "2025-12-31", "baseline": {"value": 6.3, "date": "2020-12-31"}}],
        },
        {
            "id": "energy", "name_zh": "能源消费总量", "name_en": "Total energy consumption",
            "domain": "ecology", "unit": "万吨标准煤", "measure": "flow", "direction": "decrease",
            "frequency": "yearly",
            "targets": [{"id": "energy-cap", "kind": "reach", "comparator": "<=", "value": 550000,
                         "deadline": "2025-12-31", "period": "yearly",
                         "baseline": {"value": 498000, "date": "2020-12-31"}}],
        },
        {
            "id": "power", "name_zh": "全社会用电量", "name_en": "Electricity use",
            "domain": "ecology", "unit": "亿千瓦时", "measure": "flow", "direction": "decrease",
            "frequency": "yearly",
            "targets": [{"id": "power-cap", "kind": "threshold", "comparator": "<=", "value": 90000,
                         "period": "yearly"}],
        },
        {
            "id": "loose", "name_zh": "无目标存量", "name_en": "A stock without target",
            "domain": "ecology", "unit": "件/万人", "measure": "stock", "direction": "increase", "frequency": "yearly",
        },
    ],
}

STOCK_SPAN = ("patents", "2021-03-01", "2021-09-15", "7.1")  # a stock over an arbitrary span: never counts
MONTHLY_FLOW = ("energy", "2021-03-01", "2021-03-31", "42000")  # a month where the reach compares years
BEFORE_BASELINE = ("patents", "2019-12-31", "2019-12-31", "5.9")  # before the 2020-12-31 baseline
FINE = ("patents", "2021-12-31", "2021-12-31", "7.5")  # a year-end point: counts
MONTHLY_AGAINST_THRESHOLD = ("power", "2021-03-01", "2021-03-31", "6000")  # counts, provisionally
NO_TARGET = ("loose", "2021-03-01", "2021-09-15", "3")  # no target: nothing to warn about
WARNED = (STOCK_SPAN, MONTHLY_FLOW, BEFORE_BASELINE)
QUIET = (FINE, MONTHLY_AGAINST_THRESHOLD, NO_TARGET)


@pytest.fixture
def fyp(empty_db: Store, tmp_path: Path) -> Store:
    import_catalog(empty_db, load_catalog(_yaml(tmp_path, CATALOG)))
    return empty_db


def _yaml(folder: Path, document: dict[str, Any], name: str = "catalog.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _stored(store: Store, indicator: str) -> list[tuple[date, date, float, str | None]]:
    with store.read() as con:
        return [(r.period_start, r.period_end, r.value, r.note) for r in queries.list_readings(con, indicator)]


def _row(case: tuple[str, str, str, str]) -> dict[str, Any]:
    ident, start, end, value = case
    return {"indicator_id": ident, "period_start": start, "period_end": end, "value": value}


def _csv(folder: Path, cases: tuple[tuple[str, str, str, str], ...], name: str = "readings.csv") -> Path:
    path = folder / name
    path.write_text("indicator_id,period_start,period_end,value\n"
                    + "".join(f"{i},{s},{e},{v}\n" for i, s, e, v in cases), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the rule


def _ind(ident: str, measure: MeasureKind) -> Indicator:
    return Indicator(id=ident, name_zh=ident, name_en=ident, domain="d", unit="件", display_unit="件", measure=measure,
                     frequency=Frequency.YEARLY)


def test_the_rule_names_why_and_agrees_with_the_engine() -> None:
    stock = _ind("s", MeasureKind.STOCK)
    reach = Target(id="s-t", indicator_id="s", kind=TargetKind.REACH, comparator=">=", value=12.0,
                   deadline=date(2025, 12, 31), baseline_value=6.3, baseline_date=date(2020, 12, 31))
    span = Reading("s", date(2021, 1, 1), date(2021, 12, 31), 7.0)
    early = Reading("s", date(2019, 12, 31), date(2019, 12, 31), 5.9)
    point = Reading("s", date(2021, 12, 31), date(2021, 12, 31), 7.5)
    at_base = Reading("s", date(2020, 12, 31), date(2020, 12, 31), 6.3)
    assert [(u.target_id, u.code) for u in never_counts(stock, [reach], span)] == [("s-t", "problem.uncounted_stock_span")]
    assert never_counts(stock, [reach], span)[0].reason == "a stock is read at one date; this reading spans 365 days"
    assert [u.code for u in never_counts(stock, [reach], early)] == ["problem.uncounted_before_baseline"]
    assert never_counts(stock, [reach], point) == [] and never_counts(stock, [reach], at_base) == []
    assert never_counts(stock, [], span) == []  # no target: the trend uses any reading
    # The engine skips exactly the readings the rule names, with the same words.
    (a,) = assess(stock, [reach], [span, early, point], date(2026, 1, 1))
    skipped = {s["period_end"]: s["reason"] for s in a.evidence["skipped"]}  # type: ignore[union-attr]
    assert skipped == {"2021-12-31": never_counts(stock, [reach], span)[0].reason,
                       "2019-12-31": "not after the baseline date"}
    assert a.latest == point
    # A second target that can use the reading silences the warning: "no target can ever use it".
    level = Target(id="s-floor", indicator_id="s", kind=TargetKind.THRESHOLD, comparator=">=", value=5.0)
    assert never_counts(stock, [reach, level], early) == []


_KINDS_FOR_EACH = (MeasureKind.STOCK, MeasureKind.FLOW, MeasureKind.CUMULATIVE, MeasureKind.RATIO)
_DAYS = st.dates(min_value=date(2018, 1, 1), max_value=date(2024, 12, 31))


@st.composite
def _batch(draw: st.DrawFn) -> tuple[Indicator, list[Target], list[Reading], list[Reading]]:
    """An indicator, targets of every kind (baselines on year ends, some shared), new readings (some at a
    baseline date, some spanning a year, some a month, some arbitrary) and a context: stored readings and
    some of the new ones."""
    measure = draw(st.sampled_from(_KINDS_FOR_EACH))
    ind = Indicator(id="x", name_zh="x", name_en="x", domain="d", unit="件", display_unit="件", measure=measure,
                    frequency=draw(st.sampled_from([Frequency.YEARLY, Frequency.MONTHLY])),
                    cumulative_since=draw(st.sampled_from([None, date(2018, 1, 1)])))
    year_ends = [date(2020, 12, 31), date(2021, 12, 31)]  # few: readings often end at a baseline date
    targets = []
    for k in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(list(TargetKind)))
        baseline = draw(st.sampled_from([None, *year_ends]))
        targets.append(Target(id=f"t{k}", indicator_id="x", kind=kind, comparator=">=", value=10.0,
                              deadline=draw(st.sampled_from([None, date(2023, 12, 31)])),
                              baseline_value=draw(st.sampled_from([None, 5.0])) if baseline else None,
                              baseline_date=baseline, period=draw(st.sampled_from([None, Frequency.YEARLY])),
                              low=1.0 if kind is TargetKind.RANGE else None,
                              high=20.0 if kind is TargetKind.RANGE else None,
                              tolerance=1.0 if kind is TargetKind.ABOUT else None))

    def reading() -> Reading:
        end = draw(st.sampled_from(year_ends)) if draw(st.booleans()) else draw(_DAYS)
        shape = draw(st.sampled_from(["point", "year", "month", "since", "any"]))
        start = {"point": end, "year": end.replace(month=1, day=1), "month": end.replace(day=1),
                 "since": date(2018, 1, 1)}.get(shape) or draw(st.dates(min_value=date(2017, 1, 1), max_value=end))
        return Reading("x", start, end, draw(st.sampled_from([0.0, 5.0, 7.0])))

    stored = [reading() for _ in range(draw(st.integers(0, 4)))]
    new = [reading() for _ in range(draw(st.integers(1, 8)))]
    # The context: the stored readings and some of the new ones (the caller passes those at baseline dates).
    return ind, targets, new, [*stored, *(r for r in new if draw(st.booleans()))]


@settings(max_examples=300, deadline=None)
@given(_batch())
def test_never_counts_judge_agrees_with_never_counts_reading_by_reading(
    case: tuple[Indicator, list[Target], list[Reading], list[Reading]],
) -> None:
    """The bulk import's form of the rule (the shape once per target) finds what never_counts finds for each
    reading given the others, whether or not a reading ends at a target's baseline date."""
    indicator, targets, new, context = case
    try:
        expected = [never_counts(indicator, targets, r, [o for o in context if o is not r]) for r in new]
    except (ValueError, TypeError):
        return  # a target the engine itself refuses (a combination the catalogue would not accept)
    judge = never_counts_judge(indicator, targets, context)
    assert [judge(r) for r in new] == expected


def test_a_monthly_flow_never_counts_against_yearly_reach_but_counts_provisionally_against_a_yearly_threshold() -> None:
    flow = _ind("f", MeasureKind.FLOW)
    month = Reading("f", date(2021, 3, 1), date(2021, 3, 31), 42000.0)
    reach = Target(id="f-r", indicator_id="f", kind=TargetKind.REACH, comparator="<=", value=5.0,
                   deadline=date(2025, 12, 31), period=Frequency.YEARLY, baseline_value=6.0,
                   baseline_date=date(2020, 12, 31))
    threshold = Target(id="f-t", indicator_id="f", kind=TargetKind.THRESHOLD, comparator="<=", value=9.0,
                       period=Frequency.YEARLY)
    (why,) = never_counts(flow, [reach], month)
    assert why.reason == "covers 31 days, the reference period about 365"
    assert never_counts(flow, [threshold], month) == []
    (a,) = assess(flow, [threshold], [month], date(2022, 1, 1))
    assert a.latest == month and a.provisional  # the engine's own verdict: counted, provisionally
    # A two-year total is longer than any yearly period: no threshold can count it.
    two_years = Reading("f", date(2020, 1, 1), date(2021, 12, 31), 10.0)
    assert [u.code for u in never_counts(flow, [threshold], two_years)] == ["problem.uncounted_longer"]


# ---------------------------------------------------------------- the library


def test_add_reading_warns_and_stores_and_strict_refuses(fyp: Store) -> None:
    for ident, start, end, value in WARNED:
        report = add_reading(fyp, ident, value, end, period_start=start, dry_run=True)
        assert [w.code for w in report.warnings] == ["problem.never_counts"], (ident, start)
        assert report.warnings[0].row is None and report.warnings[0].column == "period_end"
        with pytest.raises(ValidationError) as e:
            add_reading(fyp, ident, value, end, period_start=start, strict=True)
        assert e.value.problems[0].code == "problem.never_counts"
    assert _stored(fyp, "patents") == [] and _stored(fyp, "energy") == []  # strict wrote nothing
    for ident, start, end, value in QUIET:
        assert add_reading(fyp, ident, value, end, period_start=start, strict=True).warnings == []
    report = add_reading(fyp, *MONTHLY_FLOW[:1], MONTHLY_FLOW[3], MONTHLY_FLOW[2], period_start=MONTHLY_FLOW[1])
    assert report.new == 1 and "the reference period about 365" in str(report.warnings[0])


def test_import_rows_and_import_file_locate_each_warning(fyp: Store, tmp_path: Path) -> None:
    cases = (*WARNED, *QUIET)
    small = import_rows(fyp, [_row(c) for c in cases], source_name="batch", dry_run=True)
    bulk = import_file(fyp, _csv(tmp_path, cases), dry_run=True)  # the streaming pipeline (SQL pass)
    # Rows as each path numbers them: the dictionaries from 1, a file as a spreadsheet does (header = 1).
    for report, first in ((small, 1), (bulk, 2)):
        assert [(w.row, w.column, w.code) for w in report.warnings] == [
            (first, "period_end", "problem.never_counts"), (first + 1, "period_end", "problem.never_counts"),
            (first + 2, "period_end", "problem.never_counts")]
        assert report.warnings[0].params["target"] == "patents-12"
        assert report.warnings[1].params["target"] == "energy-cap"
        assert report.warnings[2].params["why"]["code"] == "problem.uncounted_before_baseline"
        assert report.as_dict()["warnings"][0]["code"] == "problem.never_counts"
    with pytest.raises(ValidationError):
        import_file(fyp, _csv(tmp_path, cases), strict=True)
    assert _stored(fyp, "patents") == []
    written = import_file(fyp, _csv(tmp_path, cases))
    assert written.new == len(cases) and len(written.warnings) == 3


@pytest.mark.parametrize("bulk", [False, True], ids=["row-wise", "streaming"])
def test_a_stock_entered_for_a_whole_year_is_stored_at_the_years_end_with_a_note(
    fyp: Store, tmp_path: Path, bulk: bool
) -> None:
    rows = [{"indicator_id": "patents", "period_end": "2021年", "value": "7.5"},
            {"indicator_id": "patents", "period_start": "2022-01-01", "period_end": "2022-12-31", "value": "8.3",
             "note": "年鉴"}]
    if bulk:
        path = tmp_path / "years.csv"
        path.write_text("indicator_id,period_start,period_end,value,note\npatents,,2021年,7.5,\n"
                        "patents,2022-01-01,2022-12-31,8.3,年鉴\n", encoding="utf-8")
        report = import_file(fyp, path)
    else:
        report = import_rows(fyp, rows, source_name="years")
    assert report.warnings == [] and report.new == 2
    assert _stored(fyp, "patents") == [
        (date(2021, 12, 31), date(2021, 12, 31), 7.5,
         "entered for 2021-01-01 to 2021-12-31; a stock is its level at the period's end"),
        (date(2022, 12, 31), date(2022, 12, 31), 8.3,
         "年鉴; entered for 2022-01-01 to 2022-12-31; a stock is its level at the period's end"),
    ]
    (goal,) = statuses(fyp, date(2023, 6, 30), indicator_ids=["patents"], detail=Detail.FULL)
    assert goal.status != "insufficient_data" and goal.latest_value == 8.3


# ---------------------------------------------------------------- the CLI


def _cli(store_path: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--db", str(store_path), *args], catch_exceptions=False)


@pytest.fixture
def fyp_path(fyp: Store, backend: str) -> Path:
    if backend != "file":
        pytest.skip("the CLI cases run on the file store")
    return Path(str(fyp.path))


@pytest.mark.parametrize("case", WARNED, ids=["stock-span", "monthly-flow", "before-baseline"])
def test_monitor_add_warns_and_strict_exits_5(fyp_path: Path, case: tuple[str, str, str, str]) -> None:
    ident, start, end, value = case
    strict = _cli(fyp_path, "add", ident, value, "--period-end", end, "--period-start", start, "--strict")
    assert strict.exit_code == 5 and "counts for no target of this indicator" in strict.output
    added = _cli(fyp_path, "add", ident, value, "--period-end", end, "--period-start", start)
    assert added.exit_code == 0, added.output
    assert "new reading" in added.stdout and "warning: reading, column 'period_end': counts for no target" in added.stderr


def test_monitor_add_is_quiet_for_readings_that_count(fyp_path: Path) -> None:
    for ident, start, end, value in QUIET:
        result = _cli(fyp_path, "add", ident, value, "--period-end", end, "--period-start", start, "--strict")
        assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_monitor_import_csv_lists_warnings_and_strict_writes_nothing(fyp_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path, (*QUIET, *WARNED))
    strict = _cli(fyp_path, "import", str(path), "--strict")
    assert strict.exit_code == 5 and "nothing was imported" in strict.output
    assert _stored(Store(fyp_path), "energy") == []
    dry = _cli(fyp_path, "import", str(path), "--strict", "--dry-run")
    assert dry.exit_code == 5 and "row 5, column 'period_end'" in dry.stderr
    done = _cli(fyp_path, "import", str(path), "--json")
    assert done.exit_code == 0
    report = json.loads(done.stdout)
    assert report["new"] == 6 and [w["row"] for w in report["warnings"]] == [5, 6, 7]
    plain = _cli(fyp_path, "import", str(path))
    assert plain.stderr.count("warning:") == 3 and "row 7, column 'period_end'" in plain.stderr


def test_monitor_catalog_import_yaml_warns_by_entry_and_strict_writes_nothing(fyp_path: Path, tmp_path: Path) -> None:
    doc = json.loads(json.dumps(CATALOG))
    doc["indicators"][0]["readings"] = [
        {"period_start": "2020-12-31", "period_end": "2020-12-31", "value": 6.3},
        {"period_start": "2021-01-01", "period_end": "2021-12-31", "value": 7.5},  # a yearbook's year: year-end
        {"period_start": "2019-12-31", "period_end": "2019-12-31", "value": 5.9},  # before the baseline
        {"period_start": "2022-03-01", "period_end": "2022-09-15", "value": 8.0},  # a stock over a span
    ]
    doc["indicators"][1]["readings"] = [{"period_start": "2021-03-01", "period_end": "2021-03-31", "value": 42000}]
    path = _yaml(tmp_path, doc, "fyp.yaml")
    strict = _cli(fyp_path, "catalog", "import", str(path), "--strict")
    assert strict.exit_code == 5 and "nothing was imported" in strict.output
    assert _stored(Store(fyp_path), "patents") == []
    done = _cli(fyp_path, "catalog", "import", str(path))
    assert done.exit_code == 0, done.output
    assert "readings 5 new" in done.stdout
    lines = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert len(lines) == 3
    assert "indicator 'patents'.readings[2].period_end" in lines[0] and "baseline date 2020-12-31" in lines[0]
    assert "indicator 'patents'.readings[3].period_end" in lines[1] and "a stock is read at one date" in lines[1]
    assert "indicator 'energy'.readings[0].period_end" in lines[2]
    assert (date(2021, 12, 31), date(2021, 12, 31)) in [(s, e) for s, e, _, _ in _stored(Store(fyp_path), "patents")]


# ---------------------------------------------------------------- a refresh (real HTTP on 127.0.0.1)


def test_a_refresh_stores_uncounted_rows_and_records_an_event(fyp: Store, tmp_path: Path) -> None:
    from monitor.services.refresh.alerts import render
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config
    from monitor.store import refresh_queries
    from refresh_helpers import LoopbackServer, Reply, csv_bytes

    body = csv_bytes(*[f"{i},{s},{e},{v},," for i, s, e, v in (*QUIET, *WARNED)])
    with LoopbackServer() as server:
        server.route("/feed.csv", Reply(body=body))
        path = tmp_path / "sources.toml"
        path.write_text(f'[[sources]]\nname = "feed"\nkind = "csv"\nurl = "{server.url("/feed.csv")}"\n'
                        'every = "1h"\ntimeout = "1s"\nretries = 0\n', encoding="utf-8")
        [result] = run_sources(fyp, load_config(path))
    assert result.outcome == "ok" and result.rows_new == 6  # stored: a refresh does not fail for it
    with fyp.read() as con:
        events = [e for e in refresh_queries.list_events(con) if e["kind"] == "readings_uncounted"]
    assert len(events) == 1
    payload = json.loads(events[0]["payload"])
    assert payload["uncounted"] == 3
    assert "feed.csv, row 5, column 'period_end'" in payload["error"] and "a stock is read at one date" in payload["error"]
    assert "before the target's baseline date 2020-12-31" in payload["error"]
    title, _, plain = render(events[0], "en")
    assert title == "Readings stored that count for no target: feed" and "row 7" in plain


# ---------------------------------------------------------------- `monitor check`


def test_monitor_check_lists_readings_that_count_for_no_target_by_indicator_and_reason(
    fyp_path: Path, tmp_path: Path
) -> None:
    assert "readings that count for no target: none" in _cli(fyp_path, "check").stdout
    import_file(Store(fyp_path), _csv(tmp_path, (*QUIET, *WARNED)))
    result = _cli(fyp_path, "check")
    assert result.exit_code == 0, result.output  # a note, not a failure
    assert "note  readings that count for no target: 3, listed below" in result.stdout
    lines = [line.strip() for line in result.stdout.splitlines() if line.startswith("      ")]
    assert lines == [
        "energy: target energy-cap: covers 31 days, the reference period about 365 — 1 reading(s): 2021-03-01..2021-03-31",
        "patents: target patents-12: a stock is read at one date; this reading spans 199 days — 1 reading(s): "
        "2021-03-01..2021-09-15",
        "patents: target patents-12: ends 2019-12-31, before the target's baseline date 2020-12-31 — 1 reading(s): "
        "2019-12-31",
    ]


# ---------------------------------------------------------------- the dashboard (AppTest)


@pytest.fixture
def app_db(fyp: Store, backend: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    if backend != "file":
        pytest.skip("the dashboard cases run on the file store")
    monkeypatch.setenv("MONITOR_DB", str(fyp.path))
    return fyp


@pytest.mark.parametrize(("lang", "note", "why"), [
    ("zh", "不会计入该指标的任何目标", "早于目标的基期 2020-12-31"),
    ("en", "counts for no target of the indicator", "before the target's baseline date 2020-12-31"),
])
def test_the_form_says_before_save_that_a_reading_counts_for_no_target(
    app_db: Store, lang: str, note: str, why: str
) -> None:
    from app_helpers import open_app

    at = open_app("add_reading.py", lang=lang, indicator="patents")
    at.date_input(key="add_day").set_value(date(2019, 12, 31))
    at.text_input(key="add_value").input("5.9").run()
    assert any(note in w.value for w in at.warning), [w.value for w in at.warning]
    assert any(why in m.value for m in at.markdown)
    at.button(key="add_submit").click().run()  # Save still stores it
    assert not at.error and _stored(app_db, "patents")[0][:3] == (date(2019, 12, 31), date(2019, 12, 31), 5.9)
    # A year-end reading counts: no note.
    at.date_input(key="add_day").set_value(date(2021, 12, 31))
    at.text_input(key="add_value").input("7.5").run()
    assert not any(note in w.value for w in at.warning)


def test_the_form_warns_about_a_month_of_a_flow_whose_target_compares_years(app_db: Store) -> None:
    from app_helpers import open_app

    at = open_app("add_reading.py", lang="en", indicator="energy")
    at.selectbox(key="add_kind_energy").set_value("month").run()
    at.number_input(key="add_year").set_value(2021).run()
    at.selectbox(key="add_month").set_value(3)
    at.text_input(key="add_value").input("42000").run()
    assert any("the reference period about 365" in m.value for m in at.markdown)


@pytest.mark.parametrize(("lang", "heading", "why"), [
    ("zh", "未计入此目标的读数", "2019年12月31日：5.9件/万人 —— 不晚于基期"),
    ("en", "Readings this goal does not count", "31 Dec 2019: 5.9 件/万人 — not after the baseline date"),
])
def test_the_goal_page_shows_the_skipped_readings_and_why(app_db: Store, lang: str, heading: str, why: str) -> None:
    from app_helpers import open_app

    import_rows(app_db, [_row(FINE), _row(BEFORE_BASELINE), _row(STOCK_SPAN)], source_name="t")
    at = open_app("goal.py", lang=lang, goal="patents")
    shown = " ".join(m.value for m in at.markdown)
    assert heading in shown and why in shown
    assert ("存量指标按时点计" if lang == "zh" else "a stock is read at one date") in shown


def test_the_import_page_lists_rows_that_count_for_no_target(app_db: Store) -> None:
    from app_helpers import open_app

    body = ("indicator_id,period_start,period_end,value\n"
            + "".join(f"{i},{s},{e},{v}\n" for i, s, e, v in (FINE, BEFORE_BASELINE))).encode()
    at = open_app("import_page.py", lang="zh")
    at.file_uploader(key="imp_file").set_value(("years.csv", body, "text/csv")).run()
    assert any("1 行数据有效，但不会计入" in w.value for w in at.warning)
    assert any("第 3 行：此读数不会计入该指标的任何目标" in m.value for m in at.markdown)


def test_the_import_warnings_are_in_row_order_and_stop_at_the_kept_count(fresh_db: Store) -> None:
    """uncounted_problems walks the rows in order and stops at the ``kept``-th finding (a back-fill before a
    baseline has 100,000s): the first ``kept`` of every finding, whatever the indicators' order; rows of
    indicators without a target are never warned about."""
    from monitor.files.ingest.uncounted import uncounted_problems

    racks, untargeted = "compute-racks", "air-pollution-special-funds"  # seeded: racks' baseline 2025-06-30
    rows = [(2, racks, date(2024, 12, 31), date(2024, 12, 31)), (3, racks, date(2025, 12, 31), date(2025, 12, 31)),
            (4, untargeted, date(2024, 12, 31), date(2024, 12, 31)), (5, racks, date(2023, 12, 31), date(2023, 12, 31)),
            (6, racks, date(2026, 1, 1), date(2026, 6, 30)), (8, racks, date(2022, 12, 31), date(2022, 12, 31))]
    with fresh_db.read() as con:
        every = uncounted_problems(con, "f.csv", rows)
        assert [(p.row, p.params["why"]["code"]) for p in every] == [
            (2, "problem.uncounted_before_baseline"), (5, "problem.uncounted_before_baseline"),
            (6, "problem.uncounted_stock_span"), (8, "problem.uncounted_before_baseline")]
        for kept in range(6):
            assert uncounted_problems(con, "f.csv", rows, kept) == every[:kept]
