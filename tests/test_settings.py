"""The settings spine: one declared table, read in one place, the docs generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from monitor import settings
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
# Variables whose NAME is chosen by the user per source or channel (sources file): read where a request is made.
PER_SOURCE_READERS = {"monitor/services/refresh/sources.py", "monitor/services/refresh/fetch.py", "monitor/services/refresh/alerts.py"}
# Facts of the operating system, not settings of the product: where Windows keeps its system folders.
OS_FACTS = {"monitor/services/refresh/policy.py": "_WINDOWS_TREES"}


def _environ_reads(path: Path) -> list[int]:
    """Lines of ``path`` that read os.environ / os.getenv (a subscript, .get, or getenv call)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = {}
    for folder in ("monitor", "dashboards"):
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel == "monitor/settings.py" or rel in PER_SOURCE_READERS:
                continue
            found = _environ_reads(path)
            if rel in OS_FACTS:
                text = path.read_text(encoding="utf-8").splitlines()
                found = [n for n in found if OS_FACTS[rel] not in text[n - 1]]
            # `monitor up` passes the environment on to its children (a copy, not a read of a setting).
            if rel == "monitor/cli.py" or rel.startswith("monitor/cli/"):
                text = path.read_text(encoding="utf-8").splitlines()
                found = [n for n in found if "dict(os.environ" not in text[n - 1]]
            if found:
                offenders[rel] = found
    assert offenders == {}


def test_the_check_itself_finds_a_read(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import os\nA = os.environ.get('X')\nB = os.getenv('Y')\n")
    assert _environ_reads(sample) == [2, 3]


def test_defaults_and_values_are_typed() -> None:
    assert settings.get("MONITOR_LOCK_TIMEOUT", {}) == 15.0
    assert settings.get("MONITOR_LOCK_TIMEOUT", {"MONITOR_LOCK_TIMEOUT": " 2.5 "}) == 2.5
    assert settings.get("MONITOR_DB", {}) == "data/monitor.duckdb"
    assert settings.get("MONITOR_SOURCES", {"MONITOR_SOURCES": ""}) is None


@pytest.mark.parametrize(("env", "value"), [
    ("MONITOR_LOCK_TIMEOUT", "soon"), ("MONITOR_LOCK_TIMEOUT", "-1"), ("MONITOR_LOCK_TIMEOUT", "nan"),
    ("MONITOR_SCHEDULER_LEASE", "1e400"), ("MONITOR_IMPORT_MEMORY", "lots"), ("MONITOR_LANG", "fr"),
])
def test_a_bad_value_names_the_variable(env: str, value: str) -> None:
    with pytest.raises(ConfigError, match=env):
        settings.get(env, {env: value})


def test_a_secret_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        settings.SETTINGS["MONITOR_EDITOR_PASSWORD_HASH"].__class__(
            "X_SECRET", "hash", None, "test", parse=lambda _t: (_ for _ in ()).throw(ValueError("bad")), secret=True
        ).read({"X_SECRET": "hunter2"})
    assert "hunter2" not in str(caught.value)


def test_the_store_reads_its_timeout_when_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.store.connection import Store

    monkeypatch.setenv("MONITOR_LOCK_TIMEOUT", "3.5")
    assert Store(tmp_path / "a.duckdb").timeout_s == 3.5
    monkeypatch.delenv("MONITOR_LOCK_TIMEOUT")
    assert Store(tmp_path / "a.duckdb").timeout_s == 15.0
    assert Store(tmp_path / "a.duckdb", timeout_s=1).timeout_s == 1


def test_docs_hold_the_generated_table() -> None:
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in doc, "run: python -m monitor.settings, and paste into docs/settings.md"


def test_both_backends_implement_the_store_interface(tmp_path: Path) -> None:
    import inspect

    from monitor.store.base import Store
    from monitor.store.connection import FileStore
    from monitor.store.lake import LakeStore

    for backend in (FileStore, LakeStore):
        assert issubclass(backend, Store) and not inspect.isabstract(backend), backend
    assert Store.__abstractmethods__ >= {"read", "write", "read_copy", "exclusive", "scratch", "init", "close", "exists", "path"}
    built = Store(tmp_path / "a.duckdb")
    assert type(built) is FileStore and built.backend == "file"
    lake = Store("ducklake:postgres:dbname=x host=127.0.0.1", data_path=tmp_path)
    assert type(lake) is LakeStore and lake.backend == "lake"  # built without connecting
