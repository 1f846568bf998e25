"""monitor.files.readers on every path a file takes: `monitor import` (and a refresh read as it), the
dashboard's upload preview (monitor.present.entry.read_table) and a refresh source with a column mapping
(monitor.services.refresh.parse), for issue 14's items 4, 5, 12, 14 and 15.

The files come from the bad-input corpus's writers (tests/bad_inputs/make_corpus.py), written into a
temporary folder; the refresh runs fetch from a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import Problem, ValidationError
from monitor.files import readers
from monitor.files.ingest import import_file, import_rows
from monitor.present.entry import read_table
from monitor.present.i18n import problem_reason
from monitor.services.refresh.parse import read_records
from monitor.services.refresh.run import run_sources
from monitor.services.refresh.sources import load_config
from monitor.store.connection import Store
from monitor.store.maintenance import checksums
from refresh_helpers import LoopbackServer, Reply, write_sources

HERE = Path(__file__).resolve().parent


def _load_corpus() -> Any:
    if "make_corpus" in sys.modules:
        return sys.modules["make_corpus"]
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "bad_inputs" / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()
CASES = {case.name: case for case in corpus.CASES}


def written(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    CASES[name].write(path)
    return path


@pytest.fixture
def store(cat_db: Store) -> Store:
    return cat_db


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """A call that blocks (a FIFO opened for reading) fails the test instead of hanging it."""
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def grown_mb(before: int) -> float:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------- item 4: every row and cell


def test_a_stale_dimension_loses_no_row_on_any_path(store: Store, tmp_path: Path) -> None:
    path = written(tmp_path, "xlsx-stale-dimension.xlsx")
    report = import_file(store, path)
    assert (report.rows, report.new, report.rejected) == (5, 5, 0)
    header, rows = read_table(path)
    assert header[:4] == ["indicator_id", "period_start", "period_end", "value"]
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6] and rows[-1][1][2] == "2024-05-28"
    assert [r["value"] for r in read_records(path, "xlsx", path.name)] == [1, 2, 3, 4, 5]


def test_a_value_under_no_header_is_refused_on_every_path(store: Store, tmp_path: Path) -> None:
    path = written(tmp_path, "xlsx-value-under-no-header.xlsx")
    with pytest.raises(ValidationError) as caught:
        read_records(path, "xlsx", path.name)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "F", "extra")
    with pytest.raises(ValueError, match="row 2, column 'F': is a value under no header"):
        read_table(path)
    # The mapped refresh path reads CSV with Python's csv module: a field past the header is refused
    # there too (zip() dropped it silently).
    extra = tmp_path / "extra.csv"
    extra.write_bytes(b"indicator_id,period_end,value\nracks,2024-12-31,5\nracks,2024-06-30,4,oops\n")
    with pytest.raises(ValidationError) as caught:
        read_records(extra, "csv", extra.name)
    assert str(caught.value.problems[0]) == "extra.csv, row 3: has 4 fields; the header has 3"


def test_rows_written_out_of_order_are_refused_not_dropped(tmp_path: Path) -> None:
    """openpyxl's own read-only sheet skipped the row that came late; the reader refuses the file."""
    import openpyxl

    path = written(tmp_path, "xlsx-rows-out-of-order.xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "2024-06-30" in cells and "2024-12-31" not in cells  # row 2, written after row 3, is lost
    workbook.close()
    with pytest.raises(ValidationError, match=r"row 2: .*row 2 comes after row 3"):
        readers.read_xlsx(path)


def test_a_percent_cell_is_the_number_shown_on_the_mapped_path_too(tmp_path: Path) -> None:
    path = written(tmp_path, "percent-format.xlsx")
    assert read_records(path, "xlsx", path.name)[0]["value"] == "93.1%"
    assert read_table(path)[1][0][1][3] == "93.1%"


# ---------------------------------------------------------------- item 5: one located error, never a traceback

# Files every reader of their kind refuses as a whole: (corpus file, the readers that take it).
FILE_LEVEL = [
    ("xlsx-rows-out-of-order.xlsx", "tp"), ("xlsx-row-beyond-excel.xlsx", "tp"), ("xlsx-missing-shared-string.xlsx", "tp"),
    ("xlsx-blank-first-row.xlsx", "tp"), ("xlsx-zip-without-workbook.xlsx", "tp"), ("xlsx-docx-renamed.xlsx", "tp"),
    ("xlsx-encrypted.xlsx", "tp"), ("xls-renamed.xlsx", "tp"), ("xlsx-truncated.xlsx", "tp"), ("xlsx-entity-bomb.xlsx", "tp"),
    ("xlsx-lying-sizes.xlsx", "tp"), ("xlsx-many-parts.xlsx", "tp"), ("not-a-zip.xlsx", "tp"), ("empty-workbook.xlsx", "tp"),
    ("cr-only-long-line.csv", "tp"), ("cr-only-nul.csv", "tp"), ("utf16.csv", "tp"), ("nul-byte.csv", "tp"),
    ("mixed-encoding.csv", "tp"), ("non-utf8-bytes.csv", "tp"),
    ("json-utf16.json", "p"), ("json-truncated.json", "p"), ("json-deeply-nested.json", "p"),
    ("json-duplicate-keys.json", "p"), ("json-list-of-numbers.json", "p"),
]


@pytest.mark.parametrize(("name", "paths"), FILE_LEVEL, ids=[n for n, _ in FILE_LEVEL])
def test_a_malformed_file_is_one_located_problem_on_every_path(name: str, paths: str, tmp_path: Path) -> None:
    """The import's verdict (tests/test_bad_inputs.py), given the same way by the upload preview (t)
    and the mapped refresh reader (p): same row, column and reason."""
    path = written(tmp_path, name)
    row, column, fragment = CASES[name].reject
    kind = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}[path.suffix]
    if "p" in paths:
        with pytest.raises(ValidationError) as caught:
            read_records(path, kind, path.name)
        first = caught.value.problems[0]
        assert (first.source, first.row, first.column) == (path.name, row, column), first
        assert fragment in first.reason
    if "t" in paths:
        with pytest.raises(ValueError) as raised:
            read_table(path)
        assert fragment in str(raised.value) and str(raised.value).startswith(path.name)


def test_a_5000_digit_json_integer_is_a_value_problem_on_every_path(store: Store, tmp_path: Path) -> None:
    path = written(tmp_path, "json-5000-digit-integer.json")
    code = CliRunner().invoke(main, ["--db", str(store.path), "import", str(path)])
    assert code.exit_code == 5 and "Traceback" not in code.output
    assert code.stderr.startswith("Error: json-5000-digit-integer.json, row 1, column 'value': number too large")
    rows = read_records(path, "json", path.name)
    report = import_rows(store, rows, source_name=path.name, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(1, "value")]
    assert "number too large" in report.problems[0].reason


def test_a_damaged_parquet_page_is_one_problem(store: Store, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "damaged.parquet"
    pq.write_table(pa.table({"indicator_id": ["racks"] * 1000, "period_end": ["2024-12-31"] * 1000,
                             "value": [float(i) for i in range(1000)]}), path, compression="snappy")
    data = bytearray(path.read_bytes())
    for k in range(200, 600):  # the column chunks, not the footer
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    before = checksums(store)
    with pytest.raises(ValidationError) as caught:
        import_file(store, path)
    (problem,) = caught.value.problems
    assert problem.source == "damaged.parquet" and problem.reason.startswith("cannot be read as Parquet: ")
    assert str(tmp_path) not in problem.reason  # named once, by its name
    assert checksums(store) == before


# ---------------------------------------------------------------- item 12: typed cells on every path


@pytest.mark.parametrize("rows", [1, 250], ids=["small batch (Python)", "bulk (SQL)"])
def test_typed_cells_are_located_problems_in_both_validation_paths(store: Store, rows: int) -> None:
    """import_rows (a refresh mapping, a feed) checks cells before they become text, in both paths."""
    good = [{"indicator_id": "visits", "period_end": f"{2000 + k // 12}-{k % 12 + 1:02d}-28", "value": k,
             "period_start": f"{2000 + k // 12}-{k % 12 + 1:02d}-01"} for k in range(rows - 1)]
    bad = [
        {"indicator_id": "racks", "period_end": 2024.10, "value": 5},
        {"indicator_id": "racks", "period_end": "2024-12-31", "value": 5, "note": {"a": 1}},
        {"indicator_id": "racks", "period_end": "2024-11-30", "value": 5, "source": ["x"]},
        {"indicator_id": "racks", "period_end": "2024-10-31", "value": True},
        {"note": [1, 2]},  # nothing else: still a row with a problem, not a blank row
        {"indicator_id": "good-air-share", "period_end": 2024, "value": 90},  # a whole number: the year
    ]
    report = import_rows(store, good + bad, source_name="feed", dry_run=True)
    n = len(good)
    got = [(p.row - n, p.column, p.reason.split(":")[0].split(";")[0]) for p in report.problems]
    assert got == [
        (1, "period_end", "is a number, not a date"),
        (2, "note", "is an object (a group of fields), not a single value"),
        (3, "source", "is a list, not a single value"),
        (4, "value", "is true/false, not a value this column can hold"),
        (5, "indicator_id", "is required"),
        (5, "note", "is a list, not a single value"),
        (5, "period_end", "is required"),
        (5, "value", "is required"),
    ]
    assert report.problems[1].value == '{"a": 1}'
    assert (report.rows, report.rejected, report.valid) == (n + 6, 5, n + 1)


def test_a_number_in_a_date_column_from_the_mapped_refresh_path(store: Store, tmp_path: Path) -> None:
    path = written(tmp_path, "xlsx-number-as-period.xlsx")
    report = import_rows(store, read_records(path, "xlsx", path.name), source_name=path.name, dry_run=True)
    assert [(p.column, p.value) for p in report.problems] == [("period_end", "2024.1")]
    assert "format the cell as a date" in report.problems[0].reason


# ---------------------------------------------------------------- item 14: messages in the user's terms


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    """A FIFO and a character device where a file should be, made in the test's own folder."""
    made = {}
    for suffix in (".csv", ".xlsx", ".json", ".parquet"):
        fifo = tmp_path / f"pipe{suffix}"
        os.mkfifo(fifo)
        made[fifo.name] = fifo
    device = tmp_path / "device.csv"
    try:
        os.mknod(device, 0o600 | 0o020000, os.makedev(1, 3))  # a character device, as /dev/null is
    except (PermissionError, OSError):
        device.symlink_to("/dev/zero")  # reading it would never end; it is refused by its metadata
    made[device.name] = device
    return made


def test_a_fifo_or_a_device_is_refused_on_every_path_without_being_opened(store: Store, specials: dict[str, Path]) -> None:
    with deadline(30):
        for name, path in specials.items():
            kind = path.suffix[1:]
            what = "a character device" if name.startswith("device") else "a named pipe (FIFO)"
            with pytest.raises(ValidationError) as caught:
                import_file(store, path)
            assert str(caught.value) == f"{name}: is not a regular file but {what}; save the readings to a file and read that"
            if kind in ("csv", "xlsx"):
                with pytest.raises(ValueError, match="is not a regular file"):
                    read_table(path)
            if kind != "parquet":
                with pytest.raises(ValidationError, match="is not a regular file"):
                    read_records(path, kind, name)
        result = CliRunner().invoke(main, ["--db", str(store.path), "import", str(specials["pipe.csv"])])
    assert result.exit_code == 5 and "is not a regular file but a named pipe" in result.stderr


def test_a_problem_quotes_its_value_once() -> None:
    assert str(Problem("f.csv", 2, "value", "problem.no_number", {"text": "'abc'"}, "abc")) == \
        "f.csv, row 2, column 'value': no number found in 'abc'"
    assert str(Problem("f.csv", 2, "value", "problem.required", {}, " abc")) == \
        "f.csv, row 2, column 'value': is required (got ' abc')"
    long = "x" * 100
    assert str(Problem("f.csv", 2, "value", "problem.no_number", {"text": repr(long[:59])}, long)).endswith(
        "found in '" + "x" * 59 + "'")


REASONS_IN_CHINESE = [
    "xlsx-value-under-no-header.xlsx", "xlsx-number-as-period.xlsx", "xlsx-blank-first-row.xlsx", "xlsx-encrypted.xlsx",
    "xls-renamed.xlsx", "json-duplicate-keys.json", "json-object-note.json", "json-list-source.json",
    "json-boolean-value.json", "json-list-of-numbers.json", "json-empty-list.json", "parquet-list-value.parquet",
    "parquet-binary-note.parquet", "parquet-double-period.parquet", "quoted-note-5mb.csv", "unterminated-quote.csv",
    "trailing-unnamed-columns.csv", "whitespace-only.csv", "xlsx-many-parts.xlsx",
]


@pytest.mark.parametrize("name", REASONS_IN_CHINESE)
def test_each_new_reason_has_its_chinese_words(name: str, store: Store, tmp_path: Path) -> None:
    path = written(tmp_path, name)
    with pytest.raises(ValidationError) as caught:
        import_file(store, path)
    problem = caught.value.problems[0]
    zh = problem_reason(problem, "zh")
    assert problem.code != "problem.other" and not zh.startswith("无效（"), (problem, zh)  # the untranslated fallback


# ---------------------------------------------------------------- item 15: bombs


def test_a_zip_bomb_is_refused_on_every_path_before_it_is_unpacked(store: Store, tmp_path: Path) -> None:
    """2 GiB of whitespace in 2 MB: 16.6 s and 2.28 GB, then accepted; now refused by its declared sizes."""
    path = tmp_path / "bomb.xlsx"
    corpus._bomb(path)
    assert path.stat().st_size < 3 << 20
    before, store_before = peak(), checksums(store)
    for read in (lambda: import_file(store, path), lambda: read_records(path, "xlsx", path.name)):
        with pytest.raises(ValidationError) as caught:
            read()
        assert str(caught.value) == ("bomb.xlsx: unpacks to 2,048 MB, more than the 128 MB a workbook of readings may "
                                     "have (a zip bomb?); split it or send CSV")
    with pytest.raises(ValueError, match="unpacks to 2,048 MB"):
        read_table(path, limit=20)
    assert grown_mb(before) < 100
    assert checksums(store) == store_before


def test_a_bomb_whose_sizes_lie_is_counted_while_it_is_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap on what actually comes out of the zip holds whatever the parts declare: with the
    declared-size check out of the way (a cap above the declared total), the count stops the read."""
    path = tmp_path / "bomb.xlsx"
    corpus._bomb(path, whitespace=64 << 20)
    declared = sum(i.file_size for i in __import__("zipfile").ZipFile(path).infolist())
    monkeypatch.setattr(readers, "XLSX_MAX_UNPACKED", 32 << 20)
    with pytest.raises(ValidationError, match="unpacks to 64 MB, more than the 32 MB"):
        readers.read_xlsx(path)  # honest sizes: refused before unpacking
    # Lying: the zip says the sheet is 4 kB. Unpacking stops at what it declares and fails its checksum.
    corpus._bomb(path, whitespace=64 << 20, declared=4096)
    before = peak()
    with pytest.raises(ValidationError, match="the zip archive is damaged"):
        readers.read_xlsx(path)
    assert grown_mb(before) < 100 and declared > 64 << 20


def test_a_sheet_of_too_many_cells_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap is counted while parsing (the full-size file is in the corpus: tests/test_bad_inputs.py)."""
    monkeypatch.setattr(readers, "XLSX_MAX_CELLS", 1000)
    path = tmp_path / "cells.xlsx"
    corpus._many_cells(path, cells=1001)
    with pytest.raises(ValidationError, match="has more than 1,000 filled cells"):
        readers.read_xlsx(path)
    corpus._many_cells(path, cells=900)
    assert len(readers.read_xlsx(path).rows) == 900 // 5 + 1


def test_a_sheet_of_many_stray_values_stops_early(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "stray.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["indicator_id", "period_end", "value"])
    for _ in range(500):
        book.active.append(["racks", "2024-12-31", 5, "x", "y"])
    book.save(path)
    with pytest.raises(ValidationError) as caught:
        readers.read_xlsx(path)
    assert len(caught.value.problems) == readers.STRAY_KEPT
    assert caught.value.problems[0].column == "D" and caught.value.problems[1].column == "E"


# ---------------------------------------------------------------- a refresh run


def test_a_refresh_run_reports_each_malformed_file_as_one_error(fresh_db: Store, tmp_path: Path) -> None:
    """Through the scheduler's own entry point: URL sources, one of each kind, read as `monitor import`
    reads them or through a column mapping; each bad file is a located error in the run, never a crash."""
    bomb = tmp_path / "bomb.xlsx"
    corpus._bomb(bomb)
    big_int = b'[{"m": "2025-06-30", "v": ' + b"9" * 5000 + b"}]"
    twice = json.dumps([{"m": "2025-06-30", "v": 5}]).replace('"v": 5', '"v": 5, "v": 6').encode()
    mapping = 'columns = { "m" = "period_end", "v" = "value" }\ndefaults = { indicator_id = "compute-racks" }'

    def source(name: str, path: str, kind: str, extra: str = "") -> str:
        return (f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{server.url(path)}"\nevery = "1h"\n'
                f'timeout = "5s"\nretries = 0\n{extra}\n')

    with LoopbackServer() as server:
        server.route("/bomb.xlsx", Reply(body=bomb.read_bytes(), content_type="application/octet-stream"))
        server.route("/big.json", Reply(body=big_int, content_type="application/json"))
        server.route("/twice.json", Reply(body=twice, content_type="application/json"))
        config = write_sources(tmp_path, source("bomb", "/bomb.xlsx", "xlsx") + source("big", "/big.json", "json", mapping)
                               + source("twice", "/twice.json", "json", mapping))
        results = {r.source: r for r in run_sources(fresh_db, load_config(config))}
    assert results["bomb"].outcome == "failed" and "bomb.xlsx: unpacks to 2,048 MB" in results["bomb"].error
    assert results["twice"].outcome == "failed"
    assert "row 1, column 'v': appears twice in this reading" in results["twice"].error
    big = results["big"]
    # Refused at its row, not a crash; the file's only row was refused, so the run failed rather than
    # counting a file from which nothing was taken as processed.
    assert big.outcome == "failed" and big.rows_rejected == 1
    assert "every row was refused" in big.error
    assert "number too large" in big.reports[0]["problems"][0]
