"""Static checks run as tests, so the README's one test command (and CI) runs them: ruff over every
Python folder of the repository, mypy over the library (strict on the core), both configured in
pyproject.toml. A failure prints the findings. The companion tests give each check a file with a known
mistake and assert it is reported, so a check that silently checks nothing fails too.

mypy keeps its cache in a folder of the system's temporary directory (one per checkout), never in the
repository: a repeated run re-checks only what changed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
RUFF_PATHS = ["monitor", "dashboards", "scheduler.py", "tests", "bench"]


def mypy_cache() -> Path:
    """The cache folder of this checkout's mypy runs (in the temporary directory, keyed by the path)."""
    key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"indicator-monitor-mypy-{key}"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=240)


def ruff(paths: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return run(["ruff", "check", "--config", str(CONFIG), "--no-cache", "--output-format", "concise", *paths], cwd)


def mypy(paths: list[str], cwd: Path = ROOT, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    cache_dir = str(cache or mypy_cache())
    return run(["mypy", "--config-file", str(CONFIG), "--cache-dir", cache_dir, "--no-color-output", *paths], cwd)


def test_ruff_finds_nothing() -> None:
    done = ruff(RUFF_PATHS)
    assert done.returncode == 0, f"ruff check found problems:\n{done.stdout}{done.stderr}"


def test_mypy_finds_nothing_in_the_library() -> None:
    done = mypy(["monitor"])
    assert done.returncode == 0, f"mypy found problems:\n{done.stdout}{done.stderr}"


def test_ruff_reports_a_known_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef pairs(a: list[int], b: list[int]) -> list[tuple[int, int]]:\n"
                   "    return list(zip(a, b))\n", encoding="utf-8")
    done = ruff([str(bad)], cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    # pyflakes (unused import) and bugbear (zip without strict=) are both in the rule set
    assert "F401" in done.stdout and "B905" in done.stdout, done.stdout


def test_mypy_reports_a_type_error_everywhere_and_a_missing_annotation_in_the_core(tmp_path: Path) -> None:
    """A small package named like ours: the strict flags apply to monitor.store, not to monitor.present."""
    for folder in ("monitor", "monitor/store", "monitor/present"):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("", encoding="utf-8")
    untyped = "def untyped(x):\n    return x\n"
    wrong = "def wrong() -> int:\n    return 'one'\n"
    (tmp_path / "monitor/store/core.py").write_text(untyped, encoding="utf-8")
    (tmp_path / "monitor/present/loose.py").write_text(untyped + "\n\n" + wrong, encoding="utf-8")
    done = mypy(["monitor"], cwd=tmp_path, cache=tmp_path / "cache")
    findings = done.stdout
    assert done.returncode == 1, findings + done.stderr
    assert "monitor/store/core.py:1: error: Function is missing a type annotation" in findings, findings
    assert "monitor/present/loose.py:6: error: Incompatible return value type" in findings, findings
    assert "monitor/present/loose.py:1:" not in findings, findings
