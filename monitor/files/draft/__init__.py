"""Drafting a catalogue from a document's text (`monitor draft`, docs/drafting.md).

Contract: ``draft_file(path, source_id=None, document_day=None)`` reads the document through
monitor.files.readers.read_document_text (UTF-8/GB18030 text, .docx, .pdf with a text layer), finds every
quantified statement (monitor.files.draft.extract) and returns a ``Draft``: its rows and the source
document entry (id: ``source_id`` or the file's stem; date: ``document_day``, else a full date in the text,
else None and the rows' undated periods fall back to today's date given by the caller). ``Draft.workbook()``
is the catalogue template's workbook with a 草稿 sheet (monitor.files.draft.workbook). Nothing is stored.

Files layer: imports monitor.model, monitor.errors and monitor.files only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from monitor import clock
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
    source = {"id": source_id, "kind": "其他", "title": source_id, "date": day, "date_from": origin}
    return Draft(rows, source, text)


def draft_file(path: str | Path, source_id: str | None = None, document_day: date | None = None,
               today: date | None = None) -> Draft:
    from monitor.files.readers import read_document_text

    path = Path(path)
    text = read_document_text(path)
    sid = source_id or re.sub(r"[^a-z0-9-]+", "-", path.stem.lower()).strip("-") or "draft"
    return draft_text(text, sid, document_day, today or clock.today(), path.name)


__all__ = ["Draft", "DraftRow", "Expected", "Score", "draft_file", "draft_text", "expected_from_catalog", "import_rows",
           "score"]


def import_rows(store: Any, rows: list[DraftRow], source: dict[str, Any], who: str) -> dict[str, Any]:
    """Import reviewed rows as catalogue entries, each with its sentence as provenance (a target's 原文, an
    actual's 指标说明): through the template's workbook and the catalogue import, the same checks as
    `monitor catalog import`. Raises ValidationError (nothing written) when a row is not a valid entry."""
    import tempfile

    from monitor.files.catalog import import_catalog, read_profile
    from monitor.files.catalog_xlsx import load_catalog_xlsx
    from monitor.files.draft.workbook import write_draft

    store.init()
    known = read_profile(store).domains
    with tempfile.TemporaryDirectory(prefix="monitor-draft-") as folder:
        file = Path(folder) / f"{source['id']}.xlsx"
        file.write_bytes(write_draft(rows, source))
        catalog = load_catalog_xlsx(file, known or None)
    result: dict[str, Any] = import_catalog(store, catalog, recorded_by=f"draft:{source['id']}", changed_by=who)
    return result
