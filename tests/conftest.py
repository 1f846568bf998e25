"""Shared fixtures: real DuckDB files in temporary folders, never the user's database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.catalog import init_store
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
BRIEFING_TEXT = REPO / "data" / "source" / "xining-briefing-2025-07-11.txt"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's MONITOR_DB must never leak into (or be written by) a test.
    monkeypatch.delenv("MONITOR_DB", raising=False)
    monkeypatch.delenv("MONITOR_SOURCES", raising=False)
    monkeypatch.delenv("MONITOR_EDITOR_PASSWORD_HASH", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's database file goes (not created)."""
    return tmp_path / "monitor.duckdb"


@pytest.fixture
def empty_db(db_path: Path) -> Iterator[Store]:
    """A migrated database without any indicator."""
    store = Store(db_path)
    store.init()
    yield store
    store.close()


@pytest.fixture
def fresh_db(db_path: Path) -> Iterator[Store]:
    """A database seeded from the briefing, as `monitor init` leaves it."""
    store = Store(db_path)
    init_store(store)
    yield store
    store.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
