"""Shared fixtures: real DuckDB files in temporary folders, never the user's database."""

from __future__ import annotations

import shutil
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


TEST_CATALOG = REPO / "tests" / "fixtures" / "catalog.yaml"


@pytest.fixture(scope="session")
def catalog_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small test catalogue seeded once; tests get a copy of the file (much faster than migrating
    and seeding again, and still a real DuckDB file of their own)."""
    path = tmp_path_factory.mktemp("template") / "seeded.duckdb"
    store = Store(path)
    init_store(store, seed=TEST_CATALOG)
    store.close()
    return path


@pytest.fixture
def cat_db(catalog_template: Path, db_path: Path) -> Iterator[Store]:
    """A database seeded from the small test catalogue (4 indicators, 2 targets, 2 readings)."""
    shutil.copyfile(catalog_template, db_path)
    store = Store(db_path)
    yield store
    store.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
