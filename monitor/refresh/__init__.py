"""Scheduled refreshes: sources config, fetchers, run log, events and alerts.

Nothing here imports apscheduler: ``scheduler.py`` at the repository root wires these functions to
a BlockingScheduler, and the CLI and the dashboard call them directly.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from monitor.errors import MonitorError

REPO = Path(__file__).resolve().parents[2]


class FetchError(MonitorError):
    """A source could not be fetched (after its retries); nothing was imported."""

    exit_code = 6

    def __init__(self, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class SchedulerRunning(MonitorError):
    """Another scheduler process already serves this database."""

    exit_code = 73


def load_scheduler_module() -> ModuleType:
    """The repository's ``scheduler.py`` (which imports apscheduler): only when a caller needs it."""
    if "scheduler" in sys.modules and getattr(sys.modules["scheduler"], "IS_MONITOR_SCHEDULER", False):
        return sys.modules["scheduler"]
    path = REPO / "scheduler.py"
    spec = importlib.util.spec_from_file_location("scheduler", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the repository
        raise MonitorError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["scheduler"] = module
    spec.loader.exec_module(module)
    return module
