"""The `monitor` command through click's CliRunner (and once as the installed console script)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import main
from monitor.store import queries, schema
from monitor.store.connection import Store

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"
CONSOLE_SCRIPT = Path(sys.executable).parent / "monitor"


def run(runner: CliRunner, db: Path, *args: str) -> Result:
    return runner.invoke(main, ["--db", str(db), *args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result


def error(result: Result, code: int, *fragments: str) -> str:
    """A failure: the given exit code, a first stderr line starting "Error:", no traceback."""
    assert result.exit_code == code, f"exit {result.exit_code}: {result.output}"
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def counts(db: Path) -> dict[str, int]:
    store = Store(db)
    with store.read() as con:
        result = queries.count_rows(con)
    store.close()
    return result


@pytest.fixture
def cat_db(cat_db: Store, db_path: Path) -> Path:
    # conftest's seeded copy (a file, or a lake on the [lake] runs), named by its location
    cat_db.close()
    return db_path


def write_csv(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(["indicator_id,period_start,period_end,value,unit,note", *lines]) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- init


def test_init_twice_changes_nothing(runner: CliRunner, db_path: Path) -> None:
    first = ok(run(runner, db_path, "init"))
    assert f"applied migrations {[m.version for m in schema.MIGRATIONS]}" in first.output
    before = counts(db_path)
    assert before["indicator"] > 0 and before["reading"] > 0
    second = ok(run(runner, db_path, "init"))
    assert "schema up to date" in second.output
    assert "0 new / 0 changed indicators, 0 new / 0 revised targets, 0 new / 0 revised readings" in second.output
    assert counts(db_path) == before


def test_init_no_seed_creates_an_empty_schema(runner: CliRunner, db_path: Path) -> None:
    result = ok(run(runner, db_path, "init", "--no-seed"))
    assert "Seed:" not in result.output
    assert set(counts(db_path).values()) == {0}


def test_init_with_a_broken_seed_names_the_problem(runner: CliRunner, db_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CATALOG.read_text(encoding="utf-8").replace('comparator: ">="', 'comparator: "=>"', 1), encoding="utf-8")
    error(run(runner, db_path, "init", "--seed", str(bad)), 5, "bad.yaml", "comparator")
    assert not db_path.exists()  # no half-initialised database left behind


def test_db_option_pointing_at_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    error(run(runner, tmp_path, "init"), 2, "is a folder")


def test_db_from_environment(runner: CliRunner, db_path: Path) -> None:
    result = runner.invoke(main, ["init", "--seed", str(CATALOG)], env={"MONITOR_DB": str(db_path)})
    ok(result)
    assert counts(db_path)["indicator"] == 4


# ---------------------------------------------------------------- indicators and readings


def test_indicators_json_and_table(runner: CliRunner, cat_db: Path) -> None:
    rows = json.loads(ok(run(runner, cat_db, "indicators", "--json")).output)
    assert {r["id"]: r["targets"] for r in rows} == {"visits": 0, "good-air-share": 1, "racks": 1, "special-funds": 0}
    only = json.loads(ok(run(runner, cat_db, "indicators", "--domain", "ecology", "--json")).output)
    assert {r["id"] for r in only} == {"good-air-share", "special-funds"}
    table = ok(run(runner, cat_db, "indicators")).output
    assert "4 indicators" in table and "racks" in table


def test_indicators_without_a_database(runner: CliRunner, db_path: Path) -> None:
    error(run(runner, db_path, "indicators"), 4, "does not exist", "monitor init")
    assert not db_path.exists()


def test_readings_json_table_and_history(runner: CliRunner, cat_db: Path) -> None:
    rows = json.loads(ok(run(runner, cat_db, "readings", "racks", "--json")).output)
    assert [(r["period_end"], r["value"], r["revision"]) for r in rows] == [("2025-06-30", 23000.0, 1)]
    ok(run(runner, cat_db, "add", "racks", "2.4万", "--period-end", "2025-06-30"))
    latest = json.loads(ok(run(runner, cat_db, "readings", "racks", "--json")).output)
    history = json.loads(ok(run(runner, cat_db, "readings", "racks", "--history", "--json")).output)
    assert [(r["value"], r["revision"]) for r in latest] == [(24000.0, 2)]
    assert [(r["value"], r["revision"]) for r in history] == [(23000.0, 1), (24000.0, 2)]
    table = ok(run(runner, cat_db, "readings", "--history")).output
    assert "(all revisions)" in table and "racks" in table and "visits" in table


def test_readings_of_an_unknown_indicator(runner: CliRunner, cat_db: Path) -> None:
    line = error(run(runner, cat_db, "readings", "nope"), 3, "nope")
    assert "unknown indicator" in line


# ---------------------------------------------------------------- add


def test_add_new_same_and_revision(runner: CliRunner, cat_db: Path) -> None:
    before = counts(cat_db)["reading"]
    args = ("add", "visits", "12.5", "--unit", "万人次", "--period-end", "2024-03-31", "--note", "月报")
    assert ok(run(runner, cat_db, *args)).output.strip() == "visits: new reading"
    assert "unchanged" in ok(run(runner, cat_db, *args)).output
    assert "new revision" in ok(run(runner, cat_db, "add", "visits", "125001", "--period-end", "2024-03-31")).output
    assert counts(cat_db)["reading"] == before + 2
    rows = json.loads(ok(run(runner, cat_db, "readings", "visits", "--history", "--json")).output)
    march = [(r["period_start"], r["value"], r["note"]) for r in rows if r["period_end"] == "2024-03-31"]
    assert march == [("2024-03-01", 125000.0, "月报"), ("2024-03-01", 125001.0, None)]


def test_add_with_a_bad_value_exits_5_and_names_the_field(runner: CliRunner, cat_db: Path) -> None:
    before = counts(cat_db)
    line = error(run(runner, cat_db, "add", "racks", "lots", "--period-end", "2024-12-31"), 5, "'value'")
    assert "lots" in line
    assert counts(cat_db) == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("add", "nope", "1", "--period-end", "2024-12-31"), "indicator_id"),
        (("add", "racks", "1", "--period-end", "2999-12-31"), "period_end"),
        (("add", "racks", "1", "--period-end", "2024-12-31", "--unit", "万元"), "unit"),
        (("add", "good-air-share", "101", "--period-end", "2024-12-31"), "value"),
        (("add", "racks", "1", "--period-end", "2024-12-31", "--qualifier", "roughly"), "qualifier"),
    ],
)
def test_add_errors_name_the_field(runner: CliRunner, cat_db: Path, args: tuple[str, ...], field: str) -> None:
    error(run(runner, cat_db, *args), 5, f"column '{field}'")


@pytest.mark.parametrize("command", ["add", "import"])
def test_writing_to_a_missing_database_says_to_run_init(runner: CliRunner, db_path: Path, tmp_path: Path, command: str) -> None:
    path = write_csv(tmp_path, "ok.csv", "racks,,2024-12-31,1,,")
    args = ("add", "racks", "1", "--period-end", "2024-12-31") if command == "add" else ("import", str(path))
    error(run(runner, db_path, *args), 4, "does not exist", "monitor init")
    assert not db_path.exists()


def test_add_without_period_end_is_a_usage_error(runner: CliRunner, cat_db: Path) -> None:
    result = run(runner, cat_db, "add", "racks", "1")
    assert result.exit_code == 2 and "--period-end" in result.stderr


# ---------------------------------------------------------------- import and rejected


def test_import_happy_path_and_reimport(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    # racks at the end of 2025: after its target's baseline (2025-06-30), so the import has no warning to print.
    path = write_csv(tmp_path, "ok.csv", "visits,2024-01-01,2024-01-31,100,,", "racks,,2025-12-31,2.5,万架,")
    result = ok(run(runner, cat_db, "import", str(path)))
    assert result.output.strip() == "ok.csv: 2 rows, 2 valid, 0 rejected; imported 2 new, 0 revised, 0 unchanged"
    again = json.loads(ok(run(runner, cat_db, "import", str(path), "--json")).output)
    assert (again["new"], again["revised"], again["unchanged"], again["written"]) == (0, 0, 2, True)


def test_import_with_an_invalid_row_imports_nothing(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "mixed.csv", "visits,2024-01-01,2024-01-31,100,,", "racks,,2024-12-31,abc,,", "nope,,2024-12-31,1,,")
    before = counts(cat_db)
    result = run(runner, cat_db, "import", str(path))
    line = error(result, 5, "mixed.csv, row 3, column 'value'", "nothing was imported", "--skip-invalid")
    assert "2 of 3 rows invalid" in line
    assert "mixed.csv, row 4, column 'indicator_id'" in result.stderr  # every problem is listed
    assert counts(cat_db) == before


def test_import_skip_invalid_and_rejected(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    assert ok(run(runner, cat_db, "rejected")).output.strip() == "No rejected rows."
    path = write_csv(tmp_path, "mixed.csv", "visits,2024-01-01,2024-01-31,100,,", "racks,,2024-12-31,abc,,", "nope,,2024-12-31,1,,")
    result = ok(run(runner, cat_db, "import", str(path), "--skip-invalid"))
    assert "3 rows, 1 valid, 2 rejected; imported 1 new" in result.stdout
    assert "mixed.csv, row 3, column 'value'" in result.stderr
    rows = json.loads(ok(run(runner, cat_db, "rejected", "--json")).output)
    assert [(r["file"], r["row_number"], r["column_name"], r["raw_value"]) for r in rows] == [
        ("mixed.csv", 3, "value", "abc"), ("mixed.csv", 4, "indicator_id", "nope")
    ]
    assert "no number" in rows[0]["reason"] and "unknown indicator" in rows[1]["reason"]
    text = ok(run(runner, cat_db, "rejected")).output
    assert "mixed.csv, row 4, column 'indicator_id': unknown indicator" in text
    table = list(csv.DictReader(io.StringIO(ok(run(runner, cat_db, "rejected", "--csv")).output)))
    assert [r["row_number"] for r in table] == ["3", "4"]
    # Re-importing the same file: the valid row is unchanged.
    again = json.loads(ok(run(runner, cat_db, "import", str(path), "--skip-invalid", "--json")).output)
    assert (again["new"], again["revised"], again["unchanged"]) == (0, 0, 1)


def test_rejected_csv_neutralises_formulas(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "evil.csv", "=cmd(),,2024-12-31,1,,")
    ok(run(runner, cat_db, "import", str(path), "--skip-invalid"))
    (row,) = list(csv.DictReader(io.StringIO(ok(run(runner, cat_db, "rejected", "--csv")).output)))
    assert row["raw_value"] == "'=cmd()"


def test_import_dry_run_writes_nothing(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "ok.csv", "visits,2024-01-01,2024-01-31,100,,", "racks,,2025-06-30,23000,,")
    before = counts(cat_db)
    result = ok(run(runner, cat_db, "import", str(path), "--dry-run"))
    assert "would import 1 new, 0 revised, 1 unchanged" in result.output
    assert counts(cat_db) == before


def test_import_dry_run_with_problems_reports_and_fails(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "bad.csv", "visits,2024-01-01,2024-01-31,100,,", "racks,,2024-12-31,abc,,")
    before = counts(cat_db)
    result = run(runner, cat_db, "import", str(path), "--dry-run")
    assert result.exit_code == 5
    assert "2 rows, 1 valid, 1 rejected" in result.stdout
    assert "bad.csv, row 3, column 'value'" in result.stderr
    assert counts(cat_db) == before


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "file not found"), ("", "is empty"), ("indicator_id,period_end,value\n", "no data rows"),
     ("indicator_id,value\nracks,1\n", "required column is missing")],
)
def test_import_file_level_errors(runner: CliRunner, cat_db: Path, tmp_path: Path, content: str | None, fragment: str) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    error(run(runner, cat_db, "import", str(path)), 5, fragment)


# ---------------------------------------------------------------- export


def test_export_json_to_stdout(runner: CliRunner, cat_db: Path) -> None:
    data = json.loads(ok(run(runner, cat_db, "export", "--format", "json")).stdout)
    assert set(data) == {"indicators", "targets", "readings"}
    assert {(r["indicator_id"], r["period_start"], r["period_end"], r["value"]) for r in data["readings"]} == {
        ("visits", "2025-01-01", "2025-05-31", 12451900.0), ("racks", "2025-06-30", "2025-06-30", 23000.0)
    }
    assert {(t["indicator_id"], t["value"]) for t in data["targets"]} == {("good-air-share", 90.0), ("racks", 50000.0)}


def test_export_csv_default_and_files(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(run(runner, cat_db, "export")).stdout)))
    assert len(rows) == 2
    for fmt in ("csv", "json", "parquet", "xlsx"):
        out = tmp_path / f"out.{fmt}"
        result = ok(run(runner, cat_db, "export", "--format", fmt, "--out", str(out)))
        assert out.stat().st_size > 0 and f"Wrote {out}" in result.stderr


def test_export_errors(runner: CliRunner, cat_db: Path, db_path: Path, tmp_path: Path) -> None:
    error(run(runner, cat_db, "export", "--format", "parquet"), 2, "--out")
    result = run(runner, cat_db, "export", "--format", "ods")
    assert result.exit_code == 2 and "ods" in result.stderr  # click's own usage error
    error(run(runner, tmp_path / "none.duckdb", "export"), 4, "monitor init")


# ---------------------------------------------------------------- catalog


def test_catalog_export_and_import(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    text = ok(run(runner, cat_db, "catalog", "export")).stdout
    assert "racks-50k" in text and "readings" not in text
    with_readings = ok(run(runner, cat_db, "catalog", "export", "--with-readings")).stdout
    assert "readings:" in with_readings
    out = tmp_path / "cat.yaml"
    ok(run(runner, cat_db, "catalog", "export", "--out", str(out), "--with-readings"))
    other = tmp_path / "other.duckdb"
    result = ok(run(runner, other, "catalog", "import", str(out)))
    assert result.output.strip() == (
        "cat.yaml: indicators 4 new, 0 changed, 0 unchanged; targets 2 new, 0 revised (new version), 0 unchanged; "
        "readings 2 new, 0 revised"
    )
    assert counts(other) == {**counts(cat_db), "rejected_row": 0}


def test_catalog_import_of_a_changed_target_records_a_version(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.yaml"
    changed.write_text(CATALOG.read_text(encoding="utf-8").replace("value: 50000", "value: 60000"), encoding="utf-8")
    result = ok(run(runner, cat_db, "catalog", "import", str(changed)))
    assert "targets 0 new, 1 revised (new version), 1 unchanged" in result.output
    assert counts(cat_db)["target"] == 3


def test_catalog_errors(runner: CliRunner, cat_db: Path, tmp_path: Path) -> None:
    error(run(runner, cat_db, "catalog", "import", str(tmp_path / "missing.yaml")), 5, "file not found")
    bad = tmp_path / "bad.yaml"
    bad.write_text(CATALOG.read_text(encoding="utf-8").replace("measure: stock", "measure: level"), encoding="utf-8")
    before = counts(cat_db)
    error(run(runner, cat_db, "catalog", "import", str(bad)), 5, "bad.yaml", "indicator 'racks'.measure")
    assert counts(cat_db) == before
    error(run(runner, tmp_path / "none.duckdb", "catalog", "export"), 4, "monitor init")


def test_version_and_help(runner: CliRunner) -> None:
    assert "version" in ok(runner.invoke(main, ["--version"])).output
    help_text = ok(runner.invoke(main, ["--help"])).output
    for command in ("init", "indicators", "readings", "add", "import", "rejected", "export", "catalog"):
        assert command in help_text


# ---------------------------------------------------------------- the installed console script


def script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_console_script_end_to_end(tmp_path: Path) -> None:
    assert CONSOLE_SCRIPT.exists()
    db = str(tmp_path / "cli.duckdb")
    done = script("--db", db, "init", "--seed", str(CATALOG))
    assert done.returncode == 0, done.stderr
    done = script("--db", db, "add", "racks", "2.5万", "--period-end", "2024-12-31")
    assert (done.returncode, done.stdout.strip()) == (0, "racks: new reading"), done.stderr
    done = script("--db", db, "readings", "racks", "--json")
    assert [(r["period_end"], r["value"]) for r in json.loads(done.stdout)] == [("2024-12-31", 25000.0), ("2025-06-30", 23000.0)]
    done = script("--db", db, "readings", "nope")
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith("Error: ") and len(done.stderr.strip().splitlines()) == 1
    done = script("--db", db, "add", "racks", "x", "--period-end", "2024-12-31")
    assert done.returncode == 5 and done.stderr.startswith("Error: reading, column 'value'")


def test_console_script_reports_a_busy_store_with_exit_75(tmp_path: Path, db_path: Path, runner: CliRunner) -> None:
    ok(run(runner, db_path, "init", "--seed", str(CATALOG)))
    before = counts(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import fcntl, os, sys
            fd = os.open(sys.argv[1] + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            print("held", flush=True)
            sys.stdin.readline()
        """), str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = script("--db", str(db_path), "add", "racks", "1", "--period-end", "2024-12-31", env={"MONITOR_LOCK_TIMEOUT": "0.3"})
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    assert done.returncode == 75, done.stderr
    assert done.stderr.startswith("Error: database busy") and "nothing was written, retry" in done.stderr
    assert counts(db_path) == before
