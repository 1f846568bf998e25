"""One exception hierarchy for the whole product.

The CLI turns a MonitorError into one line on stderr and an exit code; the dashboard into a
translated message. Lower layers raise the most specific subclass and chain the cause
(``raise ... from e``) so nothing of the original error is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.model.problems import render


class MonitorError(Exception):
    """Base of every error the product reports to a user."""

    exit_code = 1


class ConfigError(MonitorError):
    """A configuration value (database location, sources file, option) is unusable."""

    exit_code = 2


class NotFound(MonitorError):
    """An indicator, target or other named object does not exist."""

    exit_code = 3


class NotAllowed(MonitorError):
    """The person acting may not do this: their role, or the domains and offices they are limited to
    (monitor.services.users), or a reviewer approving their own entry. Nothing was written."""

    exit_code = 77  # EX_NOPERM


class StoreError(MonitorError):
    """The database could not be read or written."""

    exit_code = 4


class StoreBusy(StoreError):
    """Another process held the store longer than the wait bound; nothing was written."""

    exit_code = 75  # EX_TEMPFAIL: the caller may retry

    def __init__(self, path: str, waited_s: float) -> None:
        super().__init__(
            f"database busy: {path} was locked by another process for {waited_s:.1f} s; "
            "nothing was written, retry"
        )
        self.path = path
        self.waited_s = waited_s


@dataclass(frozen=True)
class Problem:
    """One invalid field of one input row: where it is and why it is rejected.

    Why is a code of monitor.model.problems.PROBLEMS and its parameters; ``reason`` is their English.
    """

    source: str  # file name, "<cli>" or a source name
    row: int | None  # 1-based data row (header excluded); None for file-level problems
    column: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    value: str | None = None

    @property
    def reason(self) -> str:
        """The English of the problem (the CLI, logs, run reports and stored rejected rows print it)."""
        return render(self.code, self.params)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON output: where, the English reason, the code and its parameters."""
        return {"source": self.source, "row": self.row, "column": self.column, "reason": self.reason,
                "value": self.value, "code": self.code, "params": dict(self.params)}

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.column and self.row is None and ("." in self.column or "[" in self.column):
            where += f", {self.column}"  # a catalogue entry path: indicator 'x'.targets[0].comparator
        elif self.column:
            where += f", column '{self.column}'"
        shown = "" if self.value is None or quotes(self.reason, self.value) else f" (got {self.value[:80]!r})"
        return f"{where}: {self.reason}{shown}"


def quotes(reason: str, value: str) -> bool:
    """Whether ``reason`` already quotes ``value`` (the parsers do): "(got ...)" would say it twice."""
    text = value.strip()
    return bool(text) and repr(text[:40])[:-1] in reason


class ValidationError(MonitorError):
    """Input rejected: carries every problem found, each naming source, row and column."""

    exit_code = 5

    def __init__(self, problems: list[Problem], summary: str | None = None) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(summary or f"{first}{more}")
