"""Issue 14, items 2, 12 and 13: values and text no entry path may store, and stores that hold them anyway.

A store written before these rules (or edited with a SQL shell) is simulated by writing the values into
the DuckDB file with plain SQL. Every command and page must still work on it, skip what it cannot use
and say so; `monitor check` names each such value; restore and migrate refuse to carry one on. Every
entry path (form, CLI, import, refresh, catalogue) refuses them with a located problem; CLI output never
passes a control character to the terminal nor reads rich markup in stored text.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app_helpers import open_app, overview_frame
from monitor import clock
from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.catalog import load_catalog
from monitor.model import Direction, Frequency, Indicator, MeasureKind, Method, Reading, Target, TargetKind
from monitor.model.validate import VALUE_MAX, escape_controls
from monitor.status import progress
from monitor.store.connection import Store
from monitor.store.maintenance import backup, checksums, restore

# Every control character class of the rules: C0 (ESC, BEL, CR), DEL, C1 (CSI), bidi override and
# isolate, line separator; and rich markup that must stay text.
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x1b[31m\x7f\x9b6n\u202e\u2066\u2028\r[bold]B[/bold][link=http://evil.example]L[/link]"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cli(db: Path | str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def poison(db_path: Path, *statements: str) -> None:
    """Write into the store file behind the library's back, as an old version or a SQL shell could."""
    con = duckdb.connect(str(db_path))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


POISON = (
    # the reproduction: `monitor add compute-racks 1e40` (accepted before), and its siblings
    "UPDATE reading SET value = 1e40 WHERE indicator_id = 'compute-racks'",
    "UPDATE reading SET value = 'nan'::DOUBLE WHERE indicator_id = 'good-air-days-ratio' AND period_end = DATE '2025-06-30'",
    "UPDATE reading SET value = 1e300 WHERE indicator_id = 'tourist-visits-yoy'",
    "UPDATE target SET value = 'inf'::DOUBLE WHERE indicator_id = 'compute-capacity'",
    "UPDATE target SET baseline_value = 1e300 WHERE indicator_id = 'green-power-share'",
    "UPDATE indicator SET upper_bound = 'inf'::DOUBLE WHERE id = 'forest-cover'",
)
POISONED = {  # indicator: what check and the warnings name
    "compute-racks": "reading compute-racks",
    "good-air-days-ratio": "reading good-air-days-ratio",
    "tourist-visits-yoy": "reading tourist-visits-yoy",
    "compute-capacity": "target compute-capacity",
    "green-power-share": "target green-power-share",
    "forest-cover": "indicator forest-cover",
}


@pytest.fixture
def poisoned(fresh_db: Store, db_path: Path) -> Path:
    poison(db_path, *POISON)
    return db_path


# ---------------------------------------------------------------- item 2: a poisoned store still works


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_and_readings_work_and_name_the_skipped_values(poisoned: Path, lang: str) -> None:
    """Before: `monitor status` and `monitor readings` failed with decimal.InvalidOperation (rc 1)."""
    for args in (["status"], ["readings"], ["readings", "--history"], ["readings", "compute-racks"]):
        code, out, err = cli(poisoned, *args, "--lang", lang)
        assert code == 0, (args, err)
        assert "Traceback" not in err and "InvalidOperation" not in err
        if args != ["status"]:
            assert re.search(r"compute-racks.*1e\+?40", out), out  # shown as stored, formatted
        warnings = [line for line in err.splitlines() if "compute-racks" in line]
        assert warnings and ("跳过" if lang == "zh" else "skipped") in warnings[0], err
    code, out, err = cli(poisoned, "status", "--lang", lang)
    # The rest of the table is there (names fold over lines in the table: the first words suffice).
    assert ("标准机架" if lang == "zh" else "Standard") in out and ("绿电使用率" if lang == "zh" else "Green-power") in out
    assert out.count("\n") > 40
    for named in POISONED.values():
        assert named in err, (named, err)
    # Only the named indicator's values are listed for `readings INDICATOR`.
    _, _, err = cli(poisoned, "readings", "compute-racks", "--lang", lang)
    assert "compute-racks" in err and "good-air-days-ratio" not in err


def test_status_json_is_valid_json_with_the_skipped_reading_and_its_reason(poisoned: Path) -> None:
    code, out, err = cli(poisoned, "status", "--json", "--evidence", "full")
    assert code == 0, err
    records = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    racks = next(r for r in records if r["indicator_id"] == "compute-racks")
    skipped = racks["evidence"]["skipped"]
    assert any(s["value"] == 1e40 and "too large" in s["reason"] for s in skipped), skipped
    air = next(r for r in records if r["indicator_id"] == "good-air-days-ratio")
    nan = [s for s in air["evidence"]["skipped"] if s["period_end"] == "2025-06-30"]
    assert nan and nan[0]["value"] is None and "not a finite number" in nan[0]["reason"]
    # The other goals are judged as before.
    assert {r["status"] for r in records} - {"insufficient_data", "no_target"}
    # Without --evidence full: the same records (every field) with the summary evidence, and valid JSON.
    code, out, err = cli(poisoned, "status", "--json")
    assert code == 0, err
    summary = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert [(r["indicator_id"], r["target_id"], r["status"], r["latest_value"]) for r in summary] == [
        (r["indicator_id"], r["target_id"], r["status"], r["latest_value"]) for r in records]
    assert all("skipped" not in r["evidence"] and "as_of" in r["evidence"] for r in summary)


def test_the_engine_skips_the_unusable_latest_revision_rather_than_the_one_it_replaced() -> None:
    """A revision that cannot be used does not bring back the figure it corrected."""
    indicator = Indicator("x", "x", "x", "digital", "架", "万架", MeasureKind.STOCK)
    end = date(2025, 6, 30)
    old = Reading("x", end, end, 23000.0, revision=1)
    bad = Reading("x", end, end, 1e40, revision=2)
    kept, skipped = progress._prepare(indicator, [old, bad], date(2026, 1, 1))
    assert kept == []
    reasons = sorted(str(s["reason"]) for s in skipped)
    assert any("superseded by revision 2" in r for r in reasons) and any("too large" in r for r in reasons)


def test_export_check_and_indicators_work(poisoned: Path) -> None:
    code, out, err = cli(poisoned, "export")
    assert code == 0 and "compute-racks" in out and "1e+40" in out, err
    assert "compute-racks" in err  # named as skipped-worthy
    code, out, err = cli(poisoned, "export", "--format", "json", "--history")
    assert code == 0, err
    data = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert any(r["value"] == 1e40 for r in data["readings"])
    code, out, _ = cli(poisoned, "indicators")
    assert code == 0 and "forest-cover" in out


def test_check_names_every_unusable_value_and_a_corrected_revision_clears_it(poisoned: Path) -> None:
    """Before: `monitor check` said ok with 1e40 in the store."""
    code, out, _ = cli(poisoned, "check")
    assert code == 1
    line = next(line for line in out.splitlines() if "cannot use" in line)
    assert line.startswith("FAIL") and "6 current" in line, line
    for named in list(POISONED.values())[:5]:
        assert named in line, (named, line)
    # Corrected values replace them: a revision per reading, a new version per target, the bound.
    today = clock.today().isoformat()
    assert cli(poisoned, "add", "compute-racks", "24000", "--period-end", "2025-06-30")[0] == 0
    assert cli(poisoned, "add", "good-air-days-ratio", "91.7", "--period-start", "2025-01-01",
               "--period-end", "2025-06-30")[0] == 0
    assert cli(poisoned, "add", "tourist-visits-yoy", "21.37", "--period-start", "2025-01-01",
               "--period-end", "2025-05-31")[0] == 0
    poison(poisoned,
           "INSERT INTO target SELECT * REPLACE (version + 1 AS version, 100000.0 AS value) FROM target "
           "WHERE indicator_id = 'compute-capacity'",
           "INSERT INTO target SELECT * REPLACE (version + 1 AS version, 70.0 AS baseline_value) FROM target "
           "WHERE indicator_id = 'green-power-share'",
           "UPDATE indicator SET upper_bound = 100 WHERE id = 'forest-cover'")
    code, out, _ = cli(poisoned, "check")
    line = next(line for line in out.splitlines() if "cannot use" in line)
    assert line.startswith("ok") and "none current, 5 superseded" in line, (today, line)
    assert code == 0, out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_and_goal_pages_work_and_warn(poisoned: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """Before: the overview and goal pages showed decimal.InvalidOperation to every viewer."""
    monkeypatch.setenv("MONITOR_DB", str(poisoned))
    at = open_app("overview.py", lang=lang)
    assert not at.exception and not at.error
    assert len(overview_frame(at)) >= 40, "every goal is listed"
    assert any(("无法使用" if lang == "zh" else "cannot be used") in w.value for w in at.warning)
    listed = "\n".join(str(x.value) for x in at.text)
    for named in POISONED.values():
        assert named in listed
    for goal, named in POISONED.items():
        at = open_app("goal.py", lang=lang, goal=goal)
        assert not at.exception and not at.error, goal
        assert any(("无法使用" if lang == "zh" else "cannot be used") in w.value for w in at.warning), goal
        listed = "\n".join(str(x.value) for x in at.text)
        assert named in listed and all(other not in listed for other in POISONED.values() if other != named)
    at = open_app("goal.py", lang=lang, goal="tourist-visits")  # an indicator without one: no warning
    assert not at.warning


def test_status_sql_and_the_engine_agree_on_a_poisoned_store(poisoned: Path) -> None:
    from monitor.status import Detail, statuses

    store = Store(poisoned)
    day = clock.today()
    fast = {(r.indicator_id, r.target_id): r.status for r in statuses(store, day, detail=Detail.SUMMARY)}
    full = {(r.indicator_id, r.target_id): r.status for r in statuses(store, day, detail=Detail.FULL)}
    assert fast == full


# ---------------------------------------------------------------- item 2: restore and migrate carry none on


def test_restore_refuses_a_backup_with_an_unusable_current_value(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    poison(db_path, POISON[0])
    folder = backup(fresh_db, tmp_path / "backup")
    target = Store(tmp_path / "restored.duckdb")
    with pytest.raises(ValidationError) as caught:
        restore(target, folder)
    assert "compute-racks" in str(caught.value) and "too large" in str(caught.value)
    assert not target.path.exists()
    code, _, err = cli(target.path, "restore", str(folder))
    assert code == 5 and err.startswith("Error: backup backup, reading compute-racks"), err
    # A corrected revision makes the backup restorable: the superseded value is history.
    assert cli(db_path, "add", "compute-racks", "24000", "--period-end", "2025-06-30")[0] == 0
    folder = backup(fresh_db, tmp_path / "backup2")
    restore(target, folder)
    assert checksums(target)["reading"] == checksums(fresh_db)["reading"]


def test_migrate_refuses_a_store_with_an_unusable_current_value(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    poison(db_path, POISON[3])
    code, _, err = cli(db_path, "migrate", "--to", str(tmp_path / "copy.duckdb"))
    assert code == 5 and "target compute-capacity" in err and "not a finite number" in err, err
    assert not (tmp_path / "copy.duckdb").exists()


# ---------------------------------------------------------------- item 2 and 12: every entry path


def test_the_add_form_refuses_each_value_with_its_hint(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    before = checksums(fresh_db)
    for indicator, value, lang, wanted in (
        ("compute-racks", "1e40", "zh", "数值过大"),
        ("compute-racks", "2.34567", "zh", "不是整数"),  # in 万架, the form's first unit in Chinese
        ("compute-racks", "0.5", "en", "whole number"),
        ("blue-sky-city-rank", "1.5", "en", "whole number"),
        ("good-air-days-ratio", "0.931", "zh", "乘以 100"),
        ("good-air-days-ratio", "0.931", "en", "write 0.931%"),  # the one English of monitor.model.problems
    ):
        at = open_app("add_reading.py", lang=lang, indicator=indicator)
        if lang == "en" and indicator == "compute-racks":
            # Racks counted one by one: the base unit chosen (the form offers 万架 first in every language).
            at.selectbox(key="add_unit_compute-racks").set_value("架").run()
        at.text_input(key="add_value").input(value)
        at.button(key="add_submit").click().run()
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and wanted in errors[0], (indicator, value, errors)
    at = open_app("add_reading.py", lang="en", indicator="compute-racks")
    at.selectbox(key="add_unit_compute-racks").set_value("架").run()
    at.text_input(key="add_value").input("25000")
    at.text_input(key="add_note").input("a\x1b[2Jb")
    at.button(key="add_submit").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "U+001B" in errors[0] and "\x1b" not in errors[0], errors
    assert checksums(fresh_db) == before


def _catalog(tmp_path: Path, indicator: str, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text("format: indicator-monitor/catalog v1\nindicators:\n" + indicator, encoding="utf-8")
    return path


RACKS = """  - id: racks
    name_zh: 标准机架
    name_en: Standard racks
    domain: digital
    unit: 架
    display_unit: 万架
    measure: stock
    bounds: [0, null]
"""


@pytest.mark.parametrize(("extra", "where", "fragment"), [
    ("    targets:\n      - {id: r, kind: reach, comparator: '>=', value: 1.0e+40, deadline: 2030-06-30}\n",
     "targets[0].value", "is too large"),
    ("    targets:\n      - {id: r, kind: reach, comparator: '>=', value: 50000, deadline: 2030-06-30,\n"
     "         baseline: {value: 1.0e+40, date: 2025-06-30}}\n", "targets[0].baseline.value", "is too large"),
    ("    targets:\n      - {id: r, kind: reach, comparator: '>=', value: 50000.5, deadline: 2030-06-30}\n",
     "targets[0].value", "is not a whole number"),
    ("    targets:\n      - {id: r, kind: reach, comparator: '>=', value: 50000, deadline: 2030-06-30,\n"
     "         baseline: {value: 0.5, date: 2025-06-30}}\n", "targets[0].baseline.value", "is not a whole number"),
    ("    readings:\n      - {period_end: 2025-06-30, value: 1.0e+40}\n", "readings[0].value", "is too large"),
    ("    readings:\n      - {period_end: 2025-06-30, value: " + "9" * 400 + "}\n", "readings[0].value", "is too large"),
    ("    readings:\n      - {period_end: 2025-06-30, value: 2.5}\n", "readings[0].value", "is not a whole number"),
    ("    readings:\n      - {period_end: 2025-06-30, value: 5, note: \"a\\e[2Jb\"}\n", "readings[0].note", "U+001B"),
    ("    readings:\n      - {period_end: 2025-06-30, value: 5, quote: \"a\\u202eb\"}\n", "readings[0].quote", "U+202E"),
    ("    description: \"line\\rforged\"\n", "description", "U+000D"),
    ("    responsible: \"a\\nb\"\n", "responsible", "U+000A"),
], ids=["target", "baseline", "fractional target", "fractional baseline", "reading", "400 digits",
        "fractional reading", "escape in note", "bidi in quote", "CR in description", "newline in responsible"])
def test_the_catalogue_refuses_values_and_text_no_entry_path_takes(tmp_path: Path, extra: str, where: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_catalog(_catalog(tmp_path, RACKS + extra))
    problems = [p for p in caught.value.problems if p.column and p.column.endswith(where)]
    assert problems and fragment in problems[0].reason, caught.value.problems


@pytest.mark.parametrize(("bounds", "fragment"), [("[0, 1.0e+40]", "is too large"), ("[-.inf, 0]", "finite")])
def test_the_catalogue_refuses_bounds_past_the_limit(tmp_path: Path, bounds: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_catalog(_catalog(tmp_path, RACKS.replace("[0, null]", bounds)))
    assert any(fragment in p.reason for p in caught.value.problems)


def test_the_catalogue_keeps_what_is_right(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog(tmp_path, RACKS + (
        "    description: \"two lines\\n\\tand a tab\"\n"
        "    targets:\n      - {id: r, kind: reach, comparator: '>=', value: 1.0e+18, deadline: 2030-06-30}\n"
        "    readings:\n      - {period_end: 2025-06-30, value: -0.0, note: \"a\\r\\nb\"}\n")))
    assert catalog.targets[0].value == VALUE_MAX
    assert catalog.readings[0].value == 0 and math.copysign(1, catalog.readings[0].value) == 1
    assert catalog.indicators[0].description == "two lines\n\tand a tab"


def test_a_refresh_feed_quarantines_each_row_with_its_reason(fresh_db: Store, tmp_path: Path) -> None:
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config
    from refresh_helpers import LoopbackServer, Reply, write_sources

    rows = [
        {"indicator_id": "compute-racks", "period_end": "2025-12-31", "value": 1e40},
        {"indicator_id": "compute-racks", "period_end": "2025-11-30", "value": 0.5},
        {"indicator_id": "good-air-days-ratio", "period_start": "2025-01-01", "period_end": "2025-09-30", "value": 0.931},
        {"indicator_id": "compute-racks", "period_end": "2025-10-31", "value": 24000, "note": "\x1b]0;PWNED\x07"},
        {"indicator_id": "compute-racks", "period_end": "2025-09-30", "value": 24000, "source": "局\u202e"},
        {"indicator_id": "compute-racks", "period_end": "2025-08-31", "value": 24000},
    ]
    with LoopbackServer() as server:
        server.route("/feed", Reply(body=json.dumps(rows).encode(), content_type="application/json"))
        sources = write_sources(tmp_path, f"""
[[sources]]
name = "feed"
kind = "json"
url = "{server.url('/feed')}"
every = "1h"
timeout = "2s"
retries = 0
""")
        [result] = run_sources(fresh_db, load_config(sources))
    assert result.outcome == "partial" and (result.rows_new, result.rows_rejected) == (1, 5), result
    problems = "\n".join(result.reports[0]["problems"])
    for fragment in ("is too large", "is not a whole number", "share in %", "U+001B", "U+202E"):
        assert fragment in problems, (fragment, problems)
    assert not CONTROLS.search(problems), "a problem quotes the value escaped"


def test_an_import_file_named_with_a_control_character_is_refused(fresh_db: Store, tmp_path: Path) -> None:
    path = tmp_path / "racks\x1b[2J.csv"
    path.write_text("indicator_id,period_end,value\ncompute-racks,2025-12-31,24000\n", encoding="utf-8")
    before = checksums(fresh_db)
    code, _, err = cli(fresh_db.path, "import", str(path))
    assert code == 5 and "U+001B" in err and not CONTROLS.search(err), err
    assert checksums(fresh_db) == before


# ---------------------------------------------------------------- item 13: CLI output escapes stored text


@pytest.fixture
def hostile(fresh_db: Store, db_path: Path) -> Path:
    """Every stored text field holding control characters and rich markup (an old store, a SQL shell)."""
    text = HOSTILE.replace("'", "''")
    poison(
        db_path,
        f"UPDATE reading SET note = '{text}', source = '{text}', quote = '{text}', recorded_by = '{text}' "
        "WHERE indicator_id = 'compute-racks'",
        f"UPDATE indicator SET name_zh = '{text}', name_en = '{text}', responsible = '{text}', "
        f"description = '{text}' WHERE id = 'compute-capacity'",
        f"UPDATE target SET note = '{text}', quote = '{text}'",
        f"INSERT INTO rejected_row VALUES ('b', '{text}', 2, '{text}', '{text}', '{text}', '{text}', now())",
        f"INSERT INTO refresh_run VALUES ('r1', '{text}', 'csv', '{text}', 'cli', now(), now(), 'failed', 0, 0, 0, 0, "
        f"0, 0, 1, '{text}', NULL)",
    )
    return db_path


READ_COMMANDS = (
    ["status"], ["status", "--lang", "en"], ["status", "--json"], ["readings"], ["readings", "--history"],
    ["readings", "--json"], ["readings", "--lang", "en"], ["indicators"], ["indicators", "--json"], ["rejected"],
    ["rejected", "--json"], ["rejected", "--csv"], ["export"], ["export", "--format", "json"], ["export", "--history"],
    ["catalog", "export", "--with-readings"], ["check"], ["runs"], ["runs", "--json"],
)


@pytest.mark.parametrize("args", READ_COMMANDS, ids=[" ".join(a) for a in READ_COMMANDS])
def test_no_command_prints_a_control_character_or_reads_markup(hostile: Path, args: list[str]) -> None:
    """Before: `monitor readings` printed a stored "\\x1b]0;PWNED\\x07\\x1b[2J" raw (retitled and cleared the terminal)."""
    code, out, err = cli(hostile, *args)
    assert code in (0, 1), err
    for stream in (out, err):
        assert not CONTROLS.search(stream.replace("\n", "").replace("\t", "")), (args, CONTROLS.search(stream))
    if args[0] in ("readings", "rejected", "runs") and "--json" not in args or args[0] == "status" and "--json" not in args:
        shown = out + err
        assert "[bold]B[/bold]" in shown or "\\x1b" in shown, "stored text is shown as written, escaped"
    if "--json" in args or args[-1] == "json":
        json.loads(out)  # the escapes of JSON are JSON


def test_a_table_shows_markup_and_escapes_as_text(hostile: Path) -> None:
    code, out, _ = cli(hostile, "readings", "compute-racks")
    assert code == 0
    flat = out.replace("│", "").replace("\n", "").replace(" ", "")
    assert "\\x1b]0;PWNED\\x07\\x1b[2J" in flat and "[link=http://evil.example]" in flat, out


def test_json_output_keeps_the_text_exactly(hostile: Path) -> None:
    _, out, _ = cli(hostile, "readings", "compute-racks", "--json")
    notes = {r["note"] for r in json.loads(out) if r["note"]}
    assert notes == {HOSTILE}


def test_errors_escape_what_they_quote(fresh_db: Store) -> None:
    code, _, err = cli(fresh_db.path, "readings", "no\x1b[2Jsuch")
    assert code == 3 and "\\x1b[2J" in err and "\x1b" not in err


@pytest.mark.parametrize("text", ["\x1b[2J", "a\u202eb", "\x9b", "ok", "tab\there", "", "\\x1b literal"])
def test_escape_controls_leaves_no_control_and_keeps_the_rest(text: str) -> None:
    shown = escape_controls(text)
    assert not CONTROLS.search(shown.replace("\t", "").replace("\n", ""))
    assert "\t" not in shown
    if not CONTROLS.search(text) and "\t" not in text:
        assert shown == text


# ---------------------------------------------------------------- the engine with extreme storable values


finite = st.floats(min_value=-VALUE_MAX, max_value=VALUE_MAX, allow_nan=False, allow_subnormal=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(finite, min_size=1, max_size=4), finite, st.one_of(st.none(), finite),
       st.sampled_from(list(Method)), st.sampled_from(list(Direction)), st.sampled_from([">=", "<=", ">", "<"]))
def test_the_engine_computes_with_any_storable_value(
    values: list[float], target: float, baseline: float | None, method: Method, direction: Direction, comparator: str
) -> None:
    """Every value the rules let in (finite, at most 1e18 in size, subnormals too) gives a status and
    JSON-able evidence, and formats: what 1e40 did not."""
    from monitor.present.wording import explanation, latest_text, target_text
    from monitor.status.engine import GoalStatus
    from monitor.status.engine import record as status_record

    start = date(2020, 6, 30)
    indicator = Indicator("x", "x", "Rank x", "digital", "架", "万架", MeasureKind.STOCK, direction, Frequency.YEARLY)
    readings = [Reading("x", start + timedelta(days=365 * k), start + timedelta(days=365 * k), v)
                for k, v in enumerate(values)]
    goals = [
        Target("t", "x", TargetKind.REACH, comparator, target, baseline, start if baseline is not None else None,
               date(2030, 6, 30), method=method),
        Target("u", "x", TargetKind.THRESHOLD, comparator, target, period=Frequency.YEARLY),
    ]
    for goal in goals:
        for a in progress.assess(indicator, [goal], readings, date(2026, 1, 1)):
            record = status_record(GoalStatus(indicator, goal, a, readings[-1])).as_dict()
            json.dumps(record, allow_nan=False, default=str)
            for lang in ("zh", "en"):
                assert latest_text(record, lang) and target_text(record, lang) and explanation(record, lang)



def test_backup_warns_when_a_restore_would_refuse_it(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    # Found in review: a backup of an old store holding an unusable value was written silently, and its
    # restore then refused; the user learns it at backup time now.
    code, out, err = cli(db_path, "backup", "--out", str(tmp_path / "clean"))
    assert code == 0 and "Warning" not in err, err
    poison(db_path, POISON[0])
    code, out, err = cli(db_path, "backup", "--out", str(tmp_path / "poisoned"))
    assert code == 0 and "Backup written to" in out
    assert "refuses a backup" in err and "compute-racks" in err, err
