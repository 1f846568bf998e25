"""Bad input: every file of the corpus (tests/bad_inputs/) and bad `monitor add` arguments.

Each input either imports exactly as documented in docs/bad-inputs.md (the meaning is unambiguous)
or is rejected with a message naming the file, the row, the column and the reason; a rejected batch
leaves the store byte-for-byte unchanged (compared by monitor.store.maintenance.checksums).
"""

from __future__ import annotations

import importlib.util
import resource
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.ingest import import_file
from monitor.store.connection import Store
from monitor.store.maintenance import check, checksums

HERE = Path(__file__).resolve().parent
CATALOG = HERE / "fixtures" / "catalog.yaml"


def _load_corpus():  # noqa: ANN202 - the module
    spec = importlib.util.spec_from_file_location("make_corpus", HERE / "bad_inputs" / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


corpus_module = _load_corpus()
CASES = {case.name: case for case in corpus_module.CASES}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every corpus file, generated once per session (the huge ones too) into a temporary folder."""
    return corpus_module.build(tmp_path_factory.mktemp("bad-inputs"))


@pytest.fixture
def store(cat_db: Store) -> Store:
    """A copy of the database seeded from the small test catalogue (conftest.cat_db)."""
    return cat_db


def readings_of_batch(db: Store, batch_id: str) -> list[tuple[str, str, str, float, str]]:
    with db.read() as con:
        rows = con.execute(
            "SELECT indicator_id, period_start, period_end, value, qualifier FROM reading WHERE batch_id = ?",
            [batch_id],
        ).fetchall()
    return sorted((i, s.isoformat(), e.isoformat(), v, q) for i, s, e, v, q in rows)


def count_of_batch(db: Store, batch_id: str) -> int:
    with db.read() as con:
        return con.execute("SELECT count(*) FROM reading WHERE batch_id = ?", [batch_id]).fetchone()[0]


def cli(db: Store, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", str(db.path), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- the corpus


def test_the_corpus_is_big_enough_and_its_committed_part_small() -> None:
    assert len(CASES) >= 40
    imported = [c for c in CASES.values() if c.imports]
    rejected = [c for c in CASES.values() if not c.imports]
    assert len(imported) >= 15 and len(rejected) >= 25
    committed = list((HERE / "bad_inputs" / "static").iterdir())
    assert committed and sum(p.stat().st_size for p in committed) < 10_000
    documented = (HERE.parent / "docs" / "bad-inputs.md").read_text(encoding="utf-8")
    missing = [name for name in CASES if f"`{name}`" not in documented]
    assert not missing, f"docs/bad-inputs.md does not list {missing}"


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.huge])
def test_each_input_imports_as_documented_or_is_rejected_with_its_location(
    name: str, corpus: dict[str, Path], store: Store
) -> None:
    case = CASES[name]
    path = corpus[name]
    before = checksums(store)
    if case.imports:
        report = import_file(store, path)
        assert report.written and not report.problems
        got = readings_of_batch(store, report.batch_id)
        want = sorted((i, s, e, float(v), q) for i, s, e, v, q in case.rows)
        assert [(i, s, e, q) for i, s, e, _, q in got] == [(i, s, e, q) for i, s, e, _, q in want]
        for (_, _, _, got_value, _), (_, _, _, want_value, _) in zip(got, want, strict=True):
            assert got_value == pytest.approx(want_value, rel=1e-12), name
        # Re-importing the same file changes nothing.
        again = import_file(store, path)
        assert (again.new, again.revised, again.unchanged) == (0, 0, len(want))
        return

    with pytest.raises(ValidationError) as caught:
        import_file(store, path)
    problems = caught.value.problems
    row, column, fragment = case.reject
    first = problems[0]
    assert (first.row, first.column) == (row, column), problems[:3]
    assert fragment in first.reason, first.reason
    for p in problems:
        assert p.source == path.name  # the file is named
        assert p.reason
        assert len(str(p)) < 600, "a problem is one readable line, whatever the input's size"
        if p.row is not None and p.row > 1:
            # A row's problem names its column, unless the whole line is unreadable.
            assert p.column is not None or "line" in p.reason or "fields" in p.reason or "CSV" in p.reason \
                or "NUL" in p.reason or "encodings" in p.reason or "quote" in p.reason or "sheet" in p.reason, p
    assert checksums(store) == before, "a rejected batch changed the store"

    # The CLI says the same in one line on stderr, with exit code 5 (invalid input), and writes nothing.
    code, _, err = cli(store, "import", str(path))
    assert code == 5, err
    line = err.splitlines()[0]
    assert line.startswith(f"Error: {path.name}")
    if row is not None:
        assert f"row {row}" in line
    if column is not None and row is not None:
        assert f"column '{column}'" in line
    assert fragment in line
    assert checksums(store) == before


def test_the_huge_file_imports_whole(corpus: dict[str, Path], store: Store) -> None:
    case = CASES["huge.csv"]
    # (How fast is bench/'s business; the run's --timeout is the hang guard.)
    report = import_file(store, corpus["huge.csv"])
    assert report.written and report.new == case.count
    assert count_of_batch(store, report.batch_id) == case.count


def test_a_huge_file_with_one_bad_row_writes_nothing(corpus: dict[str, Path], store: Store) -> None:
    case = CASES["huge-one-bad-row.csv"]
    before = checksums(store)
    with pytest.raises(ValidationError) as caught:
        import_file(store, corpus[case.name])
    row, column, fragment = case.reject
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column) == (case.name, row, column)
    assert fragment in problem.reason
    assert checksums(store) == before


def _bytes_read() -> int:
    """Bytes this process has read (any file, any thread) so far, as the kernel counts them."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.parametrize("name", ["line-200mb.csv", "header-3mb.csv"])
def test_an_overlong_line_is_refused_early_and_cheaply(name: str, corpus: dict[str, Path], store: Store) -> None:
    """DuckDB silently dropped a 200 MB last line; the import now refuses it before DuckDB reads it."""
    from monitor.files.ingest import MAX_LINE_BYTES

    case = CASES[name]
    before = checksums(store)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    read_before = _bytes_read()
    with pytest.raises(ValidationError) as caught:
        import_file(store, corpus[name])
    read = _bytes_read() - read_before
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column) == (name, case.reject[0], None)
    assert "line too long" in problem.reason
    # Early: the process read a few 1 MB chunks, not the file (the kernel's count of bytes read).
    assert read < min(corpus[name].stat().st_size, 3 * MAX_LINE_BYTES) and grown_mb < 1024, (read, grown_mb)
    assert checksums(store) == before
    code, _, err = cli(store, "import", str(corpus[name]))
    assert code == 5 and f"{name}, row {case.reject[0]}: line too long" in err


# Issue 14, item 15 and its siblings: how much memory each may take (the 2 GiB zip bomb took 2.28 GB).
BOMBS = {"xlsx-zip-bomb.xlsx": 100, "xlsx-too-many-cells.xlsx": 400, "json-65mb.json": 100, "quoted-note-200mb.csv": 400}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_in_bounded_memory(name: str, corpus: dict[str, Path], store: Store) -> None:
    case = CASES[name]
    before = checksums(store)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError) as caught:
        import_file(store, corpus[name])
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column) == (name, case.reject[0], case.reject[1])
    assert case.reject[2] in problem.reason
    assert grown_mb < BOMBS[name], grown_mb
    assert checksums(store) == before
    code, _, err = cli(store, "import", str(corpus[name]))
    assert code == 5 and err.startswith(f"Error: {problem}")


def test_skip_invalid_keeps_the_good_rows_and_quarantines_the_rest(corpus: dict[str, Path], store: Store) -> None:
    report = import_file(store, corpus["infinity.csv"], skip_invalid=True)
    assert (report.rows, report.valid, report.rejected, report.new) == (2, 0, 2, 0)
    code, out, _ = cli(store, "rejected")
    assert code == 0 and "infinity.csv, row 2, column 'value'" in out and "row 3" in out
    assert all(f.ok for f in check(store))


def test_dry_run_of_a_bad_file_writes_nothing(corpus: dict[str, Path], store: Store) -> None:
    before = checksums(store)
    code, out, err = cli(store, "import", "--dry-run", str(corpus["conflicting-rows.csv"]))
    assert code == 5 and "conflicts with row 3" in err
    assert checksums(store) == before


def test_missing_file_and_folder(store: Store, tmp_path: Path) -> None:
    before = checksums(store)
    for target, reason in ((tmp_path / "nope.csv", "file not found"), (tmp_path, "is a folder")):
        with pytest.raises(ValidationError) as caught:
            import_file(store, target)
        assert reason in str(caught.value)
    assert checksums(store) == before


# ---------------------------------------------------------------- `monitor add` arguments

GOOD_DAY = "2024-12-31"

ADD_REJECTED: list[tuple[str, list[str], str, str]] = [
    # (what, arguments after `add`, column named, reason fragment)
    ("month 13", ["racks", "5", "--period-end", "2025-13-01"], "period_end", "month 13"),
    ("February 30", ["racks", "5", "--period-end", "2025-02-30"], "period_end", "day 30"),
    ("not a date", ["racks", "5", "--period-end", "yesterday"], "period_end", "as a date"),
    ("empty date", ["racks", "5", "--period-end", ""], "period_end", "is required"),
    ("day-first date", ["racks", "5", "--period-end", "31/12/2024"], "period_end", "as a date"),
    ("future", ["racks", "5", "--period-end", "2999-01-01"], "period_end", "in the future"),
    ("year 0", ["racks", "5", "--period-end", "0000-01-01"], "period_end", "year 0 is not in 1..9999"),
    ("start after end", ["good-air-share", "90", "--period-start", "2024-12-31", "--period-end", "2024-01-01"],
     "period_end", "is before period_start"),
    ("bad start", ["good-air-share", "90", "--period-start", "2024-00-10", "--period-end", GOOD_DAY], "period_start", "month 0"),
    ("unknown qualifier", ["racks", "5", "--period-end", GOOD_DAY, "--qualifier", "roughly"], "qualifier", "unknown qualifier"),
    ("SQL as qualifier", ["racks", "5", "--period-end", GOOD_DAY, "--qualifier", "exact' OR '1'='1"], "qualifier", "unknown qualifier"),
    ("empty indicator", ["", "5", "--period-end", GOOD_DAY], "indicator_id", "is required"),
    ("blank indicator", ["   ", "5", "--period-end", GOOD_DAY], "indicator_id", "is required"),
    ("unknown indicator", ["gdp", "5", "--period-end", GOOD_DAY], "indicator_id", "unknown indicator"),
    ("SQL as indicator", ["'; DROP TABLE reading; --", "5", "--period-end", GOOD_DAY], "indicator_id", "unknown indicator"),
    ("NaN", ["racks", "NaN", "--period-end", GOOD_DAY], "value", "not a finite number"),
    # A value starting with '-' needs '--' before it (click would read it as an option).
    ("-Infinity", ["racks", "--period-end", GOOD_DAY, "--", "-Infinity"], "value", "not a finite number"),
    ("inf", ["racks", "inf", "--period-end", GOOD_DAY], "value", "not a finite number"),
    ("1e309", ["racks", "1e309", "--period-end", GOOD_DAY], "value", "number too large"),
    ("400 digits", ["racks", "9" * 400, "--period-end", GOOD_DAY], "value", "number too large"),
    ("above the maximum", ["good-air-share", "100.5", "--period-start", "2024-01-01", "--period-end", GOOD_DAY],
     "value", "above the plausible maximum"),
    ("negative count", ["racks", "--period-end", GOOD_DAY, "--", "-1"], "value", "below the plausible minimum"),
    ("empty value", ["racks", "", "--period-end", GOOD_DAY], "value", "is required"),
    ("words", ["racks", "lots", "--period-end", GOOD_DAY], "value", "no number found"),
    ("hex", ["racks", "0x10", "--period-end", GOOD_DAY], "value", "unexpected text"),
    ("unit of another kind", ["visits", "5", "--period-end", GOOD_DAY, "--unit", "万元"], "unit", "cannot be converted"),
    ("unknown unit", ["racks", "5", "--period-end", GOOD_DAY, "--unit", "bananas"], "unit", "cannot be converted"),
    # Issue 14 item 2: a value past what the product computes and shows (1e40 broke every status).
    ("1e40", ["racks", "1e40", "--period-end", GOOD_DAY], "value", "is too large"),
    ("1e19 by magnitude word", ["racks", "1e15万", "--period-end", GOOD_DAY], "value", "is too large"),
    ("1e19 by unit", ["racks", "1e15", "--period-end", GOOD_DAY, "--unit", "万架"], "value", "is too large"),
    ("-1e300", ["special-funds", "--period-end", GOOD_DAY, "--", "-1e300"], "value", "is too large"),
    # Issue 14 item 12: whole numbers for counts; a share of 1 or less without its percent sign.
    ("half a rack", ["racks", "0.5", "--period-end", GOOD_DAY], "value", "is not a whole number"),
    ("fraction of a rack in 万", ["racks", "2.34567", "--period-end", GOOD_DAY, "--unit", "万架"], "value",
     "is not a whole number"),
    ("fraction of a visit", ["visits", "1.5", "--period-start", "2024-12-01", "--period-end", GOOD_DAY], "value",
     "is not a whole number"),
    ("share as a fraction", ["good-air-share", "0.931", "--period-start", "2024-01-01", "--period-end", GOOD_DAY],
     "value", "is at most 1 for a share in %: if it is a fraction"),
    ("share of 1", ["good-air-share", "1", "--period-start", "2024-01-01", "--period-end", GOOD_DAY], "value",
     "write 1%"),
    # Issue 14 item 13: control characters in text.
    ("terminal escape in note", ["racks", "5", "--period-end", GOOD_DAY, "--note", "\x1b]0;PWNED\x07\x1b[2J"], "note",
     "control character U+001B"),
    ("bidi override in source", ["racks", "5", "--period-end", GOOD_DAY, "--source", "市数据局\u202e"], "source",
     "control character U+202E"),
    ("C1 control in note", ["racks", "5", "--period-end", GOOD_DAY, "--note", "\x9b2J"], "note", "control character U+009B"),
    ("newline in source", ["racks", "5", "--period-end", GOOD_DAY, "--source", "a\nError: forged"], "source",
     "control character U+000A"),
]


@pytest.mark.parametrize(("what", "args", "column", "fragment"), ADD_REJECTED, ids=[c[0] for c in ADD_REJECTED])
def test_bad_add_arguments_are_rejected_naming_the_field(
    store: Store, what: str, args: list[str], column: str, fragment: str
) -> None:
    before = checksums(store)
    code, out, err = cli(store, "add", *args)
    assert code == 5, (what, out, err)
    line = err.splitlines()[0]
    assert line.startswith("Error: reading, column "), line
    assert f"column '{column}'" in line and fragment in line, line
    assert len(line) < 600
    assert checksums(store) == before


ADD_ACCEPTED: list[tuple[str, list[str], float, str]] = [
    # (what, arguments, stored value, qualifier): forms whose meaning is clear
    ("magnitude word", ["racks", "2.3万", "--period-end", GOOD_DAY], 23000, "exact"),
    ("full-width digits", ["racks", "１２３４", "--period-end", GOOD_DAY], 1234, "exact"),
    ("thousands separator", ["racks", "23,000", "--period-end", GOOD_DAY], 23000, "exact"),
    ("qualifier word", ["racks", "约2.3万", "--period-end", GOOD_DAY], 23000, "approx"),
    ("Chinese qualifier option", ["racks", "23000", "--period-end", GOOD_DAY, "--qualifier", "以上"], 23000, "at_least"),
    ("unit option", ["racks", "2.4", "--period-end", GOOD_DAY, "--unit", "万架"], 24000, "exact"),
    ("percent sign", ["good-air-share", "93.1%", "--period-start", "2024-01-01", "--period-end", GOOD_DAY], 93.1, "exact"),
    ("Chinese date", ["racks", "5", "--period-end", "2024年12月31日"], 5, "exact"),
    ("huge but plausible", ["racks", "1e15", "--period-end", GOOD_DAY], 1e15, "exact"),
    ("leading plus", ["racks", "+5", "--period-end", GOOD_DAY], 5, "exact"),
    ("the largest figure kept", ["racks", "1e18", "--period-end", GOOD_DAY], 1e18, "exact"),
    ("a share below 1 % with its sign", ["good-air-share", "0.5%", "--period-start", "2024-01-01",
                                         "--period-end", GOOD_DAY], 0.5, "exact"),
    ("a share below 1 % with --unit %", ["good-air-share", "0.9", "--unit", "%", "--period-start", "2024-01-01",
                                         "--period-end", GOOD_DAY], 0.9, "exact"),
    ("a share of 0", ["good-air-share", "0", "--period-start", "2024-01-01", "--period-end", GOOD_DAY], 0, "exact"),
    ("whole racks in 万", ["racks", "2.3456", "--period-end", GOOD_DAY, "--unit", "万架"], 23456, "exact"),
    ("-0", ["racks", "--period-end", GOOD_DAY, "--", "-0"], 0, "exact"),
    ("tab and line breaks in a note", ["racks", "5", "--period-end", GOOD_DAY, "--note", "a\tb\nc\r\nd"], 5, "exact"),
]


@pytest.mark.parametrize(("what", "args", "value", "qualifier"), ADD_ACCEPTED, ids=[c[0] for c in ADD_ACCEPTED])
def test_unambiguous_add_arguments_are_stored_as_meant(
    store: Store, what: str, args: list[str], value: float, qualifier: str
) -> None:
    code, out, err = cli(store, "add", *args)
    assert code == 0, (what, err)
    with store.read() as con:
        row = con.execute(
            "SELECT value, qualifier FROM reading WHERE indicator_id = ? ORDER BY recorded_at DESC, revision DESC LIMIT 1",
            [args[0]],
        ).fetchone()
    assert row[0] == pytest.approx(value) and row[1] == qualifier, (what, row)
    assert str(row[0]) != "-0.0", "-0 is stored as 0"


def test_bad_option_values_are_click_errors(store: Store) -> None:
    before = checksums(store)
    code, _, err = cli(store, "add", "racks", "5")  # --period-end missing
    assert code == 2 and "--period-end" in err
    code, _, err = cli(store, "status", "--as-of", "2025-13-01")
    assert code == 2 and "not a date" in err
    code, _, err = cli(store, "export", "--format", "xls'; DROP TABLE reading; --")
    assert code == 2 and "Invalid value" in err
    assert checksums(store) == before


def test_every_rejection_left_a_sound_store(store: Store) -> None:
    for _, args, _, _ in ADD_REJECTED:
        cli(store, "add", *args)
    assert all(f.ok for f in check(store))
