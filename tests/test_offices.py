"""Per-office scorecards (issue 18 item 2, issue 23 item 3): the submission calendar, the office index and
scorecard (monitor.present.offices), the /office page in AppTest and in Chromium opened from a pasted link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

from app_helpers import open_app
from monitor import clock
from monitor.errors import NotFound
from monitor.present.cards import share_url
from monitor.present.offices import Schedule, office_index, office_names, scorecard, submission_calendar
from monitor.store.connection import Store

TODAY = clock.today()  # the workspace's day (monitor.clock), as the pages and reports use
ECOLOGY = "市生态环境局"


# ---------------------------------------------------------------- the calendar (pure)


def _dues(schedule: Schedule, as_of: date, until: date) -> list[tuple[date, date, date, int]]:
    return [(d.period_start, d.period_end, d.due, d.days_left) for d in submission_calendar([schedule], as_of, until)]


def test_monthly_periods_keep_month_ends_and_add_the_lag() -> None:
    dues = _dues(Schedule("m", "monthly", 20, date(2026, 1, 31)), date(2026, 2, 1), date(2026, 5, 1))
    assert dues == [
        (date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 20), 47),
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 20), 78),
    ], "February ends on the 28th; the April period is due after `until`"


def test_quarterly_across_a_year_end() -> None:
    dues = _dues(Schedule("q", "quarterly", 45, date(2026, 9, 30)), date(2026, 10, 1), date(2027, 6, 30))
    assert dues == [
        (date(2026, 10, 1), date(2026, 12, 31), date(2027, 2, 14), 136),
        (date(2027, 1, 1), date(2027, 3, 31), date(2027, 5, 15), 226),
    ]


def test_yearly_lag_crossing_february_in_a_leap_year() -> None:
    # 2027's figure with a 60-day lag is due on 1 March 2028 (29 February is the 59th day of 2028).
    dues = _dues(Schedule("y", "yearly", 60, date(2026, 12, 31)), date(2027, 12, 1), date(2028, 12, 31))
    assert dues == [(date(2027, 1, 1), date(2027, 12, 31), date(2028, 2, 29), 90)]
    half = _dues(Schedule("h", "half_yearly", 0, date(2026, 6, 30)), date(2026, 7, 1), date(2027, 12, 31))
    assert [d[1] for d in half] == [date(2026, 12, 31), date(2027, 6, 30), date(2027, 12, 31)]


def test_an_overdue_series_owes_its_next_period_then_lists_the_ones_still_ahead() -> None:
    dues = _dues(Schedule("m", "monthly", 30, date(2025, 7, 31)), date(2026, 12, 5), date(2027, 2, 1))
    assert dues[0] == (date(2025, 8, 1), date(2025, 8, 31), date(2025, 9, 30), -431), "the period owed first"
    assert [d[1] for d in dues[1:]] == [date(2026, 11, 30), date(2026, 12, 31)], "then the periods not yet due"
    assert all(d[3] >= 0 for d in dues[1:])


def test_the_first_overdue_period_counts_every_period_owed() -> None:
    # Last recorded July 2025, as of 5 Dec 2026 with a 30-day lag: August 2025 .. October 2026 are overdue
    # (October's is due 30 Nov), 15 months; November's (due 30 Dec) is not yet.
    [owed, *ahead] = submission_calendar([Schedule("m", "monthly", 30, date(2025, 7, 31))], date(2026, 12, 5), date(2027, 2, 1))
    assert owed.periods_overdue == 15 and all(d.periods_overdue == 0 for d in ahead)
    from monitor.present.offices import calendar_row

    assert calendar_row(owed, "n", "monthly", "en")["state"] == "overdue by 431 days (15 periods owed)"
    assert calendar_row(owed, "n", "monthly", "zh")["state"] == "已逾期 431 天（共欠 15 期）"
    [one] = submission_calendar([Schedule("y", "yearly", 59, date(2023, 12, 31))], date(2026, 1, 1), date(2026, 1, 2))
    assert one.periods_overdue == 0 and calendar_row(one, "n", "yearly", "en")["state"] == "overdue by 307 days"
    assert calendar_row(one, "n", "yearly", "en")["periods_overdue"] == 1


def test_no_reading_or_irregular_means_no_due_day() -> None:
    assert submission_calendar([Schedule("a", "monthly", 30, None), Schedule("b", "irregular", 30, date(2026, 1, 1))],
                               date(2026, 6, 1), date(2027, 6, 1)) == []


def test_the_calendar_agrees_with_the_status_due_day(fresh_db: Store) -> None:
    card = scorecard(fresh_db, ECOLOGY, TODAY, "en")
    from monitor.status import statuses

    due = {r.indicator_id: r.next_due for r in statuses(fresh_db, TODAY) if r.next_due}
    first: dict[str, date] = {}
    for row in card["calendar"]:
        first.setdefault(row["indicator_id"], row["due_date"])
    assert first, "the office's series have due days"
    for ident, day in first.items():
        assert due[ident] == day.isoformat(), ident


# ---------------------------------------------------------------- index and scorecard


def test_the_index_groups_every_goal_by_its_office(fresh_db: Store) -> None:
    from monitor.present.overview import load_overview

    rows = office_index(fresh_db, TODAY, "zh")
    _, overview = load_overview(fresh_db, TODAY, "zh")
    assert sum(r["goals"] + r["tracked"] for r in rows) == len(overview)
    assert sum(r["overdue"] for r in rows) == sum(1 for r in overview if r["stale"])
    named = [r["office"] for r in rows if r["office"]]
    assert named == sorted(named) and named == office_names(fresh_db)
    assert rows[-1]["office"] is None and rows[-1]["name"] == "未明确责任单位", "goals without an office come last"
    ecology = next(r for r in rows if r["office"] == ECOLOGY)
    assert ecology["behind"] == 1 and "未达标 1" in ecology["summary"]


def test_a_scorecard_holds_the_office_goals_overdue_and_calendar(fresh_db: Store) -> None:
    card = scorecard(fresh_db, ECOLOGY, TODAY, "en")
    ids = {r["indicator_id"] for r in card["rows"]}
    assert "good-air-days-ratio" in ids and "compute-racks" not in ids
    assert card["rows"][0]["status_code"] == "not_met", "the overview's order: worst first"
    days = [o["days"] for o in card["overdue"]]
    assert days and days == sorted(days, reverse=True) and all(d > 0 for d in days)
    assert any(row["overdue"] and row["state"].startswith("overdue by") for row in card["calendar"])
    with pytest.raises(NotFound, match="offices: "):
        scorecard(fresh_db, "no such office", TODAY, "en")


# ---------------------------------------------------------------- the page (AppTest)


@pytest.fixture
def app_db(fresh_db: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(fresh_db.path))
    return fresh_db


def test_the_office_index_links_each_office(app_db: Store) -> None:
    at = open_app("offices.py", lang="en")
    links = [p for p in at.page_link if "office=" in p.proto.query_string]
    assert [parse_qs(p.proto.query_string)["office"][0] for p in links] == office_names(app_db)
    assert all(parse_qs(p.proto.query_string)["lang"] == ["en"] for p in links)
    assert [c.value for c in at.code] == ["/office?lang=en"]


def test_the_office_link_opens_its_scorecard(app_db: Store) -> None:
    at = open_app("offices.py", lang="en", office=ECOLOGY)
    assert [s.value for s in at.subheader] == [f"Office scorecard: {ECOLOGY}"]
    goals, overdue, calendar = (d.value for d in at.dataframe)  # goals, overdue, calendar, in this order
    assert goals["name"].tolist()[0] == "Share of days with good air quality"
    assert len(overdue) >= 1 and (overdue["days"] > 0).all()
    assert list(calendar.columns) == ["name", "frequency", "period", "due", "state"] and len(calendar) >= 1
    assert [c.value for c in at.code] == [f"/office?lang=en&office={quote(ECOLOGY, safe='')}"]
    # A past as-of day in the link: the scorecard is judged then, and its links keep the day.
    past = open_app("offices.py", lang="en", office=ECOLOGY, as_of="2025-08-25")
    assert "As of 25 Aug 2025" in [c.value for c in past.caption]
    assert [c.value for c in past.code] == [f"/office?lang=en&office={quote(ECOLOGY, safe='')}&as_of=2025-08-25"]
    assert [s.value for s in past.success] == ["Nothing is overdue."]
    calendar = past.dataframe[-1].value  # goals and calendar (nothing overdue then)
    assert calendar["due"].tolist()[:2] == ["30 Aug 2025", "30 Aug 2025"] and calendar["state"].tolist()[0] == "in 5 days"
    unknown = open_app("offices.py", lang="zh", office="不存在的单位")
    assert [w.value for w in unknown.warning] == ["没有指标以“不存在的单位”为责任单位。"]


# ---------------------------------------------------------------- a pasted link in Chromium


@pytest.fixture(scope="module")
def office_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from monitor.files.catalog import init_store
    from test_browser import _require_chromium, _streamlit

    _require_chromium()
    folder = tmp_path_factory.mktemp("offices")
    db = folder / "monitor.duckdb"
    init_store(Store(db))
    with _streamlit(folder, db) as url:
        yield {"url": url, "db": db}


@pytest.mark.browser
def test_a_pasted_office_link_opens_the_scorecard_in_english(office_server: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, TIMEOUT_MS, _settle

    # As a chat client passes it on: the office name percent-encoded by share_url.
    link = share_url(office_server["url"], "office", {"office": ECOLOGY, "lang": "en"})
    assert ECOLOGY not in link and "%E5%B8%82" in link
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="en-GB")
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(link)
            tab.get_by_role("heading", name=f"Office scorecard: {ECOLOGY}").wait_for()
            tab.locator('[data-testid="stDataFrame"]').nth(2).wait_for()
            _settle(tab)
            body = tab.locator('[data-testid="stMain"]').inner_text()
            assert "Submission calendar" in body and "Overdue" in body
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "office-en.png"), full_page=True)
        finally:
            browser.close()


def test_due_days_move_with_the_as_of_date(fresh_db: Store) -> None:
    later = scorecard(fresh_db, ECOLOGY, TODAY + timedelta(days=10), "en")
    now = scorecard(fresh_db, ECOLOGY, TODAY, "en")
    pairs = {(r["indicator_id"], r["period"]): r["days_left"] for r in now["calendar"]}
    for r in later["calendar"]:
        if (r["indicator_id"], r["period"]) in pairs:
            assert pairs[(r["indicator_id"], r["period"])] - r["days_left"] == 10


# ---------------------------------------------------------------- the CLI


def test_cli_offices_lists_offices_and_prints_one_scorecard(fresh_db: Store) -> None:
    import json

    from click.testing import CliRunner

    from monitor.cli import main

    runner = CliRunner()
    listed = runner.invoke(main, ["--db", str(fresh_db.path), "offices", "--json", "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    assert [r["office"] for r in json.loads(listed.output) if r["office"]] == office_names(fresh_db)
    card = runner.invoke(main, ["--db", str(fresh_db.path), "offices", "--office", ECOLOGY, "--lang", "en",
                                "--as-of", TODAY.isoformat(), "--days", "60"])
    assert card.exit_code == 0, card.output
    assert "Submission calendar (next 60 days)" in card.output and "Share of days with good air quality" in card.output
    unknown = runner.invoke(main, ["--db", str(fresh_db.path), "offices", "--office", "nope"])
    assert unknown.exit_code == 3 and "Error: no indicator names 'nope'" in unknown.output


@pytest.mark.browser
def test_the_office_index_opens_a_scorecard_in_chinese(office_server: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, TIMEOUT_MS, _settle

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="zh-CN")
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(f"{office_server['url']}/office?lang=zh")
            link = tab.locator('[data-testid="stPageLink"] a', has_text=ECOLOGY)
            link.wait_for()
            link.click()
            tab.get_by_role("heading", name=f"责任单位记分卡：{ECOLOGY}").wait_for()
            assert "office=" in tab.url and "lang=zh" in tab.url
            tab.locator('[data-testid="stDataFrame"]').nth(2).wait_for()
            _settle(tab)
            body = tab.locator('[data-testid="stMain"]').inner_text()
            assert "报送日历" in body and "逾期未报送" in body
            SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SHOTS / "office-zh.png"))
        finally:
            browser.close()
