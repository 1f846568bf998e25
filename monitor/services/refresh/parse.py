"""Reading a source's file into canonical reading rows through its column mapping.

Used when a source declares ``columns``, ``defaults`` or ``records`` (a published table seldom has our
column names); otherwise the file goes to ``monitor.files.ingest.import_file`` exactly as `monitor import`
would read it. Either way the rows are validated by the import pipeline. The files are opened by
``monitor.files.readers``, as `monitor import` opens them (the same checks and caps). A file that cannot be
read, or lacks a mapped or required column, raises ValidationError: nothing of it is written.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from monitor.errors import Problem, ValidationError
from monitor.files import readers
from monitor.services.refresh.sources import CANONICAL, Source

REQUIRED = ("indicator_id", "period_end", "value")


def _fail(name: str, code: str, **params: Any) -> ValidationError:
    return ValidationError([Problem(name, None, None, code, params)])


def _norm(name: Any) -> str:
    return str(name if name is not None else "").strip().lstrip("\ufeff").strip().lower()


def read_csv(path: Path, name: str) -> list[dict[str, Any]]:
    """The rows as {header cell: text}; the checks and the delimiter are `monitor import`'s (monitor.files.readers)."""
    encoding = readers.csv_encoding(path)
    delimiter, _ = readers.csv_header(path, encoding)
    rows = []
    with path.open("r", encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, [])
            if not any(h.strip() for h in header):
                raise _fail(name, "problem.file_empty")
            for row_no, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells[len(header):]):
                    # zip() would drop the cells past the header silently.
                    raise ValidationError([Problem(name, row_no, None, "problem.field_count",
                                                   {"found": len(cells), "expected": len(header)})])
                if any(c.strip() for c in cells):
                    rows.append(dict(zip(header, cells, strict=False)))
        except csv.Error as e:
            raise ValidationError([Problem(name, reader.line_num or None, None, "problem.unreadable",
                                           {"kind": "CSV", "detail": str(e)})]) from e
    return rows


def read_xlsx(path: Path, name: str) -> list[dict[str, Any]]:
    """The first sheet's rows as {header cell: value}, read by monitor.files.readers (every row, caps, stray cells)."""
    sheet = readers.read_xlsx(path)
    return [dict(zip(sheet.header, cells, strict=False)) for _, cells in sheet.rows]


def read_json(path: Path, name: str, records: str | None) -> list[dict[str, Any]]:
    document: Any = readers.load_json(path)
    where = "the document"
    if records:
        for part in records.split("."):
            if isinstance(document, dict) and part in document:
                if part in readers.duplicated_keys(document):
                    raise _fail(name, "problem.key_twice_on_path", part=part, records=records)
                document = document[part]
            elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
                document = document[int(part)]
            else:
                raise _fail(name, "problem.no_path", records=records, part=part)
        where = f"'{records}'"
    elif isinstance(document, dict) and "readings" in document:
        if "readings" in readers.duplicated_keys(document):
            raise _fail(name, "problem.readings_key_twice")
        document = document["readings"]
    if not isinstance(document, list):
        raise _fail(name, "problem.list_of_objects", where=where)
    for n, record in enumerate(document, start=1):
        if not isinstance(record, dict):
            raise ValidationError([Problem(name, n, None, "problem.not_object_in", {"where": where})])
        twice = readers.duplicated_keys(record)
        if twice:
            raise ValidationError([Problem(name, n, str(twice[0])[:64], "problem.key_twice")])
    return document


def read_records(path: Path, kind: str, name: str, records: str | None = None) -> list[dict[str, Any]]:
    readers.regular_file(path)  # a FIFO or a device is refused before anything opens it
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
