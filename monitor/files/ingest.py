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
"""

from __future__ import annotations

import atexit
import codecs
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from monitor import settings
from monitor.errors import Problem, StoreError, ValidationError
from monitor.files import readers
from monitor.model import Qualifier
from monitor.model import validate as _rules
from monitor.model.problems import nested, of_error, render
from monitor.store import queries, schema
from monitor.store.connection import Store

REQUIRED_COLUMNS = ("indicator_id", "period_end", "value")
OPTIONAL_COLUMNS = ("period_start", "qualifier", "unit", "source", "note")
CANONICAL_COLUMNS = (*REQUIRED_COLUMNS[:1], "period_start", "period_end", "value", "qualifier", "unit", "source", "note")
# Columns our own exports add; accepted on import (so an export re-imports) and ignored.
IGNORED_COLUMNS = ("revision", "recorded_at", "recorded_by", "quote", "speaker", "office", "source_date", "batch_id")
SUPPORTED = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".json": "json"}
RAW = "raw_input"
# Problems a reader found in typed cells (readers.cell_problem, JSON keys given twice): row, column, reason, value.
CELL_PROBLEMS = "import_cell_problem"

ProgressCallback = Callable[[str, int, int], None]


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

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "problems"}
        data["problems"] = [p.as_dict() for p in self.problems]
        return data


# ---------------------------------------------------------------- staging


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


def _create_raw(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    columns: list[str],
    row_expr: str = "CAST(row_number() OVER () AS INTEGER) + 1",
    keep_flagged: bool = False,
) -> None:
    """The staged rows as a view (never materialised): spreadsheet row number and canonical columns.

    ``select_sql`` reads a view over DuckDB's own reader (a relation registered with the Python API,
    so the file's path is never part of SQL text); the validation pass streams it.
    """
    present = set(columns)
    picks = ", ".join(
        f'CAST("{name}" AS VARCHAR) AS {name}' if name in present else f"CAST(NULL AS VARCHAR) AS {name}"
        for name in CANONICAL_COLUMNS
    )
    # row_number() over the scan follows the file's order (DuckDB preserves insertion order and runs
    # it as a streaming window; joins would not keep the order, so it comes first). A row with every
    # field empty (",,," from a spreadsheet's blank row) is skipped, as a blank sheet row is, after
    # numbering so the rows after it keep their numbers. A first cell that starts with a printable
    # character is not blank, which spares most rows the trimming. ``keep_flagged``: a row with a
    # cell problem (its cell staged empty) is kept even if it now looks blank, to be counted and reported.
    blank = " AND ".join(f"nullif(trim(CAST(\"{name}\" AS VARCHAR)), '') IS NULL" for name in columns) or "false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CELL_PROBLEMS} (row_no INTEGER, col VARCHAR, code VARCHAR, params VARCHAR, val VARCHAR)")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {RAW} AS
        SELECT * EXCLUDE (_blank) FROM (
            SELECT {row_expr} AS row_no, {picks},
                   CASE WHEN ascii(CAST("indicator_id" AS VARCHAR)) BETWEEN 33 AND 126 THEN false ELSE {blank} END AS _blank
            FROM ({select_sql})
        )
        WHERE NOT _blank{f" OR row_no IN (SELECT row_no FROM {CELL_PROBLEMS})" if keep_flagged else ""}
        """
    )


# A reading row is a few hundred bytes. DuckDB's CSV reader fails on lines longer than its
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
            relation = con.read_csv(
                str(readable), header=False, skiprows=1, auto_detect=False, sep=delimiter, quotechar='"',
                escapechar='"', null_padding=True, columns={c: "VARCHAR" for c in columns},
                # A buffer of twice the longest line, not DuckDB's default of 16 times (64 MB a thread).
                max_line_size=4 * MAX_LINE_BYTES, buffer_size=8 * MAX_LINE_BYTES, parallel=parallel,
            )
        except duckdb.Error as e:
            raise ValidationError([problem(e)]) from e
        con.register(f"{RAW}_src", relation)  # a view of this connection only
        _create_raw(con, f"SELECT * FROM {RAW}_src", columns)

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
        relation = con.read_parquet(str(path))
        original, types = relation.columns, relation.types
    except duckdb.Error as e:
        raise ValidationError([_parquet_problem(path.name, path, e)]) from e
    columns = _normalise_header(original)
    problems = _check_header(path.name, columns) or _parquet_column_problems(path.name, columns, types)
    if problems:
        raise ValidationError(problems)
    # The header was checked: no column is called file_row_number, DuckDB's own row number in the file.
    con.register(f"{RAW}_src", con.read_parquet(str(path), file_row_number=True))
    renames = ", ".join(f'"{o.replace(chr(34), "")}" AS {c}' for o, c in zip(original, columns, strict=True))
    _create_raw(con, f"SELECT {renames}, file_row_number FROM {RAW}_src", columns,
                row_expr="CAST(file_row_number AS INTEGER) + 2")
    # Parquet is compressed: count its rows at a few hundred bytes each, as CSV would be.
    try:
        rows = int(con.execute("SELECT count(*) FROM raw_input_src").fetchone()[0])  # type: ignore[index]
    except duckdb.Error as e:
        raise ValidationError([_parquet_problem(path.name, path, e)]) from e
    return _Source(path.name, "parquet", columns, max(path.stat().st_size, 40 * rows),
                   problem=lambda e: _parquet_problem(path.name, path, e))


def _cell_text(value: Any) -> str | None:
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
        records.append([str(row_no), *(_cell_text(v) for v in row)])
    names = ["_row", *columns]
    if len(records) < 1000:
        # A few rows (the CLI's `add`, the dashboard's form): plain inserts, no pyarrow import.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE records_view ("
            + ", ".join(f'"{n}" VARCHAR' for n in names)
            + ")"
        )
        if records:
            con.executemany(f"INSERT INTO records_view VALUES ({', '.join('?' * len(names))})", records)
    else:
        import pyarrow as pa

        table = pa.table({n: pa.array([r[k] for r in records], type=pa.string()) for k, n in enumerate(names)})
        con.register("records_arrow", table)
        con.execute("CREATE OR REPLACE TEMP TABLE records_view AS SELECT * FROM records_arrow")
        con.unregister("records_arrow")
    # The real row numbers of the sheet or list: blank rows are skipped, not renumbered.
    _create_raw(con, "SELECT * FROM records_view", columns, row_expr="CAST(_row AS INTEGER)", keep_flagged=bool(found))
    if found:
        con.executemany(f"INSERT INTO {CELL_PROBLEMS} VALUES (?, ?, ?, ?, ?)",
                        [[p.row, p.column, p.code, json.dumps(dict(p.params)), p.value] for p in found])
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

SPILL = "import_spill"
# Rows per row group of the spill file: what the Parquet writer buffers (per thread) before writing.
SPILL_ROW_GROUP = 16_384
# DuckDB's memory limit while an import runs on the store's own connection (file stores): the pass
# streams; what has to see the whole file (the key hashes for duplicates, the join with the current
# revisions, the insert's transaction-local rows until COMMIT) spills to a temporary folder beyond it.
# None: the MONITOR_IMPORT_MEMORY setting (monitor/settings.py), read at each import.
IMPORT_MEMORY_LIMIT: str | None = None
# Problems returned in the report (all are counted, and all are quarantined with --skip-invalid).
PROBLEMS_KEPT = 10_000
_THOUSANDS_RE = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
_ISO_DAY_RE = r"\d{4}-\d{2}-\d{2}"

# (condition, column, code, parameters as JSON text, shown value): the rules of monitor.model.validate, per
# row, as problem codes and parameters (monitor.model.problems). The t_* columns are the cells trimmed, NULL
# when empty.
_NONE = "'{}'"
_CHECKS = (
    ("NOT known AND t_id IS NOT NULL", "indicator_id", "'problem.unknown_indicator'", _NONE, "indicator_id"),
    ("t_id IS NULL", "indicator_id", "'problem.required'", _NONE, "NULL"),
    ("t_value IS NULL", "value", "'problem.required'", _NONE, "NULL"),
    ("v IS NULL AND t_value IS NOT NULL", "value", "coalesce(v_code, 'problem.not_a_number')",
     f"coalesce(v_params, {_NONE})", "value"),
    ("t_pe IS NULL", "period_end", "'problem.required'", _NONE, "NULL"),
    ("pe IS NULL AND t_pe IS NOT NULL", "period_end", "coalesce(pe_code, 'problem.not_a_date')",
     f"coalesce(pe_params, {_NONE})", "period_end"),
    ("ps IS NULL AND t_ps IS NOT NULL", "period_start", "coalesce(ps_code, 'problem.not_a_date')",
     f"coalesce(ps_params, {_NONE})", "period_start"),
    ("known AND pe IS NOT NULL AND start_date IS NULL AND t_ps IS NULL", "period_start", "'problem.start_required'",
     "json_object('measure', measure, 'frequency', frequency)", "NULL"),
    ("pe < start_date", "period_end", "'problem.before_start'", "json_object('date', CAST(start_date AS VARCHAR))",
     "period_end"),
    ("pe > CAST($today AS DATE)", "period_end", "'problem.future'",
     "json_object('date', CAST(CAST($today AS DATE) AS VARCHAR))", "period_end"),
    ("unit_code IS NOT NULL", "unit", "unit_code", "unit_params", "unit"),
    # A CASE, not AND: DuckDB evaluates both sides of an AND in a projection, and the regex is costly.
    ("CASE WHEN coalesce(factor, 1) <> 1 THEN regexp_matches(value, '[万亿千]') END", "value",
     "'problem.magnitude_twice'", "json_object('unit', trim(unit))", "value"),
    ("q IS NULL", "qualifier", "'problem.qualifier'", _NONE, "qualifier"),
    # The value rules of monitor.model.validate, in the same order, one problem per value: its size first,
    # then the bounds, then whole numbers and shares (size_ok and in_bounds are computed in `checked`).
    (f"abs(base_value) > {_rules.VALUE_MAX!r}", "value", "'problem.too_large'", _NONE, "value"),
    ("size_ok AND base_value < lower_bound", "value", "'problem.below_min'",
     "json_object('bound', lower_bound, 'unit', base_unit)", "value"),
    ("size_ok AND base_value > upper_bound", "value", "'problem.above_max'",
     "json_object('bound', upper_bound, 'unit', base_unit)", "value"),
    ("size_ok AND in_bounds AND whole_unit AND base_value <> floor(base_value)", "value", "'problem.not_whole'",
     "json_object('unit', base_unit)", "value"),
    ("size_ok AND in_bounds AND share_unit AND base_value > 0 AND base_value <= 1 AND NOT coalesce(unit_percent, false) "
     "AND NOT (contains(t_value, '%') OR contains(t_value, '\uff05'))", "value", "'problem.share_fraction'",
     f"json_object('text', CASE WHEN length(t_value) <= {_rules.SHARE_TEXT_MAX} THEN t_value "
     f"ELSE left(t_value, {_rules.SHARE_TEXT_MAX - 1}) || '…' END)",
     "value"),
    (f"regexp_matches(source, '{_rules.CONTROL_PATTERN_SQL}')", "source", "'problem.control'",
     f"json_object('char', printf('U+%04X', unicode(regexp_extract(source, '{_rules.CONTROL_PATTERN_SQL}'))))",
     "trim(source)"),
    (f"regexp_matches(replace(note, chr(13) || chr(10), chr(10)), '{_rules.CONTROL_PATTERN_MULTILINE_SQL}')", "note",
     "'problem.control'",
     "json_object('char', printf('U+%04X', unicode(regexp_extract(replace(note, chr(13) || chr(10), chr(10)), "
     f"'{_rules.CONTROL_PATTERN_MULTILINE_SQL}'))))",
     "trim(note)"),
)
_ANY_PROBLEM = " OR ".join(f"coalesce({c}, false)" for c, _, _, _, _ in _CHECKS)
_PROBLEM_LIST = "list_filter([" + ", ".join(
    f"CASE WHEN coalesce({c}, false) THEN struct_pack(col := '{col}', code := CAST({code} AS VARCHAR), "
    f"params := CAST({params} AS VARCHAR), val := CAST({val} AS VARCHAR)) END"
    for c, col, code, params, val in _CHECKS
) + "], x -> x IS NOT NULL)"

# One pass over the staged rows: typed columns (SQL for the common forms, Python UDFs only for the rows
# SQL cannot read: full-width digits, "2.3万", "2025年6月"), the indicator's rules, and the row's problems.
# The source column is written only when the row names one (the file name is the default, at insert).
PASS_SELECT = f"""
WITH trimmed AS (
    SELECT r.*, trim(indicator_id) AS k_id, nullif(trim(value), '') AS t_value,
           nullif(trim(period_start), '') AS t_ps, nullif(trim(period_end), '') AS t_pe
    FROM {RAW} AS r
),
parsed0 AS (
    SELECT *, nullif(k_id, '') AS t_id,
           TRY_CAST(CASE WHEN contains(t_value, ',') AND regexp_full_match(t_value, '{_THOUSANDS_RE}')
                         THEN replace(t_value, ',', '') ELSE t_value END AS DOUBLE) AS v_sql,
           CASE WHEN regexp_full_match(t_ps, '{_ISO_DAY_RE}') THEN TRY_CAST(t_ps AS DATE) END AS ps_sql,
           CASE WHEN regexp_full_match(t_pe, '{_ISO_DAY_RE}') THEN TRY_CAST(t_pe AS DATE) END AS pe_sql
    FROM trimmed
),
parsed1 AS (
    -- NaN and Infinity parse as doubles; they are not figures.
    SELECT *, CASE WHEN isnan(v_sql) OR isinf(v_sql) THEN NULL ELSE v_sql END AS v_ok FROM parsed0
),
parsed2 AS (
    SELECT *,
           CASE WHEN v_ok IS NULL AND t_value IS NOT NULL THEN monitor_parse_value(value) END AS vf,
           CASE WHEN (ps_sql IS NULL AND t_ps IS NOT NULL) OR (pe_sql IS NULL AND t_pe IS NOT NULL)
                THEN monitor_parse_dates(period_start, period_end) END AS df
    FROM parsed1
),
parsed AS (
    SELECT * EXCLUDE (v_sql, v_ok, ps_sql, pe_sql, vf, df),
           coalesce(v_ok, vf.v) AS v, vf.q AS v_qualifier, vf.code AS v_code, vf.params AS v_params,
           coalesce(ps_sql, df.ps) AS ps, df.ps_code AS ps_code, df.ps_params AS ps_params,
           coalesce(pe_sql, df.pe) AS pe, df.pe_code AS pe_code, df.pe_params AS pe_params,
           df.span_start AS pe_span_start
    FROM parsed2
),
checked AS (
    SELECT p.*,
           i.id IS NOT NULL AS known,
           i.measure, i.frequency, i.lower_bound, i.upper_bound, i.display_unit, i.unit AS base_unit,
           i.cumulative_since,
           coalesce(ur.whole, false) AS whole_unit, coalesce(ur.share, false) AS share_unit,
           u.factor, u.code AS unit_code, u.params AS unit_params, u.percent AS unit_percent,
           CASE WHEN nullif(trim(p.qualifier), '') IS NOT NULL THEN qw.qualifier
                ELSE coalesce(p.v_qualifier, 'exact') END AS q,
           -- v * factor in binary floating point is off in the last digit (0.07 * 1e4 =
           -- 700.0000000000001), which would make a re-import of the same figure a revision:
           -- a converted value is rounded to 15 significant digits, all a double holds.
           CASE WHEN coalesce(u.factor, 1) = 1 OR p.v = 0 OR NOT isfinite(p.v * u.factor) THEN p.v
                ELSE round(p.v * u.factor,
                           greatest(0, 14 - CAST(floor(log10(abs(p.v * u.factor))) AS INTEGER)))
           END AS base_value,
           -- date_trunc and date - INTERVAL give TIMESTAMPs; the period start is a day.
           CAST(CASE
               WHEN p.ps IS NOT NULL THEN p.ps
               WHEN p.pe_span_start IS NOT NULL THEN p.pe_span_start
               WHEN i.measure = 'stock' THEN p.pe
               WHEN i.measure = 'cumulative' THEN i.cumulative_since
               WHEN p.pe <> last_day(p.pe) THEN NULL
               WHEN i.frequency = 'monthly' THEN date_trunc('month', p.pe)
               WHEN i.frequency = 'quarterly' THEN CAST(date_trunc('month', p.pe) - INTERVAL 2 MONTH AS DATE)
               WHEN i.frequency = 'half_yearly' THEN CAST(date_trunc('month', p.pe) - INTERVAL 5 MONTH AS DATE)
               WHEN i.frequency = 'yearly' THEN CAST(date_trunc('month', p.pe) - INTERVAL 11 MONTH AS DATE)
           END AS DATE) AS start_date
    FROM parsed AS p
    LEFT JOIN indicator_snapshot AS i ON i.id = p.k_id
    LEFT JOIN unit_factor AS u ON u.indicator_id = p.indicator_id AND u.unit = trim(p.unit)
    LEFT JOIN qualifier_word AS qw ON qw.word = lower(trim(p.qualifier))
    LEFT JOIN unit_rule AS ur ON ur.unit = i.unit AND ur.measure = i.measure
),
sized AS (
    SELECT *,
           abs(base_value) <= {_rules.VALUE_MAX!r} AS size_ok,
           NOT coalesce(base_value < lower_bound OR base_value > upper_bound, false) AS in_bounds
    FROM checked
),
judged AS (
    SELECT *, {_ANY_PROBLEM} AS bad FROM sized
)
SELECT row_no, k_id AS indicator_id, start_date AS period_start, pe AS period_end,
       -- + 0.0: "-0" is stored as 0, as in monitor.model.validate.
       base_value + 0.0 AS value, q AS qualifier, nullif(trim(source), '') AS source, nullif(trim(note), '') AS note,
       known AND pe IS NOT NULL AND start_date IS NOT NULL AS key_ok,
       CASE WHEN bad THEN {_PROBLEM_LIST} END AS problems
FROM judged
"""
# Written a row group at a time (the order of the rows in the file does not matter: row_no is a column).
# (A temporary table instead of the file for small inputs was measured: no faster for 10k rows.)
PASS_SQL = f"COPY ({PASS_SELECT}) TO $spill (FORMAT parquet, ROW_GROUP_SIZE {SPILL_ROW_GROUP}, PRESERVE_ORDER false)"

# Rows of the file with the same indicator and period: grouped by a hash of the key first (8 bytes a
# row, however long the ids), then the (few) candidates exactly, through the ordered window.
DUPLICATES_SQL = f"""
CREATE OR REPLACE TEMP TABLE import_dup AS
WITH keyed AS (
    SELECT row_no, indicator_id, period_start, period_end, value, hash(indicator_id, period_start, period_end) AS h
    FROM {SPILL} WHERE key_ok
),
repeated AS (SELECT h FROM keyed GROUP BY h HAVING count(*) > 1),
dup AS (
    SELECT row_no,
           min(row_no) OVER w AS first_row,
           -- The first row of a conflicting group names the next one, not itself.
           nth_value(row_no, 2) OVER w AS second_row,
           count(*) OVER w AS n,
           count(DISTINCT value) OVER w AS values_n
    FROM keyed SEMI JOIN repeated USING (h)
    WINDOW w AS (PARTITION BY indicator_id, period_start, period_end ORDER BY row_no
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT row_no, 'period_end' AS col,
       CASE WHEN values_n > 1 THEN 'problem.conflict' ELSE 'problem.duplicate' END AS code,
       CAST(json_object('row', CASE WHEN values_n > 1 AND row_no = first_row THEN second_row ELSE first_row END)
            AS VARCHAR) AS params,
       CAST(NULL AS VARCHAR) AS val
FROM dup WHERE n > 1 AND (row_no <> first_row OR values_n > 1)
"""

# A cell the reader found a problem in was staged empty: the pass's own problem for that cell
# ("is required") gives way to the reader's.
PROBLEMS_SQL = f"""
CREATE OR REPLACE TEMP TABLE import_problem AS
SELECT s.row_no, s.col, s.code, s.params, s.val
FROM (SELECT row_no, p.col AS col, p.code AS code, p.params AS params, p.val AS val
      FROM (SELECT row_no, unnest(problems) AS p FROM {SPILL} WHERE problems IS NOT NULL)) AS s
ANTI JOIN {CELL_PROBLEMS} AS c ON c.row_no = s.row_no AND c.col = s.col
UNION ALL
SELECT row_no, col, code, params, val FROM import_dup
UNION ALL
SELECT row_no, col, code, params, val FROM {CELL_PROBLEMS}
"""

VALID_SQL = f"""
CREATE OR REPLACE TEMP VIEW {queries.IMPORT_VALID} AS
SELECT row_no, indicator_id, period_start, period_end, value, qualifier, source, note
FROM {SPILL}
WHERE problems IS NULL AND row_no NOT IN (SELECT row_no FROM import_dup)
  AND row_no NOT IN (SELECT row_no FROM {CELL_PROBLEMS})
"""

REJECTED_SQL = f"""
CREATE OR REPLACE TEMP TABLE {queries.IMPORT_REJECTED} AS
SELECT p.row_no, p.col, monitor_problem_text(p.code, p.params) AS reason, p.val,
       to_json({{indicator_id: r.indicator_id, period_start: r.period_start, period_end: r.period_end,
                 value: r.value, qualifier: r.qualifier, unit: r.unit, source: r.source, note: r.note}}) AS raw_row
FROM import_problem AS p JOIN {RAW} AS r USING (row_no)
"""

# What an import leaves in the scratch connection, dropped when it ends (the registered views separately).
_DROP_SCRATCH = f"""
DROP VIEW IF EXISTS {queries.IMPORT_VALID}; DROP TABLE IF EXISTS {queries.IMPORT_REJECTED};
DROP TABLE IF EXISTS import_problem; DROP TABLE IF EXISTS import_dup; DROP TABLE IF EXISTS {queries.IMPORT_EXISTING};
DROP VIEW IF EXISTS {RAW}; DROP TABLE IF EXISTS records_view; DROP TABLE IF EXISTS {CELL_PROBLEMS};
DROP TABLE IF EXISTS unit_factor; DROP TABLE IF EXISTS unit_rule;
"""
_REGISTERED = (SPILL, f"{RAW}_src")


def _fallback_value(text: str) -> dict[str, Any]:
    """A value cell SQL could not read, as the Python parser reads it (value, qualifier, problem)."""
    v, q, error = _rules.parse_value(text)
    code, params = error if error is not None else (None, None)
    return {"v": v, "q": q, "code": code, "params": None if params is None else json.dumps(params)}


def _problem_text(code: str, params: str | None) -> str:
    """The English of a problem found by the pass (stored with the rejected rows, as `monitor rejected` shows)."""
    return render(code, json.loads(params) if params else {})


def _fallback_dates(start_text: str | None, end_text: str | None) -> dict[str, Any]:
    """The period cells SQL could not read: a date, or a span such as 2025年1—6月 (end and its start)."""
    from monitor.model.periods import parse_date, parse_period

    found: dict[str, Any] = {"ps": None, "ps_code": None, "ps_params": None, "pe": None, "pe_code": None,
                             "pe_params": None, "span_start": None}
    if start_text and start_text.strip():
        try:
            found["ps"] = parse_date(start_text.strip())
        except ValueError as e:
            try:
                found["ps"] = parse_period(start_text.strip()).start
            except ValueError:
                found["ps_code"], params = of_error(e, "problem.not_a_date")
                found["ps_params"] = json.dumps(params)
    if end_text and end_text.strip():
        try:
            found["pe"] = parse_date(end_text.strip())
        except ValueError as e:
            try:
                period = parse_period(end_text.strip())
                found["pe"], found["span_start"] = period.end, period.start
            except ValueError:
                found["pe_code"], params = of_error(e, "problem.not_a_date")
                found["pe_params"] = json.dumps(params)
    return found


_SPILL_FOLDERS: list[str] = []
_ORPHANS_CHECKED = False


def _remove_orphaned_folders() -> None:
    """Once per process: the spill folders of imports whose process was killed (SIGKILL skips cleanup)."""
    global _ORPHANS_CHECKED
    if _ORPHANS_CHECKED:
        return
    _ORPHANS_CHECKED = True
    for folder in Path(tempfile.gettempdir()).glob("monitor-import-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another user's process: alive


def _remove_spill_folders() -> None:
    for folder in _SPILL_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


# Connections (by id) that have the UDFs and the qualifier table; the value keeps the id from being reused.
_PREPARED: dict[int, duckdb.DuckDBPyConnection] = {}


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Once per connection: the Python parsers as UDFs, and the table of qualifier words."""
    from duckdb.sqltypes import DATE, DOUBLE, VARCHAR

    from monitor.model.units import QUALIFIER_WORDS

    if _PREPARED.get(id(con)) is con:
        return
    for name, function, arguments, returns in (
        ("monitor_parse_value", _fallback_value, [VARCHAR], {"v": DOUBLE, "q": VARCHAR, "code": VARCHAR,
                                                             "params": VARCHAR}),
        ("monitor_parse_dates", _fallback_dates, [VARCHAR, VARCHAR],
         {"ps": DATE, "ps_code": VARCHAR, "ps_params": VARCHAR, "pe": DATE, "pe_code": VARCHAR,
          "pe_params": VARCHAR, "span_start": DATE}),
        ("monitor_problem_text", _problem_text, [VARCHAR, VARCHAR], None),
    ):
        try:
            con.create_function(name, function, arguments,  # type: ignore[call-overload]
                                VARCHAR if returns is None else duckdb.struct_type(returns),
                                null_handling="special", side_effects=False)
        except duckdb.Error as e:
            if "already" not in str(e):
                raise
    words = {q.value: q.value for q in Qualifier} | {k: str(v) for k, v in QUALIFIER_WORDS.items()}
    con.execute("CREATE OR REPLACE TEMP TABLE qualifier_word (word VARCHAR, qualifier VARCHAR)")
    con.execute("INSERT INTO qualifier_word SELECT unnest(?), unnest(?)", [list(words), list(words.values())])
    _PREPARED[id(con)] = con


# Inputs up to this size run without the memory limit (their whole working set is smaller).
SMALL_INPUT_BYTES = 4 << 20
# Up to this many valid rows, the classification runs in the write session (see _run_import).
CLASSIFY_WHILE_WRITING = 20_000
# Per scratch connection: the connection, the store's location, and the token of the indicators it
# holds a snapshot of (kept between imports: a later import checks the token, under the shared lock it
# takes anyway for the classification, instead of taking the lock once more before its pass).
_INDICATORS: dict[int, tuple[duckdb.DuckDBPyConnection, str, tuple[Any, ...]]] = {}


def _check_schema(store: Store, db: duckdb.DuckDBPyConnection) -> None:
    if not schema.applied_versions(db):
        raise StoreError(f"database {store.path} has no monitor schema; run `monitor init` first")


def _limit_memory(con: duckdb.DuckDBPyConnection, stack: ExitStack) -> None:
    """IMPORT_MEMORY_LIMIT on the connection until the stack closes, spilling to a folder of its own."""
    folder = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]  # type: ignore[index]
    if folder not in _SPILL_FOLDERS:
        # One folder per connection (DuckDB names its temporary files alike in every instance).
        made = tempfile.mkdtemp(prefix="monitor-spill-")
        try:
            con.execute("SET temp_directory = ?", [made])
            if not _SPILL_FOLDERS:
                atexit.register(_remove_spill_folders)
            _SPILL_FOLDERS.append(made)
        except duckdb.Error:
            os.rmdir(made)  # DuckDB already spilled to its default folder: keep that one
    old = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]  # type: ignore[index]
    con.execute("SET memory_limit = ?", [IMPORT_MEMORY_LIMIT or settings.get("MONITOR_IMPORT_MEMORY")])
    stack.callback(lambda: con.execute("SET memory_limit = ?", [old]))


@contextmanager
def _import_scratch(store: Store) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path, ExitStack]]:
    """The scratch connection prepared for one import, a spill folder, and a stack for the staged files."""
    with store.scratch() as con, ExitStack() as stack:
        _prepare(con)
        _remove_orphaned_folders()
        folder = Path(tempfile.mkdtemp(prefix=f"monitor-import-{os.getpid()}-"))
        try:
            yield con, folder, stack
        except BaseException:
            # The snapshot of the indicators may have been taken in a transaction that rolled back.
            _INDICATORS.pop(id(con), None)
            raise
        finally:
            for name in _REGISTERED:
                con.unregister(name)
            con.execute(_DROP_SCRATCH)
            shutil.rmtree(folder, ignore_errors=True)


def _unit_factors(con: duckdb.DuckDBPyConnection, source: _Source) -> None:
    """One conversion factor (or reason) per distinct (indicator, unit) pair in the input; and the
    value rules of each kind of indicator."""
    from monitor.model.units import conversion_factor, is_whole_unit

    # Per (unit, measure) of the indicators: whether values are whole numbers, whether a percentage share.
    kinds = con.execute("SELECT DISTINCT unit, measure FROM indicator_snapshot").fetchall()
    con.execute("CREATE OR REPLACE TEMP TABLE unit_rule (unit VARCHAR, measure VARCHAR, whole BOOLEAN, share BOOLEAN)")
    if kinds:
        con.executemany("INSERT INTO unit_rule VALUES (?, ?, ?, ?)",
                        [(u, m, is_whole_unit(u), _rules.is_share(u, m)) for u, m in kinds])
    con.execute("CREATE OR REPLACE TEMP TABLE unit_factor "
                "(indicator_id VARCHAR, unit VARCHAR, factor DOUBLE, code VARCHAR, params VARCHAR, percent BOOLEAN)")
    if "unit" not in source.columns:
        return
    pairs = con.execute(
        f"""
        SELECT DISTINCT p.indicator_id, trim(p.unit), i.unit, i.display_unit
        FROM {RAW} AS p JOIN indicator_snapshot AS i ON i.id = trim(p.indicator_id)
        WHERE nullif(trim(p.unit), '') IS NOT NULL
        """
    ).fetchall()
    rows: list[tuple[Any, ...]] = []
    for indicator_id, unit, base, display in pairs:
        try:
            rows.append((indicator_id, unit, conversion_factor(unit, base), None, None, _rules.states_percent(unit)))
        except ValueError as e:
            code, params = _rules.unit_rule(unit, display, base, e)
            rows.append((indicator_id, unit, None, code, json.dumps(params), False))
    if rows:
        con.executemany("INSERT INTO unit_factor VALUES (?, ?, ?, ?, ?, ?)", rows)


def _read_error(source: _Source, error: duckdb.Error) -> ValidationError:
    if source.problem is not None:
        return ValidationError([source.problem(error)])
    raise error


def _validate_pass(con: duckdb.DuckDBPyConnection, source: _Source, spill: Path, today: date) -> None:
    """The one pass over the file: every row typed, checked and written to the spill file."""
    params = {"today": today, "spill": str(spill)}

    def run() -> None:
        _unit_factors(con, source)  # a first pass over the unit column, only when there is one
        # DuckDB estimates a few dozen rows for a file it has not read and would then build the
        # indicator join's hash table on the file (all of it in memory) instead of the indicators.
        disabled = con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]  # type: ignore[index]
        con.execute("SET disabled_optimizers = ?", [",".join(filter(None, [disabled, "build_side_probe_side"]))])
        try:
            con.execute(PASS_SQL, params)
        finally:
            con.execute("SET disabled_optimizers = ?", [disabled])

    try:
        try:
            run()
        except duckdb.Error as e:
            if source.serial is None or "parallel scanner does not support null_padding" not in str(e):
                raise
            # DuckDB's parallel reader refuses a quoted line break (a multi-line note) together
            # with null_padding once a file spans several of its chunks: read it again on one thread.
            source.serial()
            run()
    except duckdb.Error as e:
        raise _read_error(source, e) from e
    con.register(SPILL, con.read_parquet(str(spill)))


def _problems(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
    """Duplicates within the file, then every problem counted and the first PROBLEMS_KEPT listed."""
    con.execute(DUPLICATES_SQL)
    con.execute(PROBLEMS_SQL)
    rejected, total = con.execute("SELECT count(DISTINCT row_no), count(*) FROM import_problem").fetchone()  # type: ignore[misc]
    report.rejected, report.problem_count = int(rejected), int(total)
    report.valid = report.rows - report.rejected
    if total:
        report.problems = [
            Problem(report.file, r[0], r[1], r[2], json.loads(r[3]) if r[3] else {}, r[4])
            for r in con.execute(
                "SELECT row_no, col, code, params, val FROM import_problem ORDER BY row_no, col LIMIT ?",
                [PROBLEMS_KEPT],
            ).fetchall()
        ]
    con.execute(VALID_SQL)


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
) -> ImportReport:
    staged = stage()  # file-level problems (header, encoding, type) raise before the store is read
    # Checked first: a write session creates a missing file, and without the schema validation
    # failed with DuckDB's "Table with name indicator does not exist" (a traceback in the CLI).
    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    if staged.size > SMALL_INPUT_BYTES and getattr(store, "backend", "file") == "file":
        _limit_memory(con, stack)
    location = str(getattr(store, "location", store.path))

    def snapshot(db: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
        """Inside a session: the indicators into the scratch connection; their token."""
        token = queries.snapshot_indicators(db)
        _INDICATORS[id(con)] = (con, location, token)
        return token

    def check() -> None:
        """The pass over the file (no lock held) and the problems."""
        _validate_pass(con, staged, folder / "rows.parquet", today)
        report.rows = int(con.execute(f"SELECT count(*) FROM {SPILL}").fetchone()[0])  # type: ignore[index]
        if report.rows == 0 and rows_required:
            raise ValidationError([Problem(report.file, None, None, "problem.no_rows")])
        report.problems, report.problem_count = [], 0
        _problems(con, report)
        if report.problem_count and not dry_run:
            con.execute(REJECTED_SQL)  # the rejected rows' cells, read before any lock is taken

    def go_on() -> bool:
        """Whether to classify and write: no problems, or --skip-invalid; a dry run stops; else raise."""
        if report.problems and not skip_invalid:
            if dry_run:
                return False
            raise ValidationError(report.problems, _summary(report))
        return True

    cached = _INDICATORS.get(id(con))
    token = cached[2] if cached is not None and cached[0] is con and cached[1] == location else None
    fresh = token is None
    if fresh:
        with store.read() as db:
            _check_schema(store, db)
            token = snapshot(db)
    check()
    if report.problems and not fresh:
        # Checked against the snapshot an earlier import left: before blaming the rows, make sure it is
        # still current (an indicator added or changed since would explain the problems).
        with store.read() as db:
            _check_schema(store, db)
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
        _check_schema(store, db)
        if queries.indicators_token(db) == token:
            return True
        token = snapshot(db)
        check()
        return go_on()

    exact = getattr(store, "backend", "file") == "file"
    if not dry_run and report.valid <= CLASSIFY_WHILE_WRITING:
        # A small batch: one wait for the lock instead of two. Classifying a few thousand rows by
        # their keys takes a few milliseconds, less than a second session (ATTACH, DETACH) holds it.
        with store.write(priority=report.valid > SMALL_BATCH) as db:
            current(db)
            classified = queries.classify_import(db, report.valid, for_later_write=False)
            if report.problem_count:
                queries.add_rejected_import(db, report.batch_id, report.file)
            counts = queries.add_imported_readings(db, classified, recorded_by, report.batch_id, source,
                                                     appended_rowids=exact)
        report.written = True
    else:
        with store.read() as db:
            if not current(db):
                return report
            classified = queries.classify_import(db, report.valid)
        if dry_run:
            counts = classified
        else:
            # Under the exclusive lock: a cheap re-check of what was written since the classification,
            # then one INSERT from the spill file.
            with store.write(priority=report.valid > SMALL_BATCH) as db:
                checked_against = token
                if not current(db):
                    return report
                if token != checked_against:
                    # The catalogue changed since the classification: the rows were checked again.
                    classified = queries.classify_import(db, report.valid)
                if report.problem_count:
                    queries.add_rejected_import(db, report.batch_id, report.file)
                counts = queries.add_imported_readings(db, classified, recorded_by, report.batch_id, source,
                                                         appended_rowids=exact)
            report.written = True
    report.new, report.revised, report.unchanged = counts["new"], counts["revised"], counts["unchanged"]
    if progress:
        progress("done", 4, 4)
    return report


def _summary(report: ImportReport) -> str:
    first = report.problems[0]
    more = max(report.problem_count, len(report.problems)) - 1
    tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return (
        f"{first}{tail}; {report.rejected} of {report.rows} rows invalid, nothing was imported "
        "(use --skip-invalid to import the valid rows)"
    )


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
) -> ImportReport:
    """Import a reading file in one transaction: every valid row, or (by default) nothing if any is invalid."""
    file = Path(path)
    bad_name = _rules.control_rule(file.name)
    if bad_name is not None:
        # The name becomes each reading's source and is printed in every report: refused like such text.
        raise ValidationError([Problem(_rules.escape_controls(file.name), None, None, "problem.file_name",
                                       {"reason": nested(*bad_name)})])
    report = ImportReport(file=file.name, batch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    with _import_scratch(store) as (con, folder, stack):
        if progress:
            progress("read", 1, 4)
        return _run_import(
            store, con, folder, stack, lambda: stage_file(con, file, kind, stack), report, dry_run=dry_run,
            skip_invalid=skip_invalid, recorded_by=recorded_by, source=file.name, today=today or date.today(),
            progress=progress,
        )



# Up to this many rows, validation runs in Python inside the write transaction (monitor.model.validate):
# a few statements instead of the bulk pipeline's few dozen, so single writes hold the lock briefly.
SMALL_BATCH = 200


def _write_small(
    store: Store,
    report: ImportReport,
    rows: Sequence[dict[str, Any]],
    *,
    dry_run: bool,
    skip_invalid: bool,
    recorded_by: str,
    source: str,
    today: date,
) -> ImportReport:
    from monitor.model.validate import check_rows

    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    # A typed cell that cannot be what its column holds is the reader's problem, as in _stage_records.
    flagged = [
        Problem(report.file, n, c, code, {}, readers.shown_value(r.get(c)))
        for n, r in enumerate(rows, start=1) for c in CANONICAL_COLUMNS
        if r.get(c) is not None and not isinstance(r.get(c), str)
        and (code := readers.cell_problem(c, r.get(c))) is not None
    ]
    blanked = {(p.row, p.column) for p in flagged}
    numbered = [
        (n, cells) for n, r in enumerate(rows, start=1)
        if any((cells := {c: None if (n, c) in blanked else _cell_text(r.get(c)) for c in CANONICAL_COLUMNS}).values())
        and any(str(v).strip() for v in cells.values() if v is not None)
        or any(row == n for row, _ in blanked)
    ]  # blank rows are skipped, as in a file, keeping later row numbers
    ids = {str(r["indicator_id"]).strip() for _, r in numbered if r.get("indicator_id")}
    report.rows = len(numbered)
    session = store.read if dry_run else store.write
    with session() as db:
        try:
            indicators = queries.indicators_by_id(db, sorted(ids))
        except duckdb.CatalogException as e:
            raise StoreError(f"database {store.path} has no monitor schema; run `monitor init` first") from e
        valid, report.problems = check_rows(numbered, indicators, today, report.file)
        if flagged:
            # check_rows lists its valid rows in order, without their numbers: drop the flagged ones.
            checked_bad = {p.row for p in report.problems}
            flagged_rows = {p.row for p in flagged}
            valid_rows = [n for n, _ in numbered if n not in checked_bad]
            valid = [v for n, v in zip(valid_rows, valid, strict=False) if n not in flagged_rows]
            report.problems = sorted(
                [p for p in report.problems if (p.row, p.column) not in blanked] + flagged,
                key=lambda p: (p.row or 0, p.column or ""),
            )
        report.rejected = len({p.row for p in report.problems})
        report.valid = report.rows - report.rejected
        if report.problems and not skip_invalid:
            if dry_run:
                return report
            raise ValidationError(report.problems, _summary(report))
        for reading in valid:
            reading["source"] = reading["source"] or source
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
            report.written = True
    report.new, report.revised, report.unchanged = counts["new"], counts["revised"], counts["unchanged"]
    return report


def import_rows(
    store: Store,
    rows: Sequence[dict[str, Any]],
    *,
    source_name: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    recorded_by: str = "cli",
    today: date | None = None,
) -> ImportReport:
    """Import readings given as dictionaries with the canonical columns (values as text or numbers)."""
    report = ImportReport(file=source_name, batch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    if len(rows) <= SMALL_BATCH:
        return _write_small(
            store, report, rows, dry_run=dry_run, skip_invalid=skip_invalid, recorded_by=recorded_by,
            source=source_name, today=today or date.today(),
        )
    with _import_scratch(store) as (con, folder, stack):
        return _run_import(
            store, con, folder, stack, lambda: stage_rows(con, source_name, rows), report, dry_run=dry_run,
            skip_invalid=skip_invalid, recorded_by=recorded_by, source=source_name, today=today or date.today(),
            progress=None, rows_required=False,
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
) -> ImportReport:
    """Append one reading through the same validation as a file import."""
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
        return import_rows(store, [row], source_name="reading", recorded_by=recorded_by, today=today)
    except ValidationError as e:
        # One reading has no file or row: name only the field.
        problems = [Problem("reading", None, p.column, p.code, p.params, p.value) for p in e.problems]
        raise ValidationError(problems) from e
