"""Reading files and single readings: parsing, validation with locations, atomicity, formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor import clock
from monitor.errors import Problem, ValidationError
from monitor.files.ingest import add_reading, import_file, import_rows
from monitor.store import queries
from monitor.store.connection import Store

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"
HEADER = "indicator_id,period_start,period_end,value,unit,note"
TODAY = date(2025, 7, 11)


@pytest.fixture(autouse=True)
def no_jump_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules here are checked with figures chosen before plausibility existed (1 rack after 23,000):
    the jump check is off in this module; tests/test_plausibility.py checks it on both import paths."""
    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "off")
    monkeypatch.setenv("MONITOR_JUMP_POINTS", "off")


@pytest.fixture
def db(cat_db: Store) -> Iterator[Store]:
    """A database seeded from the small test catalogue: visits (人次, flow, monthly), good-air-share (%,
    ratio, yearly, bounds 0..100), racks (架, stock), special-funds (元, cumulative since 2021-01-01)."""
    yield cat_db


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def counts(store: Store) -> dict[str, int]:
    with store.read() as con:
        return queries.count_rows(con)


def readings(store: Store, indicator: str, history: bool = False) -> list[tuple[date, date, float, str]]:
    with store.read() as con:
        return [
            (r.period_start, r.period_end, r.value, r.qualifier.value)
            for r in queries.list_readings(con, indicator, history=history)
        ]


def problems_of(store: Store, path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        import_file(store, path, today=TODAY)
    return caught.value.problems


def where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in problems]


# ---------------------------------------------------------------- happy path


def test_valid_csv_imports_every_row(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", [
        HEADER,
        "visits,2024-01-01,2024-05-31,9000000,,",
        "good-air-share,2024-01-01,2024-12-31,88.5,,",
        "racks,,2024-12-31,30000,,",
    ])
    before = counts(db)["reading"]
    report = import_file(db, path, today=TODAY)
    assert (report.rows, report.valid, report.rejected, report.new, report.revised) == (3, 3, 0, 3, 0)
    assert report.written and not report.problems
    assert counts(db)["reading"] == before + 3
    assert (date(2024, 1, 1), date(2024, 5, 31), 9000000.0, "exact") in readings(db, "visits")
    # A stock is a point in time: the start defaults to the end.
    assert (date(2024, 12, 31), date(2024, 12, 31), 30000.0, "exact") in readings(db, "racks")
    with db.read() as con:
        sources = {r.source for r in queries.list_readings(con, "good-air-share")}
    assert sources == {"ok.csv"}  # the file name is the default source


def test_period_start_is_inferred_from_a_month_end(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "infer.csv", [
        "indicator_id,period_end,value",
        "visits,2024-02-29,100",          # monthly flow: the month
        "good-air-share,2024-12-31,90",   # yearly ratio: the year
        "special-funds,2024-06-30,5e8",   # cumulative: from cumulative_since
    ])
    import_file(db, path, today=TODAY)
    assert (date(2024, 2, 1), date(2024, 2, 29), 100.0, "exact") in readings(db, "visits")
    assert readings(db, "good-air-share") == [(date(2024, 1, 1), date(2024, 12, 31), 90.0, "exact")]
    assert readings(db, "special-funds") == [(date(2021, 1, 1), date(2024, 6, 30), 5e8, "exact")]


def test_value_in_display_unit_is_stored_in_base_units(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", [
        HEADER,
        "visits,2024-01-01,2024-05-31,1245.19,万人次,",
        "visits,2023-01-01,2023-05-31,0.07,万人次,",     # 0.07 * 1e4 is 700.0000000000001 in floats
        "special-funds,2021-01-01,2024-12-31,5.3,亿元,",
        "racks,,2024-12-31,2.3,万,",                   # a bare magnitude word: 万 of the base unit
    ])
    import_file(db, path, today=TODAY)
    values = {(p[1], p[2]) for p in readings(db, "visits")}
    assert (date(2024, 5, 31), 12451900.0) in values
    assert (date(2023, 5, 31), 700.0) in values
    assert readings(db, "special-funds")[0][2] == 530000000.0
    assert readings(db, "racks")[-1][2] == 23000.0


def test_reimporting_a_converted_value_is_unchanged(db: Store, tmp_path: Path) -> None:
    # The seed holds 12451900 for Jan-May 2025; the same figure in 万人次 must match it exactly.
    path = write(tmp_path, "same.csv", [HEADER, "visits,2025-01-01,2025-05-31,1245.19,万人次,"])
    report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised, report.unchanged) == (0, 0, 1)


@pytest.mark.parametrize(
    ("written", "expected", "qualifier"),
    [
        ("2.3万", 23000.0, "exact"),
        ("１２３４", 1234.0, "exact"),
        ('"23,000"', 23000.0, "exact"),
        ("约2.3万", 23000.0, "approx"),
        ("13万余", 130000.0, "more_than"),
        ("1.1853E+10", 11853000000.0, "exact"),
    ],
)
def test_unambiguous_chinese_and_spreadsheet_forms(db: Store, tmp_path: Path, written: str, expected: float, qualifier: str) -> None:
    path = write(tmp_path, "forms.csv", ["indicator_id,period_start,period_end,value", f"visits,2024-01-01,2024-05-31,{written}"])
    import_file(db, path, today=TODAY)
    assert (date(2024, 1, 1), date(2024, 5, 31), expected, qualifier) in readings(db, "visits")


def test_percent_sign_is_accepted_for_a_percent_indicator(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "pct.csv", ["indicator_id,period_end,value", "good-air-share,2024-12-31,93.1%"])
    import_file(db, path, today=TODAY)
    assert readings(db, "good-air-share") == [(date(2024, 1, 1), date(2024, 12, 31), 93.1, "exact")]


def test_qualifier_column_takes_words_and_chinese(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", [
        "indicator_id,period_start,period_end,value,qualifier",
        "visits,2024-01-01,2024-01-31,1,approx",
        "visits,2024-02-01,2024-02-29,2,以上",
    ])
    import_file(db, path, today=TODAY)
    got = {r[1]: r[3] for r in readings(db, "visits")}
    assert got[date(2024, 1, 31)] == "approx" and got[date(2024, 2, 29)] == "at_least"


def test_chinese_month_as_period_end(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "month.csv", ["indicator_id,period_end,value", "visits,2024年3月,5"])
    import_file(db, path, today=TODAY)
    assert (date(2024, 3, 1), date(2024, 3, 31), 5.0, "exact") in readings(db, "visits")


def test_header_is_case_and_space_insensitive(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "hdr.csv", [" Indicator_ID ,Period_End, VALUE", "racks,2024-12-31,1"])
    assert import_file(db, path, today=TODAY).new == 1


# ---------------------------------------------------------------- encodings and formats


NOTE_ZH = "数据来自市文旅广电局月报，含春节假期"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(db: Store, tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, f"enc-{encoding}.csv", [HEADER, f"visits,2024-01-01,2024-01-31,12.5,万人次,{NOTE_ZH}"], encoding=encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_text(encoding="utf-8")  # really not UTF-8
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    import_file(db, path, today=TODAY)
    with db.read() as con:
        got = [(r.value, r.note) for r in queries.list_readings(con, "visits") if r.period_end == date(2024, 1, 31)]
    assert got == [(125000.0, NOTE_ZH)]


def test_file_that_is_neither_utf8_nor_gb18030_is_rejected(db: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"indicator_id,period_end,value\nvisits,2024-01-31,\x81\x20\xff\xfe\n")
    problems = problems_of(db, path)
    assert problems[0].source == "bad.csv" and "GB18030" in problems[0].reason


ROWS = [
    {"indicator_id": "visits", "period_start": "2024-01-01", "period_end": "2024-01-31", "value": 1000, "note": NOTE_ZH},
    {"indicator_id": "racks", "period_start": None, "period_end": "2024-12-31", "value": 2.5, "unit": "万架"},
]
EXPECTED = {("visits", date(2024, 1, 31), 1000.0), ("racks", date(2024, 12, 31), 25000.0)}


def _imported(store: Store) -> set[tuple[str, date, float]]:
    with store.read() as con:
        return {
            (r.indicator_id, r.period_end, r.value)
            for r in queries.list_readings(con) if r.period_end.year == 2024
        }


def test_xlsx_written_by_openpyxl(db: Store, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator_id", "period_start", "period_end", "value", "unit", "note"])
    sheet.append(["visits", date(2024, 1, 1), date(2024, 1, 31), 1000, None, NOTE_ZH])
    sheet.append([None] * 6)  # a blank row in the middle is skipped, not numbered anew
    sheet.append(["racks", None, "2024-12-31", 2.5, "万架", None])
    sheet.append(["nope", None, "2024-12-31", 1, None, None])
    path = tmp_path / "in.xlsx"
    book.save(path)
    problems = problems_of(db, path)
    assert where(problems) == [(5, "indicator_id")]  # spreadsheet row 5: the blank row 3 still counts
    sheet.delete_rows(5)
    book.save(path)
    report = import_file(db, path, today=TODAY)
    assert report.rows == 2 and report.new == 2
    assert _imported(db) == EXPECTED


def test_parquet_written_by_pyarrow(db: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "indicator_id": ["visits", "racks"],
        "period_start": [date(2024, 1, 1), None],
        "period_end": [date(2024, 1, 31), date(2024, 12, 31)],
        "value": [1000.0, 2.5],
        "unit": [None, "万架"],
        "note": [NOTE_ZH, None],
    })
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    assert import_file(db, path, today=TODAY).new == 2
    assert _imported(db) == EXPECTED


@pytest.mark.parametrize("shape", ["list", "export-object"])
def test_json_list_and_export_object(db: Store, tmp_path: Path, shape: str) -> None:
    document: object = ROWS if shape == "list" else {"indicators": [], "targets": [], "readings": ROWS}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert import_file(db, path, today=TODAY).new == 2
    assert _imported(db) == EXPECTED


def test_json_rows_are_numbered_from_one(db: Store, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps([ROWS[0], {**ROWS[1], "value": "lots"}]), encoding="utf-8")
    assert where(problems_of(db, path)) == [(2, "value")]


def test_json_that_is_not_a_list_of_objects(db: Store, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"rows": []}', encoding="utf-8")
    assert "'readings' list" in problems_of(db, path)[0].reason


def test_unsupported_file_type_and_missing_file(db: Store, tmp_path: Path) -> None:
    odt = tmp_path / "in.odt"
    odt.write_text("x")
    assert "unsupported file type" in problems_of(db, odt)[0].reason
    assert "file not found" in problems_of(db, tmp_path / "missing.csv")[0].reason


# ---------------------------------------------------------------- validation errors with locations


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        ("nope,2024-01-01,2024-01-31,5,,", "indicator_id", "unknown indicator"),
        ("visits,2024-01-01,2024-01-31,abc,,", "value", "no number"),
        ("visits,2024-01-01,2024-01-31,,,", "value", "is required"),
        ("visits,2024-01-01,2024-01-31,1 234,,", "value", "space inside a number"),
        ("visits,2024-01-01,2024-01-31,\"1,2,3\",,", "value", "malformed"),
        ("good-air-share,2024-01-01,2024-12-31,100.5,,", "value", "above the plausible maximum 100"),
        ("visits,2024-01-01,2024-01-31,-5,,", "value", "below the plausible minimum 0"),
        ("visits,2024-02-01,2024-01-31,5,,", "period_end", "is before period_start 2024-02-01"),
        ("visits,2025-07-01,2025-07-31,5,,", "period_end", "is in the future (after 2025-07-11)"),
        ("visits,2024-01-01,2024-13-45,5,,", "period_end", "month 13"),
        ("visits,2024-01-01,,5,,", "period_end", "is required"),
        ("visits,2024-01-01,2024-01-31,5,万元,", "unit", "cannot be converted to 万人次"),
        ("visits,,2024-01-15,5,,", "period_start", "is required for this indicator"),
    ],
)
def test_each_invalid_row_names_file_row_column_and_reason(db: Store, tmp_path: Path, line: str, column: str, reason: str) -> None:
    path = write(tmp_path, "bad.csv", [HEADER, "racks,,2024-12-31,1,,", line])
    problems = problems_of(db, path)
    assert where(problems) == [(3, column)]  # header = row 1, first data row = 2, this one = 3
    assert problems[0].source == "bad.csv"
    assert reason in problems[0].reason
    assert "00:00" not in problems[0].reason  # dates shown as days
    text = str(problems[0])
    assert text.startswith(f"bad.csv, row 3, column '{column}': ")


def test_unknown_qualifier(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", ["indicator_id,period_end,value,qualifier", "racks,2024-12-31,1,roughly"])
    problems = problems_of(db, path)
    assert where(problems) == [(2, "qualifier")] and "unknown qualifier" in problems[0].reason


def test_future_period_is_judged_against_today(db: Store, tmp_path: Path) -> None:
    tomorrow = clock.today() + timedelta(days=1)
    path = write(tmp_path, "f.csv", ["indicator_id,period_end,value", f"racks,{tomorrow.isoformat()},1"])
    with pytest.raises(ValidationError, match="in the future"):
        import_file(db, path)  # no `today`: the real date
    path = write(tmp_path, "f.csv", ["indicator_id,period_end,value", f"racks,{clock.today().isoformat()},1"])
    assert import_file(db, path).new == 1


def test_identical_duplicate_rows_reject_the_later_one(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "dup.csv", [
        HEADER,
        "visits,2024-01-01,2024-01-31,5,,",
        "racks,,2024-12-31,1,,",
        "visits,2024-01-01,2024-01-31,5,,",
    ])
    problems = problems_of(db, path)
    assert where(problems) == [(4, "period_end")]
    assert problems[0].reason == "duplicates row 2"


def test_same_value_in_another_unit_is_a_duplicate(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "dup.csv", [HEADER, "visits,2024-01-01,2024-01-31,50000,,", "visits,2024-01-01,2024-01-31,5,万人次,"])
    assert [p.reason for p in problems_of(db, path)] == ["duplicates row 2"]


def test_conflicting_duplicate_rows_reject_both_naming_the_other(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "conflict.csv", [
        HEADER,
        "visits,2024-01-01,2024-01-31,5,,",
        "racks,,2024-12-31,1,,",
        "visits,2024-01-01,2024-01-31,6,,",
    ])
    problems = problems_of(db, path)
    assert where(problems) == [(2, "period_end"), (4, "period_end")]
    assert "conflicts with row 4" in problems[0].reason
    assert "conflicts with row 2" in problems[1].reason


def test_unknown_column(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "col.csv", ["indicator_id,period_end,value,colour", "racks,2024-12-31,1,red"])
    problems = problems_of(db, path)
    assert where(problems) == [(1, "colour")] and "unknown column" in problems[0].reason


def test_missing_required_column(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "col.csv", ["indicator_id,period_start,value", "racks,2024-12-31,1"])
    problems = problems_of(db, path)
    assert where(problems) == [(1, "period_end")] and "required column is missing" in problems[0].reason


def test_column_given_twice(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "col.csv", ["indicator_id,period_end,value,Value", "racks,2024-12-31,1,2"])
    assert any(p.column == "value" and "twice" in p.reason for p in problems_of(db, path))


def test_empty_file(db: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    problems = problems_of(db, path)
    assert [(p.source, p.row, p.reason) for p in problems] == [("empty.csv", None, "is empty")]


def test_header_only(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "header.csv", [HEADER])
    problems = problems_of(db, path)
    assert [(p.source, p.row) for p in problems] == [("header.csv", None)]
    assert "no data rows" in problems[0].reason


def test_empty_xlsx_and_empty_json(db: Store, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert "is empty" in problems_of(db, path)[0].reason
    path = tmp_path / "empty.json"
    path.write_text("[]", encoding="utf-8")
    assert "has no readings: the list is empty" in problems_of(db, path)[0].reason


# ---------------------------------------------------------------- atomicity, quarantine, idempotency, dry run

MIXED = [
    HEADER,
    "visits,2024-01-01,2024-01-31,1000,,",
    "visits,2024-02-01,2024-02-29,abc,,",
    "racks,,2024-12-31,30000,,",
    "nope,,2024-12-31,1,,",
]


def test_one_invalid_row_imports_nothing_and_lists_every_problem(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", MIXED)
    before = counts(db)
    with pytest.raises(ValidationError) as caught:
        import_file(db, path, today=TODAY)
    assert where(caught.value.problems) == [(3, "value"), (5, "indicator_id")]
    message = str(caught.value)
    assert "mixed.csv, row 3, column 'value'" in message
    assert "2 of 4 rows invalid, nothing was imported" in message
    assert caught.value.exit_code == 5
    assert counts(db) == before


def test_skip_invalid_imports_valid_rows_and_quarantines_the_rest(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", MIXED)
    before = counts(db)
    report = import_file(db, path, skip_invalid=True, today=TODAY)
    assert (report.rows, report.valid, report.rejected, report.new) == (4, 2, 2, 2)
    after = counts(db)
    assert after["reading"] == before["reading"] + 2
    assert after["rejected_row"] == before["rejected_row"] + 2
    with db.read() as con:
        rejected = queries.list_rejected(con)
    assert [(r["file"], r["row_number"], r["column_name"], r["raw_value"]) for r in rejected] == [
        ("mixed.csv", 3, "value", "abc"),
        ("mixed.csv", 5, "indicator_id", "nope"),
    ]
    assert {r["batch_id"] for r in rejected} == {report.batch_id}
    assert json.loads(rejected[0]["raw_row"])["period_end"] == "2024-02-29"


def test_reimporting_the_same_file_changes_nothing(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", [HEADER, "visits,2024-01-01,2024-01-31,1000,,", "racks,,2024-12-31,30000,,"])
    first = import_file(db, path, today=TODAY)
    assert (first.new, first.revised) == (2, 0)
    before = counts(db)
    again = import_file(db, path, today=TODAY)
    assert (again.new, again.revised, again.unchanged) == (0, 0, 2)
    assert counts(db) == before


def test_changed_file_revises(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", [HEADER, "visits,2024-01-01,2024-01-31,1000,,"])
    import_file(db, path, today=TODAY)
    path = write(tmp_path, "v.csv", [HEADER, "visits,2024-01-01,2024-01-31,1100,,"])
    report = import_file(db, path, today=TODAY)
    assert (report.new, report.revised) == (0, 1)
    history = [r for r in readings(db, "visits", history=True) if r[1] == date(2024, 1, 31)]
    assert [r[2] for r in history] == [1000.0, 1100.0]


def test_dry_run_writes_nothing_but_reports_counts(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", [
        HEADER,
        "visits,2024-01-01,2024-01-31,1000,,",
        "visits,2025-01-01,2025-05-31,1245.20,万人次,",  # the seed has 1245.19: a revision
        "racks,,2025-06-30,23000,,",                      # as in the seed: unchanged
    ])
    before = counts(db)
    report = import_file(db, path, dry_run=True, today=TODAY)
    assert (report.new, report.revised, report.unchanged) == (1, 1, 1)
    assert report.dry_run and not report.written
    assert counts(db) == before


def test_dry_run_with_problems_reports_them_without_raising(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", MIXED)
    before = counts(db)
    report = import_file(db, path, dry_run=True, today=TODAY)
    assert where(report.problems) == [(3, "value"), (5, "indicator_id")]
    assert (report.valid, report.rejected) == (2, 2)
    assert counts(db) == before


def test_progress_callback_reports_each_step(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", [HEADER, "racks,,2024-12-31,1,,"])
    steps: list[str] = []
    import_file(db, path, today=TODAY, progress=lambda step, done, total: steps.append(step))
    assert steps == ["read", "validate", "write", "done"]


def test_large_file_is_set_based(db: Store, tmp_path: Path) -> None:
    # 20,000 monthly rows over many indicators' periods: one statement, well under a few seconds.
    lines = [HEADER] + [
        f"visits,{y:04d}-{m:02d}-01,{y:04d}-{m:02d}-{28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31},{y * 12 + m},,"
        for y in range(1, 1668) for m in range(1, 13)
    ][:20000]
    path = write(tmp_path, "big.csv", lines)
    report = import_file(db, path, today=TODAY)
    assert report.new == 20000


# ---------------------------------------------------------------- single readings


def test_add_reading_then_same_then_changed(db: Store) -> None:
    assert add_reading(db, "racks", "2.3万", "2024-12-31", today=TODAY).new == 1
    assert add_reading(db, "racks", "23000", "2024-12-31", today=TODAY).unchanged == 1
    assert add_reading(db, "racks", "2.4", "2024-12-31", unit="万架", today=TODAY).revised == 1
    assert [r[2] for r in readings(db, "racks", history=True) if r[1] == date(2024, 12, 31)] == [23000.0, 24000.0]


def test_add_reading_error_names_only_the_field(db: Store) -> None:
    before = counts(db)
    with pytest.raises(ValidationError) as caught:
        add_reading(db, "racks", "many", "2024-12-31", today=TODAY)
    assert [(p.source, p.row, p.column) for p in caught.value.problems] == [("reading", None, "value")]
    assert str(caught.value).startswith("reading, column 'value': ")
    assert counts(db) == before


def test_import_rows_records_source_and_note(db: Store) -> None:
    import_rows(db, [{"indicator_id": "racks", "period_end": "2024-12-31", "value": 5, "note": "=1+1"}],
                source_name="form", recorded_by="dashboard", today=TODAY)
    with db.read() as con:
        (r,) = [r for r in queries.list_readings(con, "racks") if r.period_end == date(2024, 12, 31)]
    assert (r.source, r.note, r.recorded_by) == ("form", "=1+1", "dashboard")


# ---------------------------------------------------------------- CSV dialects and ragged rows


def test_short_row_is_reported_on_its_own_row(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "short.csv", ["indicator_id,period_end,value", "racks,2024-12-31,1", "racks,2023-12-31"])
    assert where(problems_of(db, path)) == [(3, "value")]


def test_long_row_is_reported_on_its_own_row(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", ["indicator_id,period_end,value", "racks,2024-12-31,1", "racks,2023-12-31,1,9"])
    problems = problems_of(db, path)
    assert [(p.source, p.row, p.column) for p in problems] == [("long.csv", 3, None)]
    assert problems[0].reason == "has 4 fields; the header has 3"


def test_blank_spreadsheet_row_is_skipped_and_numbering_kept(db: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "gap.csv", ["indicator_id,period_end,value", "racks,2024-12-31,1", ",,", "racks,2023-12-31,x"])
    assert where(problems_of(db, path)) == [(4, "value")]
    path = write(tmp_path, "gap.csv", ["indicator_id,period_end,value", "racks,2024-12-31,1", ",,", "racks,2023-12-31,2"])
    assert import_file(db, path, today=TODAY).rows == 2


@pytest.mark.parametrize(("name", "delimiter"), [("semi.csv", ";"), ("tabs.tsv", "\t"), ("pipes.txt", "|")])
def test_other_delimiters(db: Store, tmp_path: Path, name: str, delimiter: str) -> None:
    path = write(tmp_path, name, [delimiter.join(["indicator_id", "period_end", "value", "note"]),
                                  delimiter.join(["racks", "2024-12-31", "23,000", "a, b"])])
    import_file(db, path, today=TODAY)
    with db.read() as con:
        got = [(r.value, r.note) for r in queries.list_readings(con, "racks") if r.period_end == date(2024, 12, 31)]
    assert got == [(23000.0, "a, b")]


def test_quoted_fields_with_newlines_and_crlf(db: Store, tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_bytes(b'indicator_id,period_end,value,note\r\nracks,2024-12-31,1,"two\r\nlines, ""quoted"""\r\nracks,2023-12-31,x,\r\n')
    problems = problems_of(db, path)
    assert where(problems) == [(3, "value")]  # the record number, as a spreadsheet shows it
    path.write_bytes(path.read_bytes().replace(b",x,", b",2,"))
    import_file(db, path, today=TODAY)
    with db.read() as con:
        notes = [r.note for r in queries.list_readings(con, "racks") if r.period_end == date(2024, 12, 31)]
    assert notes == ['two\r\nlines, "quoted"']


def test_xlsx_percent_formatted_cell_is_read_as_shown(db: Store, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator_id", "period_end", "value"])
    sheet.append(["good-air-share", "2024-12-31", 0.931])
    sheet.append(["good-air-share", "2023-12-31", 88.5])  # a plain number stays as it is
    sheet["C2"].number_format = "0.0%"  # Excel stores 93.1% as 0.931
    path = tmp_path / "pct.xlsx"
    book.save(path)
    import_file(db, path, today=TODAY)
    assert [r[2] for r in readings(db, "good-air-share")] == [88.5, 93.1]


def test_import_into_a_missing_or_unmigrated_database(tmp_path: Path) -> None:
    from monitor.errors import StoreError

    path = write(tmp_path, "ok.csv", ["indicator_id,period_end,value", "racks,2024-12-31,1"])
    missing = Store(tmp_path / "missing.duckdb")
    with pytest.raises(StoreError, match="monitor init"):
        import_file(missing, path)
    with pytest.raises(StoreError, match="monitor init"):
        add_reading(missing, "racks", "1", "2024-12-31")
    assert not missing.path.exists()  # no empty database left behind
    import duckdb

    duckdb.connect(str(tmp_path / "bare.duckdb")).close()
    with pytest.raises(StoreError, match="no monitor schema"):
        import_file(Store(tmp_path / "bare.duckdb"), path)
