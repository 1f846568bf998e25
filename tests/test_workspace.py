"""Issue 16 item 1: everything that is the user's comes from the catalogue.

A made-up county's plan (tests/fixtures/county.yaml: its own workspace, domains and source documents)
is loaded into a store without the seed and shown by the dashboard and the CLI with its own title
and domains and no word of the seed's city; the catalogue keys are validated with located problems
and round-trip through the store. The same in a real browser: tests/test_browser.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from app_helpers import open_app
from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.catalog import export_catalog, init_store, load_catalog, parse_catalog, read_profile
from monitor.model import DEFAULT_DOMAINS, SourceKind
from monitor.present.i18n import t
from monitor.store import queries
from monitor.store.connection import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNTY = FIXTURES / "county.yaml"
SEED_WORDS = ("西宁", "Xining", "青海", "Qinghai")
COUNTY_DOMAINS = {"zh": ["经济发展", "民生福祉", "绿色生态"], "en": ["Economy", "People's wellbeing", "Green environment"]}
COUNTY_TITLE = {"zh": "某县“十五五”规划主要指标监测", "en": "Some County 15th Five-Year Plan monitor"}


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store holding only the county's catalogue (`monitor init --seed tests/fixtures/county.yaml`)."""
    db = tmp_path / "county.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db), "init", "--seed", str(COUNTY)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("MONITOR_DB", str(db))
    return Store(db)


def _document(**changes: Any) -> dict[str, Any]:
    document = yaml.safe_load(COUNTY.read_text(encoding="utf-8"))
    document.update(changes)
    return document


def _problems(document: dict[str, Any]) -> list[tuple[str | None, str]]:
    with pytest.raises(ValidationError) as e:
        parse_catalog(document, "county.yaml")
    return [(p.column, p.reason) for p in e.value.problems]


# ---------------------------------------------------------------- the catalogue keys


def test_the_county_catalogue_declares_its_workspace_domains_and_documents() -> None:
    catalog = load_catalog(COUNTY)
    assert catalog.workspace is not None and catalog.workspace.title_zh == COUNTY_TITLE["zh"]
    assert [d.id for d in catalog.domains] == ["economy", "people", "environment"]
    assert {s.id: s.kind for s in catalog.sources} == {"plan-15": SourceKind.PLAN, "work-report-2026": SourceKind.WORK_REPORT}
    # `source: <id>` names the document; the item is dated by it.
    gdp = next(t for t in catalog.targets if t.id == "county-gdp-2030")
    assert gdp.provenance is not None and (gdp.provenance.source, str(gdp.provenance.source_date)) == ("plan-15", "2026-03-01")
    reading = next(r for r in catalog.readings if r.indicator_id == "county-gdp")
    assert reading.source == "work-report-2026" and str(reading.provenance.source_date) == "2026-01-20"  # type: ignore[union-attr]


def test_an_undeclared_domain_is_a_located_error() -> None:
    document = _document()
    document["indicators"][2]["domain"] = "tourism"
    assert _problems(document) == [("indicator 'county-forest'.domain", "must be one of economy | people | environment")]


def test_bad_domain_source_and_workspace_entries_are_located() -> None:
    document = _document(
        workspace={"title_zh": "某县"},
        domains=[{"id": "economy", "name_zh": "经济", "name_en": "Economy"}, {"id": "Economy!", "name_zh": "x", "name_en": "x"},
                 {"id": "economy", "name_zh": "经济", "name_en": "Economy"}, "people", {"id": "environment", "name_zh": "绿色"}],
        sources=[{"id": "plan-15", "kind": "manifesto", "title": "规划"}, {"id": "plan-15", "kind": "plan", "title": "规划"}],
    )
    found = dict(_problems(document))
    assert found["workspace.title_en"] == "is required"
    assert found["domains[1].id"].startswith("must be a slug")
    assert found["domains[2].id"].startswith("is used twice")
    assert found["domains[3]"] == "must be a mapping"
    assert found["domains[4].name_en"] == "is required"
    assert found["sources[0].kind"] == "must be one of plan | work_report | briefing | other"
    assert found["sources[1].id"].startswith("is used twice")
    # people is no longer declared: its indicator is named.
    assert "indicator 'county-income'.domain" in found


def test_a_catalogue_without_domains_has_the_default_ones() -> None:
    catalog = load_catalog(FIXTURES / "catalog.yaml")
    assert catalog.domains == [] and catalog.workspace is None
    assert _problems(_document(domains=None, workspace=None))[0][1].startswith(
        "must be one of " + " | ".join(d.id for d in DEFAULT_DOMAINS))


def test_the_store_keeps_them_and_the_export_round_trips(county: Store, tmp_path: Path) -> None:
    profile = read_profile(county)
    assert profile.workspace == load_catalog(COUNTY).workspace
    assert [d.name_zh for d in profile.domains] == COUNTY_DOMAINS["zh"]
    exported = export_catalog(county, with_readings=True)
    (tmp_path / "export.yaml").write_text(exported, encoding="utf-8")
    again = Store(tmp_path / "again.duckdb")
    init_store(again, seed=tmp_path / "export.yaml")
    assert read_profile(again) == profile
    assert export_catalog(again, with_readings=True) == exported
    # Importing the same catalogue again changes nothing.
    result = CliRunner().invoke(main, ["--db", str(county.path), "init", "--seed", str(COUNTY)])
    assert result.exit_code == 0 and read_profile(county) == profile


# ---------------------------------------------------------------- shown by the dashboard and the CLI


def _page_text(at: Any) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [w.label for w in (*at.multiselect, *at.selectbox, *at.text_input)]
    parts += [str(o) for m in at.multiselect for o in m.options]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_shows_the_county(county: Store, lang: str) -> None:
    at = open_app(lang=lang)
    assert at.title[0].value == COUNTY_TITLE[lang]
    caption = at.caption[0].value
    assert ("某县发展和改革局" if lang == "zh" else "Some County Development and Reform Bureau") in caption
    assert ("某县国民经济和社会发展第十五个五年规划纲要" if lang == "zh" else "15th Five-Year Plan outline") in caption
    domains = next(m for m in at.multiselect if m.key == "ov_domain")
    assert list(domains.options) == COUNTY_DOMAINS[lang]  # the catalogue's order
    text = _page_text(at)
    assert not [w for w in SEED_WORDS if w in text], text
    goal = open_app("goal.py", lang=lang, goal="county-gdp")
    assert COUNTY_DOMAINS[lang][0] in " ".join(c.value for c in goal.caption)
    assert not [w for w in SEED_WORDS if w in _page_text(goal)]


def test_an_undeclared_domain_is_shown_by_its_id(county: Store) -> None:
    with county.write() as con:
        old = queries.get_indicator(con, "county-forest")
        assert old is not None
        import dataclasses

        queries.upsert_indicators(con, [dataclasses.replace(old, domain="mystery")])
    at = open_app(lang="en")
    domains = next(m for m in at.multiselect if m.key == "ov_domain")
    assert list(domains.options)[-1] == "mystery"
    goal = open_app("goal.py", lang="en", goal="county-forest")
    assert "mystery" in " ".join(c.value for c in goal.caption)


def test_monitor_status_names_the_county_and_its_domains(county: Store) -> None:
    runner = CliRunner()
    for lang in ("zh", "en"):
        result = runner.invoke(main, ["--db", str(county.path), "status", "--lang", lang], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert COUNTY_TITLE[lang] in result.output
        # Binding goals first (the county's energy goal), then the expected ones by domain in the catalogue's order.
        heading = t("nature.heading_expected", lang)
        assert result.output.index(t("nature.heading_binding", lang)) < result.output.index(heading)
        expected = result.output[result.output.index(heading):]
        positions = [expected.index(name) for name in COUNTY_DOMAINS[lang]]
        assert positions == sorted(positions)
        assert not [w for w in SEED_WORDS if w in result.output]
    chosen = runner.invoke(main, ["--db", str(county.path), "status", "--domain", "people", "--lang", "en"], env={"COLUMNS": "200"})
    assert chosen.exit_code == 0 and "Per-capita disposable income" in chosen.output and "Forest coverage" not in chosen.output
    refused = runner.invoke(main, ["--db", str(county.path), "status", "--domain", "tourism"])
    assert refused.exit_code == 2 and "use one of economy, people, environment" in refused.output


def test_the_cli_help_names_no_city() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert not [w for w in SEED_WORDS if w in result.output], result.output


def test_an_alert_names_the_workspace_it_comes_from(county: Store) -> None:
    """A status event's payload carries the workspace's title; every alert format shows it (escaped)."""
    from datetime import date

    from monitor.services.refresh import run as refresh_run
    from monitor.services.refresh.alerts import render, webhook_payload

    as_of = date(2026, 6, 30)
    record = next(iter(refresh_run.current_statuses(county, as_of).values()))
    with county.read() as con:
        payload = refresh_run._goal_payload(con, refresh_run._full_record(county, as_of, record), as_of, None, None)
    title = read_profile(county).workspace
    assert payload["workspace"] == {"zh": title.title("zh"), "en": title.title("en")}
    event = {"id": "e1", "kind": "status_changed", "occurred_at": "2026-06-30T08:00:00Z", "source": "inbox",
             "run_id": "r1", "payload": payload}
    for lang in ("zh", "en"):
        _, markdown, plain = render(event, lang)
        assert title.title(lang) in plain and "西宁" not in plain and "Xining" not in plain
        assert webhook_payload(event, lang)["text"] == plain
        assert markdown.splitlines()[-1].startswith("- ")  # the workspace line, escaped like any value


def test_a_markup_title_is_shown_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review finding: st.title renders markdown; the catalogue's title is user text."""
    hostile = "**bold** [x](http://example.invalid/p) # h"
    document = _document(workspace={"title_zh": hostile, "title_en": hostile})
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    db = tmp_path / "h.duckdb"
    assert CliRunner().invoke(main, ["--db", str(db), "init", "--seed", str(path)]).exit_code == 0
    monkeypatch.setenv("MONITOR_DB", str(db))
    from monitor.present.i18n import escape_markdown

    assert open_app(lang="en").title[0].value == escape_markdown(hostile) != hostile


def test_a_store_whose_domains_were_replaced_still_exports_and_filters(cat_db: Store, tmp_path: Path) -> None:
    """Review finding: after a catalogue that replaces the domains, indicators of the old ones still
    export (their domains declared by id, so the file imports again) and `--domain` takes them."""
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(cat_db.path), "catalog", "import", str(COUNTY)]).exit_code == 0
    old = next(r for r in queries_domains(cat_db) if r not in {"economy", "people", "environment"})
    exported = tmp_path / "export.yaml"
    exported.write_text(export_catalog(cat_db, with_readings=True), encoding="utf-8")
    again = tmp_path / "again.duckdb"
    result = runner.invoke(main, ["--db", str(again), "init", "--seed", str(exported)])
    assert result.exit_code == 0, result.output
    assert old in [d.id for d in read_profile(Store(again)).domains]
    status = runner.invoke(main, ["--db", str(cat_db.path), "status", "--domain", old])
    assert status.exit_code == 0, status.output


def queries_domains(store: Store) -> list[str]:
    from monitor.present.views import indicator_rows

    return list(dict.fromkeys(r["domain"] for r in indicator_rows(store)))


def test_an_item_of_another_document_keeps_its_date_through_a_round_trip(tmp_path: Path) -> None:
    """Review finding: an item citing a declared document but dated as the file's own document lost its
    date on export (the reader then lent it the cited document's date: a new target version)."""
    document = _document()
    documents = document["sources"]
    assert len(documents) >= 2
    common, other = documents[0], documents[1]
    document["source"] = {"id": common["id"], "date": common["date"]}
    indicator = next(i for i in document["indicators"] if i.get("targets"))
    indicator["targets"][0].update(source=other["id"], source_date=common["date"], quote="q")
    path = tmp_path / "dated.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    store = Store(tmp_path / "d.duckdb")
    init_store(store, seed=path)
    exported = tmp_path / "export.yaml"
    exported.write_text(export_catalog(store), encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(store.path), "catalog", "import", str(exported)])
    assert result.exit_code == 0, result.output
    assert "targets 0 new, 0 revised" in result.output, result.output


def test_a_catalogue_without_domains_is_checked_against_the_stores(tmp_path: Path) -> None:
    """A partial catalogue adding one indicator to a county's store uses the county's domains."""
    db = tmp_path / "county.duckdb"
    runner = CliRunner()
    first = runner.invoke(main, ["--db", str(db), "catalog", "import", str(COUNTY)])
    assert first.exit_code == 0, first.output
    domain = load_catalog(COUNTY).domains[0].id
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "indicators:\n"
        f"  - {{id: extra-one, name_zh: 新增指标, name_en: Extra, domain: {domain}, unit: 个, measure: stock}}\n",
        encoding="utf-8",
    )
    added = runner.invoke(main, ["--db", str(db), "catalog", "import", str(extra)])
    assert added.exit_code == 0, added.output
    assert "indicators 1 new" in added.output
    # Into a fresh store (no domains of its own) the same file is checked against the defaults.
    refused = runner.invoke(main, ["--db", str(tmp_path / "fresh.duckdb"), "catalog", "import", str(extra)])
    assert refused.exit_code != 0 and domain in refused.output
