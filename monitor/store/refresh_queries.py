"""Named queries of the refresh service: runs, events, alert deliveries, last known goal statuses.

No table has a key constraint (DuckLake has none): "one row per goal" and "one delivery per event
and channel" are kept by the write logic below, always inside the store's exclusive write lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

REFRESH_TABLES = ("refresh_run", "event", "alert_delivery", "goal_status")

RUN_COLUMNS = (
    "id", "source", "kind", "location", "trigger", "started_at", "finished_at", "outcome", "files",
    "rows_seen", "rows_new", "rows_revised", "rows_unchanged", "rows_rejected", "attempts", "error", "detail",
)
EVENT_COLUMNS = (
    "id", "run_id", "kind", "occurred_at", "source", "indicator_id", "target_id", "old_status", "new_status", "payload",
)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def has_refresh_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """True once migration 2 is applied (readers of an older database then see empty lists)."""
    row = con.execute(
        """
        SELECT count(*) FROM duckdb_tables()
        WHERE database_name = current_database() AND table_name = 'refresh_run'
        """
    ).fetchone()
    return bool(row and row[0])


# ---------------------------------------------------------------- runs


def insert_run(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> None:
    con.execute(
        f"INSERT INTO refresh_run ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
        [run.get(c) for c in RUN_COLUMNS],
    )


def list_runs(con: duckdb.DuckDBPyConnection, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first."""
    if not has_refresh_tables(con):
        return []
    return _dicts(
        con.execute(
            f"""
            SELECT {', '.join(RUN_COLUMNS)} FROM refresh_run
            WHERE ? IS NULL OR source = ?
            ORDER BY started_at DESC, finished_at DESC
            LIMIT ?
            """,
            [source, source, limit],
        )
    )


def last_run_per_source(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    if not has_refresh_tables(con):
        return {}
    rows = _dicts(
        con.execute(
            f"""
            SELECT {', '.join(RUN_COLUMNS)} FROM refresh_run
            QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC, finished_at DESC) = 1
            """
        )
    )
    return {r["source"]: r for r in rows}


# ---------------------------------------------------------------- goal statuses


def goal_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """The last known status of every goal, by goal key."""
    rows = _dicts(
        con.execute(
            """
            SELECT goal_key, indicator_id, target_id, status, stale, as_of, run_id, updated_at
            FROM goal_status
            QUALIFY row_number() OVER (PARTITION BY goal_key ORDER BY updated_at DESC) = 1
            """
        )
    )
    return {r["goal_key"]: r for r in rows}


def set_goal_statuses(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[tuple[str, str, str | None, str, bool]],
    as_of: date,
    run_id: str | None,
    now: datetime,
) -> None:
    """rows: (goal_key, indicator_id, target_id, status, stale); replaces each goal's row."""
    if not rows:
        return
    con.executemany("DELETE FROM goal_status WHERE goal_key = ?", [[r[0]] for r in rows])
    con.executemany(
        """
        INSERT INTO goal_status (goal_key, indicator_id, target_id, status, stale, as_of, run_id, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [[*r, as_of, run_id, now] for r in rows],
    )


# ---------------------------------------------------------------- events


def insert_events(con: duckdb.DuckDBPyConnection, events: Sequence[dict[str, Any]]) -> None:
    if not events:
        return
    con.executemany(
        f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})",
        [[e.get(c) for c in EVENT_COLUMNS] for e in events],
    )


def known_event_ids(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` the event table holds already (a reminder is recorded once per due date)."""
    if not ids:
        return set()
    rows = con.execute("SELECT id FROM event WHERE id IN (SELECT unnest(?::VARCHAR[]))", [list(ids)]).fetchall()
    return {r[0] for r in rows}


def list_events(
    con: duckdb.DuckDBPyConnection, limit: int = 50, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Newest first, each with the channels it was delivered to (``deliveries``: 'channel:status, ...').
    Leadership events (LEADER_EVENT_KINDS) are not listed: see list_leader_events."""
    if not has_refresh_tables(con):
        return []
    return _dicts(
        con.execute(
            f"""
            SELECT {', '.join('e.' + c for c in EVENT_COLUMNS)},
                   (SELECT string_agg(d.channel || ':' || d.status, ', ' ORDER BY d.channel)
                    FROM alert_delivery AS d WHERE d.event_id = e.id) AS deliveries
            FROM event AS e
            WHERE (? IS NULL OR e.run_id = ?) AND e.kind NOT IN ({', '.join('?' * len(LEADER_EVENT_KINDS))})
            ORDER BY e.occurred_at DESC, e.id
            LIMIT ?
            """,
            [run_id, run_id, *LEADER_EVENT_KINDS, limit],
        )
    )


# ---------------------------------------------------------------- alert deliveries


def claim_deliveries(
    con: duckdb.DuckDBPyConnection,
    *,
    channel: str,
    channel_type: str,
    kinds: Sequence[str],
    since: datetime,
    max_attempts: int,
    claim: str,
    now: datetime,
    offices: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Mark this channel's undelivered events as 'sending' under ``claim`` and return them.

    Reminders (kind ``due_soon``) are this channel's only when their office (the payload's ``office``) is
    one of ``offices``: an office's reminders go to the channels that name it, and to no other.

    New events get a delivery row; earlier failures are taken again while they have attempts left.
    Run inside a write transaction: the exclusive lock makes the claim atomic across processes, so
    no two senders ever hold the same (event, channel).
    """
    marks = ", ".join("?" * len(kinds))
    con.execute(
        f"""
        INSERT INTO alert_delivery (event_id, channel, channel_type, status, attempts, claim,
                                    first_attempt_at, last_attempt_at, sent_at, last_error)
        SELECT e.id, ?, ?, 'sending', 0, ?, ?, ?, NULL, NULL
        FROM event AS e
        WHERE e.occurred_at >= ? AND e.kind IN ({marks})
          AND (e.kind <> 'due_soon' OR json_extract_string(e.payload, '$.office') IN (SELECT unnest(?::VARCHAR[])))
          AND NOT EXISTS (SELECT 1 FROM alert_delivery AS d WHERE d.event_id = e.id AND d.channel = ?)
        """,
        [channel, channel_type, claim, now, now, since, *kinds, list(offices), channel],
    )
    con.execute(
        """
        UPDATE alert_delivery SET status = 'sending', claim = ?, last_attempt_at = ?
        WHERE channel = ? AND status = 'failed' AND attempts < ?
        """,
        [claim, now, channel, max_attempts],
    )
    return _dicts(
        con.execute(
            f"""
            SELECT {', '.join('e.' + c for c in EVENT_COLUMNS)}, d.attempts
            FROM alert_delivery AS d JOIN event AS e ON e.id = d.event_id
            WHERE d.channel = ? AND d.claim = ? AND d.status = 'sending'
            ORDER BY e.occurred_at, e.id
            """,
            [channel, claim],
        )
    )


def finish_delivery(
    con: duckdb.DuckDBPyConnection,
    *,
    event_id: str,
    channel: str,
    claim: str,
    sent: bool,
    attempts: int,
    error: str | None,
    now: datetime,
) -> None:
    con.execute(
        """
        UPDATE alert_delivery
        SET status = ?, attempts = attempts + ?, last_attempt_at = ?, last_error = ?,
            sent_at = CASE WHEN ? THEN ? ELSE sent_at END, claim = NULL
        WHERE event_id = ? AND channel = ? AND claim = ?
        """,
        ["sent" if sent else "failed", attempts, now, error, sent, now, event_id, channel, claim],
    )


def list_deliveries(con: duckdb.DuckDBPyConnection, event_id: str | None = None) -> list[dict[str, Any]]:
    if not has_refresh_tables(con):
        return []
    return _dicts(
        con.execute(
            """
            SELECT event_id, channel, channel_type, status, attempts, first_attempt_at, last_attempt_at,
                   sent_at, last_error
            FROM alert_delivery
            WHERE ? IS NULL OR event_id = ?
            ORDER BY first_attempt_at, event_id, channel
            """,
            [event_id, event_id],
        )
    )


# ---------------------------------------------------------------- the scheduler lease (monitor/services/leader.py)

LEASE_COLUMNS = ("name", "holder", "acquired_at", "renewed_at", "expires_at")
# Events about leadership, not about goals: kept out of list_events (what `monitor events` and the
# alert channels show) unless asked for. run_abandoned: a scheduled run's write was refused because its
# scheduler no longer held the lease (monitor.services.leader.LeaseGuard).
LEADER_EVENT_KINDS = ("leader_elected", "leader_released", "leader_lost", "run_abandoned")


def get_lease(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any] | None:
    """The lease row of ``name`` (the latest, should two ever exist), or None (also before migration 3)."""
    exists = con.execute(
        """
        SELECT count(*) FROM duckdb_tables()
        WHERE database_name = current_database() AND table_name = 'scheduler_lease'
        """
    ).fetchone()
    if not exists or not exists[0]:
        return None
    rows = _dicts(
        con.execute(
            f"""
            SELECT {', '.join(LEASE_COLUMNS)} FROM scheduler_lease WHERE name = ?
            ORDER BY expires_at DESC LIMIT 1
            """,
            [name],
        )
    )
    return rows[0] if rows else None


def put_lease(
    con: duckdb.DuckDBPyConnection, name: str, holder: str, acquired_at: datetime, now: datetime, expires_at: datetime
) -> None:
    """Make ``holder`` the lease's holder until ``expires_at``: one row per name. Inside a write
    transaction, after get_lease said the lease is free, expired or already the holder's."""
    con.execute("DELETE FROM scheduler_lease WHERE name = ?", [name])
    con.execute(
        f"INSERT INTO scheduler_lease ({', '.join(LEASE_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        [name, holder, acquired_at, now, expires_at],
    )


def drop_lease(con: duckdb.DuckDBPyConnection, name: str, holder: str) -> int:
    """Give the lease up if ``holder`` holds it; the number of rows removed (0 or 1)."""
    row = con.execute(
        "SELECT count(*) FROM scheduler_lease WHERE name = ? AND holder = ?", [name, holder]
    ).fetchone()
    if not row or not row[0]:
        return 0
    con.execute("DELETE FROM scheduler_lease WHERE name = ? AND holder = ?", [name, holder])
    return int(row[0])


def list_leader_events(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    """Leadership changes, newest first."""
    if not has_refresh_tables(con):
        return []
    marks = ", ".join("?" * len(LEADER_EVENT_KINDS))
    return _dicts(
        con.execute(
            f"""
            SELECT {', '.join(EVENT_COLUMNS)} FROM event WHERE kind IN ({marks})
            ORDER BY occurred_at DESC, id LIMIT ?
            """,
            [*LEADER_EVENT_KINDS, limit],
        )
    )
