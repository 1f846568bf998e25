"""The statements of `monitor migrate` (monitor.store.migrate): tables out to Parquet, and back in.

Backend-neutral: plain SELECT/COPY/DELETE/INSERT on the session's connection, so the same
statements serve a DuckDB file and a DuckLake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from monitor.store import schema
from monitor.store.maintenance import _table_checksum


def _quote(identifier: str) -> str:
    # Table names come from the schema's migrations, never from input.
    return '"' + identifier.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    # COPY takes no parameters for its file name; the path is ours (a temporary folder).
    return "'" + str(path).replace("'", "''") + "'"


def schema_tables() -> list[str]:
    """Every table the migrations create (names parsed from their CREATE TABLE statements)."""
    names: list[str] = ["schema_migration"]
    for migration in schema.MIGRATIONS:
        for statement in migration.statements:
            words = statement.split()
            upper = [w.upper() for w in words]
            if upper[:1] == ["CREATE"] and "TABLE" in upper:
                name = words[upper.index("EXISTS") + 1] if "EXISTS" in upper else words[upper.index("TABLE") + 1]
                name = name.split("(")[0]
                if name not in names:
                    names.append(name)
    return names


def parquet_path(folder: Path, table: str) -> Path:
    return folder / f"{table}.parquet"


def export_tables(con: duckdb.DuckDBPyConnection, tables: list[str], folder: Path) -> dict[str, dict[str, Any]]:
    """Every row of each table into ``folder/<table>.parquet``, with each table's row count and digest
    (as maintenance.checksums gives them) taken in the same session: one snapshot."""
    sums: dict[str, dict[str, Any]] = {}
    for table in tables:
        con.execute(f"COPY (SELECT * FROM {_quote(table)}) TO {_literal(parquet_path(folder, table))} (FORMAT parquet)")
        rows, digest = _table_checksum(con, table)
        sums[table] = {"rows": rows, "digest": digest}
    return sums


def row_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {table: int(con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0])  # type: ignore[index]
            for table in tables}


def replace_table(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> tuple[int, str]:
    """Replace the table's rows with those of its Parquet file; its row count and digest afterwards."""
    con.execute(f"DELETE FROM {_quote(table)}")
    con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM read_parquet(?)", [str(parquet_path(folder, table))])
    return _table_checksum(con, table)
