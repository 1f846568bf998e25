"""SQL of the file import pipeline (monitor.files.ingest): staging, the validation pass, its problems.

The pipeline works in a scratch connection (Store.scratch), never in the store's own tables:

* staging: the view RAW (row_no and the canonical columns as text) over DuckDB's own reader of the
  file (a relation registered with the Python API, so a file's path is never part of SQL text) or over
  a temporary table of typed cells given in Python; cell problems found by a reader go to CELL_PROBLEMS;
* the pass (PASS_SQL): every row parsed, checked against `indicator_snapshot` (queries.snapshot_indicators)
  and written typed, with its problems as codes and JSON parameters (monitor.model.problems), to a
  Parquet spill file, registered as SPILL; it calls the UDFs registered by ``prepare`` and reads the
  tables ``unit_rule``, ``unit_factor`` and ``qualifier_word`` this module fills;
* the problems: duplicates within the file, every problem in `import_problem`, the valid rows as the view
  queries.IMPORT_VALID and the rejected rows' cells as queries.IMPORT_REJECTED, which queries.classify_import
  and queries.add_imported_readings read.

Functions take a DuckDB connection and plain values. Identifiers built into SQL here are column names
the caller has checked against the known columns (``create_raw``, ``create_records``) or constants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from monitor.model import validate as _rules
from monitor.model.plausibility import JUMP_SQL
from monitor.store import queries

RAW = "raw_input"
# Problems a reader found in typed cells (readers.cell_problem, JSON keys given twice): row, column, reason, value.
CELL_PROBLEMS = "import_cell_problem"
SPILL = "import_spill"
HELD = "import_held"
# Rows per row group of the spill file: what the Parquet writer buffers (per thread) before writing.
SPILL_ROW_GROUP = 16_384


# ---------------------------------------------------------------- staging


def create_raw(
    con: duckdb.DuckDBPyConnection,
    select_sql: str,
    columns: Sequence[str],
    canonical: Sequence[str],
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
        for name in canonical
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


def register_csv(
    con: duckdb.DuckDBPyConnection, path: Path, *, delimiter: str, columns: Sequence[str], canonical: Sequence[str],
    max_line_size: int, buffer_size: int, parallel: bool,
) -> None:
    """RAW over DuckDB's CSV reader of ``path`` (its header line skipped, every column text); raises duckdb.Error."""
    relation = con.read_csv(
        str(path), header=False, skiprows=1, auto_detect=False, sep=delimiter, quotechar='"',
        escapechar='"', null_padding=True, columns={c: "VARCHAR" for c in columns},
        max_line_size=max_line_size, buffer_size=buffer_size, parallel=parallel,
    )
    con.register(f"{RAW}_src", relation)  # a view of this connection only
    create_raw(con, f"SELECT * FROM {RAW}_src", columns, canonical)


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], list[Any]]:
    """The column names and DuckDB types of a Parquet file; raises duckdb.Error."""
    relation = con.read_parquet(str(path))
    return list(relation.columns), list(relation.types)


def register_parquet(con: duckdb.DuckDBPyConnection, path: Path, original: Sequence[str], columns: Sequence[str],
                     canonical: Sequence[str]) -> int:
    """RAW over DuckDB's Parquet reader (``original`` names renamed to ``columns``); the file's row count.

    The header was checked: no column is called file_row_number, DuckDB's own row number in the file.
    Raises duckdb.Error when the rows cannot be counted.
    """
    con.register(f"{RAW}_src", con.read_parquet(str(path), file_row_number=True))
    renames = ", ".join(f'"{o.replace(chr(34), "")}" AS {c}' for o, c in zip(original, columns, strict=True))
    create_raw(con, f"SELECT {renames}, file_row_number FROM {RAW}_src", columns, canonical,
               row_expr="CAST(file_row_number AS INTEGER) + 2")
    return int(con.execute(f"SELECT count(*) FROM {RAW}_src").fetchone()[0])  # type: ignore[index]


def create_records(con: duckdb.DuckDBPyConnection, names: Sequence[str], records: list[list[str | None]]) -> None:
    """The typed cells given in Python, as text, in the temporary table records_view (columns ``names``)."""
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


def add_cell_problems(con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]]) -> None:
    """(row_no, col, code, params as JSON, shown value) of cells a reader found wrong, into CELL_PROBLEMS."""
    con.executemany(f"INSERT INTO {CELL_PROBLEMS} VALUES (?, ?, ?, ?, ?)", rows)


# ---------------------------------------------------------------- the validation pass

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
def _stock_note_sql() -> str:
    """monitor.model.validate.STOCK_AT_END_NOTE as a SQL expression of start_date and pe."""
    def lit(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    head, rest = _rules.STOCK_AT_END_NOTE.split("{start}")
    middle, tail = rest.split("{end}")
    return (f"{lit(head)} || strftime(start_date, '%Y-%m-%d') || {lit(middle)} || strftime(pe, '%Y-%m-%d') "
            f"|| {lit(tail)}")


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
SELECT row_no, k_id AS indicator_id,
       CASE WHEN whole_stock THEN pe ELSE start_date END AS period_start, pe AS period_end,
       -- + 0.0: "-0" is stored as 0, as in monitor.model.validate.
       base_value + 0.0 AS value, q AS qualifier, nullif(trim(source), '') AS source,
       CASE WHEN whole_stock THEN concat_ws('; ', nullif(trim(note), ''),
                                            {_stock_note_sql()})
            ELSE nullif(trim(note), '') END AS note,
       known AND pe IS NOT NULL AND start_date IS NOT NULL AS key_ok,
       CASE WHEN bad THEN {_PROBLEM_LIST} END AS problems
FROM (
    -- A stock given for a whole calendar month, quarter, half-year or year ("2021年") is its level at the
    -- period's end (monitor.model.validate.stock_at_end: the same rule).
    SELECT *, coalesce(measure = 'stock' AND start_date < pe AND day(start_date) = 1 AND pe = last_day(pe)
                       AND (year(pe) * 12 + month(pe)) - (year(start_date) * 12 + month(start_date)) + 1 IN (1, 3, 6, 12)
                       AND (month(start_date) - 1) % ((year(pe) * 12 + month(pe)) - (year(start_date) * 12 + month(start_date)) + 1) = 0,
                       false) AS whole_stock
    FROM judged
)
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

# Rows held as implausible jumps (find_jumps) are not valid either, unless accepted: filled after the pass.
VALID_SQL = f"""
CREATE OR REPLACE TEMP TABLE {HELD} (row_no INTEGER);
CREATE OR REPLACE TEMP VIEW {queries.IMPORT_VALID} AS
SELECT row_no, indicator_id, period_start, period_end, value, qualifier, source, note
FROM {SPILL}
WHERE problems IS NULL AND row_no NOT IN (SELECT row_no FROM import_dup)
  AND row_no NOT IN (SELECT row_no FROM {CELL_PROBLEMS})
  AND row_no NOT IN (SELECT row_no FROM {HELD})
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
DROP TABLE IF EXISTS unit_factor; DROP TABLE IF EXISTS unit_rule; DROP TABLE IF EXISTS {HELD};
DROP TABLE IF EXISTS jump_stage; DROP TABLE IF EXISTS jump_again; DROP TABLE IF EXISTS jump_stored;
DROP TABLE IF EXISTS jump_bounds; DROP TABLE IF EXISTS jump_open; DROP TABLE IF EXISTS jump_edge; DROP TABLE IF EXISTS jump_found;
"""
_REGISTERED = (SPILL, f"{RAW}_src")


# Connections (by id) that have the UDFs and the qualifier table; the value keeps the id from being reused.
_PREPARED: dict[int, duckdb.DuckDBPyConnection] = {}


def prepare(
    con: duckdb.DuckDBPyConnection,
    *,
    parse_value: Callable[[str], dict[str, Any]],
    parse_dates: Callable[[str | None, str | None], dict[str, Any]],
    problem_text: Callable[[str, str | None], str],
    qualifier_words: dict[str, str],
) -> None:
    """Once per connection: the Python parsers the pass calls as UDFs, and the table of qualifier words.

    ``parse_value`` returns {v, q, code, params}; ``parse_dates`` {ps, ps_code, ps_params, pe, pe_code,
    pe_params, span_start}; ``problem_text`` the English of a problem code with its JSON parameters.
    """
    from duckdb.sqltypes import DATE, DOUBLE, VARCHAR

    if _PREPARED.get(id(con)) is con:
        return
    functions: tuple[tuple[str, Callable[..., Any], list[Any], dict[str, Any] | None], ...] = (
        ("monitor_parse_value", parse_value, [VARCHAR], {"v": DOUBLE, "q": VARCHAR, "code": VARCHAR,
                                                         "params": VARCHAR}),
        ("monitor_parse_dates", parse_dates, [VARCHAR, VARCHAR],
         {"ps": DATE, "ps_code": VARCHAR, "ps_params": VARCHAR, "pe": DATE, "pe_code": VARCHAR,
          "pe_params": VARCHAR, "span_start": DATE}),
        ("monitor_problem_text", problem_text, [VARCHAR, VARCHAR], None),
    )
    for name, function, arguments, returns in functions:
        try:
            con.create_function(name, function, arguments,  # type: ignore[call-overload]
                                VARCHAR if returns is None else duckdb.struct_type(returns),
                                null_handling="special", side_effects=False)
        except duckdb.Error as e:
            if "already" not in str(e):
                raise
    con.execute("CREATE OR REPLACE TEMP TABLE qualifier_word (word VARCHAR, qualifier VARCHAR)")
    con.execute("INSERT INTO qualifier_word SELECT unnest(?), unnest(?)",
                [list(qualifier_words), list(qualifier_words.values())])
    _PREPARED[id(con)] = con


def indicator_kinds(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The distinct (unit, measure) of the indicators in the snapshot."""
    return [(str(u), str(m)) for u, m in con.execute("SELECT DISTINCT unit, measure FROM indicator_snapshot").fetchall()]


def create_unit_rules(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str, bool, bool]]) -> None:
    """Per (unit, measure): whether values are whole numbers, whether a percentage share (table unit_rule)."""
    con.execute("CREATE OR REPLACE TEMP TABLE unit_rule (unit VARCHAR, measure VARCHAR, whole BOOLEAN, share BOOLEAN)")
    if rows:
        con.executemany("INSERT INTO unit_rule VALUES (?, ?, ?, ?)", rows)


def create_unit_factors(con: duckdb.DuckDBPyConnection) -> None:
    """The empty table unit_factor: (indicator, unit as written) -> factor, or the problem's code and params."""
    con.execute("CREATE OR REPLACE TEMP TABLE unit_factor "
                "(indicator_id VARCHAR, unit VARCHAR, factor DOUBLE, code VARCHAR, params VARCHAR, percent BOOLEAN)")


def staged_units(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(indicator_id as written, unit trimmed, the indicator's unit, its display unit) per distinct pair staged."""
    return con.execute(
        f"""
        SELECT DISTINCT p.indicator_id, trim(p.unit), i.unit, i.display_unit
        FROM {RAW} AS p JOIN indicator_snapshot AS i ON i.id = trim(p.indicator_id)
        WHERE nullif(trim(p.unit), '') IS NOT NULL
        """
    ).fetchall()


def add_unit_factors(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    con.executemany("INSERT INTO unit_factor VALUES (?, ?, ?, ?, ?, ?)", rows)


def run_pass(con: duckdb.DuckDBPyConnection, spill: Path, today: date) -> None:
    """PASS_SQL: every staged row typed, checked and written to the spill file; raises duckdb.Error."""
    # DuckDB estimates a few dozen rows for a file it has not read and would then build the
    # indicator join's hash table on the file (all of it in memory) instead of the indicators.
    disabled = con.execute("SELECT current_setting('disabled_optimizers')").fetchone()[0]  # type: ignore[index]
    con.execute("SET disabled_optimizers = ?", [",".join(filter(None, [disabled, "build_side_probe_side"]))])
    try:
        con.execute(PASS_SQL, {"today": today, "spill": str(spill)})
    finally:
        con.execute("SET disabled_optimizers = ?", [disabled])


def register_spill(con: duckdb.DuckDBPyConnection, spill: Path) -> int:
    """The spill file as SPILL; its number of rows."""
    con.register(SPILL, con.read_parquet(str(spill)))
    return int(con.execute(f"SELECT count(*) FROM {SPILL}").fetchone()[0])  # type: ignore[index]


def find_problems(con: duckdb.DuckDBPyConnection, kept: int) -> tuple[int, int, list[tuple[Any, ...]]]:
    """Duplicates within the file, then every problem: (rows rejected, problems, the first ``kept`` of
    them as (row_no, col, code, params as JSON, shown value) by row and column); the valid rows as
    queries.IMPORT_VALID."""
    con.execute(DUPLICATES_SQL)
    con.execute(PROBLEMS_SQL)
    rejected, total = con.execute("SELECT count(DISTINCT row_no), count(*) FROM import_problem").fetchone()  # type: ignore[misc]
    listed: list[tuple[Any, ...]] = []
    if total:
        listed = con.execute(
            "SELECT row_no, col, code, params, val FROM import_problem ORDER BY row_no, col LIMIT ?", [kept],
        ).fetchall()
    con.execute(VALID_SQL)
    return int(rejected), int(total), listed


# ---------------------------------------------------------------- plausibility (monitor.model.plausibility)

# The readings in force (queries.IN_FORCE: the latest counted revision of each period, unless it withdraws
# the period) as an aggregate per period instead of a window: the same rule (tests/test_plausibility.py
# checks both select the same readings), a hash aggregate where the window sorts every revision of the
# store's history (3 to 5 times slower for a large store, the largest step of a large import's jump check).
IN_FORCE_GROUPED = f"""
SELECT indicator_id, period_start, period_end, arg_max_null(value, revision) FILTER (WHERE {queries.COUNTS}) AS value
FROM reading
WHERE {{where}}
GROUP BY indicator_id, period_start, period_end
HAVING count(*) FILTER (WHERE {queries.COUNTS}) > 0
   AND (arg_max_null(withdrawn, revision) FILTER (WHERE {queries.COUNTS})) IS NOT TRUE
"""

# Per staged row (row_no, indicator_id, period_start, period_end, value of the relation {rows}, the
# indicators' unit and measure from {indicators}): its previous reading, and the rows whose value jumps
# from it by monitor.model.plausibility's rule (JUMP_SQL). Candidates are the readings in force (a
# withdrawn period is none: IN_FORCE_GROUPED) of the store's readings of the same indicators and the
# other staged rows (a staged row wins over a stored reading of the same period, one per period end: the
# longest); the previous one ends last before the row's period end, else first after it (a row never
# compares with its own period, so a correction is judged against the period before). A flow compares
# only with periods of the same length in whole months: its bucket (_BUCKET; a stock's is 0, ``i`` is the
# indicators relation, {t} the readings' alias).
_BUCKET = ("CASE WHEN i.measure = 'flow' THEN CAST(round((datediff('day', {t}.period_start, {t}.period_end) + 1) "
           "/ 30.4375) AS INTEGER) ELSE 0 END")
_JUMPS_HEAD = f"""
WITH staged AS (
    SELECT s.row_no, s.indicator_id, s.period_end, s.value AS v, i.unit,
           list_contains(CAST($percent_units AS VARCHAR[]), i.unit) AS pct,
           {_BUCKET.format(t="s")} AS bucket
    FROM {{rows}} AS s JOIN {{indicators}} AS i ON i.id = s.indicator_id
    WHERE {{staged_filter}}
),
stored AS (
    SELECT indicator_id, period_start, period_end, value, 1 AS rank_src
    FROM ({{in_force}}) AS r
),
pool AS (
    -- Each candidate with its bucket, its day number and its rank at its period end (lowest first: a staged
    -- row before a stored reading, then the latest start).
    SELECT c.indicator_id, b.bucket, c.period_end, c.value, datediff('day', DATE '2000-01-01', c.period_end) AS end_day,
           c.rank_src * 100000000 - datediff('day', DATE '2000-01-01', c.period_start) AS rank_key
    FROM (SELECT indicator_id, period_start, period_end, value, rank_src FROM stored
          UNION ALL
          SELECT indicator_id, period_start, period_end, value, 0 FROM {{rows}} WHERE {{candidate_filter}}) AS c
    JOIN {{indicators}} AS i ON i.id = c.indicator_id,
    LATERAL (SELECT {_BUCKET.format(t="c")} AS bucket) AS b
),
"""
# Every staged row is a candidate itself (or another staged row of its indicator, bucket and period end
# is): its neighbours among the candidates, in the order of their period ends, are the readings before and
# after it. One window instead of two ASOF joins, over the candidates that can be a neighbour: those from
# the first to the last staged period end of each (indicator, bucket), and the one closest before and after
# (a store's long history outside the file's periods is one row each side, not a row per period).
_JUMPS_ALL = """
bounds AS (SELECT indicator_id, bucket, min(period_end) AS lo, max(period_end) AS hi FROM staged GROUP BY ALL),
candidates AS (
    SELECT p.indicator_id, p.bucket,
           CASE WHEN p.period_end < b.lo THEN max(p.period_end) ELSE min(p.period_end) END AS period_end,
           CASE WHEN p.period_end < b.lo THEN arg_max(p.value, p.end_day * 1000000000 - p.rank_key)
                ELSE arg_min(p.value, p.end_day * 1000000000 + p.rank_key) END AS value
    FROM pool AS p JOIN bounds AS b USING (indicator_id, bucket)
    GROUP BY p.indicator_id, p.bucket, p.period_end < b.lo, p.period_end > b.hi,
             CASE WHEN p.period_end BETWEEN b.lo AND b.hi THEN p.period_end END
),
neighbours AS (
    SELECT indicator_id, bucket, period_end,
           lag(value) OVER w AS b_value, lag(period_end) OVER w AS b_end,
           lead(value) OVER w AS a_value, lead(period_end) OVER w AS a_end
    FROM candidates
    WINDOW w AS (PARTITION BY indicator_id, bucket ORDER BY period_end)
),
paired AS (
    SELECT s.row_no, s.v, s.unit, s.pct,
           coalesce(n.b_value, n.a_value) AS p, CASE WHEN n.b_value IS NOT NULL THEN n.b_end ELSE n.a_end END AS p_end
    FROM staged AS s JOIN neighbours AS n USING (indicator_id, bucket, period_end)
)
"""
# Rows judged again without one another (``again``) are not among the candidates: two ASOF joins.
_JUMPS_AGAIN = """
candidates AS (
    SELECT indicator_id, bucket, period_end, arg_min(value, rank_key) AS value FROM pool GROUP BY ALL
),
paired AS (
    SELECT s.row_no, s.v, s.unit, s.pct,
           coalesce(b.value, a.value) AS p, CASE WHEN b.value IS NOT NULL THEN b.period_end ELSE a.period_end END AS p_end
    FROM staged AS s
    ASOF LEFT JOIN candidates AS b
      ON s.indicator_id = b.indicator_id AND s.bucket = b.bucket AND s.period_end > b.period_end
    ASOF LEFT JOIN candidates AS a
      ON s.indicator_id = a.indicator_id AND s.bucket = a.bucket AND s.period_end < a.period_end
)
"""
_JUMPS_TAIL = """
SELECT row_no, v, p, p_end, unit FROM paired WHERE coalesce(({jump}), false) ORDER BY row_no
"""


# The stored readings that can be a staged row's neighbour, per (indicator, bucket) of the staged rows: those
# in force ending between the first and the last staged period end, and the nearest in force before and after
# (found end by end: the nearest end of any revision, then the in-force test of that end's readings only; an
# end with none in force moves the search one end further). Equal to the whole history's in-force readings for
# the jump check (tests/test_plausibility.py compares the two), without grouping every revision of the store's
# history: a back-fill before a store's data groups one end per (indicator, bucket) instead of every period.
_NEAR_BOUNDS = f"""
CREATE OR REPLACE TEMP TABLE jump_bounds AS
SELECT s.indicator_id, {_BUCKET.format(t="s")} AS bucket, min(s.period_end) AS lo, max(s.period_end) AS hi
FROM {{rows}} AS s JOIN {{indicators}} AS i ON i.id = s.indicator_id
WHERE {{staged_filter}}
GROUP BY ALL
"""
_IN_BOUNDS = ("EXISTS (SELECT 1 FROM jump_bounds AS b WHERE b.indicator_id = reading.indicator_id "
              "AND reading.period_end BETWEEN b.lo AND b.hi)")
_NEAR_INSIDE = f"""
CREATE OR REPLACE TEMP TABLE jump_stored AS
SELECT g.indicator_id, g.period_start, g.period_end, g.value FROM ({IN_FORCE_GROUPED.format(where=_IN_BOUNDS)}) AS g
JOIN {{indicators}} AS i ON i.id = g.indicator_id
JOIN jump_bounds AS b ON b.indicator_id = g.indicator_id AND b.bucket = {_BUCKET.format(t="g")}
WHERE g.period_end BETWEEN b.lo AND b.hi
"""
# The open searches (indicator, bucket, side, edge): each round finds the nearest end beyond each edge.
_NEAR_OPEN = """
CREATE OR REPLACE TEMP TABLE jump_open AS
SELECT indicator_id, bucket, 'before' AS side, lo AS edge FROM jump_bounds
UNION ALL SELECT indicator_id, bucket, 'after', hi FROM jump_bounds
"""
_NEAR_EDGE = f"""
CREATE OR REPLACE TEMP TABLE jump_edge AS
SELECT o.indicator_id, o.bucket, o.side,
       CASE WHEN o.side = 'before' THEN max(r.period_end) ELSE min(r.period_end) END AS period_end
FROM reading AS r
JOIN {{indicators}} AS i ON i.id = r.indicator_id
JOIN jump_open AS o ON o.indicator_id = r.indicator_id AND o.bucket = {_BUCKET.format(t="r")}
WHERE CASE WHEN o.side = 'before' THEN r.period_end < o.edge ELSE r.period_end > o.edge END
GROUP BY o.indicator_id, o.bucket, o.side
"""
_AT_EDGE = ("EXISTS (SELECT 1 FROM jump_edge AS e WHERE e.indicator_id = reading.indicator_id "
            "AND e.period_end = reading.period_end)")
_NEAR_EDGE_IN_FORCE = f"""
CREATE OR REPLACE TEMP TABLE jump_found AS
SELECT g.indicator_id, g.period_start, g.period_end, g.value, e.bucket, e.side
FROM ({IN_FORCE_GROUPED.format(where=_AT_EDGE)}) AS g
JOIN {{indicators}} AS i ON i.id = g.indicator_id
JOIN jump_edge AS e ON e.indicator_id = g.indicator_id AND e.period_end = g.period_end AND e.bucket = {_BUCKET.format(t="g")}
"""
_NEAR_NEXT = """
INSERT INTO jump_stored SELECT indicator_id, period_start, period_end, value FROM jump_found;
CREATE OR REPLACE TEMP TABLE jump_open AS
SELECT e.indicator_id, e.bucket, e.side, e.period_end AS edge FROM jump_edge AS e
WHERE NOT EXISTS (SELECT 1 FROM jump_found AS f
                  WHERE f.indicator_id = e.indicator_id AND f.bucket = e.bucket AND f.side = e.side);
"""
# Searches still open after NEAR_ROUNDS rounds (a long run of ends with nothing in force: a large import awaiting
# review, a withdrawn stretch) take the in-force readings beyond their edge in one grouped pass over those
# indicators' history, so that a long run costs one pass, not a scan of the store per end.
NEAR_ROUNDS = 3
_NEAR_REST = f"""
CREATE OR REPLACE TEMP TABLE jump_found AS
SELECT g.indicator_id, g.period_start, g.period_end, g.value, o.bucket, o.side
FROM ({IN_FORCE_GROUPED.format(where="indicator_id IN (SELECT indicator_id FROM jump_open)")}) AS g
JOIN {{indicators}} AS i ON i.id = g.indicator_id
JOIN jump_open AS o ON o.indicator_id = g.indicator_id AND o.bucket = {_BUCKET.format(t="g")}
WHERE CASE WHEN o.side = 'before' THEN g.period_end < o.edge ELSE g.period_end > o.edge END
QUALIFY g.period_end = CASE WHEN o.side = 'before' THEN max(g.period_end) OVER (PARTITION BY o.indicator_id, o.bucket, o.side)
                            ELSE min(g.period_end) OVER (PARTITION BY o.indicator_id, o.bucket, o.side) END;
INSERT INTO jump_stored SELECT indicator_id, period_start, period_end, value FROM jump_found;
"""
_NEAR_DROP = ("DROP TABLE IF EXISTS jump_bounds; DROP TABLE IF EXISTS jump_open; DROP TABLE IF EXISTS jump_edge; "
              "DROP TABLE IF EXISTS jump_found")


def _stored_near(con: duckdb.DuckDBPyConnection, rows: str, indicators: str, staged_filter: str) -> str:
    """The stored readings in force that can be a neighbour of the staged rows (those ``staged_filter``
    selects), as the temporary table jump_stored; returns the statement that reads it. ``rows``,
    ``indicators`` and ``staged_filter`` are this module's names, never input."""
    con.execute(_NEAR_BOUNDS.format(rows=rows, indicators=indicators, staged_filter=staged_filter))
    con.execute(_NEAR_INSIDE.format(indicators=indicators))
    con.execute(_NEAR_OPEN)
    # One round, and one more per end met with nothing in force (withdrawn, or awaiting review), up to
    # NEAR_ROUNDS; what is still open then is settled in one pass (_NEAR_REST).
    for _ in range(NEAR_ROUNDS):
        if not con.execute("SELECT count(*) FROM jump_open").fetchone()[0]:  # type: ignore[index]
            break
        con.execute(_NEAR_EDGE.format(indicators=indicators))
        con.execute(_NEAR_EDGE_IN_FORCE.format(indicators=indicators))
        con.execute(_NEAR_NEXT)
    else:
        if con.execute("SELECT count(*) FROM jump_open").fetchone()[0]:  # type: ignore[index]
            con.execute(_NEAR_REST.format(indicators=indicators))
    con.execute(_NEAR_DROP)
    return "SELECT indicator_id, period_start, period_end, value FROM jump_stored"


def find_jumps(
    con: duckdb.DuckDBPyConnection, rows: str, indicators: str, factor: float, points: float,
    is_percent: Callable[[str], bool], again: Sequence[int] | None = None, whole_history: bool = False,
) -> list[tuple[Any, ...]]:
    """(row_no, value, previous value, previous period end, base unit) of the staged rows in ``rows`` (a
    relation: row_no, indicator_id, period_start, period_end, value) that jump from their previous reading,
    by row; ``indicators`` is the relation of the indicators (id, unit, measure). Inside a session: it
    reads the store's readings. ``rows`` and ``indicators`` are this module's names, never input;
    ``is_percent`` tells a unit in % (monitor.model.units.normalize_unit), asked once per distinct unit.

    ``again``: judge only these rows once more, without them among the candidates (a row held because the
    row before it in the input is itself a jump is not held for that).

    Only the stored readings that can be a neighbour are read (_stored_near); ``whole_history``: every
    reading in force of the indicators instead, the reference form the tests compare with."""
    units = [u for (u,) in con.execute(f"SELECT DISTINCT unit FROM {indicators}").fetchall()]
    staged_filter = candidate_filter = "true"
    if again is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE jump_again (row_no INTEGER)")
        con.executemany("INSERT INTO jump_again VALUES (?)", [(n,) for n in sorted(set(again))])
        staged_filter = "s.row_no IN (SELECT row_no FROM jump_again)"
        candidate_filter = "row_no NOT IN (SELECT row_no FROM jump_again)"
    if whole_history:
        in_force = IN_FORCE_GROUPED.format(where=f"indicator_id IN (SELECT DISTINCT indicator_id FROM {rows})")
    else:
        in_force = _stored_near(con, rows, indicators, staged_filter)
    sql = (_JUMPS_HEAD + (_JUMPS_ALL if again is None else _JUMPS_AGAIN) + _JUMPS_TAIL).format(
        in_force=in_force, rows=rows, indicators=indicators, jump=JUMP_SQL, staged_filter=staged_filter,
        candidate_filter=candidate_filter)
    return con.execute(sql, {"factor": factor, "points": points,
                             "percent_units": [u for u in units if u and is_percent(u)]}).fetchall()


def stage_jump_rows(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]]) -> str:
    """(row_no, indicator_id, period_start, period_end, value) of a small batch as the table jump_stage."""
    con.execute("CREATE OR REPLACE TEMP TABLE jump_stage (row_no INTEGER, indicator_id VARCHAR, period_start DATE, "
                "period_end DATE, value DOUBLE)")
    if rows:
        con.executemany("INSERT INTO jump_stage VALUES (?, ?, ?, ?, ?)", rows)
    return "jump_stage"


def hold_rows(con: duckdb.DuckDBPyConnection, problems: Sequence[tuple[Any, ...]]) -> None:
    """Rows held as jumps: no longer valid (HELD), and their problems (row_no, col, code, params as JSON,
    shown value) among the import's problems."""
    if not problems:
        return
    con.executemany(f"INSERT INTO {HELD} VALUES (?)", sorted({(p[0],) for p in problems}))
    con.executemany("INSERT INTO import_problem VALUES (?, ?, ?, ?, ?)", problems)


def stage_rejected(con: duckdb.DuckDBPyConnection) -> None:
    """The rejected rows' cells and reasons as queries.IMPORT_REJECTED (read before any lock is taken)."""
    con.execute(REJECTED_SQL)


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """What an import left in the scratch connection: its registered views and temporary tables."""
    for name in _REGISTERED:
        con.unregister(name)
    con.execute(_DROP_SCRATCH)


# ---------------------------------------------------------------- settings of the scratch connection


def temp_directory(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])  # type: ignore[index]


def set_temp_directory(con: duckdb.DuckDBPyConnection, folder: str) -> None:
    """Raises duckdb.Error once DuckDB has spilled to its folder."""
    con.execute("SET temp_directory = ?", [folder])


def memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])  # type: ignore[index]


def set_memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    con.execute("SET memory_limit = ?", [limit])


VALID_PERIODS_SQL = (f"SELECT min(row_no), indicator_id, period_start, period_end FROM {queries.IMPORT_VALID} "
                     "GROUP BY ALL ORDER BY 1")


def valid_periods(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """(first row number, indicator id, period start, period end) of each period among an import's valid rows."""
    return con.execute(VALID_PERIODS_SQL).fetchall()


# readings_at's SQL fragments: the store's own constants (monitor.store.queries), named here so the
# statement is built from module constants only.
_READING_COLUMNS, _COUNTED_READINGS, _IN_FORCE = queries.READING_COLUMNS, queries.COUNTED_READINGS, queries.IN_FORCE


def readings_at(con: duckdb.DuckDBPyConnection, dates: Sequence[tuple[str, date]]) -> list[tuple[Any, ...]]:
    """The readings in force (counted revisions, as status_queries.reading_rows_of reads them) of these
    (indicator id, period end) pairs, as queries.reading_rows gives them: the stored readings that may fix a
    target's comparable span (those at its baseline dates), without reading every other one."""
    if not dates:
        return []
    return con.execute(
        f"""
        SELECT {_READING_COLUMNS}
        FROM {_COUNTED_READINGS} AS r
        SEMI JOIN (SELECT unnest(CAST(? AS VARCHAR[])) AS i, unnest(CAST(? AS DATE[])) AS e) AS k
            ON r.indicator_id = k.i AND r.period_end = k.e
        QUALIFY {_IN_FORCE}
        ORDER BY indicator_id, period_end, period_start, revision
        """,
        [[i for i, _ in dates], [e for _, e in dates]],
    ).fetchall()
