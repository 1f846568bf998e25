"""Reading files (CSV, XLSX, Parquet, JSON) and single readings: parse, validate, store.

Every input goes through one pipeline so `monitor add`, `monitor import`, the dashboard and the
scheduled refreshes apply the same rules:

1. stage: the file's rows land as text in a temporary table of the in-memory connection, with the
   row number a spreadsheet would show (header = row 1);
2. parse: numbers and dates in set-based SQL; only the rows SQL cannot read (full-width digits,
   "2.3万", "2025年6月") go through the Python parsers;
3. validate against the indicators in the store, in SQL, collecting every problem with its row,
   column and reason;
4. write in one transaction: all valid rows as new readings or revisions, or nothing.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from monitor.errors import Problem, StoreError, ValidationError
from monitor.model import Qualifier
from monitor.store import queries, schema
from monitor.store.connection import Store

REQUIRED_COLUMNS = ("indicator_id", "period_end", "value")
OPTIONAL_COLUMNS = ("period_start", "qualifier", "unit", "source", "note")
CANONICAL_COLUMNS = (*REQUIRED_COLUMNS[:1], "period_start", "period_end", "value", "qualifier", "unit", "source", "note")
# Columns our own exports add; accepted on import (so an export re-imports) and ignored.
IGNORED_COLUMNS = ("revision", "recorded_at", "recorded_by", "quote", "speaker", "office", "source_date", "batch_id")
SUPPORTED = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".json": "json"}
RAW = "raw_input"

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

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "problems"}
        data["problems"] = [p.__dict__ for p in self.problems]
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


def _check_header(file: str, columns: list[str]) -> list[Problem]:
    problems = []
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(IGNORED_COLUMNS)
    for name in columns:
        if name not in known:
            problems.append(Problem(file, 1, _shown_column(name), "unknown column; expected " + ", ".join(CANONICAL_COLUMNS)))
    seen: set[str] = set()
    for name in columns:
        if name in seen and name in known:
            problems.append(Problem(file, 1, name, "column appears twice"))
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(file, 1, name, "required column is missing"))
    return problems


def _create_raw(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    columns: list[str],
    params: list[Any] | None = None,
    row_expr: str = "CAST(rowid AS INTEGER) + 2",
) -> None:
    """Materialise the staged rows with their spreadsheet row numbers and the canonical columns."""
    present = set(columns)
    picks = ", ".join(
        f'CAST("{name}" AS VARCHAR) AS {name}' if name in present else f"CAST(NULL AS VARCHAR) AS {name}"
        for name in CANONICAL_COLUMNS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW}_src AS {select_sql}", params or [])
    # rowid follows insertion order, which DuckDB preserves for a plain scan.
    # A row with every field empty (",,," from a spreadsheet's blank row) is skipped, as a blank
    # sheet row is, after numbering so the rows after it keep their spreadsheet numbers.
    blank = " AND ".join(f"nullif(trim(CAST(\"{name}\" AS VARCHAR)), '') IS NULL" for name in columns) or "false"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {RAW} AS
        SELECT * FROM (SELECT {row_expr} AS row_no, {picks}, {blank} AS _blank FROM {RAW}_src)
        WHERE NOT _blank
        """
    )
    con.execute(f"ALTER TABLE {RAW} DROP COLUMN _blank")
    con.execute(f"DROP TABLE {RAW}_src")


# A reading row is a few hundred bytes. DuckDB's CSV reader fails on lines longer than its
# max_line_size but silently drops a final line longer than its read buffer (a 200 MB line vanished
# with no error): longer lines are refused here, before DuckDB sees the file.
MAX_LINE_BYTES = 1 << 20
_SCAN_CHUNK = 1 << 20  # at most MAX_LINE_BYTES, so a line longer than that always spans a chunk boundary
_CJK = re.compile(r"[\u3400-\u9fff]")


def _line_problem(file: str, line: int, reason: str) -> ValidationError:
    return ValidationError([Problem(file, line, None, reason)])


def _sniff_encoding(path: Path) -> str:
    """'utf-8-sig' or 'gb18030', in one streaming pass that also refuses what no CSV reader should get.

    Refused with the line (= spreadsheet row) where it is: a NUL byte (a binary or UTF-16 file),
    a line longer than MAX_LINE_BYTES, and a file mixing UTF-8 and GB18030 lines (decoded as one
    encoding, the other's Chinese text would be stored as mojibake without any error).
    """
    utf8: Any = codecs.getincrementaldecoder("utf-8-sig")()
    line, since_break = 1, 0
    with path.open("rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise _line_problem(path.name, line + chunk.count(b"\n", 0, nul),
                                    "contains a NUL byte: this is a binary or UTF-16 file, not CSV text")
            breaks = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if not breaks:
                since_break += len(chunk)
            elif since_break + min(breaks) > MAX_LINE_BYTES:
                since_break += min(breaks)
            else:
                since_break = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
            if since_break > MAX_LINE_BYTES:
                raise _line_problem(path.name, line, f"line too long: more than {MAX_LINE_BYTES // (1 << 20)} MB "
                                    "without a line break (a reading row is a few hundred bytes)")
            line += chunk.count(b"\n")
            if utf8 is not None:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    # Not UTF-8: a second pass for GB18030 (only for such files, as before).
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValidationError([Problem(path.name, None, None, "is neither UTF-8 nor GB18030/GBK text")]) from None
    _check_single_encoding(path)
    return "gb18030"


def _check_single_encoding(path: Path) -> None:
    """A file that is not UTF-8 as a whole must not have UTF-8 Chinese lines either (mixed encodings).

    A line of GBK text is valid UTF-8 containing Chinese characters about never (one window in
    ~70,000 of the briefing's text re-encoded), so such a line means two encodings in one file.
    """
    utf8_line = other_line = None
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if raw.isascii():
                continue
            try:
                if _CJK.search(raw.decode("utf-8")):
                    utf8_line = utf8_line or number
            except UnicodeDecodeError:
                other_line = other_line or number
            if utf8_line and other_line:
                raise _line_problem(
                    path.name, utf8_line,
                    f"mixes encodings: row {utf8_line} is UTF-8 but row {other_line} is not (GBK/GB18030?); "
                    "save the whole file in one encoding (UTF-8)",
                )


@contextmanager
def _utf8_copy(path: Path) -> Iterator[Path]:
    """The CSV as UTF-8 without BOM (DuckDB's reader wants that), transcoding only when needed."""
    encoding = _sniff_encoding(path)
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


CSV_DELIMITERS = (",", ";", "\t", "|")


def _csv_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter and the header cells, from the first line of a UTF-8 file."""
    with path.open("r", encoding="utf-8", newline="") as f:
        first = f.readline()
    counts = {d: first.count(d) for d in CSV_DELIMITERS}
    delimiter = max(counts, key=counts.__getitem__)
    delimiter = delimiter if counts[delimiter] else ","
    return delimiter, next(csv.reader([first], delimiter=delimiter), [])


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if path.stat().st_size == 0:
        raise ValidationError([Problem(path.name, None, None, "is empty")])
    with _utf8_copy(path) as readable:
        # The dialect comes from the header line, not from DuckDB's sniffer: given one row with a
        # field too many or too few, the sniffer picked another dialect or took a data row for the
        # header, and every problem was then blamed on the header. Read this way, a short row is
        # padded (its empty fields are reported on its row) and a long one is a located error.
        # (DuckDB would also rename a repeated header name, "Value" -> "Value_1", hiding it.)
        delimiter, header = _csv_header(readable)
        columns = _normalise_header(header)
        problems = _check_header(path.name, columns)
        if problems:
            raise ValidationError(problems)
        # Normalised header names, all checked against the known columns above.
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)

        def read(parallel: bool) -> None:
            _create_raw(
                con,
                f"""
                SELECT * FROM read_csv(?, header = false, skip = 1, auto_detect = false, delim = ?,
                                       quote = '"', escape = '"', null_padding = true, columns = {{{types}}},
                                       max_line_size = {4 * MAX_LINE_BYTES}, parallel = {str(parallel).lower()})
                """,
                columns,
                [str(readable), delimiter],
            )

        try:
            try:
                read(parallel=True)
            except duckdb.Error as e:
                if "parallel scanner does not support null_padding" not in str(e):
                    raise
                # DuckDB's parallel reader refuses a quoted line break (a multi-line note) together
                # with null_padding once a file spans several of its chunks: read it again on one thread.
                read(parallel=False)
        except duckdb.Error as e:
            raise ValidationError([_csv_problem(path.name, e)]) from e


def _csv_problem(file: str, error: duckdb.Error) -> Problem:
    """DuckDB's CSV error, located where it says, without its advice on reader options."""
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if line and fields:
        return Problem(file, int(line[1]), None, f"has {fields[2]} fields; the header has {fields[1]}")
    return Problem(file, int(line[1]) if line else None, None, f"cannot be read as CSV: {_first_line(error)}")


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        cursor = con.execute("SELECT * FROM read_parquet(?) LIMIT 0", [str(path)])
    except duckdb.Error as e:
        raise ValidationError([Problem(path.name, None, None, f"cannot be read as Parquet: {_first_line(e)}")]) from e
    original = [d[0] for d in cursor.description]
    columns = _normalise_header(original)
    problems = _check_header(path.name, columns)
    if problems:
        raise ValidationError(problems)
    renames = ", ".join(f'"{o.replace(chr(34), "")}" AS {c}' for o, c in zip(original, columns))
    _create_raw(con, f"SELECT {renames} FROM read_parquet(?)", columns, [str(path)])


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


def _stage_records(con: duckdb.DuckDBPyConnection, file: str, header: list[str], rows: list[tuple[int, list[Any]]]) -> None:
    columns = _normalise_header(header)
    problems = _check_header(file, columns)
    if problems:
        raise ValidationError(problems)
    width = len(columns)
    records = [
        [str(row_no), *(_cell_text(v) for v in (list(cells) + [None] * width)[:width])] for row_no, cells in rows
    ]
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
    _create_raw(con, "SELECT * FROM records_view", columns, row_expr="CAST(_row AS INTEGER)")
    con.execute("DROP TABLE records_view")


def _stage_xlsx(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many unrelated types for a broken file
        raise ValidationError([Problem(path.name, None, None, f"cannot be read as an XLSX workbook: {e}")]) from e
    try:
        sheet = workbook.worksheets[0]
        rows_iter = ([_xlsx_value(c) for c in cells] for cells in sheet.iter_rows())
        header_row = next(rows_iter, None)
        if header_row is None or all(c is None for c in header_row):
            raise ValidationError([Problem(path.name, None, None, "is empty: the first sheet has no header row")])
        header = [str(c) if c is not None else "" for c in header_row]
        while header and header[-1] == "":
            header.pop()
        rows = [
            (n, list(cells[: len(header)]))
            for n, cells in enumerate(rows_iter, start=2)
            if any(c is not None and str(c).strip() != "" for c in cells)
        ]
    finally:
        workbook.close()
    _stage_records(con, path.name, header, rows)


def _xlsx_value(cell: Any) -> Any:
    """A cell's value as the sheet shows it where that differs from what it stores.

    A percent-formatted cell stores the fraction: "93.1%" is 0.931, which imported as is would be
    off by a factor of 100 without any error. It is staged as the text shown ("93.1%").
    """
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (getattr(cell, "number_format", None) or ""):
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    return value


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValidationError([Problem(path.name, None, None, f"is not valid JSON: {e}")]) from e
    except RecursionError as e:  # "[[[[...]]]]" nested deeper than the parser's stack
        raise ValidationError([Problem(path.name, None, None, "is not valid JSON: nested too deeply")]) from e
    records = document.get("readings") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValidationError([Problem(path.name, None, None, "must be a list of reading objects or an object with a 'readings' list")])
    header: list[str] = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(key)
    if not header:
        header = list(REQUIRED_COLUMNS)
    rows = [(n, [record.get(k) for k in header]) for n, record in enumerate(records, start=1)]
    _stage_records(con, path.name, header, rows)


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, kind: str | None = None) -> int:
    """Stage a reading file's rows as text; return the row count. File-level problems raise."""
    if not path.exists():
        raise ValidationError([Problem(str(path), None, None, "file not found")])
    if path.is_dir():
        raise ValidationError([Problem(str(path), None, None, "is a folder, not a file")])
    kind = kind or SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise ValidationError([Problem(path.name, None, None, f"unsupported file type '{path.suffix}'; use .csv, .xlsx, .parquet or .json")])
    {"csv": _stage_csv, "xlsx": _stage_xlsx, "parquet": _stage_parquet, "json": _stage_json}[kind](con, path)
    count = con.execute(f"SELECT count(*) FROM {RAW}").fetchone()[0]  # type: ignore[index]
    if count == 0:
        raise ValidationError([Problem(path.name, None, None, "has a header but no data rows")])
    return int(count)


def stage_rows(con: duckdb.DuckDBPyConnection, source: str, rows: Sequence[dict[str, Any]]) -> int:
    """Stage readings given as dictionaries (the CLI's `add`, the dashboard's form, refresh sources)."""
    header = list(CANONICAL_COLUMNS)
    _stage_records(con, source, header, [(n, [r.get(c) for c in header]) for n, r in enumerate(rows, start=1)])
    # Blank rows are not staged: count what was.
    return int(con.execute(f"SELECT count(*) FROM {RAW}").fetchone()[0])  # type: ignore[index]


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# ---------------------------------------------------------------- parsing and validation


def _parse(con: duckdb.DuckDBPyConnection) -> None:
    """Typed columns next to the text ones: SQL for the common forms, Python for the rest."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE parsed AS
        SELECT *,
               TRY_CAST(
                   CASE WHEN regexp_full_match(trim(value), '[+-]?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?')
                        THEN replace(trim(value), ',', '') ELSE trim(value) END
                   AS DOUBLE) AS v,
               CAST(NULL AS VARCHAR) AS v_qualifier,
               CAST(NULL AS VARCHAR) AS v_error,
               CASE WHEN regexp_full_match(trim(period_start), '\\d{{4}}-\\d{{2}}-\\d{{2}}')
                    THEN TRY_CAST(trim(period_start) AS DATE) END AS ps,
               CAST(NULL AS VARCHAR) AS ps_error,
               CASE WHEN regexp_full_match(trim(period_end), '\\d{{4}}-\\d{{2}}-\\d{{2}}')
                    THEN TRY_CAST(trim(period_end) AS DATE) END AS pe,
               CAST(NULL AS VARCHAR) AS pe_error,
               CAST(NULL AS DATE) AS pe_span_start
        FROM {RAW}
        """
    )
    # NaN and Infinity parse as doubles; they are not figures.
    con.execute("UPDATE parsed SET v = NULL WHERE isnan(v) OR isinf(v)")
    _python_fallback_values(con)
    _python_fallback_dates(con)


def _python_fallback_values(con: duckdb.DuckDBPyConnection) -> None:
    from monitor.units import parse_number

    rows = con.execute(
        "SELECT row_no, value FROM parsed WHERE v IS NULL AND value IS NOT NULL AND trim(value) <> ''"
    ).fetchall()
    fixes = []
    for row_no, text in rows:
        try:
            number, qualifier = parse_number(text)
            if not math.isfinite(number):
                raise ValueError("is not a finite number")
            fixes.append((row_no, number, qualifier, None))
        except ValueError as e:
            fixes.append((row_no, None, None, str(e) or "is not a number"))
    if fixes:
        con.execute("CREATE OR REPLACE TEMP TABLE value_fix (row_no INTEGER, v DOUBLE, q VARCHAR, err VARCHAR)")
        con.executemany("INSERT INTO value_fix VALUES (?, ?, ?, ?)", fixes)
        con.execute(
            """
            UPDATE parsed SET v = f.v, v_qualifier = f.q, v_error = f.err
            FROM value_fix AS f WHERE parsed.row_no = f.row_no
            """
        )


def _python_fallback_dates(con: duckdb.DuckDBPyConnection) -> None:
    from monitor.periods import parse_date, parse_period

    rows = con.execute(
        """
        SELECT row_no, period_start, period_end FROM parsed
        WHERE (ps IS NULL AND nullif(trim(period_start), '') IS NOT NULL)
           OR (pe IS NULL AND nullif(trim(period_end), '') IS NOT NULL)
        """
    ).fetchall()
    fixes = []
    for row_no, start_text, end_text in rows:
        ps = pe = span_start = None
        ps_error = pe_error = None
        if start_text and start_text.strip():
            try:
                ps = parse_date(start_text.strip())
            except ValueError as e:
                try:
                    ps = parse_period(start_text.strip()).start
                except ValueError:
                    ps_error = str(e) or "is not a date"
        if end_text and end_text.strip():
            try:
                pe = parse_date(end_text.strip())
            except ValueError as e:
                try:
                    period = parse_period(end_text.strip())
                    pe, span_start = period.end, period.start
                except ValueError:
                    pe_error = str(e) or "is not a date"
        fixes.append((row_no, ps, ps_error, pe, pe_error, span_start))
    if fixes:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE date_fix (
                row_no INTEGER, ps DATE, ps_error VARCHAR, pe DATE, pe_error VARCHAR, span_start DATE)
            """
        )
        con.executemany("INSERT INTO date_fix VALUES (?, ?, ?, ?, ?, ?)", fixes)
        con.execute(
            """
            UPDATE parsed SET
                ps = coalesce(parsed.ps, f.ps), ps_error = f.ps_error,
                pe = coalesce(parsed.pe, f.pe), pe_error = f.pe_error, pe_span_start = f.span_start
            FROM date_fix AS f WHERE parsed.row_no = f.row_no
            """
        )


def _unit_factors(con: duckdb.DuckDBPyConnection) -> None:
    """One conversion factor (or reason) per distinct (indicator, unit) pair in the input."""
    from monitor.units import conversion_factor

    pairs = con.execute(
        """
        SELECT DISTINCT p.indicator_id, trim(p.unit), i.unit, i.display_unit
        FROM parsed AS p JOIN indicator_snapshot AS i ON i.id = trim(p.indicator_id)
        WHERE nullif(trim(p.unit), '') IS NOT NULL
        """
    ).fetchall()
    rows = []
    for indicator_id, unit, base, display in pairs:
        try:
            rows.append((indicator_id, unit, conversion_factor(unit, base), None))
        except ValueError as e:
            shown = unit if len(unit) <= 60 else unit[:59] + "…"  # the message stays one short line
            rows.append((indicator_id, unit, None, f"unit '{shown}' cannot be converted to {display} ({base}): {e}"))
    con.execute("CREATE OR REPLACE TEMP TABLE unit_factor (indicator_id VARCHAR, unit VARCHAR, factor DOUBLE, err VARCHAR)")
    if rows:
        con.executemany("INSERT INTO unit_factor VALUES (?, ?, ?, ?)", rows)


def _qualifier_map(con: duckdb.DuckDBPyConnection) -> None:
    from monitor.units import QUALIFIER_WORDS

    con.execute("CREATE OR REPLACE TEMP TABLE qualifier_word (word VARCHAR, qualifier VARCHAR)")
    words = {q.value: q.value for q in Qualifier} | {k: str(v) for k, v in QUALIFIER_WORDS.items()}
    con.executemany("INSERT INTO qualifier_word VALUES (?, ?)", list(words.items()))


def _validate(con: duckdb.DuckDBPyConnection, file: str, today: date) -> list[Problem]:
    """Build `valid_readings` (typed, base units) and return every problem found."""
    _unit_factors(con)
    _qualifier_map(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT p.*,
               i.id IS NOT NULL AS known,
               i.measure, i.frequency, i.lower_bound, i.upper_bound, i.display_unit, i.unit AS base_unit,
               i.cumulative_since,
               u.factor, u.err AS unit_error,
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
        LEFT JOIN indicator_snapshot AS i ON i.id = trim(p.indicator_id)
        LEFT JOIN unit_factor AS u ON u.indicator_id = p.indicator_id AND u.unit = trim(p.unit)
        LEFT JOIN qualifier_word AS qw ON qw.word = lower(trim(p.qualifier))
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE problem AS
        WITH keyed AS (
            SELECT row_no, trim(indicator_id) AS key_id, start_date, pe, base_value
            FROM checked
            WHERE known AND pe IS NOT NULL AND start_date IS NOT NULL
        ),
        -- Only the (usually few) repeated periods go through the ordered window below.
        repeated AS (
            SELECT key_id, start_date, pe FROM keyed GROUP BY ALL HAVING count(*) > 1
        ),
        dup AS (
            SELECT row_no,
                   min(row_no) OVER w AS first_row,
                   -- The first row of a conflicting group names the next one, not itself.
                   nth_value(row_no, 2) OVER w AS second_row,
                   count(*) OVER w AS n,
                   count(DISTINCT base_value) OVER w AS values_n
            FROM keyed SEMI JOIN repeated USING (key_id, start_date, pe)
            WINDOW w AS (PARTITION BY key_id, start_date, pe ORDER BY row_no
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
        )
        SELECT row_no, 'indicator_id' AS col, 'unknown indicator (see `monitor indicators`)' AS reason, indicator_id AS val
        FROM checked WHERE NOT known AND nullif(trim(indicator_id), '') IS NOT NULL
        UNION ALL SELECT row_no, 'indicator_id', 'is required', NULL FROM checked WHERE nullif(trim(indicator_id), '') IS NULL
        UNION ALL SELECT row_no, 'value', 'is required', NULL FROM checked WHERE nullif(trim(value), '') IS NULL
        UNION ALL SELECT row_no, 'value', coalesce(v_error, 'is not a number'), value
        FROM checked WHERE v IS NULL AND nullif(trim(value), '') IS NOT NULL
        UNION ALL SELECT row_no, 'period_end', 'is required', NULL FROM checked WHERE nullif(trim(period_end), '') IS NULL
        UNION ALL SELECT row_no, 'period_end', coalesce(pe_error, 'is not a date (use YYYY-MM-DD)'), period_end
        FROM checked WHERE pe IS NULL AND nullif(trim(period_end), '') IS NOT NULL
        UNION ALL SELECT row_no, 'period_start', coalesce(ps_error, 'is not a date (use YYYY-MM-DD)'), period_start
        FROM checked WHERE ps IS NULL AND nullif(trim(period_start), '') IS NOT NULL
        UNION ALL SELECT row_no, 'period_start',
               'is required for this indicator (' || measure || ', ' || frequency || ') unless period_end is a month end', NULL
        FROM checked WHERE known AND pe IS NOT NULL AND start_date IS NULL AND nullif(trim(period_start), '') IS NULL
        UNION ALL SELECT row_no, 'period_end', 'is before period_start ' || CAST(start_date AS VARCHAR), period_end
        FROM checked WHERE pe < start_date
        UNION ALL SELECT row_no, 'period_end', 'is in the future (after ' || CAST(CAST(? AS DATE) AS VARCHAR) || ')', period_end
        FROM checked WHERE pe > CAST(? AS DATE)
        UNION ALL SELECT row_no, 'unit', unit_error, unit FROM checked WHERE unit_error IS NOT NULL
        UNION ALL SELECT row_no, 'value',
               'has a magnitude word (万, 亿, 千) and the unit ' || trim(unit) || ' has one too; give it once', value
        FROM checked WHERE coalesce(factor, 1) <> 1 AND regexp_matches(value, '[万亿千]')
        UNION ALL SELECT row_no, 'qualifier', 'unknown qualifier; use exact, approx, at_least, more_than or at_most', qualifier
        FROM checked WHERE q IS NULL
        UNION ALL SELECT row_no, 'value',
               'is below the plausible minimum ' || CAST(lower_bound AS VARCHAR) || ' ' || base_unit, value
        FROM checked WHERE base_value < lower_bound
        UNION ALL SELECT row_no, 'value',
               'is above the plausible maximum ' || CAST(upper_bound AS VARCHAR) || ' ' || base_unit, value
        FROM checked WHERE base_value > upper_bound
        UNION ALL SELECT row_no, 'period_end',
               CASE WHEN values_n > 1
                    THEN 'conflicts with row ' || CASE WHEN row_no = first_row THEN second_row ELSE first_row END
                         || ' (same indicator and period, other value)'
                    ELSE 'duplicates row ' || first_row END, NULL
        FROM dup WHERE n > 1 AND (row_no <> first_row OR values_n > 1)
        """,
        [today, today],
    )
    rows = con.execute(
        "SELECT row_no, col, reason, val FROM problem ORDER BY row_no, col"
    ).fetchall()
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE valid_readings AS
        SELECT trim(indicator_id) AS indicator_id, start_date AS period_start, pe AS period_end,
               base_value AS value, q AS qualifier, nullif(trim(source), '') AS source,
               nullif(trim(note), '') AS note,
               CAST(NULL AS VARCHAR) AS quote, CAST(NULL AS DATE) AS source_date,
               CAST(NULL AS VARCHAR) AS speaker, CAST(NULL AS VARCHAR) AS office
        FROM checked
        WHERE row_no NOT IN (SELECT row_no FROM problem)
        """
    )
    return [Problem(file, r[0], r[1], r[2], r[3]) for r in rows]


def _rejected_rows(con: duckdb.DuckDBPyConnection, batch_id: str, file: str) -> list[list[Any]]:
    return [
        [batch_id, file, *row]
        for row in con.execute(
            f"""
            SELECT p.row_no, p.col, p.reason, p.val,
                   to_json({{indicator_id: r.indicator_id, period_start: r.period_start, period_end: r.period_end,
                             value: r.value, qualifier: r.qualifier, unit: r.unit, source: r.source, note: r.note}})
            FROM problem AS p JOIN {RAW} AS r USING (row_no)
            ORDER BY p.row_no, p.col
            """
        ).fetchall()
    ]


def _default_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    con.execute("UPDATE valid_readings SET source = ? WHERE source IS NULL", [source])


def _snapshot_indicators(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the indicators the staged rows name into the scratch connection (inside a read session)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE indicator_snapshot AS
        SELECT * FROM indicator
        WHERE id IN (SELECT DISTINCT trim(indicator_id) FROM parsed)
        """
    )


def _write_staged(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    report: ImportReport,
    *,
    dry_run: bool,
    skip_invalid: bool,
    recorded_by: str,
    source: str,
    today: date,
    progress: ProgressCallback | None,
) -> ImportReport:
    # Checked first: a write session creates a missing file, and without the schema validation
    # failed with DuckDB's "Table with name indicator does not exist" (a traceback in the CLI).
    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    # Parsing and validation run on the scratch connection, outside the write lock, so other
    # writers wait only for the insert itself; the indicators are read under a shared lock.
    _parse(con)
    with store.read() as db:
        if not schema.applied_versions(db):
            raise StoreError(f"database {store.path} has no monitor schema; run `monitor init` first")
        _snapshot_indicators(db)
    if progress:
        progress("validate", 2, 4)
    report.problems = _validate(con, report.file, today)
    report.rejected = len({p.row for p in report.problems})
    report.valid = report.rows - report.rejected
    if report.problems and not skip_invalid:
        if dry_run:
            return report
        raise ValidationError(report.problems, _summary(report))
    _default_source(con, source)
    if progress:
        progress("write", 3, 4)
    if dry_run:
        with store.read() as db:
            counts = _classify_only(db)
    else:
        rejected = _rejected_rows(con, report.batch_id, report.file)
        # Indicators are never deleted (a catalogue import replaces one within its own transaction),
        # so the snapshot's verdicts still hold inside the write transaction.
        with store.write() as db:
            queries.add_rejected(db, rejected)
            counts = queries.add_staged_readings(db, "valid_readings", recorded_by, report.batch_id)
        report.written = True
    report.new, report.revised, report.unchanged = counts["new"], counts["revised"], counts["unchanged"]
    if progress:
        progress("done", 4, 4)
    return report


def _classify_only(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """What a write would do, without writing (for --dry-run on a read-only session)."""
    row = con.execute(
        """
        WITH current AS (
            SELECT indicator_id, period_start, period_end, value, qualifier FROM reading
            QUALIFY revision = max(revision) OVER (PARTITION BY indicator_id, period_start, period_end)
        )
        SELECT count(*) FILTER (WHERE c.value IS NULL),
               count(*) FILTER (WHERE c.value IS NOT NULL AND (c.value <> s.value OR c.qualifier <> s.qualifier)),
               count(*) FILTER (WHERE c.value = s.value AND c.qualifier = s.qualifier)
        FROM valid_readings AS s LEFT JOIN current AS c USING (indicator_id, period_start, period_end)
        """
    ).fetchone()
    assert row is not None
    return {"new": row[0], "revised": row[1], "unchanged": row[2]}


def _summary(report: ImportReport) -> str:
    first = report.problems[0]
    more = len(report.problems) - 1
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
    report = ImportReport(file=file.name, batch_id=uuid.uuid4().hex[:12], dry_run=dry_run)
    with store.scratch() as con:
        if progress:
            progress("read", 1, 4)
        report.rows = stage_file(con, file, kind)
        return _write_staged(
            store, con, report, dry_run=dry_run, skip_invalid=skip_invalid, recorded_by=recorded_by,
            source=file.name, today=today or date.today(), progress=progress,
        )


# Up to this many rows, validation runs in Python inside the write transaction (monitor.validate):
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
    from monitor.validate import check_rows

    if not store.exists:
        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    numbered = [
        (n, cells) for n, r in enumerate(rows, start=1)
        if any((cells := {c: _cell_text(r.get(c)) for c in CANONICAL_COLUMNS}).values())
        and any(str(v).strip() for v in cells.values() if v is not None)
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
    with store.scratch() as con:
        report.rows = stage_rows(con, source_name, rows)
        return _write_staged(
            store, con, report, dry_run=dry_run, skip_invalid=skip_invalid, recorded_by=recorded_by,
            source=source_name, today=today or date.today(), progress=None,
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
        problems = [Problem("reading", None, p.column, p.reason, p.value) for p in e.problems]
        raise ValidationError(problems) from e
