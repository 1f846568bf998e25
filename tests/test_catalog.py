"""The catalogue file: loading, validation with locations, versions of targets, export round-trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import Problem, ValidationError
from monitor.files.catalog import dump_catalog, export_catalog, import_catalog, init_store, load_catalog, parse_catalog
from monitor.model import Provenance, Reading
from monitor.store import queries
from monitor.store.connection import Store

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"


def document() -> dict[str, Any]:
    return yaml.safe_load(CATALOG.read_text(encoding="utf-8"))


def entry(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(i for i in doc["indicators"] if i["id"] == ident)


def save(tmp_path: Path, doc: dict[str, Any], name: str = "cat.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        load_catalog(path)
    return caught.value.problems


# ---------------------------------------------------------------- loading


def test_loads_what_the_file_says() -> None:
    doc = document()
    catalog = load_catalog(CATALOG)
    assert [i.id for i in catalog.indicators] == [i["id"] for i in doc["indicators"]]
    racks = next(i for i in catalog.indicators if i.id == "racks")
    assert (racks.unit, racks.display_unit, racks.lower_bound, racks.upper_bound) == ("架", "万架", 0.0, None)
    share = next(i for i in catalog.indicators if i.id == "good-air-share")
    assert share.display_unit == share.unit == "%"  # display_unit defaults to unit
    funds = next(i for i in catalog.indicators if i.id == "special-funds")
    assert (funds.cumulative_since, funds.publication_lag_days) == (date(2021, 1, 1), 60)
    target = next(t for t in catalog.targets if t.id == "racks-50k")
    raw = entry(doc, "racks")["targets"][0]
    assert (target.value, target.baseline_value, target.deadline_earliest, target.deadline) == (
        raw["value"], raw["baseline"]["value"], raw["deadline"]["earliest"], raw["deadline"]["latest"]
    )
    assert target.provenance == Provenance(raw["quote"], doc["source"]["id"], doc["source"]["date"], raw["speaker"], raw["office"])
    stock = next(r for r in catalog.readings if r.indicator_id == "racks")
    assert stock.period_start == stock.period_end == entry(doc, "racks")["readings"][0]["period_end"]
    assert stock.source == doc["source"]["id"]


def test_seed_file_loads() -> None:
    catalog = load_catalog()  # data/briefing.yaml
    assert catalog.indicators and catalog.source


def test_default_target_id(tmp_path: Path) -> None:
    doc = document()
    del entry(doc, "racks")["targets"][0]["id"]
    catalog = load_catalog(save(tmp_path, doc))
    assert "racks-1" in {t.id for t in catalog.targets}


# ---------------------------------------------------------------- errors name file, entry and field


def _break(doc: dict[str, Any], how: str) -> None:
    racks = entry(doc, "racks")
    target = racks["targets"][0]
    if how == "comparator":
        target["comparator"] = "=>"
    elif how == "measure":
        racks["measure"] = "level"
    elif how == "window":
        target["deadline"] = {"earliest": date(2031, 1, 1), "latest": date(2030, 6, 30)}
    elif how == "duplicate-indicator":
        doc["indicators"].append(dict(racks, targets=[], readings=[]))
    elif how == "duplicate-target":
        entry(doc, "good-air-share")["targets"][0]["id"] = "racks-50k"
    elif how == "reading-bounds":
        entry(doc, "good-air-share")["readings"] = [{"period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31), "value": 101}]
    elif how == "target-bounds":
        entry(doc, "good-air-share")["targets"][0]["value"] = 900
    elif how == "negative-count":
        racks["readings"][0]["value"] = -1
    elif how == "date":
        target["baseline"]["date"] = "30.06.2025"
    elif how == "domain":
        racks["domain"] = "space"
    elif how == "slug":
        entry(doc, "special-funds")["id"] = "Special Funds"
    elif how == "unit":
        racks["display_unit"] = "万元"
    elif how == "reach-without-deadline":
        del target["deadline"]
    elif how == "reading-end-before-start":
        racks["readings"][0]["period_start"] = date(2025, 7, 1)


@pytest.mark.parametrize(
    ("how", "field", "reason"),
    [
        ("comparator", "indicator 'racks'.targets[0].comparator", "must be one of >= | > | <= | <"),
        ("measure", "indicator 'racks'.measure", "must be one of stock"),
        ("window", "indicator 'racks'.targets[0].deadline", "earliest is after latest"),
        ("duplicate-indicator", "indicator 'racks'.id", "is used twice"),
        ("duplicate-target", "indicator 'racks'.targets[0].id", "is used twice"),  # the later one
        ("reading-bounds", "indicator 'good-air-share'.readings[0].value", "above the indicator's plausible maximum 100"),
        ("target-bounds", "indicator 'good-air-share'.targets[0].value", "above the indicator's plausible maximum 100"),
        ("negative-count", "indicator 'racks'.readings[0].value", "below the indicator's plausible minimum 0"),
        ("date", "indicator 'racks'.targets[0].baseline.date", "must be a date YYYY-MM-DD"),
        ("domain", "indicator 'racks'.domain", "must be one of tourism"),
        ("slug", "indicator 'Special Funds'.id", "must be a slug"),
        ("unit", "indicator 'racks'.display_unit", "cannot be converted to unit '架'"),
        ("reach-without-deadline", "indicator 'racks'.targets[0].deadline", "a reach target needs a deadline"),
        ("reading-end-before-start", "indicator 'racks'.readings[0].period_end", "is before period_start"),
    ],
)
def test_errors_name_file_entry_and_field(tmp_path: Path, how: str, field: str, reason: str) -> None:
    doc = document()
    _break(doc, how)
    found = problems(save(tmp_path, doc, "broken.yaml"))
    assert [(p.source, p.column) for p in found] == [("broken.yaml", field)], found
    assert reason in found[0].reason
    assert str(found[0]).startswith("broken.yaml")


def test_a_catalogue_reading_of_the_future_is_refused_like_any_other(tmp_path: Path) -> None:
    from datetime import timedelta

    from monitor import clock

    doc = document()
    ahead = clock.today() + timedelta(days=1)
    entry(doc, "racks")["readings"] = [{"period_end": ahead, "value": 23000}]
    [found] = problems(save(tmp_path, doc))
    assert found.column == "indicator 'racks'.readings[0].period_end" and found.code == "problem.future"
    assert "is in the future" in str(found)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    doc = document()
    for how in ("comparator", "measure", "domain"):
        _break(doc, how)
    found = problems(save(tmp_path, doc))
    assert {p.column for p in found} == {
        "indicator 'racks'.targets[0].comparator", "indicator 'racks'.measure", "indicator 'racks'.domain"
    }


def test_file_level_errors(tmp_path: Path) -> None:
    assert problems(tmp_path / "missing.yaml")[0].reason == "file not found"
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - id: a\n   name: [unclosed\n", encoding="utf-8")
    found = problems(bad)
    assert found[0].source == "bad.yaml" and found[0].row == 3 and "not valid YAML" in found[0].reason
    bad.write_text("- just a list\n", encoding="utf-8")
    assert problems(bad)[0].column == "indicators"
    doc = document()
    doc["source"] = "a press conference"
    assert [p.column for p in problems(save(tmp_path, doc))] == ["source"]


# ---------------------------------------------------------------- versions


def test_changed_target_is_version_two_and_version_one_is_kept(cat_db: Store, tmp_path: Path) -> None:
    doc = document()
    old_value = entry(doc, "racks")["targets"][0]["value"]
    entry(doc, "racks")["targets"][0]["value"] = old_value + 10000
    result = import_catalog(cat_db, load_catalog(save(tmp_path, doc)))
    assert (result["targets_new"], result["targets_revised"], result["targets_unchanged"]) == (0, 1, 1)
    with cat_db.read() as con:
        latest = [t for t in queries.list_targets(con) if t.id == "racks-50k"]
        history = [t for t in queries.list_targets(con, history=True) if t.id == "racks-50k"]
    assert [(t.version, t.value) for t in latest] == [(2, old_value + 10000)]
    assert [(t.version, t.value) for t in history] == [(1, old_value), (2, old_value + 10000)]
    assert history[0].valid_from is None and history[1].valid_from is not None
    # Importing the same changed file again records nothing more.
    again = import_catalog(cat_db, load_catalog(save(tmp_path, doc)))
    assert (again["targets_revised"], again["targets_unchanged"]) == (0, 2)


def test_changed_indicator_is_replaced_not_duplicated(cat_db: Store, tmp_path: Path) -> None:
    doc = document()
    entry(doc, "racks")["name_en"] = "Racks (renamed)"
    result = import_catalog(cat_db, load_catalog(save(tmp_path, doc)))
    assert (result["indicators_changed"], result["indicators_unchanged"]) == (1, 3)
    with cat_db.read() as con:
        assert [i.name_en for i in queries.list_indicators(con) if i.id == "racks"] == ["Racks (renamed)"]
        assert queries.count_rows(con)["indicator"] == 4


def test_a_unit_or_measure_change_under_stored_readings_is_refused_unless_redefined(cat_db: Store, tmp_path: Path) -> None:
    """Values are stored in the indicator's unit and read by its measure: changing either while readings
    exist would silently re-read every one of them (23000 架 as 23000 台). The whole file is refused,
    naming the file, indicator, field and count; --redefine takes it on purpose."""
    with cat_db.read() as con:
        stored = [r for r in queries.list_readings(con) if r.indicator_id in ("racks", "visits")]
    assert {r.indicator_id for r in stored} == {"racks", "visits"}
    doc = document()
    entry(doc, "racks").update(unit="台", display_unit="万台")
    entry(doc, "visits")["measure"] = "stock"
    entry(doc, "special-funds")["name_en"] = "Special funds (renamed)"  # an allowed change in the same file
    path = save(tmp_path, doc, "plan-v2.yaml")
    runner = CliRunner()
    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "import", str(path)])
    assert done.exit_code == 5, done.output
    assert "plan-v2.yaml" in done.output and "indicator 'racks'.unit" in done.output
    assert "changes from '架' to '台'" in done.output and "--redefine" in done.output
    with pytest.raises(ValidationError) as caught:
        import_catalog(cat_db, load_catalog(path), file_name="plan-v2.yaml")
    where = sorted(p.column or "" for p in caught.value.problems)
    assert where == ["indicator 'racks'.unit", "indicator 'visits'.measure"]
    with cat_db.read() as con:  # nothing of the file was written, not even the allowed rename
        now = {i.id: i for i in queries.list_indicators(con)}
    assert now["racks"].unit == "架" and now["visits"].measure.value != "stock"
    assert now["special-funds"].name_en != "Special funds (renamed)"

    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "import", str(path), "--redefine"])
    assert done.exit_code == 0, done.output
    with cat_db.read() as con:
        now = {i.id: i for i in queries.list_indicators(con)}
    assert now["racks"].unit == "台" and now["visits"].measure.value == "stock"


def test_an_indicator_without_readings_may_change_its_unit(cat_db: Store, tmp_path: Path) -> None:
    with cat_db.read() as con:
        counted = {r.indicator_id for r in queries.list_readings(con)}
    free = next(i["id"] for i in document()["indicators"] if i["id"] not in counted)
    doc = document()
    entry(doc, free)["measure"] = "flow" if entry(doc, free)["measure"] != "flow" else "stock"
    result = import_catalog(cat_db, load_catalog(save(tmp_path, doc)))
    assert result["indicators_changed"] == 1


# ---------------------------------------------------------------- round-trips


def _catalogue(store: Store) -> tuple[list[Any], list[Any]]:
    with store.read() as con:
        return queries.list_indicators(con), queries.list_targets(con)


@pytest.mark.parametrize("seed", ["fixture", "briefing"])
def test_cli_catalog_export_then_import_into_a_fresh_db_round_trips(tmp_path: Path, seed: str) -> None:
    runner = CliRunner()
    source = Store(tmp_path / "a.duckdb")
    init_store(source, seed=CATALOG if seed == "fixture" else None)
    out = tmp_path / "catalog.yaml"
    done = runner.invoke(main, ["--db", str(source.path), "catalog", "export", "--out", str(out)])
    assert done.exit_code == 0, done.output
    target_db = tmp_path / "b.duckdb"
    done = runner.invoke(main, ["--db", str(target_db), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    copy = Store(target_db)
    assert _catalogue(copy) == _catalogue(source)
    assert _catalogue(source)[1]  # there were targets to compare
    with copy.read() as con:
        assert queries.count_rows(con)["reading"] == 0  # without --with-readings
    # Back into the database it came from: nothing changes, no new target versions.
    done = runner.invoke(main, ["--db", str(source.path), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    assert "0 new, 0 changed" in done.output and "0 new, 0 revised (new version)" in done.output
    with source.read() as con:
        assert all(t.version == 1 for t in queries.list_targets(con, history=True))


def test_export_with_readings_round_trips_readings(cat_db: Store, tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(export_catalog(cat_db, with_readings=True), encoding="utf-8")
    copy = Store(tmp_path / "copy.duckdb")
    init_store(copy, seed=path)
    with cat_db.read() as con:
        expected = [replace(r, recorded_at=None, recorded_by=None) for r in queries.list_readings(con)]
    with copy.read() as con:
        got = [replace(r, recorded_at=None, recorded_by=None) for r in queries.list_readings(con)]
    assert got == expected and len(got) == 2


def test_dump_keeps_items_from_other_sources() -> None:
    catalog = load_catalog(CATALOG)
    hand = Reading("racks", date(2024, 12, 31), date(2024, 12, 31), 1.0, source="by-hand.csv")
    text = dump_catalog(catalog.indicators, catalog.targets, [*catalog.readings, hand])
    again = parse_catalog(yaml.safe_load(text), "dump.yaml")
    assert again.targets == catalog.targets
    assert {(r.period_end, r.source) for r in again.readings} == {(r.period_end, r.source) for r in [*catalog.readings, hand]}


def test_item_source_overrides_the_files_and_is_checked_once(tmp_path: Path) -> None:
    doc = document()
    entry(doc, "racks")["readings"][0].update(source="other-doc", source_date="2025-08-01")
    entry(doc, "racks")["targets"][0]["source_date"] = "someday"
    found = problems(save(tmp_path, doc))
    assert [(p.column, p.reason) for p in found] == [("indicator 'racks'.targets[0].source_date", "must be a date YYYY-MM-DD")]
    del entry(doc, "racks")["targets"][0]["source_date"]
    catalog = load_catalog(save(tmp_path, doc))
    (reading,) = [r for r in catalog.readings if r.indicator_id == "racks"]
    assert reading.source == "other-doc" and reading.provenance is not None
    assert (reading.provenance.source, reading.provenance.source_date) == ("other-doc", date(2025, 8, 1))
    (target,) = [t for t in catalog.targets if t.id == "racks-50k"]
    assert target.provenance is not None and target.provenance.source == doc["source"]["id"]
