"""One time zone for the workspace (issue 17, item 6): "today" and every time shown follow MONITOR_TIMEZONE.

The clock is frozen with time-machine (datetime.now, date.today and time.time, in this process and the
AppTest script threads) at two moments of the same evening in Asia/Shanghai: 23:30 on 2026-12-04 and
00:30 on 2026-12-05. At 00:30 the server's UTC clock still says 2026-12-04 (16:30): before the workspace
zone, a reading dated 2026-12-05 was refused as "in the future" and the header said 12-04 while run times
said 12-05. Every entry path (`monitor add`, an import, the form) accepts a reading dated the workspace's
today and refuses the day after; the header's as-of date, the refresh page's run times, the revision
history and the alerts' text agree; another zone (America/New_York) moves the day. Real DuckDB files,
the real CLI (click's runner, in process) and the real app (AppTest).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from app_helpers import APP, open_app
from monitor import clock, settings
from monitor.cli import main
from monitor.errors import ConfigError, ValidationError
from monitor.files.ingest import import_file
from monitor.present.chart_data import reading_table
from monitor.services.refresh.run import event_rows, run_rows, run_sources
from monitor.services.refresh.sources import load_config
from monitor.store import queries
from monitor.store.connection import Store
from refresh_helpers import csv_bytes, make_old, write_sources

# 23:30 on 2026-12-04 in Shanghai (15:30 UTC), and 00:30 on 2026-12-05 in Shanghai (16:30 UTC on the 4th).
MOMENTS = {
    "23:30": (datetime(2026, 12, 4, 15, 30, tzinfo=UTC), date(2026, 12, 4)),
    "00:30": (datetime(2026, 12, 4, 16, 30, tzinfo=UTC), date(2026, 12, 5)),
}
RACKS = "compute-racks"  # a stock: one reading per day is a whole period


@pytest.fixture(params=sorted(MOMENTS))
def moment(request: pytest.FixtureRequest) -> Iterator[date]:
    """The clock frozen (ticking on) at 23:30 or 00:30 Shanghai time; the Shanghai date."""
    at, shanghai_day = MOMENTS[request.param]
    with time_machine.travel(at, tick=True):
        yield shanghai_day


@pytest.fixture
def db(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    return fresh_db


def racks_on(store: Store, day: date) -> list[float]:
    with store.read() as con:
        return [r.value for r in queries.list_readings(con, RACKS) if r.period_end == day]


def add(db_path: Path, day: date, value: str = "3") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", str(db_path), "add", RACKS, value, "--unit", "万架",
                                       "--period-end", day.isoformat()])
    return result.exit_code, result.output


# ---------------------------------------------------------------- the clock itself


def test_today_is_the_workspace_day_not_the_servers_utc_day(moment: date, monkeypatch: pytest.MonkeyPatch) -> None:
    assert datetime.now(UTC).date() == date(2026, 12, 4)  # the server's UTC day, at both moments
    assert clock.today() == moment
    assert clock.zone_name() == "Asia/Shanghai"
    now = clock.now_utc()
    assert now.tzinfo is None and now.date() == date(2026, 12, 4), "stored times stay naive UTC"
    monkeypatch.setenv("MONITOR_TIMEZONE", "America/New_York")
    assert clock.today() == date(2026, 12, 4), "10:30 or 11:30 in New York: still the 4th"
    monkeypatch.setenv("MONITOR_TIMEZONE", "UTC")
    assert clock.today() == date(2026, 12, 4)


def test_a_stored_time_is_shown_in_the_zone_with_its_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = datetime(2026, 12, 4, 16, 30, 5)  # naive UTC, as in the store
    assert clock.stamp(stored) == "2026-12-05 00:30 UTC+8"
    assert clock.stamp(stored, seconds=True) == "2026-12-05 00:30:05 UTC+8"
    assert clock.stamp(None) == ""
    assert clock.day_end_utc(date(2026, 12, 5)) == datetime(2026, 12, 5, 15, 59, 59, 999999)
    monkeypatch.setenv("MONITOR_TIMEZONE", "America/New_York")
    assert clock.stamp(stored) == "2026-12-04 11:30 UTC-5"
    monkeypatch.setenv("MONITOR_TIMEZONE", "Asia/Kolkata")
    assert clock.stamp(stored) == "2026-12-04 22:00 UTC+5:30"


def test_a_zone_that_does_not_exist_is_an_error_naming_the_variable(db: Store, db_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="MONITOR_TIMEZONE='Mars/Olympus': must be an IANA time zone"):
        settings.get("MONITOR_TIMEZONE")
    result = CliRunner().invoke(main, ["--db", str(db_path), "status"])
    assert result.exit_code == 2 and "MONITOR_TIMEZONE" in result.output, result.output


def test_the_sources_file_schedules_in_the_workspace_zone_unless_it_names_one(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plain = write_sources(tmp_path, 'lang = "en"\n', "plain.toml")
    named = write_sources(tmp_path, 'timezone = "Europe/Berlin"\n', "named.toml")
    assert load_config(plain).timezone == "Asia/Shanghai"
    monkeypatch.setenv("MONITOR_TIMEZONE", "America/New_York")
    assert load_config(plain).timezone == "America/New_York"
    assert load_config(named).timezone == "Europe/Berlin"


# ---------------------------------------------------------------- every entry path takes today's reading


def test_monitor_add_takes_a_reading_dated_today_and_refuses_tomorrow(db: Store, db_path: Path, moment: date) -> None:
    code, output = add(db_path, moment)
    assert code == 0 and "new reading" in output, output
    assert racks_on(db, moment) == [30000.0]
    code, output = add(db_path, moment + timedelta(days=1))
    assert code == 5 and "in the future" in output, output
    assert racks_on(db, moment + timedelta(days=1)) == []


def test_an_import_takes_a_reading_dated_today(db: Store, db_path: Path, moment: date, tmp_path: Path) -> None:
    today_file = tmp_path / "today.csv"
    today_file.write_text(f"indicator_id,period_end,value,unit\n{RACKS},{moment.isoformat()},3,万架\n", encoding="utf-8")
    assert import_file(db, today_file).new == 1
    tomorrow = tmp_path / "tomorrow.csv"
    tomorrow.write_text(f"indicator_id,period_end,value,unit\n{RACKS},{moment + timedelta(days=1)},3,万架\n",
                        encoding="utf-8")
    with pytest.raises(ValidationError, match="in the future"):
        import_file(db, tomorrow)
    # the CLI's import, the same rule
    again = tmp_path / "again.csv"
    again.write_text(f"indicator_id,period_end,value,unit\n{RACKS},{moment.isoformat()},3.1,万架\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(db_path), "import", str(again)])
    assert result.exit_code == 0, result.output
    assert racks_on(db, moment) == [31000.0]  # a new revision of the same day


def test_the_form_takes_a_reading_dated_today(db: Store, moment: date) -> None:
    at = open_app("add_reading.py", lang="zh", indicator=RACKS)
    at.date_input(key="add_day").set_value(moment)
    at.text_input(key="add_value").input("3")
    at.run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("已保存" in s.value for s in at.success)
    assert racks_on(db, moment) == [30000.0]
    # the day after is held with its reason, and Save stores nothing
    at.date_input(key="add_day").set_value(moment + timedelta(days=1)).run()
    today_zh = f"今天（{moment.year}年{moment.month}月{moment.day}日）"
    assert any(today_zh in e.value for e in at.error), [e.value for e in at.error]


def test_a_target_version_recorded_after_midnight_is_in_force_from_the_workspace_day(db: Store) -> None:
    """At 00:30 in Shanghai (16:30 UTC the day before) a raised target is in force from the Shanghai day:
    the status of the day before still judges against the old version, the status of today the new."""
    from monitor.present.catalog_edit import add_target
    from monitor.status import Detail, statuses

    at, today = MOMENTS["00:30"]
    with time_machine.travel(at, tick=True):
        add_target(db, RACKS, "reach", {"comparator": ">=", "value": "6", "baseline_value": "2.3",
                                        "baseline_date": date(2025, 6, 30), "deadline": date(2030, 6, 30)},
                   "ana", target_id="compute-racks-50k", reason="raised")

    def value_on(day: date) -> float | None:
        [goal] = [r for r in statuses(db, day, detail=Detail.BRIEF) if r.target_id == "compute-racks-50k"]
        return goal.target_value

    assert value_on(today - timedelta(days=1)) == 50000, "the day before: the old version"
    assert value_on(today) == 60000, "from the workspace's day it was recorded"


def test_another_zone_moves_the_day(db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # 00:30 on the 5th in Shanghai is 11:30 on the 4th in New York: the 5th is tomorrow there.
    monkeypatch.setenv("MONITOR_TIMEZONE", "America/New_York")
    with time_machine.travel(MOMENTS["00:30"][0], tick=True):
        code, output = add(db_path, date(2026, 12, 5))
        assert code == 5 and "in the future" in output, output
        assert add(db_path, date(2026, 12, 4))[0] == 0
        at = open_app("overview.py", lang="en")
        caption = " ".join(c.value for c in at.caption)
        assert "Status as of 4 Dec 2026" in caption, caption
    assert racks_on(db, date(2026, 12, 5)) == [] and racks_on(db, date(2026, 12, 4)) == [30000.0]


# ---------------------------------------------------------------- what is shown agrees


def test_the_header_the_run_times_the_history_and_the_alerts_agree(db: Store, db_path: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    at_utc, shanghai_day = MOMENTS["00:30"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sources = write_sources(tmp_path, '[[sources]]\nname = "drop"\nkind = "csv"\npath = "inbox"\nevery = "1m"\n'
                                      'settle = "0.3s"\n')
    monkeypatch.setenv("MONITOR_SOURCES", str(sources))
    with time_machine.travel(at_utc, tick=True):
        dropped = inbox / "today.csv"
        dropped.write_bytes(csv_bytes(f"{RACKS},,{shanghai_day.isoformat()},24000,,"))
        make_old(dropped, 60)
        [result] = run_sources(db, load_config(sources), trigger="cli")
        assert result.outcome == "ok" and result.rows_new == 1, result.summary()

        header = open_app("overview.py", lang="zh")
        caption = " ".join(c.value for c in header.caption)
        assert "状态截至 2026年12月5日" in caption, caption

        page = AppTest.from_file(str(APP.parent / "refresh_page.py"), default_timeout=60)
        page.run()
        assert not page.exception, page.exception
        started = str(page.dataframe[1].value.iloc[0, 0])
        assert started.startswith(f"{shanghai_day.isoformat()} 00:30:") and started.endswith("UTC+8"), started


    # the run views: UTC with its Z for machines, the workspace's zone for people
    [run] = run_rows(db, load_config(sources))
    assert run["started_at"].startswith("2026-12-04T16:30:") and run["started_at"].endswith("Z")
    assert run["started_local"].startswith("2026-12-05T00:30:") and run["started_local"].endswith("+08:00")
    events = [e for e in event_rows(db, load_config(sources), lang="zh") if e["indicator_id"] == RACKS]
    assert events and "2026-12-05 00:30（Asia/Shanghai）" in events[0]["message"], events
    # the revision history (goal page), `monitor readings --history` and `monitor runs`
    with db.read() as con:
        history = [r for r in queries.list_readings(con, RACKS, history=True) if r.period_end == shanghai_day]
    assert history[0].recorded_at is not None and history[0].recorded_at.date() == date(2026, 12, 4), "stored in UTC"
    [row] = reading_table(history, "架", "zh")
    assert row["recorded_at"].startswith("2026-12-05 00:30:") and row["recorded_at"].endswith("UTC+8")
    listed = CliRunner().invoke(main, ["--db", str(db_path), "readings", RACKS, "--history"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "2026-12-05 00:30 UTC+8" in listed.output, listed.output
    machine = json.loads(CliRunner().invoke(main, ["--db", str(db_path), "readings", RACKS, "--json"]).output)
    assert any(r["recorded_at"].startswith("2026-12-04T16:30") for r in machine), "JSON keeps the stored UTC"
    runs = CliRunner().invoke(main, ["--db", str(db_path), "runs", "--sources", str(sources)])
    assert "2026-12-05 00:30:" in runs.output and "UTC+8" in runs.output, runs.output
    # a withdrawal's time in `monitor check`
    with time_machine.travel(at_utc + timedelta(minutes=5), tick=True):
        cli = CliRunner()
        withdrawn = cli.invoke(main, ["--db", str(db_path), "withdraw", RACKS, "--period-end", shanghai_day.isoformat(),
                                      "--reason", "typo", "--by", "alice"])
        assert withdrawn.exit_code == 0, withdrawn.output
        checked = cli.invoke(main, ["--db", str(db_path), "check"])
        assert "by alice on 2026-12-05 00:35 UTC+8: typo" in checked.output, checked.output
