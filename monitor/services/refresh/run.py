"""One refresh run of one source: fetch, parse, import, record the run, detect events, send alerts.

1. fetch the whole content to local disk (URL with retries, inbox files that stopped changing);
   a fetch error fails the run and nothing is imported;
2. import each file through the same pipeline as `monitor import`, with skip_invalid: valid rows are
   upserted in one transaction (same reading twice = one reading; a changed value = a revision),
   invalid rows are quarantined and make the run "partial"; a file that cannot be read at all (or
   lacks a required column) writes nothing. Each file is imported on its own: whatever one file
   raises (a located ValidationError, or any unexpected exception of a reader), it goes to failed/
   with its report and the others are imported; only the store's own failures (StoreError, a full
   disk) leave a file in the inbox for the next run. For a local file that cannot be read, the run
   log, the events and the alerts get its name, row and reason, never its content (quoted text is
   elided; the full problems are in the report beside the file in failed/); for a URL, the readers'
   short escaped excerpts. The run fails when no file could be imported;
3. in one write transaction: record the run, recompute every goal's status for today (in the
   workspace's time zone, monitor.clock), compare with the last known statuses and record events (status changed,
   became stale, source failed, values held: rows far from their indicator's previous reading,
   monitor.model.plausibility, quarantined like invalid rows until someone confirms them; readings
   uncounted: rows stored that no target of their indicator can ever use, monitor.files.ingest.uncounted);
4. deliver undelivered events to the configured alert channels (see alerts.py).

A run of the scheduler gets its leader's ``lease`` (monitor.services.leader.LeaseGuard): every write of steps
2 and 3 then checks, inside its transaction and just before the commit, that this process still holds
the scheduler lease. When it no longer does (a standby took over while the run was fetching, importing
or waiting for the store), that transaction is rolled back, the run stops there (no run row, no
events, no alerts: the new leader refreshes the source), and it is reported as ``abandoned`` with the
reason, logged, and recorded as a ``run_abandoned`` leadership event. Without a lease (`monitor
refresh`, library use) nothing is checked.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor import clock
from monitor.errors import MonitorError, NotAllowed, StoreError, ValidationError
from monitor.model.plausibility import JUMP_CODES
from monitor.services.leader import LeaseGuard, LeaseLost
from monitor.services.refresh import FetchError
from monitor.services.refresh.fetch import Fetched, fetch_file, fetch_inbox, fetch_url, move_done
from monitor.services.refresh.policy import escaped
from monitor.services.refresh.sources import CANONICAL, RefreshConfig, Source
from monitor.store.connection import Store

log = logging.getLogger("monitor.services.refresh")

OUTCOMES = ("ok", "partial", "failed")
# A scheduled run whose scheduler lost the lease before it could record the run: never stored as a
# run row (only as a run_abandoned leadership event), so not one of OUTCOMES.
ABANDONED = "abandoned"


def utc_now() -> datetime:
    """Naive UTC, as every timestamp in the store."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RunResult:
    id: str
    source: str
    kind: str
    location: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = "ok"
    files: int = 0
    rows_seen: int = 0
    rows_new: int = 0
    rows_revised: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    attempts: int = 0
    error: str | None = None
    # Rows held as implausible jumps (quarantined): "file, row n, column 'value': reason" each.
    held: list[str] = field(default_factory=list)
    # Rows stored that count for no target of their indicator (monitor.files.ingest.uncounted), likewise.
    uncounted: list[str] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    @property
    def abandoned(self) -> bool:
        return self.outcome == ABANDONED

    def row(self) -> dict[str, Any]:
        """The refresh_run row."""
        data = {k: v for k, v in asdict(self).items() if k not in ("reports", "events", "deliveries", "held", "uncounted")}
        data["detail"] = json.dumps(self.reports, ensure_ascii=False, default=str)
        return data

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"], data["finished_at"] = _utc(self.started_at), _utc(self.finished_at)
        data["events"] = [{k: e[k] for k in ("id", "kind", "indicator_id", "target_id", "old_status", "new_status")} for e in self.events]
        return data

    def summary(self) -> str:
        text = (f"{self.source}: {self.outcome} — {self.files} file(s), {self.rows_seen} rows: "
                f"{self.rows_new} new, {self.rows_revised} revised, {self.rows_unchanged} unchanged, "
                f"{self.rows_rejected} rejected")
        if self.error:
            text += f"; error: {self.error}"
        return text


# ---------------------------------------------------------------- importing


def _import(store: Store, source: Source, fetched: Fetched, recorded_by: str) -> Any:
    from monitor.files.ingest import import_file, import_rows

    if source.uses_rows:
        from monitor.services.refresh.parse import canonical_rows

        rows = canonical_rows(source, fetched.path, fetched.kind, fetched.name)
        return import_rows(store, rows, source_name=fetched.name, skip_invalid=True, recorded_by=recorded_by)
    return import_file(store, fetched.path, skip_invalid=True, recorded_by=recorded_by, kind=fetched.kind)


def _file_report(source: Source, fetched: Fetched, run_id: str, report: Any = None, error: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"source": source.name, "run_id": run_id, "file": fetched.name, "origin": fetched.origin}
    if report is not None:
        data.update({k: getattr(report, k) for k in ("batch_id", "rows", "valid", "rejected", "new", "revised", "unchanged")})
        data["problems"] = [str(p) for p in report.problems[:100]]
        if len(report.problems) > 100:
            data["problems"].append(f"... and {len(report.problems) - 100} more (see `monitor rejected`)")
    data["error"] = error
    data["imported_at"] = utc_now().isoformat() + "Z"
    return data


def _fetch(source: Source, folder: Path, sleep: Callable[[float], None], store: Store) -> list[Fetched]:
    if source.url:
        return [fetch_url(source, folder, sleep=sleep)]
    if source.is_inbox:
        store_folders, lake_folders, db = store_protection(store)
        return fetch_inbox(source, sleep=sleep, copies=folder / "inbox", store_folders=store_folders,
                           lake_folders=lake_folders, db=db)
    return fetch_file(source, sleep=sleep)


def store_protection(store: Any) -> tuple[list[Path], list[Path], Path | None]:
    """(folders holding the store file, a DuckLake's data folders, the store file) of an open store."""
    if getattr(store, "backend", "file") == "lake":
        data = getattr(store, "data_path", None)
        return [], ([Path(data).resolve()] if data else []), None
    db = Path(store.path).resolve()
    return [db.parent], [], db


# Quoted text in a reader's reason may be the file's own text (a header cell, a line).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|«[^»]*»")
MAX_FAILURES_SHOWN = 5


def _not_the_files_fault(error: Exception) -> bool:
    """The database or the machine failed, not the file: the file stays in the inbox for the next run."""
    if isinstance(error, StoreError):
        return True
    machine = {errno.ENOSPC, errno.ENOMEM, errno.EMFILE, errno.ENFILE, getattr(errno, "EDQUOT", errno.ENOSPC)}
    if isinstance(error, OSError) and error.errno in machine:
        return True
    import duckdb

    return isinstance(error, (duckdb.IOException, duckdb.OutOfMemoryException))


def _where(error: BaseException) -> str:
    """Where in the code an unexpected exception was raised: file:line (no message: it may quote content)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    package = Path(__file__).resolve().parents[2]  # monitor/ (this file is monitor/services/refresh/run.py)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(package)]
    frame = (ours or frames)[-1]  # the deepest frame of this product, else the deepest
    shown = Path(frame.filename).resolve().relative_to(package.parent) if ours else Path(frame.filename).name
    return f" in {shown}:{frame.lineno}"


def _content_free(name: str, error: ValidationError) -> str:
    """A located reason for a local file that cannot be read as readings, without its content.

    Rows and canonical column names are kept; a column named by the file (its header may be the first
    line of anything) and the values are not, and quoted text in the reason is elided.
    """
    if not error.problems:
        return f"{name}: cannot be read as readings"
    first = error.problems[0]
    where = name
    if first.row is not None:
        where += f", row {first.row}"
    if first.column in CANONICAL:
        where += f", column '{first.column}'"
    reason = escaped(_QUOTED.sub("'…'", first.reason), 160)
    more = len(error.problems) - 1
    return f"{where}: {reason}" + (f" (and {more} more problems)" if more else "")


def _failure(source: Source, item: Fetched, error: Exception) -> tuple[str, dict[str, Any]]:
    """(what the run log, events and alerts say about a file that could not be imported, what its
    report beside the file in failed/ adds)."""
    if isinstance(error, ValidationError):
        full = str(error) if str(error).startswith(item.name) else f"{item.name}: {error}"
        extra: dict[str, Any] = {"problems": [str(p) for p in error.problems[:100]]}
        if source.url is None:
            return _content_free(item.name, error), {"error": full, **extra}
        # A response body appears only as the readers quote it: short excerpts, escaped.
        return escaped(full, 300), extra
    shown = f"{item.name}: could not be read (unexpected {type(error).__name__}{_where(error)})"
    log.warning("refresh of %s: %s", source.name, shown)
    log.debug("refresh of %s: %s", source.name, item.name, exc_info=error)
    return shown, {"detail": escaped(error, 300)} if item.inbox_file is not None else {}


def _move(item: Fetched, ok: bool, report: dict[str, Any], failures: list[str]) -> str | None:
    """Move an inbox file with its report; a failure to move is reported, never raised."""
    assert item.inbox_file is not None
    try:
        return str(move_done(item.inbox_file, ok, report))
    except OSError as e:
        failures.append(f"{item.name}: could not be moved to {'processed' if ok else 'failed'}/: {escaped(e.strerror or e, 120)}")
        return None


def _import_all(store: Store, source: Source, result: RunResult, fetched: list[Fetched]) -> None:
    """Import each file on its own: whatever one file raises (a reader's bug included), it is reported
    and moved to failed/, and the others are imported."""
    recorded_by = f"refresh:{source.name}"
    failures: list[str] = []
    succeeded = 0
    for item in fetched:
        try:
            report = _import(store, source, item, recorded_by)
        except LeaseLost:
            raise  # the run stops: see _abandon
        except Exception as e:  # noqa: BLE001 - per-file boundary: one file never stops the others
            if _not_the_files_fault(e):
                # The database, not the file, is the problem: leave an inbox file where it is for next time.
                message = f"{item.name}: {escaped(e, 300)}"
                failures.append(message)
                result.reports.append(_file_report(source, item, result.id, error=message))
                continue
            shown, extra = _failure(source, item, e)
            failures.append(shown)
            file_report = _file_report(source, item, result.id, error=shown)
            if item.inbox_file is not None:
                moved = _move(item, False, {**file_report, **extra}, failures)
                if moved:
                    file_report["moved_to"] = moved
            result.reports.append(file_report)
            continue
        result.rows_seen += report.rows
        result.rows_new += report.new
        result.rows_revised += report.revised
        result.rows_unchanged += report.unchanged
        result.rows_rejected += report.rejected
        # Where and why (figures in the indicator's base unit), never the cell as written.
        result.held += [f"{p.source}, row {p.row}: {p.reason}" for p in report.problems if p.code in JUMP_CODES]
        result.uncounted += [str(p) for p in report.warnings]
        # A file none of whose rows could be taken (a 5000-digit number in every value, say) is a failed
        # file, not a processed one: it goes to failed/ with its report, as a file no reader can read does.
        nothing_taken = report.rows > 0 and report.rejected >= report.rows
        if nothing_taken:
            failures.append(f"{item.name}: every row was refused ({report.rejected}; see the report beside the file)")
        else:
            succeeded += 1
        file_report = _file_report(source, item, result.id, report)
        if nothing_taken:
            file_report["error"] = failures[-1]
        if item.inbox_file is not None:
            moved = _move(item, not nothing_taken, file_report, failures)
            if moved:
                file_report["moved_to"] = moved
        result.reports.append(file_report)
    result.files = len(fetched)
    if failures:
        listed = failures[:MAX_FAILURES_SHOWN]
        if len(failures) > MAX_FAILURES_SHOWN:
            listed.append(f"and {len(failures) - MAX_FAILURES_SHOWN} more (see the run's reports)")
        result.error = "; ".join(listed)
    if failures and not succeeded:
        result.outcome = "failed"
    elif failures or result.rows_rejected:
        result.outcome = "partial"
    else:
        result.outcome = "ok"


# ---------------------------------------------------------------- statuses and events


def goal_key(record: dict[str, Any]) -> str:
    return record["target_id"] or f"indicator:{record['indicator_id']}"


def _reading_of(con: Any, record: dict[str, Any]) -> dict[str, Any] | None:
    """The stored reading a status rests on (its newest), with revision and source."""
    from monitor.store import queries

    if not record["latest_period_end"]:
        return None
    end = date.fromisoformat(record["latest_period_end"])
    start = date.fromisoformat(record["latest_period_start"])
    for r in reversed(queries.list_readings(con, record["indicator_id"])):
        if r.period_end == end and r.period_start == start:
            return {
                "indicator_id": r.indicator_id, "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(), "value": r.value, "qualifier": r.qualifier.value,
                "unit": record["unit"], "revision": r.revision, "source": r.source,
                "recorded_by": r.recorded_by, "recorded_at": r.recorded_at.isoformat() + "Z" if r.recorded_at else None,
            }
    return None


def _both(fn: Callable[[str], str]) -> dict[str, str]:
    return {lang: fn(lang) for lang in ("zh", "en")}


def _goal_payload(con: Any, record: dict[str, Any], as_of: date, old_status: str | None, old_stale: bool | None) -> dict[str, Any]:
    from monitor.present import wording as report
    from monitor.store.profile_queries import read_profile

    workspace = read_profile(con).workspace  # whose monitor this is: an alert says it (when declared)
    return {
        "workspace": {lang: workspace.title(lang) for lang in ("zh", "en")} if workspace is not None else None,
        "indicator_id": record["indicator_id"], "target_id": record["target_id"],
        "name": {"zh": record["name_zh"], "en": record["name_en"]},
        "unit": record["unit"], "as_of": as_of.isoformat(),
        "old_status": old_status, "new_status": record["status"],
        "old_stale": old_stale, "stale": record["stale"],
        "explanation": _both(lambda lang: report.explanation(record, lang)),
        "target": _both(lambda lang: report.target_text(record, lang)),
        "latest": _both(lambda lang: report.latest_text(record, lang)),
        "freshness": _both(lambda lang: report.freshness_text(record, as_of, lang)),
        "ratio": record["ratio"], "margin": record["margin"], "evidence": record["evidence"],
        "last_period_end": record["last_period_end"], "next_due": record["next_due"],
        "days_overdue": record["days_overdue"],
        "reading": _reading_of(con, record),
    }


def _event(kind: str, run: RunResult, now: datetime, payload: dict[str, Any], **columns: Any) -> dict[str, Any]:
    payload = {**payload, "run_id": run.id, "run_source": run.source, "occurred_at": now.isoformat() + "Z"}
    return {
        "id": uuid.uuid4().hex, "run_id": run.id, "kind": kind, "occurred_at": now, "source": run.source,
        "indicator_id": columns.get("indicator_id"), "target_id": columns.get("target_id"),
        "old_status": columns.get("old_status"), "new_status": columns.get("new_status"),
        "payload": json.dumps(payload, ensure_ascii=False, default=str),
    }


def current_statuses(store: Store, as_of: date) -> dict[str, dict[str, Any]]:
    """Status records of the goals (targets), by goal key.

    Detail.BRIEF (monitor.status): the status and staleness of every goal, computed set-wise. It runs
    inside the refresh's write transaction, so its time is time every other writer waits (seen: 3 s
    holds with 1M readings). A retired indicator's goals are left out: no events or alerts about them.
    """
    from monitor.present.catalog_edit import retired_ids
    from monitor.status import Detail, statuses

    retired = retired_ids(store)
    return {goal_key(r): r for r in (s.as_dict() for s in statuses(store, as_of, detail=Detail.BRIEF))
            if r["target_id"] and r["indicator_id"] not in retired}


def _full_record(store: Store, as_of: date, record: dict[str, Any]) -> dict[str, Any]:
    """The record of one goal, with its full evidence, for an event's payload."""
    from monitor.status import Detail, statuses

    for full in statuses(store, as_of, indicator_ids=[record["indicator_id"]], detail=Detail.FULL):
        if full.target_id == record["target_id"]:
            return full.as_dict()
    return record


def record_run(
    store: Store,
    result: RunResult,
    as_of: date,
    baseline: dict[str, dict[str, Any]],
    lease: LeaseGuard | None = None,
) -> list[dict[str, Any]]:
    """Record the run and the events it causes, in one write transaction; return the events.

    A goal's previous status is its last known one (goal_status); a goal seen for the first time is
    compared with its status before this run's import (``baseline``), so the first run of a fresh
    installation reports what it changed, not every goal's state.

    With ``lease`` (a scheduled run), the transaction commits only if this process still holds the
    scheduler lease; else it raises LeaseLost and nothing was written.
    """
    from monitor.store import refresh_queries

    now = utc_now()
    events: list[dict[str, Any]] = []
    with store.write() as con:
        refresh_queries.insert_run(con, result.row())
        records = current_statuses(store, as_of)
        known = refresh_queries.goal_statuses(con)
        updates = []
        for key, record in sorted(records.items()):
            previous = known.get(key) or baseline.get(key)
            old_status = previous["status"] if previous else None
            old_stale = bool(previous["stale"]) if previous else None
            columns = {"indicator_id": record["indicator_id"], "target_id": record["target_id"],
                       "old_status": old_status, "new_status": record["status"]}
            changed = previous is not None and old_status != record["status"]
            went_stale = previous is not None and not old_stale and record["stale"]
            if changed or went_stale:
                payload = _goal_payload(con, _full_record(store, as_of, record), as_of, old_status, old_stale)
                if changed:
                    events.append(_event("status_changed", result, now, payload, **columns))
                if went_stale:
                    events.append(_event("became_stale", result, now, payload, **columns))
            stored = known.get(key)
            if stored is None or stored["status"] != record["status"] or bool(stored["stale"]) != record["stale"]:
                updates.append((key, record["indicator_id"], record["target_id"], record["status"], bool(record["stale"])))
        if result.error:
            events.append(_event("source_failed", result, now, {
                "source": result.source, "location": result.location, "outcome": result.outcome,
                "error": result.error, "attempts": result.attempts,
            }))
        if result.held:
            # "rows" (the first few located problems) and the count let alerts.render word the message in
            # each channel's language; "error" keeps the English sentence for JSON readers and old events.
            shown = result.held[:MAX_FAILURES_SHOWN]
            more = len(result.held) - len(shown)
            events.append(_event("values_held", result, now, {
                "source": result.source, "location": result.location, "outcome": result.outcome,
                "held": len(result.held), "rows": shown, "more": more,
                "error": f"{len(result.held)} value(s) held as implausible jumps and quarantined "
                         f"(`monitor rejected`; import them again with --accept-jumps if right): " + "; ".join(
                             shown + ([f"and {more} more (see `monitor rejected`)"] if more else [])),
            }))
        if result.uncounted:
            # Stored, not refused (a refresh never fails for it): the event says which rows and why.
            shown = result.uncounted[:MAX_FAILURES_SHOWN]
            more = len(result.uncounted) - len(shown)
            events.append(_event("readings_uncounted", result, now, {
                "source": result.source, "location": result.location, "outcome": result.outcome,
                "uncounted": len(result.uncounted), "rows": shown, "more": more,
                "error": f"{len(result.uncounted)} reading(s) stored that count for no target: " + "; ".join(
                    shown + ([f"and {more} more (see `monitor check`)"] if more else [])),
            }))
        refresh_queries.insert_events(con, events)
        refresh_queries.set_goal_statuses(con, updates, as_of, result.id, now)
        if lease is not None:
            # Last, just before the commit: the lease cannot change hands while this transaction
            # holds the store's write lock, and may have while the statuses were computed.
            lease.check(con)
    return events


# ---------------------------------------------------------------- the run


class _LeaseChecked:
    """A store whose write transactions each end with ``lease.check``: what a scheduled run imports
    (through monitor.files.ingest, which takes a store) is committed only while its scheduler leads.
    Everything else (reads, the scratch connection, attributes) is the wrapped store's."""

    def __init__(self, store: Store, lease: LeaseGuard) -> None:
        self._store = store
        self._lease = lease

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def write(self, priority: bool = False) -> Iterator[Any]:
        with self._store.write(priority=priority) as con:
            yield con
            # Raising here, inside the store's write(), rolls the whole transaction back.
            self._lease.check(con)


def _abandon(store: Store, result: RunResult, lease: LeaseGuard, lost: LeaseLost) -> RunResult:
    """The run after a write was refused for the lease: reported, logged, recorded as an event."""
    # Files imported by earlier transactions of this run (while the lease was still held) stay.
    kept = [r["file"] for r in result.reports if r.get("batch_id") and r.get("error") is None]
    written = f"nothing more was written (imported before: {', '.join(kept)})" if kept else "nothing was written"
    result.outcome, result.error = ABANDONED, f"{lost.reason}; {written}"
    result.finished_at = utc_now()
    log.warning("run %s %s: abandoned: %s", result.id, result.source, result.error)
    lease.record_abandoned(store, result.error, {
        "run_id": result.id, "source": result.source, "lease_holder": lost.holder,
    })
    return result


RUN_FOLDER_PREFIX = "monitor-refresh-"
_ORPHANS_CHECKED = False


def _remove_orphaned_folders() -> None:
    """Once per process: the temporary folders of runs whose process is gone (SIGKILL skips cleanup)."""
    global _ORPHANS_CHECKED
    if _ORPHANS_CHECKED:
        return
    _ORPHANS_CHECKED = True
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_FOLDER_PREFIX}*-*"):
        pid = folder.name[len(RUN_FOLDER_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another user's process: alive


def ensure_schema(store: Store) -> None:
    """The database must exist (created by `monitor init`); migrations are applied if missing."""
    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    store.init()


def run_source(
    store: Store,
    config: RefreshConfig,
    source: Source,
    *,
    trigger: str = "cli",
    deliver: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    as_of: date | None = None,
    lease: LeaseGuard | None = None,
) -> RunResult:
    """Refresh one source now. Never raises for a source's failure: that is the run's outcome.

    Statuses are judged as of ``as_of`` (default: today in the workspace's time zone, monitor.clock). With ``lease``
    (the scheduler's), every write checks that the lease is still held; a refused write abandons the
    run (outcome ``abandoned``, the reason in ``error``): see the module's docstring.
    """
    as_of = as_of or clock.today()
    result = RunResult(
        id=uuid.uuid4().hex[:12], source=source.name, kind=source.kind, location=source.location,
        trigger=trigger, started_at=utc_now(),
    )
    baseline = current_statuses(store, as_of)
    importer: Any = store if lease is None else _LeaseChecked(store, lease)
    _remove_orphaned_folders()
    # Removed in the finally below on every exit that runs Python code: an error, Ctrl-C, and SIGTERM
    # (`monitor refresh` and the scheduler turn it into an exception); a SIGKILLed process's folder is
    # removed by the next run (the process id in its name is gone).
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_FOLDER_PREFIX}{os.getpid()}-{source.name}-"))
    try:
        try:
            fetched = _fetch(source, folder, sleep, store)
            result.attempts = max((f.attempts for f in fetched), default=1)
        except FetchError as e:
            result.outcome, result.error, result.attempts = "failed", str(e), e.attempts
        else:
            _import_all(importer, source, result, fetched)
            if not fetched:
                result.reports.append({"note": "no new file" if source.is_inbox else "the file is still being written"})
    except LeaseLost as e:
        assert lease is not None  # only a lease check raises it
        return _abandon(store, result, lease, e)
    except MonitorError as e:  # a broken config value surfaced late, say
        result.outcome, result.error = "failed", escaped(e, 500)
    except Exception as e:  # an unexpected bug must still leave a failed run in the log
        # Its message may quote what was read: the log gets the traceback, the run only where it was.
        log.exception("refresh of %s failed unexpectedly", source.name)
        result.outcome, result.error = "failed", f"unexpected {type(e).__name__}{_where(e)}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result.finished_at = utc_now()
    try:
        result.events = record_run(store, result, as_of, baseline, lease)
    except LeaseLost as e:
        assert lease is not None
        return _abandon(store, result, lease, e)
    log.info("run %s %s", result.id, result.summary())
    for event in result.events:
        log.info("event %s %s %s", event["kind"], event["indicator_id"] or event["source"],
                 f"{event['old_status']} -> {event['new_status']}" if event["kind"] == "status_changed" else "")
    if deliver and config.channels:
        from monitor.services.refresh.alerts import deliver_pending

        result.deliveries = deliver_pending(store, config, sleep=sleep)
    return result


def run_sources(
    store: Store,
    config: RefreshConfig,
    names: Sequence[str] | None = None,
    *,
    trigger: str = "cli",
    sleep: Callable[[float], None] = time.sleep,
    as_of: date | None = None,
    user: Any = None,
) -> list[RunResult]:
    """Refresh the named sources (all enabled ones when ``names`` is empty), one after the other.

    ``user`` (monitor.services.users.User: the dashboard's signed-in user; None for the CLI and the
    scheduler): a source may bring readings of any indicator, so only a writer without domain or office
    limits may run one now (NotAllowed otherwise, before anything is fetched)."""
    if user is not None and not user.may_edit_catalog:
        raise NotAllowed(f"{user.name} may not run a refresh now: a source may bring readings of any indicator, "
                         "and their role or limits do not cover every one")
    ensure_schema(store)
    sources = [config.source(n) for n in names] if names else [s for s in config.sources if s.enabled]
    return [run_source(store, config, s, trigger=trigger, sleep=sleep, as_of=as_of) for s in sources]


def stage_example_samples(config: RefreshConfig) -> list[Path]:
    """On the example sources file only: copy data/inbox-sample/* into its inbox (not already processed).

    What `monitor up` calls on a fresh clone so that the first scheduled run shows a working refresh.
    The sample restates briefing figures, so on a seeded database its rows are "unchanged".
    """
    from monitor.services.refresh.fetch import stage_samples
    from monitor.services.refresh.sources import EXAMPLE_SOURCES

    if config.path.resolve() != EXAMPLE_SOURCES.resolve():
        return []
    samples = EXAMPLE_SOURCES.parent / "inbox-sample"
    inbox = next((s.path for s in config.sources if s.enabled and s.is_inbox), None)
    if inbox is None or not samples.is_dir():
        return []
    done = {p.name for p in (inbox / "processed").glob("*")} if (inbox / "processed").is_dir() else set()
    return [p for p in stage_samples(samples, inbox, skip=done)]


# ---------------------------------------------------------------- views for the CLI and the dashboard


def _local(ts: datetime | None, config: RefreshConfig) -> str | None:
    # Shown in the workspace's zone (monitor.clock), like every other time, whatever zone the sources
    # file schedules cron in (``config`` is kept for the callers; the zone is not the file's).
    shown = clock.local(ts)
    return shown.isoformat(timespec="seconds") if shown else None


def _utc(ts: datetime | None) -> str | None:
    return ts.isoformat(timespec="seconds") + "Z" if ts else None


def run_rows(store: Store, config: RefreshConfig, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Run history, newest first; times in UTC ('Z') and in the workspace's time zone ('_local', with its offset)."""
    from monitor.store import refresh_queries

    if not store.exists:
        return []
    with store.read() as con:
        rows = refresh_queries.list_runs(con, source, limit)
    out = []
    for r in rows:
        r = dict(r)
        r["detail"] = json.loads(r["detail"]) if r["detail"] else []
        r["started_local"] = _local(r["started_at"], config)
        r["finished_local"] = _local(r["finished_at"], config)
        r["started_at"], r["finished_at"] = _utc(r["started_at"]), _utc(r["finished_at"])
        out.append(r)
    return out


def event_rows(store: Store, config: RefreshConfig, limit: int = 50, lang: str | None = None) -> list[dict[str, Any]]:
    """Events, newest first, each with its message in ``lang`` (default: the configured language)."""
    from monitor.services.refresh.alerts import render
    from monitor.store import refresh_queries

    if not store.exists:
        return []
    with store.read() as con:
        rows = refresh_queries.list_events(con, limit)
    out = []
    for r in rows:
        r = dict(r)
        title, _, plain = render(r, lang or config.lang, config)
        r["payload"] = json.loads(r["payload"])
        r["title"], r["message"] = title, plain
        r["occurred_local"] = _local(r["occurred_at"], config)
        r["occurred_at"] = _utc(r["occurred_at"])
        out.append(r)
    return out


def source_rows(store: Store, config: RefreshConfig) -> list[dict[str, Any]]:
    """Every configured source with its schedule and its last run (next run times: scheduler.py)."""
    from monitor.store import refresh_queries

    last: dict[str, dict[str, Any]] = {}
    if store.exists:
        with store.read() as con:
            last = refresh_queries.last_run_per_source(con)
    rows = []
    for s in config.sources:
        run = last.get(s.name)
        rows.append({
            "name": s.name, "kind": s.kind, "location": s.location, "schedule": s.schedule,
            "enabled": s.enabled, "inbox": s.is_inbox,
            "last_outcome": run["outcome"] if run else None,
            "last_started_at": _utc(run["started_at"]) if run else None,
            "last_started_local": _local(run["started_at"], config) if run else None,
            "last_error": run["error"] if run else None,
        })
    return rows
