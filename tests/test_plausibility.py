"""Plausibility before a value counts (issue 17 items 1 and 2).

The rule (monitor.model.plausibility.jump_rule and its SQL twin), and every entry path that applies it:
`monitor add` (exit 5 unless --confirm-jump), `monitor import` (held rows reported like invalid ones,
--skip-invalid quarantines them, --accept-jumps takes them), a scheduled refresh (quarantined, a
values_held event), and the dashboard's form (the value echoed as it will be stored, a held jump
confirmed by a check box, a date that cannot be stored blocking Save). Real stores, real HTTP on
127.0.0.1, Streamlit's AppTest and, once, headless Chromium.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from app_helpers import open_app
from monitor import clock
from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.ingest import add_reading, import_file, import_rows
from monitor.model.plausibility import JUMP_CODES, JUMP_SQL, Limits, jump_rule
from monitor.present.i18n import problem_reason
from monitor.store import queries
from monitor.store.connection import Store

TODAY = clock.today()
LAST_MONTH_END = TODAY.replace(day=1) - timedelta(days=1)


def racks(store: Store) -> list[tuple[date, float]]:
    with store.read() as con:
        return [(r.period_end, r.value) for r in queries.list_readings(con, "compute-racks")]


def rejected(store: Store) -> list[dict[str, Any]]:
    with store.read() as con:
        return queries.list_rejected(con)


@pytest.fixture(autouse=True)
def _jump_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides conftest's: here the jump check is on, with the settings' defaults."""
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)
    monkeypatch.delenv("MONITOR_JUMP_POINTS", raising=False)


@pytest.fixture
def db(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The seed (compute-racks: 2.3万架 on 2025-06-30; good-air-days-ratio 91.7 %), as MONITOR_DB."""
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)
    monkeypatch.delenv("MONITOR_JUMP_POINTS", raising=False)
    return fresh_db


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(("previous", "value", "unit", "code"), [
    (23000.0, 3e8, "架", "problem.jump_up"),  # 30000 typed in 万架
    (23000.0, 115001.0, "架", "problem.jump_up"),  # just over ×5
    (23000.0, 115000.0, "架", None),  # exactly ×5: accepted
    (23000.0, 4600.0, "架", None),  # exactly ÷5: accepted
    (23000.0, 4599.0, "架", "problem.jump_down"),  # just under ÷5
    (23000.0, 2.3, "架", "problem.jump_down"),  # 2.3 typed in racks for 2.3万
    (None, 3e8, "架", None),  # the first reading: nothing to compare with
    (0.0, 3e8, "架", None),  # a previous 0 gives no ratio
    (23000.0, 0.0, "架", "problem.jump_zero"),
    (-5.0, 40.0, "亿元", None),  # a change of sign gives no ratio (bounds judge it)
    (91.7, 71.7, "%", None),  # exactly 20 points
    (91.7, 71.6, "%", "problem.jump_points"),
    (40.0, 93.5, "%", "problem.jump_points"),
    (0.5, 9.0, "%", None),  # a share in points, not a ratio: ×18 but 8.5 points
])
def test_the_rule(previous: float | None, value: float, unit: str, code: str | None) -> None:
    found = jump_rule(previous, value, unit, Limits(factor=5, points=20), date(2025, 6, 30))
    assert (found[0] if found else None) == code
    if found:
        assert found[0] in JUMP_CODES and found[1]["date"] == "2025-06-30"


def test_the_factor_and_points_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.model.plausibility import limits

    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "20")
    monkeypatch.setenv("MONITOR_JUMP_POINTS", "5")
    assert limits() == Limits(factor=20.0, points=5.0)
    assert jump_rule(23000.0, 23000.0 * 19, "架", limits()) is None
    assert jump_rule(91.7, 85.0, "%", limits()) is not None


def test_the_sentence_names_the_value_the_previous_one_and_the_factor() -> None:
    from monitor.errors import Problem

    code, params = jump_rule(23000.0, 3e8, "架", Limits(), date(2025, 6, 30))  # type: ignore[misc]
    problem = Problem("reading", None, "value", code, params)
    assert problem_reason(problem, "zh").startswith("为 3亿架，是上一读数 2.3万架（2025-06-30）的 13,043 倍")
    assert "300 million racks, 13,043 times the previous reading 23,000 racks" in problem_reason(problem, "en")
    assert "300,000,000 架, 13,043 times the previous reading 23,000 架" in problem.reason  # the CLI's English


def test_the_sql_twin_agrees_with_the_rule() -> None:
    cases = [(p, v, u) for p in (None, 0.0, 23000.0, -10.0, 91.7, 50.0)
             for v in (0.0, 2.3, 4599.0, 4600.0, 23000.0, 115000.0, 115001.0, 3e8, -3.0, 71.6, 71.7, 93.5)
             for u in ("架", "%")]
    con = duckdb.connect()
    sql = (f"SELECT coalesce(({JUMP_SQL}), false) "
           "FROM (SELECT CAST($p AS DOUBLE) AS p, CAST($v AS DOUBLE) AS v, CAST($pct AS BOOLEAN) AS pct)")
    for previous, value, unit in cases:
        row = con.execute(sql, {"p": previous, "v": value, "pct": unit == "%", "factor": 5.0, "points": 20.0})
        held = bool(row.fetchone()[0])  # type: ignore[index]
        assert held == (jump_rule(previous, value, unit, Limits()) is not None), (previous, value, unit)


# ---------------------------------------------------------------- monitor add


def test_monitor_add_refuses_a_jump_with_exit_5_unless_confirmed(db: Store, db_path: Path) -> None:
    runner = CliRunner()
    before = racks(db)
    result = runner.invoke(main, ["--db", str(db_path), "add", "compute-racks", "30000", "--unit", "万架",
                                  "--period-end", LAST_MONTH_END.isoformat()])
    assert result.exit_code == 5, result.output
    assert "13,043 times the previous reading 23,000 架" in result.stderr and "--confirm-jump" in result.stderr
    assert racks(db) == before

    result = runner.invoke(main, ["--db", str(db_path), "add", "compute-racks", "30000", "--unit", "万架",
                                  "--period-end", LAST_MONTH_END.isoformat(), "--confirm-jump"])
    assert result.exit_code == 0, result.output
    assert racks(db)[-1] == (LAST_MONTH_END, 3e8)


def test_monitor_add_takes_a_plausible_value_and_judges_a_correction_by_the_period_before(db: Store,
                                                                                         db_path: Path) -> None:
    runner = CliRunner()
    args = ["--db", str(db_path), "add", "compute-racks", "--period-end", LAST_MONTH_END.isoformat()]
    assert runner.invoke(main, [*args[:4], "30000", *args[4:], "--unit", "万架", "--confirm-jump"]).exit_code == 0
    # The wrong figure is corrected: compared with 2.3万 (the period before), not with the 3亿 it replaces.
    fixed = runner.invoke(main, [*args[:4], "2.6万", *args[4:]])
    assert fixed.exit_code == 0, fixed.output
    assert racks(db)[-1] == (LAST_MONTH_END, 26000.0)


# ---------------------------------------------------------------- monitor import


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "jumps.csv"
    path.write_text(
        "indicator_id,period_end,value,unit\n"
        f"compute-racks,{LAST_MONTH_END.isoformat()},30000,万架\n"  # 3亿: held
        f"compute-racks,{(LAST_MONTH_END + timedelta(days=1)).replace(day=1).isoformat()},2.4,万架\n",  # fine
        encoding="utf-8",
    )
    return path


def test_import_reports_held_rows_like_invalid_ones(db: Store, tmp_path: Path) -> None:
    path = _file(tmp_path)
    with pytest.raises(ValidationError) as raised:
        import_file(db, path)
    problems = raised.value.problems
    assert [(p.source, p.row, p.column, p.code) for p in problems] == [("jumps.csv", 2, "value", "problem.jump_up")]
    assert "--accept-jumps" in str(raised.value)
    assert racks(db)[-1][0] < LAST_MONTH_END  # nothing written


def test_import_skip_invalid_quarantines_held_rows_and_accept_jumps_takes_them(db: Store, tmp_path: Path) -> None:
    path = _file(tmp_path)
    report = import_file(db, path, skip_invalid=True)
    assert (report.rows, report.valid, report.rejected, report.new) == (2, 1, 1, 1)
    quarantined = rejected(db)
    assert [(r["file"], r["row_number"], r["column_name"]) for r in quarantined] == [("jumps.csv", 2, "value")]
    assert "13,043 times the previous reading" in quarantined[0]["reason"]
    assert (LAST_MONTH_END, 3e8) not in racks(db)

    report = import_file(db, path, accept_jumps=True)
    assert report.rejected == 0 and report.new == 1
    assert (LAST_MONTH_END, 3e8) in racks(db)


def test_cli_import_accept_jumps(db: Store, db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    path = _file(tmp_path)
    held = runner.invoke(main, ["--db", str(db_path), "import", str(path)])
    assert held.exit_code == 5 and "jumps.csv, row 2, column 'value'" in held.stderr
    taken = runner.invoke(main, ["--db", str(db_path), "import", str(path), "--accept-jumps"])
    assert taken.exit_code == 0, taken.output
    assert (LAST_MONTH_END, 3e8) in racks(db)


def test_the_rows_of_a_file_compare_with_each_other(db: Store, tmp_path: Path) -> None:
    # A new series with nothing stored: its own earlier rows are the previous readings.
    path = tmp_path / "series.csv"
    path.write_text("indicator_id,period_end,value\n"
                    "compute-racks,2020-12-31,1000\ncompute-racks,2021-12-31,1200\ncompute-racks,2022-12-31,120000\n",
                    encoding="utf-8")
    report = import_file(db, path, skip_invalid=True)
    assert report.rejected == 1 and report.problems[0].row == 4 and report.problems[0].code == "problem.jump_up"


def test_the_small_path_holds_like_the_bulk_path(db: Store) -> None:
    rows = [{"indicator_id": "compute-racks", "period_end": LAST_MONTH_END.isoformat(), "value": "30000",
             "unit": "万架"}]
    report = import_rows(db, rows, source_name="feed", skip_invalid=True)
    assert report.rejected == 1 and report.problems[0].code == "problem.jump_up"
    assert rejected(db)[0]["file"] == "feed"


# ---------------------------------------------------------------- 1e40 at every entry: refused, status intact


def test_a_value_past_the_limit_is_refused_by_every_path(db: Store, db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    cli = runner.invoke(main, ["--db", str(db_path), "add", "compute-racks", "1e40",
                               "--period-end", LAST_MONTH_END.isoformat(), "--confirm-jump"])
    assert cli.exit_code == 5 and "too large" in cli.stderr
    path = tmp_path / "huge.csv"
    path.write_text(f"indicator_id,period_end,value\ncompute-racks,{LAST_MONTH_END.isoformat()},1e40\n", encoding="utf-8")
    report = import_file(db, path, skip_invalid=True, accept_jumps=True)
    assert report.rejected == 1 and report.problems[0].code == "problem.too_large"
    with pytest.raises(ValidationError) as raised:
        add_reading(db, "compute-racks", "1e40", LAST_MONTH_END, accept_jumps=True)
    assert raised.value.problems[0].code == "problem.too_large"
    # The largest value that may be stored is held as a jump, and once confirmed the status still works.
    with pytest.raises(ValidationError):
        add_reading(db, "compute-racks", "9e17", LAST_MONTH_END)
    add_reading(db, "compute-racks", "9e17", LAST_MONTH_END, accept_jumps=True)
    status = runner.invoke(main, ["--db", str(db_path), "status", "--json"])
    assert status.exit_code == 0, status.output
    assert {r["indicator_id"] for r in json.loads(status.stdout)} >= {"compute-racks"}


# ---------------------------------------------------------------- a scheduled refresh


def test_a_refresh_quarantines_held_rows_and_records_an_event(db: Store, tmp_path: Path) -> None:
    from monitor.services.refresh.alerts import render
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config
    from monitor.store import refresh_queries
    from refresh_helpers import LoopbackServer, Reply, csv_bytes, write_sources

    body = csv_bytes(f"compute-racks,,{LAST_MONTH_END.isoformat()},30000,,万架",
                     "good-air-days-ratio,,2025-07-31,93.5,,")
    with LoopbackServer() as server:
        server.route("/feed.csv", Reply(body=body))
        sources = write_sources(tmp_path, f"""
[[sources]]
name = "feed"
kind = "csv"
url = "{server.url('/feed.csv')}"
every = "1h"
timeout = "1s"
retries = 0
""")
        [result] = run_sources(db, load_config(sources))
    assert result.outcome == "partial" and (result.rows_new, result.rows_rejected) == (1, 1)
    assert (LAST_MONTH_END, 3e8) not in racks(db)
    [held] = rejected(db)
    assert held["file"] == "feed.csv" and held["row_number"] == 2 and "13,043 times" in held["reason"]
    with db.read() as con:
        events = [e for e in refresh_queries.list_events(con) if e["kind"] == "values_held"]
    assert len(events) == 1
    payload = json.loads(events[0]["payload"])
    assert payload["held"] == 1 and "feed.csv, row 2" in payload["error"] and "--accept-jumps" in payload["error"]
    title, markdown, plain = render(events[0], "zh")
    assert title == "数值异常跳变，已暂扣：feed" and "13,043" in plain
    # The sentence around the located rows is in the channel's language, not the English of the payload.
    assert "1 个数值与上期相比跳变过大，已暂扣" in plain and "value(s) held" not in plain
    assert "feed.csv, row 2" in plain and "--accept-jumps" in plain
    _, _, english = render(events[0], "en")
    assert "1 value(s) held as implausible jumps" in english and "已暂扣" not in english


# ---------------------------------------------------------------- the form (AppTest)


def _confirm_box(at: Any) -> Any:
    boxes = [c for c in at.checkbox if c.key and c.key.startswith("add_confirm_")]
    return boxes[0] if boxes else None


@pytest.mark.parametrize(("lang", "echo", "sentence"), [
    ("zh", "3亿架", "为 3亿架，是上一读数 2.3万架（2025-06-30）的 13,043 倍"),
    ("en", "300 million racks", "300 million racks, 13,043 times the previous reading 23,000 racks"),
])
def test_the_form_echoes_the_value_holds_the_jump_and_stores_it_once_confirmed(
        db: Store, lang: str, echo: str, sentence: str) -> None:
    at = open_app("add_reading.py", lang=lang, indicator="compute-racks")
    # The same unit in both languages, shown: the indicator's display unit.
    assert at.selectbox(key="add_unit_compute-racks").value == "万架"
    at.date_input(key="add_day").set_value(LAST_MONTH_END)
    at.text_input(key="add_value").input("30000").run()
    shown = " ".join(m.value for m in at.markdown)
    assert echo in shown and sentence in shown  # before Save
    box = _confirm_box(at)
    assert box is not None and echo in box.label and not box.value

    at.button(key="add_submit").click().run()  # not confirmed: held, nothing stored
    assert any(sentence in e.value for e in at.error)
    assert (LAST_MONTH_END, 3e8) not in racks(db)

    _confirm_box(at).check()
    at.button(key="add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert racks(db)[-1] == (LAST_MONTH_END, 3e8)


def test_the_form_stores_a_plausible_value_without_asking(db: Store) -> None:
    at = open_app("add_reading.py", lang="en", indicator="compute-racks")
    at.date_input(key="add_day").set_value(LAST_MONTH_END)
    at.text_input(key="add_value").input("2.6").run()
    assert any("Will be stored: 26,000 racks" in m.value for m in at.markdown)
    assert _confirm_box(at) is None
    at.button(key="add_submit").click().run()
    assert not at.error and racks(db)[-1] == (LAST_MONTH_END, 26000.0)


def test_a_future_date_blocks_save_with_a_message(db: Store) -> None:
    at = open_app("add_reading.py", lang="zh", indicator="compute-racks")
    at.date_input(key="add_day").set_value(date(TODAY.year + 1, 6, 30))
    at.text_input(key="add_value").input("2.6").run()
    assert any("晚于今天" in e.value for e in at.error)
    assert at.button(key="add_submit").disabled  # a browser user cannot press it (AppTest refuses to)
    at.date_input(key="add_day").set_value(LAST_MONTH_END).run()
    assert not at.error and not at.button(key="add_submit").disabled


def test_the_import_page_lists_held_rows_and_takes_them_once_ticked(db: Store) -> None:
    body = (f"indicator_id,period_end,value,unit\ncompute-racks,{LAST_MONTH_END.isoformat()},30000,万架\n").encode()
    at = open_app("import_page.py", lang="zh")
    at.file_uploader(key="imp_file").set_value(("jumps.csv", body, "text/csv")).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["行数"], metrics["有效"], metrics["有误"]) == ("1", "0", "1")
    problems = at.dataframe[1].value
    assert "13,043 倍" in problems["reason"].iloc[0]
    at.button(key="imp_all").click().run()
    assert any("未导入" in e.value for e in at.error) and (LAST_MONTH_END, 3e8) not in racks(db)
    [box] = [c for c in at.checkbox if c.key and c.key.startswith("imp_accept_")]
    box.check()
    at.button(key="imp_all").click().run()
    assert (LAST_MONTH_END, 3e8) in racks(db)


# ---------------------------------------------------------------- the form in headless Chromium


@pytest.mark.browser
def test_chromium_30000_in_wan_racks_is_held_then_confirmed_and_a_future_date_blocks_save(tmp_path: Path) -> None:
    import re

    from monitor.files.catalog import init_store
    from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium, _settle, _streamlit

    _require_chromium()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "monitor.duckdb"
    store = Store(db)
    init_store(store)
    store.close()
    with _streamlit(tmp_path, db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN").new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/add?lang=zh&indicator=compute-racks")
            page.get_by_text("录入一期数据").wait_for()
            _settle(page)
            # The reproduction: a date past today (typed as a person does) is said, and Save cannot be pressed.
            for part, text in (("year", "2027"), ("month", "06"), ("day", "30")):
                page.get_by_role("spinbutton", name=f"{part}, 日期").click()
                page.keyboard.type(text)
            page.keyboard.press("Escape")
            page.get_by_text("录入一期数据").click()  # away from the field: the date is committed
            page.get_by_text(re.compile("晚于今天")).wait_for()
            assert page.get_by_role("button", name="保存").is_disabled()
            # Back to the end of last month; 30000 typed in 万架 (the unit shown next to the number).
            for part, text in (("year", f"{LAST_MONTH_END.year}"), ("month", f"{LAST_MONTH_END.month:02d}"),
                               ("day", f"{LAST_MONTH_END.day:02d}")):
                page.get_by_role("spinbutton", name=f"{part}, 日期").click()
                page.keyboard.type(text)
            page.keyboard.press("Escape")
            page.get_by_text("录入一期数据").click()
            _settle(page)
            # The date's message went away: until the run ends, the field may be shown twice (stale and new).
            page.get_by_text(re.compile("晚于今天")).wait_for(state="detached")
            page.wait_for_function("() => document.querySelectorAll('.st-key-add_value input').length === 1")
            value = page.locator(".st-key-add_value input")
            assert value.get_attribute("aria-label") == "数值（万架）"  # the unit next to the number
            value.fill("30000")
            page.keyboard.press("Tab")
            page.get_by_text(re.compile("将保存：.*3亿架")).wait_for()
            page.get_by_text(re.compile("是上一读数 2.3万架（2025-06-30）的 13,043 倍")).first.wait_for()
            page.get_by_role("button", name="保存").click()
            page.get_by_text("未保存，请修改以下内容：").wait_for()
            assert (LAST_MONTH_END, 3e8) not in racks(Store(db))
            page.get_by_text(re.compile("我已核对，3亿架 无误")).click()
            _settle(page)
            page.get_by_role("button", name="保存").click()
            page.get_by_text(re.compile("已保存：3亿架")).wait_for()
        except Exception:
            page.screenshot(path=str(tmp_path / "failed.png"), full_page=True)  # to look at when it fails
            raise
        finally:
            browser.close()
    assert (LAST_MONTH_END, 3e8) in racks(Store(db))


def test_off_turns_each_check_off(db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "off")
    monkeypatch.setenv("MONITOR_JUMP_POINTS", "off")
    from monitor.model.plausibility import limits

    assert jump_rule(23000.0, 0.0, "架", limits()) is None and jump_rule(91.7, 10.0, "%", limits()) is None
    add_reading(db, "compute-racks", "30000", LAST_MONTH_END, unit="万架")
    assert racks(db)[-1] == (LAST_MONTH_END, 3e8)


# ---------------------------------------------------------------- the bulk import's forms of the query

_READING_TABLE = """
CREATE TABLE reading (indicator_id VARCHAR, period_start DATE, period_end DATE, revision INTEGER, value DOUBLE,
                      review VARCHAR, withdrawn BOOLEAN)
"""


def _random_readings(seed: int, n: int) -> list[tuple[Any, ...]]:
    """Revisions of a few periods of two indicators: counted, pending, rejected, approved, withdrawn."""
    import random

    rng = random.Random(seed)
    rows = []
    for k in range(n):
        ident = rng.choice(["a", "b"])
        end = date(2020, 1, 31) + timedelta(days=31 * rng.randrange(12))
        end = end.replace(day=1) + timedelta(days=40)
        end = end.replace(day=1) - timedelta(days=1)  # a month end
        start = rng.choice([end.replace(day=1), end, end.replace(month=1, day=1)])
        rows.append((ident, start, end, k + 1, float(rng.choice([0, 1, 2, 50, 100, 1000])),
                     rng.choice([None, None, "pending", "approved", "rejected"]), rng.choice([None, False, True])))
    return rows


def _jump_case(seed: int, stored: int, indicators: str, rows: int, first: date, months: int) -> duckdb.DuckDBPyConnection:
    """An in-memory store for the jump check's query forms: ``stored`` random revisions (_random_readings), the
    relation ``ind`` (``indicators``: SQL VALUES of id, unit, measure) and up to ``rows`` staged rows ``given``
    of those indicators, ending at month ends from ``first`` over ``months`` months, without duplicates (the
    bulk path has none left: import_dup)."""
    import random

    rng = random.Random(seed)
    con = duckdb.connect()
    con.execute(_READING_TABLE)
    con.executemany("INSERT INTO reading VALUES (?, ?, ?, ?, ?, ?, ?)", _random_readings(seed, stored))
    con.execute("CREATE TABLE ind (id VARCHAR, unit VARCHAR, measure VARCHAR)")
    con.execute(f"INSERT INTO ind VALUES {indicators}")
    ids = [i for (i,) in con.execute("SELECT id FROM ind ORDER BY id").fetchall()]
    con.execute("CREATE TABLE given (row_no INTEGER, indicator_id VARCHAR, period_start DATE, period_end DATE, value DOUBLE)")
    seen = set()
    for row_no in range(2, 2 + rows):
        ident = rng.choice(ids)
        end = (first + timedelta(days=31 * rng.randrange(months))).replace(day=1) - timedelta(days=1)
        start = rng.choice([end.replace(day=1), end, end.replace(month=1, day=1)])
        if (ident, start, end) in seen:
            continue
        seen.add((ident, start, end))
        con.execute("INSERT INTO given VALUES (?, ?, ?, ?, ?)",
                    [row_no, ident, start, end, float(rng.choice([1, 2, 50, 100, 1000, 30000]))])
    return con


@pytest.mark.parametrize("seed", range(40))
def test_the_grouped_readings_in_force_are_those_of_the_in_force_rule(seed: int) -> None:
    """import_queries.IN_FORCE_GROUPED (an aggregate, for large imports) selects what queries.IN_FORCE (the
    window every other statement uses) selects, with the same values, over revisions, reviews and withdrawals."""
    from monitor.store import import_queries

    con = duckdb.connect()
    con.execute(_READING_TABLE)
    con.executemany("INSERT INTO reading VALUES (?, ?, ?, ?, ?, ?, ?)", _random_readings(seed, 60))
    window = con.execute(f"SELECT indicator_id, period_start, period_end, value FROM reading QUALIFY {queries.IN_FORCE} "
                         "ORDER BY ALL").fetchall()
    grouped = con.execute(f"SELECT * FROM ({import_queries.IN_FORCE_GROUPED.format(where='true')}) ORDER BY ALL").fetchall()
    assert grouped == window
    assert window  # the data has readings in force (and, with 60 revisions of 24 periods, some not)


@pytest.mark.parametrize("seed", range(40))
def test_the_neighbour_window_finds_the_jumps_the_asof_joins_find(seed: int) -> None:
    """The first judgement of a bulk import (one window over the candidates) holds the rows the two ASOF
    joins (the form used to judge held rows again) hold when every staged row is a candidate: flows of
    several lengths, stocks, staged rows replacing stored periods, rows before, between and after them."""
    from monitor.store import import_queries

    con = _jump_case(seed, 30, "('a', '万元', 'flow'), ('b', '%', 'stock')", 38, date(2019, 12, 1), 15)
    found = {}
    for name, middle in (("window", import_queries._JUMPS_ALL), ("asof", import_queries._JUMPS_AGAIN)):
        sql = (import_queries._JUMPS_HEAD + middle + import_queries._JUMPS_TAIL).format(
            in_force=import_queries.IN_FORCE_GROUPED.format(where="true"), rows="given", indicators="ind",
            jump=JUMP_SQL, staged_filter="true", candidate_filter="true")
        found[name] = con.execute(sql, {"factor": 5.0, "points": 20.0, "percent_units": ["%"]}).fetchall()
    assert found["window"] == found["asof"]
    assert found["asof"]  # rows held (values of 1 to 30,000 jump at every seed tried)


@pytest.mark.parametrize("rounds", [1, 3])
@pytest.mark.parametrize("seed", range(60))
def test_the_stored_readings_near_the_staged_rows_find_the_jumps_the_whole_history_finds(
    seed: int, rounds: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """find_jumps reads only the stored readings that can be a neighbour (those in force between the staged
    rows' first and last period end, and the nearest in force beyond each, past withdrawn and pending ends:
    end by end for NEAR_ROUNDS rounds, then in one pass); it holds what the whole history's readings in force
    hold, on the first judgement and when held rows are judged again, for staged rows inside, before, after
    or around the stored periods."""
    import random

    from monitor.store import import_queries

    monkeypatch.setattr(import_queries, "NEAR_ROUNDS", rounds)
    rng = random.Random(seed)
    first, months = rng.choice([(date(2019, 6, 1), 6), (date(2020, 3, 1), 5), (date(2020, 11, 1), 6), (date(2019, 1, 1), 30)])
    con = _jump_case(seed, 80, "('a', '万元', 'flow'), ('b', '%', 'stock'), ('c', '架', 'stock')",
                     rng.randrange(1, 25), first, months)

    def held(whole: bool, again: list[int] | None = None) -> list[tuple[Any, ...]]:
        return import_queries.find_jumps(con, "given", "ind", 5.0, 20.0, lambda u: u == "%", again, whole_history=whole)

    near, whole = held(False), held(True)
    assert near == whole
    rows = [r[0] for r in whole]
    if rows:
        assert held(False, rows) == held(True, rows)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'jump_%' "
                       "AND table_name NOT IN ('jump_stored', 'jump_again')").fetchone() == (0,)  # no scratch left
