"""Named queries of the set-based status path (monitor.status.sets): DuckDB shapes the data per goal.

One statement (``goal_columns``) computes, per goal (target version in force, or indicator without
one) and in compute_statuses' order, the three readings the engine's verdict rests on:

- ``counted``: the latest reading the goal's comparability rule counts (reach targets: comparable
  and after the baseline date when that is known; thresholds: comparable or shorter; goals without
  a target: comparable with the newest reading), the longest one on its end date;
- ``first``: the earliest comparable reading, longest on its end date (the baseline of reach
  targets that state none);
- ``newest``: the newest reading as the engine sorts them, by end then start (staleness, the
  record's newest figure, and the period shape of goals judged against it);

each with its latest revision's value and qualifier. It reads the reading table once, grouped by
(indicator, period length) — running totals and periods over 400 days by (indicator, start) —
keeping per group the first and last reading; every comparability rule is then a rule on groups.
A goal whose rule cuts through a group (possible only with running totals from several start
dates, or a period of over 400 days as the reference) is flagged for the engine.

The other statements serve the goals left to the engine (monitor.status.engine) and the optional second pass
(``extras``: share of periods met, trend of goals without a target, projection points).

Every function takes an optional ``known_on`` (a date: the end of that day in the workspace's time zone,
monitor.clock; or a naive UTC
datetime): the store as it was known then. Readings and target versions recorded later are invisible
(a period revised later shows its earlier revision), and so are indicators that had no reading,
target or definition recorded by then. With ``known_on=None`` the statements are exactly those of
today, reading the tables directly (target versions: those in effect, queries.target_in_effect); with
it, they read the KNOWN sources, whose cutoff is bound as the session variable ``monitor_known_on`` (a
value, never SQL text).

Withdrawals (schema migration 7): a withdrawn target version is never in force (the sources read the
versions in effect). A withdrawn period has no reading in force: the engine's statements select readings
with queries.IN_FORCE, and the one pass of goal_columns, which reads every revision, leaves the
indicators with a withdrawal (``withdrawn_indicators``) to the engine, as it does those with a value it
cannot use. Withdrawals are rare; the pass stays one scan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any, NamedTuple

import duckdb

from monitor import clock
from monitor.model import COMPARATORS, FREQUENCY_MONTHS, SET_KINDS, VALUE_MAX, Indicator, Qualifier, Target
from monitor.store.queries import (
    COUNTED_READINGS,
    IN_FORCE,
    INDICATOR_COLUMNS,
    READING_COLUMNS,
    TARGET_COLUMNS,
    UNUSABLE_SQL,
    _indicator,
    _target,
    target_in_effect,
)

# The store "as known on": a date (through the end of that day in the workspace's zone) or a naive UTC
# datetime; None = now.
Known = date | datetime | None


def known_cutoff(known_on: Known) -> datetime | None:
    """The last recorded_at instant visible "as known on" ``known_on`` (inclusive)."""
    if known_on is None:
        return None
    if isinstance(known_on, datetime):
        return known_on.replace(tzinfo=None) if known_on.tzinfo is None else known_on.astimezone(UTC).replace(tzinfo=None)
    if isinstance(known_on, date):
        return clock.day_end_utc(known_on)
    raise TypeError(f"known_on must be a date or a datetime, not {type(known_on).__name__}")


KNOWN_VARIABLE = "monitor_known_on"  # the session variable holding the cutoff (a bound parameter)
_CUT = f"getvariable('{KNOWN_VARIABLE}')"


class Sources(NamedTuple):
    """What the statements read readings, target versions and indicators from."""

    reading: str
    target: str
    indicator: str


# Review (schema migration 9): both read only the revisions that count (queries.COUNTS): a reading pending
# review, or rejected, changes no status. With review off that is every revision.
# Today: the tables themselves (the statements are exactly those without known_on), of the target
# versions those in effect (not withdrawn).
CURRENT = Sources(COUNTED_READINGS, target_in_effect("target"), "indicator")
# As known on the cutoff: rows recorded by then. An indicator is replaced in place when it changes
# (no history of its definition), so one counts as known when its definition, a reading or a target
# of it was recorded by then; its definition is today's.
KNOWN = Sources(
    f"(SELECT * FROM {COUNTED_READINGS} WHERE recorded_at <= {_CUT})",
    target_in_effect(f"(SELECT * FROM target WHERE recorded_at <= {_CUT})"),
    f"(SELECT * FROM indicator WHERE updated_at <= {_CUT}"
    f" OR id IN (SELECT indicator_id FROM reading WHERE recorded_at <= {_CUT})"
    f" OR id IN (SELECT indicator_id FROM target WHERE recorded_at <= {_CUT}))",
)


def bind_known(con: duckdb.DuckDBPyConnection, known_on: Known) -> bool:
    """Set the cutoff the KNOWN statements read, as a bound parameter; whether there is one.

    Used as ``src = KNOWN if bind_known(con, known_on) else CURRENT``: the statement text is one of two
    constants, and the date goes in as a value."""
    cutoff = known_cutoff(known_on)
    if cutoff is None:
        return False
    con.execute(f"SET VARIABLE {KNOWN_VARIABLE} = ?", [cutoff])
    return True


QUALIFIERS = tuple(q.value for q in Qualifier)


# ---------------------------------------------------------------- code tables
# goal_columns returns its small categorical columns as integer codes: these tables are the only
# meaning of those numbers (monitor.status.sets compares columns with their members, never with bare
# digits). A stored value a table does not list comes back as ``other_code(table)``: an unknown
# comparator or kind sends its goal to the engine anyway.


class KindCode(IntEnum):
    NONE = 0  # an indicator without a target in force
    REACH = 1
    THRESHOLD = 2


class ComparatorCode(IntEnum):
    GE = 0  # ">="
    GT = 1  # ">"
    LE = 2  # "<="
    LT = 3  # "<"


class MethodCode(IntEnum):
    CAGR = 0
    LINEAR = 1


class FrequencyCode(IntEnum):
    """An indicator's frequency and a target's period."""

    MONTHLY = 0
    QUARTERLY = 1
    HALF_YEARLY = 2
    YEARLY = 3
    IRREGULAR = 4


class ModeCode(IntEnum):
    """A goal's comparability rule, decided in goal_columns: which readings count."""

    ENGINE = 0  # left to monitor.status.progress
    POINT = 1  # stocks: point readings
    SPAN = 2  # periods of about the reference length
    CUM = 3  # running totals from a start known in advance
    FIRST = 4  # running totals from the start of the earliest reading
    LAST_CUM = 5  # running totals from the start of the newest reading
    LAST_SPAN = 6  # periods of about the newest reading's length


class QualifierCode(IntEnum):
    """The five qualifiers have five different lengths, so strlen(qualifier) - 5 codes them cheaply."""

    EXACT = 0
    APPROX = 1
    AT_MOST = 2
    AT_LEAST = 3
    MORE_THAN = 4

    @property
    def qualifier(self) -> Qualifier:
        return Qualifier[self.name]


assert all(len(c.qualifier.value) - 5 == c for c in QualifierCode), "qualifier codes are strlen(qualifier) - 5"
assert {c.qualifier for c in QualifierCode} == set(Qualifier)

CodeTable = type[IntEnum]


def stored_names(table: CodeTable) -> tuple[str, ...]:
    """The stored value of each code, in code order: the member's name in lower case ("half_yearly"),
    the symbol for comparators."""
    if table is ComparatorCode:
        return COMPARATORS
    return tuple(member.name.lower() for member in table)


def other_code(table: CodeTable) -> int:
    """The code of a stored value the table does not list (or NULL)."""
    return len(table)


def decoder(table: CodeTable) -> tuple[str | None, ...]:
    """code -> stored value, for every code goal_columns can return (None for ``other_code``)."""
    return (*stored_names(table), None)


DAY_OFFSET = 1 << 20  # days from 1970-01-01 back to year 1 stay positive with this offset
SPAN_BITS = 22  # any period between years 1 and 9999 is shorter than 2^22 days
BIG_SPAN = (1 << SPAN_BITS) - 1
LONG_SPAN = 400  # periods longer than this are grouped by their start date (running totals)
START_KEY = 4_000_000  # group key of such periods: START_KEY + start day (above any span)

# The kinds the set-based path computes (and goals without a target); other kinds go to the engine.
_SET_KINDS = ", ".join(f"'{k}'" for k in ("none", *(kind.value for kind in SET_KINDS)))

# A target period's nominal length in days (monitor.status.progress.NOMINAL_SPAN_DAYS: 365.25 days a year).
_NOMINAL = (
    "CASE t.period "
    + " ".join(f"WHEN '{f.value}' THEN 365.25 * {m} / 12" for f, m in FREQUENCY_MONTHS.items())
    + " END"
)


# Values go in as parameters (tests/test_security.py). Note that DuckDB 1.5.5 imports pandas and
# numpy on a process's first execute() with bound parameters (0.3 s, 130 MB): sanity() binds none,
# so a process that only asks for the status pays it at the main statement.


def sanity(con: duckdb.DuckDBPyConnection, known_on: Known = None) -> tuple[bool, date | None]:
    """Whether every reading has a known qualifier, a revision >= 1 and a finite value: what the packed
    keys below assume (the write path ensures it); and the latest period end. min/max come from the
    table's statistics, and NaN sorts above every number, so this reads almost nothing. A period
    ending before it starts is caught in the pass itself (its group key is not positive)."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    low, high, first_revision, last_end = con.execute(  # type: ignore[misc]
        f"SELECT min(value), max(value), min(revision), max(period_end) FROM {src.reading}"
    ).fetchone()
    qualifiers = {r[0] for r in con.execute(f"SELECT DISTINCT qualifier FROM {src.reading}").fetchall()}
    # Finite and within monitor.model.validate's size: what the engine can use (else skipped, in the engine).
    finite = low is None or (math.isfinite(low) and math.isfinite(high) and -VALUE_MAX <= low and high <= VALUE_MAX)
    return finite and (first_revision is None or first_revision >= 1) and qualifiers <= set(QUALIFIERS), last_end


def suspect_indicators(con: duckdb.DuckDBPyConnection, as_of: date, known_on: Known = None) -> list[str]:
    """The indicators with a reading that breaks sanity(): left to the engine."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"""
        SELECT DISTINCT indicator_id FROM {src.reading}
        WHERE period_end <= ?
          AND (period_end < period_start OR {UNUSABLE_SQL.format("value")} OR revision < 1
               OR NOT list_contains(?, qualifier))
        """,
        [as_of, list(QUALIFIERS)],
    ).fetchall()
    return sorted(r[0] for r in rows)


def withdrawn_indicators(con: duckdb.DuckDBPyConnection, as_of: date, known_on: Known = None) -> list[str]:
    """The indicators with a withdrawal among their readings ending by ``as_of`` (in force or since
    replaced): left to the engine, which selects the readings in force with queries.IN_FORCE."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"SELECT DISTINCT indicator_id FROM {src.reading} WHERE withdrawn AND period_end <= ?", [as_of]
    ).fetchall()
    return sorted(r[0] for r in rows)


def baseline_dates(con: duckdb.DuckDBPyConnection, as_of: date, known_on: Known = None) -> list[date]:
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"SELECT DISTINCT baseline_date FROM {src.target} WHERE baseline_date <= ? ORDER BY 1", [as_of]
    ).fetchall()
    return [r[0] for r in rows]


def _code(column: str, table: CodeTable) -> str:
    whens = " ".join(f"WHEN '{n}' THEN {k}" for k, n in enumerate(stored_names(table)))  # code constants
    return f"CAST(CASE {column} {whens} ELSE {other_code(table)} END AS TINYINT)"


def indicator_labels(con: duckdb.DuckDBPyConnection, known_on: Known = None) -> dict[str, tuple[Any, ...]]:
    """Per indicator: name_zh, name_en, domain, unit, display_unit, direction, measure (for the records)."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"SELECT id, name_zh, name_en, domain, unit, display_unit, direction, measure FROM {src.indicator}"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _day_bits(column: str) -> str:
    return f"(({column} + {DAY_OFFSET}) << 25)"


def goal_columns(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    domain: str | None,
    routed: Sequence[str],
    dates: Sequence[date],
    keep: bool = False,
    last_end: date | None = None,
    known_on: Known = None,
) -> dict[str, Any]:
    """Per goal, its target and comparability rule and the counted, first and newest readings.

    Dates come back as days since 1970-01-01; spans in days, inclusive; qualifiers as codes of
    QualifierCode; kind, comparator, method, period, frequency and mode as codes of KindCode,
    ComparatorCode, MethodCode, FrequencyCode and ModeCode. ModeCode.ENGINE marks the goals to leave to
    the engine.
    """
    # The baseline dates are few; as literals they let the scan skip everything else.
    src = KNOWN if bind_known(con, known_on) else CURRENT
    date_list = ", ".join(f"DATE '{d.isoformat()}'" for d in dates) or "NULL"
    # With no reading after the as-of date (the usual case: as of today) the pass needs no filter.
    conditions = [] if last_end is not None and last_end <= as_of else ["period_end <= $as_of"]
    if domain is not None:
        conditions.append("indicator_id IN (SELECT id FROM ind)")
    pass_filter = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    params = {"as_of": as_of, "domain": domain, "routed": list(routed)}
    # Unordered: the caller puts the rows in goal_no order.
    if not keep:
        return con.execute(_goal_sql(date_list, pass_filter, src), params).fetchnumpy()
    # The second pass (goal_extras, goal_points) reads the rules from this table.
    con.execute("CREATE OR REPLACE TEMP TABLE status_goal_rules AS " + _goal_sql(date_list, pass_filter, src), params)
    return con.execute("SELECT * FROM status_goal_rules").fetchnumpy()


def _goal_sql(date_list: str, pass_filter: str, src: Sources = CURRENT) -> str:
    """goal_columns' statement, with parameters $as_of, $domain and $routed."""
    newest_key = f"{_day_bits('end_max')} | (({BIG_SPAN} - span_hi) << 3) | q_max"
    oldest_key = f"{_day_bits('end_min')} | (({BIG_SPAN} - span_lo) << 3) | q_min"
    counted_key = f"{_day_bits('end_max')} | (span_hi << 3) | q_max"
    reading, target, indicator = src.reading, src.target, src.indicator
    return f"""
        WITH ind AS (
            SELECT id, domain, measure, frequency, publication_lag_days, cumulative_since,
                   name_zh, name_en, unit, display_unit, direction
            FROM {indicator} WHERE CAST($domain AS VARCHAR) IS NULL OR domain = $domain
        ),
        in_force AS (
            SELECT t.* FROM {target} AS t
            WHERE (t.valid_from IS NULL OR CAST(t.valid_from AS DATE) <= $as_of)
              AND t.indicator_id IN (SELECT id FROM ind)
            QUALIFY row_number() OVER (PARTITION BY t.indicator_id, t.id ORDER BY t.version DESC) = 1
        ),
        goal AS (
            SELECT CAST(row_number() OVER (ORDER BY i.domain, i.id, t.id) - 1 AS INTEGER) AS goal_no,
                   i.id AS indicator_id, i.measure, i.frequency, i.publication_lag_days AS lag,
                   i.cumulative_since, i.name_zh, i.name_en, i.domain, i.unit, i.display_unit, i.direction,
                   t.id AS target_id, t.version, coalesce(t.kind, 'none') AS kind, t.comparator,
                   t.value AS target_value, t.baseline_value, t.baseline_date, t.deadline,
                   t.deadline_earliest, t.method, t.period, t.valid_from, {_NOMINAL} AS nominal,
                   CASE WHEN t.id IS NOT NULL THEN coalesce(t.nature, 'expected') END AS nature
            FROM ind AS i LEFT JOIN in_force AS t ON t.indicator_id = i.id
        ),
        -- readings at the targets' baseline dates: latest revision of each period
        at_base AS (
            SELECT * FROM (
                SELECT g.goal_no, g.kind, g.baseline_value, r.period_start, r.value,
                       r.period_end - r.period_start + 1 AS span
                FROM {reading} AS r JOIN goal AS g ON r.indicator_id = g.indicator_id AND r.period_end = g.baseline_date
                WHERE r.period_end IN ({date_list}) AND r.period_end <= $as_of
                QUALIFY r.revision = max(r.revision) OVER (PARTITION BY g.goal_no, r.period_start)
            )
        ),
        -- reach: the one with the stated baseline value if any, else the longest; threshold: the longest
        base AS (
            SELECT goal_no,
                   arg_max(period_start, (coalesce(kind = 'reach' AND value = baseline_value, false), span)) AS b_start,
                   arg_max(value, (coalesce(kind = 'reach' AND value = baseline_value, false), span)) AS b_value,
                   arg_max(span, (coalesce(kind = 'reach' AND value = baseline_value, false), span)) AS b_span
            FROM at_base GROUP BY goal_no
        ),
        rule AS (
            SELECT g.*, b.b_start, b.b_value, b.b_span,
                   CASE
                       WHEN list_contains(CAST($routed AS VARCHAR[]), g.indicator_id) THEN 'engine'
                       -- the target forms beyond reach and threshold are the engine's (monitor.status.forms)
                       WHEN g.kind NOT IN ({_SET_KINDS}) THEN 'engine'
                       WHEN g.kind <> 'none' AND g.comparator NOT IN ('>=', '>', '<=', '<') THEN 'engine'
                       WHEN g.measure = 'stock' THEN 'point'
                       WHEN g.measure = 'cumulative' AND g.cumulative_since IS NOT NULL THEN 'cum'
                       WHEN g.measure = 'cumulative' AND g.kind <> 'none' AND b.b_start IS NOT NULL THEN 'cum'
                       WHEN g.measure = 'cumulative' AND g.kind = 'reach' THEN 'first'
                       WHEN g.measure = 'cumulative' THEN 'last_cum'
                       WHEN g.kind = 'reach' THEN 'span'
                       WHEN g.kind = 'threshold' AND (g.nominal IS NOT NULL OR b.b_span IS NOT NULL) THEN 'span'
                       ELSE 'last_span'
                   END AS mode,
                   -- a baseline date known before looking at the readings: readings must end after it
                   coalesce(CASE WHEN g.kind = 'reach' AND g.baseline_date IS NOT NULL
                                      AND (g.baseline_value IS NOT NULL OR b.b_start IS NOT NULL)
                                 THEN g.baseline_date END, DATE '0001-01-01') AS after_date,
                   g.kind = 'reach' AND NOT coalesce(g.baseline_date IS NOT NULL
                                                     AND (g.baseline_value IS NOT NULL OR b.b_start IS NOT NULL), false)
                       AS needs_first
            FROM goal AS g LEFT JOIN base AS b USING (goal_no)
        ),
        -- the one pass over the readings
        grp AS (
            SELECT indicator_id, gk, max(k) AS k_max, arg_max(value, k) AS v_max, min(k) AS k_min, arg_min(value, k) AS v_min
            FROM (
                SELECT indicator_id, value,
                       CASE WHEN period_end - period_start >= {LONG_SPAN}
                            THEN {START_KEY} + (period_start - DATE '1970-01-01')
                            ELSE period_end - period_start + 1 END AS gk,
                       ((period_end - DATE '1970-01-01' + {DAY_OFFSET}) << 3) | (strlen(qualifier) - 5) AS k
                FROM {reading}
                {pass_filter}
            )
            GROUP BY indicator_id, gk
        ),
        cand AS (
            SELECT r.goal_no, r.kind, r.mode, r.after_date, r.needs_first, g.gk, g.v_max, g.v_min,
                   (g.k_max >> 3) - {DAY_OFFSET} AS end_max, g.k_max & 7 AS q_max,
                   (g.k_min >> 3) - {DAY_OFFSET} AS end_min, g.k_min & 7 AS q_min,
                   g.gk > {START_KEY - 1} AS by_start,
                   CASE WHEN g.gk > {START_KEY - 1} THEN g.gk - {START_KEY} END AS g_start
            FROM rule AS r JOIN grp AS g ON g.indicator_id = r.indicator_id
            WHERE r.mode <> 'engine'
        ),
        cand1 AS (
            SELECT *,
                   CASE WHEN by_start THEN end_min - g_start + 1 ELSE gk END AS span_lo,
                   CASE WHEN by_start THEN end_max - g_start + 1 ELSE gk END AS span_hi
            FROM cand
        ),
        ends AS (
            SELECT goal_no,
                   max({newest_key}) AS newest_k, arg_max(v_max, {newest_key}) AS newest_v,
                   min({oldest_key}) AS oldest_k
            FROM cand1 GROUP BY goal_no
        ),
        -- each goal's rule, now that the newest and oldest readings are known
        rule2 AS (
            SELECT r.goal_no, r.indicator_id, r.kind,
                   (e.newest_k >> 25) - {DAY_OFFSET} AS newest_end,
                   {BIG_SPAN} - ((e.newest_k >> 3) & {BIG_SPAN}) AS newest_span,
                   e.newest_k & 7 AS newest_q, e.newest_v,
                   (e.oldest_k >> 25) - {DAY_OFFSET} - ({BIG_SPAN} - ((e.oldest_k >> 3) & {BIG_SPAN})) + 1 AS oldest_start,
                   CASE r.mode WHEN 'point' THEN 1
                               WHEN 'span' THEN CAST(ceil(coalesce(CASE WHEN r.kind = 'reach' THEN CAST(r.b_span AS DOUBLE) END,
                                                                   r.nominal, CAST(r.b_span AS DOUBLE), 365.25) - 4) AS BIGINT)
                               WHEN 'last_span' THEN {BIG_SPAN} - ((e.newest_k >> 3) & {BIG_SPAN}) - 4 END AS lo,
                   CASE r.mode WHEN 'point' THEN 1
                               WHEN 'span' THEN CAST(floor(coalesce(CASE WHEN r.kind = 'reach' THEN CAST(r.b_span AS DOUBLE) END,
                                                                    r.nominal, CAST(r.b_span AS DOUBLE), 365.25) + 4) AS BIGINT)
                               WHEN 'last_span' THEN {BIG_SPAN} - ((e.newest_k >> 3) & {BIG_SPAN}) + 4 END AS hi,
                   CASE WHEN r.mode = 'cum' THEN coalesce(r.cumulative_since, r.b_start) - DATE '1970-01-01' END AS cs_fixed
            FROM rule AS r JOIN ends AS e USING (goal_no)
            WHERE r.mode <> 'engine'
        ),
        rule3 AS (
            SELECT r2.goal_no, r2.lo, r2.hi, CASE WHEN r2.kind = 'threshold' AND r2.lo IS NOT NULL THEN 1 ELSE r2.lo END AS c_lo,
                   -- running totals: the start the goal's rule asks for
                   CASE r.mode WHEN 'cum' THEN r2.cs_fixed
                               WHEN 'first' THEN r2.oldest_start
                               WHEN 'last_cum' THEN r2.newest_end - r2.newest_span + 1 END AS cs
            FROM rule2 AS r2 JOIN rule AS r USING (goal_no)
        ),
        classed AS (
            SELECT c.goal_no, c.after_date, c.needs_first, c.v_max, c.v_min, c.end_max, c.end_min, c.q_max, c.q_min,
                   c.span_lo, c.span_hi, r.lo, r.hi, r.c_lo, r.cs, c.by_start, c.g_start, c.gk
            FROM cand1 AS c JOIN rule3 AS r USING (goal_no)
        ),
        flags AS (
            SELECT *,
                   CASE WHEN cs IS NULL THEN span_lo >= lo AND span_hi <= hi
                        WHEN by_start THEN g_start = cs
                        ELSE end_min = end_max AND end_min - gk + 1 = cs END AS same_all,
                   CASE WHEN cs IS NULL THEN span_hi < lo OR span_lo > hi
                        WHEN by_start THEN g_start <> cs
                        ELSE cs < end_min - gk + 1 OR cs > end_max - gk + 1 END AS same_none,
                   CASE WHEN cs IS NULL THEN span_lo >= c_lo AND span_hi <= hi
                        WHEN by_start THEN g_start = cs
                        ELSE end_min = end_max AND end_min - gk + 1 = cs END AS counted_all,
                   CASE WHEN cs IS NULL THEN span_hi < c_lo OR span_lo > hi
                        WHEN by_start THEN g_start <> cs
                        ELSE cs < end_min - gk + 1 OR cs > end_max - gk + 1 END AS counted_none
            FROM classed
        ),
        picks AS (
            SELECT goal_no,
                   max(CASE WHEN counted_all AND gk > 0 AND end_max > after_date - DATE '1970-01-01' THEN {counted_key} END) AS counted_k,
                   arg_max(v_max, CASE WHEN counted_all AND gk > 0 AND end_max > after_date - DATE '1970-01-01' THEN {counted_key} END) AS counted_v,
                   min(CASE WHEN needs_first AND same_all AND gk > 0 THEN {oldest_key} END) AS first_k,
                   arg_min(v_min, CASE WHEN needs_first AND same_all AND gk > 0 THEN {oldest_key} END) AS first_v,
                   -- a period ending before it starts (group key not positive): the engine skips it
                   -- with a reason, the keys cannot
                   bool_or(NOT (same_all OR same_none) OR NOT (counted_all OR counted_none) OR gk <= 0) AS cut
            FROM flags GROUP BY goal_no
        ),
        decoded AS (
            SELECT p.goal_no, p.cut,
                   (p.counted_k >> 25) - {DAY_OFFSET} AS counted_end, (p.counted_k >> 3) & {BIG_SPAN} AS counted_span,
                   p.counted_k & 7 AS counted_q, p.counted_v,
                   (p.first_k >> 25) - {DAY_OFFSET} AS first_end, {BIG_SPAN} - ((p.first_k >> 3) & {BIG_SPAN}) AS first_span,
                   p.first_k & 7 AS first_q, p.first_v,
                   r.newest_end, r.newest_span, r.newest_q, r.newest_v, r.indicator_id
            FROM picks AS p JOIN rule2 AS r USING (goal_no)
        ),
        -- the picked periods' latest revisions (revised periods are few: only rows with revision > 1)
        picked AS (
            SELECT goal_no, 'c' AS which, indicator_id, counted_end AS e, counted_span AS s
            FROM decoded WHERE counted_end IS NOT NULL
            UNION ALL
            SELECT goal_no, 'f', indicator_id, first_end, first_span FROM decoded WHERE first_end IS NOT NULL
            UNION ALL
            SELECT goal_no, 'n', indicator_id, newest_end, newest_span FROM decoded WHERE newest_end IS NOT NULL
        ),
        revised AS (
            SELECT p.goal_no,
                   arg_max(r.value, r.revision) FILTER (p.which = 'c') AS c_value,
                   arg_max(strlen(r.qualifier) - 5, r.revision) FILTER (p.which = 'c') AS c_q,
                   max(r.revision) FILTER (p.which = 'c') AS c_revision,
                   arg_max(r.value, r.revision) FILTER (p.which = 'f') AS f_value,
                   arg_max(r.value, r.revision) FILTER (p.which = 'n') AS n_value,
                   arg_max(strlen(r.qualifier) - 5, r.revision) FILTER (p.which = 'n') AS n_q
            FROM {reading} AS r JOIN picked AS p
              ON r.indicator_id = p.indicator_id
             AND r.period_end = DATE '1970-01-01' + CAST(p.e AS INTEGER)
             AND r.period_start = DATE '1970-01-01' + CAST(p.e - p.s + 1 AS INTEGER)
            WHERE r.revision > 1 AND r.period_end <= $as_of
            GROUP BY p.goal_no
        )
        SELECT g.goal_no, g.indicator_id, g.target_id, g.version, g.nature,
               {_code('g.kind', KindCode)} AS kind, {_code('g.comparator', ComparatorCode)} AS comparator,
               g.target_value, g.baseline_value, g.baseline_date - DATE '1970-01-01' AS baseline_date,
               g.deadline - DATE '1970-01-01' AS deadline, g.deadline_earliest - DATE '1970-01-01' AS deadline_earliest,
               g.valid_from,
               {_code('g.method', MethodCode)} AS method, {_code('g.period', FrequencyCode)} AS period,
               {_code('g.frequency', FrequencyCode)} AS frequency, g.lag,
               CASE WHEN d.cut THEN {ModeCode.ENGINE:d} ELSE {_code('r.mode', ModeCode)} END AS mode, r3.lo, r3.hi, r3.cs,
               r.b_value, r.b_start IS NOT NULL AS has_b,
               d.counted_end, d.counted_span, coalesce(rv.c_q, d.counted_q) AS counted_q,
               coalesce(rv.c_value, d.counted_v) AS counted_v, coalesce(rv.c_revision, 1) AS counted_revision,
               d.first_end, d.first_span, coalesce(rv.f_value, d.first_v) AS first_v,
               d.newest_end, d.newest_span, coalesce(rv.n_q, d.newest_q) AS newest_q,
               coalesce(rv.n_value, d.newest_v) AS newest_v,
               -- the baseline date of a reach target (docs/methodology.md, section 3.6): the second pass
               -- takes the readings after it as the points of the projection
               CASE WHEN g.kind <> 'reach' THEN NULL
                    WHEN g.baseline_date IS NOT NULL AND (g.baseline_value IS NOT NULL OR r.b_start IS NOT NULL)
                    THEN g.baseline_date - DATE '1970-01-01'
                    ELSE d.first_end END AS t0
        FROM goal AS g
        JOIN rule AS r USING (goal_no)
        LEFT JOIN rule3 AS r3 USING (goal_no)
        LEFT JOIN decoded AS d USING (goal_no)
        LEFT JOIN revised AS rv USING (goal_no)
    """


def indicators_of(con: duckdb.DuckDBPyConnection, indicator_ids: Sequence[str], known_on: Known = None) -> list[Indicator]:
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"SELECT {INDICATOR_COLUMNS} FROM {src.indicator} WHERE list_contains(CAST(? AS VARCHAR[]), id)", [list(indicator_ids)]
    ).fetchall()
    return [_indicator(row) for row in rows]


def reading_rows_of(
    con: duckdb.DuckDBPyConnection, indicator_ids: Sequence[str], as_of: date, known_on: Known = None
) -> list[tuple[Any, ...]]:
    """Latest revision of each period of these indicators, as queries.reading_rows gives them."""
    if not indicator_ids:
        return []
    src = KNOWN if bind_known(con, known_on) else CURRENT
    return con.execute(
        f"""
        SELECT {READING_COLUMNS}
        FROM {src.reading}
        WHERE list_contains(CAST(? AS VARCHAR[]), indicator_id) AND period_end <= ?
        QUALIFY {IN_FORCE}
        ORDER BY indicator_id, period_end, period_start, revision
        """,
        [list(indicator_ids), as_of],
    ).fetchall()


def targets_of(con: duckdb.DuckDBPyConnection, indicator_ids: Sequence[str], known_on: Known = None) -> list[Target]:
    """Every version of the targets of these indicators (the engine picks the one in force)."""
    if not indicator_ids:
        return []
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"""
        SELECT {TARGET_COLUMNS} FROM {src.target} WHERE list_contains(CAST(? AS VARCHAR[]), indicator_id)
        ORDER BY indicator_id, id, version
        """,
        [list(indicator_ids)],
    ).fetchall()
    return [_target(row) for row in rows]


def _per_end(src: Sources = CURRENT) -> str:
    """The comparable readings of the goals in ``sel`` (a CTE of status_goal_rules rows with ``after``, in
    days), ending after ``after``, one per end date: the longest period, its latest revision. The as-of
    date is the parameter $as_of.

    One integer per (goal, end date) groups them, (goal << 32) | (end + DAY_OFFSET), and one integer picks
    the reading, (length << 35) | (revision << 3) | qualifier code: a revision is below 2^31 and a length
    below 2^22, so the key orders as (length, revision) does, and its low bits carry the pick's qualifier."""
    pick = "(CAST(r.period_end - r.period_start AS BIGINT) << 35) | (CAST(r.revision AS BIGINT) << 3)"
    return f"""
        grouped AS (
            SELECT (CAST(e.goal_no AS BIGINT) << 32) | CAST(r.period_end - DATE '1970-01-01' + {DAY_OFFSET} AS BIGINT) AS ge,
                   max({pick} | (strlen(r.qualifier) - 5)) AS k, arg_max(r.value, {pick}) AS value
            FROM {src.reading} AS r JOIN sel AS e ON r.indicator_id = e.indicator_id
            WHERE r.period_end <= $as_of AND r.period_end - DATE '1970-01-01' > e.after
              AND CASE WHEN e.cs IS NULL THEN r.period_end - r.period_start + 1 BETWEEN e.lo AND e.hi
                       ELSE r.period_start - DATE '1970-01-01' = e.cs END
            GROUP BY ge
        ),
        per_end AS (
            SELECT s.goal_no, s.summary, s.comparator, s.target_value AS v,
                   (p.ge & 4294967295) - {DAY_OFFSET} AS end_day, p.value, p.k & 7 AS q
            FROM grouped AS p JOIN sel AS s ON s.goal_no = p.ge >> 32
        )
    """


def goal_extras(
    con: duckdb.DuckDBPyConnection, as_of: date, projected: Sequence[int], known_on: Known = None
) -> dict[str, Any]:
    """The second pass, in one statement over the status_goal_rules table goal_columns left, as columns.

    Per threshold and goal without a target with a counted reading, one row (``summary`` true): its full
    comparable periods (``periods``) and those met (``met``), its newest comparable reading (``end_day``,
    ``value``) and the fifth newest, or the oldest when there are fewer (``first_end``, ``first_value``).
    Per reach target among ``projected`` (goal numbers), one row per comparable reading after its baseline
    date, one per end date (``summary`` false; ``end_day``, ``value``): the points of its projection.
    Rows are ordered by goal, then end date."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    return con.execute(
        f"""
        WITH proj AS (SELECT DISTINCT unnest(CAST($projected AS INTEGER[])) AS goal_no),
        sel AS (
            SELECT s.goal_no, s.indicator_id, s.comparator, s.target_value, s.lo, s.hi, s.cs,
                   s.kind <> {KindCode.REACH:d} AS summary,
                   CASE WHEN s.kind = {KindCode.REACH:d} THEN s.t0 ELSE -1099511627776 END AS after
            FROM status_goal_rules AS s
            WHERE s.mode <> {ModeCode.ENGINE:d}
              AND ((s.kind IN ({KindCode.THRESHOLD:d}, {KindCode.NONE:d}) AND s.counted_end IS NOT NULL)
                   OR (s.kind = {KindCode.REACH:d} AND s.goal_no IN (SELECT goal_no FROM proj)))
        ),
        {_per_end(src)}
        SELECT goal_no, true AS summary, count(*) AS periods,
               count(*) FILTER (
                   CASE comparator
                       WHEN {ComparatorCode.GE:d} THEN q IN ({QualifierCode.EXACT:d}, {QualifierCode.APPROX:d}, {QualifierCode.AT_LEAST:d}, {QualifierCode.MORE_THAN:d}) AND value >= v
                       WHEN {ComparatorCode.GT:d} THEN (q = {QualifierCode.MORE_THAN:d} AND value >= v)
                                   OR (q IN ({QualifierCode.EXACT:d}, {QualifierCode.APPROX:d}, {QualifierCode.AT_LEAST:d}) AND value > v)
                       WHEN {ComparatorCode.LE:d} THEN q IN ({QualifierCode.EXACT:d}, {QualifierCode.APPROX:d}, {QualifierCode.AT_MOST:d}) AND value <= v
                       WHEN {ComparatorCode.LT:d} THEN q IN ({QualifierCode.EXACT:d}, {QualifierCode.APPROX:d}, {QualifierCode.AT_MOST:d}) AND value < v
                   END) AS met,
               max(end_day) AS end_day, arg_max(value, end_day) AS value,
               list_last(max_by(end_day, end_day, 5)) AS first_end, list_last(max_by(value, end_day, 5)) AS first_value
        FROM per_end WHERE summary GROUP BY goal_no
        UNION ALL
        SELECT goal_no, false, NULL, NULL, end_day, value, NULL, NULL FROM per_end WHERE NOT summary
        ORDER BY goal_no, end_day
        """,
        {"as_of": as_of, "projected": list(projected)},
    ).fetchnumpy()


def drop_temporary(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS status_goal_rules")


def sparklines(
    con: duckdb.DuckDBPyConnection, as_of: date, points: int, known_on: Known = None
) -> dict[str, list[float]]:
    """Per indicator, the values of its readings comparable with its newest one (monitor.model.periods.comparable:
    both points; else both whole months of the same count; else lengths within 3 days), oldest first,
    the last `points` of them; only indicators with two or more (monitor.present.overview.sparkline)."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    months = (
        "CASE WHEN day({s}) = 1 AND {e} = last_day({e}) "
        "THEN (year({e}) - year({s})) * 12 + month({e}) - month({s}) + 1 END"
    )
    rows = con.execute(
        f"""
        WITH cur AS (
            SELECT indicator_id, period_start AS s, period_end AS e, arg_max(value, revision) AS value
            FROM {src.reading} WHERE period_end <= $as_of
            GROUP BY indicator_id, period_start, period_end
            -- a withdrawn period (its latest revision a withdrawal) has no reading in force
            HAVING NOT arg_max(coalesce(withdrawn, false), revision)
        ),
        newest AS (
            SELECT indicator_id, arg_max(s, (e, s)) AS ns, max(e) AS ne FROM cur GROUP BY indicator_id
        ),
        shaped AS (
            SELECT c.indicator_id, c.s, c.e, c.value,
                   c.s = c.e AS point, n.ns = n.ne AS newest_point,
                   {months.format(s='c.s', e='c.e')} AS m, {months.format(s='n.ns', e='n.ne')} AS newest_m,
                   c.e - c.s AS length, n.ne - n.ns AS newest_length
            FROM cur AS c JOIN newest AS n USING (indicator_id)
        ),
        comparable AS (
            SELECT indicator_id, list(value ORDER BY e, s) AS values
            FROM shaped
            WHERE CASE WHEN point OR newest_point THEN point AND newest_point
                       WHEN m IS NOT NULL AND newest_m IS NOT NULL THEN m = newest_m
                       ELSE abs(length - newest_length) <= 3 END
            GROUP BY indicator_id
        )
        SELECT indicator_id, list_slice(values, -CAST($points AS BIGINT), -1) FROM comparable WHERE len(values) >= 2
        """,
        {"as_of": as_of, "points": points},
    ).fetchall()
    return dict(rows)


# ---------------------------------------------------------------- the engine path (monitor.status.engine), as known on


def known_indicators(con: duckdb.DuckDBPyConnection, known_on: Known, domain: str | None = None) -> list[Indicator]:
    """queries.list_indicators as known on ``known_on``."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"""
        SELECT {INDICATOR_COLUMNS} FROM {src.indicator}
        WHERE ? IS NULL OR domain = ?
        ORDER BY domain, id
        """,
        [domain, domain],
    ).fetchall()
    return [_indicator(row) for row in rows]


def known_targets(con: duckdb.DuckDBPyConnection, known_on: Known) -> list[Target]:
    """queries.list_targets(history=True) as known on ``known_on``: every version recorded by then."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    rows = con.execute(
        f"SELECT {TARGET_COLUMNS} FROM {src.target} ORDER BY indicator_id, id, version"
    ).fetchall()
    return [_target(row) for row in rows]


def known_reading_rows(
    con: duckdb.DuckDBPyConnection, indicator_id: str | None, as_of: date | None, known_on: Known
) -> list[tuple[Any, ...]]:
    """queries.reading_rows (latest revision of each period) as known on ``known_on``."""
    src = KNOWN if bind_known(con, known_on) else CURRENT
    return con.execute(
        f"""
        SELECT {READING_COLUMNS}
        FROM {src.reading}
        WHERE (? IS NULL OR indicator_id = ?)
          AND (? IS NULL OR period_end <= ?)
        QUALIFY {IN_FORCE}
        ORDER BY indicator_id, period_end, period_start, revision
        """,
        [indicator_id, indicator_id, as_of, as_of],
    ).fetchall()
