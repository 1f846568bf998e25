"""Every failure of every command is one `Error:` line and a documented exit code, never a traceback.

Run through the installed console script (`monitor`) as a subprocess, as a user runs it: the whole
bad-input corpus (tests/bad_inputs/make_corpus.py) and the broken-backup corpus
(tests/bad_inputs/make_backups.py), a disk that fills up (a file size limit, RLIMIT_FSIZE, in the
child: its writes then fail with EFBIG as they would with ENOSPC on a full disk, without filling a
real one), permission denied, a database path that is a folder or not a database, a read-only
folder, a reader that goes away (`| head -1`), Ctrl-C, and an unexpected exception.
"""

from __future__ import annotations

import csv
import fcntl
import importlib.util
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor.cli import EXIT_CODES
from monitor.errors import MonitorError
from monitor.store.connection import Store
from monitor.store.maintenance import checksums, kept_copies

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "monitor"
CATALOG = HERE / "fixtures" / "catalog.yaml"


def _load(name: str):  # noqa: ANN202 - the module
    spec = importlib.util.spec_from_file_location(name, HERE / "bad_inputs" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus = _load("make_corpus")
backups = _load("make_backups")


def script(*args: str | Path, env: dict[str, str] | None = None, prefix: list[str] | None = None,
           file_size_limit: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_size_limit is not None:
            # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG ("File too large").
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [*(prefix or []), str(CONSOLE_SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, preexec_fn=limit if file_size_limit is not None else None,
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    for marker in ("Traceback", "Exception ignored", 'File "'):
        assert marker not in done.stderr, done.stderr[-3000:]


def one_error(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """The failure is one `Error:` line (then only indented located problems) with exit ``code``."""
    no_traceback(done)
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.splitlines()
    assert lines and lines[0].startswith("Error: "), done.stderr[-2000:]
    assert all(line.startswith("  ") for line in lines[1:]), done.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def seeded(catalog_template: Path, tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of the store seeded with the test catalogue, under a name of the caller's."""
    def make(name: str) -> Path:
        path = tmp_path / "stores" / name / "monitor.duckdb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(catalog_template, path)
        return path

    return make


def sums(path: Path) -> dict:
    store = Store(path)
    try:
        return checksums(store)
    finally:
        store.close()


def _files_beside(db: Path) -> list[str]:
    """The files in the store's folder but its lock sidecars (a refused restore leaves no other)."""
    return sorted(p.name for p in db.parent.iterdir() if not p.name.endswith((".lock", ".gate")))


def in_pairs(work: Callable, items: list) -> list:
    # Two at a time: each run is a process of its own, on a store of its own.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(work, items))


# ---------------------------------------------------------------- the corpora


@pytest.mark.timeout(1200)  # about 85 processes; minutes on a loaded machine
def test_every_bad_input_file_through_the_console_script(seeded: Callable[[str], Path], tmp_path: Path) -> None:
    files = corpus.build(tmp_path / "corpus")
    original = sums(seeded("original"))

    def run(name: str) -> tuple[str, subprocess.CompletedProcess[str], Path]:
        db = seeded(name)
        return name, script("--db", db, "import", files[name]), db

    results = in_pairs(run, sorted(files))
    assert len(results) == len(corpus.CASES) >= 80
    for name, done, db in results:
        case = next(c for c in corpus.CASES if c.name == name)
        if case.imports:
            no_traceback(done)
            assert done.returncode == 0, (name, done.stderr[-2000:])
        else:
            one_error(done, 5, name)
            assert sums(db) == original, f"{name}: a refused import changed the store"


@pytest.mark.timeout(1200)
def test_every_broken_backup_through_the_console_script(seeded: Callable[[str], Path], tmp_path: Path) -> None:
    source = seeded("source")
    good = tmp_path / "good-backup"
    assert script("--db", source, "backup", "--out", good).returncode == 0
    backed_up = sums(source)
    folders = backups.build(good, tmp_path / "backups")
    script("--db", source, "add", "racks", "7", "--period-end", "2024-06-30")  # the stores differ from the backup
    original = sums(source)

    def run(name: str) -> tuple[str, subprocess.CompletedProcess[str], Path]:
        db = seeded(name)
        shutil.copyfile(source, db)
        return name, script("--db", db, "restore", folders[name], "--force"), db

    results = in_pairs(run, sorted(folders))
    assert len(results) == len(backups.CASES) >= 40
    for name, done, db in results:
        case = next(c for c in backups.CASES if c.name == name)
        if case.restores:
            no_traceback(done)
            assert done.returncode == 0, (name, done.stderr)
            assert sums(db)["reading"] == backed_up["reading"], name
            assert len(kept_copies(db)) == 1 and "kept as" in done.stdout
        else:
            src, fragment = case.reject
            one_error(done, 5, f"cannot restore from {folders[name]}: {src}", fragment, "nothing was changed")
            assert sums(db) == original, f"{name}: a refused restore changed the store"
            assert _files_beside(db) == ["monitor.duckdb"], name


# ---------------------------------------------------------------- a disk that fills up


def _many_rows(path: Path, rows: int = 40_000) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["indicator_id", "period_start", "period_end", "value", "note"])
        day = date(1900, 1, 1)
        for i in range(rows):
            d = (day + timedelta(days=i)).isoformat()
            out.writerow(["racks", d, d, i, f"row {i} " + "n" * 40])
    return path


def test_a_disk_that_fills_during_an_import_is_one_error_and_the_store_stays_whole(
    seeded: Callable[[str], Path], tmp_path: Path
) -> None:
    """The reproduction of issue 14, item 11: three chained tracebacks before; now one line, exit 4."""
    db = seeded("full")
    before = sums(db)
    big = _many_rows(tmp_path / "big.csv")
    done = script("--db", db, "import", big, file_size_limit=db.stat().st_size + 50_000)
    line = one_error(done, 4, "File too large")
    assert "nothing was written" in line or "database engine" in line, line
    assert sums(db) == before
    # The store is whole and takes writes again: the failed checkpoint left the last committed state.
    assert script("--db", db, "add", "racks", "5", "--period-end", "2024-06-30").returncode == 0
    assert script("--db", db, "check").returncode == 0
    done = script("--db", db, "import", big)
    assert done.returncode == 0, done.stderr
    assert sums(db)["reading"]["rows"] == before["reading"]["rows"] + 1 + 40_000


def test_a_disk_that_fills_during_backup_restore_or_export_leaves_nothing_half_written(
    seeded: Callable[[str], Path], tmp_path: Path
) -> None:
    db = seeded("full")
    big = _many_rows(tmp_path / "big.csv")
    assert script("--db", db, "import", big).returncode == 0
    good = tmp_path / "good"
    assert script("--db", db, "backup", "--out", good).returncode == 0
    script("--db", db, "add", "racks", "5", "--period-end", "2024-06-30")
    before = sums(db)
    limit = 200_000  # well below the store (about 1.5 MB) and its backup

    folder = tmp_path / "bk"
    one_error(script("--db", db, "backup", "--out", folder, file_size_limit=limit), 4,
              "File too large", "the incomplete backup was removed")
    assert not folder.exists()

    one_error(script("--db", db, "restore", good, "--force", file_size_limit=limit), 4,
              "File too large", "nothing was changed")
    assert sums(db) == before
    assert _files_beside(db) == ["monitor.duckdb"]

    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("csv", "json", "parquet", "xlsx"):
        target = out / f"export.{fmt}"
        one_error(script("--db", db, "export", "--format", fmt, "--out", target, file_size_limit=limit), 74,
                  f"{target}: File too large")
    target = out / "catalog.yaml"
    one_error(script("--db", db, "catalog", "export", "--with-readings", "--out", target, file_size_limit=limit), 74,
              f"{target}: File too large")
    assert list(out.iterdir()) == [], "a failed export left a (partial) file"


# ---------------------------------------------------------------- unusable locations


def _without_permission_override(tmp_path: Path) -> list[str]:
    """A command prefix under which file permissions apply: nothing for a normal user; for root,
    setpriv dropping the capabilities that bypass them (the process stays root otherwise). Skips
    the test where neither makes an unreadable file unreadable (a container without CAP_SETPCAP)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be made to apply")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    probe = tmp_path / "unreadable"
    probe.write_text("x")
    probe.chmod(0)
    try:
        read = subprocess.run(
            [*prefix, sys.executable, "-c",
             "import sys\ntry:\n open(sys.argv[1]).read()\nexcept PermissionError:\n print('denied')", str(probe)],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        probe.unlink()
    if read.stdout.strip() != "denied":  # read anyway, or setpriv itself was not allowed
        pytest.skip(f"file permissions cannot be made to apply here ({read.stderr.strip()[:200]})")
    return prefix


def test_unusable_database_locations_are_one_error_each(seeded: Callable[[str], Path], tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.duckdb"
    folder.mkdir()
    one_error(script("--db", folder, "readings"), 2, "is a folder")

    garbage = tmp_path / "garbage.duckdb"
    garbage.write_text("not a database\n")
    one_error(script("--db", garbage, "readings"), 4, "not a valid DuckDB database file")
    one_error(script("--db", garbage, "add", "racks", "5", "--period-end", "2024-06-30"), 4)

    prefix = _without_permission_override(tmp_path)
    db = seeded("locked")
    before = sums(db)
    db.chmod(0)
    try:
        for args in (["readings"], ["status"], ["add", "racks", "5", "--period-end", "2024-06-30"], ["backup"],
                     ["check"]):
            one_error(script("--db", db, *args, prefix=prefix), 4, "Permission denied")
    finally:
        db.chmod(0o644)
    assert sums(db) == before

    db = seeded("read-only-folder")
    db.parent.chmod(0o555)
    try:
        done = script("--db", db, "readings", "--json", prefix=prefix)
        assert done.returncode == 0, done.stderr  # a reader needs no write access
        one_error(script("--db", db, "add", "racks", "5", "--period-end", "2024-06-30", prefix=prefix), 4,
                  "Permission denied")
        target = db.parent / "out.csv"
        one_error(script("--db", db, "export", "--out", target, prefix=prefix), 74, f"{target}: Permission denied")
        one_error(script("--db", db.parent / "sub" / "new.duckdb", "init", prefix=prefix), 4, "Permission denied")
    finally:
        db.parent.chmod(0o755)


# ---------------------------------------------------------------- the reader goes away, Ctrl-C, a bug


@pytest.mark.parametrize("args", [["readings", "--history"], ["readings", "--json"], ["indicators"], ["status"],
                                  ["export"], ["catalog", "export"], ["runs"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(args: list[str], seeded: Callable[[str], Path]) -> None:
    """`monitor readings | head -1`: the pipe is closed before the command writes."""
    db = seeded("piped")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([str(CONSOLE_SCRIPT), "--db", str(db), *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def _waits_for_the_lock(pid: int) -> bool:
    # /proc/locks lists a process blocked on a flock with "->" before its entry.
    return any("->" in line and f" {pid} " in line for line in Path("/proc/locks").read_text().splitlines())


def test_ctrl_c_is_one_line_and_writes_nothing(seeded: Callable[[str], Path]) -> None:
    if not Path("/proc/locks").exists():
        pytest.skip("needs /proc/locks to see that the command waits")
    db = seeded("interrupted")
    before = sums(db)
    holder = os.open(f"{db}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)  # the command waits for the store: a known place to interrupt it
    try:
        child = subprocess.Popen([str(CONSOLE_SCRIPT), "--db", str(db), "add", "racks", "5", "--period-end", "2024-06-30"],
                                 stderr=subprocess.PIPE, text=True, env={**os.environ, "MONITOR_LOCK_TIMEOUT": "120"})
        deadline = time.monotonic() + 60
        while not _waits_for_the_lock(child.pid):
            assert child.poll() is None and time.monotonic() < deadline, "the command never waited for the lock"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        os.close(holder)
    assert "Traceback" not in err
    assert child.returncode == 130
    assert [line for line in err.splitlines() if line] == ["Error: interrupted; an unfinished write is rolled back"]
    assert sums(db) == before


BUG = """
import sys
import monitor.present.views

def broken(*args, **kwargs):
    raise ZeroDivisionError("division by zero")

monitor.present.views.indicator_rows = broken  # a bug, as an unforeseen one would surface
from monitor.cli import main
sys.argv = ["monitor", "--db", sys.argv[1], "indicators"]
main()
"""


def test_an_unexpected_exception_is_one_line_naming_it_and_the_debug_variable(seeded: Callable[[str], Path]) -> None:
    db = seeded("bug")
    done = subprocess.run([sys.executable, "-c", BUG, str(db)], capture_output=True, text=True, timeout=60)
    line = one_error(done, 70, "unexpected ZeroDivisionError: division by zero", "MONITOR_DEBUG=1")
    assert done.stderr.strip() == line
    debug = subprocess.run([sys.executable, "-c", BUG, str(db)], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "MONITOR_DEBUG": "1"})
    assert debug.returncode == 70
    assert "Traceback" in debug.stderr and "def broken" not in debug.stderr
    assert debug.stderr.splitlines()[-1] == line


def test_an_error_message_never_carries_control_characters(tmp_path: Path) -> None:
    folder = tmp_path / "bk\x1b]0;PWNED\x07"
    folder.mkdir()
    done = script("--db", tmp_path / "x.duckdb", "restore", folder)
    line = one_error(done, 5, "is not a backup folder")
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and "\\x1b]0;PWNED\\x07" in line


# ---------------------------------------------------------------- documentation


def test_every_exit_code_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):]
    documented = {int(code) for code in re.findall(r"^\| `(\d+)` \|", section, flags=re.MULTILINE)}
    assert documented == set(EXIT_CODES), (documented, set(EXIT_CODES))

    def codes(cls: type) -> set[int]:
        return {cls.exit_code} | {c for sub in cls.__subclasses__() for c in codes(sub)}

    assert codes(MonitorError) <= set(EXIT_CODES)
