"""The short version of bench/loadtest.py: every acknowledged write stored exactly once under load.

Writers, an importer of 10k-row files, an inbox refresher and a status poller share one store for about
ten seconds. Speed is reported, not asserted (bench/loadtest.py prints it); losing or doubling a write,
or any process meeting an unhandled error, fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import loadtest  # noqa: E402


@pytest.mark.timeout(240)
def test_short_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    summary = loadtest.run(seconds=10, writers=4, workdir=str(tmp_path))
    print(summary)
    assert summary["crashed_processes"] == 0
    assert summary["unhandled_errors"] == 0
    assert summary["lost_writes"] == 0
    assert summary["doubled_writes"] == 0
    assert summary["acknowledged_writes"] > 0 and summary["import_batches"] > 0
    assert summary["import_rows_stored"] == summary["import_rows_acknowledged"]
    assert summary["refresh_runs"] > 0 and summary["refresh_runs_failed"] == 0
