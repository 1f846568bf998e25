"""Status "as known on" a past date: readings, revisions and targets recorded later are invisible.

A hand-built store where, at controlled recorded_at times (UTC), an indicator is defined, a reading is
added, then revised, then a target is added, then the target gets a second version. The status at each
point must be what the store said then, on both paths (monitor.status and monitor.status_sql), through
`monitor status --known-on`, and unchanged without known_on.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.present.i18n import status_text
from monitor.status import engine as engine_path
from monitor.status import sets as sets_path
from monitor.store.connection import Store
from monitor.store.status_queries import known_cutoff

DEFINED = datetime(2026, 1, 1, 9, 0)
READ = datetime(2026, 1, 10, 9, 0)  # 2025's share: 91 %
REVISED = datetime(2026, 2, 10, 9, 0)  # corrected to 95 %
TARGETED = datetime(2026, 3, 10, 9, 0)  # target >= 93 %
RETARGETED = datetime(2026, 4, 10, 9, 0)  # version 2: >= 96 %, in force from then
OTHER = datetime(2026, 3, 20, 9, 0)  # a second indicator defined (no reading, no target)
AS_OF = date(2026, 5, 31)

INDICATOR = """
INSERT INTO indicator (id, name_zh, name_en, domain, unit, display_unit, measure, direction, frequency,
                       lower_bound, upper_bound, responsible, publication_lag_days, cumulative_since,
                       description, updated_at)
VALUES (?, ?, ?, 'ecology', '%', '%', 'ratio', 'increase', 'yearly', 0, 100, NULL, 90, NULL, NULL, ?)
"""
READING = """
INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier, source, note,
                     recorded_by, recorded_at, batch_id)
VALUES ('air', DATE '2025-01-01', DATE '2025-12-31', ?, ?, 'exact', 'bulletin', NULL, 'test', ?, 'b')
"""
TARGET = """
INSERT INTO target (id, indicator_id, version, kind, comparator, value, baseline_value, baseline_date,
                    deadline, deadline_earliest, method, period, valid_from, recorded_at)
VALUES ('air-goal', 'air', ?, 'threshold', '>=', ?, NULL, NULL, NULL, NULL, 'cagr', 'yearly', ?, ?)
"""


@pytest.fixture
def history(empty_db: Store) -> Store:
    with empty_db.write() as con:
        con.execute(INDICATOR, ["air", "空气质量优良天数比例", "Share of good-air days", DEFINED])
        con.execute(READING, [1, 91.0, READ])
        con.execute(READING, [2, 95.0, REVISED])
        con.execute(TARGET, [1, 93.0, None, TARGETED])
        con.execute(TARGET, [2, 96.0, RETARGETED, RETARGETED])
        con.execute(INDICATOR, ["noise", "声环境质量", "Noise quality", OTHER])
    return empty_db


def status_records(store: Store, as_of: date, known_on: Any = None) -> list[dict[str, Any]]:
    """The per-goal engine's records, as dicts."""
    return [r.as_dict() for r in engine_path.statuses(store, as_of, known_on=known_on)]


def status_rows(store: Store, as_of: date, known_on: Any = None) -> list[dict[str, Any]]:
    """The set-based path's records, as dicts."""
    return [r.as_dict() for r in sets_path.statuses(store, as_of, known_on=known_on)]


def _summary(records: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {r["indicator_id"]: (r["target_id"], r["target_value"], r["latest_value"], r["status"]) for r in records}


# (known on, expected per indicator: target id, target value, latest value, status)
TIMELINE: list[tuple[date | datetime, dict[str, tuple[Any, ...]]]] = [
    (date(2025, 12, 31), {}),
    (DEFINED - timedelta(seconds=1), {}),
    (DEFINED, {"air": (None, None, None, "no_target")}),
    (date(2026, 1, 9), {"air": (None, None, None, "no_target")}),
    (date(2026, 1, 10), {"air": (None, None, 91.0, "no_target")}),
    (REVISED - timedelta(microseconds=1), {"air": (None, None, 91.0, "no_target")}),
    (date(2026, 2, 10), {"air": (None, None, 95.0, "no_target")}),
    (date(2026, 3, 9), {"air": (None, None, 95.0, "no_target")}),
    (date(2026, 3, 10), {"air": ("air-goal", 93.0, 95.0, "met")}),
    (date(2026, 3, 20), {"air": ("air-goal", 93.0, 95.0, "met"), "noise": (None, None, None, "no_target")}),
    (date(2026, 4, 10), {"air": ("air-goal", 96.0, 95.0, "not_met"), "noise": (None, None, None, "no_target")}),
]


@pytest.mark.parametrize(("known_on", "expected"), TIMELINE, ids=[str(k) for k, _ in TIMELINE])
def test_each_point_of_the_history_on_both_paths(history: Store, known_on: date | datetime,
                                                 expected: dict[str, tuple[Any, ...]]) -> None:
    engine = status_records(history, AS_OF, known_on=known_on)
    sql = status_rows(history, AS_OF, known_on=known_on)
    assert _summary(engine) == expected
    assert _summary(sql) == expected
    for e, s in zip(engine, sql, strict=False):
        for key in e:
            if key not in ("evidence", "computed_by"):
                same = e[key] == s[key] or (isinstance(e[key], float) and math.isnan(e[key]) and math.isnan(s[key]))
                assert same, (key, e[key], s[key])


def test_the_revision_shown_is_the_one_known_then(history: Store) -> None:
    [now] = [r for r in status_records(history, AS_OF, known_on=date(2026, 4, 10)) if r["indicator_id"] == "air"]
    assert now["evidence"]["latest"]["value"] == 95.0 and now["evidence"]["latest"].get("revision") == 2
    # Had the target been there before the revision: the first revision, judged against it.
    with history.write() as con:
        con.execute("UPDATE target SET recorded_at = ? WHERE version = 1", [datetime(2026, 1, 1)])
    [earlier] = status_records(history, AS_OF, known_on=date(2026, 2, 1))
    assert earlier["latest_value"] == 91.0 and earlier["status"] == "not_met"
    assert earlier["evidence"]["latest"].get("revision", 1) == 1
    [sql] = status_rows(history, AS_OF, known_on=date(2026, 2, 1))
    assert sql["latest_value"] == 91.0 and sql["status"] == "not_met"


def test_without_known_on_and_known_now_nothing_changes(history: Store) -> None:
    now = _summary(status_records(history, AS_OF))
    assert now == {"air": ("air-goal", 96.0, 95.0, "not_met"), "noise": (None, None, None, "no_target")}
    assert _summary(status_rows(history, AS_OF)) == now
    later = datetime.utcnow() + timedelta(days=1)
    assert status_records(history, AS_OF, known_on=later) == status_records(history, AS_OF)
    assert status_rows(history, AS_OF, known_on=later) == status_rows(history, AS_OF)


def test_an_indicator_redefined_later_stays_known_through_its_readings(history: Store) -> None:
    with history.write() as con:
        con.execute("UPDATE indicator SET name_en = 'Good-air days share', updated_at = ? WHERE id = 'air'",
                    [datetime(2026, 5, 1)])
    [record] = status_records(history, AS_OF, known_on=date(2026, 2, 15))
    assert record["name_en"] == "Good-air days share" and record["latest_value"] == 95.0
    # Before its first reading, an indicator whose definition was replaced later cannot be told from a new one.
    assert status_records(history, AS_OF, known_on=date(2026, 1, 5)) == []


def test_known_cutoff() -> None:
    assert known_cutoff(None) is None
    # a date ends when it ends in the workspace's zone (Asia/Shanghai by default, UTC+8), as UTC
    assert known_cutoff(date(2026, 1, 2)) == datetime(2026, 1, 2, 15, 59, 59, 999999)
    assert known_cutoff(datetime(2026, 1, 2, 3, 4)) == datetime(2026, 1, 2, 3, 4)
    with pytest.raises(TypeError):
        known_cutoff("2026-01-02")  # type: ignore[arg-type]


# ---------------------------------------------------------------- monitor status --known-on


def _status(runner: CliRunner, db: Path, *args: str) -> Any:
    result = runner.invoke(main, ["--db", str(db), "status", *args])
    return result


def test_cli_known_on_judges_as_of_that_date_by_default(history: Store, db_path: Path, runner: CliRunner) -> None:
    history.close()
    result = _status(runner, db_path, "--known-on", "2026-03-10", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert _summary(records) == {"air": ("air-goal", 93.0, 95.0, "met")}
    assert records[0]["evidence"]["as_of"] == "2026-03-10"
    result = _status(runner, db_path, "--known-on", "2026-01-20", "--as-of", "2026-05-31", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert _summary(records) == {"air": (None, None, 91.0, "no_target")}
    assert records[0]["evidence"]["as_of"] == "2026-05-31"
    result = _status(runner, db_path, "--known-on", "2026-03-10T08:59", "--json")
    assert _summary(json.loads(result.output)) == {"air": (None, None, 95.0, "no_target")}


def test_cli_known_on_table_says_so(history: Store, db_path: Path, runner: CliRunner) -> None:
    history.close()
    result = _status(runner, db_path, "--known-on", "2026-03-10", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "As known on 2026-03-10 (Asia/Shanghai)" in result.output and "Met" in result.output


def test_cli_known_on_rejects_a_bad_date(history: Store, db_path: Path, runner: CliRunner) -> None:
    history.close()
    result = _status(runner, db_path, "--known-on", "last tuesday")
    assert result.exit_code == 2 and "'last tuesday' is not a date" in result.output


# ---------------------------------------------------------------- the dashboard's "known on" input


def _overview(monkeypatch: pytest.MonkeyPatch, db_path: Path, lang: str) -> Any:
    from app_helpers import open_app  # noqa: PLC0415 - only these tests need streamlit

    monkeypatch.setenv("MONITOR_DB", str(db_path))
    return open_app(lang=lang)


def _shown(at: Any) -> dict[str, tuple[str, str]]:
    from app_helpers import overview_frame  # noqa: PLC0415 - only these tests need streamlit

    frame = overview_frame(at)
    return {row["indicator_id"]: (row["status"], row["latest"]) for _, row in frame.iterrows()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overview_shows_the_store_as_known_on_a_date(history: Store, db_path: Path, lang: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    history.close()
    at = _overview(monkeypatch, db_path, lang)
    picker = at.date_input(key="ov_known_on")
    assert picker.value is None and picker.label == ("按当时已知数据（日期）" if lang == "zh" else "As known on")
    now = _shown(at)
    assert set(now) == {"air", "noise"}
    assert now["air"][0] == status_text("not_met", lang)  # 95 % against the >= 96 % version

    picker.set_value(date(2026, 3, 10)).run()
    assert not at.exception, at.exception
    then = _shown(at)
    assert set(then) == {"air"}  # "noise" was defined later
    assert then["air"][0] == status_text("met", lang) and "95" in then["air"][1]
    note = " ".join(i.value for i in at.info)
    assert "2026-03-10 结束时" in note if lang == "zh" else "at the end of 2026-03-10" in note  # the workspace's day

    at.date_input(key="ov_known_on").set_value(date(2026, 1, 20)).run()
    earlier = _shown(at)
    assert "91" in earlier["air"][1]  # the first revision, before the correction to 95

    at.date_input(key="ov_known_on").set_value(None).run()
    assert _shown(at) == now and not at.info


def test_known_now_equals_today_on_the_seeded_briefing(fresh_db: Store) -> None:
    later = datetime.utcnow() + timedelta(minutes=5)
    day = date(2026, 6, 30)
    assert status_rows(fresh_db, day, known_on=later) == status_rows(fresh_db, day)
    assert status_records(fresh_db, day, known_on=later) == status_records(fresh_db, day)
    # Before the seed was recorded, nothing was known.
    assert status_rows(fresh_db, day, known_on=date(2000, 1, 1)) == []


def test_known_on_on_a_lake_copy_of_the_history(history: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                request: pytest.FixtureRequest, runner: CliRunner) -> None:
    """The same history migrated to a DuckLake (conftest's ``lake``; skipped without PostgreSQL): the
    CLI and the dashboard give the same as-known-on statuses there."""
    from monitor.store.connection import open_store
    from monitor.store.migrate import migrate_store

    location = request.getfixturevalue("lake").new(tmp_path)
    monkeypatch.setenv("MONITOR_DATA_PATH", str(location.data_path))
    lake = open_store(str(location))
    try:
        migrate_store(history, lake)
        for known_on, expected in TIMELINE:
            assert _summary(status_records(lake, AS_OF, known_on=known_on)) == expected, known_on
            assert _summary(status_rows(lake, AS_OF, known_on=known_on)) == expected, known_on
    finally:
        lake.close()
    result = runner.invoke(main, ["--db", str(location), "status", "--known-on", "2026-03-10", "--json"])
    assert result.exit_code == 0, result.output
    assert _summary(json.loads(result.output)) == {"air": ("air-goal", 93.0, 95.0, "met")}
    at = _overview(monkeypatch, Path(str(location)), "en")  # MONITOR_DB = the ducklake: location
    at.date_input(key="ov_known_on").set_value(date(2026, 1, 20)).run()
    assert not at.exception, at.exception
    assert "91" in _shown(at)["air"][1]
