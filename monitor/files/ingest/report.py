"""The report of one import (what the CLI, the dashboard and the refresh service show), and its summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monitor.errors import Problem

# (stage, step, steps): "read" 1 of 4, "validate" 2, "write" 3, "done" 4.
ProgressCallback = Callable[[str, int, int], None]
# Called with the indicators of an import's valid rows before anything is written (also on a dry run);
# raises (monitor.errors.NotAllowed) when who writes may not write one of them: then nothing is.
Authorize = Callable[[list[Any]], None]


@dataclass
class ImportReport:
    file: str
    batch_id: str
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    dry_run: bool = False
    written: bool = False
    problems: list[Problem] = field(default_factory=list)
    # Every problem found; `problems` lists the first PROBLEMS_KEPT of them (bulk imports).
    problem_count: int = 0
    # Valid rows no target of their indicator can ever use (monitor.files.ingest.uncounted): stored all the
    # same, unless the import is strict (then refused like problems, and nothing is written).
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("problems", "warnings")}
        data["problems"] = [p.as_dict() for p in self.problems]
        data["warnings"] = [p.as_dict() for p in self.warnings]
        return data


def summary(report: ImportReport) -> str:
    first = report.problems[0]
    more = max(report.problem_count, len(report.problems)) - 1
    tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    from monitor.model.plausibility import JUMP_CODES

    held = " or --accept-jumps to take the values held as jumps" if any(
        p.code in JUMP_CODES for p in report.problems) else ""
    return (
        f"{first}{tail}; {report.rejected} of {report.rows} rows invalid, nothing was imported "
        f"(use --skip-invalid to import the valid rows{held})"
    )


def strict_summary(report: ImportReport) -> str:
    """The error of a strict import refused for its warnings."""
    n = len(report.warnings)
    return (f"{report.warnings[0]}; {n} row{'s' if n != 1 else ''} would count for no target, nothing was "
            f"imported (without --strict they are stored and listed as warnings)")
