"""Copy a store to another location, exactly, and prove it: `monitor migrate --to LOCATION`.

Every table of the source (readings with every revision, every target version, indicators, the
quarantine, refresh runs, events, alert deliveries, goal statuses, schema_migration, the scheduler
lease) is copied row for row into the target, whatever the two backends (a DuckDB file or a DuckLake):

1. the source is read in one read session into Parquet files in a temporary folder, with its per-table
   row counts and digests (those of monitor.store.maintenance.checksums, taken on the same snapshot);
2. the target is written in ONE write transaction: schema created if missing, rows loaded, counts and
   digests compared table by table; any difference rolls the whole transaction back, so the target
   is either the complete copy or as it was;
3. after the commit, the target's checksums are read again and compared with the source's.

The target must be empty (no row in any table but schema_migration) unless ``force``, which replaces
its content in the same transaction. Only the Store API is used (read(), write(), scratch()), so the
same code serves both backends.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from monitor.errors import ConfigError, StoreBusy, StoreError
from monitor.store import maintenance, schema, transfer
from monitor.store.connection import Store

# Tables whose rows describe the schema rather than data: they do not make a target "non-empty".
SCHEMA_TABLES = ("schema_migration",)


@dataclass
class MigrationResult:
    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)  # rows copied per table
    digests: dict[str, str] = field(default_factory=dict)
    replaced: bool = False  # --force replaced a non-empty target
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "tables": self.tables, "digests": self.digests,
                "replaced": self.replaced, "verified": True, "seconds": round(self.seconds, 3)}


def _raw_location(store: Any) -> str:
    return str(getattr(store, "location", None) or getattr(store, "path", store))


def _location(store: Any) -> str:
    """For messages and reports: a lake's location with any password hidden."""
    from monitor.store.lake import shown

    return shown(_raw_location(store))


def _same_location(a: Any, b: Any) -> bool:
    la, lb = _raw_location(a), _raw_location(b)  # unmasked: two lakes differing only in password differ
    try:
        return Path(la).resolve() == Path(lb).resolve()
    except (OSError, ValueError):
        return la == lb


def _checked_source(source: Store) -> dict[str, dict[str, Any]]:
    where = _location(source)
    if not source.exists:
        raise StoreError(f"source database {where} does not exist; nothing to migrate")
    try:
        sums = maintenance.checksums(source)
    except StoreError as e:
        raise StoreError(f"cannot read the source database {where}: {e}") from e
    with source.read() as con:
        applied = schema.applied_versions(con)
        missing = [m.version for m in schema.MIGRATIONS if m.version not in applied]
        if missing:
            raise ConfigError(
                f"source database {where} lacks migrations {missing}; run `monitor --db {where} init --no-seed` first"
            )
        # A value no entry path accepts (a store written before monitor.model.validate's rules) is not copied
        # on: record a corrected reading (or target version) in the source first.
        maintenance.refuse_unusable(con, f"source database {where}")
    return sums


def migrate_store(source: Store, target: Store, force: bool = False) -> MigrationResult:
    """Copy every table of ``source`` into ``target`` in one transaction and verify counts and digests."""
    started = time.monotonic()
    src, dst = _location(source), _location(target)
    if _same_location(source, target):
        raise ConfigError(f"the source and the target are the same database ({src}); give another --to location")
    expected = _checked_source(source)
    unknown = sorted(set(expected) - set(transfer.schema_tables()))
    if unknown:
        raise ConfigError(f"source database {src} has tables this version does not know ({', '.join(unknown)}); "
                          "upgrade indicator-monitor first")
    tables = sorted(expected)
    result = MigrationResult(source=src, target=dst)
    folder = Path(tempfile.mkdtemp(prefix="monitor-migrate-"))
    try:
        # 1. The source, in one consistent read.
        try:
            with source.read() as con:
                # Counts and digests of the very snapshot exported (a write in between cannot slip in).
                expected = transfer.export_tables(con, tables, folder)
        except duckdb.Error as e:
            raise StoreError(f"cannot read the source database {src}: {e}") from e
        # 2. The target, all or nothing.
        try:
            with target.write() as con:
                schema.migrate(con)
                # Every table exists: schema.migrate() has just created the missing ones.
                present = transfer.row_counts(con, tables)
                occupied = {t: n for t, n in present.items() if n and t not in SCHEMA_TABLES}
                if occupied and not force:
                    counts = ", ".join(f"{t} {n}" for t, n in sorted(occupied.items()))
                    raise ConfigError(
                        f"target database {dst} is not empty ({counts}); pass --force to replace its content"
                    )
                result.replaced = bool(occupied)
                for table in tables:
                    rows, digest = transfer.replace_table(con, table, folder)
                    want = expected[table]
                    if rows != want["rows"] or digest != want["digest"]:
                        raise StoreError(
                            f"copy of table {table} into {dst} does not match the source {src} "
                            f"({rows} rows, digest {digest}; expected {want['rows']}, {want['digest']}); nothing was written"
                        )
                    result.tables[table] = rows
                    result.digests[table] = digest
        except (ConfigError, StoreBusy):
            raise
        except StoreError as e:
            if dst in str(e):
                raise
            raise StoreError(f"cannot write the target database {dst}: {e}; nothing was written") from e
        except duckdb.Error as e:
            raise StoreError(f"cannot write the target database {dst}: {e}; nothing was written") from e
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # 3. Read back after the commit.
    got = maintenance.checksums(target)
    differences = [t for t in tables if got.get(t) != expected[t]]
    if differences:
        raise StoreError(
            f"the migrated database {dst} differs from {src} after the commit in {', '.join(differences)}; "
            "do not use it (run the migration again with --force)"
        )
    result.seconds = time.monotonic() - started
    return result
