"""Backup, restore and integrity checks of a store (a DuckDB file or a DuckLake).

On a DuckLake, a restore rebuilds the tables in place in one transaction (verified against the manifest
before it commits); the state it replaced stays readable as the lake's previous snapshot (DuckLake time
travel, ``AT (VERSION => n)``) until snapshots are expired, instead of a ``.before-restore`` file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from monitor.errors import ConfigError, StoreError
from monitor.store import schema
from monitor.store.connection import Store
from monitor.validate import UNUSABLE_SQL

if TYPE_CHECKING:
    from monitor.store.lake import LakeStore

MANIFEST = "manifest.json"


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        SELECT table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT temporary
        ORDER BY table_name
        """
    ).fetchall()
    return [r[0] for r in rows]


def _quote(identifier: str) -> str:
    # Table names come from the database's own catalogue, never from user input.
    return '"' + identifier.replace('"', '""') + '"'


def _table_checksum(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """Row count and an order-independent digest of every row's content."""
    row = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {_quote(table)} AS t"
    ).fetchone()
    assert row is not None
    return int(row[0]), hashlib.sha256(str(row[1]).encode()).hexdigest()[:16]


def checksums(store: Store | LakeStore) -> dict[str, dict[str, Any]]:
    with store.read() as con:
        return {t: dict(zip(("rows", "digest"), _table_checksum(con, t))) for t in _tables(con)}


def backup(store: Store | LakeStore, out_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write every table as Parquet plus a manifest of row counts and digests; return the folder."""
    if out_dir is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        if store.backend == "lake":
            out_dir = Path("data") / "backups" / f"lake-{stamp}"
        else:
            out_dir = store.path.parent / "backups" / f"{store.path.stem}-{stamp}"
    target = Path(out_dir)
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"backup folder {target} is not empty; choose a new folder")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"created_at": datetime.now(timezone.utc).isoformat(), "tables": {}}
    with store.read() as con:
        manifest["schema_versions"] = schema.applied_versions(con)
        for table in _tables(con):
            path = target / f"{table}.parquet"
            con.execute(f"COPY {_quote(table)} TO '{_escape(str(path))}' (FORMAT parquet)")
            rows, digest = _table_checksum(con, table)
            manifest["tables"][table] = {"rows": rows, "digest": digest}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return target


def _escape(path: str) -> str:
    # COPY takes no parameters for its file name; the path is ours (the backup folder).
    return path.replace("'", "''")


def _load_backup(con: duckdb.DuckDBPyConnection, source: Path, manifest: dict[str, Any]) -> None:
    """Replace every table's rows by the backup's, in the caller's transaction, verified against the manifest."""
    schema.migrate(con)
    con.execute("DELETE FROM schema_migration")
    for table, expected in manifest["tables"].items():
        if table not in _tables(con):
            raise StoreError(f"backup table {table!r} is unknown to this version of the schema")
        con.execute(f"DELETE FROM {_quote(table)}")
        con.execute(
            f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM read_parquet(?)",
            [str(source / f"{table}.parquet")],
        )
        rows, digest = _table_checksum(con, table)
        if rows != expected["rows"] or digest != expected["digest"]:
            raise StoreError(
                f"restored table {table} does not match the backup manifest "
                f"({rows} rows, digest {digest}; expected {expected['rows']}, {expected['digest']})"
            )
    # Values no entry path accepts (monitor.validate) stay out, however the backup was made.
    refuse_unusable(con, f"backup {source.name}")
    schema.migrate(con)  # a backup from an older version gets the newer migrations


def _restore_lake(store: LakeStore, source: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Rebuild a DuckLake's tables in place in one write transaction; nothing changes if it fails."""
    previous: int | None = None
    if store.exists:
        with store.read() as con:
            row = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots(current_database())").fetchone()
            previous = None if row is None else row[0]
    with store.write() as con:
        _load_backup(con, source, manifest)
    return {
        "database": store.location,
        "tables": {t: e["rows"] for t, e in manifest["tables"].items()},
        "previous_snapshot": previous,
    }


def restore(store: Store | LakeStore, in_dir: str | os.PathLike[str], force: bool = False) -> dict[str, Any]:
    """Rebuild the database from a backup folder, verify it against the manifest, then swap it in.

    The current file is kept next to it as ``<name>.before-restore`` so a restore can be undone (on a
    DuckLake: its previous snapshot, returned as ``previous_snapshot``).
    """
    source = Path(in_dir)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise ConfigError(f"{source} is not a backup folder (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if store.backend == "lake":
        if store.exists and not force:
            raise ConfigError(
                f"{store.path} exists; pass --force to replace its tables "
                "(the state before is kept as the lake's previous snapshot)"
            )
        return _restore_lake(store, source, manifest)  # type: ignore[arg-type]
    assert isinstance(store, Store)
    if store.exists and not force:
        raise ConfigError(f"{store.path} exists; pass --force to replace it (it is kept as a .before-restore copy)")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=store.path.name + ".", suffix=".restoring", dir=store.path.parent)
    os.close(fd)
    os.unlink(tmp_name)  # DuckDB wants to create the file itself
    staging = Store(tmp_name)
    try:
        with staging.write() as con:
            _load_backup(con, source, manifest)
        staging.close()
        with store.exclusive():
            # No other process uses the file while it is swapped; a stale WAL would replay onto the new file.
            Path(str(store.path) + ".wal").unlink(missing_ok=True)
            if store.path.exists():
                shutil.copy2(store.path, store.path.with_name(store.path.name + ".before-restore"))
            os.replace(tmp_name, store.path)
    finally:
        staging.close()
        for leftover in (Path(tmp_name), *(Path(tmp_name + suffix) for suffix in (".wal", ".lock", ".gate"))):
            leftover.unlink(missing_ok=True)
    return {"database": str(store.path), "tables": {t: e["rows"] for t, e in manifest["tables"].items()}}


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str


CHECKS: tuple[tuple[str, str], ...] = (
    ("orphan readings", "SELECT count(*) FROM reading WHERE indicator_id NOT IN (SELECT id FROM indicator)"),
    ("orphan targets", "SELECT count(*) FROM target WHERE indicator_id NOT IN (SELECT id FROM indicator)"),
    ("duplicate indicator ids", "SELECT count(*) FROM (SELECT id FROM indicator GROUP BY id HAVING count(*) > 1)"),
    (
        "duplicate reading revisions",
        """
        SELECT count(*) FROM (
            SELECT 1 FROM reading GROUP BY indicator_id, period_start, period_end, revision HAVING count(*) > 1)
        """,
    ),
    (
        "duplicate target versions",
        "SELECT count(*) FROM (SELECT 1 FROM target GROUP BY id, version HAVING count(*) > 1)",
    ),
    ("periods ending before they start", "SELECT count(*) FROM reading WHERE period_end < period_start"),
    (
        "readings outside plausible bounds",
        f"""
        SELECT count(*) FROM reading AS r JOIN indicator AS i ON i.id = r.indicator_id
        WHERE (r.value < i.lower_bound OR r.value > i.upper_bound)
          -- NaN sorts above every number in DuckDB; unusable values have a check of their own below.
          AND NOT {UNUSABLE_SQL.format("r.value")}
        """,
    ),
    (
        "unknown qualifiers",
        "SELECT count(*) FROM reading WHERE qualifier NOT IN ('exact', 'approx', 'at_least', 'more_than', 'at_most')",
    ),
)


@dataclass(frozen=True)
class Unusable:
    """A stored value the product cannot compute with or show as a figure (monitor.validate's rules:
    finite, at most VALUE_MAX in size), which a store written before those rules may hold."""

    table: str  # reading | target | indicator
    indicator_id: str
    where: str  # "compute-racks 2025-06-30..2025-06-30 revision 2", "racks-2030 version 1", "compute-racks"
    column: str
    value: float
    current: bool  # the latest revision of its period / version of its target (else history only)

    def __str__(self) -> str:
        state = "" if self.current else " (superseded, kept as history)"
        return f"{self.table} {self.where}, {self.column} = {self.value!r}{state}"


def _unusable(column: str) -> str:
    from monitor.validate import UNUSABLE_SQL

    return UNUSABLE_SQL.format(column)


# Every value column of the data tables, with the current rows (latest revision, latest version) marked.
_UNUSABLE_SQL = f"""
SELECT 'reading' AS t, indicator_id, indicator_id || ' ' || CAST(period_start AS VARCHAR) || '..' || CAST(period_end AS VARCHAR)
       || ' revision ' || CAST(revision AS VARCHAR) AS w, 'value' AS c, value AS v,
       revision = (SELECT max(x.revision) FROM reading AS x WHERE x.indicator_id = r.indicator_id
                   AND x.period_start = r.period_start AND x.period_end = r.period_end) AS cur
FROM reading AS r WHERE {_unusable("value")}
UNION ALL
SELECT 'target', indicator_id, id || ' version ' || CAST(version AS VARCHAR), col, v,
       version = (SELECT max(x.version) FROM target AS x WHERE x.id = g.id)
FROM (SELECT id, indicator_id, version, 'value' AS col, value AS v FROM target
      UNION ALL SELECT id, indicator_id, version, 'baseline_value', baseline_value FROM target) AS g
WHERE {_unusable("v")}
UNION ALL
SELECT 'indicator', id, id, col, v, true
FROM (SELECT id, 'lower_bound' AS col, lower_bound AS v FROM indicator
      UNION ALL SELECT id, 'upper_bound', upper_bound FROM indicator)
WHERE {_unusable("v")}
ORDER BY 1, 2, 3, 4
"""


def unusable_values(con: duckdb.DuckDBPyConnection, current_only: bool = False) -> list[Unusable]:
    """Every stored value outside monitor.validate's rules (in a session). Cheap when there is none:
    the min and max of each column come from the tables' statistics (NaN sorts above every number)."""
    from monitor.validate import VALUE_MAX

    bounds = con.execute(
        "SELECT (SELECT min(value) FROM reading), (SELECT max(value) FROM reading), "
        "(SELECT least(min(value), min(baseline_value)) FROM target), "
        "(SELECT greatest(max(value), max(baseline_value)) FROM target), "
        "(SELECT least(min(lower_bound), min(upper_bound)) FROM indicator), "
        "(SELECT greatest(max(lower_bound), max(upper_bound)) FROM indicator)"
    ).fetchone()
    assert bounds is not None
    if all(b is None or -VALUE_MAX <= b <= VALUE_MAX for b in bounds):
        return []
    found = [Unusable(*row) for row in con.execute(_UNUSABLE_SQL).fetchall()]
    return [u for u in found if u.current] if current_only else found


def check(store: Store | LakeStore) -> list[Finding]:
    """Verify the store: migrations applied, constraints the write logic keeps, no orphan rows, and no
    value the product cannot use (a current one fails the check; one in a superseded revision or target
    version, which the engine never uses, is named without failing it: history is never rewritten)."""
    findings: list[Finding] = []
    with store.read() as con:
        applied = schema.applied_versions(con)
        missing = [m.version for m in schema.MIGRATIONS if m.version not in applied]
        findings.append(Finding(
            "migrations", not missing,
            f"applied {applied}" if not missing else f"missing migrations {missing}: run `monitor init`",
        ))
        if missing:
            return findings
        for name, sql in CHECKS:
            count = con.execute(sql).fetchone()[0]  # type: ignore[index]
            findings.append(Finding(name, count == 0, "none" if count == 0 else f"{count} found"))
        unusable = unusable_values(con)
    current = [u for u in unusable if u.current]
    if not unusable:
        detail = "none"
    else:
        listed = "; ".join(str(u) for u in (current or unusable)[:10])
        more = len(current or unusable) - 10
        detail = (f"{len(current)} current" if current else "none current") + (
            f", {len(unusable) - len(current)} superseded" if len(unusable) > len(current) else "") + f": {listed}"
        if more > 0:
            detail += f"; and {more} more"
        if current:
            detail += " (record a corrected reading for the period, or a new target version, to replace each)"
    # (It replaces a check of readings' non-finite values only: this one covers targets and bounds too.)
    findings.append(Finding("values the product cannot use (not finite or too large)", not current, detail))
    return findings


def refuse_unusable(con: duckdb.DuckDBPyConnection, what: str) -> None:
    """Raise ValidationError naming every current value of the rules' kind (restore and migrate: a store
    must not take in what no entry path would have). Values in superseded rows are history and pass."""
    from monitor.errors import Problem, ValidationError

    current = unusable_values(con, current_only=True)
    if current:
        from monitor.validate import magnitude_problem

        raise ValidationError([
            Problem(what, None, f"{u.table} {u.where}.{u.column}", magnitude_problem(u.value) or "cannot be used",
                    repr(u.value))
            for u in current
        ])
