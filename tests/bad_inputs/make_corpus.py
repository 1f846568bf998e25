"""The bad-input corpus: reading files people, spreadsheets and other systems really send, and worse.

Each case is one file (its extension picks the reader) with the outcome the product must give:

- ``rows``: it imports, and exactly these readings are stored (indicator, period start, period end,
  value in base units, qualifier), because the meaning is unambiguous (docs/bad-inputs.md says why);
- ``count``: it imports, with this many readings (the huge files);
- ``reject``: it is refused as a whole, and the first problem names this (row, column, reason
  fragment); the store is unchanged.

Cases are written against the small test catalogue (tests/fixtures/catalog.yaml): visits (人次,
display 万人次, flow, monthly, >= 0), good-air-share (%, ratio, yearly, 0..100), racks (架, display
万架, stock, >= 0) and special-funds (元, display 亿元, cumulative since 2021-01-01).

Most files are generated here; the few in ``static/`` are hand-made bytes kept in the repository so
they can be opened and looked at. The huge files (180,000 rows, a 200 MB line) are only ever written
at test time, into a temporary folder:

    python tests/bad_inputs/make_corpus.py OUT_DIR [--no-huge]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HEADER = ("indicator_id", "period_start", "period_end", "value", "note")
HUGE_DAYS = 45_000  # per indicator: 1900-01-01 + 45,000 days is in 2023, never in the future
HUGE_INDICATORS = ("racks", "visits", "good-air-share", "special-funds")
LINE_MB = 200

Reading = tuple[str, str, str, float, str]  # indicator, period_start, period_end, value, qualifier
Reject = tuple[int | None, str | None, str]  # row, column, reason fragment


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    write: Callable[[Path], None]
    rows: tuple[Reading, ...] | None = None
    count: int | None = None
    reject: Reject | None = None
    huge: bool = False

    @property
    def imports(self) -> bool:
        return self.reject is None


# ---------------------------------------------------------------- writers


def _csv(rows: list[list[str]], header: tuple[str, ...] | list[str] = HEADER, *, delimiter: str = ",",
         encoding: str = "utf-8", newline: str = "\n", bom: bool = False) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
        data = out.getvalue().encode(encoding)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)

    return write


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _static(name: str) -> Callable[[Path], None]:
    return lambda path: shutil.copyfile(STATIC / name, path)


def _xlsx(rows: list[list[object]], *, header: list[object] | None = None, merge: str | None = None,
          formats: dict[str, str] | None = None, patch: Callable[[str], str] | None = None) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        if header is not None or rows:
            sheet.append(list(HEADER) if header is None else header)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
        for cell, number_format in (formats or {}).items():
            sheet[cell].number_format = number_format
        book.save(path)
        if patch is not None:
            # openpyxl cannot write a formula's cached value (Excel always does): patch the sheet XML.
            with zipfile.ZipFile(path) as z:
                parts = {n: z.read(n) for n in z.namelist()}
            name = "xl/worksheets/sheet1.xml"
            parts[name] = patch(parts[name].decode("utf-8")).encode("utf-8")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
                for n, data in parts.items():
                    z.writestr(n, data)

    return write


def _json(document: object) -> Callable[[Path], None]:
    return lambda path: path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _parquet(columns: dict[str, list[object]]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table(columns), path)

    return write


def _huge(path: Path, bad_last_row: bool = False) -> None:
    start = date(1900, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("indicator_id,period_start,period_end,value\n")
        for indicator in HUGE_INDICATORS:
            lines = []
            for d in range(HUGE_DAYS):
                day = (start + timedelta(days=d)).isoformat()
                # Not 1: for the share in % that is refused (a fraction for 100 %?) since issue 14.
                lines.append(f"{indicator},{day},{day},{d % 97 if d % 97 != 1 else 97}\n")
            f.writelines(lines)
        if bad_last_row:
            f.write("racks,2023-06-30,2023-06-30,lots\n")


def _long_line(path: Path) -> None:
    """A valid row, then a row whose note is LINE_MB megabytes long, streamed to disk."""
    chunk = b"x" * (1 << 20)
    with path.open("wb") as f:
        f.write(b"indicator_id,period_start,period_end,value,note\n")
        f.write(b"racks,,2024-12-31,5,ok\n")
        f.write(b"racks,,2024-06-30,6,")
        for _ in range(LINE_MB):
            f.write(chunk)
        f.write(b"\nracks,,2023-12-31,7,after\n")


def _long_header(path: Path) -> None:
    with path.open("wb") as f:
        f.write(b"indicator_id,period_end,value," + b"n" * (3 << 20) + b"\n")
        f.write(b"racks,2024-12-31,5,x\n")


def _cached_formula(xml: str) -> str:
    # <v/> or <v></v>: openpyxl writes either, as lxml (when installed) or its own writer serialises it
    return re.sub(r'(<c r="D2"[^>]*>)<f>(.*?)</f>(?:<v\s*/>|<v>\s*</v>)', r"\1<f>\2</f><v>5</v>", xml)


# ---------------------------------------------------------------- writers for issue 14 (readers)


def _xlsx_parts(rows: list[list[object]], edit: Callable[[dict[str, bytes]], None], *,
                header: list[object] | None = None) -> Callable[[Path], None]:
    """A workbook openpyxl writes, then its parts edited (what other programs, or attackers, write)."""
    def write(path: Path) -> None:
        _xlsx(rows, header=header)(path)
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        edit(parts)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in parts.items():
                z.writestr(n, data)

    return write


SHEET = "xl/worksheets/sheet1.xml"


def _sheet_edit(change: Callable[[str], str]) -> Callable[[dict[str, bytes]], None]:
    def edit(parts: dict[str, bytes]) -> None:
        parts[SHEET] = change(parts[SHEET].decode("utf-8")).encode("utf-8")

    return edit


def _stale_dimension(xml: str) -> str:
    return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:E3"', xml)


def _one_cell_dimension(xml: str) -> str:
    return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1"', xml)


def _rows_out_of_order(xml: str) -> str:
    """Rows 2 and 3 swapped in the XML (openpyxl's reader dropped row 2 without a word)."""
    rows = re.findall(r'<row r="\d+".*?</row>', xml)
    return xml.replace(rows[1] + rows[2], rows[2] + rows[1])


def _rows_down_one(xml: str) -> str:
    """Every row one further down: row 1 left blank."""
    xml = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m[1]) + 1}"', xml)
    return re.sub(r'<c r="([A-Z]+)(\d+)"', lambda m: f'<c r="{m[1]}{int(m[2]) + 1}"', xml)


def _row_beyond_excel(xml: str) -> str:
    return xml.replace('<row r="3"', '<row r="2000000"').replace('r="A3"', 'r="A2000000"').replace(
        'r="C3"', 'r="C2000000"').replace('r="D3"', 'r="D2000000"')


def _missing_shared_string(xml: str) -> str:
    return re.sub(r'(<c r="A2"[^>]*t=")(?:inlineStr|s)("[^>]*>).*?</c>', r'\1s\2<v>999</v></c>', xml, count=1)


def _entity_bomb(xml: str) -> str:
    """A "billion laughs" DTD in the sheet: ten levels of ten copies each."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{k} "{("&a" + str(k - 1) + ";") * 10}">' for k in range(1, 10))
    xml = xml.replace("<worksheet", f"<!DOCTYPE worksheet [{entities}]><worksheet", 1)
    return xml.replace("<v>5</v>", "<v>&a9;</v>", 1)


def _only_text_part(parts: dict[str, bytes]) -> None:
    parts.clear()
    parts["readme.txt"] = b"a zip archive, but no workbook inside"


def _docx_parts(parts: dict[str, bytes]) -> None:
    parts.clear()
    parts["[Content_Types].xml"] = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    parts["word/document.xml"] = b"<document/>"


def _cfb(encrypted: bool) -> Callable[[Path], None]:
    """An OLE compound file's signature, as an .xls or a password-protected .xlsx starts (the
    encrypted one names its EncryptedPackage stream, in UTF-16, in the directory)."""
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    body += ("EncryptedPackage" if encrypted else "Workbook").encode("utf-16-le") + b"\0" * 1000
    return _bytes(body)


def _truncated_xlsx(path: Path) -> None:
    _xlsx([[R, None, "2024-12-31", 5, None]])(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _local_header(name: bytes, crc: int, packed: int, size: int) -> bytes:
    import struct

    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed, size, len(name), 0) + name


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip written by hand: (name, deflated bytes, CRC-32, size) each, the size as given (it may lie)."""
    import struct

    central, offset = b"", 0
    with path.open("wb") as f:
        for name, packed, crc, size in members:
            raw = name.encode()
            header = _local_header(raw, crc, len(packed), size)
            f.write(header)
            f.write(packed)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(packed), size,
                                   len(raw), 0, 0, 0, 0, 0, offset) + raw
            offset += len(header) + len(packed)
        f.write(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), offset, 0))


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _workbook_parts() -> dict[str, bytes]:
    """The parts of a small valid workbook (one header, one reading)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.xlsx"
        _xlsx([[R, None, "2024-12-31", 5, None]])(path)
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist()}


def _bomb(path: Path, *, whitespace: int = 2 << 30, declared: int | None = None) -> None:
    """A valid workbook whose sheet has ``whitespace`` bytes of blanks after its first row: 2 GiB pack
    into 2 MB (the deflate stream of a 1 MiB block of spaces, flushed so it repeats byte for byte).
    ``declared``: the size the zip states for the sheet, if it is to lie."""
    parts = _workbook_parts()
    xml = parts.pop(SHEET)
    cut = xml.index(b"</row>") + len(b"</row>")
    head, tail = xml[:cut], xml[cut:]
    block = b" " * (1 << 20)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    repeated = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(whitespace >> 20):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + whitespace + len(tail)
    members = [(n, _deflate(d), zlib.crc32(d), len(d)) for n, d in parts.items()]
    members.append((SHEET, start + repeated * (whitespace >> 20) + end, crc, size if declared is None else declared))
    _raw_zip(path, members)


def _many_cells(path: Path, cells: int = 500_001) -> None:
    """More filled cells than a reading file has (five to a row, under the header), in a small file."""
    parts = _workbook_parts()
    row = "<c><v>1</v></c>" * len(HEADER)
    body = "".join(f'<row r="{r}">{row}</row>' for r in range(2, cells // len(HEADER) + 3))
    xml = parts[SHEET].decode("utf-8")
    parts[SHEET] = re.sub(r"</row>.*</sheetData>", "</row>" + body + "</sheetData>", xml, count=1, flags=re.S).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _many_parts(path: Path, count: int = 10_001) -> None:
    parts = _workbook_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
        for k in range(count):
            z.writestr(f"xl/media/p{k}.bin", b"")


def _quoted_note(megabytes: int) -> Callable[[Path], None]:
    """A quoted note of many short lines (each well under 1 MB) running on for ``megabytes``."""
    def write(path: Path) -> None:
        block = b"some text, more text\n" * 50_000  # about 1 MB
        with path.open("wb") as f:
            f.write(b"indicator_id,period_start,period_end,value,note\nracks,,2024-12-31,5,ok\nracks,,2024-06-30,6,\"")
            for _ in range(megabytes):
                f.write(block)
            f.write(b"\"\nracks,,2023-12-31,7,after\n")

    return write


def _cr_only_long_line(path: Path) -> None:
    path.write_bytes(b"indicator_id,period_start,period_end,value,note\rracks,,2024-12-31,5,ok\rracks,,2024-06-30,6,"
                     + b"x" * (2 << 20) + b"\rracks,,2023-12-31,7,after\r")


def _huge_json(path: Path) -> None:
    """A valid JSON document past the 64 MB cap (padding in a note)."""
    note = "x" * (65 << 20)
    path.write_text(json.dumps([{"indicator_id": R, "period_end": "2024-12-31", "value": 5, "note": note}]),
                    encoding="utf-8")


def _parquet_cut(path: Path) -> None:
    _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [5.0]})(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# ---------------------------------------------------------------- the cases

R = "racks"
V = "visits"
G = "good-air-share"
F = "special-funds"

CASES: tuple[Case, ...] = (
    # ---- the file as a whole
    Case("empty.csv", "zero bytes", _bytes(b""), reject=(None, None, "is empty")),
    Case("header-only.csv", "a header and nothing else", _csv([]), reject=(None, None, "has a header but no data rows")),
    Case("blank-rows-only.csv", "a header, then rows of empty fields and spaces",
         _bytes(b"indicator_id,period_start,period_end,value,note\n,,,,\n  ,, ,,\n\n"),
         reject=(None, None, "has a header but no data rows")),
    Case("whitespace-only.csv", "spaces and line breaks, no header", _bytes(b"   \n\n  \n"),
         reject=(1, None, "is blank: the first row must be the header")),
    Case("unsupported.doc", "a file type that is not a reading file", _bytes(b"\xd0\xcf\x11\xe0 word"),
         reject=(None, None, "unsupported file type")),
    # ---- dialects and encodings
    Case("semicolon.csv", "';' as the delimiter throughout (European Excel)",
         _csv([[R, "", "2024-12-31", "24000", ""]], delimiter=";"),
         rows=((R, "2024-12-31", "2024-12-31", 24000, "exact"),)),
    Case("tab-separated.tsv", "tab-separated", _csv([[R, "", "2024-12-31", "24000", ""]], delimiter="\t"),
         rows=((R, "2024-12-31", "2024-12-31", 24000, "exact"),)),
    Case("wrong-delimiter.csv", "header with ',' but rows with ';'",
         _bytes(b"indicator_id,period_start,period_end,value,note\nracks;;2024-12-31;5;\n"),
         reject=(2, "indicator_id", "unknown indicator")),
    Case("too-many-fields.csv", "a row with one field more than the header",
         _csv([[R, "", "2024-12-31", "5", ""], [R, "", "2024-06-30", "6", "", "extra"]]),
         reject=(3, None, "has 6 fields; the header has 5")),
    Case("short-row.csv", "a row that stops before the value", _bytes(b"indicator_id,period_start,period_end,value\nracks,,2024-12-31\n"),
         reject=(2, "value", "is required")),
    Case("utf8-bom.csv", "UTF-8 with a byte-order mark (Excel's 'CSV UTF-8')",
         _csv([[R, "", "2024-12-31", "24000", "带BOM"]], bom=True),
         rows=((R, "2024-12-31", "2024-12-31", 24000, "exact"),)),
    Case("utf16.csv", "UTF-16 (Excel's 'Unicode text')", _static("utf16.csv"),
         reject=(1, None, "contains a NUL byte")),
    Case("gb18030.csv", "GB18030/GBK, as Chinese Excel saves CSV", _static("gb18030.csv"),
         rows=((V, "2025-06-01", "2025-06-30", 2_450_000, "exact"),)),
    Case("mixed-encoding.csv", "one row UTF-8, the next GBK (two files pasted together)", _static("mixed-encoding.csv"),
         reject=(2, None, "mixes encodings")),
    Case("non-utf8-bytes.csv", "bytes that are neither UTF-8 nor GB18030", _static("non-utf8-bytes.csv"),
         reject=(None, None, "is neither UTF-8 nor GB18030")),
    Case("nul-byte.csv", "a NUL byte inside a cell", _static("nul-byte.csv"), reject=(2, None, "contains a NUL byte")),
    Case("bom-mid-file.csv", "two UTF-8-with-BOM files concatenated (a BOM before row 3)",
         _bytes(b"indicator_id,period_start,period_end,value\nracks,,2024-12-31,5\n\xef\xbb\xbfracks,,2024-06-30,6\n"),
         reject=(3, "indicator_id", "unknown indicator")),
    Case("unterminated-quote.csv", "a quote opened and never closed",
         _bytes(b'indicator_id,period_start,period_end,value,note\nracks,,2024-12-31,5,"open\nracks,,2024-06-30,6,x\n'),
         reject=(2, None, "a quote opened in this row is never closed")),
    Case("crlf.csv", "Windows line ends", _csv([[R, "", "2024-12-31", "5", ""]], newline="\r\n"),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("cr-only.csv", "classic Mac line ends (CR only)", _csv([[R, "", "2024-12-31", "5", ""]], newline="\r"),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("newline-in-quoted-note.csv", "a quoted note spanning two lines",
         _csv([[R, "", "2024-12-31", "5", "line one\nline two"]]), rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("multiline-cell-excel.csv", "Excel's CSV: CRLF rows and a cell with Alt+Enter line breaks (LF) in quotes",
         _csv([[R, "", "2024-12-31", "5", "第一行\n第二行"], [R, "", "2024-06-30", "4", "x"]], newline="\r\n"),
         rows=((R, "2024-06-30", "2024-06-30", 4, "exact"), (R, "2024-12-31", "2024-12-31", 5, "exact"))),
    Case("repeated-header.csv", "two CSV files concatenated (the header again as a data row)",
         _bytes(b"indicator_id,period_start,period_end,value\nracks,,2024-12-31,5\nindicator_id,period_start,period_end,value\n"),
         reject=(3, "indicator_id", "unknown indicator")),
    Case("header-case-and-spaces.csv", "header names in other case with spaces",
         _bytes(b" Indicator_ID ,PERIOD_END, Value \nracks,2024-12-31,5\n"),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("padded-cells.csv", "spaces around every cell", _bytes(b"indicator_id,period_start,period_end,value\n  racks , , 2024-12-31 ,  5 \n"),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    # ---- the header
    Case("missing-column.csv", "no value column", _bytes(b"indicator_id,period_end\nracks,2024-12-31\n"),
         reject=(1, "value", "required column is missing")),
    Case("unknown-column.csv", "an extra column nobody asked for", _bytes(b"indicator_id,period_end,value,comment\nracks,2024-12-31,5,x\n"),
         reject=(1, "comment", "unknown column")),
    Case("duplicate-column.csv", "the value column twice", _bytes(b"indicator_id,period_end,value,value\nracks,2024-12-31,5,6\n"),
         reject=(1, "value", "column appears twice")),
    Case("chinese-header.csv", "Chinese column names", _bytes("指标,截止日期,数值\nracks,2024-12-31,5\n".encode()),
         reject=(1, "指标", "unknown column")),
    # ---- numbers
    Case("thousands-separators.csv", "23,000 and 1,245,190 with thousands separators",
         _csv([[R, "", "2024-12-31", "23,000", ""], [V, "", "2024-12-31", "1,245,190", ""]]),
         rows=((R, "2024-12-31", "2024-12-31", 23000, "exact"), (V, "2024-12-01", "2024-12-31", 1245190, "exact"))),
    Case("full-width.csv", "full-width digits and dates typed with a Chinese input method (１２３４, ２．３万)",
         _csv([[R, "", "２０２４－１２－３１", "１２３４", ""], [R, "", "2024-06-30", "２．３万", ""]]),
         rows=((R, "2024-06-30", "2024-06-30", 23000, "exact"), (R, "2024-12-31", "2024-12-31", 1234, "exact"))),
    Case("magnitude-words.csv", "Chinese magnitude words in the value (2.3万, 118.53亿)",
         _csv([[R, "", "2024-12-31", "2.3万", ""], [F, "", "2024-12-31", "118.53亿", ""]]),
         rows=((F, "2021-01-01", "2024-12-31", 11_853_000_000, "exact"), (R, "2024-12-31", "2024-12-31", 23000, "exact"))),
    Case("percent-sign.csv", "a percentage written 93.1%", _csv([[G, "2024-01-01", "2024-12-31", "93.1%", ""]]),
         rows=((G, "2024-01-01", "2024-12-31", 93.1, "exact"),)),
    Case("qualifier-words.csv", "约2.3万 and 13万余: the word becomes the qualifier",
         _csv([[R, "", "2024-12-31", "约2.3万", ""], [V, "", "2024-11-30", "13万余", ""]]),
         rows=((R, "2024-12-31", "2024-12-31", 23000, "approx"), (V, "2024-11-01", "2024-11-30", 130000, "more_than"))),
    Case("unit-column.csv", "values in 万人次 with the unit named in its column",
         _bytes("indicator_id,period_end,value,unit\nvisits,2024-10-31,245.5,万人次\n".encode()),
         rows=((V, "2024-10-01", "2024-10-31", 2_455_000, "exact"),)),
    Case("nan.csv", "NaN", _csv([[R, "", "2024-12-31", "NaN", ""]]), reject=(2, "value", "not a finite number")),
    Case("infinity.csv", "Infinity and -inf", _csv([[R, "", "2024-12-31", "Infinity", ""], [R, "", "2024-06-30", "-inf", ""]]),
         reject=(2, "value", "not a finite number")),
    Case("overflow.csv", "1e400 (beyond a double)", _csv([[R, "", "2024-12-31", "1e400", ""]]),
         reject=(2, "value", "number too large")),
    Case("magnitude-overflow.csv", "1E1000000万 (past even Decimal's exponent range)", _csv([[R, "", "2024-12-31", "1E1000000万", ""]]),
         reject=(2, "value", "number too large")),
    Case("hundred-thousand-digits.csv", "a value of 100,000 nines", _csv([[R, "", "2024-12-31", "9" * 100_000, ""]]),
         reject=(2, "value", "number too large")),
    Case("negative-count.csv", "a negative number of racks", _csv([[R, "", "2024-12-31", "-5", ""]]),
         reject=(2, "value", "is below the plausible minimum 0")),
    Case("percent-over-100.csv", "a share of 101%", _csv([[G, "2024-01-01", "2024-12-31", "101", ""]]),
         reject=(2, "value", "is above the plausible maximum 100")),
    Case("space-in-number.csv", "1 234 (a space as thousands separator, or two numbers?)", _csv([[R, "", "2024-12-31", "1 234", ""]]),
         reject=(2, "value", "space inside a number")),
    Case("decimal-comma.csv", "93,1 (a decimal comma, or a broken thousands group?)", _csv([[G, "2024-01-01", "2024-12-31", "93,1", ""]]),
         reject=(2, "value", "malformed number")),
    Case("two-qualifiers.csv", "约13万余 (two qualifiers)", _csv([[V, "", "2024-12-31", "约13万余", ""]]),
         reject=(2, "value", "more than one qualifier")),
    Case("unit-after-number.csv", "23000架 (a unit glued to the number)", _csv([[R, "", "2024-12-31", "23000架", ""]]),
         reject=(2, "value", "unexpected text")),
    Case("formula-in-value.csv", "=1+2 in the value (a formula exported as text)", _csv([[R, "", "2024-12-31", "=1+2", ""]]),
         reject=(2, "value", "no number found")),
    Case("unit-mismatch.csv", "visits given in 万元", _bytes("indicator_id,period_end,value,unit\nvisits,2024-12-31,5,万元\n".encode()),
         reject=(2, "unit", "cannot be converted")),
    Case("unknown-qualifier.csv", "qualifier 'roughly'", _bytes(b"indicator_id,period_end,value,qualifier\nracks,2024-12-31,5,roughly\n"),
         reject=(2, "qualifier", "unknown qualifier")),
    # ---- dates
    Case("month-span.csv", "2025年6月 and 2025年1—6月 as period_end",
         _csv([[V, "", "2025年6月", "2000000", ""], [V, "", "2025年1—6月", "12000000", ""]]),
         rows=((V, "2025-01-01", "2025-06-30", 12_000_000, "exact"), (V, "2025-06-01", "2025-06-30", 2_000_000, "exact"))),
    Case("chinese-day.csv", "2024年12月31日 and 2024/6/30", _csv([[R, "", "2024年12月31日", "5", ""], [R, "", "2024/6/30", "4", ""]]),
         rows=((R, "2024-06-30", "2024-06-30", 4, "exact"), (R, "2024-12-31", "2024-12-31", 5, "exact"))),
    Case("month-13.csv", "2025-13-01", _csv([[R, "", "2025-13-01", "5", ""]]), reject=(2, "period_end", "month 13 is not in 1..12")),
    Case("february-30.csv", "2025-02-30", _csv([[R, "", "2025-02-30", "5", ""]]), reject=(2, "period_end", "day 30 is not in 1..28")),
    Case("day-first.csv", "31/12/2024 (day first: ambiguous with 12/11/2024)", _csv([[R, "", "31/12/2024", "5", ""]]),
         reject=(2, "period_end", "as a date")),
    Case("excel-serial.csv", "45657 (an Excel serial day number)", _csv([[R, "", "45657", "5", ""]]),
         reject=(2, "period_end", "as a date")),
    Case("future.csv", "a period in 2099", _csv([[R, "", "2099-12-31", "5", ""]]), reject=(2, "period_end", "is in the future")),
    Case("end-before-start.csv", "period_end before period_start", _csv([[G, "2024-12-31", "2024-01-01", "90", ""]]),
         reject=(2, "period_end", "is before period_start")),
    # ---- rows against each other and the catalogue
    Case("unknown-indicator.csv", "an indicator the catalogue does not have", _csv([["gdp", "", "2024-12-31", "5", ""]]),
         reject=(2, "indicator_id", "unknown indicator")),
    Case("invisible-characters-in-id.csv", "a right-to-left mark and a zero-width space around an id",
         _csv([["\u202bracks", "", "2024-12-31", "5", ""], ["racks\u200b", "", "2024-06-30", "6", ""]]),
         reject=(2, "indicator_id", "unknown indicator")),
    Case("duplicate-rows.csv", "the same row twice", _csv([[R, "", "2024-12-31", "5", ""], [R, "", "2024-12-31", "5", ""]]),
         reject=(3, "period_end", "duplicates row 2")),
    Case("conflicting-rows.csv", "one period, two values", _csv([[R, "", "2024-12-31", "5", ""], [R, "", "2024-12-31", "6", ""]]),
         reject=(2, "period_end", "conflicts with row 3")),
    # ---- text that is data, not instructions
    Case("formula-in-note.csv", "=HYPERLINK(...) and @SUM(...) in notes: stored as text, neutralised on export",
         _csv([[R, "", "2024-12-31", "5", '=HYPERLINK("http://example.invalid","x")'], [R, "", "2024-06-30", "4", "@SUM(A1)"]]),
         rows=((R, "2024-06-30", "2024-06-30", 4, "exact"), (R, "2024-12-31", "2024-12-31", 5, "exact"))),
    Case("control-characters-in-note.csv", "bell, escape sequences and a right-to-left override in a note",
         _csv([[R, "", "2024-12-31", "5", "a\x07b\x1b[31mred\u202eevil"]]), reject=(2, "note", "control character U+0007")),
    Case("hundred-thousand-char-note.csv", "a note of 100,000 characters", _csv([[R, "", "2024-12-31", "5", "长" * 100_000]]),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    # ---- XLSX
    Case("merged-cells.xlsx", "an indicator cell merged over two rows", _xlsx([[R, None, "2024-12-31", 5, None], [None, None, "2024-06-30", 6, None]], merge="A2:A3"),
         reject=(3, "indicator_id", "is required")),
    Case("formula-without-value.xlsx", "a formula never calculated (written by a program, not Excel)",
         _xlsx([[R, None, "2024-12-31", "=2+3", None]]), reject=(2, "value", "is required")),
    Case("formula-with-value.xlsx", "a formula with the value Excel calculated", _xlsx([[R, None, "2024-12-31", "=2+3", None]], patch=_cached_formula),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("percent-format.xlsx", "0.931 shown as 93.1% by the cell format", _xlsx([[G, "2024-01-01", "2024-12-31", 0.931, None]], formats={"D2": "0.0%"}),
         rows=((G, "2024-01-01", "2024-12-31", 93.1, "exact"),)),
    Case("date-cells.xlsx", "real date cells and a number stored as float", _xlsx([[R, None, datetime(2024, 12, 31), 23000.0, None]]),
         rows=((R, "2024-12-31", "2024-12-31", 23000, "exact"),)),
    Case("excel-error.xlsx", "#DIV/0! in the value", _xlsx([[R, None, "2024-12-31", "#DIV/0!", None]]), reject=(2, "value", "no number found")),
    Case("empty-workbook.xlsx", "a workbook with an empty sheet", _xlsx([]), reject=(None, None, "is empty")),
    Case("title-above-header.xlsx", "a title row above the header", _xlsx([list(HEADER), [R, None, "2024-12-31", 5, None]], header=["西宁市指标报表"]),
         reject=(1, "西宁市指标报表", "unknown column")),
    Case("not-a-zip.xlsx", "a CSV renamed to .xlsx", _bytes(b"indicator_id,period_end,value\nracks,2024-12-31,5\n"),
         reject=(None, None, "cannot be read as an XLSX workbook")),
    # ---- JSON and Parquet
    Case("json-numbers.json", "readings with JSON numbers", _json({"readings": [{"indicator_id": R, "period_end": "2024-12-31", "value": 23000}]}),
         rows=((R, "2024-12-31", "2024-12-31", 23000, "exact"),)),
    Case("json-nan.json", "a NaN literal", _bytes(b'[{"indicator_id": "racks", "period_end": "2024-12-31", "value": NaN}]'),
         reject=(1, "value", "not a finite number")),
    Case("json-object-value.json", "an object where the value should be", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": {"n": 5}}]),
         reject=(1, "value", "is an object")),
    Case("json-not-a-list.json", "an object without a readings list", _json({"readings": "none"}),
         reject=(None, None, "must be a list of reading objects")),
    Case("json-truncated.json", "a document cut off mid-way", _bytes(b'[{"indicator_id": "racks", "period_end": "2024-'),
         reject=(None, None, "is not valid JSON")),
    Case("json-deeply-nested.json", "100,000 nested lists", _bytes(b"[" * 100_000 + b"]" * 100_000),
         reject=(None, None, "nested too deeply")),
    Case("parquet-nan.parquet", "a Parquet double column holding NaN",
         _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [float("nan")]}),
         reject=(2, "value", "not a finite number")),
    # ---- issue 14, item 2: a value the product cannot compute or show (it broke every status page)
    Case("value-1e40.csv", "1e40 racks (past 1e18, the largest figure kept)", _csv([[R, "", "2024-12-31", "1e40", ""]]),
         reject=(2, "value", "is too large")),
    Case("value-negative-1e40.csv", "-1e40 (too large in size, whatever the sign)", _csv([[F, "", "2024-12-31", "-1e40", ""]]),
         reject=(2, "value", "is too large")),
    Case("value-too-large-by-magnitude-word.csv", "1e15万 (1e19 once the magnitude word is applied)",
         _csv([[R, "", "2024-12-31", "1e15万", ""]]), reject=(2, "value", "is too large")),
    Case("value-too-large-by-unit.csv", "1e15 in a unit column of 万架", _csv([[R, "", "2024-12-31", "1e15", "", "万架"]],
         header=("indicator_id", "period_start", "period_end", "value", "note", "unit")), reject=(2, "value", "is too large")),
    Case("value-too-large.json", "a JSON number 1e40", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 1e40}]),
         reject=(1, "value", "is too large")),
    Case("value-too-large.xlsx", "a number cell 1e40", _xlsx([[R, None, "2024-12-31", 1e40, None]]),
         reject=(2, "value", "is too large")),
    Case("value-too-large.parquet", "a Parquet double 1e300",
         _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [1e300]}), reject=(2, "value", "is too large")),
    Case("value-at-the-limit.csv", "1e18 racks: the largest figure kept", _csv([[R, "", "2024-12-31", "1e18", ""]]),
         rows=((R, "2024-12-31", "2024-12-31", 1e18, "exact"),)),
    # ---- issue 14, item 12: values that were silently taken in another meaning
    Case("share-as-fraction.csv", "0.931 for a share in % (a fraction for 93.1%?)", _csv([[G, "2024-01-01", "2024-12-31", "0.931", ""]]),
         reject=(2, "value", "is at most 1 for a share in %")),
    Case("share-as-fraction.xlsx", "a plain number cell 0.931 (no percent format) for a share in %",
         _xlsx([[G, "2024-01-01", "2024-12-31", 0.931, None]]), reject=(2, "value", "is at most 1 for a share in %")),
    Case("share-as-fraction.json", "a JSON number 0.931 for a share in %",
         _json([{"indicator_id": G, "period_start": "2024-01-01", "period_end": "2024-12-31", "value": 0.931}]),
         reject=(1, "value", "is at most 1 for a share in %")),
    Case("share-of-one.csv", "1 for a share in % (100% as a fraction, or 1%?)", _csv([[G, "2024-01-01", "2024-12-31", "1", ""]]),
         reject=(2, "value", "is at most 1 for a share in %")),
    Case("share-below-one-percent.csv", "0.5% and 0．8％ written with the percent sign: a share below 1 %",
         _csv([[G, "2024-01-01", "2024-12-31", "0.5%", ""], [G, "2023-01-01", "2023-12-31", "０．８％", ""]]),
         rows=((G, "2023-01-01", "2023-12-31", 0.8, "exact"), (G, "2024-01-01", "2024-12-31", 0.5, "exact"))),
    Case("share-with-unit-column.csv", "0.9 with % in its unit column (as every export writes it)",
         _csv([[G, "2024-01-01", "2024-12-31", "0.9", "", "%"]], header=(*HEADER, "unit")),
         rows=((G, "2024-01-01", "2024-12-31", 0.9, "exact"),)),
    Case("share-of-zero.csv", "0 for a share in % (the same as a fraction or in percent)", _csv([[G, "2024-01-01", "2024-12-31", "0", ""]]),
         rows=((G, "2024-01-01", "2024-12-31", 0, "exact"),)),
    Case("half-a-rack.csv", "0.5 racks (a count takes whole numbers)", _csv([[R, "", "2024-12-31", "0.5", ""]]),
         reject=(2, "value", "is not a whole number")),
    Case("fraction-of-a-rack-in-wan.csv", "2.34567万 racks (23,456.7)", _csv([[R, "", "2024-12-31", "2.34567万", ""]]),
         reject=(2, "value", "is not a whole number")),
    Case("fractional-visits.xlsx", "1.5 visits in a number cell", _xlsx([[V, None, "2024-12-31", 1.5, None]]),
         reject=(2, "value", "is not a whole number")),
    Case("fractional-count.json", "a JSON number 1.5 for racks", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 1.5}]),
         reject=(1, "value", "is not a whole number")),
    Case("whole-count-in-wan.csv", "2.3456万 racks and 1245.19万 visits in its unit column: whole numbers in base units",
         _csv([[R, "", "2024-12-31", "2.3456万", "", ""], [V, "2024-12-01", "2024-12-31", "1245.19", "", "万人次"]],
              header=("indicator_id", "period_start", "period_end", "value", "note", "unit")),
         rows=((R, "2024-12-31", "2024-12-31", 23456, "exact"), (V, "2024-12-01", "2024-12-31", 12451900, "exact"))),
    Case("negative-zero.csv", "-0 racks: stored as 0 (IEEE -0 equals 0)", _csv([[R, "", "2024-12-31", "-0", ""]]),
         rows=((R, "2024-12-31", "2024-12-31", 0, "exact"),)),
    # ---- issue 14, item 13: control characters (terminal escapes, bidirectional overrides) in text
    Case("terminal-escape-in-note.csv", "an OSC title and a clear-screen escape in a note (\\x1b]0;PWNED\\x07\\x1b[2J)",
         _csv([[R, "", "2024-12-31", "5", "\x1b]0;PWNED\x07\x1b[2J"]]), reject=(2, "note", "control character U+001B")),
    Case("bidi-override-in-note.csv", "a right-to-left override (U+202E) in a note",
         _csv([[R, "", "2024-12-31", "5", "total \u202e9.99"]]), reject=(2, "note", "control character U+202E")),
    Case("bidi-isolate-in-source.csv", "a first-strong isolate (U+2068) in a source",
         _csv([[R, "", "2024-12-31", "5", "", "市\u2068数据局"]], header=(*HEADER, "source")),
         reject=(2, "source", "control character U+2068")),
    Case("c1-csi-in-source.csv", "a C1 control (U+009B, CSI) in a source", _csv([[R, "", "2024-12-31", "5", "", "\x9b2J"]],
         header=(*HEADER, "source")), reject=(2, "source", "control character U+009B")),
    Case("tab-in-source.csv", "a tab in a source (a one-line field)", _csv([[R, "", "2024-12-31", "5", "", "市\t数据局"]],
         header=(*HEADER, "source")), reject=(2, "source", "control character U+0009")),
    Case("delete-in-note.csv", "DEL (U+007F) in a note", _csv([[R, "", "2024-12-31", "5", "a\x7fb"]]),
         reject=(2, "note", "control character U+007F")),
    Case("bare-cr-in-note.json", "a carriage return not followed by a line feed in a note (overwrites a terminal line)",
         _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 5, "note": "ok\rforged"}]),
         reject=(1, "note", "control character U+000D")),
    Case("line-separator-in-note.csv", "U+2028 (line separator) in a note", _csv([[R, "", "2024-12-31", "5", "a\u2028b"]]),
         reject=(2, "note", "control character U+2028")),
    Case("escape-in-note.json", "an escape written \\u001b in a JSON note",
         _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 5, "note": "\u001b[2J"}]),
         reject=(1, "note", "control character U+001B")),
    Case("tab-and-line-breaks-in-note.csv", "tab, LF and CRLF inside a note: allowed in a multi-line field",
         _csv([[R, "", "2024-12-31", "5", "line 1\tcol\nline 2\r\nline 3"]]), rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    # ---- issue 14: files that must be read whole or refused with one located problem (items 4, 5,
    # 12, 14, 15; docs/bad-inputs.md, "Reading files")
    Case("xlsx-stale-dimension.xlsx", "5 rows under a <dimension ref> that says A1:E3 (3 rows)",
         _xlsx_parts([[R, None, f"2024-0{m}-28", m, None] for m in range(1, 6)], _sheet_edit(_stale_dimension)),
         rows=tuple((R, f"2024-0{m}-28", f"2024-0{m}-28", m, "exact") for m in range(1, 6))),
    Case("xlsx-one-cell-dimension.xlsx", "a <dimension ref> of one cell (A1) over five columns",
         _xlsx_parts([[R, None, "2024-12-31", 5, None]], _sheet_edit(_one_cell_dimension)),
         rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("xlsx-value-under-no-header.xlsx", "a value in column F, right of the header",
         _xlsx([[R, None, "2024-12-31", 5, None, "extra"]]), reject=(2, "F", "is a value under no header")),
    Case("xlsx-rows-out-of-order.xlsx", "rows 2 and 3 swapped in the sheet's XML",
         _xlsx_parts([[R, None, "2024-12-31", 5, None], [R, None, "2024-06-30", 4, None]], _sheet_edit(_rows_out_of_order)),
         reject=(2, None, "the sheet is damaged (row 2 comes after row 3)")),
    Case("xlsx-row-beyond-excel.xlsx", "a row numbered 2,000,000 (Excel stops at 1,048,576)",
         _xlsx_parts([[R, None, "2024-12-31", 5, None], [R, None, "2024-06-30", 4, None]], _sheet_edit(_row_beyond_excel)),
         reject=(None, None, "row number 2000000 is outside 1..1,048,576")),
    Case("xlsx-missing-shared-string.xlsx", "a cell pointing at shared string 999 of 10",
         _xlsx_parts([[R, None, "2024-12-31", 5, None]], _sheet_edit(_missing_shared_string)),
         reject=(None, None, "the sheet is damaged")),
    Case("xlsx-number-as-period.xlsx", "2024.10 typed into period_end (Excel keeps the number 2024.1)",
         _xlsx([[R, None, 2024.10, 5, None]]), reject=(2, "period_end", "is a number, not a date")),
    Case("xlsx-serial-as-period.xlsx", "45657 in period_end (a date shown as a number)",
         _xlsx([[R, None, 45657, 5, None]]), reject=(2, "period_end", "is a number, not a date")),
    Case("xlsx-year-as-number.xlsx", "2024 (a whole number) in period_end: the year, as the text 2024 is",
         _xlsx([[G, None, 2024, 90, None]]), rows=((G, "2024-01-01", "2024-12-31", 90, "exact"),)),
    Case("xlsx-blank-first-row.xlsx", "the header in row 2 under a blank row",
         _xlsx_parts([[R, None, "2024-12-31", 5, None]], _sheet_edit(_rows_down_one)),
         reject=(1, None, "is blank: the first row of the first sheet must be the header")),
    Case("xlsx-zip-without-workbook.xlsx", "a zip archive with only a text file in it", _xlsx_parts([], _only_text_part),
         reject=(None, None, "not an Excel workbook")),
    Case("xlsx-docx-renamed.xlsx", "a Word document (.docx) renamed to .xlsx", _xlsx_parts([], _docx_parts),
         reject=(None, None, "not an Excel workbook")),
    Case("xlsx-encrypted.xlsx", "a password-protected workbook (an encrypted OLE container)", _cfb(True),
         reject=(None, None, "is password-protected")),
    Case("xls-renamed.xlsx", "an old .xls workbook renamed to .xlsx", _cfb(False), reject=(None, None, "old Excel .xls")),
    Case("xlsx-truncated.xlsx", "the first half of a workbook (a download cut short)", _truncated_xlsx,
         reject=(None, None, "cut short")),
    Case("xlsx-entity-bomb.xlsx", "a billion-laughs DTD in the sheet's XML", _xlsx_parts([[R, None, "2024-12-31", 5, None]],
         _sheet_edit(_entity_bomb)), reject=(None, None, "document type declaration")),
    Case("xlsx-lying-sizes.xlsx", "a sheet that declares 4 kB and unpacks to 300 MB", lambda p: _bomb(p, whitespace=300 << 20,
         declared=4096), reject=(None, None, "damaged")),
    Case("xlsx-many-parts.xlsx", "10,001 empty parts in the zip", _many_parts, reject=(None, None, "parts (a workbook has dozens)")),
    Case("json-5000-digit-integer.json", "a value of 5,000 digits (int() refuses more than 4,300)",
         _bytes(b'[{"indicator_id": "racks", "period_end": "2024-12-31", "value": ' + b"9" * 5000 + b"}]"),
         reject=(1, "value", "number too large")),
    Case("json-1e999.json", "1e999 (past a double)", _bytes(b'[{"indicator_id": "racks", "period_end": "2024-12-31", "value": 1e999}]'),
         reject=(1, "value", "number too large")),
    Case("json-infinity.json", "an Infinity literal", _bytes(b'[{"indicator_id": "racks", "period_end": "2024-12-31", "value": -Infinity}]'),
         reject=(1, "value", "not a finite number")),
    Case("json-bom.json", "UTF-8 with a byte-order mark", _bytes(b"\xef\xbb\xbf" + json.dumps(
         [{"indicator_id": R, "period_end": "2024-12-31", "value": 5}]).encode()), rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
    Case("json-utf16.json", "UTF-16 text", _bytes(json.dumps([{"indicator_id": R, "period_end": "2024-12-31", "value": 5}]).encode("utf-16")),
         reject=(None, None, "UTF-16")),
    Case("json-duplicate-keys.json", "the value key twice in one reading (json keeps the last)",
         _bytes(b'[{"indicator_id": "racks", "period_end": "2024-12-31", "value": 5, "value": 6}]'),
         reject=(1, "value", "appears twice in this reading")),
    Case("json-duplicate-readings.json", "two 'readings' lists in one document",
         _bytes(b'{"readings": [], "readings": [{"indicator_id": "racks", "period_end": "2024-12-31", "value": 5}]}'),
         reject=(None, "readings", "appears twice in the document")),
    Case("json-object-note.json", "an object as the note", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 5, "note": {"a": 1}}]),
         reject=(1, "note", "is an object")),
    Case("json-list-source.json", "a list as the source", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": 5, "source": ["a", "b"]}]),
         reject=(1, "source", "is a list")),
    Case("json-boolean-value.json", "true as the value", _json([{"indicator_id": R, "period_end": "2024-12-31", "value": True}]),
         reject=(1, "value", "is true/false")),
    Case("json-number-as-period.json", "2024.10 as a JSON number in period_end",
         _bytes(b'[{"indicator_id": "racks", "period_end": 2024.10, "value": 5}]'), reject=(1, "period_end", "is a number, not a date")),
    Case("json-string-document.json", "a string as the whole document", _json("readings"),
         reject=(None, None, "must be a list of reading objects")),
    Case("json-list-of-numbers.json", "a list of numbers, not of objects", _json([1, 2]), reject=(1, None, "is not an object")),
    Case("json-empty-list.json", "an empty list", _json([]), reject=(None, None, "has no readings: the list is empty")),
    Case("parquet-list-value.parquet", "a list in the value column", _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [[1, 2]]}),
         reject=(1, "value", "(lists or records)")),
    Case("parquet-struct-note.parquet", "a struct in the note column",
         _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [5.0], "note": [{"a": 1}]}),
         reject=(1, "note", "(lists or records)")),
    Case("parquet-binary-note.parquet", "binary data in the note column",
         _parquet({"indicator_id": [R], "period_end": ["2024-12-31"], "value": [5.0], "note": [b"\x00\x01"]}),
         reject=(1, "note", "binary data")),
    Case("parquet-double-period.parquet", "2024.10 as a double in period_end",
         _parquet({"indicator_id": [R], "period_end": [2024.10], "value": [5.0]}), reject=(1, "period_end", "is a column of numbers")),
    Case("parquet-truncated.parquet", "the first half of a Parquet file", _parquet_cut, reject=(None, None, "cut short")),
    Case("parquet-csv-renamed.parquet", "a CSV renamed to .parquet", _bytes(b"indicator_id,period_end,value\nracks,2024-12-31,5\n"),
         reject=(None, None, "is not a Parquet file")),
    Case("cr-only-long-line.csv", "classic Mac line ends and a 2 MB line in row 3", _cr_only_long_line,
         reject=(3, None, "line too long")),
    Case("cr-only-nul.csv", "classic Mac line ends and a NUL byte in row 3",
         _bytes(b"indicator_id,period_end,value\rracks,2024-12-31,5\rracks,2024-06-30,\x006\r"), reject=(3, None, "contains a NUL byte")),
    Case("quoted-note-5mb.csv", "a quoted note of short lines running on for 5 MB", _quoted_note(5),
         reject=(3, None, "a quoted cell runs on for more than 4 MB")),
    Case("trailing-unnamed-columns.csv", "three empty header cells after the last column (Excel's ',,,')",
         _bytes(b"indicator_id,period_end,value,,,\nracks,2024-12-31,5,,,\n"),
         reject=(1, None, "the header has no name in columns 4–6")),
    Case("unnamed-middle-column.csv", "an empty header cell between two columns",
         _bytes(b"indicator_id,,period_end,value\nracks,x,2024-12-31,5\n"), reject=(1, None, "the header has no name in column 2")),
    Case("no-number.csv", "abc as the value: the reason quotes it once", _csv([[R, "", "2024-12-31", "abc", ""]]),
         reject=(2, "value", "no number found in 'abc'")),
    # ---- size
    Case("huge.csv", f"{len(HUGE_INDICATORS) * HUGE_DAYS:,} valid rows", _huge, count=len(HUGE_INDICATORS) * HUGE_DAYS, huge=True),
    Case("huge-one-bad-row.csv", f"{len(HUGE_INDICATORS) * HUGE_DAYS:,} valid rows and one bad one at the end",
         lambda p: _huge(p, bad_last_row=True), reject=(len(HUGE_INDICATORS) * HUGE_DAYS + 2, "value", "no number found"), huge=True),
    Case("line-200mb.csv", f"a row {LINE_MB} MB long between valid rows", _long_line, reject=(3, None, "line too long"), huge=True),
    Case("header-3mb.csv", "a header line of 3 MB", _long_header, reject=(1, None, "line too long"), huge=True),
    Case("quoted-note-200mb.csv", "a quoted note of short lines running on for 200 MB", _quoted_note(LINE_MB),
         reject=(3, None, "a quoted cell runs on for more than 4 MB"), huge=True),
    Case("xlsx-zip-bomb.xlsx", "2 GiB of whitespace in the sheet, packed into 2 MB", _bomb,
         reject=(None, None, "unpacks to 2,048 MB, more than the 128 MB"), huge=True),
    Case("xlsx-too-many-cells.xlsx", "500,001 filled cells in a file of 300 kB", _many_cells,
         reject=(None, None, "more than 500,000 filled cells"), huge=True),
    Case("json-65mb.json", "a valid JSON document of 65 MB", _huge_json, reject=(None, None, "more than the 64 MB"), huge=True),
)


def build(folder: Path, huge: bool = True) -> dict[str, Path]:
    """Write every case's file into ``folder``; return {case name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for case in CASES:
        if case.huge and not huge:
            continue
        path = folder / case.name
        case.write(path)
        written[case.name] = path
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-huge", action="store_true", help="skip the huge files (180k rows, a 200 MB line)")
    args = parser.parse_args(argv)
    written = build(args.out, huge=not args.no_huge)
    for case in CASES:
        if case.name in written:
            outcome = "imports" if case.imports else f"rejected: {case.reject}"
            print(f"{case.name:34} {outcome}")
    print(f"{len(written)} files in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
