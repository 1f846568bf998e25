"""Drafting a catalogue from a document's text (`monitor draft`, docs/drafting.md).

Contract: ``draft_file(path, source_id=None, document_day=None)`` reads the document through
monitor.files.readers.read_document_text (UTF-8/GB18030 text, .docx, .pdf with a text layer), finds every
quantified statement (monitor.files.draft.extract) and returns a ``Draft``: its rows and the source
document entry (id: ``source_id`` or one made from the file's name, ``source_id_of``; title: the file's
name; date: ``document_day``, else a full date in the text,
else None and the rows' undated periods fall back to today's date given by the caller). ``Draft.workbook()``
is the catalogue template's workbook with a 草稿 sheet (monitor.files.draft.workbook). Nothing is stored.

Files layer: imports monitor.model, monitor.errors and monitor.files only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from monitor import clock
from monitor.errors import Problem, ValidationError
from monitor.files.draft.extract import DraftRow, document_date, draft_rows
from monitor.files.draft.score import Expected, Score, expected_from_catalog, score


@dataclass
class Draft:
    rows: list[DraftRow]
    source: dict[str, Any]
    text: str

    def workbook(self) -> bytes:
        from monitor.files.draft.workbook import write_draft

        return write_draft(self.rows, self.source)


def _day_in_name(name: str) -> date | None:
    """A YYYY-MM-DD (or YYYYMMDD) date in a file's name, as offices name their copies of a document."""
    found = re.search(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)", name)
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def draft_text(text: str, source_id: str, document_day: date | None, today: date, name: str = "") -> Draft:
    # Where the document's date comes from matters: "3年至5年内" is counted from it. Said in the source
    # entry ("date_from") so the CLI and the page can warn when it is only today's date.
    candidates = ((document_day, "given"), (document_date(text), "text"), (_day_in_name(name), "file name"))
    day, origin = next(((d, o) for d, o in candidates if d is not None), (today, "today"))
    rows = draft_rows(text, day)
    source = {"id": source_id, "kind": "其他", "title": name or source_id, "date": day, "date_from": origin}
    return Draft(rows, source, text)


def source_id_of(stem: str, text: str) -> str:
    """A document's source id from its file name: the name's ASCII letters and digits ("work-report"). A name
    that loses other characters ("政府工作报告", "2025年报告") would collide with another document's (both
    "draft", or "2025"), and a second import would overwrite the first's source entry: such an id ends with
    8 hex digits of the text's SHA-256 instead ("draft-1a2b3c4d", "2025-1a2b3c4d"), the same for the same text."""
    ascii_part = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")
    if ascii_part and re.fullmatch(r"[A-Za-z0-9._ -]+", stem):
        return ascii_part
    return f"{ascii_part or 'draft'}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def draft_file(path: str | Path, source_id: str | None = None, document_day: date | None = None,
               today: date | None = None) -> Draft:
    from monitor.files.readers import read_document_text

    path = Path(path)
    text = read_document_text(path)
    sid = source_id or source_id_of(path.stem, text)
    return draft_text(text, sid, document_day, today or clock.today(), path.name)


__all__ = ["Draft", "DraftRow", "Expected", "Score", "draft_file", "draft_text", "expected_from_catalog", "import_rows",
           "import_workbook", "relocated", "score"]


PROVENANCE_KEYS = ("quote", "source_date", "speaker", "office")


def import_rows(store: Any, rows: list[DraftRow], source: dict[str, Any], who: str, *, authorize: Any = None,
                pending: bool = False, accept_jumps: bool = False, today: date | None = None) -> dict[str, Any]:
    """Import reviewed rows: the draft's workbook (monitor.files.draft.workbook) written to a temporary
    file and imported as ``import_workbook`` imports a reviewed one."""
    import tempfile

    from monitor.files.draft.workbook import write_draft

    with tempfile.TemporaryDirectory(prefix="monitor-draft-") as folder:
        file = Path(folder) / f"{source['id']}.xlsx"
        file.write_bytes(write_draft(rows, source))
        try:
            return import_workbook(store, file, who, authorize=authorize, pending=pending,
                                   accept_jumps=accept_jumps, today=today)
        except ValidationError as e:
            raise ValidationError(relocated(e.problems, rows, source), str(e)) from e


def relocated(problems: list[Problem], rows: list[DraftRow], source: dict[str, Any]) -> list[Problem]:
    """Problems at a row of the draft workbook's 指标 or 读数 sheet, moved to the draft row it was made
    from: source "draft", row = its position in ``rows`` (1-based); others unchanged."""
    from monitor.files.draft.workbook import base_year, reading_rows, template_rows

    sheets = {"指标": template_rows(rows, str(source["id"]), base_year(source)), "读数": reading_rows(rows, source)}
    out = []
    for p in problems:
        sheet = next((rows_of for title, rows_of in sheets.items() if p.source.endswith(f"sheet {title}")), None)
        if sheet is not None and isinstance(p.row, int) and 2 <= p.row < len(sheet) + 2:
            out.append(Problem("draft", int(sheet[p.row - 2]["no"]), p.column, p.code, p.params, p.value))
        else:
            out.append(p)
    return out


def import_workbook(store: Any, path: Path, who: str, *, authorize: Any = None, pending: bool = False,
                    accept_jumps: bool = False, today: date | None = None, strict: bool = False,
                    redefine: bool = False) -> dict[str, Any]:
    """Import a draft workbook: its 指标 sheet as catalogue entries, each with its sentence as provenance
    (a target's 原文, an actual's 指标说明), through the template's reader and ``import_catalog`` (the
    checks of `monitor catalog import`); then its 读数 sheet as readings through
    ``monitor.files.ingest.import_rows`` (the validation, plausibility, review and write limits of every
    import), each with its sentence as quote and the document as source.

    All or nothing: the readings are checked first (the rules of every import against the catalogue's
    indicators; a dry run for indicators already stored, which finds values far from their previous
    reading), and a ValidationError located at "FILE, sheet 读数", row and column leaves the store
    untouched; then the catalogue and the readings are written in one transaction, so a refusal found only
    while writing (``strict``, ``authorize``) leaves it untouched too. The result is import_catalog's with the readings' counts and warnings."""
    from monitor.files.catalog import import_catalog, read_profile
    from monitor.files.catalog_xlsx import load_catalog_xlsx
    from monitor.files.draft.workbook import read_readings
    from monitor.files.ingest import SMALL_BATCH
    from monitor.files.ingest import import_rows as import_readings
    from monitor.model.validate import check_rows
    from monitor.store import queries

    day = today or clock.today()
    known = None
    if store.exists:
        store.init()  # an older store gains the tables the profile is read from
        known = read_profile(store).domains
    # Read first: an invalid file must not leave an empty database behind.
    catalog = load_catalog_xlsx(path, known or None)
    where, sheet = read_readings(path)
    numbers = [n for n, _ in sheet]
    cells = [{k: None if v is None else (v if isinstance(v, (int, float)) else str(v))
              for k, v in row.items() if k not in PROVENANCE_KEYS} for _, row in sheet]
    provenance = [{k: _provenance_cell(k, row.get(k)) for k in PROVENANCE_KEYS} for _, row in sheet]
    bad = [Problem(where, n, k, *rule, str(row.get(k))) for n, row in sheet for k in PROVENANCE_KEYS
           if (rule := _provenance_rule(k, row.get(k))) is not None]

    def located(problems: list[Problem]) -> list[Problem]:
        """Row k of the readings given to the import is the sheet's row numbers[k - 1]."""
        return [Problem(where, numbers[p.row - 1] if p.row else None, p.column, p.code, p.params, p.value)
                for p in problems]

    if bad:
        raise ValidationError(bad, f"{bad[0]}; nothing was imported")
    store.init()
    if cells:
        indicators = {i.id: i for i in catalog.indicators}
        with store.read() as con:
            stored = queries.indicators_by_id(con, sorted({str(c.get("indicator_id") or "").strip() for c in cells}))
        # New indicators: the rules of every import, against the catalogue's definitions.
        fresh = [(n, c) for n, c in zip(numbers, cells, strict=True) if str(c.get("indicator_id") or "").strip() not in stored]
        _, problems = check_rows(fresh, {**stored, **indicators}, day, where)
        # Indicators already stored: a dry run of the import itself (their previous readings, write limits).
        old = [k for k, c in enumerate(cells) if str(c.get("indicator_id") or "").strip() in stored]
        if old:
            report = import_readings(store, [cells[k] for k in old], source_name=where, dry_run=True, today=day,
                                     accept_jumps=accept_jumps, authorize=authorize)
            problems += [Problem(where, numbers[old[p.row - 1]] if p.row else None, p.column, p.code, p.params, p.value)
                         for p in report.problems]
        # A 指标 row deleted or its id renamed while 读数 keeps the old id: said as such, not "see `monitor indicators`".
        problems = [Problem(p.source, p.row, p.column, "problem.not_on_indicator_sheet", {}, p.value)
                    if p.code == "problem.unknown_indicator" else p for p in problems]
        if problems:
            problems.sort(key=lambda p: (p.row or 0, p.column or ""))
            raise ValidationError(problems, f"{problems[0]}; nothing was imported")
    source_id = catalog.source or path.stem
    # One write transaction for the catalogue and its readings (import_catalog's and the readings import's
    # own sessions join it, monitor.store.base): a refusal found only while writing (--strict's readings
    # that count for no target, a user not allowed an indicator, a change by another writer) leaves
    # nothing of the file behind.
    with store.write():
        result: dict[str, Any] = import_catalog(store, catalog, recorded_by=f"draft:{source_id}", changed_by=who,
                                                strict=strict, redefine=redefine, file_name=path.name)
        result["readings_new"] = result["readings_revised"] = result["readings_unchanged"] = 0
        # In batches the readings import keeps provenance for (its small-batch path); one for any real document.
        for first in range(0, len(cells), SMALL_BATCH):
            batch = slice(first, first + SMALL_BATCH)

            def moved(problems: list[Problem], offset: int = first) -> list[Problem]:
                return located([Problem(p.source, p.row + offset if p.row else None, p.column, p.code, p.params, p.value)
                                for p in problems])

            try:
                report = import_readings(store, cells[batch], source_name=where, recorded_by=who, today=day,
                                         authorize=authorize, pending=pending, accept_jumps=accept_jumps,
                                         provenance=provenance[batch], strict=strict)
            except ValidationError as e:
                # Strict's uncounted readings, a refused user, a change since the check: the transaction ends.
                problems = moved(e.problems)
                raise ValidationError(problems, f"{problems[0] if problems else e}; nothing was imported") from e
            result["readings_new"] += report.new
            result["readings_revised"] += report.revised
            result["readings_unchanged"] += report.unchanged
            result["warnings"] = [*result["warnings"], *moved(report.warnings)]
    return result


def _provenance_rule(key: str, value: Any) -> tuple[str, dict[str, Any]] | None:
    """Why a provenance cell cannot be stored (a date that is none, control characters), else None."""
    from monitor.model.validate import control_rule

    if value is None or isinstance(value, date) or str(value).strip() == "":
        return None
    if key == "source_date":
        try:
            date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return "problem.not_a_date", {}
        return None
    return control_rule(str(value), multiline=False)


def _provenance_cell(key: str, value: Any) -> Any:
    """A provenance cell as the store keeps it: text, or a date for source_date (ISO text in the sheet)."""
    if value is None or str(value).strip() == "":
        return None
    if key == "source_date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return None
    return str(value).strip()
