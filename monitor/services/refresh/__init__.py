"""Scheduled refreshes: sources config, fetchers, run log, events and alerts.

Nothing here imports apscheduler: ``scheduler.py`` at the repository root wires these functions to
a BlockingScheduler, and the CLI and the dashboard call them directly.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from monitor.errors import MonitorError


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
    """The ``scheduler`` module (which imports apscheduler), shipped beside ``monitor``: only when a caller needs it."""
    return importlib.import_module("scheduler")
