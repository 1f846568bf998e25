"""Property-based tests (hypothesis) of the parsers and of the import as a whole.

- units.parse_number: any text gives a finite number or a ValueError with a short message; numbers
  written the ways people write them parse back to themselves.
- periods.parse_date / parse_period: any text gives a date/period or a ValueError; every day and
  every label the product writes parses back to the same day or period.
- the import: any text in any CSV cell either imports or is a clean ValidationError naming the file,
  row and column, and the store stays sound; generated valid rows always import and come back
  unchanged through an export and a re-import.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from monitor.errors import ValidationError
from monitor.files.catalog import init_store
from monitor.files.export import export_store
from monitor.files.ingest import import_file
from monitor.model import Qualifier
from monitor.model.periods import Period, label, parse_date, parse_period
from monitor.model.units import fold_width, parse_number
from monitor.store.connection import Store
from monitor.store.maintenance import check, checksums

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None)
LONG = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text people paste: any printable or control character, full-width forms and the parsers' own words.
WORDS = ["万", "亿", "千", "约", "余", "多", "以上", "以下", "左右", "%", ",", ".", "-", "+", "e", "年", "月", "日",
         "—", "至", "Q", "H", "上半年", "季度", "Jun", " ", "１", "．", "\u3000", "nan", "inf"]
hostile_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet="0123456789", min_size=1, max_size=6)),
             max_size=10).map("".join),
)


# ---------------------------------------------------------------- units.parse_number


@FAST
@given(hostile_text)
def test_parse_number_gives_a_finite_number_or_a_short_value_error(text: str) -> None:
    try:
        value, qualifier = parse_number(text)
    except ValueError as e:
        assert 0 < len(str(e)) < 2000
        return
    assert math.isfinite(value)
    assert qualifier is None or isinstance(qualifier, Qualifier)


@LONG
@given(st.text(min_size=1000, max_size=5000))
def test_parse_number_messages_stay_short_for_long_input(text: str) -> None:
    try:
        parse_number(text)
    except ValueError as e:
        # At most three quotes of 60 characters each, however long (and however escaped) the input.
        assert len(str(e)) < 2000


@FAST
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_as_people_write_them(n: int) -> None:
    assert parse_number(str(n)) == (n, None)
    assert parse_number(f"{n:,}") == (n, None)  # thousands separators
    assert parse_number(fold_width(str(n)).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})) == (n, None)


@FAST
@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
       st.sampled_from([("万", 4), ("亿", 8), ("千", 3), ("百万", 6)]))
def test_magnitude_words_are_exact(number: Decimal, word: tuple[str, int]) -> None:
    text = f"{number:f}{word[0]}"
    value, _ = parse_number(text)
    assert value == float(number * Decimal(10) ** word[1]), text


@FAST
@given(st.floats(min_value=0, max_value=100, allow_nan=False), st.sampled_from(["约", "", "≈"]))
def test_percentages_and_qualifiers(share: float, prefix: str) -> None:
    text = f"{prefix}{share!r}%"
    value, qualifier = parse_number(text)
    assert value == share
    assert (qualifier is None) == (prefix == "")


# ---------------------------------------------------------------- periods.parse_date / parse_period


@FAST
@given(hostile_text)
def test_parse_date_and_parse_period_never_raise_anything_but_value_error(text: str) -> None:
    for parse in (parse_date, parse_period):
        try:
            result = parse(text)
        except ValueError as e:
            assert 0 < len(str(e)) < 2000
            continue
        if isinstance(result, Period):
            assert result.start <= result.end
        else:
            assert isinstance(result, date)


@LONG
@given(st.text(min_size=1000, max_size=5000))
def test_period_messages_stay_short_for_long_input(text: str) -> None:
    for parse in (parse_date, parse_period):
        try:
            parse(text)
        except ValueError as e:
            assert len(str(e)) < 2000


@FAST
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_every_day_parses_back_from_the_forms_people_write(day: date) -> None:
    y, m, d = day.year, day.month, day.day
    for text in (day.isoformat(), f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{y}年{m}月{d}日", f"{y}年{m}月{d}号",
                 fold_width(day.isoformat()).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})):
        assert parse_date(text) == day, text
        assert parse_period(text) == Period.at(day), text


@st.composite
def periods(draw: st.DrawFn) -> Period:
    kind = draw(st.sampled_from(["day", "month", "months", "quarter", "year", "years", "span", "days"]))
    year = draw(st.integers(min_value=1900, max_value=2100))
    if kind == "day":
        return Period.at(draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))))
    if kind == "month":
        return Period.of_month(year, draw(st.integers(1, 12)))
    if kind == "months":
        first = draw(st.integers(1, 12))
        return Period.of_months(year, first, draw(st.integers(first, 12)))
    if kind == "quarter":
        return Period.of_quarter(year, draw(st.integers(1, 4)))
    if kind == "year":
        return Period.of_year(year)
    if kind == "years":
        return Period(Period.of_year(year).start, Period.of_year(year + draw(st.integers(1, 10))).end)
    if kind == "span":
        start = Period.of_month(year, draw(st.integers(1, 12)))
        end = Period.of_month(year + draw(st.integers(1, 3)), draw(st.integers(1, 12)))
        return Period(start.start, end.end)
    start = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
    return Period(start, start + timedelta(days=draw(st.integers(1, 400))))


@FAST
@given(periods(), st.sampled_from(["zh", "en"]))
def test_every_label_the_product_writes_parses_back(period: Period, lang: str) -> None:
    assert parse_period(label(period, lang)) == period, label(period, lang)


# ---------------------------------------------------------------- the import as a whole

COLUMNS = ("indicator_id", "period_start", "period_end", "value", "qualifier", "unit", "source", "note")
INDICATORS = ("visits", "good-air-share", "racks", "special-funds")
TODAY = date(2025, 7, 11)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("properties") / "seeded.duckdb"
    store = Store(path)
    init_store(store, seed=CATALOG)
    store.close()
    return path


def _copy(template: Path, folder: Path) -> Store:
    path = folder / "db.duckdb"
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, path)
    return Store(path)


def _csv_file(folder: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    # CRLF, as Excel writes: the csv module then quotes a cell holding a lone CR (with "\n" it would
    # write "\r0" bare, which any CSV reader rightly takes for a line break).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / "generated.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


cell_text = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30),
    st.sampled_from(["", "2024-12-31", "2025年6月", "2024-01-01", "5", "-5", "93.1%", "2.3万", "约5", "NaN", "1e400",
                     "'; DROP TABLE reading; --", "=1+2", "万人次", "%", "exact", "以上", "Robert'); --"]),
)


@SLOW
@given(st.lists(st.tuples(st.sampled_from([*INDICATORS, "nope", ""]), cell_text, cell_text, cell_text, cell_text,
                          cell_text, cell_text), min_size=1, max_size=5))
def test_any_cell_text_either_imports_or_is_a_located_validation_error(
    template: Path, tmp_path: Path, rows: list[tuple[str, ...]]
) -> None:
    store = _copy(template, tmp_path)
    try:
        path = _csv_file(tmp_path, list(COLUMNS[:7]), [list(r) for r in rows])
        before = checksums(store)
        try:
            report = import_file(store, path, today=TODAY)
        except ValidationError as e:
            assert e.problems
            for p in e.problems:
                assert p.source == path.name and p.reason
                assert p.row is not None and 2 <= p.row <= len(rows) + 1 or p.row is None or p.row == 1
                assert len(str(p)) < 600
            assert checksums(store) == before
        else:
            assert report.written and report.rejected == 0
            assert report.new + report.revised + report.unchanged == report.valid
        assert all(f.ok for f in check(store)), [f for f in check(store) if not f.ok]
    finally:
        store.close()


@st.composite
def valid_rows(draw: st.DrawFn) -> list[tuple[str, str, str, str, str]]:
    """Distinct (indicator, period) rows within bounds, written in the forms the import accepts."""
    used: set[tuple[str, date]] = set()
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        indicator = draw(st.sampled_from(["racks", "good-air-share", "visits"]))
        day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2025, 6, 30)))
        if indicator != "racks":
            day = Period.of_month(day.year, day.month).end
        if (indicator, day) in used:
            continue
        used.add((indicator, day))
        if indicator == "good-air-share":
            number = draw(st.decimals(min_value=0, max_value=100, places=2))
            # A share of 1 or less needs its percent sign (else: a fraction? monitor.model.validate).
            forms = [f"{number:f}%"] if 0 < number <= 1 else [f"{number:f}", f"{number:f}%"]
            start, text = day.replace(day=1).isoformat(), draw(st.sampled_from(forms))
        else:
            # Racks and visits are counts: whole numbers only (monitor.model.units.WHOLE_UNITS).
            number = draw(st.decimals(min_value=0, max_value=10**12, places=0))
            forms = [f"{number:f}"]
            if number == number.to_integral_value():
                forms.append(f"{int(number):,}")
            start, text = "", draw(st.sampled_from(forms))
        qualifier = draw(st.sampled_from(["", "exact", "approx", "at_least", "more_than", "at_most"]))
        rows.append((indicator, start, day.isoformat(), text, qualifier))
    return rows


@SLOW
@given(valid_rows())
def test_generated_valid_rows_import_and_round_trip_through_an_export(
    template: Path, tmp_path: Path, rows: list[tuple[str, str, str, str, str]]
) -> None:
    assume(rows)
    store = _copy(template, tmp_path)
    try:
        path = _csv_file(tmp_path, ["indicator_id", "period_start", "period_end", "value", "qualifier"], [list(r) for r in rows])
        report = import_file(store, path, today=TODAY)
        assert (report.rejected, report.new + report.revised) == (0, len(rows))

        exported = export_store(store, "csv")
        assert exported is not None
        by_key = {(r["indicator_id"], r["period_end"]): r for r in csv.DictReader(io.StringIO(exported))}
        for indicator, _, end, text, qualifier in rows:
            row = by_key[(indicator, end)]
            written = float(Decimal(text.replace(",", "").rstrip("%")))
            assert float(row["value"]) == written
            assert row["qualifier"] == (qualifier or "exact")

        # The export re-imports without changing anything.
        again = tmp_path / "export.csv"
        again.write_text(exported, encoding="utf-8")
        before = checksums(store)
        second = import_file(store, again, today=TODAY)
        assert (second.new, second.revised, second.rejected) == (0, 0, 0)
        assert checksums(store) == before
    finally:
        store.close()
