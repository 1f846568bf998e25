"""Opening the files people send: the checks and readers every path a reading file takes shares.

A file reaches the product by `monitor import`, the dashboard's upload (its preview, its rejected-rows
download and its import) or a refresh source (an inbox, a URL or a file, read as `monitor import`
reads it or through a column mapping). Each of those paths calls the functions here, so a hardening
made here holds on all of them:

- ``regular_file``: the path is a regular file; a folder, FIFO, device or socket is refused by its
  metadata alone (opening a FIFO blocks, and /dev/zero never ends);
- ``csv_encoding``: one streaming pass over a CSV that refuses a NUL byte, a line over 1 MB and a
  mix of UTF-8 and GB18030 lines, each at its row (CR, LF and CRLF all end a row);
  ``csv_quote_problem`` explains, after DuckDB failed on a file, a quoted field that never ends;
- ``read_xlsx``: the first worksheet's header and every row and cell (``read_xlsx_sheets``: the
  named worksheets of a workbook, such as the catalogue template's), whatever the sheet's
  ``<dimension>`` record claims, within caps on the unpacked size (declared and actually unpacked),
  the parts, rows, columns and filled cells (zip bombs); a value under no header is a located error,
  as an extra CSV field is;
- ``load_json``: a JSON document, with duplicate keys marked, integers too long for a double kept as
  exact numbers, a size cap and the nesting limit caught;
- ``cell_problem``: a typed cell (XLSX, JSON, a feed) that cannot be what its column holds: a number
  where a date belongs, an object, a list, true/false.

Contract: a file that cannot be read raises ValidationError naming the file, with the row and column
where they are known and the reason in the user's terms; never another exception.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from monitor.errors import Problem, ValidationError

# ---------------------------------------------------------------- limits

# A reading row is a few hundred bytes; a longer line is refused before DuckDB sees the file (DuckDB
# silently dropped a final line longer than its read buffer).
MAX_LINE_BYTES = 1 << 20
# DuckDB's max_line_size for a record (a quoted cell may span lines): four times a line.
MAX_RECORD_BYTES = 4 * MAX_LINE_BYTES
_SCAN_CHUNK = 1 << 20  # at most MAX_LINE_BYTES, so a line longer than that always spans a chunk boundary

# An XLSX file is a zip of XML parts. The caps refuse a zip bomb (2 GiB of whitespace packs into
# 2 MB) before it is parsed, and bound what a sheet costs: openpyxl parses about 70,000 cells a second
# here, so 500,000 filled cells (100,000 readings of five columns, some 25 MB unpacked) take ~7 s.
# Memory while reading stays within a small multiple of XLSX_MAX_UNPACKED. Larger files go as CSV.
XLSX_MAX_UNPACKED = 128 << 20
XLSX_MAX_PARTS = 10_000
XLSX_MAX_CELLS = 500_000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# Values under no header reported before the sheet is given up on.
STRAY_KEPT = 100
# JSON is parsed whole, into Python objects several times its size.
JSON_MAX_BYTES = 64 << 20
# A JSON integer longer than this is kept as a Decimal (int() refuses more than 4,300 digits, and no
# double holds more than 309): the value then says "number too large" at its row, as in a CSV.
_JSON_INT_DIGITS = 300

DATE_COLUMNS = ("period_start", "period_end")
NUMBER_AS_DATE = "problem.number_as_date"

_CJK = re.compile(r"[\u3400-\u9fff]")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def fail(name: str, code: str, row: int | None = None, column: str | None = None,
         value: str | None = None, **params: Any) -> ValidationError:
    """One problem (a code of monitor.model.problems and its parameters) as the error to raise."""
    return ValidationError([Problem(name, row, column, code, params, value)])


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# ---------------------------------------------------------------- any file

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def regular_file(path: Path) -> int:
    """The file's size; refused unless it is a regular file (by its metadata: a FIFO is never opened)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise fail(str(path), "problem.file_not_found") from None
    except OSError as e:
        raise fail(path.name, "problem.cannot_open", detail=str(e.strerror or e)) from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(str(path), "problem.folder")
    if not stat.S_ISREG(info.st_mode):
        kind = next((what for test, what in _KINDS if test(info.st_mode)), "a special file")
        raise fail(path.name, "problem.not_regular", kind=kind)
    return info.st_size


# ---------------------------------------------------------------- CSV


def _breaks(data: bytes, after_cr: bool) -> int:
    """Line ends in ``data`` (CRLF, CR or LF), given whether the bytes before it ended with a CR."""
    n = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return n - 1 if after_cr and data[:1] == b"\n" else n


def csv_encoding(path: Path) -> str:
    """'utf-8-sig' or 'gb18030', in one streaming pass that also refuses what no CSV reader should get.

    Refused with the line (= spreadsheet row, unless a quoted cell spans lines) where it is: a NUL
    byte (a binary or UTF-16 file), a line longer than MAX_LINE_BYTES, and a file mixing UTF-8 and
    GB18030 lines (decoded as one encoding, the other's Chinese text would be stored as mojibake).
    """
    utf8: Any = codecs.getincrementaldecoder("utf-8-sig")()
    line, since_break, after_cr = 1, 0, False
    with path.open("rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            nul = chunk.find(b"\0")
            if nul >= 0:
                raise fail(path.name, "problem.nul_byte", line + _breaks(chunk[:nul], after_cr))
            breaks = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if not breaks:
                since_break += len(chunk)
            elif since_break + min(breaks) > MAX_LINE_BYTES:
                since_break += min(breaks)
            else:
                since_break = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
            if since_break > MAX_LINE_BYTES:
                raise fail(path.name, "problem.line_too_long", line, mb=MAX_LINE_BYTES >> 20)
            line += _breaks(chunk, after_cr)
            after_cr = chunk.endswith(b"\r")
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
    # Not UTF-8: a second pass for GB18030 (only for such files).
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise fail(path.name, "problem.encoding") from None
    _check_single_encoding(path)
    return "gb18030"


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line, split at CRLF, CR or LF (lines are known to be short)."""
    number, rest = 1, b""
    with path.open("rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            data = rest + chunk
            # A CR at the end may be the first half of a CRLF: keep it for the next chunk.
            cut = len(data) - 1 if data.endswith(b"\r") else len(data)
            parts = _LINE_END.split(data[:cut])
            rest = parts.pop() + data[cut:]
            for part in parts:
                yield number, part
                number += 1
    if rest:
        for part in _LINE_END.split(rest):
            yield number, part
            number += 1


def _check_single_encoding(path: Path) -> None:
    """A file that is not UTF-8 as a whole must not have UTF-8 Chinese lines either (mixed encodings).

    A line of GBK text is valid UTF-8 containing Chinese characters about never (one window in
    ~70,000 of the briefing's text re-encoded), so such a line means two encodings in one file.
    """
    utf8_line = other_line = None
    for number, raw in _lines(path):
        if raw.isascii():
            continue
        try:
            if _CJK.search(raw.decode("utf-8")):
                utf8_line = utf8_line or number
        except UnicodeDecodeError:
            other_line = other_line or number
        if utf8_line and other_line:
            raise fail(path.name, "problem.mixed_encoding", utf8_line, utf8_row=utf8_line, other_row=other_line)


CSV_DELIMITERS = (",", ";", "\t", "|")


def csv_header(path: Path, encoding: str = "utf-8") -> tuple[str, list[str]]:
    """The delimiter and the header cells, from the first line (the delimiter it uses most)."""
    with path.open("r", encoding=encoding, newline="") as f:
        first = f.readline()
    counts = {d: first.count(d) for d in CSV_DELIMITERS}
    delimiter = max(counts, key=counts.__getitem__)
    delimiter = delimiter if counts[delimiter] else ","
    return delimiter, next(csv.reader([first], delimiter=delimiter), [])


def _overlong(name: str, row: int) -> Problem:
    return Problem(name, row, None, "problem.quote_overlong", {"mb": MAX_RECORD_BYTES >> 20})


def csv_quote_problem(path: Path, name: str) -> Problem | None:
    """After DuckDB failed on a CSV: a quoted field that never ends, or runs past MAX_RECORD_BYTES.

    DuckDB reports either as a field count or a line size on some line, which misleads: the row that
    matters is the one whose quote opened. Rows are counted as a spreadsheet does (a quoted line break
    stays in its row). One streaming pass; the Python loop turns once per line or quote, not per byte.
    """
    row, quoted, size, after_cr = 1, False, 0, False
    special = re.compile(rb'["\r\n]')
    with path.open("rb") as f:
        while chunk := f.read(_SCAN_CHUNK):
            pos, n = 0, len(chunk)
            if after_cr and chunk[:1] == b"\n" and not quoted:
                pos = 1  # the LF of a CRLF split between two chunks
            after_cr = False
            while pos < n:
                if quoted:
                    end = chunk.find(b'"', pos)
                    if end < 0:
                        size += n - pos
                        break
                    size += end + 1 - pos
                    pos, quoted = end + 1, False
                    continue
                match = special.search(chunk, pos)
                if match is None:
                    size += n - pos
                    break
                at = match.start()
                size += at - pos
                if chunk[at] == 0x22:  # a quote opens
                    quoted, pos = True, at + 1
                    size += 1
                    continue
                # A line end outside quotes ends the row.
                if size > MAX_RECORD_BYTES:
                    return _overlong(name, row)
                if chunk[at] == 0x0D and at + 1 < n and chunk[at + 1] == 0x0A:
                    at += 1
                elif chunk[at] == 0x0D and at + 1 == n:
                    after_cr = True
                row, size, pos = row + 1, 0, at + 1
            if size > MAX_RECORD_BYTES:
                return _overlong(name, row)
    if quoted:
        return Problem(name, row, None, "problem.quote_unclosed")
    return None


# ---------------------------------------------------------------- XLSX


@dataclass
class Sheet:
    """The first worksheet: header cells (trailing empty ones dropped) and the non-blank rows."""

    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (spreadsheet row number, cells)
    # Merged cells (read_xlsx_sheets only): (first row, first column, last row, last column), 1-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: .xls, or an encrypted .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _not_a_zip(path: Path) -> ValidationError:
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if head.startswith(_CFB_MAGIC):
        if _ENCRYPTED in head:
            return fail(path.name, "problem.encrypted")
        return fail(path.name, "problem.old_xls")
    if head.startswith(b"PK\x03\x04"):
        return fail(path.name, "problem.xlsx_unreadable", detail="the zip archive is cut short or damaged "
                    "(its table of contents is missing): send the whole file again")
    return fail(path.name, "problem.xlsx_unreadable", detail="it is not a zip archive "
                "(an .xlsx file is one; was another kind of file renamed to .xlsx?)")


def _check_archive(path: Path) -> None:
    """The zip's parts: their number, their declared sizes, then each unpacked, counting what comes out.

    Declared sizes are only a claim: every part is unpacked (streamed, 1 MB at a time, nothing kept)
    and the bytes counted against XLSX_MAX_UNPACKED before openpyxl reads any of it. (CPython's
    zipfile itself stops a part at its declared size and then fails its checksum, so a part that
    lies is refused as damaged; the count holds whatever the zip library does.) A DTD in an XML part
    (which Excel never writes; its entities can expand to gigabytes) is refused on the way. Costs one
    extra unpacking of the file, about 0.3 s for the largest workbook the caps allow.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _not_a_zip(path) from None
    except (OSError, ValueError, EOFError) as e:
        raise fail(name, "problem.xlsx_unreadable", detail=f"the zip archive is damaged ({first_line(e)})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > XLSX_MAX_PARTS:
            raise fail(name, "problem.xlsx_unreadable", detail=f"it has {len(infos):,} parts (a workbook has dozens)")
        if not any(i.filename.startswith("xl/") for i in infos) or "[Content_Types].xml" not in archive.NameToInfo:
            raise fail(name, "problem.xlsx_unreadable", detail="it is a zip archive but not an Excel workbook "
                       "(it has no xl/ folder; a .docx or .zip renamed?)")
        if any(i.flag_bits & 0x1 for i in infos):
            raise fail(name, "problem.encrypted")
        declared = sum(i.file_size for i in infos)
        if declared > XLSX_MAX_UNPACKED:
            raise fail(name, "problem.unpacks_to", size=_mb(declared), limit=_mb(XLSX_MAX_UNPACKED))
        unpacked = 0
        for info in infos:
            xml = info.filename.endswith((".xml", ".rels"))
            tail = b""
            try:
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > XLSX_MAX_UNPACKED:
                            raise fail(name, "problem.unpacks_past", limit=_mb(XLSX_MAX_UNPACKED))
                        if xml and (b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk):
                            raise fail(name, "problem.xlsx_unreadable",
                                       detail=f"part {info.filename[:80]} has a document type declaration, which "
                                       "Excel never writes (it can expand to gigabytes)")
                        tail = chunk[-16:]
            except ValidationError:
                raise
            except NotImplementedError:
                raise fail(name, "problem.xlsx_unreadable", detail=f"part {info.filename[:80]} uses a "
                           "compression method Excel does not write") from None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as e:
                raise fail(name, "problem.xlsx_unreadable",
                           detail=f"the zip archive is damaged ({first_line(e)[:200]})") from None


def _damaged(name: str, row: int | None, what: str) -> ValidationError:
    return fail(name, "problem.xlsx_unreadable", row,
                detail=f"the sheet is damaged ({what}); open it in Excel and save it again")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_xlsx(path: Path, limit: int | None = None,
              check_header: Callable[[list[str]], list[Problem]] | None = None) -> Sheet:
    """The first worksheet of a workbook: every row and cell, read from the sheet's XML as it is.

    openpyxl's read-only worksheet stops at the ``<dimension>`` record's last row and column (a
    stale record dropped rows silently) and silently skips rows written out of order: the rows are
    taken from its sheet parser directly instead, each with the row number the XML gives it. A
    percent-formatted number is the text the sheet shows ("93.1%", not 0.931). ``limit``: stop after
    that many non-blank data rows (a preview). ``check_header``: the header's problems, raised as
    soon as the header is read, before any value under no header (a title row above the header
    makes both).
    """
    name = path.name
    regular_file(path)
    _check_archive(path)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about parts it does not support
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many unrelated types for a broken file
        raise fail(name, "problem.xlsx_unreadable", detail=first_line(e)[:200]) from e
    try:
        if not workbook.worksheets:
            raise fail(name, "problem.no_worksheet")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_sheet(workbook, workbook.worksheets[0], name, limit, check_header)
    except ValidationError:
        raise
    except Exception as e:  # a broken part: XML, a shared string that does not exist, a bad row number
        raise fail(name, "problem.xlsx_unreadable", detail=f"the sheet is damaged ({first_line(e)[:200]})") from e
    finally:
        workbook.close()


def _merged_cells(worksheet: Any) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges, from its XML's <mergeCell ref="A2:A5"/> records (openpyxl's read-only
    worksheet does not read them). The part was checked for a DTD by _check_archive."""
    from xml.etree.ElementTree import iterparse  # noqa: S405 - no DTD can reach here (see above)

    from openpyxl.utils.cell import range_boundaries

    found: list[tuple[int, int, int, int]] = []
    with worksheet._get_source() as source:
        for _, element in iterparse(source):  # noqa: S314
            if element.tag.endswith("}mergeCell") or element.tag == "mergeCell":
                try:
                    first_column, first_row, last_column, last_row = range_boundaries(element.get("ref", ""))
                except (TypeError, ValueError):
                    continue  # a damaged record: the cells read as they are
                if None not in (first_column, first_row, last_column, last_row):
                    found.append((first_row, first_column, last_row, last_column))  # type: ignore[arg-type]
                if len(found) > EXCEL_MAX_ROWS:
                    break
            element.clear()
    return found


def read_xlsx_sheets(path: Path, wanted: Callable[[str], bool]) -> dict[str, Sheet]:
    """The worksheets whose titles ``wanted`` accepts, by title, each read as ``read_xlsx`` reads the
    first (same caps and checks); a problem's source is "FILE, sheet TITLE". A sheet with nothing in
    it is left out (the caller decides whether it was needed); other sheets are not read at all."""
    name = path.name
    regular_file(path)
    _check_archive(path)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many unrelated types for a broken file
        raise fail(name, "problem.xlsx_unreadable", detail=first_line(e)[:200]) from e
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            title = str(worksheet.title)
            if not wanted(title):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sheets[title] = _read_sheet(workbook, worksheet, f"{name}, sheet {title}", None, None)
                    sheets[title].merged = _merged_cells(worksheet)
            except ValidationError as e:
                if [p.code for p in e.problems] != ["problem.sheet_empty"]:
                    raise
    except ValidationError:
        raise
    except Exception as e:  # a broken part, as in read_xlsx
        raise fail(name, "problem.xlsx_unreadable", detail=f"the sheet is damaged ({first_line(e)[:200]})") from e
    finally:
        workbook.close()
    return sheets


def _read_sheet(workbook: Any, sheet: Any, name: str, limit: int | None,
                check_header: Callable[[list[str]], list[Problem]] | None) -> Sheet:
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    formats: dict[int, str] = {}

    def shown(cell: dict[str, Any]) -> Any:
        value = cell["value"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            style = cell["style_id"] or 0
            if style not in formats:
                formats[style] = ReadOnlyCell(sheet, cell["row"], cell["column"], value, cell["data_type"],
                                              style).number_format or ""
            if "%" in formats[style]:
                # A percent-formatted cell stores the fraction: "93.1%" is 0.931, which imported as is
                # would be off by a factor of 100 without any error. It is staged as the text shown.
                return f"{(Decimal(repr(value)) * 100).normalize():f}%"
        return value

    header: list[str] | None = None
    sheet_rows: list[tuple[int, list[Any]]] = []
    stray: list[Problem] = []
    filled = last_row = 0
    # openpyxl's own worksheet reader, minus the <dimension> bounds and the fillers for missing rows.
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for row_no, cells in parser.parse():
            if not 1 <= row_no <= EXCEL_MAX_ROWS:
                raise _damaged(name, None, f"row number {row_no} is outside 1..{EXCEL_MAX_ROWS:,}")
            if row_no <= last_row:
                raise _damaged(name, row_no, f"row {row_no} comes after row {last_row}")
            last_row = row_no
            values: dict[int, Any] = {}
            last_column = 0
            for cell in cells:
                column = cell["column"]
                if cell["row"] != row_no or not last_column < column <= EXCEL_MAX_COLUMNS:
                    raise _damaged(name, row_no, f"cell {column_letter(min(column, EXCEL_MAX_COLUMNS + 1))}"
                                   f"{cell['row']} is out of place")
                last_column = column
                if cell["value"] is None:
                    continue
                filled += 1
                if filled > XLSX_MAX_CELLS:
                    raise fail(name, "problem.too_many_cells", cells=f"{XLSX_MAX_CELLS:,}")
                values[column] = shown(cell)
            if header is None:
                if row_no != 1 or all(_blank(v) for v in values.values()):
                    raise fail(name, "problem.header_blank_sheet", 1)
                width = max(c for c, v in values.items() if not _blank(v))
                header = [str(values[c]) if values.get(c) is not None else "" for c in range(1, width + 1)]
                problems = check_header(header) if check_header is not None else []
                if problems:
                    raise ValidationError(problems)
                continue
            beyond = [(c, v) for c, v in values.items() if c > len(header) and not _blank(v)]
            for column, value in beyond:
                stray.append(Problem(name, row_no, column_letter(column), "problem.no_header_above",
                                     {"last": column_letter(len(header))}, str(value)[:80]))
            if len(stray) >= STRAY_KEPT:
                break  # the file is refused: the first of them say why
            cells_in = [values.get(c) for c in range(1, len(header) + 1)]
            if any(not _blank(v) for v in cells_in):
                sheet_rows.append((row_no, cells_in))
                if limit is not None and len(sheet_rows) >= limit:
                    break
    if header is None:
        raise fail(name, "problem.sheet_empty")
    if stray:
        raise ValidationError(stray)
    return Sheet(header, sheet_rows)


# ---------------------------------------------------------------- JSON


class _Object(dict[str, Any]):
    """A JSON object in which a key appeared more than once (json keeps the last silently)."""

    duplicated: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    twice: list[str] = []
    for key, value in pairs:
        if key in found and key not in twice:
            twice.append(key)
        found[key] = value
    if not twice:
        return found
    marked = _Object(found)
    marked.duplicated = tuple(twice)
    return marked


def duplicated_keys(value: Any) -> tuple[str, ...]:
    """The keys a JSON object (from load_json) had more than once."""
    return getattr(value, "duplicated", ())


def _json_int(text: str) -> int | Decimal:
    return int(text) if len(text) <= _JSON_INT_DIGITS else Decimal(text)


def _json_float(text: str) -> float | str:
    number = float(text)
    # 1e999 is not infinity: kept as written, it is "number too large" at its row.
    return number if math.isfinite(number) else text


def load_json(path: Path) -> Any:
    """The JSON document; an unreadable one is one problem naming the file (and the line, if it is syntax)."""
    name = path.name
    size = regular_file(path)
    if size > JSON_MAX_BYTES:
        raise fail(name, "problem.json_too_large", size=_mb(size), limit=_mb(JSON_MAX_BYTES))
    data = path.read_bytes()
    if not data.strip():
        raise fail(name, "problem.file_empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in data[:4]:
        raise fail(name, "problem.json_utf16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise fail(name, "problem.json_not_utf8", line=line) from None
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_int=_json_int, parse_float=_json_float)
    except json.JSONDecodeError as e:
        raise fail(name, "problem.json_syntax", detail=e.msg, line=e.lineno, col=e.colno) from None
    except RecursionError:  # "[[[[...]]]]" nested deeper than the parser's stack
        raise fail(name, "problem.json_deep") from None
    except ValueError as e:
        raise fail(name, "problem.json_invalid", detail=first_line(e)[:200]) from None


# ---------------------------------------------------------------- cells


def cell_problem(column: str, value: Any) -> str | None:
    """Why a typed cell cannot be what ``column`` holds (a problem code without parameters), or None.

    Text is read by the column's parser later; this catches what would be misread by being turned
    into text first: a number in a date column (2024.10 became "2024.1", January; a whole number
    from 1000 to 9999 is a year, as its text is), an object or list (stored as its Python repr),
    true/false.
    """
    if isinstance(value, bool):
        return "problem.cell_bool"
    if isinstance(value, dict):
        return "problem.cell_object"
    if isinstance(value, (list, tuple)):
        return "problem.cell_list"
    if column in DATE_COLUMNS and isinstance(value, (int, float, Decimal)) and not _a_year(value):
        return NUMBER_AS_DATE
    return None


def _a_year(value: int | float | Decimal) -> bool:
    """A whole number from 1000 to 9999 in a date column is a year, as the text "2024" is."""
    try:
        return float(value).is_integer() and 1000 <= value <= 9999
    except (OverflowError, ValueError):
        return False


def shown_value(value: Any) -> str:
    """A typed cell quoted in a problem, at most 80 characters."""
    text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list, tuple)) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# ---------------------------------------------------------------- documents (monitor draft)

DOCUMENT_SUFFIXES = (".txt", ".text", ".md", ".docx", ".pdf")


def read_document_text(path: Path) -> str:
    """The text of a document to draft a catalogue from: plain text (UTF-8 or GB18030, checked as a CSV's
    encoding is), .docx (paragraphs and table rows, in order) or .pdf with a text layer (pypdf).

    Raises ValidationError naming the file: not a regular file, empty, an unknown suffix, an encoding
    that is neither, a damaged .docx/.pdf, or a PDF without a text layer (a scan needs OCR first)."""
    path = Path(path)
    if regular_file(path) == 0:
        raise fail(path.name, "problem.file_empty")
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise fail(path.name, "problem.document_type", suffix=suffix or "（无）")
    if suffix == ".docx":
        if not zipfile.is_zipfile(path):
            raise fail(path.name, "problem.unreadable", kind="Word (.docx)", detail="not a zip archive")
        try:
            import docx

            document = docx.Document(str(path))
        except Exception as e:  # python-docx raises several kinds on a damaged part
            raise fail(path.name, "problem.unreadable", kind="Word (.docx)", detail=first_line(e)) from None
        lines = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                lines.append("　".join(cell.text for cell in row.cells))
        text = "\n\n".join(lines)
    elif suffix == ".pdf":
        try:
            from pypdf import PdfReader

            reader = PdfReader(str(path))
            text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as e:  # pypdf raises its own errors and ValueError/KeyError on damaged files
            raise fail(path.name, "problem.unreadable", kind="PDF", detail=first_line(e)) from None
        if not text.strip():
            raise fail(path.name, "problem.pdf_no_text")
    else:
        encoding = csv_encoding(path)
        text = path.read_bytes().decode(encoding)
    if not text.strip():
        raise fail(path.name, "problem.file_empty")
    return text
