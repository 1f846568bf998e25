"""Security: hostile input through every input path, formula injection in exports, SQL built only
from constants, and the dashboard's editor sign-in.

Hostile strings (quotes, `'; DROP TABLE reading; --`, control characters, NUL bytes, right-to-left
marks, rich-markup brackets, 100,000-character strings) go through `monitor add`, CSV/XLSX/JSON/
Parquet cells and headers, the catalogue YAML, the sources TOML and the dashboard's forms. Each is
either stored verbatim as text or rejected (text with a control character since issue 14, item 13:
`monitor.model.validate.control_problem`); afterwards the store is intact: `monitor check` passes, the list
of tables is unchanged and the row counts are exactly what the accepted input adds. Exports and
listings must still cope with such text in a store written before that rule: it is written there
with SQL.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from app_helpers import open_app
from monitor.cli import main
from monitor.cli.admin import hash_password_command
from monitor.errors import ConfigError, ValidationError
from monitor.files.export import export_store
from monitor.files.ingest import add_reading, import_file
from monitor.model.validate import control_problem
from monitor.services.auth import ENV_VAR, Throttle, check_hash, configured_hash, hash_password, verify_password
from monitor.store.connection import Store
from monitor.store.maintenance import checksums

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "tests" / "fixtures" / "catalog.yaml"

LONG = "长" * 50_000 + "x" * 50_000
HOSTILE: list[str] = [
    "'",
    '"',
    "'; DROP TABLE reading; --",
    "Robert'); DROP TABLE indicator; --",
    '" OR "1"="1',
    "\\'; SELECT 1; --",
    "a\x00b",
    "bell\x07 esc\x1b[2J back\x08 del\x7f",
    "line\r\nbreak\rcr",
    "\u202eevil\u202c and \u200b\ufeff",
    "${jndi:ldap://127.0.0.1/a} {{7*7}} %s%n <script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "😀𠮷 emoji and astral",
    LONG,
]
# Text a worksheet cannot hold (openpyxl refuses it when writing the input file itself).
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DAY0 = 730  # readings go on distinct days from 2020-01-01 on


def clean(text: str, multiline: bool = False) -> bool:
    """Whether every entry path stores ``text`` (else it is refused: a control character)."""
    return control_problem(text.strip(" "), multiline) is None


def store_raw(db: Store, end: str, source: str | None, note: str | None) -> None:
    """A racks reading with text no entry path takes any more, as a store written before may hold."""
    with db.write() as con:
        con.execute(
            "INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, source, note, "
            "recorded_by, recorded_at) VALUES ('racks', ?, ?, 1, 5, 'exact', ?, ?, 'old-version', now())",
            [end, end, source, note],
        )


def day(n: int) -> str:
    from datetime import date, timedelta

    return (date(2020, 1, 1) + timedelta(days=n)).isoformat()


@pytest.fixture(autouse=True)
def no_jump_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile text rides on figures chosen before plausibility existed (5 racks after 23,000): the jump
    check (tests/test_plausibility.py) is off in this module."""
    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "off")
    monkeypatch.setenv("MONITOR_JUMP_POINTS", "off")


@pytest.fixture
def store(cat_db: Store) -> Store:
    """A copy of the database seeded from the small test catalogue (conftest.cat_db)."""
    return cat_db


def cli(db: Store, *args: str, input: str | None = None) -> Any:
    result = CliRunner().invoke(main, ["--db", str(db.path), *args], input=input)
    # Never a traceback: a handled error is a SystemExit with its code.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def tables(db: Store) -> list[str]:
    return sorted(checksums(db))


def counts(db: Store) -> dict[str, int]:
    return {t: c["rows"] for t, c in checksums(db).items()}


def assert_intact(db: Store, tables_before: list[str], counts_before: dict[str, int], added_readings: int) -> None:
    result = cli(db, "check")
    assert result.exit_code == 0, result.stdout
    assert "FAIL" not in result.stdout
    assert tables(db) == tables_before
    now = counts(db)
    assert now["reading"] == counts_before["reading"] + added_readings
    assert now["indicator"] == counts_before["indicator"]


def notes(db: Store) -> dict[str, tuple[str | None, str | None]]:
    """period_end -> (note, source) of the racks readings."""
    with db.read() as con:
        rows = con.execute("SELECT period_end, note, source FROM reading WHERE indicator_id = 'racks'").fetchall()
    return {end.isoformat(): (note, source) for end, note, source in rows}


# ---------------------------------------------------------------- `monitor add`


def test_hostile_add_arguments(store: Store) -> None:
    before_tables, before = tables(store), counts(store)
    accepted = 0
    for n, text in enumerate(HOSTILE):
        end = day(DAY0 + n)
        # As text fields they are data: stored exactly as given, unless they hold a control character.
        result = cli(store, "add", "--period-end", end, "--source", text, "--note", text, "--", "racks", "5")
        if not clean(text):
            assert result.exit_code == 5 and "control character U+" in result.stderr, (text[:40], result.stderr)
            assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
            assert end not in notes(store)
            continue
        assert result.exit_code == 0, (text[:40], result.stderr)
        accepted += 1
        assert notes(store)[end] == (text, text)
        # Anywhere else they are refused with exit code 5 and one bounded line, nothing written.
        for args in (
            ["--period-end", end, "--", text, "5"],
            ["--period-end", end, "--", "racks", text],
            ["--period-end", text, "--", "racks", "6"],
            ["--period-end", end, "--unit", text, "--", "racks", "6"],
            ["--period-end", end, "--qualifier", text, "--", "racks", "6"],
            ["--period-end", end, "--period-start", text, "--", "good-air-share", "6"],
        ):
            result = cli(store, "add", *args)
            assert result.exit_code == 5, (args, result.stderr)
            assert result.stderr.startswith("Error: reading, column ")
            assert len(result.stderr.splitlines()[0]) < 600
    assert_intact(store, before_tables, before, accepted)


# ---------------------------------------------------------------- reading files


def _write(folder: Path, fmt: str, header: list[str], rows: list[list[Any]]) -> Path:
    path = folder / f"hostile.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
    elif fmt == "json":
        path.write_text(json.dumps([dict(zip(header, r, strict=False)) for r in rows], ensure_ascii=False), encoding="utf-8")
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        for r, row in enumerate([header, *rows], start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text typed as '=..., not a formula
        book.save(path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({h: [str(r[k]) for r in rows] for k, h in enumerate(header)}), path)
    return path


def _texts_for(fmt: str) -> list[str]:
    if fmt == "xlsx":
        return [t for t in HOSTILE if not XLSX_ILLEGAL.search(t)]
    if fmt == "csv":
        return [t for t in HOSTILE if "\x00" not in t]  # a NUL byte refuses the whole CSV (test_bad_inputs)
    return HOSTILE


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
def test_hostile_cells_are_stored_as_text(fmt: str, store: Store, tmp_path: Path) -> None:
    before_tables, before = tables(store), counts(store)
    header = ["indicator_id", "period_end", "value", "source", "note"]
    refused = [t for t in _texts_for(fmt) if not clean(t)]
    rows = [["racks", day(DAY0 + n), "5", text, text] for n, text in enumerate(refused)]
    with pytest.raises(ValidationError) as caught:
        import_file(store, _write(tmp_path, fmt, header, rows))
    assert {p.column for p in caught.value.problems} <= {"source", "note"}
    assert all("control character U+" in p.reason for p in caught.value.problems)
    assert len({p.row for p in caught.value.problems}) == len(refused)
    assert counts(store) == before
    texts = [t for t in _texts_for(fmt) if clean(t)]
    rows = [["racks", day(DAY0 + n), "5", text, text] for n, text in enumerate(texts)]
    report = import_file(store, _write(tmp_path, fmt, header, rows))
    assert (report.rejected, report.new) == (0, len(texts))
    stored = notes(store)
    for n, text in enumerate(texts):
        if fmt == "xlsx":  # XML normalises line ends (a worksheet cannot hold a bare CR), and
            # openpyxl reads at most Excel's 32,767 characters of a cell
            text = text.replace("\r\n", "\n").replace("\r", "\n")[:32767]
        assert stored[day(DAY0 + n)] == (text, text), (fmt, text[:40])
    assert_intact(store, before_tables, before, len(texts))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
def test_hostile_identifiers_values_and_dates_are_rejected(fmt: str, store: Store, tmp_path: Path) -> None:
    before_sums = checksums(store)
    texts = [t for t in _texts_for(fmt) if t.strip()]
    header = ["indicator_id", "period_end", "value", "unit", "qualifier"]
    rows: list[list[Any]] = []
    for n, text in enumerate(texts):
        rows += [[text, day(n), "5", "", ""], ["racks", text, "5", "", ""], ["racks", day(n), text, "", ""],
                 ["racks", day(n + 1000), "5", text, ""], ["racks", day(n + 2000), "5", "", text]]
    with pytest.raises(ValidationError) as caught:
        import_file(store, _write(tmp_path, fmt, header, rows))
    problems = caught.value.problems
    assert {p.row for p in problems} == set(range(2 if fmt != "json" else 1, len(rows) + (2 if fmt != "json" else 1)))
    assert all(len(str(p)) < 600 for p in problems)
    assert checksums(store) == before_sums


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
@pytest.mark.parametrize("text", [t for t in HOSTILE if t.strip()], ids=lambda t: repr(t[:12]))
def test_hostile_header_names_are_rejected(fmt: str, text: str, store: Store, tmp_path: Path) -> None:
    if text not in _texts_for(fmt) or (fmt == "parquet" and "\x00" in text):
        pytest.skip("this format cannot hold the text (covered by another format)")
    before_sums = checksums(store)
    with pytest.raises(ValidationError) as caught:
        import_file(store, _write(tmp_path, fmt, ["indicator_id", "period_end", "value", text], [["racks", "2024-12-31", "5", "x"]]))
    (problem,) = caught.value.problems
    assert problem.row == 1 and "unknown column" in problem.reason
    assert problem.column is not None and len(problem.column) <= 70 and problem.column.isprintable()
    assert checksums(store) == before_sums


# ---------------------------------------------------------------- the catalogue


def _catalogue(texts: list[str], ident: str | None = None) -> dict[str, Any]:
    indicators = []
    for n, text in enumerate(texts):
        indicators.append({
            "id": ident if ident is not None else f"hostile-{n}",
            "name_zh": text, "name_en": text, "domain": "livelihood", "unit": "件", "measure": "stock",
            "frequency": "yearly", "bounds": [0, None], "responsible": text, "description": text,
            "targets": [{"kind": "reach", "comparator": ">=", "value": 10, "deadline": "2030-12-31",
                         "quote": text, "speaker": text, "office": text, "note": text}],
            "readings": [{"period_end": "2024-12-31", "value": 5, "note": text, "quote": text}],
        })
    return {"format": "indicator-monitor/catalog v1", "source": {"id": "hostile", "date": "2025-07-11"},
            "indicators": indicators}


def test_hostile_catalogue_fields_are_stored_as_text(store: Store, tmp_path: Path) -> None:
    before_tables, before = tables(store), counts(store)
    path = tmp_path / "refused.yaml"
    refused = [t for t in HOSTILE if t.strip() and not clean(t)]
    path.write_text(yaml.safe_dump(_catalogue(refused), allow_unicode=True), encoding="utf-8")
    result = cli(store, "catalog", "import", str(path))
    assert result.exit_code == 5 and "control character U+" in result.stderr, result.stderr
    assert counts(store) == before
    texts = [t for t in HOSTILE if t.strip() and clean(t)]
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(_catalogue(texts), allow_unicode=True), encoding="utf-8")
    result = cli(store, "catalog", "import", str(path))
    assert result.exit_code == 0, result.stderr
    from monitor.store import queries

    with store.read() as con:
        by_id = {i.id: i for i in queries.list_indicators(con)}
        targets = {t.indicator_id: t for t in queries.list_targets(con)}
    for n, text in enumerate(texts):
        indicator = by_id[f"hostile-{n}"]
        assert (indicator.name_zh, indicator.name_en, indicator.responsible, indicator.description) == (text,) * 4
        target = targets[f"hostile-{n}"]
        assert target.provenance is not None and target.provenance.quote == text and target.note == text
    # The export writes them back in a form that reads back the same.
    exported = cli(store, "catalog", "export", "--with-readings").stdout
    again = yaml.safe_load(exported)
    names = {i["id"]: i["name_en"] for i in again["indicators"]}
    assert all(names[f"hostile-{n}"] == text for n, text in enumerate(texts))
    assert cli(store, "status", "--json").exit_code == 0
    assert cli(store, "export", "--format", "json").exit_code == 0
    assert_intact_catalogue(store, before_tables, before, len(texts))


def assert_intact_catalogue(db: Store, tables_before: list[str], counts_before: dict[str, int], added: int) -> None:
    assert cli(db, "check").exit_code == 0
    assert tables(db) == tables_before
    now = counts(db)
    assert now["indicator"] == counts_before["indicator"] + added
    assert now["reading"] == counts_before["reading"] + added


@pytest.mark.parametrize("text", [t for t in HOSTILE if t.strip()], ids=lambda t: repr(t[:12]))
def test_hostile_catalogue_ids_are_rejected(text: str, store: Store, tmp_path: Path) -> None:
    before_sums = checksums(store)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_catalogue(["x"], ident=text), allow_unicode=True), encoding="utf-8")
    result = cli(store, "catalog", "import", str(path))
    assert result.exit_code == 5, result.stderr
    assert "must be a slug" in result.stderr
    assert len(result.stderr) < 2000
    assert checksums(store) == before_sums


def test_catalogue_structures_where_text_belongs_and_alias_bombs_are_refused(store: Store, tmp_path: Path) -> None:
    before_sums = checksums(store)
    document = _catalogue(["x"])
    document["indicators"][0]["name_en"] = ["a", "list"]
    document["indicators"][0]["measure"] = {"a": "mapping"}
    path = tmp_path / "types.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = cli(store, "catalog", "import", str(path))
    assert result.exit_code == 5 and "name_en: must be text" in result.stderr
    bomb = "\n".join([
        "format: indicator-monitor/catalog v1",
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *[f"{chr(98 + k)}: &{chr(98 + k)} [{','.join(['*' + chr(97 + k)] * 9)}]" for k in range(8)],
        "indicators:",
        "  - {id: x, name_zh: *i, name_en: x, domain: tourism, unit: x, measure: stock}",
    ])
    path.write_text(bomb, encoding="utf-8")
    result = cli(store, "catalog", "import", str(path))
    assert result.exit_code == 5 and "aliases" in result.stderr
    assert checksums(store) == before_sums


# ---------------------------------------------------------------- the sources file


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


SOURCE = """
[[sources]]
name = {name}
kind = {kind}
path = {path}
cron = {cron}
[sources.columns]
{column} = "note"
"Indicator" = "indicator_id"
"End" = "period_end"
"Value" = "value"
[sources.defaults]
source = {default}
"""


@pytest.mark.parametrize("key", ["name", "kind", "cron", "timezone", "header_value", "header_name", "url", "column_target"])
def test_hostile_sources_values_are_config_errors(key: str, tmp_path: Path) -> None:
    from monitor.services.refresh.sources import load_config

    for text in HOSTILE:
        if key == "header_value" and not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", text):
            continue  # plain text is a valid header value; line breaks and control characters are not
        if key == "header_name" and re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}", text):
            continue  # "'" is a valid header name (an RFC 9110 token character)
        values = {"name": '"ok"', "kind": '"csv"', "cron": '"0 6 * * *"', "url": '"https://example.invalid/a.csv"',
                  "timezone": '"Asia/Shanghai"', "target": '"note"'}
        header = ""
        if key == "header_value":
            header = f"[sources.headers]\nAccept = {toml_string(text)}\n"
        elif key == "header_name":
            header = f"[sources.headers]\n{toml_string(text)} = \"x\"\n"
        elif key == "column_target":
            values["target"] = toml_string(text)
        else:
            values[key] = toml_string(text)
        document = (
            f"timezone = {values['timezone']}\n[[sources]]\nname = {values['name']}\nkind = {values['kind']}\n"
            f"url = {values['url']}\ncron = {values['cron']}\n[sources.columns]\n\"Value\" = {values['target']}\n{header}"
        )
        path = tmp_path / "sources.toml"
        path.write_text(document, encoding="utf-8")
        with pytest.raises(ConfigError):
            load_config(path)


def test_hostile_sources_defaults_and_columns_import_as_text(store: Store, tmp_path: Path) -> None:
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config

    before_tables, before = tables(store), counts(store)
    texts = [t for t in HOSTILE if "\x00" not in t and t.strip()]  # a CSV source file cannot carry NUL
    refused = [t for t in texts if not clean(t, multiline=True)]  # quarantined, the others stored
    column = "'; DROP TABLE reading; -- note"
    data = tmp_path / "feed.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["Indicator", "End", "Value", column])
        for n, text in enumerate(texts):
            writer.writerow(["racks", day(DAY0 + n), "5", text])
    config_path = tmp_path / "sources.toml"
    config_path.write_text(
        SOURCE.format(name='"hostile-feed"', kind='"csv"', path=toml_string(str(data)), cron='"0 6 * * *"',
                      column=toml_string(column), default=toml_string(HOSTILE[3])),
        encoding="utf-8",
    )
    config = load_config(config_path)
    (result,) = run_sources(store, config, ["hostile-feed"], trigger="test")
    assert not result.failed, result.summary()
    assert result.rows_rejected == len(refused) > 0
    stored = notes(store)
    for n, text in enumerate(texts):
        if text in refused:
            assert day(DAY0 + n) not in stored
        else:
            assert stored[day(DAY0 + n)] == (text, HOSTILE[3])
    assert tables(store) == before_tables
    now = counts(store)
    assert now["reading"] == before["reading"] + len(texts) - len(refused)
    assert cli(store, "check").exit_code == 0
    assert cli(store, "runs", "--sources", str(config_path)).exit_code == 0


# ---------------------------------------------------------------- the dashboard's forms


@pytest.fixture
def app_db(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(store.path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    return store


def test_hostile_text_in_the_add_form(app_db: Store) -> None:
    before_tables, before = tables(app_db), counts(app_db)
    at = open_app("add_reading.py", lang="en", indicator="racks")
    at.selectbox(key="add_kind_racks").set_value("point").run()
    for text in HOSTILE:
        at.text_input(key="add_value").set_value(text)
        at.button(key="add_submit").click().run()
        assert not at.exception, at.exception
        assert at.error, "a hostile value is refused on screen"
    assert counts(app_db) == before
    at.text_input(key="add_value").set_value("5")
    for text in (t for t in HOSTILE if not clean(t)):
        at.text_input(key="add_note").set_value(text[:5000])
        at.button(key="add_submit").click().run()
        assert not at.exception and any("U+" in e.value for e in at.error), text[:20]
    assert counts(app_db) == before
    combined = "".join(t for t in HOSTILE if t is not LONG and clean(t)) + LONG[:5000]
    at.text_input(key="add_source").set_value(combined)
    at.text_input(key="add_note").set_value(combined)
    at.button(key="add_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with app_db.read() as con:
        stored = con.execute("SELECT note, source FROM reading WHERE recorded_by = 'dashboard'").fetchall()
    assert stored == [(combined.strip(), combined.strip())]
    assert_intact(app_db, before_tables, before, 1)


def test_hostile_upload_name_and_cells_on_the_import_page(app_db: Store) -> None:
    before_tables, before = tables(app_db), counts(app_db)
    texts = [t for t in _texts_for("csv") if clean(t, multiline=True)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["indicator_id", "period_end", "value", "note", "'; DROP TABLE reading; --"])
    writer.writerows([["racks", day(DAY0 + n), "5", t, t] for n, t in enumerate(texts)])
    name = "../../'; DROP TABLE reading; --.csv"
    at = open_app("import_page.py", lang="en")
    at.file_uploader(key="imp_file").set_value((name, out.getvalue().encode(), "text/csv")).run()
    assert not at.exception
    assert "unknown column" in " ".join(e.value for e in at.error)
    good = io.StringIO()
    csv.writer(good, lineterminator="\r\n").writerows(
        [["indicator_id", "period_end", "value", "note"], *[["racks", day(DAY0 + n), "5", t] for n, t in enumerate(texts)]]
    )
    at.file_uploader(key="imp_file").set_value((name, good.getvalue().encode(), "text/csv")).run()
    assert not at.exception
    at.button(key="imp_all").click().run()
    assert not at.exception
    assert any("'; DROP TABLE reading; --.csv" in s.value for s in at.success), [s.value for s in at.success]
    stored = notes(app_db)
    assert all(stored[day(DAY0 + n)][0] == t for n, t in enumerate(texts))
    assert not (REPO / "'; DROP TABLE reading; --.csv").exists()
    assert_intact(app_db, before_tables, before, len(texts))


# ---------------------------------------------------------------- exports: formula injection

FORMULA_STARTS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x","y")']


@pytest.fixture
def formulas(store: Store) -> Store:
    for n, text in enumerate(FORMULA_STARTS):
        if clean(text):
            add_reading(store, "racks", "5", day(DAY0 + n), source=text, note=text)
        else:  # "\t=1+1", "\r=1+1": refused at entry now, but a store written before may hold them
            store_raw(store, day(DAY0 + n), text, text)
    store_raw(store, day(DAY0 + 100), None, "bell\x07 esc\x1b[31m nul\x00")
    return store


def test_csv_export_neutralises_every_formula_start(formulas: Store) -> None:
    text = export_store(formulas, "csv")
    assert text is not None
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    cells = [(r["source"], r["note"]) for r in rows if r["note"] in [f"'{f}" for f in FORMULA_STARTS]]
    assert len(cells) == len(FORMULA_STARTS)
    for source, note in cells:
        assert source == note and source.startswith("'") and source[1:] in FORMULA_STARTS
    assert all(not r[c].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r if r[c])


def test_xlsx_export_neutralises_formulas_and_survives_control_characters(formulas: Store, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "export.xlsx"
    export_store(formulas, "xlsx", path)  # a note with an escape code made openpyxl raise
    book = openpyxl.load_workbook(path)
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[1:].replace("\n", "\r") in FORMULA_STARTS:
                    assert cell.value.startswith("'")
                    seen += 1
    assert seen == 2 * len(FORMULA_STARTS)
    notes_column = [c.value for c in book["readings"]["H"]]
    assert "bell\ufffd esc\ufffd[31m nul\ufffd" in notes_column


def test_quarantine_and_rejected_rows_downloads_neutralise_formulas(store: Store, tmp_path: Path) -> None:
    from monitor.present.entry import rejected_csv

    path = tmp_path / "bad.csv"
    path.write_text('indicator_id,period_end,value,note\nracks,2024-12-31,=1+1,"=HYPERLINK(""http://x"")"\n', encoding="utf-8")
    report = import_file(store, path, skip_invalid=True)
    assert report.rejected == 1
    result = cli(store, "rejected", "--csv")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["raw_value"] == "'=1+1"
    download = rejected_csv(path, report.problems, "en").decode("utf-8-sig")
    cells = next(r for r in csv.reader(io.StringIO(download)) if r and r[0] == "2")
    assert cells[3] == "'=1+1" and cells[4].startswith("'=HYPERLINK")


# ---------------------------------------------------------------- listing commands show text, never markup


@pytest.mark.parametrize("command", [["readings", "racks"], ["indicators"], ["status"]])
def test_listings_do_not_read_stored_text_as_markup(command: list[str], store: Store, tmp_path: Path) -> None:
    add_reading(store, "racks", "5", day(DAY0), source="[/] [link=http://x]y[/link]")
    document = _catalogue(["[/]"])
    path = tmp_path / "markup.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert cli(store, "catalog", "import", str(path)).exit_code == 0
    result = CliRunner().invoke(main, ["--db", str(store.path), *command])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0


def test_listings_show_hostile_text_that_is_not_markup(store: Store) -> None:
    for n, text in enumerate(t for t in HOSTILE if "[" not in t):
        if clean(text):
            add_reading(store, "racks", "5", day(DAY0 + n), source=text, note=text)
        else:
            store_raw(store, day(DAY0 + n), text, text)
    for command in (["readings", "racks"], ["readings", "--json"], ["rejected"], ["export"], ["status"]):
        assert cli(store, *command).exit_code == 0, command


# ---------------------------------------------------------------- SQL is built from constants only

PACKAGE = REPO / "monitor"
SQL_CALLS = {"execute", "executemany", "sql", "query"}
SAFE_NAMES = {"len", "str", "chr", "int", "repr"}

# Every place an SQL string is built from a value that is not a literal, an UPPER_CASE constant or a
# local computed only from those, with why that value cannot come from input. (path, function) -> {name: why}.
ALLOWED: dict[tuple[str, str], dict[str, str]] = {
    # Staging SQL whose identifiers are header names already checked against the known columns
    # (monitor.files.ingest.reading._check_header raises before any SQL is built); row_expr is one of two code constants.
    ("monitor/store/import_queries.py", "create_raw"): {n: "validated column names" for n in ("select_sql", "picks", "blank", "row_expr")},
    ("monitor/store/import_queries.py", "create_records"): {"names": "validated column names"},
    # The plausibility query names its relations: the callers pass this package's constants
    # (queries.IMPORT_VALID, "indicator_snapshot", "jump_stage", "indicator"); the filters are constants.
    ("monitor/store/import_queries.py", "find_jumps"): {n: "relation names of the import, constants"
                                                        for n in ("sql", "indicators")},
    ("monitor/store/import_queries.py", "_stored_near"): {n: "relation names and filters of find_jumps, constants"
                                                          for n in ("rows", "indicators", "staged_filter")},
    # ATTACH takes no prepared parameters: the database path, quoted by _sql_string.
    ("monitor/store/connection.py", "_attach"): {"statement": "the ATTACH path, quoted"},
    # Table names from duckdb_tables() (the database's own catalogue), quoted by _quote; the backup
    # folder path quoted by _escape (COPY takes no parameters); CHECKS are constants.
    ("monitor/store/maintenance.py", "_table_checksum"): {
        "table": "table names from the catalogue",
        "source": "the quoted table, or a SELECT of its columns as a backup's Parquet file names them, each quoted",
    },
    ("monitor/store/maintenance.py", "backup"): {"table": "table names from the catalogue", "path": "the backup folder, quoted"},
    ("monitor/store/maintenance.py", "restore"): {"table": "table names from the catalogue"},
    ("monitor/store/maintenance.py", "_load_backup"): {"table": "table names from the catalogue"},
    # The DuckLake store: LOAD, ATTACH, USE, DETACH and postgres_execute take no prepared parameters. The
    # values are configuration (the location, MONITOR_DATA_PATH, extension files inside installed
    # packages), quoted by _sql_string; aliases are constants plus a hash of the location; the lock
    # statement is a constant with an integer timeout.
    ("monitor/store/lake.py", "_instance"): {"file": "an extension file inside an installed package, quoted"},
    ("monitor/store/lake.py", "scratch"): {"self": "the configured conninfo, quoted, and the store's alias"},
    ("monitor/store/lake.py", "exists"): {"self": "the store's alias (a constant and a hash)"},
    ("monitor/store/lake.py", "_attach"): {"statement": "the configured location and data path, quoted"},
    ("monitor/store/lake.py", "_write_lock"): {"self": "the store's alias", "sql": "a constant with an integer timeout"},
    ("monitor/store/lake.py", "read"): {"self": "the store's alias"},
    ("monitor/store/lake.py", "write"): {"self": "the store's alias"},
    ("monitor/store/lake.py", "close"): {"alias": "the store's aliases (a constant and a hash)"},
    ("monitor/store/maintenance.py", "check"): {"sql": "the constant CHECKS"},
    # Temporary table names chosen by the code (default 'reading_stage', ingest's 'valid_readings').
    ("monitor/store/queries.py", "create_reading_stage"): {"name": "a temporary table name from the code"},
    ("monitor/store/queries.py", "stage_readings"): {"name": "a temporary table name from the code"},
    ("monitor/store/queries.py", "stage_reading_dicts"): {"name": "a temporary table name from the code"},
    ("monitor/store/queries.py", "classify_staged"): {"stage": "a temporary table name from the code"},
    ("monitor/store/queries.py", "add_staged_readings"): {"stage": "a temporary table name from the code"},
    ("monitor/store/queries.py", "count_rows"): {"table": "a constant tuple of table names"},
    ("monitor/store/refresh_queries.py", "claim_deliveries"): {"marks": "'?' placeholders, one per kind"},
    ("monitor/store/schema.py", "migrate"): {"statement": "the constant MIGRATIONS"},
    # Baseline dates from the database, written with date.isoformat() as DATE literals.
    ("monitor/store/status_queries.py", "goal_columns"): {"date_list": "DATE literals from date.isoformat()"},
    # monitor migrate: table names from schema.MIGRATIONS (the source's tables are checked against them
    # first), quoted by _quote; the Parquet folder is a tempfile.mkdtemp() of the code, quoted (COPY takes
    # no parameter for its file name).
    ("monitor/store/transfer.py", "export_tables"): {"table": "table names from schema.MIGRATIONS",
                                                     "folder": "a temporary folder of the code, quoted"},
    ("monitor/store/transfer.py", "row_counts"): {"table": "table names from schema.MIGRATIONS"},
    ("monitor/store/transfer.py", "replace_table"): {"table": "table names from schema.MIGRATIONS"},
}


def _free_names(node: ast.AST | None, safe: set[str]) -> set[str]:
    """The names whose values flow into ``node``'s value, except constants (UPPER_CASE), safe
    builtins, comprehension variables, helper functions called by name, and ``safe`` locals."""
    if node is None or isinstance(node, ast.Constant):
        return set()
    if isinstance(node, ast.Name):
        constant = re.fullmatch(r"_?[A-Z][A-Z0-9_]*", node.id)
        return set() if constant or node.id in SAFE_NAMES or node.id in safe else {node.id}
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and re.fullmatch(r"[A-Z][A-Za-z0-9]*", node.value.id) and re.fullmatch(r"[A-Z][A-Z0-9_]*", node.attr)):
        return set()  # a class's constant member (an enum's code such as ComparatorCode.GE)
    if isinstance(node, ast.IfExp):  # the condition chooses between values; it does not flow into them
        return _free_names(node.body, safe) | _free_names(node.orelse, safe)
    if isinstance(node, ast.Call):
        names = set().union(*(_free_names(a, safe) for a in node.args), *(_free_names(k.value, safe) for k in node.keywords))
        return names | (set() if isinstance(node.func, ast.Name) else _free_names(node.func, safe))
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        bound = {t.id for g in node.generators for t in ast.walk(g.target) if isinstance(t, ast.Name)}
        inner = safe | bound
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        names = set().union(*(_free_names(x, inner) for x in parts))
        for g in node.generators:
            names |= _free_names(g.iter, inner) | set().union(*(_free_names(c, inner) for c in g.ifs))
        return names
    return set().union(*(_free_names(child, safe) for child in ast.iter_child_nodes(node)))


def dynamic_sql(source: str) -> list[tuple[str, int, set[str]]]:
    """(function, line, names) of each SQL call whose statement interpolates a non-constant value.

    A local variable assigned (earlier in the function) only from constants and other such locals
    counts as a constant.
    """
    found = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        safe: set[str] = set()
        assignments = sorted((n for n in ast.walk(function) if isinstance(n, ast.Assign)), key=lambda n: n.lineno)
        for assignment in assignments:
            targets = [t.id for t in assignment.targets if isinstance(t, ast.Name)]
            if targets and not _free_names(assignment.value, safe):
                safe.update(targets)
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_CALLS and node.args):
                continue
            names = _free_names(node.args[0], safe)
            if names:
                found.append((function.name, node.lineno, names))
    return found


def test_the_sql_scan_catches_interpolated_input() -> None:
    bad = '''
def f(con, user):
    con.execute(f"SELECT * FROM reading WHERE note = '{user}'")
    con.execute("SELECT * FROM reading WHERE note = '%s'" % user)
    con.execute("SELECT * FROM reading WHERE note = '{}'".format(user))
    con.execute("SELECT * FROM " + user)
    con.execute(f"SELECT {', '.join(c for c in COLUMNS)} FROM t WHERE x = ?", [user])
    part = "AND x IS NOT NULL" if user else ""
    con.execute(f"SELECT * FROM t WHERE true {part}")
    cleaned = user.strip()
    con.execute(f"SELECT * FROM t WHERE note = '{cleaned}'")
    con.execute(f"SELECT * FROM t WHERE note IN ({', '.join(repr(u) for u in user)})")
    con.execute(f"SELECT * FROM t WHERE kind = {Code.GE:d} AND note = '{user.NAME}'")
'''
    assert [(f, sorted(n)) for f, _, n in dynamic_sql(bad)] == [("f", ["user"])] * 4 + [("f", ["cleaned"])] + [("f", ["user"])] * 2


def test_sql_takes_values_as_parameters_and_identifiers_only_from_constants() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        for function, line, names in dynamic_sql(path.read_text(encoding="utf-8")):
            allowed = ALLOWED.get((relative, function), {})
            unexplained = sorted(names - set(allowed))
            if unexplained:
                offenders.append(f"{relative}:{line} {function}() builds SQL from {unexplained}")
    assert not offenders, (
        "SQL built from non-constant values; pass values as ? parameters, or (for identifiers that "
        "cannot be parameters) add the site to ALLOWED with why the value cannot come from input:\n"
        + "\n".join(offenders)
    )


# ---------------------------------------------------------------- the editor password


def test_hash_and_verify() -> None:
    encoded = hash_password("correct horse")
    assert encoded.startswith("scrypt$") and "correct" not in encoded
    assert verify_password("correct horse", encoded)
    for wrong in ("correct horse ", "Correct horse", "", "x" * 2000, "correct horse\x00", "correct horse\x00\x00"):
        assert not verify_password(wrong, encoded)
    assert hash_password("correct horse") != encoded, "a new salt every time"
    legacy = hash_password("pw", method="pbkdf2_sha256")
    assert verify_password("pw", legacy) and not verify_password("pW", legacy)
    for bad in ("", "pw\x00", "x" * 1025):
        with pytest.raises(ValueError):
            hash_password(bad)


@pytest.mark.parametrize("bad", [
    "", "plain-password", "scrypt$1$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "scrypt$16384$8$1$!!$??",
    "scrypt$2147483648$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==", "md5$abc", "pbkdf2_sha256$1$c2FsdA==$aGFzaA==",
    "scrypt$16384$8$1$c2FsdHNhbHQ=", "'; DROP TABLE reading; --",
])
def test_malformed_hashes_never_verify_and_are_config_errors(bad: str) -> None:
    assert not verify_password("anything", bad)
    with pytest.raises(ValueError):
        check_hash(bad)
    if bad:
        with pytest.raises(ConfigError) as caught:
            configured_hash(None, {ENV_VAR: bad})
        assert bad not in str(caught.value) or len(bad) < 20


def test_the_hash_comes_from_the_environment_else_the_secrets() -> None:
    first, second = hash_password("one"), hash_password("two")
    assert configured_hash({"editor_password_hash": second}, {ENV_VAR: first}) == first
    assert configured_hash({"editor_password_hash": second}, {}) == second
    assert configured_hash({}, {}) is None and configured_hash(None, {ENV_VAR: "  "}) is None

    class NoSecretsFile(dict):  # what st.secrets does without .streamlit/secrets.toml
        def get(self, key: str, default: Any = None) -> Any:
            raise FileNotFoundError("no secrets")

    assert configured_hash(NoSecretsFile(), {}) is None


class Clock:
    """An injected monotonic clock: tests move it, nothing sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_that_guesses_waits_and_another_session_does_not() -> None:
    clock = Clock()
    throttle = Throttle(session_limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert throttle.wait_s("attacker") == 0
        throttle.failed("attacker")
    clock.now += 1
    assert throttle.wait_s("attacker") == 59
    assert throttle.wait_s("editor") == 0, "another session is not locked out"
    clock.now += 59
    assert throttle.wait_s("attacker") == 0
    throttle.failed("editor")
    throttle.succeeded("editor")
    assert throttle._failures.get(("session", "editor")) is None, "a sign-in forgets the session's failures"


def test_an_address_is_throttled_across_its_sessions_and_no_other_address() -> None:
    clock = Clock()
    throttle = Throttle(session_limit=5, address_limit=4, window_s=600, global_limit=1000, clock=clock)
    for n in range(4):  # a script that opens a new session for every guess
        assert throttle.wait_s(f"script-{n}", "203.0.113.7") == 0
        throttle.failed(f"script-{n}", "203.0.113.7")
        clock.now += 10
    assert throttle.wait_s("script-new", "203.0.113.7") == 600 - 40
    assert throttle.wait_s("editor", "198.51.100.2") == 0
    assert throttle.wait_s("editor", None) == 0, "an unknown address falls back to the session"
    clock.now += 600 - 40
    assert throttle.wait_s("script-new", "203.0.113.7") == 0


def test_the_reported_lockout_ten_wrong_passwords_a_minute_for_an_hour() -> None:
    """Issue 14 item 10: ten wrong passwords a minute from any visitor locked every session out for
    as long as they went on. Now the editor at another address signs in at once, every minute."""
    clock = Clock()
    throttle = Throttle(clock=clock)
    refused = 0
    for minute in range(60):
        for n in range(10):
            # Each guess from a fresh session, alternately from two addresses of the attacker.
            session, address = f"attacker-{minute}-{n}", f"203.0.113.{n % 2}"
            if throttle.wait_s(session, address) > 0:
                refused += 1
            else:
                assert throttle.turn_s() == 0
                throttle.failed(session, address)
            clock.now += 6
        assert throttle.wait_s(f"editor-{minute}", "198.51.100.2") == 0
        assert throttle.turn_s() == 0, "ten a minute stay below the global ceiling"
    assert 600 - refused == 2 * 20 * 4, "each of the attacker's addresses: 20 guesses per 15 minutes"


def test_the_global_ceiling_slows_every_attempt_and_never_refuses_one() -> None:
    clock = Clock()
    throttle = Throttle(global_limit=30, global_window_s=60, global_interval_s=1.0, max_delay_s=10.0, clock=clock)
    for n in range(30):  # a guessing run spread over 30 addresses, one guess each
        throttle.failed(f"bot-{n}", f"192.0.2.{n}")
    assert throttle.wait_s("editor", "198.51.100.2") == 0, "the ceiling never refuses"
    # Attempts arriving together take turns, one a second, each waiting at most 10 s.
    turns = [throttle.turn_s() for _ in range(15)]
    assert turns[:11] == [float(n) for n in range(11)]
    assert turns[11:] == [10.0] * 4
    clock.now += 60
    assert throttle.turn_s() == 0, "below the ceiling again once the failures are a minute old"


def test_the_throttle_remembers_a_bounded_number_of_clients() -> None:
    clock = Clock()
    throttle = Throttle(session_limit=2, window_s=60, max_clients=100, clock=clock)
    for n in range(1000):
        throttle.failed(f"s{n}", f"a{n}")
    assert len(throttle._failures) == 100
    throttle.failed("s999", "a999")
    assert throttle.wait_s("s999", "a999") > 0, "the newest are kept"
    clock.now += 61
    throttle.failed("late", None)
    assert list(throttle._failures) == [("session", "late")], "failures out of the window are forgotten"


def test_hash_password_command() -> None:
    result = CliRunner().invoke(hash_password_command, input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    encoded = result.stdout.strip().splitlines()[-1]
    assert verify_password("s3cret", encoded) and "s3cret" not in result.stdout.replace(encoded, "")
    assert ENV_VAR in result.stderr
    piped = CliRunner().invoke(hash_password_command, ["--stdin"], input="from stdin\n")
    assert piped.exit_code == 0 and verify_password("from stdin", piped.stdout.strip())
    empty = CliRunner().invoke(hash_password_command, ["--stdin"], input="\n")
    assert empty.exit_code == 5


def main_inputs(at: AppTest) -> list[Any]:
    return [w for w in at.text_input if w.key != "editor_password"]


@pytest.fixture(scope="module")
def editor_hash() -> str:
    return hash_password("editor pass")


def test_without_a_password_the_writing_pages_say_it_is_for_a_trusted_network(app_db: Store) -> None:
    for page in ("add_reading.py", "import_page.py", "refresh_page.py"):
        at = open_app(page, lang="en", indicator="racks")
        assert any("trusted network" in c.value for c in at.caption), page
        assert not at.sidebar.text_input, "no sign-in form when no password is set"
    assert open_app("refresh_page.py", lang="en").button(key="refresh_run_now")


def test_with_a_password_writing_needs_a_sign_in_and_reading_stays_open(
    app_db: Store, editor_hash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, editor_hash)
    before = counts(app_db)
    overview = open_app("overview.py", lang="en")
    assert [h for h in overview.html if "ov-table" in h.value], "reading stays open"
    goal = open_app("goal.py", lang="en", goal="racks")
    assert not goal.error

    add = open_app("add_reading.py", lang="en", indicator="racks")
    assert any("sign-in required" in w.value for w in add.warning)
    assert not main_inputs(add), "no form before signing in"
    imp = open_app("import_page.py", lang="en")
    assert not imp.get("file_uploader") and any("sign-in required" in w.value for w in imp.warning)
    refresh = open_app("refresh_page.py", lang="en")
    assert not [b for b in refresh.button if b.key == "refresh_run_now"]
    assert refresh.dataframe, "the run history stays readable"

    add.sidebar.text_input(key="editor_password").set_value("'; DROP TABLE reading; --")
    add.sidebar.button[0].click().run()
    assert not add.exception
    assert any("Wrong password" in e.value for e in add.sidebar.error)
    assert not main_inputs(add)

    add.sidebar.text_input(key="editor_password").set_value("editor pass")
    add.sidebar.button[0].click().run()
    assert not add.exception
    assert any("Signed in" in s.value for s in add.sidebar.success)
    assert not add.sidebar.text_input, "the password field is gone once signed in"
    add.selectbox(key="add_kind_racks").set_value("point").run()
    add.text_input(key="add_value").set_value("24000")
    add.button(key="add_submit").click().run()
    assert not add.exception and not add.error
    assert counts(app_db)["reading"] == before["reading"] + 1

    add.button(key="editor_sign_out").click().run()
    assert not main_inputs(add) and any("sign-in required" in w.value for w in add.warning)


def sign_in(at: AppTest, password: str) -> None:
    at.sidebar.text_input(key="editor_password").set_value(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception


def test_the_right_password_from_another_session_works_during_an_attack(
    app_db: Store, editor_hash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    from monitor.services.auth import Throttle

    st.cache_resource.clear()  # a fresh process-wide throttle, whatever other tests did
    monkeypatch.setenv(ENV_VAR, editor_hash)
    limit = Throttle().session_limit
    # Three guessing sessions, 15 wrong passwords in all (the old process-wide limit was 10 a minute).
    attackers = [open_app("add_reading.py", lang="en", indicator="racks") for _ in range(3)]
    for attacker in attackers:
        for n in range(limit):
            sign_in(attacker, f"guess {n}")
            assert any("Wrong password" in e.value for e in attacker.sidebar.error)
        sign_in(attacker, "editor pass")
        assert any("Too many attempts" in e.value for e in attacker.sidebar.error), "the guessing session waits"
        assert not main_inputs(attacker)

    editor = open_app("add_reading.py", lang="en", indicator="racks")
    sign_in(editor, "editor pass")
    assert any("Signed in" in s.value for s in editor.sidebar.success), [e.value for e in editor.sidebar.error]
    assert main_inputs(editor), "the editor can write during the attack"
    sign_in(attacker, "another guess")
    assert any("Too many attempts" in e.value for e in attacker.sidebar.error)


def test_a_malformed_hash_disables_writing(app_db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "not-a-hash")
    add = open_app("add_reading.py", lang="zh", indicator="racks")
    assert any("已禁止写入" in e.value for e in add.error)
    assert not main_inputs(add)
    assert "not-a-hash" not in " ".join(e.value for e in add.error)


def test_upload_size_is_limited(app_db: Store) -> None:
    import tomllib

    from monitor.present.entry import UPLOAD_LIMIT_MB

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == UPLOAD_LIMIT_MB
    at = open_app("import_page.py", lang="en")
    big = b"indicator_id,period_end,value\n" + b"racks,2024-12-31,5\n" * ((UPLOAD_LIMIT_MB << 20) // 19 + 1)
    at.file_uploader(key="imp_file").set_value(("big.csv", big, "text/csv")).run()
    assert not at.exception
    assert any(f"larger than the {UPLOAD_LIMIT_MB} MB upload limit" in e.value for e in at.error)
    assert not at.metric, "nothing was validated or written"


def test_a_secrets_file_is_never_committed() -> None:
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
