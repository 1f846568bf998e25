"""Layering rules checked mechanically: what each entry point imports, and where SQL may live."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"
HEAVY = ("streamlit", "apscheduler", "pandas")
# The store owns the database: every SQL statement, the import pipeline's included (monitor/store/import_queries.py).
SQL_ALLOWED = {"monitor/store"}


def loaded_heavy(*modules: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has loaded after importing ``modules``."""
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}}})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_check_itself_sees_a_heavy_import() -> None:
    assert loaded_heavy("pandas") == ["pandas"]


def test_core_modules_load_neither_streamlit_nor_apscheduler() -> None:
    loaded = loaded_heavy("monitor", "monitor.store", "monitor.files.ingest", "monitor.files.catalog", "monitor.status.progress", "monitor.cli")
    assert "streamlit" not in loaded and "apscheduler" not in loaded, loaded


def test_add_path_loads_no_pandas() -> None:
    assert loaded_heavy("monitor.cli", "monitor.files.ingest") == []


def _run_add(tmp_path: Path) -> list[str]:
    """Run `monitor add` end to end in a fresh interpreter (staging, validation, write); return heavy modules loaded."""
    catalog = Path(__file__).parent / "fixtures" / "catalog.yaml"
    db = tmp_path / "m.duckdb"
    # Seeding runs in its own interpreter: only the `add` process is inspected.
    seed = f"""
from monitor.files.catalog import init_store
from monitor.store.connection import Store
init_store(Store({str(db)!r}), seed={str(catalog)!r})
"""
    seeded = subprocess.run([sys.executable, "-c", seed], capture_output=True, text=True, timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    code = f"""
import json, sys
from monitor.cli import main
try:
    main(["--db", {str(db)!r}, "add", "racks", "2.4万", "--period-end", "2024-12-31"])
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules if m.split('.')[0] in {set(HEAVY) | {'numpy'}!r}}})))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    *_, last = done.stdout.strip().splitlines()
    assert "racks: new reading" in done.stdout
    return json.loads(last)


def test_add_command_run_loads_neither_streamlit_nor_apscheduler(tmp_path: Path) -> None:
    loaded = _run_add(tmp_path)
    assert "streamlit" not in loaded and "apscheduler" not in loaded, loaded


def test_add_command_run_loads_no_pandas(tmp_path: Path) -> None:
    # duckdb 1.5.5 imports pandas on the first statement with bound parameters unless told it is
    # absent (monitor.cli.readings.duckdb_without_pandas): 0.3 s of every `monitor add`.
    loaded = _run_add(tmp_path)
    assert "pandas" not in loaded and "numpy" not in loaded, loaded


def _sql_calls(path: Path) -> list[int]:
    """Lines calling .execute / .executemany / .sql (DuckDB's ways to run SQL)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"execute", "executemany", "sql", "query"}
    ]


def _allowed(path: Path) -> bool:
    relative = path.relative_to(PACKAGE.parent).as_posix()
    return any(relative == a or relative.startswith(a + "/") for a in SQL_ALLOWED)


def test_the_sql_scan_finds_calls() -> None:
    assert _sql_calls(PACKAGE / "store" / "queries.py")  # so an empty result below means something
    assert _allowed(PACKAGE / "store" / "queries.py") and _allowed(PACKAGE / "store" / "import_queries.py")
    assert not _allowed(PACKAGE / "present" / "views.py") and not _allowed(PACKAGE / "files" / "ingest" / "reading.py")
    assert not _allowed(PACKAGE / "store_extra.py")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if not _allowed(p)),
    ids=lambda p: p.relative_to(PACKAGE.parent).as_posix(),
)
def test_no_sql_outside_the_store(path: Path) -> None:
    assert _sql_calls(path) == [], f"{path.relative_to(PACKAGE.parent)} runs SQL; put the query in monitor/store/queries.py"


def test_no_sql_text_in_other_modules() -> None:
    # A grep for the call, in case SQL is run through a helper with another name.
    offenders = [
        f"{p.relative_to(PACKAGE.parent)}:{n}"
        for p in PACKAGE.rglob("*.py") if not _allowed(p)
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if ".execute(" in line or ".executemany(" in line
    ]
    assert offenders == []


# ---------------------------------------------------------------- one status service

STATUS_PATHS = {"monitor.status.engine", "monitor.status.sets"}


def _imported_modules(path: Path) -> set[str]:
    """Modules a file imports, spelled out: ``from monitor.status import sets`` is monitor.status.sets."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _callers() -> list[Path]:
    root = PACKAGE.parent
    files = [p for p in PACKAGE.rglob("*.py") if "status" not in p.relative_to(PACKAGE).parts[:1]]
    return files + sorted((root / "dashboards").rglob("*.py")) + [root / "scheduler.py"]


def test_the_import_scan_sees_a_path_import() -> None:
    assert _imported_modules(PACKAGE / "status" / "sets.py") & STATUS_PATHS == {"monitor.status.engine"}
    assert PACKAGE / "cli" / "__init__.py" in _callers() and PACKAGE / "status" / "sets.py" not in _callers()


def test_only_the_status_service_chooses_a_status_path() -> None:
    # Callers ask monitor.status.statuses for a detail; which path computes it is decided there alone.
    offenders = {
        p.relative_to(PACKAGE.parent).as_posix(): sorted(_imported_modules(p) & STATUS_PATHS)
        for p in _callers() if _imported_modules(p) & STATUS_PATHS
    }
    assert offenders == {}


def test_importing_the_status_formulas_loads_no_numpy() -> None:
    code = "import json, sys, monitor.status, monitor.status.progress; print(json.dumps('numpy' in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is False


# ---------------------------------------------------------------- import contracts (static, every import)
# Checked on the source, lazy imports inside functions included, so a contract cannot be dodged by
# importing late. The apps (dashboards/, scheduler.py) are leaves: nothing in the library imports them;
# the library reaches the scheduler module only by name at run time (monitor.services.refresh.load_scheduler_module).
APPS_AND_UI = ("streamlit", "apscheduler", "dashboards", "scheduler")
# monitor.store is the bottom layer: beside itself it may use only the leaf modules below it.
STORE_MAY_IMPORT = ("monitor.store", "monitor.errors", "monitor.model", "monitor.settings", "monitor.clock")
# The one exception, by design (issue 14, item 9): the sources loader checks each schedule with the
# scheduler's own trigger classes, imported inside that check only, so a schedule the scheduler would
# refuse is refused when the file is loaded. Nothing else of apscheduler, and only there.
ALLOWED_LAZY = {"monitor/services/refresh/sources.py": ("apscheduler.triggers.cron", "apscheduler.triggers.interval")}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import statement in the file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            # `from monitor import settings` imports the module monitor.settings
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_import_scan_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    sample = PACKAGE / "store" / "_contract_probe.py"
    sample.write_text("def f():\n    import streamlit\n    from ..present import views\n")
    try:
        names = [m for _, m in _imports(sample)]
    finally:
        sample.unlink()
    assert "streamlit" in names and "monitor.present.views" in names


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE.parent).as_posix())
def test_the_library_never_imports_the_apps_or_their_frameworks(path: Path) -> None:
    allowed = ALLOWED_LAZY.get(path.relative_to(PACKAGE.parent).as_posix(), ())
    bad = [(n, m) for n, m in _imports(path) if _top(m) in APPS_AND_UI
           and not any(m == a or m.startswith(a + ".") for a in allowed)]
    assert bad == [], f"{path.relative_to(PACKAGE.parent)} imports {bad}: the library stays free of the apps"


@pytest.mark.parametrize("path", sorted((PACKAGE / "store").rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE.parent).as_posix())
def test_the_store_imports_only_the_layers_below_it(path: Path) -> None:
    bad = [
        (n, m) for n, m in _imports(path)
        if _top(m) == "monitor" and m != "monitor"
        and not any(m == allowed or m.startswith(allowed + ".") for allowed in STORE_MAY_IMPORT)
    ]
    assert bad == [], f"{path.relative_to(PACKAGE.parent)} imports {bad}; the store may use only {STORE_MAY_IMPORT}"


# The layers, bottom first: a module may import its own package and any layer below it, never one
# above. Folders show them: monitor/model (with errors and settings beside it), store, status, files,
# present, services, cli; the apps (dashboards/, scheduler.py) sit on top and nothing imports them.
LAYERS = (
    ("monitor.errors", "monitor.settings", "monitor.clock", "monitor.model"),
    ("monitor.store",),
    ("monitor.status",),
    ("monitor.files",),
    ("monitor.present",),
    ("monitor.services",),
    ("monitor.cli",),
)


def _layer(module: str) -> int | None:
    for n, layer in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in layer):
            return n
    return None


def test_every_module_of_the_library_sits_in_a_layer() -> None:
    loose = [p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py")
             if p != PACKAGE / "__init__.py"
             and _layer(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")) is None]
    assert loose == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE.parent).as_posix())
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    own = _layer(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"))
    if own is None:
        return  # monitor/__init__.py: empty
    upward = [(n, m) for n, m in _imports(path) if (theirs := _layer(m)) is not None and theirs > own]
    assert upward == [], f"{path.relative_to(PACKAGE.parent)} (layer {own}) imports {upward} from a layer above"


def test_the_layer_check_sees_an_upward_import() -> None:
    probe = PACKAGE / "files" / "_layer_probe.py"
    probe.write_text("def f():\n    from monitor.present import i18n\n")
    try:
        upward = [m for _, m in _imports(probe) if (_layer(m) or 0) > _layer("monitor.files.x")]
    finally:
        probe.unlink()
    assert upward == ["monitor.present", "monitor.present.i18n"]


def test_leaf_modules_import_nothing_above_them() -> None:
    for leaf in ("errors.py", "model/__init__.py", "settings.py", "clock.py"):
        # the clock reads its zone from the settings; nothing else of monitor
        below = ("monitor.errors", "monitor.model") + (("monitor.settings",) if leaf == "clock.py" else ())
        bad = [m for _, m in _imports(PACKAGE / leaf)
               if _top(m) == "monitor" and m != "monitor"
               and not any(m == ok or m.startswith(ok + ".") for ok in below)]
        assert bad == [], (leaf, bad)
