"""Reading files (CSV, XLSX, Parquet, JSON) and single readings: parse, validate, store.

Every input goes through one pipeline so `monitor add`, `monitor import`, the dashboard and the
scheduled refreshes apply the same rules:

1. stage: a view over DuckDB's own reader of the file (never a copy of it), with the row number a
   spreadsheet would show (header = row 1); the file is opened and checked by ``monitor.files.readers``
   (regular file, encoding, line lengths; XLSX and JSON read there, within its caps);
2. one streaming pass (no lock held for large files): numbers and dates in set-based SQL (only the
   cells SQL cannot read, such as full-width digits, "2.3万" or "2025年6月", go through the Python
   parsers, as UDFs), every rule checked against a snapshot of the indicators, and every row written
   typed, with its problems, to a spill file on disk; duplicates within the file from a second pass
   over the spill; only the problems are kept in memory (the first PROBLEMS_KEPT listed, all counted);
3. classify the valid rows against the store's current revisions under the shared lock;
4. write in one transaction under the exclusive lock: a cheap re-check of the readings written since
   (3), then all valid rows as new readings or revisions in one INSERT, or nothing.

Small batches (`monitor add`, the dashboard's form, short feeds) are validated in Python instead
(``monitor.model.validate``, the same rules) and written with two statements.

The package: ``reading`` stages (1), ``validating`` checks (2, and the small batches' rules),
``writing`` classifies and commits (3, 4), ``housekeeping`` keeps the scratch connection and its spill
folders; this module orchestrates them and holds the tunables below (read at each import, so tests
may change them). Every SQL statement is ``monitor.store``'s (``import_queries`` and ``queries``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from monitor import clock
from monitor.errors import Problem, StoreError, ValidationError
from monitor.files.ingest import housekeeping
from monitor.files.ingest.reading import (
    CANONICAL_COLUMNS,
    IGNORED_COLUMNS,
    MAX_LINE_BYTES,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SUPPORTED,
    _Source,
    stage_file,
    stage_rows,
)
from monitor.files.ingest.report import Authorize, ImportReport, ProgressCallback, strict_summary, summary
from monitor.files.ingest.uncounted import uncounted_problems
from monitor.files.ingest.validating import find_problems, hold_jumps, validate_pass
from monitor.files.ingest.writing import check_schema, classify_and_write, write_small
from monitor.model import validate as _rules
from monitor.model.problems import nested
from monitor.store import import_queries, queries
from monitor.store.connection import Store

__all__ = [
    "CANONICAL_COLUMNS", "CLASSIFY_WHILE_WRITING", "IGNORED_COLUMNS", "IMPORT_MEMORY_LIMIT", "MAX_LINE_BYTES",
    "OPTIONAL_COLUMNS", "PROBLEMS_KEPT", "REQUIRED_COLUMNS", "SMALL_BATCH", "SMALL_INPUT_BYTES", "SUPPORTED",
    "ImportReport", "ProgressCallback", "add_reading", "import_file", "import_rows", "stage_file", "stage_rows",
]

# ---------------------------------------------------------------- the streaming pipeline
#
# 1. read session (shared lock): the indicators, into the scratch connection;
# 2. no lock: one pass over the file (DuckDB's reader, streamed in vectors, parallel where it can):
#    parse, validate and write every row, typed and with its problems, to a spill file on disk
#    (Parquet); only problems are kept in memory, and only up to PROBLEMS_KEPT of them in Python;
#    duplicates within the file come from a second pass over the spill (hashed keys);
# 3. read session (shared lock): classify the valid rows against the current revisions in the store
#    (new / unchanged / revision), remembering how many readings the store had then;
# 4. write session (exclusive lock): if readings were added since (3), classify again only the rows
#    whose (indicator, period) gained one; then one INSERT from the spill.

# DuckDB's memory limit while an import runs on the store's own connection (file stores): the pass
# streams; what has to see the whole file (the key hashes for duplicates, the join with the current
# revisions, the insert's transaction-local rows until COMMIT) spills to a temporary folder beyond it.
# None: the MONITOR_IMPORT_MEMORY setting (monitor/settings.py), read at each import.
IMPORT_MEMORY_LIMIT: str | None = None
# Problems returned in the report (all are counted, and all are quarantined with --skip-invalid).
PROBLEMS_KEPT = 10_000

# Inputs up to this size run without the memory limit (their whole working set is smaller).
SMALL_INPUT_BYTES = 4 << 20
# Up to this many valid rows, the classification runs in the write session (see writing.classify_and_write).
CLASSIFY_WHILE_WRITING = 20_000

# Up to this many rows, validation runs in Python inside the write transaction (monitor.model.validate):
# a few statements instead of the bulk pipeline's few dozen, so single writes hold the lock briefly.
SMALL_BATCH = 200


def _run_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    stack: ExitStack,
    stage: Callable[[], _Source],
    report: ImportReport,
    *,
    dry_run: bool,
    skip_invalid: bool,
    recorded_by: str,
    source: str,
    today: date,
    progress: ProgressCallback | None,
    rows_required: bool = True,
    accept_jumps: bool = False,
    strict: bool = False,
    authorize: Authorize | None = None,
    pending: bool = False,
) -> ImportReport:
    staged = stage()  # file-level problems (header, encoding, type) raise before the store is read
    # Checked first: a write session creates a missing file, and without the schema validation
    # failed with DuckDB's "Table with name indicator does not exist" (a traceback in the CLI).
    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    if staged.size > SMALL_INPUT_BYTES and getattr(store, "backend", "file") == "file":
        housekeeping.limit_memory(con, stack, IMPORT_MEMORY_LIMIT)
    location = str(getattr(store, "location", store.path))

    def snapshot(db: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
        """Inside a session: the indicators into the scratch connection; their token."""
        token = queries.snapshot_indicators(db)
        housekeeping.INDICATORS[id(con)] = (con, location, token)
        return token

    def judge(db: duckdb.DuckDBPyConnection) -> None:
        """The valid rows against the store: held as jumps unless accepted; warned about if they count for no target."""
        if authorize is not None and report.valid:
            # Who writes may write these indicators (monitor.services.users.check_writes): else nothing is.
            ids = sorted({i for _, i, _, _ in import_queries.valid_periods(db)})
            authorize(list(queries.indicators_by_id(db, ids).values()))
        if not accept_jumps:
            hold_jumps(db, con, report, PROBLEMS_KEPT)
        if report.valid:
            rows = [(n, i, s, e) for n, i, s, e in import_queries.valid_periods(db)]
            report.warnings = uncounted_problems(db, report.file, rows, PROBLEMS_KEPT)

    def check(db: duckdb.DuckDBPyConnection | None = None) -> None:
        """The pass over the file (no lock held), the problems, and the rows held as jumps from their
        previous readings (in ``db``, a session, or a read session of its own) unless accepted."""
        report.rows = validate_pass(con, staged, folder / "rows.parquet", today)
        if report.rows == 0 and rows_required:
            raise ValidationError([Problem(report.file, None, None, "problem.no_rows")])
        report.problems, report.problem_count = [], 0
        find_problems(con, report, PROBLEMS_KEPT)
        report.warnings = []
        if report.valid:
            if db is None:
                with store.read() as session:
                    judge(session)
            else:
                judge(db)
        if report.problem_count and not dry_run:
            import_queries.stage_rejected(con)  # the rejected rows' cells, read before any lock is taken

    def go_on() -> bool:
        """Whether to classify and write: no problems, or --skip-invalid; a dry run stops; else raise."""
        if report.problems and not skip_invalid:
            if dry_run:
                return False
            raise ValidationError(report.problems, summary(report))
        if strict and report.warnings and not dry_run:
            raise ValidationError(report.warnings, strict_summary(report))
        return True

    cached = housekeeping.INDICATORS.get(id(con))
    token = cached[2] if cached is not None and cached[0] is con and cached[1] == location else None
    fresh = token is None
    if fresh:
        with store.read() as db:
            check_schema(store, db)
            token = snapshot(db)
    check()
    if report.problems and not fresh:
        # Checked against the snapshot an earlier import left: before blaming the rows, make sure it is
        # still current (an indicator added or changed since would explain the problems).
        with store.read() as db:
            check_schema(store, db)
            if queries.indicators_token(db) != token:
                token = snapshot(db)
                fresh = False
            else:
                fresh = True
        if not fresh:
            check()
    if progress:
        progress("validate", 2, 4)
    if not go_on():
        return report
    if progress:
        progress("write", 3, 4)

    def current(db: duckdb.DuckDBPyConnection) -> bool:
        """Inside the classifying session: whether the rows were checked against the current
        indicators, or now are (rare: a catalogue import since the snapshot; checked again)."""
        nonlocal token
        check_schema(store, db)
        if queries.indicators_token(db) == token:
            return True
        token = snapshot(db)
        check(db)
        return go_on()

    def current_token() -> tuple[Any, ...]:
        assert token is not None
        return token

    if not classify_and_write(store, report, current, current_token, dry_run=dry_run, recorded_by=recorded_by,
                              source=source, classify_while_writing=CLASSIFY_WHILE_WRITING,
                              small_batch=SMALL_BATCH, pending=pending):
        return report
    if progress:
        progress("done", 4, 4)
    return report


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    recorded_by: str = "import",
    today: date | None = None,
    progress: ProgressCallback | None = None,
    kind: str | None = None,
    accept_jumps: bool = False,
    strict: bool = False,
    authorize: Authorize | None = None,
    pending: bool = False,
) -> ImportReport:
    """Import a reading file in one transaction: every valid row, or (by default) nothing if any is invalid.
    A row far from its indicator's previous reading (monitor.model.plausibility) is held like an invalid one
    unless ``accept_jumps``. A row no target of its indicator can ever use is listed in ``warnings``
    (monitor.files.ingest.uncounted) and stored, unless ``strict``: then nothing is written."""
    file = Path(path)
    bad_name = _rules.control_rule(file.name)
    if bad_name is not None:
        # The name becomes each reading's source and is printed in every report: refused like such text.
        raise ValidationError([Problem(_rules.escape_controls(file.name), None, None, "problem.file_name",
                                       {"reason": nested(*bad_name)})])
    report = ImportReport(file=file.name, batch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    with housekeeping.import_scratch(store) as (con, folder, stack):
        if progress:
            progress("read", 1, 4)
        return _run_import(
            store, con, folder, stack, lambda: stage_file(con, file, kind, stack), report, dry_run=dry_run,
            skip_invalid=skip_invalid, recorded_by=recorded_by, source=file.name, today=today or clock.today(),
            progress=progress, accept_jumps=accept_jumps, strict=strict, authorize=authorize, pending=pending,
        )


def import_rows(
    store: Store,
    rows: Sequence[dict[str, Any]],
    *,
    source_name: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    recorded_by: str = "cli",
    today: date | None = None,
    accept_jumps: bool = False,
    strict: bool = False,
    authorize: Authorize | None = None,
    pending: bool = False,
    provenance: Sequence[dict[str, Any]] | None = None,
) -> ImportReport:
    """Import readings given as dictionaries with the canonical columns (values as text or numbers); as
    ``import_file`` (warnings, ``strict``). ``provenance``: per row, its quote, source_date, speaker and
    office (a drafted reading's sentence, monitor.files.draft), stored with it; small batches only."""
    report = ImportReport(file=source_name, batch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    if provenance is not None and len(rows) > SMALL_BATCH:
        raise ValueError(f"provenance is kept for up to {SMALL_BATCH} readings at a time")
    if len(rows) <= SMALL_BATCH:
        return write_small(
            store, report, rows, dry_run=dry_run, skip_invalid=skip_invalid, recorded_by=recorded_by,
            source=source_name, today=today or clock.today(), accept_jumps=accept_jumps, strict=strict,
            authorize=authorize, pending=pending, provenance=provenance,
        )
    with housekeeping.import_scratch(store) as (con, folder, stack):
        return _run_import(
            store, con, folder, stack, lambda: stage_rows(con, source_name, rows), report, dry_run=dry_run,
            skip_invalid=skip_invalid, recorded_by=recorded_by, source=source_name, today=today or clock.today(),
            progress=None, rows_required=False, accept_jumps=accept_jumps, strict=strict,
            authorize=authorize, pending=pending,
        )


def add_reading(
    store: Store,
    indicator_id: str,
    value: str | float,
    period_end: str | date,
    *,
    period_start: str | date | None = None,
    unit: str | None = None,
    qualifier: str | None = None,
    source: str | None = None,
    note: str | None = None,
    recorded_by: str = "cli",
    today: date | None = None,
    accept_jumps: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    authorize: Authorize | None = None,
    pending: bool = False,
) -> ImportReport:
    """Append one reading through the same validation as a file import; a value far from the indicator's
    previous reading is refused (problem.jump_*) unless ``accept_jumps`` (the user confirmed it).
    ``dry_run``: check only (the form's echo before Save). A reading no target can ever use is stored with
    a warning in the report (``warnings``), or refused when ``strict``."""
    row = {
        "indicator_id": indicator_id,
        "value": value,
        "period_end": period_end,
        "period_start": period_start,
        "unit": unit,
        "qualifier": qualifier,
        "source": source or recorded_by,
        "note": note,
    }
    try:
        report = import_rows(store, [row], source_name="reading", recorded_by=recorded_by, today=today,
                             accept_jumps=accept_jumps, dry_run=dry_run, strict=strict, authorize=authorize, pending=pending)
        if report.problems:  # a dry run returns its problems: raised as the write would
            raise ValidationError(report.problems)
        return single(report)
    except ValidationError as e:
        # One reading has no file or row: name only the field.
        problems = [Problem("reading", None, p.column, p.code, p.params, p.value) for p in e.problems]
        raise ValidationError(problems) from e


def single(report: ImportReport) -> ImportReport:
    """A one-reading report's warnings without a row number (one reading has no file or row)."""
    report.warnings = [Problem("reading", None, p.column, p.code, p.params, p.value) for p in report.warnings]
    return report
