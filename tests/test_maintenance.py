"""monitor backup / restore / check."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from click.testing import CliRunner

from monitor.cli import main
from monitor.export import export_store
from monitor.ingest import add_reading
from monitor.store.connection import Store
from monitor.store.maintenance import backup, check, checksums, restore


def test_backup_restore_round_trip_is_exact(fresh_db: Store, tmp_path: Path) -> None:
    add_reading(fresh_db, "compute-racks", "25000", "2025-12-31")
    add_reading(fresh_db, "compute-racks", "26000", "2025-12-31")  # a revision: history must survive
    before = checksums(fresh_db)
    exported = export_store(fresh_db, "json", history=True)
    folder = backup(fresh_db, tmp_path / "bk")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["reading"]["rows"] == before["reading"]["rows"] == 46

    target = Store(tmp_path / "restored.duckdb")
    restore(target, folder)
    assert checksums(target) == before
    assert export_store(target, "json", history=True) == exported
    assert all(f.ok for f in check(target))


def test_restore_refuses_to_overwrite_without_force_and_keeps_a_copy(fresh_db: Store, tmp_path: Path) -> None:
    folder = backup(fresh_db, tmp_path / "bk")
    add_reading(fresh_db, "compute-racks", "25000", "2025-12-31")
    runner = CliRunner()
    refused = runner.invoke(main, ["--db", str(fresh_db.path), "restore", str(folder)])
    assert refused.exit_code != 0 and "--force" in refused.output
    done = runner.invoke(main, ["--db", str(fresh_db.path), "restore", str(folder), "--force"])
    assert done.exit_code == 0, done.output
    with fresh_db.read() as con:
        assert con.execute("SELECT count(*) FROM reading").fetchone()[0] == 44  # the later add is gone
    kept = fresh_db.path.with_name(fresh_db.path.name + ".before-restore")
    with duckdb.connect(str(kept), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM reading").fetchone()[0] == 45


def test_restore_detects_a_tampered_backup(fresh_db: Store, tmp_path: Path) -> None:
    folder = backup(fresh_db, tmp_path / "bk")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["reading"]["digest"] = "0" * 16
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "new.duckdb"), "restore", str(folder)])
    assert result.exit_code != 0
    assert "does not match the backup manifest" in result.output
    assert not (tmp_path / "new.duckdb").exists()


def test_check_reports_what_is_wrong(fresh_db: Store) -> None:
    assert all(f.ok for f in check(fresh_db))
    # Damage the store behind the library's back, as a stray SQL shell could.
    with fresh_db.write() as con:
        con.execute("INSERT INTO reading SELECT * REPLACE ('ghost' AS indicator_id) FROM reading LIMIT 1")
        con.execute("INSERT INTO reading SELECT * FROM reading WHERE indicator_id = 'compute-racks'")
    result = CliRunner().invoke(main, ["--db", str(fresh_db.path), "check"])
    assert result.exit_code == 1
    assert "FAIL  orphan readings: 1 found" in result.output
    assert "FAIL  duplicate reading revisions: 1 found" in result.output
    assert "ok    orphan targets: none" in result.output
