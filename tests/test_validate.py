"""The small-batch validator (Python) and the bulk pipeline (SQL) give the same verdicts."""

from __future__ import annotations

import csv
import json
import unicodedata
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.files.ingest import SMALL_BATCH, import_file, import_rows
from monitor.store.connection import Store

TODAY = date(2025, 7, 11)
COLUMNS = ("indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note")

TRICKY_ROWS = [
    ("compute-racks", "", "2025-06-30", "23000", "", "", "", ""),
    ("compute-racks", "", "2025-06-30", "23,000", "", "", "", ""),  # duplicate of the row above
    ("compute-racks", "", "2025-06-30", "2.4万", "", "", "", ""),  # conflicts with both
    ("tourist-visits", "2025-01-01", "2025-05-31", "1245.19", "", "万人次", "", "备注"),
    ("tourist-visits", "", "2025-05-31", "12451900", "约", "", "", ""),
    ("tourist-visits", "", "2025-05-15", "100", "", "", "", ""),  # needs a start
    ("tourist-visits", "", "2025年6月", "100", "", "", "", ""),  # a whole month as the end
    ("tourist-visits", "2025-06-01", "2025-05-31", "100", "", "", "", ""),  # ends before it starts
    ("tourist-visits", "", "2099-01-31", "100", "", "", "", ""),  # future
    ("tourist-visits", "", "2025-13-01", "100", "", "", "", ""),  # not a date
    ("tourist-visits", "", "2025-04-30", "１２３４", "", "", "", ""),  # full-width digits
    ("tourist-visits", "", "2025-03-31", "abc", "", "", "", ""),
    ("tourist-visits", "", "2025-02-28", "NaN", "", "", "", ""),
    ("tourist-visits", "", "2025-01-31", "-5", "", "", "", ""),  # below the bound
    ("tourist-visits", "", "2024-12-31", "5", "", "万元", "", ""),  # unit of another kind
    ("tourist-visits", "", "2024-11-30", "5", "maybe", "", "", ""),  # unknown qualifier
    ("tourist-visits", "", "2024-10-31", "1500万", "", "万人次", "", ""),  # magnitude given twice
    ("good-air-days-ratio", "2025-01-01", "2025-06-30", "91.7%", "", "", "", ""),
    ("good-air-days-ratio", "2024-01-01", "2024-12-31", "193.1", "", "", "", ""),  # above 100
    ("nope", "", "2025-06-30", "1", "", "", "", ""),
    ("", "", "", "", "", "", "", ""),
    ("complaints-received", "", "2025-06-30", "36万", "", "", "", ""),
    ("compute-capacity", "", "2025-06-30", "1万以上", "", "", "", ""),
    ("compute-capacity", "", "2025-05-31", "13万余", "", "", "", ""),
    # Issue 14 items 2, 12 and 13: sizes, whole numbers, shares, -0 and control characters.
    ("compute-racks", "", "2025-04-30", "1e40", "", "", "", ""),
    ("compute-racks", "", "2025-03-31", "1e18", "", "", "", ""),
    ("compute-racks", "", "2025-02-28", "-1e19", "", "", "", ""),  # too large wins over the bound
    ("compute-racks", "", "2025-01-31", "0.5", "", "", "", ""),
    ("compute-racks", "", "2024-12-31", "2.34567", "", "万架", "", ""),
    ("compute-racks", "", "2024-11-30", "-0", "", "", "", ""),
    ("compute-racks", "", "2024-10-31", "-0.5", "", "", "", ""),  # below the bound, not also "not whole"
    ("blue-sky-city-rank", "", "2024-12-31", "1.5", "", "", "", ""),
    ("good-air-days-ratio", "2023-01-01", "2023-12-31", "0.931", "", "", "", ""),
    ("good-air-days-ratio", "2022-01-01", "2022-12-31", "1", "", "", "", ""),
    ("good-air-days-ratio", "2021-01-01", "2021-12-31", "0.5%", "", "", "", ""),
    ("good-air-days-ratio", "2020-01-01", "2020-12-31", "０．５％", "", "", "", ""),
    ("good-air-days-ratio", "2019-01-01", "2019-12-31", "0", "", "", "", ""),
    ("good-air-days-ratio", "2018-01-01", "2018-12-31", "约0.9", "", "", "", ""),
    ("good-air-days-ratio", "2017-01-01", "2017-12-31", "0.9", "", "percent", "", ""),  # the unit states it
    ("tourist-visits-yoy", "2025-01-01", "2025-05-31", "0.5", "", "", "", ""),  # a change, not a share
    ("compute-racks", "", "2024-09-30", "5", "", "", "\x1b[31m市数据局", ""),
    ("compute-racks", "", "2024-08-31", "5", "", "", "市\t数据局", "a\r\nb\tc\nd"),
    ("compute-racks", "", "2024-07-31", "5", "", "", "", "\x1b]0;PWNED\x07\x1b[2J"),
    ("compute-racks", "", "2024-06-30", "5", "", "", "", "ok\rforged \u202e"),
    ("compute-racks", "", "2024-05-31", "5", "", "", "\u2066x", "\x9b \u2028"),
    # Unicode spaces around text: trimmed alike on both paths (DuckDB's trim() removes every Zs space).
    ("compute-racks", "", "2024-04-30", "5", "", "", "\u3000市数据局\u00a0", "\x1f\u00a0"),
]


def _both_paths(store: Store, rows: list[tuple[str, ...]]) -> tuple[object, object]:
    import monitor.files.ingest as ingest

    listed = [dict(zip(COLUMNS, r, strict=False)) for r in rows]
    small = import_rows(store, listed, source_name="same.csv", dry_run=True, today=TODAY)
    saved = ingest.SMALL_BATCH
    ingest.SMALL_BATCH = -1  # force the set-based SQL pipeline for the same rows
    try:
        bulk = import_rows(store, listed, source_name="same.csv", dry_run=True, today=TODAY)
    finally:
        ingest.SMALL_BATCH = saved
    return bulk, small


def _verdicts(report: object) -> list[tuple[object, ...]]:
    return sorted(
        (p.row, p.column, p.reason, p.code, json.dumps(dict(p.params), sort_keys=True), p.value or None)  # type: ignore[attr-defined]
        for p in report.problems  # type: ignore[attr-defined]
    )


def test_same_problems_and_counts_on_tricky_rows(fresh_db: Store, tmp_path: Path) -> None:
    assert len(TRICKY_ROWS) <= SMALL_BATCH
    bulk, small = _both_paths(fresh_db, TRICKY_ROWS)
    assert _verdicts(small) == _verdicts(bulk)
    assert (small.valid, small.rejected, small.new, small.revised, small.unchanged) == (  # type: ignore[attr-defined]
        bulk.valid, bulk.rejected, bulk.new, bulk.revised, bulk.unchanged)  # type: ignore[attr-defined]
    assert small.rejected >= 30  # type: ignore[attr-defined]
    reasons = {(p.row, p.column): p.reason for p in small.problems}  # type: ignore[attr-defined]
    row = {r[3] + r[6] + r[7]: n for n, r in enumerate(TRICKY_ROWS, start=1) if r[0] != "tourist-visits-yoy"}
    assert "too large" in reasons[(row["1e40"], "value")]
    assert (row["1e18"], "value") not in reasons
    assert "too large" in reasons[(row["-1e19"], "value")]
    assert "whole number" in reasons[(row["0.5"], "value")]
    assert "whole number" in reasons[(row["2.34567"], "value")]
    assert (row["-0"], "value") not in reasons
    assert "below the plausible minimum" in reasons[(row["-0.5"], "value")]
    assert "whole number" in reasons[(row["1.5"], "value")]
    for share in ("0.931", "1", "约0.9"):
        assert "share in %" in reasons[(row[share], "value")]
    for fine in ("0.5%", "０．５％", "0", "0.9"):
        assert (row[fine], "value") not in reasons
    yoy = next(n for n, r in enumerate(TRICKY_ROWS, start=1) if r[0] == "tourist-visits-yoy")
    assert not [p for p in small.problems if p.row == yoy]  # type: ignore[attr-defined]  # yoy 0.5
    assert "U+001B" in reasons[(row["5\x1b[31m市数据局"], "source")]
    assert "U+0009" in reasons[(row["5市\t数据局a\r\nb\tc\nd"], "source")]
    assert (row["5市\t数据局a\r\nb\tc\nd"], "note") not in reasons  # tab and line breaks: a note may span lines
    assert "U+001B" in reasons[(row["5\x1b]0;PWNED\x07\x1b[2J"], "note")]
    assert "U+000D" in reasons[(row["5ok\rforged \u202e"], "note")]
    assert "U+2066" in reasons[(row["5\u2066x\x9b \u2028"], "source")]
    assert "U+009B" in reasons[(row["5\u2066x\x9b \u2028"], "note")]
    spaced = row["5\u3000市数据局\u00a0\x1f\u00a0"]
    assert (spaced, "source") not in reasons and "U+001F" in reasons[(spaced, "note")]


def test_same_readings_written(fresh_db: Store, db_path: Path, tmp_path: Path) -> None:
    from monitor.store import queries

    good = [r for r in TRICKY_ROWS if r[0] == "tourist-visits" and r[3] in ("1245.19", "１２３４")]
    import_rows(fresh_db, [dict(zip(COLUMNS, r, strict=False)) for r in good], source_name="a", today=TODAY)
    other = Store(tmp_path / "other.duckdb")
    from monitor.files.catalog import init_store

    init_store(other)
    path = tmp_path / "b.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([COLUMNS, *good])
    import_file(other, path, today=TODAY)

    def shape(store: Store) -> list[tuple[object, ...]]:
        with store.read() as con:
            return [(r.period_start, r.period_end, r.value, r.qualifier) for r in queries.list_readings(con, "tourist-visits")]

    assert shape(fresh_db) == shape(other)
    assert len(shape(fresh_db)) == 2  # 1245.19万 restates the seed reading; １２３４ adds April


cells = st.one_of(
    st.sampled_from(["", "2025-06-30", "2025-05-31", "2025年6月", "2025-01-01", "1", "93.1%", "2.3万", "约5", "x", "NaN", "-1",
                     "0.5", "0.931", "-0", "1e40", "1e18", "0.5%", "2.34567万"]),
    st.text(max_size=8),
)


texts = st.one_of(st.sampled_from(["", "市数据局", "a\x1bb", "\u202e", "a\r\nb", "a\rb", "\t", "\x7f", "\x9b", "\x1f\xa0",
                                   "\u3000注", "a\u00a0"]),
                  st.text(max_size=4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(
    st.sampled_from(["tourist-visits", "compute-racks", "good-air-days-ratio", "blue-sky-city-rank", "nope", ""]),
    cells, cells, cells,
    st.sampled_from(["", "约", "exact", "more_than", "bogus"]),
    st.sampled_from(["", "万人次", "%", "万架"]),
), min_size=1, max_size=6), st.lists(st.tuples(texts, texts), min_size=6, max_size=6))
def test_paths_agree_on_generated_rows(
    fresh_db: Store, tmp_path: Path, rows: list[tuple[str, ...]], text: list[tuple[str, str]]
) -> None:
    # Rows given as dictionaries (as refresh feeds and the form give them): text with any character.
    full = [(*r, *t) for r, t in zip(rows, text, strict=False)]
    if any(("\n" in c or "\r" in c or "\x00" in c or c != c.strip()) for r in rows for c in r):
        return  # as below: out of scope for the cells other than source and note
    if any(c != c.strip(" ") for r in full for c in r[6:]):
        return  # spaces around a source or note are trimmed on one path only when the cell is blank
    bulk, small = _both_paths(fresh_db, full)
    assert _verdicts(small) == _verdicts(bulk)
    full = [(*r, "", "") for r in rows]
    # Cells a CSV cannot carry the same way (line breaks, leading/trailing whitespace, NUL) are out of scope.
    if any(("\n" in c or "\r" in c or "\x00" in c or c != c.strip()) for r in full for c in r):
        return
    bulk, small = _both_paths(fresh_db, full)
    assert _verdicts(small) == _verdicts(bulk)


def test_the_row_wise_path_trims_what_duckdb_trims() -> None:
    """Both paths trim a cell of the same characters: every code point DuckDB's trim() removes, no other."""
    import duckdb

    from monitor.model.validate import SPACES
    candidates = [chr(c) for c in range(0x3001) if chr(c).isspace() or unicodedata.category(chr(c)).startswith(("Z", "C"))]
    con = duckdb.connect()
    trimmed = {c for c in candidates if con.execute("SELECT trim(?)", ["a" + c]).fetchone()[0] == "a"}
    assert trimmed == set(SPACES)
