"""Reading a source's file into canonical reading rows through its column mapping.

Used when a source declares ``columns``, ``defaults`` or ``records`` (a published table seldom has our
column names); otherwise the file goes to ``monitor.ingest.import_file`` exactly as `monitor import`
would read it. Either way the rows are validated by the import pipeline. A file that cannot be read,
or lacks a mapped or required column, raises ValidationError: the whole run fails, nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from monitor.errors import Problem, ValidationError
from monitor.refresh.sources import CANONICAL, Source

REQUIRED = ("indicator_id", "period_end", "value")


def _fail(name: str, reason: str) -> ValidationError:
    return ValidationError([Problem(name, None, None, reason)])


def _norm(name: Any) -> str:
    return str(name if name is not None else "").strip().lstrip("\ufeff").strip().lower()


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(name, "is neither UTF-8 nor GB18030/GBK text")


def read_csv(path: Path, name: str) -> list[dict[str, Any]]:
    text = _decode(path.read_bytes(), name)
    if not text.strip():
        raise _fail(name, "is empty")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as e:
        raise _fail(name, f"cannot be read as CSV: {e}") from e
    header, *body = rows
    return [dict(zip(header, r)) for r in body if any(c.strip() for c in r)]


def read_xlsx(path: Path, name: str) -> list[dict[str, Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many unrelated types for a broken file
        raise _fail(name, f"cannot be read as an XLSX workbook: {e}") from e
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise _fail(name, "is empty: the first sheet has no header row")
    header = [str(c) if c is not None else "" for c in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if any(c is not None and str(c).strip() for c in r)]


def read_json(path: Path, name: str, records: str | None) -> list[dict[str, Any]]:
    try:
        document: Any = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(name, f"is not valid JSON: {e}") from e
    where = "the document"
    if records:
        for part in records.split("."):
            if isinstance(document, dict) and part in document:
                document = document[part]
            elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
                document = document[int(part)]
            else:
                raise _fail(name, f"has no '{records}' (stopped at '{part}')")
        where = f"'{records}'"
    elif isinstance(document, dict) and "readings" in document:
        document = document["readings"]
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise _fail(name, f"{where} must be a list of objects")
    return document


def read_records(path: Path, kind: str, name: str, records: str | None = None) -> list[dict[str, Any]]:
    if kind == "csv":
        return read_csv(path, name)
    if kind == "xlsx":
        return read_xlsx(path, name)
    return read_json(path, name, records)


def canonical_rows(source: Source, path: Path, kind: str, name: str) -> list[dict[str, Any]]:
    """The file's records renamed to canonical columns, with the source's defaults filled in."""
    records = read_records(path, kind, name, source.records)
    if not records:
        raise _fail(name, "has no data rows")
    present = {_norm(k): k for r in records[:1000] for k in r}
    mapping: dict[str, str] = {}  # original key -> canonical
    for column, canonical in source.columns.items():
        original = present.get(_norm(column))
        if original is None:
            shown = ", ".join(list(present.values())[:20])
            raise _fail(name, f"column '{column}' (mapped to {canonical}) is missing; the columns are: {shown}")
        mapping[original] = canonical
    mapped = set(mapping.values())
    for norm, original in present.items():
        if norm in CANONICAL and original not in mapping and norm not in mapped:
            mapping[original] = norm  # already a canonical name
    provided = set(mapping.values()) | set(source.defaults)
    missing = [c for c in REQUIRED if c not in provided]
    if missing:
        raise _fail(name, f"no column gives {', '.join(missing)}: add it to the source's 'columns' or 'defaults'")
    rows = []
    for record in records:
        row: dict[str, Any] = dict(source.defaults)
        for original, canonical in mapping.items():
            value = record.get(original)
            if value is not None and str(value).strip() != "":
                row[canonical] = value
        rows.append(row)
    return rows
