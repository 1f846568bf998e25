"""Drafted actual figures become readings, and an editor's corrections are checked (issue 20, items 1 and 3).

The draft workbook's 读数 sheet (monitor.files.draft.workbook) and its import after the catalogue through
the readings import (monitor.files.draft.import_workbook: validation, plausibility, provenance), by the
library, by `monitor catalog import` and with a reading refused (nothing stored); the review page's
edits (monitor.files.draft.review) one rule at a time. Real DuckDB files in tmp_path.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.draft import draft_file, draft_text, import_rows
from monitor.files.draft.review import edited_row, grid_cells
from monitor.files.draft.workbook import SHEET_READINGS, indicator_id
from monitor.store.connection import Store

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = ROOT / "data" / "source" / "xining-briefing-2025-07-11.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "draft"
DAY = date(2025, 7, 11)
VISITS = "今年1至5月全市接待游客1245.19万人次。"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "m.duckdb")
    s.init()
    return s


def _readings(store: Store) -> list[tuple]:  # type: ignore[type-arg]
    with store.read() as con:
        return con.execute("SELECT indicator_id, period_start, period_end, value, qualifier, source, quote, source_date "
                           "FROM reading ORDER BY indicator_id, period_end").fetchall()


def _count(store: Store, table: str) -> int:
    with store.read() as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# ---------------------------------------------------------------- the workbook's 读数 sheet


def test_the_draft_workbook_has_a_readings_sheet_of_the_actual_figures(tmp_path: Path) -> None:
    draft = draft_file(SEED_TEXT, document_day=DAY, source_id="press-0711")
    out = tmp_path / "d.xlsx"
    out.write_bytes(draft.workbook())
    sheet = openpyxl.load_workbook(out)[SHEET_READINGS]
    header = [c.value for c in sheet[1]]
    assert {"indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "quote"} <= set(header)
    rows = [dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == sum(r.kind in ("actual", "both") for r in draft.rows)
    visits = next(r for r in rows if r["value"] == 12451900)  # base units, not 1245.19万
    assert (visits["unit"], visits["period_start"], visits["period_end"], visits["source"]) == (
        "人次", "2025-01-01", "2025-05-31", "press-0711")
    assert "1245.19万人次" in visits["quote"]
    patents = next(r for r in rows if r["value"] == 130000)
    assert patents["qualifier"] == "more_than"  # 13万余条
    racks = next(r for r in rows if r["value"] == 23000)
    assert racks["period_start"] == racks["period_end"] == "2025-06-30"  # 截至6月底: a stock at that day
    # The 指标 sheet names each indicator by the id the readings use, so a corrected name keeps them.
    indicators = openpyxl.load_workbook(out)["指标"]
    column = [str(c.value).split(" ")[0] for c in indicators[1]].index("指标代码")
    ids = {r[column] for r in indicators.iter_rows(min_row=2, values_only=True)}
    assert {r["indicator_id"] for r in rows} <= ids


# ---------------------------------------------------------------- import: library and CLI


def test_accepted_actuals_are_imported_as_readings_with_their_sentence(store: Store) -> None:
    draft = draft_file(SEED_TEXT, document_day=DAY)
    accepted = [r for r in draft.rows if r.value in (12451900, 130000, 100000, 500)]  # two actuals, two targets
    result = import_rows(store, accepted, draft.source, "editor", today=date(2026, 1, 1))
    assert (result["indicators_new"], result["targets_new"], result["readings_new"]) == (4, 2, 2)
    readings = {r[3]: r for r in _readings(store)}
    visits = readings[12451900]
    assert visits[:6] == (indicator_id(accepted[0]), date(2025, 1, 1), date(2025, 5, 31), 12451900, "exact", draft.source["id"])
    assert "接待游客1245.19万人次" in visits[6] and visits[7] == DAY
    assert readings[130000][4] == "more_than"
    with store.read() as con:
        recorded = con.execute("SELECT DISTINCT recorded_by FROM reading").fetchall()
    assert recorded == [("editor",)]
    again = import_rows(store, accepted, draft.source, "editor", today=date(2026, 1, 1))
    assert (again["indicators_new"], again["readings_new"], again["readings_unchanged"]) == (0, 0, 2)


def test_a_refused_reading_leaves_the_store_untouched(store: Store) -> None:
    """A period that ends after today: refused by the readings' rules, located at the draft row."""
    draft = draft_text(VISITS + "到2030年，森林覆盖率达到40%。", "s", DAY, DAY)
    with pytest.raises(ValidationError) as refused:
        import_rows(store, draft.rows, draft.source, "editor", today=date(2025, 5, 1))
    [problem] = refused.value.problems
    assert (problem.source, problem.row, problem.column, problem.code) == ("draft", 1, "period_end", "problem.future")
    assert (_count(store, "indicator"), _count(store, "target"), _count(store, "reading")) == (0, 0, 0)


def test_a_figure_far_from_the_stored_one_is_held_like_any_import(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "5")  # conftest turns the check off for older tests
    first = draft_text(VISITS, "one", DAY, DAY)
    import_rows(store, first.rows, first.source, "editor", today=DAY)
    # The same indicator in a later briefing, 100 times too large (a slipped 万): held, nothing written.
    later = draft_text("今年1至5月全市接待游客124519万人次。", "two", date(2026, 7, 20), DAY)
    assert indicator_id(later.rows[0]) == indicator_id(first.rows[0])
    with pytest.raises(ValidationError) as held:
        import_rows(store, later.rows, later.source, "editor", today=date(2026, 7, 20))
    assert [(p.source, p.row, p.code) for p in held.value.problems] == [("draft", 1, "problem.jump_up")]
    assert _count(store, "reading") == 1
    done = import_rows(store, later.rows, later.source, "editor", today=date(2026, 7, 20), accept_jumps=True)
    assert done["readings_new"] == 1


def test_review_on_keeps_drafted_readings_pending(store: Store) -> None:
    draft = draft_text(VISITS, "s", DAY, DAY)
    import_rows(store, draft.rows, draft.source, "editor", today=DAY, pending=True)
    with store.read() as con:
        assert con.execute("SELECT review FROM reading").fetchall() == [("pending",)]


def test_catalog_import_of_a_reviewed_draft_imports_its_readings(tmp_path: Path) -> None:
    out = tmp_path / "work_report.xlsx"
    runner = CliRunner()
    made = runner.invoke(main, ["draft", str(FIXTURES / "work_report.txt"), "--out", str(out)])
    assert made.exit_code == 0, made.output
    db = tmp_path / "m.duckdb"
    result = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "readings 12 new" in result.output
    store = Store(db)
    readings = _readings(store)
    assert len(readings) == 12 and {r[5] for r in readings} == {"work-report"} and all(r[6] for r in readings)
    # An edited sheet with a bad cell: located at the 读数 sheet's row and column, nothing more written.
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET_READINGS]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("value") + 1, value="many")
    book.save(out)
    before = _count(store, "reading")
    bad = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out)])
    assert bad.exit_code == 5
    assert "sheet 读数, row 3, column 'value'" in bad.output and "no number found in 'many'" in bad.output
    assert _count(store, "reading") == before


# ---------------------------------------------------------------- the review page's edits


def _row(text: str = VISITS, day: date = DAY):  # type: ignore[no-untyped-def]
    (row,) = draft_text(text, "s", day, day).rows
    return row


def test_unchanged_cells_change_nothing() -> None:
    row = _row()
    assert edited_row(row, grid_cells(row), 1) == (row, [])


def test_value_unit_and_period_are_corrected() -> None:
    row = _row()
    fixed, problems = edited_row(row, {**grid_cells(row), "value": "1300", "period_end": "2025-06-30"}, 4)
    assert problems == [] and (fixed.value, fixed.unit, fixed.display_unit, fixed.period_end) == (
        13_000_000, "人次", "万人次", date(2025, 6, 30))
    fixed, _ = edited_row(row, {**grid_cells(row), "value": "１２４５", "unit": "人次"}, 4)  # full-width digits
    assert (fixed.value, fixed.unit, fixed.magnitude) == (1245, "人次", "")
    fixed, _ = edited_row(row, {**grid_cells(row), "value": "1245.19万", "unit": "人次"}, 4)
    assert (fixed.value, fixed.unit) == (12451900, "人次")
    rate, _ = edited_row(_row("到2030年，每千人口托位数达到4.5个。", date(2026, 1, 1)),
                         {"unit": "个/千人"}, 1)
    assert (rate.value, rate.unit) == (4.5, "个/千人")


def test_target_form_deadline_and_range_are_corrected() -> None:
    row = _row("今年的主要预期目标是：经济增长4.5%至5%。", date(2026, 1, 20))
    fixed, problems = edited_row(row, {**grid_cells(row), "value": "5至5.5", "deadline": "2028至2030", "form": "区间"}, 2)
    assert problems == []
    assert (fixed.value, fixed.high, fixed.deadline) == (5, 5.5, (date(2028, 12, 31), date(2030, 12, 31)))
    # A range is a target's: as an actual (or both) it would be cut to its low end, so it is refused.
    kept, problems = edited_row(row, {**grid_cells(row), "kind": "actual"}, 2)
    assert kept is row and [(p.column, p.code) for p in problems] == [("value", "problem.range_not_target")]
    fixed, problems = edited_row(row, {**grid_cells(row), "kind": "actual", "value": "4.8"}, 2)
    assert problems == [] and (fixed.kind, fixed.value, fixed.high) == ("actual", 4.8, None)
    fixed, problems = edited_row(row, {**grid_cells(row), "value": "4.5%至5%"}, 2)  # % in a % row is fine
    assert problems == [] and (fixed.value, fixed.high) == (4.5, 5)


@pytest.mark.parametrize(("cells", "column", "code"), [
    ({"value": "many"}, "value", "problem.not_a_number"),
    ({"value": ""}, "value", "problem.required"),
    ({"unit": ""}, "unit", "problem.required"),
    ({"unit": "人\x1b[31m"}, "unit", "problem.control"),
    ({"name": "  "}, "name", "problem.required"),
    ({"period_start": "2025-06-01", "period_end": "2025-05-01"}, "period_end", "problem.before_start"),
    ({"period_end": "2025-02-30"}, "period_end", "problem.date_day"),
    ({"period_end": None}, "period_end", "problem.required"),
    ({"kind": "maybe"}, "kind", "problem.one_of"),
    ({"kind": "target", "form": "越多越好"}, "form", "problem.one_of"),
    ({"deadline": "2030至2028"}, "deadline", "problem.deadline_order"),
    ({"deadline": "soon"}, "deadline", "problem.date_unreadable"),
    ({"value": "5至4"}, "value", "problem.range_order"),
    ({"value": "1245万"}, "value", "problem.magnitude_twice"),  # the unit is 万人次 already
    ({"value": "1200至1300"}, "value", "problem.range_not_target"),  # an actual figure is one number
    ({"kind": "both", "value": "1200至1300"}, "value", "problem.range_not_target"),
    ({"value": "5%"}, "value", "problem.percent_unit"),  # the unit is 万人次, not %
    ({"value": "5%", "unit": "亿元"}, "value", "problem.percent_unit"),
])
def test_bad_edits_are_located_and_keep_the_drafted_row(cells: dict, column: str, code: str) -> None:  # type: ignore[type-arg]
    row = _row()
    kept, problems = edited_row(row, {**grid_cells(row), **cells}, 7)
    assert kept is row
    assert [(p.source, p.row, p.column, p.code) for p in problems] == [("draft", 7, column, code)]


# ---------------------------------------------------------------- a refusal while writing writes nothing


def test_strict_refusal_of_a_draft_workbook_writes_nothing(tmp_path: Path) -> None:
    """The half-year bulletin has readings that count for no target: --strict refuses the file, and the
    catalogue entries are not written either (one transaction)."""
    out = tmp_path / "h.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["draft", str(FIXTURES / "half_year.txt"), "--out", str(out)]).exit_code == 0
    db = tmp_path / "m.duckdb"
    refused = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out), "--strict"])
    assert refused.exit_code == 5, refused.output
    assert "nothing was imported" in refused.output
    store = Store(db)
    assert (_count(store, "indicator"), _count(store, "target"), _count(store, "reading")) == (0, 0, 0)
    done = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    assert _count(store, "indicator") > 0 and _count(store, "reading") > 0


def test_a_refused_user_writes_nothing_of_a_draft(store: Store) -> None:
    from monitor.errors import NotAllowed

    def refuse(indicators: list) -> None:  # type: ignore[type-arg]
        raise NotAllowed(f"may not write {', '.join(i.id for i in indicators)}")

    draft = draft_text(VISITS + "到2030年，森林覆盖率达到40%。", "s", DAY, DAY)
    with pytest.raises(NotAllowed):
        import_rows(store, draft.rows, draft.source, "editor", today=DAY, authorize=refuse)
    assert (_count(store, "indicator"), _count(store, "target"), _count(store, "reading")) == (0, 0, 0)


def test_two_chinese_named_documents_keep_their_own_source(tmp_path: Path) -> None:
    """A name without ASCII letters gave every such document the source id "draft": the second import
    overwrote the first's date. Each now has its own id (a hash of its text) and its file name as title."""
    first, second = tmp_path / "政府工作报告.txt", tmp_path / "上半年经济运行情况.txt"
    first.write_text("2025年1月20日\n" + VISITS, encoding="utf-8")
    second.write_text("2025年7月15日\n今年1至6月全市接待游客1500万人次。", encoding="utf-8")
    one, two = draft_file(first), draft_file(second)
    assert one.source["id"] != two.source["id"]
    assert one.source["id"].startswith("draft-") and len(one.source["id"]) == len("draft-") + 8
    assert draft_file(first).source["id"] == one.source["id"]  # the same text, the same id
    assert (one.source["title"], two.source["title"]) == ("政府工作报告.txt", "上半年经济运行情况.txt")
    assert draft_file(tmp_path / "政府工作报告.txt", source_id="gov").source["id"] == "gov"
    store = Store(tmp_path / "m.duckdb")
    store.init()
    for draft in (one, two):
        import_rows(store, draft.rows, draft.source, "editor", today=date(2025, 12, 31))
    with store.read() as con:
        sources = con.execute("SELECT id, title, source_date FROM source_document ORDER BY source_date").fetchall()
    assert sources == [(one.source["id"], "政府工作报告.txt", date(2025, 1, 20)),
                       (two.source["id"], "上半年经济运行情况.txt", date(2025, 7, 15))]
    assert {r[5] for r in _readings(store)} == {one.source["id"], two.source["id"]}


def test_catalog_import_records_the_person_and_can_accept_a_held_jump(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "5")
    out = tmp_path / "w.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["draft", str(FIXTURES / "work_report.txt"), "--out", str(out)]).exit_code == 0
    db = tmp_path / "m.duckdb"
    done = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    store = Store(db)
    with store.read() as con:
        assert con.execute("SELECT DISTINCT recorded_by FROM reading").fetchall() == [(getpass.getuser(),)]
    # A later copy with one figure 100 times larger: held, then imported with --accept-jumps, by --by.
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET_READINGS]
    header = [str(c.value).split(" ")[0] for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("value") + 1)
    cell.value = float(cell.value) * 100
    for key in ("period_start", "period_end"):  # the year before: compared with this one
        day = sheet.cell(row=2, column=header.index(key) + 1)
        day.value = str(int(str(day.value)[:4]) - 1) + str(day.value)[4:10]
    book.save(out)
    held = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out)])
    assert held.exit_code == 5 and "100 times the previous reading" in held.output, held.output
    accepted = runner.invoke(main, ["--db", str(db), "catalog", "import", str(out), "--accept-jumps", "--by", "lina"])
    assert accepted.exit_code == 0, accepted.output
    assert "readings 1 new" in accepted.output
    with store.read() as con:
        assert ("lina",) in con.execute("SELECT DISTINCT recorded_by FROM reading").fetchall()


def test_an_unnamed_row_is_never_ticked_and_must_be_named() -> None:
    from monitor.files.draft.extract import DEFAULT_ACCEPT, PLACEHOLDER

    (unnamed,) = draft_text("今年1至5月比上年增长12%。", "s", DAY, DAY).rows
    assert unnamed.name == PLACEHOLDER and unnamed.confidence < DEFAULT_ACCEPT
    kept, problems = edited_row(unnamed, grid_cells(unnamed), 3)
    assert kept is unnamed and [(p.row, p.column, p.code) for p in problems] == [(3, "name", "problem.placeholder_name")]
    named, problems = edited_row(unnamed, {**grid_cells(unnamed), "name": "社会消费品零售总额增速"}, 3)
    assert problems == [] and named.name == "社会消费品零售总额增速"
    (numbered,) = draft_text("今年1至5月3号线客流达到120万人次。", "s", DAY, DAY).rows
    assert numbered.confidence < DEFAULT_ACCEPT and any("数字" in r for r in numbered.reasons)


def test_a_reading_of_an_indicator_deleted_from_the_indicator_sheet_says_so(tmp_path: Path) -> None:
    out = tmp_path / "w.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["draft", str(FIXTURES / "work_report.txt"), "--out", str(out)]).exit_code == 0
    book = openpyxl.load_workbook(out)
    sheet = book[SHEET_READINGS]
    header = [str(c.value).split(" ")[0] for c in sheet[1]]
    sheet.cell(row=2, column=header.index("indicator_id") + 1, value="renamed-away")
    book.save(out)
    refused = runner.invoke(main, ["--db", str(tmp_path / "m.duckdb"), "catalog", "import", str(out)])
    assert refused.exit_code == 5, refused.output
    assert "not on the 指标 sheet" in refused.output and "monitor indicators" not in refused.output
