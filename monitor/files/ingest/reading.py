"""Reading: a file (CSV, XLSX, Parquet, JSON) or rows given in Python, staged for the validation pass.

Each stage function checks the header (known columns, each once, the required ones present), raises
ValidationError for file-level problems (empty file, unknown type, unreadable encoding, nested Parquet
columns) and leaves the rows as the view import_queries.RAW in the scratch connection: the spreadsheet
row number (header = row 1) and the canonical columns as text. Files are opened and checked by
``monitor.files.readers``; the SQL is ``monitor.store.import_queries``'.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from monitor.errors import Problem, ValidationError
from monitor.files import readers
from monitor.store import import_queries

REQUIRED_COLUMNS = ("indicator_id", "period_end", "value")
OPTIONAL_COLUMNS = ("period_start", "qualifier", "unit", "source", "note")
CANONICAL_COLUMNS = (*REQUIRED_COLUMNS[:1], "period_start", "period_end", "value", "qualifier", "unit", "source", "note")
# Columns our own exports add; accepted on import (so an export re-imports) and ignored.
IGNORED_COLUMNS = ("revision", "recorded_at", "recorded_by", "quote", "speaker", "office", "source_date", "batch_id")
SUPPORTED = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".json": "json"}


def _normalise_header(names: Sequence[str]) -> list[str]:
    return [str(n or "").strip().lstrip("\ufeff").strip().lower() for n in names]


def _shown_column(name: str) -> str:
    """A header cell as a problem names it: control characters escaped, at most 64 characters."""
    if not name:
        return "(empty)"
    if name.isprintable() and len(name) <= 64:
        return name
    shown = repr(name[:60])[1:-1]
    return shown + ("…" if len(name) > 60 else "")


def _numbers(positions: list[int]) -> str:
    """[4, 5, 6, 9] -> "4–6, 9"."""
    runs: list[list[int]] = []
    for n in positions:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return ", ".join(parts)


def _check_header(file: str, columns: list[str]) -> list[Problem]:
    if not any(columns):
        # Nothing in the first line: "unknown column (empty)" would blame a column nobody wrote.
        return [Problem(file, 1, None, "problem.header_blank")]
    problems = []
    unnamed = [k + 1 for k, name in enumerate(columns) if not name]
    if unnamed:
        # One problem for all of them: Excel saves a column once formatted as an empty header cell.
        many = len(unnamed) > 1
        problems.append(Problem(file, 1, None, "problem.header_unnamed_many" if many else "problem.header_unnamed",
                                {"columns": _numbers(unnamed)}))
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(IGNORED_COLUMNS)
    for name in columns:
        if name and name not in known:
            problems.append(Problem(file, 1, _shown_column(name), "problem.unknown_column",
                                    {"expected": ", ".join(CANONICAL_COLUMNS)}))
    seen: set[str] = set()
    for name in columns:
        if name in seen and name in known:
            problems.append(Problem(file, 1, name, "problem.column_twice"))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(file, 1, name, "problem.column_missing"))
    return problems


# max_line_size but silently drops a final line longer than its read buffer (a 200 MB line vanished
# with no error): longer lines are refused by readers.csv_encoding, before DuckDB sees the file.
MAX_LINE_BYTES = readers.MAX_LINE_BYTES


@contextmanager
def _utf8_copy(path: Path) -> Iterator[Path]:
    """The CSV as UTF-8 without BOM (DuckDB's reader wants that), transcoding only when needed."""
    encoding = readers.csv_encoding(path)
    with path.open("rb") as f:
        has_bom = f.read(3) == codecs.BOM_UTF8
    if encoding == "utf-8-sig" and not has_bom:
        yield path
        return
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="monitor-import-")
    try:
        with path.open("r", encoding=encoding, newline="") as src, os.fdopen(fd, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        yield Path(name)
    finally:
        os.unlink(name)


@dataclass
class _Source:
    """What a stage function leaves behind: the `raw_input` view over the file, and how to read it again."""

    file: str
    kind: str
    columns: list[str]
    size: int  # bytes of input (an estimate for rows given in Python)
    # CSV: read the file again on one thread (see _stage_csv); None for other kinds.
    serial: Callable[[], None] | None = None
    # What a DuckDB error while reading the file means, as one problem (CSV, Parquet).
    problem: Callable[[duckdb.Error], Problem] | None = None


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, stack: ExitStack) -> _Source:
    if path.stat().st_size == 0:
        raise ValidationError([Problem(path.name, None, None, "problem.file_empty")])
    # The UTF-8 copy (when one is needed) lives as long as the import: the view streams from it.
    readable = stack.enter_context(_utf8_copy(path))
    # The dialect comes from the header line, not from DuckDB's sniffer: given one row with a
    # field too many or too few, the sniffer picked another dialect or took a data row for the
    # header, and every problem was then blamed on the header. Read this way, a short row is
    # padded (its empty fields are reported on its row) and a long one is a located error.
    # (DuckDB would also rename a repeated header name, "Value" -> "Value_1", hiding it.)
    delimiter, header = readers.csv_header(readable)
    columns = _normalise_header(header)
    problems = _check_header(path.name, columns)
    if problems:
        raise ValidationError(problems)

    def problem(error: duckdb.Error) -> Problem:
        # DuckDB blames a quoted cell that never ends on a field count or a line size: the row where
        # the quote opened says what is wrong (one more pass over the file, only when reading failed).
        return readers.csv_quote_problem(readable, path.name) or _csv_problem(path.name, error)

    def read(parallel: bool) -> None:
        try:
            import_queries.register_csv(
                con, readable, delimiter=delimiter, columns=columns, canonical=CANONICAL_COLUMNS,
                # A buffer of twice the longest line, not DuckDB's default of 16 times (64 MB a thread).
                max_line_size=4 * MAX_LINE_BYTES, buffer_size=8 * MAX_LINE_BYTES, parallel=parallel,
            )
        except duckdb.Error as e:
            raise ValidationError([problem(e)]) from e

    read(True)
    return _Source(path.name, "csv", columns, readable.stat().st_size, lambda: read(False), problem)


def _csv_problem(file: str, error: duckdb.Error) -> Problem:
    """DuckDB's CSV error, located where it says, without its advice on reader options."""
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if line and fields:
        return Problem(file, int(line[1]), None, "problem.field_count", {"found": int(fields[2]), "expected": int(fields[1])})
    return Problem(file, int(line[1]) if line else None, None, "problem.unreadable",
                   {"kind": "CSV", "detail": _first_line(error)})


# DuckDB's words for a file that is not Parquet, or was cut short, in the user's.
_PARQUET_ERRORS = (
    ("No magic bytes found at end of file", "it is not a Parquet file, or it was cut short (its end is missing)"),
    ("too small to be a Parquet file", "it is not a Parquet file, or it was cut short (its end is missing)"),
)
# Column types whose cells are not one number, date or text: cast to text, a list became "[1, 2]"
# (then "space inside a number") and a struct "{'a': 1}".
_NESTED_TYPES = {"list", "struct", "map", "array", "union"}
# A column of fractional numbers where dates belong: 2024.10 is 2024.1 (January). (Whole numbers
# are read as their text: "2024" is the year, "20241231" not a date, at its row.)
_FRACTION_TYPES = {"float", "double", "decimal"}


def _parquet_problem(file: str, path: Path, error: BaseException) -> Problem:
    text = _first_line(error)
    for fragment, meaning in _PARQUET_ERRORS:
        if fragment in text:
            return Problem(file, None, None, "problem.unreadable", {"kind": "Parquet", "detail": meaning})
    # DuckDB names the file by the path it was given; the problem names it once, by its name.
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text).replace(str(path), file)
    return Problem(file, None, None, "problem.unreadable", {"kind": "Parquet", "detail": text[:200]})


def _parquet_column_problems(file: str, columns: list[str], types: list[Any]) -> list[Problem]:
    problems = []
    for name, kind in zip(columns, types, strict=True):
        kind_id = str(getattr(kind, "id", kind)).lower()
        if kind_id in _NESTED_TYPES:
            problems.append(Problem(file, 1, name, "problem.nested_column", {"kind": str(kind)[:60]}))
        elif kind_id == "blob":
            problems.append(Problem(file, 1, name, "problem.blob_column"))
        elif name in readers.DATE_COLUMNS and kind_id in _FRACTION_TYPES:
            problems.append(Problem(file, 1, name, "problem.number_column", {"kind": str(kind)}))
    return problems


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, stack: ExitStack) -> _Source:
    try:
        original, types = import_queries.parquet_columns(con, path)
    except duckdb.Error as e:
        raise ValidationError([_parquet_problem(path.name, path, e)]) from e
    columns = _normalise_header(original)
    problems = _check_header(path.name, columns) or _parquet_column_problems(path.name, columns, types)
    if problems:
        raise ValidationError(problems)
    # Parquet is compressed: count its rows at a few hundred bytes each, as CSV would be.
    try:
        rows = import_queries.register_parquet(con, path, original, columns, CANONICAL_COLUMNS)
    except duckdb.Error as e:
        raise ValidationError([_parquet_problem(path.name, path, e)]) from e
    return _Source(path.name, "parquet", columns, max(path.stat().st_size, 40 * rows),
                   problem=lambda e: _parquet_problem(path.name, path, e))


def cell_text(value: Any) -> str | None:
    """A typed cell (XLSX, Parquet, JSON) as the text the checks read; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _stage_records(con: duckdb.DuckDBPyConnection, file: str, header: list[str], rows: list[tuple[int, list[Any]]],
                   problems: Sequence[Problem] = ()) -> _Source:
    """Typed cells (a sheet, a JSON list, a feed) staged as text, after readers.cell_problem.

    A cell that cannot be what its column holds (a number in a date column, an object, a list) is a
    problem of its row, given in ``problems`` or found here, and staged empty: the checks of the pass
    do not see it, so it is reported once, as the reader found it.
    """
    columns = _normalise_header(header)
    header_problems = _check_header(file, columns)
    if header_problems:
        raise ValidationError(header_problems)
    width = len(columns)
    found = list(problems)
    checked = [k for k, c in enumerate(columns) if c in CANONICAL_COLUMNS]
    records = []
    for row_no, cells in rows:
        row = (list(cells) + [None] * width)[:width]
        for k in checked:
            value = row[k]
            if value is not None and not isinstance(value, str):
                code = readers.cell_problem(columns[k], value)
                if code is not None:
                    found.append(Problem(file, row_no, columns[k], code, {}, readers.shown_value(value)))
                    row[k] = None
        records.append([str(row_no), *(cell_text(v) for v in row)])
    import_queries.create_records(con, ["_row", *columns], records)
    # The real row numbers of the sheet or list: blank rows are skipped, not renumbered.
    import_queries.create_raw(con, "SELECT * FROM records_view", columns, CANONICAL_COLUMNS,
                              row_expr="CAST(_row AS INTEGER)", keep_flagged=bool(found))
    if found:
        import_queries.add_cell_problems(con, [[p.row, p.column, p.code, json.dumps(dict(p.params)), p.value]
                                               for p in found])
    return _Source(file, "records", columns, sum(len(str(c)) + 1 for _, cells in rows for c in cells if c is not None))


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path) -> _Source:
    sheet = readers.read_xlsx(path, check_header=lambda h: _check_header(path.name, _normalise_header(h)))
    return _stage_records(con, path.name, sheet.header, sheet.rows)


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path) -> _Source:
    document = readers.load_json(path)
    if readers.duplicated_keys(document) and "readings" in readers.duplicated_keys(document):
        raise ValidationError([Problem(path.name, None, "readings", "problem.readings_twice")])
    records = document.get("readings") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ValidationError([Problem(path.name, None, None, "problem.not_a_list")])
    if not records:
        raise ValidationError([Problem(path.name, None, None, "problem.no_readings")])
    for n, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ValidationError([Problem(path.name, n, None, "problem.not_object", {}, readers.shown_value(record))])
    header: list[str] = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(key)
    if not header:
        header = list(REQUIRED_COLUMNS)
    # A key given twice in one reading: json keeps the last silently; which one was meant?
    normalised = dict(zip(header, _normalise_header(header), strict=True))
    twice = [Problem(path.name, n, normalised[key], "problem.key_twice")
             for n, record in enumerate(records, start=1) for key in readers.duplicated_keys(record)]
    rows = [(n, [record.get(k) for k in header]) for n, record in enumerate(records, start=1)]
    return _stage_records(con, path.name, header, rows, twice)


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, kind: str | None = None,
               stack: ExitStack | None = None) -> _Source:
    """Stage a reading file's rows as the view `raw_input`; file-level problems raise.

    Files the stack keeps (a UTF-8 copy of a GB18030 CSV) live until it closes: the view reads them.
    """
    readers.regular_file(path)  # a FIFO or a device is refused before anything opens it
    kind = kind or SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise ValidationError([Problem(path.name, None, None, "problem.file_type", {"suffix": path.suffix})])
    if stack is None:
        stack = ExitStack()
    if kind == "csv":
        return _stage_csv(con, path, stack)
    if kind == "parquet":
        return _stage_parquet(con, path, stack)
    return {"xlsx": _stage_xlsx, "json": _stage_json}[kind](con, path)


def stage_rows(con: duckdb.DuckDBPyConnection, source: str, rows: Sequence[dict[str, Any]]) -> _Source:
    """Stage readings given as dictionaries (the CLI's `add`, the dashboard's form, refresh sources)."""
    header = list(CANONICAL_COLUMNS)
    return _stage_records(con, source, header, [(n, [r.get(c) for c in header]) for n, r in enumerate(rows, start=1)])



def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
