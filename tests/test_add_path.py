"""`monitor add` pays only for what appending one reading needs (issue 19, goal 4).

- The CLI loads the module of the command it runs, not every command's (monitor.cli.app.COMMAND_MODULES):
  the table names every command each module registers, and a real `monitor add` process loads no other
  command's module nor what only other commands need (rich's tables, the status service, pandas, the
  password hashing of the users service).
- The previous reading a new value is judged against (monitor.store.import_queries.find_jumps, its in-force
  readings written as a GROUP BY) is the reading in force: not a withdrawn period, not a revision
  pending review, the latest counted revision of a period.

No timing is asserted: bench/run.py measures the process (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from monitor.cli.app import COMMAND_MODULES
from monitor.errors import ValidationError
from monitor.files.ingest import add_reading
from monitor.services.withdraw import withdraw_reading
from monitor.store.connection import Store

FIXTURES = Path(__file__).parent / "fixtures"
# Loaded by other commands only: a `monitor add` that imports one of them pays for it on every reading.
NOT_ON_THE_ADD_PATH = (
    "monitor.cli.admin", "monitor.cli.catalog", "monitor.cli.maintenance", "monitor.cli.refresh",
    "monitor.cli.report", "monitor.cli.serve", "monitor.cli.users", "monitor.cli.withdraw", "monitor.cli.card",
    "monitor.cli.offices", "monitor.cli.review", "monitor.cli.draft",
    "monitor.status.sets", "monitor.present", "monitor.services.auth", "monitor.services.refresh",
    "rich", "pandas", "numpy", "pyarrow", "streamlit", "apscheduler", "yaml", "openpyxl",
)
# Not hashlib: the fresh-clone CI run of 4c0105a found it loaded on the add path while a local run did not;
# the cause was not found (the standard library may load it); password hashing is monitor.services.auth, above.


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_table_names_the_module_of_every_command() -> None:
    # In a fresh interpreter, so that no earlier test has loaded a module already.
    registered = json.loads(_run(
        "import importlib, json, pkgutil, monitor.cli\n"
        "from monitor.cli.app import main\n"
        "for m in pkgutil.iter_modules(monitor.cli.__path__):\n"
        "    if m.name != '__main__':  # runs the CLI\n"
        "        importlib.import_module('monitor.cli.' + m.name)\n"
        "print(json.dumps({n: c.callback.__module__.rpartition('.')[2] for n, c in main.commands.items()}))\n"
    ))
    assert registered == COMMAND_MODULES


def test_the_cli_loads_a_command_module_when_the_command_is_asked_for() -> None:
    loaded = json.loads(_run(
        "import json, sys, click\n"
        "from monitor.cli import main\n"
        "before = sorted(m for m in sys.modules if m.startswith('monitor.cli.'))\n"
        "main.get_command(click.Context(main), 'backup')\n"
        "one = sorted(m for m in sys.modules if m.startswith('monitor.cli.'))\n"
        "names = main.list_commands(click.Context(main))\n"
        "print(json.dumps([before, one, names]))\n"
    ))
    before, one, names = loaded
    assert "monitor.cli.maintenance" not in before and "monitor.cli.readings" not in before
    assert "monitor.cli.maintenance" in one and "monitor.cli.refresh" not in one
    assert names == sorted(COMMAND_MODULES)


def test_a_monitor_add_process_loads_only_what_one_reading_needs(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    # Seeded in a process of its own: only the `add` process is inspected.
    _run(f"from monitor.files.catalog import init_store\nfrom monitor.store.connection import Store\n"
         f"init_store(Store({str(db)!r}), seed={str(FIXTURES / 'catalog.yaml')!r})\n")
    out = _run(
        "import json, sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        f"    main(['--db', {str(db)!r}, 'add', 'racks', '2.4万', '--period-end', '2024-12-31'])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    assert "racks: new reading" in out
    modules = json.loads(out.strip().splitlines()[-1])
    assert "monitor.cli.readings" in modules and "monitor.files.ingest" in modules  # the check sees the add path
    found = [m for m in modules if m in NOT_ON_THE_ADD_PATH or m.startswith(tuple(f"{n}." for n in NOT_ON_THE_ADD_PATH))]
    assert found == []


# ---------------------------------------------------------------- the previous reading is the one in force

P1, P2 = date(2025, 8, 31), date(2025, 9, 30)  # after the seed's 2.3万架 of 2025-06-30


def _add(store: Store, value: str, day: date, **kw: object) -> None:
    add_reading(store, "compute-racks", value, day, recorded_by="test", **kw)  # type: ignore[arg-type]


@pytest.fixture
def racks(fresh_db: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.delenv("MONITOR_JUMP_FACTOR", raising=False)  # conftest turns the check off
    monkeypatch.delenv("MONITOR_JUMP_POINTS", raising=False)
    _add(fresh_db, "2.4万", P2)  # plausible after 2.3万: the check is on and the store as expected
    return fresh_db


def test_a_value_is_judged_against_the_reading_in_force(racks: Store) -> None:
    with pytest.raises(ValidationError) as held:
        _add(racks, "3亿", P1)
    assert held.value.problems[0].code == "problem.jump_up"


def test_a_withdrawn_period_is_not_the_previous_reading(racks: Store) -> None:
    _add(racks, "3亿", P1, accept_jumps=True)
    with pytest.raises(ValidationError):
        _add(racks, "2.5万", P2)  # 2.5万 after 3亿
    withdraw_reading(racks, "compute-racks", P1, "typed in the wrong unit", who="test")
    _add(racks, "2.5万", P2)  # judged against 2.3万 of June


def test_a_revision_pending_review_is_not_the_previous_reading(racks: Store) -> None:
    _add(racks, "3亿", P1, accept_jumps=True, pending=True)
    _add(racks, "2.5万", P2)  # the pending 3亿 does not count yet


def test_the_latest_counted_revision_is_the_previous_reading(racks: Store) -> None:
    _add(racks, "3亿", P1, accept_jumps=True)
    _add(racks, "2.35万", P1)  # the correction, judged against June
    _add(racks, "2.5万", P2)  # judged against the correction, not the 3亿 it replaced
    with pytest.raises(ValidationError) as held:
        _add(racks, "3亿", P2)
    assert held.value.problems[0].code == "problem.jump_up"


def test_a_correction_pending_review_leaves_the_counted_revision_in_force(racks: Store) -> None:
    _add(racks, "3亿", P1, accept_jumps=True)
    _add(racks, "2.35万", P1, pending=True)  # not counted until approved
    with pytest.raises(ValidationError):
        _add(racks, "2.5万", P2)  # still judged against the 3亿 in force
