"""The workspace, the domains and the source documents a store holds (schema migration 4).

Written by a catalogue import (monitor.files.catalog.import_catalog) inside its write transaction;
read by every interface that shows whose monitor this is. A store without domain rows (one created
before migration 4, or from catalogues that declare none) has the default domains.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb

from monitor.model import DEFAULT_DOMAINS, Domain, Profile, SourceDocument, SourceKind, Workspace


def write_workspace(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> bool:
    """Replace the workspace row; True when it changed."""
    if read_workspace(con) == workspace:
        return False
    con.execute("DELETE FROM workspace")
    con.execute(
        "INSERT INTO workspace (title_zh, title_en, organisation_zh, organisation_en, updated_at) VALUES (?, ?, ?, ?, ?)",
        [workspace.title_zh, workspace.title_en, workspace.organisation_zh, workspace.organisation_en, datetime.utcnow()],
    )
    return True


def read_workspace(con: duckdb.DuckDBPyConnection) -> Workspace | None:
    row = con.execute(
        "SELECT title_zh, title_en, organisation_zh, organisation_en FROM workspace ORDER BY updated_at DESC LIMIT 1"
    ).fetchone()
    return Workspace(*row) if row else None


def write_domains(con: duckdb.DuckDBPyConnection, domains: Sequence[Domain]) -> bool:
    """Replace the domains (their order is display order); True when they changed."""
    if tuple(stored_domains(con)) == tuple(domains):
        return False
    con.execute("DELETE FROM catalog_domain")
    if domains:
        con.executemany(
            "INSERT INTO catalog_domain (id, position, name_zh, name_en) VALUES (?, ?, ?, ?)",
            [[d.id, n, d.name_zh, d.name_en] for n, d in enumerate(domains)],
        )
    return True


def stored_domains(con: duckdb.DuckDBPyConnection) -> list[Domain]:
    """The domain rows as stored (empty when none were ever declared)."""
    rows = con.execute("SELECT id, name_zh, name_en FROM catalog_domain ORDER BY position, id").fetchall()
    return [Domain(*row) for row in rows]


def write_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[SourceDocument]) -> int:
    """Add or replace source documents by id; the number added or changed."""
    existing = {s.id: s for s in read_sources(con)}
    changed = [s for s in sources if existing.get(s.id) != s]
    for s in changed:
        con.execute("DELETE FROM source_document WHERE id = ?", [s.id])
        con.execute(
            "INSERT INTO source_document (id, kind, title, title_en, source_date) VALUES (?, ?, ?, ?, ?)",
            [s.id, s.kind.value, s.title, s.title_en, s.date],
        )
    return len(changed)


def read_sources(con: duckdb.DuckDBPyConnection) -> list[SourceDocument]:
    rows = con.execute(
        "SELECT id, kind, title, title_en, source_date FROM source_document ORDER BY source_date NULLS LAST, id"
    ).fetchall()
    return [SourceDocument(id=r[0], kind=SourceKind(r[1]), title=r[2], title_en=r[3], date=r[4]) for r in rows]


def read_profile(con: duckdb.DuckDBPyConnection) -> Profile:
    """The workspace, the domains (the default ones when none are stored) and the source documents.

    A store not yet migrated to version 4 has none of them: the defaults (`monitor init` migrates it)."""
    try:
        domains = stored_domains(con)
        return Profile(read_workspace(con), tuple(domains) if domains else DEFAULT_DOMAINS, tuple(read_sources(con)))
    except duckdb.CatalogException:
        return Profile()
