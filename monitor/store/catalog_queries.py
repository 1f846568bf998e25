"""The catalogue's change log and the indicators' retirement (schema migration 6), and which targets
come from which source document.

catalog_change is append-only: one row per change (monitor.model.CHANGE_KINDS), written inside the
write transaction of the change itself, so the log and the catalogue never disagree. A store not yet
migrated to version 6 has no retirement and no log: reads give none (`monitor init` migrates it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from monitor.model import CatalogChange, Retirement

_NOT_MIGRATED = (duckdb.CatalogException, duckdb.BinderException)


def retirements(con: duckdb.DuckDBPyConnection) -> dict[str, Retirement]:
    """The retired indicators: id -> when and why."""
    try:
        rows = con.execute(
            "SELECT id, retired_on, retired_reason FROM indicator WHERE retired_on IS NOT NULL ORDER BY id"
        ).fetchall()
    except _NOT_MIGRATED:
        return {}
    return {row[0]: Retirement(row[1], row[2] or "") for row in rows}


def set_retirement(con: duckdb.DuckDBPyConnection, indicator_id: str, retirement: Retirement | None) -> bool:
    """Retire the indicator (or, with None, follow it again); True when that changed anything."""
    current = retirements(con).get(indicator_id)
    if current == retirement:
        return False
    con.execute(
        "UPDATE indicator SET retired_on = ?, retired_reason = ? WHERE id = ?",
        [retirement.date if retirement else None, retirement.reason if retirement else None, indicator_id],
    )
    return True


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def add_changes(con: duckdb.DuckDBPyConnection, changes: Sequence[CatalogChange]) -> None:
    if not changes:
        return
    con.executemany(
        """
        INSERT INTO catalog_change (changed_at, changed_by, what, indicator_id, target_id, reason, details)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        [
            [c.changed_at, c.changed_by, c.what, c.indicator_id, c.target_id, c.reason,
             json.dumps(c.details, ensure_ascii=False, sort_keys=True, default=_json_default)]
            for c in changes
        ],
    )


def list_changes(con: duckdb.DuckDBPyConnection, indicator_id: str | None = None) -> list[CatalogChange]:
    """The change log, newest first (one transaction's changes by indicator)."""
    try:
        rows = con.execute(
            """
            SELECT changed_at, changed_by, what, indicator_id, target_id, reason, details
            FROM catalog_change
            WHERE ? IS NULL OR indicator_id = ?
            ORDER BY changed_at DESC, indicator_id, what, target_id NULLS FIRST
            """,
            [indicator_id, indicator_id],
        ).fetchall()
    except _NOT_MIGRATED:
        return []
    return [CatalogChange(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in rows]


def target_ids_from_source(con: duckdb.DuckDBPyConnection, source_id: str) -> set[str]:
    """The targets whose latest version came from the source document ``source_id``."""
    rows = con.execute(
        "SELECT id FROM target QUALIFY version = max(version) OVER (PARTITION BY id) AND source = ?",
        [source_id],
    ).fetchall()
    return {row[0] for row in rows}


def recorded_by(con: duckdb.DuckDBPyConnection, target_id: str) -> dict[int, str | None]:
    """Who recorded each version of a target (None: before migration 6, or not said)."""
    try:
        rows = con.execute("SELECT version, recorded_by FROM target WHERE id = ?", [target_id]).fetchall()
    except _NOT_MIGRATED:
        return {}
    return {row[0]: row[1] for row in rows}
