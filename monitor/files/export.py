"""Export the store's indicators, targets and readings as CSV, JSON, Parquet or XLSX.

A file is written whole or not at all (write_whole): built in memory, written under a temporary
name beside it and renamed, so a full disk leaves no truncated export that looks complete.
"""

from __future__ import annotations

import csv
import errno
import gc
import io
import json
import math
import os
import secrets
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.store import catalog_queries, queries
from monitor.store.connection import Store

FORMATS = ("csv", "json", "parquet", "xlsx")
TEXT_FORMATS = ("csv", "json")
READING_EXPORT_COLUMNS = (
    "indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note",
    "revision", "recorded_at", "recorded_by", "quote",
)
# With --history the withdrawals (schema migration 7) are rows too: they say so in two more columns.
# Without it a withdrawn period has no row (no reading in force), and the columns stay as they were, so
# such an export re-imports.
HISTORY_EXPORT_COLUMNS = (*READING_EXPORT_COLUMNS, "withdrawn", "withdrawn_reason")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula (CSV/XLSX injection) with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _xlsx_cell(value: Any) -> Any:
    """A cell value openpyxl accepts: neutralised, and control characters a worksheet cannot hold
    (openpyxl raised IllegalCharacterError for a note with an escape code, failing the whole export)
    replaced by U+FFFD. The CSV, JSON and Parquet exports keep such text exactly."""
    value = neutralise(value)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def write_csv_rows(out: Any, rows: Sequence[Sequence[Any]]) -> None:
    """CSV rows ending in "\n", with every field holding a line break quoted.

    Python 3.11's csv writer quotes a field with "\n" (the line terminator) but not one with a bare
    "\r", which every reader takes for a line break: a note with a CR split its row in two. Such
    rows are written by a CRLF writer (which quotes them) and given the "\n" ending back.
    """
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if any(isinstance(v, str) and "\r" in v for v in row):
            one = io.StringIO()
            csv.writer(one, lineterminator="\r\n").writerow(row)
            out.write(one.getvalue()[:-2] + "\n")
        else:
            writer.writerow(row)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value  # enums
    return value


def collect(store: Store, history: bool = False) -> dict[str, list[dict[str, Any]]]:
    with store.read() as con:
        indicators = queries.list_indicators(con)
        targets = queries.list_targets(con, history=history, withdrawn=history)
        readings = queries.list_readings(con, history=history)
        retired = catalog_queries.retirements(con)
    units = {i.id: i.unit for i in indicators}

    def flat(obj: Any) -> dict[str, Any]:
        data = asdict(obj)
        provenance = data.pop("provenance", None) or {}
        for key in ("quote", "speaker", "office"):
            if provenance.get(key) is not None:
                data[key] = provenance[key]
        if "change" in data:  # a target's form (migration 5) as the store's flat columns
            change = data.pop("change") or {}
            data["change_kind"], data["change_amount"] = change.get("kind"), change.get("amount")
            data["path"] = queries.path_text(obj.path)
        if not history:  # nothing withdrawn is in force: the export's shape is as before withdrawals
            for key in ("withdrawn", "withdrawn_reason", "withdraws"):
                data.pop(key, None)
        return {k: _plain(v) for k, v in data.items()}

    reading_rows = []
    for r in readings:
        row = flat(r)
        row["unit"] = units.get(r.indicator_id)
        reading_rows.append(row)
    return {
        # Every indicator says whether it is still followed (json and the xlsx indicators sheet):
        # a retired one is in the export with its history, and must not read as a live goal.
        "indicators": [{**flat(i), "retired_on": _plain(retired[i.id].date) if i.id in retired else None,
                        "retired_reason": retired[i.id].reason if i.id in retired else None} for i in indicators],
        "targets": [flat(t) for t in targets],
        "readings": reading_rows,
    }


def json_ready(data: Any) -> Any:
    """NaN and infinities as null: JSON has no such numbers, and a store written before monitor.model.validate's
    rules may hold them (`monitor check` names them)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: json_ready(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_ready(v) for v in data]
    return data


def _reading_table(readings: Sequence[dict[str, Any]], safe: bool, columns: Sequence[str]) -> list[list[Any]]:
    rows = []
    for r in readings:
        row = [r.get(c) for c in columns]
        rows.append([neutralise(v) for v in row] if safe else row)
    return rows


def export_store(store: Store, fmt: str, out: str | Path | None = None, history: bool = False) -> str | None:
    """Write the export to ``out``; with no ``out`` return the text (csv and json only)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
    if out is None and fmt not in TEXT_FORMATS:
        raise ConfigError(f"--format {fmt} is binary: give --out PATH")
    data = collect(store, history=history)
    reading_columns = HISTORY_EXPORT_COLUMNS if history else READING_EXPORT_COLUMNS
    if fmt == "json":
        text = json.dumps(json_ready(data), ensure_ascii=False, indent=2)
        return _emit(text, out)
    if fmt == "csv":
        buffer = io.StringIO()
        write_csv_rows(buffer, [list(reading_columns), *_reading_table(data["readings"], safe=True, columns=reading_columns)])
        # A file gets a UTF-8 BOM: without it Excel on Chinese Windows reads the text as GBK.
        return _emit(buffer.getvalue(), out, encoding="utf-8-sig")
    assert out is not None
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {c: [r.get(c) for r in data["readings"]] for c in reading_columns}
        columns["period_start"] = [date.fromisoformat(str(v)) for v in columns["period_start"]]
        columns["period_end"] = [date.fromisoformat(str(v)) for v in columns["period_end"]]
        columns["recorded_at"] = [datetime.fromisoformat(v) if v else None for v in columns["recorded_at"]]
        sink = pa.BufferOutputStream()
        pq.write_table(pa.table(columns), sink)
        write_whole(path, sink.getvalue().to_pybytes())
        return None
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has its one sheet
    sheet.title = "readings"
    sheet.append(list(reading_columns))
    for row in _reading_table(data["readings"], safe=True, columns=reading_columns):
        sheet.append([_xlsx_cell(v) for v in row])
    for name in ("indicators", "targets"):
        ws = workbook.create_sheet(name)
        rows = data[name]
        if rows:
            header = list(rows[0].keys())
            ws.append(header)
            for item in rows:
                ws.append([_xlsx_cell(item.get(h)) for h in header])
    write_whole(path, _xlsx_bytes(workbook, path))
    return None


def _xlsx_bytes(workbook: Any, path: Path) -> bytes:
    """The workbook as bytes. openpyxl still writes each sheet to a temporary file first; when that
    fails (a full disk), it leaves the sheet's writer, a generator, suspended in the traceback, and
    when that is collected it fails again and Python prints "Exception ignored ... Traceback" at exit.
    So on failure the traceback is let go of here, with that second report silenced."""
    buffer = io.BytesIO()
    failure: OSError | None = None
    try:
        workbook.save(buffer)
    except Exception as e:
        if isinstance(e, OSError):
            failure = OSError(e.errno, e.strerror, str(path))
        else:
            code = _lxml_io_errno(e)
            if code is None:
                raise
            failure = OSError(code, os.strerror(code), str(path))
        hook = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: None
        try:
            e.__traceback__ = None
            del e
            gc.collect()
        finally:
            sys.unraisablehook = hook
    if failure is not None:
        raise failure
    return buffer.getvalue()


def _lxml_io_errno(error: BaseException) -> int | None:
    """The errno of a write lxml failed ("IO_ENOSPC", "IO_EFBIG", ...), else None. openpyxl writes its
    sheets with lxml whenever lxml is installed (python-docx, for the reports, depends on it), and lxml
    reports a failed write as its own SerialisationError rather than an OSError."""
    if type(error).__name__ != "SerialisationError" or not type(error).__module__.startswith("lxml"):
        return None
    name = str(error).strip().removeprefix("IO_")
    code = getattr(errno, name, None)
    return code if isinstance(code, int) else errno.EIO


def _emit(text: str, out: str | Path | None, encoding: str = "utf-8") -> str | None:
    if out is None:
        return text
    write_whole(Path(out), text.encode(encoding))
    return None


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file in the same folder,
    then renamed over ``path``. On failure (a full disk, a read-only folder) nothing is left
    behind and the OSError names ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        try:
            # Not tempfile.mkstemp: its 0600 would stay on the export; 0666 lets the umask decide.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise OSError(e.errno, e.strerror, str(path)) from e
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise OSError(e.errno, e.strerror, str(path)) from e
