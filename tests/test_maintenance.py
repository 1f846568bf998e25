"""monitor backup / restore / check."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.export import export_store
from monitor.files.ingest import add_reading
from monitor.store import schema
from monitor.store.connection import Store
from monitor.store.maintenance import backup, check, checksums, kept_copies, restore, schema_columns

HERE = Path(__file__).resolve().parent


def _load_backup_corpus():  # noqa: ANN202 - the module
    spec = importlib.util.spec_from_file_location("make_backups", HERE / "bad_inputs" / "make_backups.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_backups"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BACKUP_CASES = {case.name: case for case in _load_backup_corpus().CASES}


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


def _readings_in(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM reading").fetchone()[0]


def test_restore_refuses_to_overwrite_without_force_and_keeps_every_replaced_file(fresh_db: Store, tmp_path: Path) -> None:
    folder = backup(fresh_db, tmp_path / "bk")
    add_reading(fresh_db, "compute-racks", "25000", "2025-12-31")
    runner = CliRunner()
    refused = runner.invoke(main, ["--db", str(fresh_db.path), "restore", str(folder)])
    assert refused.exit_code != 0 and "--force" in refused.output
    done = runner.invoke(main, ["--db", str(fresh_db.path), "restore", str(folder), "--force"])
    assert done.exit_code == 0, done.output
    with fresh_db.read() as con:
        assert con.execute("SELECT count(*) FROM reading").fetchone()[0] == 44  # the later add is gone
    (first,) = kept_copies(fresh_db.path)
    assert first.name.startswith(fresh_db.path.name + ".before-restore-")
    assert f"kept as {first} (" in done.output and "1 kept copy of this database" in done.output
    assert _readings_in(first) == 45

    # A second restore (in the same second, most likely) keeps the file it replaces under a new
    # name: the copy of the first restore is still there, unchanged (issue 14, item 3).
    add_reading(fresh_db, "compute-racks", "26000", "2025-12-31")
    add_reading(fresh_db, "compute-racks", "27000", "2025-12-31")
    again = runner.invoke(main, ["--db", str(fresh_db.path), "restore", str(folder), "--force"])
    assert again.exit_code == 0, again.output
    copies = kept_copies(fresh_db.path)
    assert len(copies) == 2 and copies[0] == first, copies
    second = copies[1]
    assert f"kept as {second} (" in again.output and "2 kept copies of this database take" in again.output
    assert (_readings_in(first), _readings_in(second)) == (45, 46)
    assert not list(tmp_path.glob("*.restoring*")), "a staging file was left behind"


def _good_backup(store: Store, tmp_path: Path) -> tuple[Path, dict]:
    """A backup of ``store``, then one more reading, so the store differs from the backup."""
    folder = backup(store, tmp_path / "good")
    sums = checksums(store)
    add_reading(store, "compute-racks", "25000", "2025-12-31")
    return folder, sums


# The cases that pass the manifest's checks and reach the tables themselves (loading, counting, digests)
# or restore: what a backend does differently. The others are refused from the manifest alone, by the
# same code on either backend; they run on the file only (47 lake restores took ~5 minutes of CI time).
REACH_THE_TABLES = ("missing-table", "truncated-parquet", "not-parquet", "empty-parquet", "wrong-column-type",
                    "extra-column", "missing-column", "tampered-value", "row-count-differs", "changed-digest",
                    "pattern-characters-in-folder-name", "older-schema-version", "harmless-extras")


@pytest.mark.file_only
@pytest.mark.parametrize("name", list(BACKUP_CASES))
def test_each_broken_backup_is_refused_and_the_store_is_untouched(name: str, fresh_db: Store, tmp_path: Path) -> None:
    _refused_or_restored(name, fresh_db, tmp_path)


@pytest.mark.parametrize("name", REACH_THE_TABLES)
def test_the_backups_that_reach_the_tables_behave_alike_on_either_backend(name: str, fresh_db: Store, tmp_path: Path) -> None:
    _refused_or_restored(name, fresh_db, tmp_path)


def test_the_cases_run_on_either_backend_are_in_the_corpus() -> None:
    assert set(REACH_THE_TABLES) <= set(BACKUP_CASES)


def _refused_or_restored(name: str, fresh_db: Store, tmp_path: Path) -> None:
    case = BACKUP_CASES[name]
    good, backed_up = _good_backup(fresh_db, tmp_path)
    folder = case.damage(good)
    before = checksums(fresh_db)
    def files_beside() -> list[str]:
        if fresh_db.backend != "file":
            return []  # a lake keeps no file of its own beside the store (its data files are its business)
        return sorted(p.name for p in fresh_db.path.parent.iterdir() if not p.name.endswith((".lock", ".gate")))

    files_before = files_beside()
    result = CliRunner().invoke(main, ["--db", fresh_db.location, "restore", str(folder), "--force"])
    if case.restores:
        assert result.exit_code == 0, result.output
        after = checksums(fresh_db)
        if name == "older-schema-version":
            # Migrated on: schema_migration gains the later versions, everything else is the backup's;
            # the tables of the later versions (which a version-2 backup cannot hold) are there, empty,
            # and the columns they added to older tables (schema migration 6) are empty in its rows.
            then, now = schema_columns(2), schema_columns(schema.LATEST_VERSION)
            later = ("schema_migration", *sorted(t for t in now if t not in then))
            widened = {t for t in then if then[t] != now[t]}
            assert {t: v for t, v in after.items() if t not in later and t not in widened} == \
                {t: v for t, v in backed_up.items() if t not in later and t not in widened}
            assert all(after[t]["rows"] == backed_up[t]["rows"] for t in widened)
            assert all(after[t]["rows"] == 0 for t in later[1:])
            assert after["schema_migration"]["rows"] == backed_up["schema_migration"]["rows"]
            for table in widened:
                columns = ", ".join(then[table])
                digest = f"SELECT count(*), sum(hash(t)) FROM (SELECT {columns} FROM {{}}) AS t"
                with fresh_db.read() as con:
                    restored = con.execute(digest.format(table)).fetchone()
                with duckdb.connect() as con:
                    backed = con.execute(digest.format("read_parquet(?)"), [str(folder / f"{table}.parquet")]).fetchone()
                assert restored == backed and restored[0] == backed_up[table]["rows"], table
        else:
            assert after == backed_up
        assert all(f.ok for f in check(fresh_db))
        return
    source, fragment = case.reject
    assert result.exit_code == 5, (name, result.output)
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Error: cannot restore from {folder}: {source}"), first
    assert fragment in first, first
    assert first.endswith("nothing was changed") or "more problems" in first, first
    assert checksums(fresh_db) == before, "a refused restore changed the store"
    assert files_beside() == files_before, "a refused restore left a file"


def test_the_broken_backup_corpus_is_documented() -> None:
    documented = (Path(__file__).resolve().parent.parent / "docs" / "bad-inputs.md").read_text(encoding="utf-8")
    missing = [name for name in BACKUP_CASES if f"`{name}`" not in documented]
    assert not missing, f"docs/bad-inputs.md does not list {missing}"


def test_a_refused_backup_names_every_problem(fresh_db: Store, tmp_path: Path) -> None:
    folder = backup(fresh_db, tmp_path / "bk")
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["tables"]["reading"]
    del manifest["tables"]["target"]["rows"]
    manifest["tables"]["ghost"] = {"rows": 1, "digest": "0" * 16}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "extra.parquet").write_bytes(b"")
    with pytest.raises(ValidationError) as caught:
        restore(fresh_db, folder, force=True)
    reasons = [str(p) for p in caught.value.problems]
    assert any("tables.reading: is missing" in r for r in reasons), reasons
    assert any("tables.target: lacks 'rows'" in r for r in reasons), reasons
    assert any("no schema version" in r and "'ghost'" in r for r in reasons), reasons


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
