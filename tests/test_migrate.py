"""monitor migrate --to LOCATION: an exact, verified copy of every table, all or nothing on the target.

File -> file always; file -> lake -> file on conftest's ``lake`` fixture (a throwaway PostgreSQL
cluster; skipped where PostgreSQL or the lake extra is missing, failed on CI).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ConfigError, StoreError
from monitor.files.ingest import add_reading, import_file
from monitor.services.refresh.run import run_sources
from monitor.services.refresh.sources import load_config
from monitor.store import migrate as migrate_module
from monitor.store import transfer
from monitor.store.connection import Store, open_store
from monitor.store.maintenance import checksums
from monitor.store.migrate import migrate_store
from refresh_helpers import LoopbackServer, Reply, csv_bytes, write_sources

SOURCES = """
[[sources]]
name = "air"
kind = "csv"
url = "{url}"
every = "1h"
timeout = "1s"
retries = 0

[[channels]]
name = "file"
type = "log"
path = "alerts.log"
"""


@pytest.fixture
def full_db(fresh_db: Store, tmp_path: Path) -> Store:
    """A seeded store with something in every table: revisions, a new target version, quarantined rows,
    refresh runs, events, alert deliveries and goal statuses."""
    add_reading(fresh_db, "compute-racks", "25000", "2025-12-31")
    add_reading(fresh_db, "compute-racks", "26000", "2025-12-31")  # a revision
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator_id,period_start,period_end,value\ncompute-racks,,2025-09-30,27000\n"
                   "no-such,,2025-09-30,1\n", encoding="utf-8")
    import_file(fresh_db, bad, skip_invalid=True)  # one row quarantined
    with LoopbackServer() as server:
        server.route("/air.csv", Reply(body=csv_bytes("good-air-days-ratio,2025-01-01,2025-06-30,93.5,,")))
        config = load_config(write_sources(tmp_path, SOURCES.format(url=server.url("/air.csv"))))
        [run] = run_sources(fresh_db, config, as_of=date(2025, 7, 15))
    assert run.events and run.deliveries
    from monitor.files.catalog import import_catalog, load_catalog

    catalog = load_catalog(Path(__file__).resolve().parent.parent / "data" / "briefing.yaml")
    import dataclasses

    index = next(k for k, t in enumerate(catalog.targets) if t.kind.value == "threshold")
    catalog.targets[index] = dataclasses.replace(catalog.targets[index], value=catalog.targets[index].value - 1)
    assert import_catalog(fresh_db, catalog, recorded_by="test")["targets_revised"] == 1  # a second version
    sums = checksums(fresh_db)
    for table in ("reading", "target", "indicator", "rejected_row", "refresh_run", "event", "alert_delivery",
                  "goal_status", "schema_migration", "workspace", "catalog_domain", "source_document"):
        assert sums[table]["rows"] > 0, table
    return fresh_db


def _cli(runner: CliRunner, db: str, *args: str) -> Any:
    return runner.invoke(main, ["--db", db, *args])


def _views(runner: CliRunner, db: str) -> dict[str, str]:
    """What a user sees: exports and listings that must be identical after a migration."""
    out = {}
    for name, args in {
        "export": ("export", "--format", "json", "--history"),
        "readings": ("readings", "--history", "--json"),
        "rejected": ("rejected", "--json"),
        "status": ("status", "--as-of", "2026-06-30", "--json"),
        "runs": ("runs", "--json"),
        "events": ("events", "--json", "--lang", "en"),
        "catalog": ("catalog", "export"),
    }.items():
        result = _cli(runner, db, *args)
        assert result.exit_code == 0, (name, result.output)
        out[name] = result.output
    return out


def test_file_to_file_is_exact_and_verified(full_db: Store, db_path: Path, tmp_path: Path, runner: CliRunner) -> None:
    before = checksums(full_db)
    views = _views(runner, str(db_path))
    full_db.close()
    copy = tmp_path / "copy" / "monitor.duckdb"
    result = _cli(runner, str(db_path), "migrate", "--to", str(copy))
    assert result.exit_code == 0, result.output
    assert f"Migrated {db_path} -> {copy}" in result.output
    # 15 tables: schema migration 6 added catalog_change, 8 app_user
    assert "verified: row counts and digests of 15 tables match" in result.output
    target = Store(copy)
    assert checksums(target) == before
    target.close()
    assert _views(runner, str(copy)) == views
    # The source is untouched.
    assert checksums(Store(db_path)) == before


def test_the_library_reports_every_table(full_db: Store, tmp_path: Path) -> None:
    target = Store(tmp_path / "t.duckdb")
    result = migrate_store(full_db, target)
    sums = checksums(full_db)
    assert result.tables == {t: s["rows"] for t, s in sums.items()}
    assert result.digests == {t: s["digest"] for t, s in sums.items()}
    assert not result.replaced and result.as_dict()["verified"] is True


@pytest.fixture
def other_db(catalog_template: Path, tmp_path: Path) -> Store:
    """Another store, seeded with the small test catalogue: not empty."""
    path = tmp_path / "other" / "monitor.duckdb"
    path.parent.mkdir()
    shutil.copyfile(catalog_template, path)
    return Store(path)


def test_a_non_empty_target_is_refused_unless_force(full_db: Store, other_db: Store, runner: CliRunner) -> None:
    other = other_db.path
    occupied = checksums(Store(other))
    result = _cli(runner, str(full_db.path), "migrate", "--to", str(other))
    assert result.exit_code == ConfigError.exit_code
    # the seeded target's change log (schema migration 6) is listed first, then the indicators
    assert f"Error: target database {other} is not empty (catalog_change 6, indicator 4" in result.output
    assert "--force" in result.output
    assert checksums(Store(other)) == occupied  # untouched
    forced = _cli(runner, str(full_db.path), "migrate", "--to", str(other), "--force")
    assert forced.exit_code == 0, forced.output
    assert "(replaced its content)" in forced.output
    assert checksums(Store(other)) == checksums(full_db)


def test_a_migrated_schema_only_target_counts_as_empty(full_db: Store, tmp_path: Path) -> None:
    target = Store(tmp_path / "schema-only.duckdb")
    target.init()
    migrate_store(full_db, target)
    assert checksums(target) == checksums(full_db)


def test_a_failure_half_way_leaves_the_target_as_it_was(full_db: Store, other_db: Store,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = checksums(other_db)
    real = transfer.replace_table
    done: list[str] = []

    def failing(con: Any, table: str, folder: Path) -> tuple[int, str]:
        if len(done) == 4:
            raise StoreError("disk full (simulated)")
        done.append(table)
        return real(con, table, folder)

    monkeypatch.setattr(transfer, "replace_table", failing)
    with pytest.raises(StoreError, match=f"cannot write the target database {other_db.location}: disk full"):
        migrate_store(full_db, other_db, force=True)
    assert checksums(other_db) == before


def test_a_copy_that_does_not_match_is_rolled_back(full_db: Store, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = transfer.replace_table

    def lossy(con: Any, table: str, folder: Path) -> tuple[int, str]:
        rows, digest = real(con, table, folder)
        return (rows - 1, digest) if table == "reading" else (rows, digest)

    monkeypatch.setattr(transfer, "replace_table", lossy)
    target = Store(tmp_path / "t.duckdb")
    with pytest.raises(StoreError, match="copy of table reading into .* does not match the source"):
        migrate_store(full_db, target)
    if target.exists:
        assert all(s["rows"] == 0 for t, s in checksums(target).items())


def test_clear_errors(full_db: Store, db_path: Path, tmp_path: Path, runner: CliRunner) -> None:
    same = _cli(runner, str(db_path), "migrate", "--to", str(db_path))
    assert same.exit_code == ConfigError.exit_code and "the source and the target are the same database" in same.output
    missing = _cli(runner, str(tmp_path / "none.duckdb"), "migrate", "--to", str(tmp_path / "x.duckdb"))
    assert missing.exit_code != 0
    assert f"Error: source database {tmp_path / 'none.duckdb'} does not exist" in missing.output
    assert not (tmp_path / "x.duckdb").exists()
    folder = _cli(runner, str(db_path), "migrate", "--to", str(tmp_path))
    assert folder.exit_code != 0 and "is a folder" in folder.output
    usage = _cli(runner, str(db_path), "migrate")
    assert usage.exit_code == 2 and "--to" in usage.output


def test_migrate_json(full_db: Store, tmp_path: Path, runner: CliRunner) -> None:
    result = _cli(runner, str(full_db.path), "migrate", "--to", str(tmp_path / "j.duckdb"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verified"] is True and data["tables"]["reading"] == checksums(full_db)["reading"]["rows"]
    assert migrate_module.MigrationResult.__name__ == "MigrationResult"


# ---------------------------------------------------------------- file -> lake -> file


def _lake_location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty DuckLake of the test's own (conftest's ``lake`` fixture: skipped without PostgreSQL),
    its Parquet folder in MONITOR_DATA_PATH."""
    location = request.getfixturevalue("lake").new(tmp_path)
    monkeypatch.setenv("MONITOR_DATA_PATH", str(location.data_path))
    return str(location)


def test_file_to_lake_to_file_gives_the_same_export(full_db: Store, tmp_path: Path, runner: CliRunner,
                                                    request: pytest.FixtureRequest,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    lake = _lake_location(request, tmp_path, monkeypatch)
    before = checksums(full_db)
    views = _views(runner, str(full_db.path))
    full_db.close()
    to_lake = _cli(runner, str(full_db.path), "migrate", "--to", lake)
    assert to_lake.exit_code == 0, to_lake.output
    lake_store = open_store(lake)
    try:
        assert checksums(lake_store) == before
    finally:
        lake_store.close()
    assert _views(runner, lake) == views
    back = tmp_path / "back.duckdb"
    to_file = _cli(runner, lake, "migrate", "--to", str(back))
    assert to_file.exit_code == 0, to_file.output
    assert checksums(Store(back)) == before
    assert _views(runner, str(back)) == views
