"""Shared fixtures: real DuckDB files in temporary folders, never the user's database.

The database fixtures (``db_path``, ``empty_db``, ``fresh_db``, ``cat_db``) run on two backends:
``[file]`` is a DuckDB file, ``[lake]`` a DuckLake whose catalogue is a PostgreSQL database of the test's
own (on one throwaway cluster per test session, tests/pg_cluster.py) and whose Parquet folder is the
test's own. Which tests also run on the lake is set by ``MONITOR_TEST_LAKE``:

- unset (the default run on a developer's machine): test_store and test_lake entirely, and LAKE_SAMPLE
  from the CLI, engine, refresh and maintenance modules (a lake operation costs ~3x a file one);
- ``modules`` (the default when ``CI=true``, so CI proves both backends): every test of LAKE_MODULES
  (storage, ingestion, engine, CLI, refresh, maintenance);
- ``all``: every test that uses a database fixture; ``0``: none.

A test that is about the file itself is marked ``@pytest.mark.file_only`` or listed in FILE_ONLY.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.files.catalog import init_store
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
BRIEFING_TEXT = REPO / "data" / "source" / "xining-briefing-2025-07-11.txt"
TEST_CATALOG = REPO / "tests" / "fixtures" / "catalog.yaml"

# Storage, engine, CLI, refresh and maintenance tests (MONITOR_TEST_LAKE=modules runs all of them on both).
LAKE_MODULES = {
    "test_store", "test_ingest", "test_cli", "test_status_sql", "test_refresh_run", "test_maintenance", "test_lake",
    "test_withdraw",
}
# The default run: these modules entirely, and the sample below from the others.
LAKE_FULL_BY_DEFAULT = {"test_store", "test_lake"}
LAKE_SAMPLE = {
    "test_cli::test_init_twice_changes_nothing",
    "test_cli::test_db_from_environment",
    "test_cli::test_indicators_without_a_database",
    "test_cli::test_add_new_same_and_revision",
    "test_cli::test_import_with_an_invalid_row_imports_nothing",
    "test_cli::test_import_skip_invalid_and_rejected",
    "test_cli::test_catalog_import_of_a_changed_target_records_a_version",
    "test_status_sql::test_domain_filter_matches_the_engine",
    "test_status_sql::test_seeded_briefing_matches_the_engine",
    "test_status_sql::test_every_boundary_is_reached_on_both_paths",
    "test_refresh_run::test_cli_refresh_runs_and_events",
    "test_refresh_run::test_status_change_and_staleness_become_events_once",
    "test_maintenance::test_backup_restore_round_trip_is_exact",
    "test_maintenance::test_check_reports_what_is_wrong",
}
# Tests about the file itself (its path, its lock, DuckDB's own file format), by module::name.
FILE_ONLY: dict[str, str] = {
    "test_store::test_applied_versions_of_an_unmigrated_database_is_empty": "opens the file with plain DuckDB",
    "test_store::test_database_file_is_not_held_between_operations": "DuckDB's file lock",
    "test_store::test_store_busy_when_another_process_holds_the_sidecar_lock": "the sidecar lock file",
    "test_store::test_store_busy_when_a_process_without_the_sidecar_holds_the_file": "DuckDB's file lock",
    "test_store::test_waiting_writer_succeeds_when_the_lock_is_released_in_time": "the sidecar lock file",
    # on the lake: test_lake::test_cli_reports_a_busy_lake_with_exit_75
    "test_cli::test_console_script_reports_a_busy_store_with_exit_75": "holds the sidecar lock file",
    # on the lake: test_lake::test_restore_in_place_keeps_the_previous_snapshot
    "test_maintenance::test_restore_refuses_to_overwrite_without_force_and_keeps_every_replaced_file": "the .before-restore file",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "file_only: about the DuckDB file itself; not run on the lake backend")
    config.addinivalue_line("markers", "default_db: about the default store location; MONITOR_DB is left unset")


def _runs_on_lake(module: str, function: str) -> bool:
    default = "modules" if os.environ.get("CI", "").lower() == "true" else ""
    wanted = os.environ.get("MONITOR_TEST_LAKE", default).strip().lower()
    if wanted in ("0", "no", "false", "off", "none"):
        return False
    if wanted == "all":
        return True
    if wanted == "modules":
        return module in LAKE_MODULES
    return module in LAKE_FULL_BY_DEFAULT or f"{module}::{function}" in LAKE_SAMPLE


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    function = metafunc.function.__name__
    if not _runs_on_lake(module, function):
        return
    if metafunc.definition.get_closest_marker("file_only") or f"{module}::{function}" in FILE_ONLY:
        metafunc.parametrize("backend", ["file"], indirect=True)
    else:
        metafunc.parametrize("backend", ["file", "lake"], indirect=True)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # A developer's MONITOR_DB must never leak into (or be written by) a test, and a test that names no
    # store must not create the default one (data/monitor.duckdb) in the checkout: it gets a store path
    # of its own that does not exist yet. A test about the default itself is marked ``default_db``.
    if request.node.get_closest_marker("default_db"):
        monkeypatch.delenv("MONITOR_DB", raising=False)
    else:
        monkeypatch.setenv("MONITOR_DB", str(tmp_path / "default-store" / "monitor.duckdb"))
    monkeypatch.delenv("MONITOR_DATA_PATH", raising=False)
    monkeypatch.delenv("MONITOR_SOURCES", raising=False)
    monkeypatch.delenv("MONITOR_EDITOR_PASSWORD_HASH", raising=False)
    monkeypatch.delenv("MONITOR_TIMEZONE", raising=False)  # the default zone, Asia/Shanghai, unless a test sets one


@pytest.fixture(autouse=True)
def _jump_check_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests written before plausibility (issue 17) type figures chosen for other rules (1 rack after
    23,000): the jump check is off unless a module turns it on by overriding this fixture, as
    tests/test_plausibility.py does."""
    monkeypatch.setenv("MONITOR_JUMP_FACTOR", "off")
    monkeypatch.setenv("MONITOR_JUMP_POINTS", "off")


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """"file" or "lake": which store the database fixtures give."""
    return getattr(request, "param", "file")


# -- the lake: one PostgreSQL cluster per session, one database per test ---------------------------

class LakeLocation(str):
    """A test's DuckLake location (a str, as --db and MONITOR_DB take it) that, like the file
    fixtures' Path, can say whether the database has been created."""

    cluster: object
    dbname: str
    data_path: Path

    @property
    def parent(self) -> Path:
        """The test's folder (where a file database would be), for tests that work next to it."""
        return self.data_path.parent

    def exists(self) -> bool:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ducklake_metadata'"
        return self.cluster.psql_value(sql, dbname=self.dbname) != "0"  # type: ignore[attr-defined]


class Lake:
    """The session's cluster, its template lakes and a counter for per-test databases."""

    def __init__(self, cluster: object, root: Path) -> None:
        self.cluster = cluster
        self.root = root
        self.templates: dict[str, tuple[str, Path]] = {}
        self.counter = itertools.count(1)

    def location(self, dbname: str, data_path: Path) -> LakeLocation:
        loc = LakeLocation(self.cluster.location(dbname))  # type: ignore[attr-defined]
        loc.cluster, loc.dbname, loc.data_path = self.cluster, dbname, data_path
        return loc

    def template(self, kind: str) -> tuple[str, Path]:
        """A lake in the given state ("empty": migrated; "cat": the test catalogue; "fresh": the
        briefing), made once per session and copied by CREATE DATABASE ... TEMPLATE for each test."""
        if kind not in self.templates:
            name = f"tpl_{kind}"
            self.cluster.create_database(name)  # type: ignore[attr-defined]
            data = self.root / name
            data.mkdir()
            from monitor.store.lake import LakeStore

            store = LakeStore(self.cluster.location(name), data_path=data)  # type: ignore[attr-defined]
            if kind == "empty":
                store.init()
            else:
                init_store(store, seed=TEST_CATALOG if kind == "cat" else None)
            store.close()  # the last user detaches: no connection left on the template
            self.templates[kind] = (name, data)
        return self.templates[kind]

    def new(self, tmp_path: Path, create: bool = True) -> LakeLocation:
        """A PostgreSQL database of the test's own (no lake in it yet; created later by ``fill`` when
        ``create`` is false) and a data folder."""
        dbname = f"test_{next(self.counter)}"
        if create:
            self.cluster.create_database(dbname)  # type: ignore[attr-defined]
        data = tmp_path / "lake-data"
        data.mkdir(exist_ok=True)
        return self.location(dbname, data)

    def fill(self, location: LakeLocation, kind: str) -> None:
        """Make the test's (not yet created) database a copy of a template lake, with the test's own data folder."""
        from monitor.store.lake import LakeStore

        template, template_data = self.template(kind)
        self.cluster.create_database(location.dbname, template=template)  # type: ignore[attr-defined]
        shutil.rmtree(location.data_path)
        shutil.copytree(template_data, location.data_path)
        normalised = LakeStore(str(location), data_path=location.data_path).data_path
        assert normalised is not None
        self.cluster.psql(  # type: ignore[attr-defined]
            "UPDATE ducklake_metadata SET value = '" + normalised.replace("'", "''") + "' WHERE key = 'data_path'",
            dbname=location.dbname,
        )


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    """The session's PostgreSQL cluster for lake tests; without PostgreSQL they fail on CI and skip elsewhere."""
    import importlib.util

    sys.path.insert(0, str(Path(__file__).parent))
    from pg_cluster import ClusterUnavailable, PgCluster

    def unavailable(message: str) -> None:
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    missing = [p for p in ("duckdb_extension_ducklake", "duckdb_extension_postgres_scanner") if importlib.util.find_spec(p) is None]
    if missing:
        unavailable(f"lake tests need the lake extra ({', '.join(missing)} missing): pip install -e '.[dev]'")
    try:
        cluster = PgCluster().start()
    except ClusterUnavailable as e:
        unavailable(f"lake tests need PostgreSQL: {e}")
    try:
        yield Lake(cluster, tmp_path_factory.mktemp("lake"))
    finally:
        cluster.stop()


def _lake(request: pytest.FixtureRequest) -> Lake:
    return request.getfixturevalue("lake")  # type: ignore[no-any-return]


# -- the database fixtures ---------------------------------------------------------------------------

@pytest.fixture
def db_path(tmp_path: Path, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a test's database goes (not created): a file path, or on the lake a LakeLocation (a str
    with .exists()) whose Parquet folder MONITOR_DATA_PATH names."""
    if backend == "lake":
        # A seeded fixture of the same test creates the database from a template instead.
        seeded = any(name in request.fixturenames for name in ("empty_db", "fresh_db", "cat_db"))
        location = _lake(request).new(tmp_path, create=not seeded)
        monkeypatch.setenv("MONITOR_DATA_PATH", str(location.data_path))
        return location  # type: ignore[return-value]
    return tmp_path / "monitor.duckdb"


@pytest.fixture
def empty_db(db_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A migrated database without any indicator."""
    if backend == "lake":
        store = _lake_store_at(request, db_path, "empty")
    else:
        store = Store(db_path)
        store.init()
    yield store
    store.close()


@pytest.fixture
def fresh_db(db_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A database seeded from the briefing, as `monitor init` leaves it."""
    if backend == "lake":
        store = _lake_store_at(request, db_path, "fresh")
    else:
        store = Store(db_path)
        init_store(store)
    yield store
    store.close()


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
def cat_db(catalog_template: Path, db_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A database seeded from the small test catalogue (4 indicators, 2 targets, 2 readings)."""
    if backend == "lake":
        store = _lake_store_at(request, db_path, "cat")
    else:
        shutil.copyfile(catalog_template, db_path)
        store = Store(db_path)
    yield store
    store.close()


def _lake_store_at(request: pytest.FixtureRequest, location: Path, kind: str) -> Store:
    assert isinstance(location, LakeLocation)
    _lake(request).fill(location, kind)
    return Store(location)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
