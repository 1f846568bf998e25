"""Editing the catalogue one change at a time (monitor.present.catalog_edit): the library on real stores,
the CLI commands, the dashboard's catalogue page in AppTest, and the overview's document filter."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner, Result

from app_helpers import open_app, overview_frame
from monitor import clock
from monitor.cli import main
from monitor.errors import NotFound, ValidationError
from monitor.files.catalog import export_catalog, import_catalog, load_catalog, parse_catalog
from monitor.present import catalog_edit
from monitor.present.overview import load_overview
from monitor.present.views import indicator_rows
from monitor.services.auth import ENV_VAR, hash_password
from monitor.status import Detail, statuses
from monitor.store import catalog_queries, queries, schema
from monitor.store.connection import Store

TODAY = clock.today()
LATER = TODAY + timedelta(days=400)

BIKE = {
    "id": "bike-lanes", "name_zh": "自行车道里程", "name_en": "Bike lanes", "domain": "tourism", "unit": "公里",
    "display_unit": "公里", "measure": "stock", "direction": "increase", "frequency": "yearly",
    "responsible": "市交通局",
}


def records(store: Store, as_of: date = TODAY) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(r.indicator_id, r.target_id): r.as_dict() for r in statuses(store, as_of, detail=Detail.BRIEF)}


def codes(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str | None, str]]:
    return [(p.column, p.code) for p in error.value.problems]


# ---------------------------------------------------------------- the library


def test_add_an_indicator_then_a_target_then_a_new_version(cat_db: Store) -> None:
    indicator = catalog_edit.add_indicator(cat_db, BIKE, "alice")
    assert indicator.name_en == "Bike lanes" and indicator.responsible == "市交通局"
    assert "bike-lanes" in {r["id"] for r in indicator_rows(cat_db)}

    first = catalog_edit.add_target(
        cat_db, "bike-lanes", "reach",
        {"comparator": ">=", "value": "120", "baseline_value": "80", "baseline_date": date(2025, 1, 1),
         "deadline": LATER},
        "alice", reason="from the plan",
    )
    assert (first.id, first.version, first.value, first.note) == ("bike-lanes-1", 1, 120.0, "from the plan")
    second = catalog_edit.add_target(
        cat_db, "bike-lanes", "reach",
        {"comparator": ">=", "value": "150", "baseline_value": "80", "baseline_date": date(2025, 1, 1),
         "deadline": LATER},
        "bob", target_id="bike-lanes-1", reason="raised by the mid-term review",
    )
    assert (second.version, second.value, second.note) == (2, 150.0, "raised by the mid-term review")
    with cat_db.read() as con:
        history = [t for t in queries.list_targets(con, history=True) if t.id == "bike-lanes-1"]
        who = catalog_queries.recorded_by(con, "bike-lanes-1")
    assert [(t.version, t.value) for t in history] == [(1, 120.0), (2, 150.0)], "the old version is kept"
    assert who == {1: "alice", 2: "bob"}
    assert records(cat_db)[("bike-lanes", "bike-lanes-1")]["target_value"] == 150.0, "the new version is in force"

    log = catalog_edit.change_rows(cat_db, "bike-lanes")
    assert [(c["what"], c["changed_by"], c["reason"]) for c in log] == [
        ("target_version", "bob", "raised by the mid-term review"),
        ("target_version", "alice", "from the plan"),
        ("indicator_added", "alice", None),
    ]
    assert log[0]["details"]["version"] == 2 and log[0]["details"]["value"] == 150.0
    stamp = datetime.fromisoformat(log[0]["changed_at"])
    assert abs(stamp - datetime.utcnow()) < timedelta(hours=1), "when: UTC"


def test_a_value_is_typed_in_the_display_unit_and_stored_in_base_units(cat_db: Store) -> None:
    # racks: stored in 架, shown in 万架; the form's defaults are the stored version in 万架
    indicator, targets = catalog_edit.indicator_targets(cat_db, "racks")
    shown = catalog_edit.target_values(targets[0], indicator)
    assert shown["value"] == "5" and shown["baseline_value"] == "2.3"
    assert shown["deadline_earliest"] == date(2028, 6, 30) and shown["deadline"] == date(2030, 6, 30)
    changed = catalog_edit.add_target(cat_db, "racks", "reach", {**shown, "value": "6"}, "alice",
                                      target_id="racks-50k", reason="the plan was raised")
    assert changed.value == 60000.0 and changed.baseline_value == 23000.0
    assert changed.deadline_earliest == date(2028, 6, 30), "the deadline window is kept"
    assert changed.provenance is not None and changed.provenance.source == "test-source", "where the goal comes from"


def test_a_version_in_force_later_leaves_the_old_one_in_force_until_then(cat_db: Store) -> None:
    catalog_edit.add_target(cat_db, "good-air-share", "threshold", {"comparator": ">=", "value": "95", "period": "yearly"},
                            "alice", target_id="good-air-90", reason="stricter from next year", valid_from=LATER)
    assert records(cat_db)[("good-air-share", "good-air-90")]["target_value"] == 90.0
    assert records(cat_db, LATER)[("good-air-share", "good-air-90")]["target_value"] == 95.0


def test_refused_changes_say_where_and_why_and_write_nothing(cat_db: Store) -> None:
    with cat_db.read() as con:
        before = queries.count_rows(con)
    logged = catalog_edit.change_rows(cat_db)
    with pytest.raises(ValidationError) as taken:
        catalog_edit.add_indicator(cat_db, {**BIKE, "id": "racks"}, "alice")
    assert ("indicator 'racks'.id", "problem.indicator_exists") in codes(taken)
    with pytest.raises(ValidationError) as bad:
        catalog_edit.add_indicator(cat_db, {**BIKE, "id": "Bike Lanes", "domain": "nowhere", "name_en": ""}, "alice")
    found = codes(bad)
    assert ("indicator 'Bike Lanes'.id", "problem.slug") in found
    assert ("indicator 'Bike Lanes'.domain", "problem.one_of") in found
    assert ("indicator 'Bike Lanes'.name_en", "problem.required") in found
    with pytest.raises(ValidationError) as target:
        catalog_edit.add_target(cat_db, "racks", "reach", {"comparator": "=>", "value": "lots"}, "alice")
    found = codes(target)
    assert ("indicator 'racks'.targets[0].value", "problem.not_a_number") in found
    assert ("indicator 'racks'.targets[0].comparator", "problem.one_of") in found
    assert ("indicator 'racks'.targets[0].deadline", "problem.deadline_needed") in found
    with pytest.raises(ValidationError) as no_reason:
        catalog_edit.add_target(cat_db, "good-air-share", "threshold", {"comparator": ">=", "value": "95"}, "alice",
                                target_id="good-air-90", reason="  ")
    assert codes(no_reason) == [("reason", "problem.required")]
    with pytest.raises(ValidationError) as above:
        catalog_edit.add_target(cat_db, "good-air-share", "threshold", {"comparator": ">=", "value": "120"}, "alice",
                                target_id="good-air-90", reason="typo")
    assert ("indicator 'good-air-share'.targets[0].value", "problem.catalog_above_max") in codes(above)
    with pytest.raises(ValidationError) as same:
        catalog_edit.add_target(cat_db, "good-air-share", "threshold",
                                {"comparator": ">=", "value": "90", "period": "yearly"}, "alice",
                                target_id="good-air-90", reason="no change")
    assert [p.code for p in same.value.problems] == ["problem.target_unchanged"]
    with pytest.raises(NotFound):
        catalog_edit.add_target(cat_db, "nowhere", "reach", {}, "alice")
    with pytest.raises(ValidationError) as no_why:
        catalog_edit.retire_indicator(cat_db, "racks", "", "alice")
    assert codes(no_why) == [("reason", "problem.required")]
    with cat_db.read() as con:
        assert queries.count_rows(con) == before
    assert catalog_edit.change_rows(cat_db) == logged


def test_every_target_kind_of_the_form_is_a_kind_the_loader_reads() -> None:
    # The form is data: each kind's fields are known fields, and a complete entry of each kind parses.
    complete = {"comparator": ">=", "value": 1, "baseline": {"value": 0.5, "date": date(2025, 1, 1)},
                "deadline": date(2030, 12, 31), "period": "yearly", "method": "linear", "low": 0.5, "high": 2,
                "tolerance": 0.1, "change": {"relative": 10}, "rate": 7, "nature": "binding"}
    for kind, names in catalog_edit.TARGET_FORMS.items():
        assert set(names) <= set(catalog_edit.TARGET_FIELDS), kind
        item: dict[str, Any] = {"kind": kind}
        for name in names:
            top = catalog_edit.TARGET_FIELDS[name].path.split(".")[0]
            if top in complete:
                item[top] = complete[top]
        if kind == "threshold":
            item.pop("deadline", None)
        entry = {"id": "x", "name_zh": "x", "name_en": "x", "domain": "tourism", "unit": "元", "measure": "stock",
                 "targets": [item]}
        assert parse_catalog({"indicators": [entry]}, "form").targets[0].kind.value == kind


@pytest.mark.parametrize(("kind", "values", "stated"), [
    ("range", {"low": "4.5", "high": "5", "deadline": LATER, "period": "yearly"}, {"low": 4.5, "high": 5.0}),
    ("about", {"value": "2", "tolerance": "0.3", "nature": "binding"}, {"value": 2.0, "tolerance": 0.3}),
    ("change", {"change_relative": "-13.5", "baseline_value": "80", "baseline_date": date(2025, 12, 31),
                "deadline": LATER}, {"comparator": "<="}),
    ("change", {"change_factor": "2", "baseline_date": date(2025, 12, 31), "deadline": LATER}, {"comparator": ">="}),
    ("change", {"change_absolute": "1", "baseline_value": "80", "baseline_date": date(2025, 12, 31),
                "deadline": LATER, "comparator_default": ">"}, {"comparator": ">"}),
    ("average_growth", {"rate": "7", "baseline_value": "80", "baseline_date": date(2025, 12, 31), "deadline": LATER},
     {"rate": 7.0, "comparator": ">="}),
], ids=["range", "about", "relative", "factor", "absolute", "growth"])
def test_the_page_adds_every_target_form_and_its_new_version_starts_from_it(
        cat_db: Store, kind: str, values: dict[str, Any], stated: dict[str, Any]) -> None:
    # Issue 16: the forms of Chinese plans are entered without YAML, stored as stated, and judged.
    catalog_edit.add_indicator(cat_db, {**BIKE, "unit": "%", "display_unit": "%", "measure": "ratio"}, "alice")
    target = catalog_edit.add_target(cat_db, "bike-lanes", kind, values, "alice")
    assert target.kind.value == kind
    assert {k: getattr(target, k) for k in stated} == stated
    assert target.nature.value == values.get("nature", "expected")
    assert (target.period.value if target.period else None) == values.get("period"), "a yearly range stays yearly"
    if kind == "change":
        assert target.change is not None
    assert records(cat_db)[("bike-lanes", target.id)]["status"] is not None, "the engine judges it"
    indicator, [stored] = catalog_edit.indicator_targets(cat_db, "bike-lanes")
    shown = catalog_edit.target_values(stored, indicator)
    with pytest.raises(ValidationError) as same:  # its own fields, shown again, are the same goal
        catalog_edit.add_target(cat_db, "bike-lanes", kind, shown, "bob", target_id=target.id, reason="again")
    assert codes(same)[-1][1] == "problem.target_unchanged"


def test_a_retired_indicator_leaves_statuses_and_lists_but_stays_in_the_history(cat_db: Store) -> None:
    readings_before = [r for r in _readings(cat_db) if r.indicator_id == "racks"]
    retirement = catalog_edit.retire_indicator(cat_db, "racks", "merged into compute-capacity", "alice")
    assert retirement.date == clock.today()
    assert [r for r in _readings(cat_db) if r.indicator_id == "racks"] == readings_before, "the readings are kept"

    listed = {r["id"] for r in indicator_rows(cat_db)}
    assert "racks" not in listed and "visits" in listed
    everything = {r["id"]: r for r in indicator_rows(cat_db, include_retired=True)}
    assert everything["racks"]["retired_reason"] == "merged into compute-capacity"
    goals, rows = load_overview(cat_db, TODAY, "en")
    assert "racks" not in {r["indicator_id"] for r in goals} | {r["indicator_id"] for r in rows}
    _, all_rows = load_overview(cat_db, TODAY, "en", include_retired=True)
    assert "racks" in {r["indicator_id"] for r in all_rows}

    with pytest.raises(ValidationError) as twice:
        catalog_edit.retire_indicator(cat_db, "racks", "again", "bob")
    assert [p.code for p in twice.value.problems] == ["problem.already_retired"]
    logged = catalog_edit.change_rows(cat_db, "racks")[0]
    assert (logged["what"], logged["changed_by"], logged["reason"]) == ("indicator_retired", "alice",
                                                                        "merged into compute-capacity")

    # The export keeps it, with `retired`, and imports again as it is (nothing changes, nothing is logged).
    text = export_catalog(cat_db)
    entry = next(e for e in yaml.safe_load(text)["indicators"] if e["id"] == "racks")
    assert entry["retired"] == {"date": retirement.date, "reason": "merged into compute-capacity"}
    catalog = parse_catalog(yaml.safe_load(text), "export.yaml")
    assert catalog.retired["racks"] == retirement
    logged_before = len(catalog_edit.change_rows(cat_db))
    result = import_catalog(cat_db, catalog, changed_by="carol")
    assert result["indicators_changed"] == result["targets_revised"] == 0
    assert len(catalog_edit.change_rows(cat_db)) == logged_before
    assert catalog_edit.retired_ids(cat_db) == {"racks"}


def _readings(store: Store) -> list[Any]:
    with store.read() as con:
        return queries.list_readings(con, history=True)


def test_a_catalogue_import_logs_its_changes_and_may_follow_an_indicator_again(cat_db: Store, tmp_path: Path) -> None:
    catalog_edit.retire_indicator(cat_db, "visits", "no longer published", "alice")
    before = len(catalog_edit.change_rows(cat_db))
    changed = tmp_path / "changed.yaml"
    text = Path(__file__).parent.joinpath("fixtures", "catalog.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("value: 50000", "value: 60000").replace("responsible: 市文旅广电局", "responsible: 市文旅局"),
                       encoding="utf-8")
    import_catalog(cat_db, load_catalog(changed), recorded_by="catalog:changed.yaml", changed_by="dora")
    rows = catalog_edit.change_rows(cat_db)
    new = rows[: len(rows) - before]
    found = {(c["what"], c["indicator_id"], c["changed_by"]) for c in new}
    assert found == {("indicator_changed", "visits", "dora"), ("target_version", "racks", "dora")}
    changes = [c["details"]["changed"] for c in new if c["what"] == "indicator_changed"]
    merged = {k: v for c in changes for k, v in c.items()}
    assert merged["responsible"] == ["市文旅广电局", "市文旅局"]
    assert merged["retired"][0]["reason"] == "no longer published" and merged["retired"][1] is None
    assert catalog_edit.retired_ids(cat_db) == set(), "a catalogue entry without `retired` is followed"
    with cat_db.read() as con:
        assert catalog_queries.recorded_by(con, "racks-50k")[2] == "dora"


def test_migration_6_comes_to_a_store_of_version_4(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        schema.migrate(con, up_to=4)
    store = Store(path)
    assert catalog_edit.change_rows(store) == [] and catalog_edit.retired_ids(store) == set()
    assert 6 in store.init()
    with store.read() as con:
        columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'indicator'").fetchall()}
    assert {"retired_on", "retired_reason"} <= columns


# ---------------------------------------------------------------- the CLI


def run(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(main, ["--db", str(db), *args])


@pytest.fixture
def cat_path(cat_db: Store, db_path: Path) -> Path:
    cat_db.close()
    return db_path


def test_a_view_of_a_day_before_the_retirement_still_shows_the_goal(runner: CliRunner, cat_path: Path) -> None:
    """Retired as of a date: statuses of earlier days (`status --as-of`, the overview at a date, the
    report) keep the goal that was followed then; from that day on it is left out."""
    from datetime import timedelta

    day = clock.today() - timedelta(days=10)
    assert run(runner, cat_path, "catalog", "retire", "racks", "--reason", "merged", "--date", day.isoformat()).exit_code == 0
    before = json.loads(run(runner, cat_path, "status", "--json", "--as-of", (day - timedelta(days=1)).isoformat()).stdout)
    on = json.loads(run(runner, cat_path, "status", "--json", "--as-of", day.isoformat()).stdout)
    assert "racks" in {g["indicator_id"] for g in before}
    assert "racks" not in {g["indicator_id"] for g in on}
    store = Store(cat_path)
    try:
        _, rows = load_overview(store, day - timedelta(days=1), "en")
        assert "racks" in {r["indicator_id"] for r in rows}
        _, rows = load_overview(store, clock.today(), "en")
        assert "racks" not in {r["indicator_id"] for r in rows}
        assert catalog_edit.retired_ids(store, day - timedelta(days=1)) == set()
        assert catalog_edit.retired_ids(store, day) == {"racks"}
    finally:
        store.close()


def test_cli_retire_and_changes(runner: CliRunner, cat_path: Path) -> None:
    done = run(runner, cat_path, "catalog", "retire", "racks", "--reason", "merged", "--by", "erin")
    assert done.exit_code == 0, done.output
    assert "racks: retired as of" in done.output
    listed = json.loads(run(runner, cat_path, "indicators", "--json").stdout)
    assert "racks" not in {r["id"] for r in listed}
    listed = json.loads(run(runner, cat_path, "indicators", "--json", "--include-retired").stdout)
    assert {r["id"]: r["retired_reason"] for r in listed}["racks"] == "merged"
    goals = json.loads(run(runner, cat_path, "status", "--json").stdout)
    assert "racks" not in {g["indicator_id"] for g in goals}
    goals = json.loads(run(runner, cat_path, "status", "--json", "--include-retired").stdout)
    assert "racks" in {g["indicator_id"] for g in goals}
    assert "Standard racks" not in run(runner, cat_path, "status", "--lang", "en").stdout
    assert "Standard racks" in run(runner, cat_path, "status", "--lang", "en", "--include-retired").stdout

    log = json.loads(run(runner, cat_path, "catalog", "changes", "--json").stdout)
    assert (log[0]["what"], log[0]["indicator_id"], log[0]["changed_by"], log[0]["reason"]) == (
        "indicator_retired", "racks", "erin", "merged")
    table = run(runner, cat_path, "catalog", "changes", "--indicator", "racks")
    assert table.exit_code == 0 and "indicator_retired" in table.stdout and "erin" in table.stdout

    again = run(runner, cat_path, "catalog", "retire", "racks", "--reason", "again")
    assert again.exit_code == 5 and "retired on" in again.stderr
    unknown = run(runner, cat_path, "catalog", "retire", "nowhere", "--reason", "x")
    assert unknown.exit_code == 3 and "unknown indicator 'nowhere'" in unknown.stderr
    assert run(runner, cat_path, "catalog", "retire", "visits").exit_code == 2, "--reason is required"
    assert run(runner, cat_path, "catalog", "retire", "visits", "--reason", "x", "--date", "soon").exit_code == 2


def test_cli_catalog_import_records_who(runner: CliRunner, cat_path: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.yaml"
    text = Path(__file__).parent.joinpath("fixtures", "catalog.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("value: 50000", "value: 60000"), encoding="utf-8")
    assert run(runner, cat_path, "catalog", "import", str(changed)).exit_code == 0
    log = json.loads(run(runner, cat_path, "catalog", "changes", "--json").stdout)
    assert (log[0]["what"], log[0]["target_id"], log[0]["changed_by"]) == ("target_version", "racks-50k", "catalog import")
    changed.write_text(text.replace("value: 50000", "value: 70000"), encoding="utf-8")
    assert run(runner, cat_path, "catalog", "import", str(changed), "--by", "frank").exit_code == 0
    log = json.loads(run(runner, cat_path, "catalog", "changes", "--json").stdout)
    assert log[0]["changed_by"] == "frank" and log[0]["details"]["version"] == 3


# ---------------------------------------------------------------- the document filter


TWO_DOCUMENTS = """
format: indicator-monitor/catalog v1
sources:
  - {id: plan-2026, kind: plan, title: 十五五规划纲要, title_en: 15th Five-Year Plan, date: 2026-03-01}
  - {id: report-2026, kind: work_report, title: 政府工作报告, title_en: Government work report, date: 2026-01-20}
indicators:
  - id: visits
    name_zh: 全市接待游客人次
    name_en: Tourist visits received
    domain: tourism
    unit: 人次
    display_unit: 万人次
    measure: flow
    frequency: monthly
    bounds: [0, null]
    targets:
      - id: visits-plan
        kind: threshold
        comparator: ">="
        value: 10000000
        period: yearly
        quote: 年接待游客1000万人次以上
        source: plan-2026
"""


def test_the_overview_and_status_filter_by_document(cat_db: Store, runner: CliRunner, db_path: Path) -> None:
    import_catalog(cat_db, parse_catalog(yaml.safe_load(TWO_DOCUMENTS), "two.yaml"))
    _, rows = load_overview(cat_db, TODAY, "en", source="plan-2026")
    assert [(r["indicator_id"], r["target_id"]) for r in rows] == [("visits", "visits-plan")]
    _, rows = load_overview(cat_db, TODAY, "en", source="test-source")
    assert {r["target_id"] for r in rows} == {"good-air-90", "racks-50k"}
    _, rows = load_overview(cat_db, TODAY, "en", source="report-2026")
    assert rows == []
    with pytest.raises(NotFound, match="unknown source document 'nowhere'") as unknown:
        load_overview(cat_db, TODAY, "en", source="nowhere")
    assert "plan-2026" in str(unknown.value) and "report-2026" in str(unknown.value)

    cat_db.close()
    goals = json.loads(run(runner, db_path, "status", "--json", "--source", "plan-2026").stdout)
    assert [(g["indicator_id"], g["target_id"]) for g in goals] == [("visits", "visits-plan")]
    table = run(runner, db_path, "status", "--lang", "en", "--source", "test-source")
    assert table.exit_code == 0 and "Standard racks" in table.stdout and "Tourist visits" not in table.stdout
    bad = run(runner, db_path, "status", "--source", "nowhere")
    assert bad.exit_code == 2
    assert "'nowhere' is not a source document" in bad.stderr and "plan-2026" in bad.stderr
    assert "Traceback" not in bad.output


# ---------------------------------------------------------------- the page


@pytest.fixture
def app_db(cat_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    return cat_db


def test_the_page_adds_an_indicator_a_target_a_version_and_retires(app_db: Store) -> None:
    at = open_app("catalog_page.py", lang="en")
    assert not at.error and [tab.label for tab in at.tabs] == ["Add indicator", "Targets", "Retire indicator", "Change log"]
    for name, value in (("id", "bike-lanes"), ("name_zh", "自行车道里程"), ("name_en", "Bike lanes"), ("unit", "公里")):
        at.text_input(key=f"cat_ind_{name}").set_value(value)
    at.selectbox(key="cat_ind_domain").set_value("tourism")
    at.selectbox(key="cat_ind_measure").set_value("stock")
    at.button(key="cat_ind_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Indicator bike-lanes added."]

    at.selectbox(key="cat_tgt_indicator").set_value("bike-lanes").run()
    suffix = "bike-lanes__reach"
    at.selectbox(key=f"cat_tgt_comparator_{suffix}").set_value(">=")
    at.text_input(key=f"cat_tgt_value_{suffix}").set_value("120")
    at.date_input(key=f"cat_tgt_deadline_{suffix}").set_value(LATER)
    at.button(key="cat_tgt_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Target bike-lanes-1 saved (version 1)."]

    at.selectbox(key="cat_tgt_which_bike-lanes").set_value("bike-lanes-1").run()
    suffix = "bike-lanes_bike-lanes-1_reach"
    assert at.text_input(key=f"cat_tgt_value_{suffix}").value == "120", "the form starts from the version in force"
    at.text_input(key=f"cat_tgt_value_{suffix}").set_value("150")
    at.button(key="cat_tgt_submit").click().run()
    assert any("Reason: is required" in e.value for e in at.error), "a change needs a reason"
    at.text_input(key=f"cat_tgt_reason_{suffix}").set_value("raised")
    at.button(key="cat_tgt_submit").click().run()
    assert [s.value for s in at.success] == ["Target bike-lanes-1 saved (version 2)."]

    at.selectbox(key="cat_ret_indicator").set_value("bike-lanes")
    at.text_input(key="cat_ret_reason").set_value("counted elsewhere")
    at.button(key="cat_ret_submit").click().run()
    assert [e.value for e in at.error] == ["Tick the confirmation to retire the indicator."]
    assert catalog_edit.retired_ids(app_db) == set()
    at.checkbox(key="cat_ret_confirm").check()
    at.button(key="cat_ret_submit").click().run()
    assert not at.error
    assert catalog_edit.retired_ids(app_db) == {"bike-lanes"}

    log = at.dataframe[-1].value  # the change log, on the last tab
    assert list(log["Change"])[:4] == ["indicator retired", "target version", "target version", "indicator added"]
    assert set(log["Who"][:4]) == {"dashboard"} and list(log["Reason"])[:2] == ["counted elsewhere", "raised"]
    with app_db.read() as con:
        assert catalog_queries.recorded_by(con, "bike-lanes-1") == {1: "dashboard", 2: "dashboard"}


def test_the_page_shows_refusals_as_plain_text(app_db: Store) -> None:
    at = open_app("catalog_page.py", lang="zh")
    at.text_input(key="cat_ind_id").set_value("**racks**")
    at.button(key="cat_ind_submit").click().run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith("未能新增指标")
    assert "\\*\\*racks\\*\\*" in shown, "the input is escaped, never markup"
    assert "必须填写" in shown, "in the reader's language"
    with app_db.read() as con:
        assert "**racks**" not in queries.indicator_ids(con)


def test_the_page_is_listed_only_for_an_editor(app_db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, hash_password("editor pass"))
    at = open_app("overview.py", lang="en")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("catalog_page.py")  # not listed before signing in
    at.sidebar.text_input(key="editor_password").set_value("editor pass")
    at.sidebar.button[0].click().run()
    at.switch_page("catalog_page.py").run()
    assert not at.exception
    assert at.text_input(key="cat_ind_id"), "listed once signed in"


def test_the_overview_page_filters_by_document_and_shows_retired_on_request(app_db: Store) -> None:
    import_catalog(app_db, parse_catalog(yaml.safe_load(TWO_DOCUMENTS), "two.yaml"))
    catalog_edit.retire_indicator(app_db, "racks", "merged", "alice")
    at = open_app("overview.py", lang="en")
    names = set(overview_frame(at)["name"])
    assert "Standard racks" not in names and "Tourist visits received" in names
    at.toggle(key="ov_retired").set_value(True).run()
    assert "Standard racks" in set(overview_frame(at)["name"])
    document = at.selectbox(key="ov_source")
    # by their titles, oldest document first
    assert document.options == ["test-source", "Government work report", "15th Five-Year Plan"]
    document.set_value("plan-2026").run()
    assert list(overview_frame(at)["name"]) == ["Tourist visits received"]
    chinese = open_app("overview.py", lang="zh")
    assert chinese.selectbox(key="ov_source").label == "来源文件"
    assert "十五五规划纲要" in chinese.selectbox(key="ov_source").options


def test_a_retired_indicator_causes_no_refresh_events(cat_db: Store) -> None:
    from monitor.services.refresh.run import current_statuses

    assert "racks" in {r["indicator_id"] for r in current_statuses(cat_db, TODAY).values()}
    catalog_edit.retire_indicator(cat_db, "racks", "merged", "alice")
    assert "racks" not in {r["indicator_id"] for r in current_statuses(cat_db, TODAY).values()}
