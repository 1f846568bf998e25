"""Writing: the valid rows classified against the store's current revisions and committed through it.

A bulk import classifies its valid rows (queries.classify_import: new, revised, unchanged) under the
shared lock, then writes them in one transaction under the exclusive lock after a cheap re-check of
what was written since; a batch of up to ``classify_while_writing`` rows does both in the write
session (one wait for the lock). Before either, ``current`` makes sure the rows were checked against
the indicators now in the store (and checks them again when not). Small batches are validated and
written in one session (``write_small``). Nothing is written when the rows are refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import duckdb

from monitor.errors import StoreError, ValidationError
from monitor.files.ingest.report import Authorize, ImportReport, strict_summary, summary
from monitor.files.ingest.uncounted import uncounted_problems
from monitor.files.ingest.validating import check_small, hold_small, number_rows
from monitor.store import queries, schema
from monitor.store.connection import Store


def check_schema(store: Store, db: duckdb.DuckDBPyConnection) -> None:
    if not schema.applied_versions(db):
        raise StoreError(f"database {store.path} has no monitor schema; run `monitor init` first")


def classify_and_write(
    store: Store,
    report: ImportReport,
    current: Callable[[duckdb.DuckDBPyConnection], bool],
    token: Callable[[], tuple[Any, ...]],
    *,
    dry_run: bool,
    recorded_by: str,
    source: str,
    classify_while_writing: int,
    small_batch: int,
    pending: bool = False,
) -> bool:
    """Classify the valid rows (queries.IMPORT_VALID) and, unless a dry run, write them; the counts into
    ``report``. False when ``current`` stopped it (the rows, checked again, are refused: a dry run)."""
    exact = getattr(store, "backend", "file") == "file"
    if not dry_run and report.valid <= classify_while_writing:
        # A small batch: one wait for the lock instead of two. Classifying a few thousand rows by
        # their keys takes a few milliseconds, less than a second session (ATTACH, DETACH) holds it.
        with store.write(priority=report.valid > small_batch) as db:
            current(db)
            classified = queries.classify_import(db, report.valid, for_later_write=False)
            if report.problem_count:
                queries.add_rejected_import(db, report.batch_id, report.file)
            counts = queries.add_imported_readings(db, classified, recorded_by, report.batch_id, source,
                                                     appended_rowids=exact)
            if pending:
                queries.mark_pending(db, report.batch_id)  # review on: counted once approved
        report.written = True
    else:
        with store.read() as db:
            if not current(db):
                return False
            classified = queries.classify_import(db, report.valid)
        if dry_run:
            counts = classified
        else:
            # Under the exclusive lock: a cheap re-check of what was written since the classification,
            # then one INSERT from the spill file.
            with store.write(priority=report.valid > small_batch) as db:
                checked_against = token()
                if not current(db):
                    return False
                if token() != checked_against:
                    # The catalogue changed since the classification: the rows were checked again.
                    classified = queries.classify_import(db, report.valid)
                if report.problem_count:
                    queries.add_rejected_import(db, report.batch_id, report.file)
                counts = queries.add_imported_readings(db, classified, recorded_by, report.batch_id, source,
                                                         appended_rowids=exact)
                if pending:
                    queries.mark_pending(db, report.batch_id)  # review on: counted once approved
            report.written = True
    report.new, report.revised, report.unchanged = counts["new"], counts["revised"], counts["unchanged"]
    return True


def write_small(
    store: Store,
    report: ImportReport,
    rows: Sequence[dict[str, Any]],
    *,
    dry_run: bool,
    skip_invalid: bool,
    recorded_by: str,
    source: str,
    today: date,
    accept_jumps: bool = False,
    strict: bool = False,
    authorize: Authorize | None = None,
    pending: bool = False,
    provenance: Sequence[dict[str, Any]] | None = None,
) -> ImportReport:
    """A small batch validated in Python (validating.check_small), its jumps held unless ``accept_jumps``
    (validating.hold_small), and written, in one session; ``provenance[n - 1]`` goes with row n."""
    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    flagged, blanked, numbered = number_rows(report.file, rows)
    ids = {str(r["indicator_id"]).strip() for _, r in numbered if r.get("indicator_id")}
    report.rows = len(numbered)
    session = store.read if dry_run else store.write
    with session() as db:
        try:
            indicators = queries.indicators_by_id(db, sorted(ids))
        except duckdb.CatalogException as e:
            raise StoreError(f"database {store.path} has no monitor schema; run `monitor init` first") from e
        valid = check_small(report, numbered, flagged, blanked, indicators, today)
        if authorize is not None and valid:
            # Who writes may write these indicators (monitor.services.users.check_writes): else nothing is.
            authorize([indicators[i] for i in sorted({v["indicator_id"] for v in valid}) if i in indicators])
        if valid and not accept_jumps:
            valid = hold_small(db, report, numbered, valid)
        if report.problems and not skip_invalid:
            if dry_run:
                return report
            raise ValidationError(report.problems, summary(report))
        bad = {p.row for p in report.problems}
        numbers = [n for n, _ in numbered if n not in bad]
        report.warnings = uncounted_problems(db, report.file, [
            (n, v["indicator_id"], v["period_start"], v["period_end"]) for n, v in zip(numbers, valid, strict=True)])
        if strict and report.warnings and not dry_run:
            raise ValidationError(report.warnings, strict_summary(report))
        for reading in valid:
            reading["source"] = reading["source"] or source
        if provenance is not None:
            for n, reading in zip(numbers, valid, strict=True):
                reading.update(provenance[n - 1])
        if dry_run:
            counts = queries.classify_staged(db, queries.stage_reading_dicts(db, valid))
        else:
            raw_of = dict(numbered)
            queries.add_rejected(db, [
                [report.batch_id, report.file, p.row, p.column, p.reason, p.value,
                 json.dumps(raw_of.get(p.row or 0), ensure_ascii=False)]
                for p in report.problems
            ])
            counts = queries.add_readings_direct(db, valid, recorded_by, report.batch_id)
            if pending:
                queries.mark_pending(db, report.batch_id)  # review on: counted once approved
            report.written = True
    report.new, report.revised, report.unchanged = counts["new"], counts["revised"], counts["unchanged"]
    return report
