"""The overview's filters as one object, shared by the overview and the progress report built from it.

``GoalFilter`` holds every filter the overview offers — domains, statuses, words, overdue only, goals with
a target only, natures, the source document, whether retired indicators are included, and "as known on"
— so the 下载报告 button hands the report exactly what the overview shows (monitor.present.report).
No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from monitor.present.overview import filter_rows, goal_records
from monitor.store.connection import Store

__all__ = ["GoalFilter"]


@dataclass(frozen=True, slots=True)
class GoalFilter:
    """Empty fields keep everything (and leave retired indicators out, as the overview does)."""

    domains: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    text: str = ""
    stale_only: bool = False
    targets_only: bool = False
    natures: tuple[str, ...] = ()
    source: str | None = None  # a source document's id (the catalogue's `sources:`)
    include_retired: bool = False
    known_on: date | None = None  # the store as it was known on this day

    def records(self, store: Store, records: Iterable[dict[str, Any]], as_of: date | None = None) -> list[dict[str, Any]]:
        """The status records (of ``as_of``) of the goals the catalogue-level filters keep (retired by
        then, source document)."""
        return goal_records(store, records, self.include_retired, self.source, as_of)

    def rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The overview rows (monitor.present.overview.overview_rows) the row filters keep."""
        return filter_rows(rows, domains=self.domains, statuses=self.statuses, text=self.text,
                           stale_only=self.stale_only, targets_only=self.targets_only, natures=self.natures)
