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
                lines.append(f"{indicator},{day},{day},{d % 97}\n")
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
    return re.sub(r'(<c r="D2"[^>]*>)<f>(.*?)</f><v\s*/>', r"\1<f>\2</f><v>5</v>", xml)


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
         _csv([[R, "", "2024-12-31", "5", "a\x07b\x1b[31mred\u202eevil"]]), rows=((R, "2024-12-31", "2024-12-31", 5, "exact"),)),
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
    # ---- size
    Case("huge.csv", f"{len(HUGE_INDICATORS) * HUGE_DAYS:,} valid rows", _huge, count=len(HUGE_INDICATORS) * HUGE_DAYS, huge=True),
    Case("huge-one-bad-row.csv", f"{len(HUGE_INDICATORS) * HUGE_DAYS:,} valid rows and one bad one at the end",
         lambda p: _huge(p, bad_last_row=True), reject=(len(HUGE_INDICATORS) * HUGE_DAYS + 2, "value", "no number found"), huge=True),
    Case("line-200mb.csv", f"a row {LINE_MB} MB long between valid rows", _long_line, reject=(3, None, "line too long"), huge=True),
    Case("header-3mb.csv", "a header line of 3 MB", _long_header, reject=(1, None, "line too long"), huge=True),
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
