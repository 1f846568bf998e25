"""Exports: shapes, round-trips through the importer, and spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.files.catalog import init_store
from monitor.files.export import READING_EXPORT_COLUMNS, collect, export_store, neutralise
from monitor.files.ingest import add_reading, import_file
from monitor.store import queries
from monitor.store.connection import Store

FORMATS = ("csv", "json", "parquet", "xlsx")
FORMULA = '=HYPERLINK("http://evil.example","click")'


def reading_set(store: Store) -> set[tuple[str, date, date, float, str]]:
    with store.read() as con:
        return {(r.indicator_id, r.period_start, r.period_end, r.value, r.qualifier.value) for r in queries.list_readings(con)}


@pytest.fixture(scope="module")
def _seed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "seeded.duckdb"
    store = Store(path)
    init_store(store)
    store.close()
    return path


@pytest.fixture
def second_db(_seed_template: Path, tmp_path: Path) -> Iterator[Store]:
    """Another database initialised from the same seed, as `monitor init` leaves it (a copy of one)."""
    path = tmp_path / "second" / "monitor.duckdb"
    path.parent.mkdir()
    shutil.copyfile(_seed_template, path)
    store = Store(path)
    yield store
    store.close()


def test_json_export_is_one_object_with_everything(fresh_db: Store) -> None:
    data = json.loads(export_store(fresh_db, "json") or "")
    assert set(data) == {"indicators", "targets", "readings"}
    with fresh_db.read() as con:
        indicators = queries.list_indicators(con)
        targets = queries.list_targets(con)
        readings = queries.list_readings(con)
    assert readings and targets and indicators  # the seed has some of each
    assert [i["id"] for i in data["indicators"]] == [i.id for i in indicators]
    assert [(t["id"], t["indicator_id"], t["value"]) for t in data["targets"]] == [(t.id, t.indicator_id, t.value) for t in targets]
    assert [(r["indicator_id"], r["period_start"], r["period_end"], r["value"]) for r in data["readings"]] == [
        (r.indicator_id, r.period_start.isoformat(), r.period_end.isoformat(), r.value) for r in readings
    ]
    units = {i.id: i.unit for i in indicators}
    assert all(r["unit"] == units[r["indicator_id"]] for r in data["readings"])


def test_a_retired_indicator_says_so_in_the_json_and_xlsx_exports(fresh_db: Store, tmp_path: Path) -> None:
    import openpyxl

    from monitor.present.catalog_edit import retire_indicator

    with fresh_db.read() as con:
        first, second = [i.id for i in queries.list_indicators(con)][:2]
    retire_indicator(fresh_db, first, "replaced by the 2026 plan's indicator", "ana", date(2026, 1, 31))
    data = json.loads(export_store(fresh_db, "json") or "")
    rows = {i["id"]: i for i in data["indicators"]}
    assert (rows[first]["retired_on"], rows[first]["retired_reason"]) == ("2026-01-31", "replaced by the 2026 plan's indicator")
    assert (rows[second]["retired_on"], rows[second]["retired_reason"]) == (None, None)
    out = tmp_path / "export.xlsx"
    export_store(fresh_db, "xlsx", out)
    sheet = openpyxl.load_workbook(out)["indicators"]
    header = [c.value for c in sheet[1]]
    by_id = {r[header.index("id")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_id[first][header.index("retired_reason")] == "replaced by the 2026 plan's indicator"


def test_history_export_keeps_every_revision(fresh_db: Store) -> None:
    add_reading(fresh_db, "tourist-visits", "100", "2024-05-31", period_start="2024-01-01")
    add_reading(fresh_db, "tourist-visits", "200", "2024-05-31", period_start="2024-01-01")
    latest = collect(fresh_db)["readings"]
    history = collect(fresh_db, history=True)["readings"]
    pick = lambda rows: [(r["revision"], r["value"]) for r in rows if r["period_end"] == "2024-05-31"]  # noqa: E731
    assert pick(latest) == [(2, 200.0)]
    assert pick(history) == [(1, 100.0), (2, 200.0)]
    assert len(history) == len(latest) + 1


def test_csv_export_has_one_row_per_reading(fresh_db: Store) -> None:
    text = export_store(fresh_db, "csv") or ""
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0].keys()) == READING_EXPORT_COLUMNS
    assert {(r["indicator_id"], r["period_end"], float(r["value"])) for r in rows} == {
        (i, e.isoformat(), v) for i, _, e, v, _ in reading_set(fresh_db)
    }


def test_binary_formats_need_an_output_file(fresh_db: Store) -> None:
    for fmt in ("parquet", "xlsx"):
        with pytest.raises(ConfigError, match="--out"):
            export_store(fresh_db, fmt)
    with pytest.raises(ConfigError, match="unknown export format"):
        export_store(fresh_db, "ods", "x.ods")


def test_text_formats_write_a_file_when_given_one(fresh_db: Store, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out.json"
    assert export_store(fresh_db, "json", out) is None
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(export_store(fresh_db, "json") or "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reimports_into_the_same_catalogue_as_unchanged(fresh_db: Store, second_db: Store, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    export_store(fresh_db, fmt, out)
    with second_db.read() as con:
        before = queries.count_rows(con)
    report = import_file(second_db, out)
    assert (report.new, report.revised, report.rejected) == (0, 0, 0)
    assert report.unchanged == len(reading_set(fresh_db)) > 0
    with second_db.read() as con:
        assert queries.count_rows(con) == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_restores_the_readings_of_an_emptied_database(fresh_db: Store, second_db: Store, tmp_path: Path, fmt: str) -> None:
    add_reading(fresh_db, "tourist-visits", "1.1", "2024-05-31", period_start="2024-01-01", unit="万人次", note=FORMULA)
    out = tmp_path / f"export.{fmt}"
    export_store(fresh_db, fmt, out)
    with second_db.write() as con:
        con.execute("DELETE FROM reading")
    report = import_file(second_db, out)
    expected = reading_set(fresh_db)
    assert report.new == len(expected)
    assert reading_set(second_db) == expected


def test_export_of_a_database_without_readings(empty_db: Store, tmp_path: Path) -> None:
    for fmt in FORMATS:
        export_store(empty_db, fmt, tmp_path / f"e.{fmt}")
    assert json.loads((tmp_path / "e.json").read_text(encoding="utf-8")) == {"indicators": [], "targets": [], "readings": []}
    # A CSV file starts with a UTF-8 BOM so that Excel on Chinese Windows reads it as UTF-8.
    assert (tmp_path / "e.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "e.csv").read_text(encoding="utf-8-sig").strip() == ",".join(READING_EXPORT_COLUMNS)
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "e.parquet").num_rows == 0


def test_neutralise() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("plain =") == "plain ="
    assert neutralise(-5.0) == -5.0  # numbers are not formulas


def test_csv_export_neutralises_formulas(fresh_db: Store) -> None:
    add_reading(fresh_db, "tourist-visits", "100", "2024-05-31", period_start="2024-01-01", note=FORMULA)
    rows = list(csv.DictReader(io.StringIO(export_store(fresh_db, "csv") or "")))
    (row,) = [r for r in rows if r["period_end"] == "2024-05-31"]
    assert row["note"] == "'" + FORMULA
    # JSON is not opened by spreadsheets: the note stays as written there.
    data = json.loads(export_store(fresh_db, "json") or "")
    assert [r["note"] for r in data["readings"] if r["period_end"] == "2024-05-31"] == [FORMULA]


def test_xlsx_export_neutralises_formulas(fresh_db: Store, tmp_path: Path) -> None:
    import openpyxl

    add_reading(fresh_db, "tourist-visits", "100", "2024-05-31", period_start="2024-01-01", note=FORMULA)
    out = tmp_path / "out.xlsx"
    export_store(fresh_db, "xlsx", out)
    book = openpyxl.load_workbook(out)  # formulas kept as formulas, not evaluated
    assert book.sheetnames == ["readings", "indicators", "targets"]
    sheet = book["readings"]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == READING_EXPORT_COLUMNS
    note_col = header.index("note")
    notes = [row[note_col] for row in sheet.iter_rows(min_row=2) if row[header.index("period_end")].value == "2024-05-31"]
    assert [(c.value, c.data_type) for c in notes] == [("'" + FORMULA, "s")]
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)
    assert book["indicators"].max_row == len(collect(fresh_db)["indicators"]) + 1


def test_parquet_export_has_typed_columns(fresh_db: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "out.parquet"
    export_store(fresh_db, "parquet", out)
    table = pq.read_table(out)
    assert table.column_names == list(READING_EXPORT_COLUMNS)
    assert table.schema.field("period_end").type == pa.date32()
    assert table.schema.field("value").type == pa.float64()
    assert table.num_rows == len(reading_set(fresh_db))
