"""Named queries of the users table (schema migration 8; monitor.services.users holds the rules).

One row per name, kept so by the write logic: ``put_user`` deletes and inserts in the caller's write
transaction. Lists (domains, offices) are stored as JSON text; timestamps are naive UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

USER_COLUMNS = (
    "name, display_name, email, role, domains, offices, password_hash, disabled, created_at, updated_at, updated_by"
)


def _row(row: Sequence[Any]) -> dict[str, Any]:
    keys = [k.strip() for k in USER_COLUMNS.split(",")]
    out = dict(zip(keys, row, strict=True))
    out["domains"] = tuple(json.loads(out["domains"] or "[]"))
    out["offices"] = tuple(json.loads(out["offices"] or "[]"))
    return out


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any] | None:
    row = con.execute(f"SELECT {USER_COLUMNS} FROM app_user WHERE name = ? LIMIT 1", [name]).fetchone()
    return _row(row) if row else None


def user_by_email(con: duckdb.DuckDBPyConnection, email: str) -> dict[str, Any] | None:
    """The user whose email is ``email`` (compared without case), else None."""
    row = con.execute(
        f"SELECT {USER_COLUMNS} FROM app_user WHERE lower(email) = lower(?) ORDER BY name LIMIT 1", [email]
    ).fetchone()
    return _row(row) if row else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [_row(r) for r in con.execute(f"SELECT {USER_COLUMNS} FROM app_user ORDER BY name").fetchall()]


def active_user_count(con: duckdb.DuckDBPyConnection) -> int:
    """Users who may sign in (not disabled): 0 means the dashboard falls back to the shared password."""
    row = con.execute("SELECT count(*) FROM app_user WHERE NOT disabled").fetchone()
    return int(row[0]) if row else 0


def put_user(con: duckdb.DuckDBPyConnection, user: dict[str, Any], now: datetime) -> None:
    """Write ``user`` (the columns of USER_COLUMNS but the timestamps) as the one row of its name."""
    old = con.execute("SELECT created_at FROM app_user WHERE name = ? LIMIT 1", [user["name"]]).fetchone()
    con.execute("DELETE FROM app_user WHERE name = ?", [user["name"]])
    con.execute(
        f"INSERT INTO app_user ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [user["name"], user.get("display_name"), user.get("email"), user["role"],
         json.dumps(list(user.get("domains") or ()), ensure_ascii=False),
         json.dumps(list(user.get("offices") or ()), ensure_ascii=False),
         user.get("password_hash"), bool(user.get("disabled")), old[0] if old else now, now, user["updated_by"]],
    )
