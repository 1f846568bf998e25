"""Withdrawing a mistake (issue 17, item 3): a reading's period or a target version taken out of force by a
new revision, never deleted. Library, CLI, both status paths, export, report, plausibility's previous
reading, `monitor check`, events and alerts, migration from schema version 6, the goal page in AppTest
and, once, in Chromium."""

from __future__ import annotations

import csv
import getpass
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from app_helpers import open_app
from monitor import clock
from monitor.cli import main
from monitor.errors import NotFound, ValidationError
from monitor.files.export import HISTORY_EXPORT_COLUMNS, READING_EXPORT_COLUMNS, collect, export_store
from monitor.files.ingest import add_reading
from monitor.model import Target
from monitor.services import withdraw as wd
from monitor.services.refresh.alerts import render
from monitor.status import ComputedBy, Detail, engine, sets, statuses
from monitor.store import catalog_queries, queries, schema
from monitor.store.connection import Store
from monitor.store.maintenance import check
from test_status_sql import record_differences

RACKS = "compute-racks"  # seeded: 23,000 racks at 2025-06-30; target compute-racks-50k (reach 50,000 by 2030)
WRONG_END = date(2025, 12, 31)
AS_OF = date(2026, 1, 15)


def _mistake(store: Store, value: str = "2300000") -> None:
    """A figure typed 100 times too large, stored past the jump check (as the issue's 1e40 was)."""
    add_reading(store, RACKS, value, WRONG_END, accept_jumps=True)


def _racks(store: Store, as_of: date = AS_OF) -> dict[str, Any]:
    return [r.as_dict() for r in statuses(store, as_of, indicator_ids=[RACKS], detail=Detail.FULL)][0]


# ---------------------------------------------------------------- library


def test_a_withdrawn_period_leaves_the_readings_in_force_and_stays_in_the_history(fresh_db: Store) -> None:
    _mistake(fresh_db)
    done = wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typed 230万 for 2.3万", who="alice")
    assert (done.revision, done.withdrawn_by, done.reason) == (2, "alice", "typed 230万 for 2.3万")
    assert done.reading is not None and done.reading.value == 2_300_000
    with fresh_db.read() as con:
        in_force = queries.list_readings(con, RACKS)
        history = queries.list_readings(con, RACKS, history=True)
        assert queries.in_force_periods(con, RACKS, WRONG_END) == []
    assert [r.period_end for r in in_force] == [date(2025, 6, 30)]
    last = history[-1]
    assert (last.period_end, last.revision, last.withdrawn, last.withdrawn_reason, last.recorded_by) == (
        WRONG_END, 2, True, "typed 230万 for 2.3万", "alice")
    assert last.recorded_at is not None and abs((datetime.utcnow() - last.recorded_at).total_seconds()) < 600  # UTC
    assert [r.revision for r in history if r.period_end == WRONG_END] == [1, 2], "nothing deleted"


def test_entering_the_period_again_brings_it_back_even_with_the_same_value(fresh_db: Store) -> None:
    _mistake(fresh_db)
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "not yet published", who="alice")
    report = add_reading(fresh_db, RACKS, "2300000", WRONG_END, accept_jumps=True)
    assert (report.new, report.revised, report.unchanged) == (0, 1, 0)
    with fresh_db.read() as con:
        back = [r for r in queries.list_readings(con, RACKS) if r.period_end == WRONG_END]
    assert [(r.revision, r.value, r.withdrawn) for r in back] == [(3, 2_300_000, False)]


def test_refusals_name_what_is_wrong(fresh_db: Store) -> None:
    with pytest.raises(NotFound, match="unknown indicator 'nope'"):
        wd.withdraw_reading(fresh_db, "nope", WRONG_END, "x")
    with pytest.raises(NotFound, match="nothing to withdraw.*ending 2025-12-31"):
        wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "x")
    with pytest.raises(ValidationError) as blank:
        wd.withdraw_reading(fresh_db, RACKS, date(2025, 6, 30), "   ")
    assert [p.code for p in blank.value.problems] == ["problem.required"]
    with pytest.raises(ValidationError) as control:
        wd.withdraw_reading(fresh_db, RACKS, date(2025, 6, 30), "bad\x1b[31m")
    assert [p.code for p in control.value.problems] == ["problem.control"]
    _mistake(fresh_db)
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "once")
    with pytest.raises(NotFound, match="withdrawn already"):
        wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "twice")


def test_several_periods_ending_on_the_day_need_the_start(fresh_db: Store) -> None:
    # Not a whole calendar period: a stock given for one is stored as its end point (issue 21), this span as given.
    add_reading(fresh_db, RACKS, "24000", WRONG_END, period_start=date(2025, 7, 15), accept_jumps=True)
    _mistake(fresh_db)
    with pytest.raises(Exception, match="--period-start"):
        wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "which one?")
    done = wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "the point one", period_start=WRONG_END)
    assert done.reading is not None and done.reading.period_start == WRONG_END
    with fresh_db.read() as con:
        assert [r.period_start for r in queries.in_force_periods(con, RACKS, WRONG_END)] == [date(2025, 7, 15)]


# ---------------------------------------------------------------- status: both paths


def _comparable(record: Any) -> dict[str, Any]:
    out = record.as_dict()
    out.pop("computed_by")
    return out


def test_both_status_paths_leave_a_withdrawn_period_out_as_if_never_entered(fresh_db: Store) -> None:
    """The set-based path and the engine agree, and equal the records from before the mistake."""
    dates = (date(2025, 12, 31), AS_OF, date(2031, 1, 1))
    before = {d: [_comparable(r) for r in sets.statuses(fresh_db, d)] for d in dates}
    _mistake(fresh_db)
    assert _racks(fresh_db)["status"] == "achieved"
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo")
    for day in dates:
        engine_records = [r.at(Detail.SUMMARY) for r in engine.statuses(fresh_db, day)]
        set_records = sets.statuses(fresh_db, day)
        problems = [p for e, g in zip(engine_records, set_records, strict=True) for p in record_differences(e, g)]
        assert problems == []
        assert [_comparable(r) for r in set_records] == before[day]
        routed = {r.indicator_id: r.computed_by for r in set_records}
        assert routed[RACKS] is ComputedBy.ENGINE and ComputedBy.SETS in routed.values()
    brief = [r.as_dict()["status"] for r in statuses(fresh_db, AS_OF, detail=Detail.BRIEF) if r.indicator_id == RACKS]
    assert brief == ["insufficient_data"]


def test_as_known_before_the_withdrawal_the_mistake_still_counts(fresh_db: Store) -> None:
    _mistake(fresh_db)
    with fresh_db.read() as con:
        recorded = queries.list_readings(con, RACKS)[-1].recorded_at
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo")
    then = [r for r in sets.statuses(fresh_db, AS_OF, known_on=recorded) if r.indicator_id == RACKS]
    assert then[0].status == "achieved"
    now = [r for r in sets.statuses(fresh_db, AS_OF) if r.indicator_id == RACKS]
    assert now[0].status == "insufficient_data"


def test_sparklines_and_chart_readings_leave_it_out(fresh_db: Store) -> None:
    from monitor.present.chart_data import goal_detail
    from monitor.store import status_queries

    add_reading(fresh_db, RACKS, "24000", date(2025, 9, 30), accept_jumps=True)
    _mistake(fresh_db)
    with fresh_db.read() as con:
        assert status_queries.sparklines(con, AS_OF, 8)[RACKS] == [23000.0, 24000.0, 2300000.0]
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo")
    with fresh_db.read() as con:
        assert status_queries.sparklines(con, AS_OF, 8)[RACKS] == [23000.0, 24000.0]
    detail = goal_detail(fresh_db, RACKS, AS_OF)
    assert detail is not None
    assert [r.value for r in detail["readings"]] == [23000.0, 24000.0]
    assert detail["history"][-1].withdrawn


# ---------------------------------------------------------------- export, report, plausibility


def test_export_leaves_it_out_and_the_history_export_shows_the_withdrawal(fresh_db: Store) -> None:
    _mistake(fresh_db)
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo", who="alice")
    plain = list(csv.DictReader(io.StringIO(export_store(fresh_db, "csv") or "")))
    assert tuple(plain[0]) == READING_EXPORT_COLUMNS
    assert not [r for r in plain if r["indicator_id"] == RACKS and r["period_end"] == "2025-12-31"]
    every = list(csv.DictReader(io.StringIO(export_store(fresh_db, "csv", history=True) or "")))
    assert tuple(every[0]) == HISTORY_EXPORT_COLUMNS
    rows = [(r["revision"], r["withdrawn"], r["withdrawn_reason"], r["recorded_by"])
            for r in every if r["indicator_id"] == RACKS and r["period_end"] == "2025-12-31"]
    assert rows == [("1", "False", "", "cli"), ("2", "True", "typo", "alice")]
    assert "withdrawn" not in collect(fresh_db)["readings"][0]


def test_the_report_leaves_it_out_and_lists_the_withdrawal(fresh_db: Store) -> None:
    from monitor.present.report.content import build_content

    _mistake(fresh_db)
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo")
    today = clock.today()
    content = build_content(fresh_db, max(today, AS_OF), date(2025, 1, 1), "en")
    text = json.dumps(content, ensure_ascii=False, default=str)
    assert "2,300,000" not in text.split('"readings"')[0], "no goal rests on the withdrawn value"
    rows = [r for r in content["readings"] if r["indicator_id"] == RACKS and r["period_end"] == WRONG_END]
    assert [r["qualifier"] for r in rows] == ["exact", "withdrawn: typo"]


def test_plausibility_compares_with_the_reading_in_force_not_the_withdrawn_one(
        fresh_db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)  # the jump check on, with its defaults
    monkeypatch.delenv("MONITOR_JUMP_POINTS", raising=False)
    _mistake(fresh_db)
    with pytest.raises(ValidationError) as held:  # against the mistake: 92 times smaller
        add_reading(fresh_db, RACKS, "25000", date(2026, 6, 30), dry_run=True)
    assert held.value.problems[0].code == "problem.jump_down"
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo")
    report = add_reading(fresh_db, RACKS, "25000", date(2026, 6, 30))  # against 23,000 of 2025-06-30
    assert report.new == 1


# ---------------------------------------------------------------- check, events, alerts


def test_check_reports_withdrawals_as_information(fresh_db: Store) -> None:
    assert [f for f in check(fresh_db) if f.check == "withdrawn periods"][0].detail == "none"
    _mistake(fresh_db)
    wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo in the bulletin", who="alice")
    finding = [f for f in check(fresh_db) if f.check == "withdrawn periods"][0]
    assert finding.ok
    assert finding.detail.startswith("1 (information, not damage): compute-racks (1: 2025-12-31..2025-12-31 by alice")
    assert "typo in the bulletin" in finding.detail
    assert all(f.ok for f in check(fresh_db))


def test_a_withdrawal_that_changes_a_status_raises_an_event_the_alert_explains(fresh_db: Store) -> None:
    from monitor.store import refresh_queries

    _mistake(fresh_db)
    today = clock.today()
    done = wd.withdraw_reading(fresh_db, RACKS, WRONG_END, "typo", who="alice", as_of=today)
    assert [(e["target_id"], e["old_status"], e["new_status"]) for e in done.events] == [
        ("compute-racks-50k", "achieved", _racks(fresh_db, today)["status"])]
    with fresh_db.read() as con:
        events = [e for e in refresh_queries.list_events(con) if e["kind"] == "status_changed"]
        known = refresh_queries.goal_statuses(con)["compute-racks-50k"]
    assert len(events) == 1 and events[0]["source"] == "withdrawal"
    assert known["status"] == events[0]["new_status"], "the next refresh does not report it again"
    _, _, body = render(events[0], "en")
    assert "alice withdrew the reading of 2025-12-31..2025-12-31" in body and "because: typo" in body
    _, _, zh = render(events[0], "zh")
    assert "alice 撤回了" in zh
    # No status change, no event: a withdrawal that changes nothing.
    add_reading(fresh_db, RACKS, "23500", date(2025, 3, 31), period_start=date(2025, 3, 31), accept_jumps=True)
    assert wd.withdraw_reading(fresh_db, RACKS, date(2025, 3, 31), "dup", as_of=today).events == ()


# ---------------------------------------------------------------- target versions


def _new_version(store: Store, value: float) -> None:
    with store.write() as con:
        old = [t for t in queries.list_targets(con) if t.id == "compute-racks-50k"][0]
        fields = {f: getattr(old, f) for f in old.__dataclass_fields__ if f not in ("version", "valid_from")}
        queries.record_targets(con, [Target(**{**fields, "value": value})], recorded_by="bob")


def test_a_withdrawn_target_version_puts_the_previous_one_back_then_none(fresh_db: Store) -> None:
    today = clock.today()  # a new version is in force from when it was recorded
    _new_version(fresh_db, 5_000_000)  # version 2: a typo
    assert _racks(fresh_db, today)["target_value"] == 5_000_000
    done = wd.withdraw_target(fresh_db, "compute-racks-50k", "a zero too many", who="alice")
    assert done.target is not None and done.target.version == 2
    assert done.in_force_again is not None and done.in_force_again.version == 1
    for path in (sets.statuses, lambda s, d: [r.at(Detail.SUMMARY) for r in engine.statuses(s, d)]):
        racks = [r for r in path(fresh_db, today) if r.indicator_id == RACKS]
        assert [(r.target_id, r.target_value) for r in racks] == [("compute-racks-50k", 50_000)]
    with fresh_db.read() as con:
        every = [t for t in queries.list_targets(con, history=True, withdrawn=True) if t.id == "compute-racks-50k"]
        change = catalog_queries.list_changes(con, RACKS)[0]
    assert [(t.version, t.withdraws) for t in every] == [(1, None), (2, None), (3, 2)]
    assert (change.what, change.changed_by, change.reason, change.details["withdrawn_version"]) == (
        "target_withdrawn", "alice", "a zero too many", 2)
    # A new version after a withdrawal follows every row: version 4.
    _new_version(fresh_db, 60_000)
    with fresh_db.read() as con:
        assert [t.version for t in queries.list_targets(con) if t.id == "compute-racks-50k"] == [4]
    wd.withdraw_target(fresh_db, "compute-racks-50k", "not adopted")
    wd.withdraw_target(fresh_db, "compute-racks-50k", "the plan dropped it")
    records = [r for r in sets.statuses(fresh_db, today) if r.indicator_id == RACKS]
    assert [(r.target_id, r.status) for r in records] == [(None, "no_target")]
    with pytest.raises(NotFound, match="withdrawn already"):
        wd.withdraw_target(fresh_db, "compute-racks-50k", "again")
    with pytest.raises(NotFound, match="unknown target"):
        wd.withdraw_target(fresh_db, "compute-racks-50k".upper(), "x")
    assert all(f.ok for f in check(fresh_db))
    # Recorded again after every version was withdrawn: the next number, in force from the beginning.
    with fresh_db.write() as con:
        first = [t for t in queries.list_targets(con, history=True, withdrawn=True) if t.id == "compute-racks-50k"][0]
        fields = {f: getattr(first, f) for f in first.__dataclass_fields__ if f not in ("version", "valid_from")}
        assert queries.record_targets(con, [Target(**fields)], recorded_by="bob") == (1, 0, 0)
    racks = [r for r in sets.statuses(fresh_db, AS_OF) if r.indicator_id == RACKS]
    assert [(r.target_id, r.target_value) for r in racks] == [("compute-racks-50k", 50_000)]
    with fresh_db.read() as con:
        assert [t.version for t in queries.list_targets(con) if t.id == "compute-racks-50k"] == [7]  # 1, 2, 3 (withdraws 2), 4, 5 (4), 6 (1)


# ---------------------------------------------------------------- CLI


def _cli(runner: CliRunner, db: Path, *args: str) -> Any:
    return runner.invoke(main, ["--db", str(db), *args])


def test_cli_withdraw(runner: CliRunner, fresh_db: Store, db_path: Path) -> None:
    _mistake(fresh_db)
    fresh_db.close()
    missing = _cli(runner, db_path, "withdraw", RACKS, "--period-end", "2025-12-31")
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    blank = _cli(runner, db_path, "withdraw", RACKS, "--period-end", "2025-12-31", "--reason", " ")
    assert blank.exit_code == 2 and "reason is required" in blank.output
    unknown = _cli(runner, db_path, "withdraw", "nope", "--period-end", "2025-12-31", "--reason", "x")
    assert unknown.exit_code == 3 and "unknown indicator 'nope'" in unknown.output
    bad_day = _cli(runner, db_path, "withdraw", RACKS, "--period-end", "2025-13-01", "--reason", "x")
    assert bad_day.exit_code == 2
    ok = _cli(runner, db_path, "withdraw", RACKS, "--period-end", "2025-12-31", "--reason", "typo")
    assert ok.exit_code == 0, ok.output
    assert f"by {getpass.getuser()}" in ok.output and "as revision 2" in ok.output
    again = _cli(runner, db_path, "withdraw", RACKS, "--period-end", "2025-12-31", "--reason", "typo")
    assert again.exit_code == 3 and "nothing to withdraw" in again.output and "withdrawn already" in again.output
    listed = _cli(runner, db_path, "readings", RACKS, "--history", "--json")
    last = json.loads(listed.output)[-1]
    assert (last["withdrawn"], last["withdrawn_reason"], last["recorded_by"]) == (True, "typo", getpass.getuser())
    assert "withdrawn" not in _cli(runner, db_path, "readings", RACKS).output
    checked = _cli(runner, db_path, "check")
    assert checked.exit_code == 0 and "withdrawn periods: 1 (information, not damage)" in checked.output


def test_cli_withdraw_target_and_the_change_log(runner: CliRunner, fresh_db: Store, db_path: Path) -> None:
    fresh_db.close()
    result = _cli(runner, db_path, "withdraw-target", "compute-racks-50k", "--reason", "not in the plan",
                  "--by", "王五", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["version_in_force"] is None
    changes = _cli(runner, db_path, "catalog", "changes", "--json")
    first = json.loads(changes.output)[0]
    assert (first["what"], first["changed_by"], first["reason"]) == ("target_withdrawn", "王五", "not in the plan")
    assert _cli(runner, db_path, "withdraw-target", "nope", "--reason", "x").exit_code == 3
    assert _cli(runner, db_path, "withdraw-target", "compute-racks-50k").exit_code == 2


# ---------------------------------------------------------------- migration from version 6


@pytest.mark.file_only
def test_a_store_at_version_6_migrates_and_keeps_its_readings(tmp_path: Path) -> None:
    path = tmp_path / "v6.duckdb"
    con = duckdb.connect(str(path))
    assert schema.migrate(con, up_to=6) == [1, 2, 3, 4, 5, 6]
    con.execute("INSERT INTO indicator (id, name_zh, name_en, domain, unit, display_unit, measure, direction, "
                "frequency, publication_lag_days, updated_at) VALUES ('x', 'x', 'x', 'digital', '架', '架', 'stock', "
                "'increase', 'yearly', 30, now())")
    con.execute("INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, recorded_at) "
                "VALUES ('x', DATE '2024-12-31', DATE '2024-12-31', 1, 5, 'exact', now())")
    con.close()
    store = Store(path)
    assert store.init() == [7, 8, 9]
    with store.read() as c:
        [reading] = queries.list_readings(c, "x")
    assert (reading.value, reading.withdrawn, reading.withdrawn_reason) == (5, False, None)
    wd.withdraw_reading(store, "x", date(2024, 12, 31), "test")
    with store.read() as c:
        assert queries.list_readings(c, "x") == []
    store.close()


# ---------------------------------------------------------------- the goal page (AppTest)


@pytest.fixture
def app_db(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    _mistake(fresh_db)
    return fresh_db


@pytest.mark.file_only  # the dashboard's tests run on the file (tests/test_dashboard.py)
def test_the_goal_page_withdraws_a_reading_after_confirmation(app_db: Store) -> None:
    at = open_app("goal.py", lang="en", goal=RACKS)
    choice = f"{WRONG_END.isoformat()}..{WRONG_END.isoformat()}"
    at.selectbox(key="goal_withdraw_period").set_value(choice)
    at.text_input(key="goal_withdraw_reason").input("typed 230万 for 2.3万")
    at.button(key="goal_withdraw_submit").click().run()
    assert [e.value for e in at.error] == ["Tick the confirmation to withdraw"]
    with app_db.read() as con:
        assert queries.withdrawn_periods(con) == []
    at.checkbox(key="goal_withdraw_confirm").check()
    at.button(key="goal_withdraw_submit").click().run()
    assert not at.exception and not at.error
    assert any("Withdrew the reading of" in s.value and "revision 2" in s.value for s in at.success)
    with app_db.read() as con:
        [withdrawal] = queries.withdrawn_periods(con)
    assert (withdrawal.recorded_by, withdrawal.withdrawn_reason) == ("dashboard", "typed 230万 for 2.3万")
    readings = at.dataframe[-2].value  # the readings in force, then the history
    history = at.dataframe[-1].value
    assert "2,300,000" not in " ".join(map(str, readings["value"]))
    assert list(history["withdrawn"]).count("withdrawn: typed 230万 for 2.3万") == 1


@pytest.mark.file_only  # the dashboard's tests run on the file (tests/test_dashboard.py)
def test_the_goal_page_needs_a_reason(app_db: Store) -> None:
    at = open_app("goal.py", lang="zh", goal=RACKS)
    at.selectbox(key="goal_withdraw_period").set_value(f"{WRONG_END.isoformat()}..{WRONG_END.isoformat()}")
    at.checkbox(key="goal_withdraw_confirm").check()
    at.button(key="goal_withdraw_submit").click().run()
    assert at.error and "未能撤回" in at.error[0].value
    with app_db.read() as con:
        assert queries.withdrawn_periods(con) == []


@pytest.mark.file_only  # the dashboard's tests run on the file (tests/test_dashboard.py)
def test_readers_get_no_withdraw_form(app_db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.services.auth import hash_password

    monkeypatch.setenv("MONITOR_EDITOR_PASSWORD_HASH", hash_password("s3cret-editor"))
    at = open_app("goal.py", lang="en", goal=RACKS)
    assert not [w for w in at.selectbox if w.key == "goal_withdraw_period"]
    assert not [b for b in at.button if b.key == "goal_withdraw_submit"]


# ---------------------------------------------------------------- the goal page in Chromium


@pytest.mark.browser
def test_withdrawing_in_the_browser(tmp_path: Path) -> None:
    from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium, _settle, _streamlit

    _require_chromium()
    db = tmp_path / "monitor.duckdb"
    from monitor.files.catalog import init_store

    store = Store(db)
    init_store(store)
    _mistake(store)
    store.close()
    from playwright.sync_api import sync_playwright

    with _streamlit(tmp_path, db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # Tall enough that nothing scrolls: the period list closes when its page scrolls (as a user's does),
            # and Playwright scrolls to reach an option below the fold.
            page = browser.new_page(viewport={"width": 1400, "height": 4000}, locale="en-US")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/goal?goal={RACKS}&lang=en")
            page.get_by_role("heading", name=re.compile("Standard data-centre racks")).wait_for()
            _settle(page)
            page.get_by_text("Revision history (every version)").click()
            form = page.locator('[data-testid="stForm"]', has_text="Period (reading in force)")
            # Every control is inside one st.form: nothing reruns until Withdraw, so each step is checked
            # where it lands and the form is submitted exactly once (retried clicks hid the cause on CI).
            box = form.get_by_role("combobox", name="Period (reading in force)")
            box.wait_for()  # the expander has opened (the click above returns before it has)
            _settle(page)  # and its tables are drawn: a layout shift closes an open list
            # ArrowDown opens the list (a click in the text does not); a click on the option, not Enter,
            # which may submit the whole form (st.form enter_to_submit)
            box.focus()
            page.keyboard.press("ArrowDown")
            page.get_by_role("option", name="31 Dec 2025").click()
            page.wait_for_function("e => e.value === '31 Dec 2025'", arg=box.element_handle())
            reason = form.get_by_label("Reason (required)")
            reason.fill("typed 230万 for 2.3万")
            assert reason.input_value() == "typed 230万 for 2.3万"
            form.get_by_text(re.compile("^Confirm: the period no longer counts")).click()
            page.wait_for_function("e => e.checked", arg=form.get_by_role("checkbox").element_handle())
            form.get_by_role("button", name="Withdraw").click()
            outcome = page.locator('[data-testid="stAlert"]').filter(
                has_text=re.compile("Withdrew the reading of|Choose the period|Tick the confirmation|Not withdrawn"))
            try:
                outcome.first.wait_for()
            except Exception as e:  # noqa: BLE001 - re-raised with what the page and the server showed
                shown = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
                log = (tmp_path / "streamlit.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"no outcome after Withdraw\n--- page:\n{shown[-3000:]}\n--- server:\n{log}") from e
            assert "Withdrew the reading of 31 Dec 2025" in outcome.first.inner_text()
        finally:
            browser.close()
    with Store(db).read() as con:
        [withdrawal] = queries.withdrawn_periods(con)
    assert (withdrawal.period_end, withdrawal.recorded_by) == (WRONG_END, "dashboard")


@pytest.mark.file_only  # the dashboard's tests run on the file (tests/test_dashboard.py)
def test_the_goal_page_withdraws_a_target_version(app_db: Store) -> None:
    at = open_app("goal.py", lang="en", goal=RACKS)
    at.selectbox(key="goal_withdraw_target").set_value("compute-racks-50k")
    at.text_input(key="goal_withdraw_target_reason").input("not in the adopted plan")
    at.checkbox(key="goal_withdraw_target_confirm").check()
    at.button(key="goal_withdraw_target_submit").click().run()
    assert not at.exception and not at.error
    assert any(s.value == "Withdrew target version 1; the goal has no target now" for s in at.success)
    with app_db.read() as con:
        change = catalog_queries.list_changes(con, RACKS)[0]
    assert (change.what, change.changed_by, change.reason) == ("target_withdrawn", "dashboard", "not in the adopted plan")
    assert [r.target_id for r in sets.statuses(app_db, AS_OF) if r.indicator_id == RACKS] == [None]
