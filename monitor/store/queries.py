"""Named queries: every statement that reads or writes the database lives here, with ? parameters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

import duckdb

from monitor import clock
from monitor.errors import Problem, ValidationError
from monitor.model import (
    VALUE_MAX,
    Change,
    ChangeKind,
    Direction,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Nature,
    PathPoint,
    Provenance,
    Qualifier,
    Reading,
    Target,
    TargetKind,
)

# ---------------------------------------------------------------- indicators

INDICATOR_COLUMNS = (
    "id, name_zh, name_en, domain, unit, display_unit, measure, direction, frequency, "
    "lower_bound, upper_bound, responsible, publication_lag_days, cumulative_since, description"
)


def _indicator_row(i: Indicator) -> list[Any]:
    return [
        i.id, i.name_zh, i.name_en, i.domain, i.unit, i.display_unit, i.measure.value,
        i.direction.value, i.frequency.value, i.lower_bound, i.upper_bound, i.responsible,
        i.publication_lag_days, i.cumulative_since, i.description,
    ]


def _indicator(row: Sequence[Any]) -> Indicator:
    return Indicator(
        id=row[0], name_zh=row[1], name_en=row[2], domain=row[3], unit=row[4], display_unit=row[5],
        measure=MeasureKind(row[6]), direction=Direction(row[7]), frequency=Frequency(row[8]),
        lower_bound=row[9], upper_bound=row[10], responsible=row[11], publication_lag_days=row[12],
        cumulative_since=row[13], description=row[14],
    )


def upsert_indicators(
    con: duckdb.DuckDBPyConnection,
    indicators: Sequence[Indicator],
    written: list[tuple[Indicator, Indicator | None]] | None = None,
    *,
    source: str = "catalogue",
    redefine: bool = False,
) -> tuple[int, int, int]:
    """Insert new indicators, replace changed ones; return (new, changed, unchanged). ``written``, when
    given, gets (indicator, the one it replaced or None) for each new or changed one (the change log).

    A replaced indicator keeps its retirement (schema migration 6): only catalog_queries.set_retirement
    changes that.

    A change of an indicator's stored unit, measure or running-total start while it has readings would
    make every stored value mean something else (23000 架 read as 23000 台, months of a flow read as
    levels): refused with a ValidationError naming each (``source``: the catalogue's name), unless
    ``redefine`` says the stored values are right under the new definition."""
    existing = {i.id: i for i in list_indicators(con)}
    if not redefine:
        problems = _redefinitions(con, indicators, existing, source)
        if problems:
            raise ValidationError(problems, f"{problems[0]}; nothing was imported")
    new = changed = unchanged = 0
    now = datetime.utcnow()
    for indicator in indicators:
        old = existing.get(indicator.id)
        if old == indicator:
            unchanged += 1
            continue
        if written is not None:
            written.append((indicator, old))
        if old is None:
            new += 1
            con.execute(
                f"INSERT INTO indicator ({INDICATOR_COLUMNS}, updated_at) VALUES ({', '.join('?' * 16)})",
                [*_indicator_row(indicator), now],
            )
        else:
            changed += 1
            # An UPDATE, not a delete and insert: the columns this statement does not name (the
            # retirement, migration 6) stay as they are.
            names = [c.strip() for c in INDICATOR_COLUMNS.split(",")][1:]
            con.execute(
                f"UPDATE indicator SET {', '.join(f'{c} = ?' for c in names)}, updated_at = ? WHERE id = ?",
                [*_indicator_row(indicator)[1:], now, indicator.id],
            )
    return new, changed, unchanged


# The fields that say what a stored value means: changing one re-reads every reading of the indicator.
_MEANING = ("unit", "measure", "cumulative_since")


def _redefinitions(con: duckdb.DuckDBPyConnection, indicators: Sequence[Indicator],
                   existing: dict[str, Indicator], source: str) -> list[Problem]:
    changed = {i.id: (i, existing[i.id]) for i in indicators
               if i.id in existing and any(getattr(i, f) != getattr(existing[i.id], f) for f in _MEANING)}
    if not changed:
        return []
    counts = dict(con.execute(
        "SELECT indicator_id, count(*) FROM reading WHERE indicator_id IN (SELECT unnest(?)) GROUP BY indicator_id",
        [sorted(changed)]).fetchall())
    problems = []
    for ident, (new, old) in changed.items():
        if not counts.get(ident):
            continue
        for name in _MEANING:
            before, after = getattr(old, name), getattr(new, name)
            if before != after:
                problems.append(Problem(source, None, f"indicator '{ident}'.{name}", "problem.redefined",
                                        {"before": _shown_field(before), "after": _shown_field(after),
                                         "readings": counts[ident]}, _shown_field(after)))
    return problems


def _shown_field(value: Any) -> str:
    if value is None:
        return "—"
    return str(getattr(value, "value", value))


def list_indicators(con: duckdb.DuckDBPyConnection, domain: str | None = None) -> list[Indicator]:
    rows = con.execute(
        f"""
        SELECT {INDICATOR_COLUMNS}
        FROM indicator
        WHERE ? IS NULL OR domain = ?
        ORDER BY domain, id
        """,
        [domain, domain],
    ).fetchall()
    return [_indicator(row) for row in rows]


def get_indicator(con: duckdb.DuckDBPyConnection, indicator_id: str) -> Indicator | None:
    row = con.execute(f"SELECT {INDICATOR_COLUMNS} FROM indicator WHERE id = ?", [indicator_id]).fetchone()
    return _indicator(row) if row else None


def indicators_by_id(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, Indicator]:
    if not ids:
        return {}
    rows = con.execute(
        f"SELECT {INDICATOR_COLUMNS} FROM indicator WHERE list_contains(?, id)", [list(ids)]
    ).fetchall()
    return {row[0]: _indicator(row) for row in rows}


def indicator_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT id FROM indicator").fetchall()}


# ---------------------------------------------------------------- targets

TARGET_COLUMNS = (
    "id, indicator_id, version, kind, comparator, value, baseline_value, baseline_date, deadline, "
    "deadline_earliest, method, period, valid_from, note, quote, source, source_date, speaker, office, "
    "nature, low, high, tolerance, change_kind, change_amount, rate, path"
)
_TARGET_WIDTH = TARGET_COLUMNS.count(",") + 1
# A target's withdrawal (schema migration 7): list_targets reads these after TARGET_COLUMNS.
TARGET_WITHDRAWAL_COLUMNS = "withdraws, withdrawn_reason"


def target_in_effect(table: str) -> str:
    """The rows of ``table`` (the target table, or a subquery of it) that can be in force: every version
    but the withdrawal rows and the versions they withdraw (schema migration 7). The one rule of a
    target's withdrawal; the version in force is then the latest of these valid on the date."""
    return (
        f"(SELECT * FROM {table} AS t WHERE t.withdraws IS NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {table} AS w WHERE w.id = t.id AND w.withdraws = t.version))"
    )


def path_text(path: Sequence[PathPoint]) -> str | None:
    """A path target's points as the JSON text of the ``path`` column (None: no path)."""
    if not path:
        return None
    return json.dumps([{"date": p.date.isoformat(), "value": p.value} for p in path], separators=(",", ":"))


def path_points(text: str | None) -> tuple[PathPoint, ...]:
    if not text:
        return ()
    return tuple(PathPoint(date.fromisoformat(p["date"]), float(p["value"])) for p in json.loads(text))


def _target(row: Sequence[Any]) -> Target:
    provenance = None
    if row[14] is not None:
        provenance = Provenance(quote=row[14], source=row[15], source_date=row[16], speaker=row[17], office=row[18])
    return Target(
        id=row[0], indicator_id=row[1], version=row[2], kind=TargetKind(row[3]), comparator=row[4],
        value=row[5], baseline_value=row[6], baseline_date=row[7], deadline=row[8],
        deadline_earliest=row[9], method=Method(row[10]),
        period=Frequency(row[11]) if row[11] else None, valid_from=row[12], note=row[13],
        provenance=provenance,
        nature=Nature(row[19]) if row[19] else Nature.EXPECTED,
        low=row[20], high=row[21], tolerance=row[22],
        change=Change(ChangeKind(row[23]), row[24]) if row[23] else None,
        rate=row[25], path=path_points(row[26]),
        withdraws=row[27] if len(row) > _TARGET_WIDTH else None,
        withdrawn_reason=row[28] if len(row) > _TARGET_WIDTH else None,
    )


def _target_form_row(t: Target) -> list[Any]:
    """The values of the form columns (migration 5), in TARGET_COLUMNS' order."""
    return [
        t.nature.value, t.low, t.high, t.tolerance,
        t.change.kind.value if t.change else None, t.change.amount if t.change else None,
        t.rate, path_text(t.path),
    ]


def _same_target(a: Target, b: Target) -> bool:
    """Equal in everything a new version would record (version and valid_from aside)."""
    keep = ("version", "valid_from", "withdraws", "withdrawn_reason")
    return all(getattr(a, f) == getattr(b, f) for f in a.__dataclass_fields__ if f not in keep)


def record_targets(
    con: duckdb.DuckDBPyConnection,
    targets: Sequence[Target],
    recorded_by: str | None = None,
    written: list[tuple[Target, int]] | None = None,
) -> tuple[int, int, int]:
    """Record each target whose content changed as a new version; return (new, revised, unchanged).

    recorded_by: who (schema migration 6; None on a store written before it). ``written``, when given,
    gets (target, version written) for each version recorded (the change log)."""
    current = {t.id: t for t in list_targets(con)}
    # The next version follows every row of the id, withdrawn ones included (not the one in effect).
    last = dict(con.execute("SELECT id, max(version) FROM target GROUP BY id").fetchall())
    new = revised = unchanged = 0
    now = datetime.utcnow()
    for target in targets:
        old = current.get(target.id)
        if old is not None and _same_target(old, target):
            unchanged += 1
            continue
        version = last.get(target.id, 0) + 1
        new += old is None
        revised += old is not None
        if written is not None:
            written.append((target, version))
        p = target.provenance
        who = ", recorded_by" if recorded_by is not None else ""
        con.execute(
            f"INSERT INTO target ({TARGET_COLUMNS}, recorded_at{who}) VALUES ({', '.join('?' * (_TARGET_WIDTH + 1 + bool(who)))})",
            [
                target.id, target.indicator_id, version, target.kind.value, target.comparator,
                target.value, target.baseline_value, target.baseline_date, target.deadline,
                target.deadline_earliest, target.method.value,
                target.period.value if target.period else None,
                # The first version is in force from the beginning; later ones from the day recorded, in
                # the workspace's zone (midnight of that day, like a catalogue's own valid_from date: the
                # status compares days, and the UTC day lags Shanghai's by eight hours).
                # (after every version was withdrawn, the next is in force from the beginning too)
                target.valid_from if target.valid_from or old is None else datetime.combine(clock.today(), time.min),
                target.note,
                p.quote if p else None, p.source if p else None, p.source_date if p else None,
                p.speaker if p else None, p.office if p else None, *_target_form_row(target), now,
                *([recorded_by] if who else []),
            ],
        )
    return new, revised, unchanged


def list_targets(con: duckdb.DuckDBPyConnection, history: bool = False, withdrawn: bool = False) -> list[Target]:
    """The latest version in effect of every target (none when every version was withdrawn), or with
    ``history`` every version in effect (what the status engine chooses from) and, with ``withdrawn``
    too, every row: the withdrawn versions and the withdrawals (Target.withdraws) as well."""
    every = history and withdrawn
    rows = con.execute(
        f"""
        SELECT {TARGET_COLUMNS}, {TARGET_WITHDRAWAL_COLUMNS}
        FROM {"target" if every else target_in_effect("target")}
        QUALIFY ? OR version = max(version) OVER (PARTITION BY id)
        ORDER BY indicator_id, id, version
        """,
        [history],
    ).fetchall()
    return [_target(row) for row in rows]


def withdraw_target(
    con: duckdb.DuckDBPyConnection, target_id: str, reason: str, withdrawn_by: str, now: datetime | None = None
) -> tuple[Target, Target | None, int] | None:
    """Withdraw the version in effect of the target: append a row that withdraws it (a copy of it, with
    ``withdraws`` its version). Returns (the version withdrawn, the version in effect again or None,
    the withdrawal's version), or None when the target has no version in effect."""
    current = [t for t in list_targets(con) if t.id == target_id]
    if not current:
        return None
    old = current[0]
    row = con.execute(
        f"SELECT {TARGET_COLUMNS}, recorded_at FROM target WHERE id = ? AND version = ?", [target_id, old.version]
    ).fetchone()
    assert row is not None
    version = int(con.execute("SELECT max(version) FROM target WHERE id = ?", [target_id]).fetchone()[0]) + 1  # type: ignore[index]
    names = [c.strip() for c in TARGET_COLUMNS.split(",")]
    values = list(row[:_TARGET_WIDTH])
    values[names.index("version")] = version
    con.execute(
        f"""
        INSERT INTO target ({TARGET_COLUMNS}, recorded_at, recorded_by, {TARGET_WITHDRAWAL_COLUMNS})
        VALUES ({', '.join('?' * (_TARGET_WIDTH + 4))})
        """,
        [*values, now or datetime.utcnow(), withdrawn_by, old.version, reason],
    )
    again = [t for t in list_targets(con) if t.id == target_id]
    return old, (again[0] if again else None), version


# ---------------------------------------------------------------- readings

# The columns a value's revision is written with; a withdrawal (withdraw_reading) adds the last two.
_VALUE_COLUMNS = (
    "indicator_id, period_start, period_end, revision, value, qualifier, source, note, "
    "recorded_by, recorded_at, quote, source_date, speaker, office"
)
READING_COLUMNS = _VALUE_COLUMNS + ", withdrawn, withdrawn_reason"

# The one rule of "the reading in force" (a QUALIFY condition on the reading table, columns unqualified):
# the latest revision of its period, unless that revision withdraws the period (schema migration 7).
# Every statement that selects the readings in force uses it; LATEST_REVISION alone is for the history
# and for deciding the next revision.
LATEST_REVISION = "revision = max(revision) OVER (PARTITION BY indicator_id, period_start, period_end)"
NOT_WITHDRAWN = "withdrawn IS NOT TRUE"
# Review (schema migration 9): a revision pending review or rejected does not count; the one rule of
# "counts", on the reading table's columns. With review off every revision has review NULL and counts, so
# IN_FORCE selects exactly what it did before review existed.
COUNTS = "(review IS NULL OR review = 'approved')"
COUNTED_REVISION = (
    f"revision = max(revision) FILTER (WHERE {COUNTS}) OVER (PARTITION BY indicator_id, period_start, period_end)"
)
IN_FORCE = f"({COUNTED_REVISION} AND {NOT_WITHDRAWN})"
# The reading table as the status statements read it (monitor.store.status_queries' sources): counted revisions.
COUNTED_READINGS = f"(SELECT * FROM reading WHERE {COUNTS})"


def mark_pending(con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
    """Mark the revisions just written by ``batch_id`` (in this write transaction) pending review."""
    row = con.execute(
        "UPDATE reading SET review = 'pending' WHERE batch_id = ? AND review IS NULL RETURNING 1", [batch_id]
    ).fetchall()
    return len(row)


def _reading(row: Sequence[Any]) -> Reading:
    provenance = None
    if row[10] is not None:
        provenance = Provenance(quote=row[10], source=row[6], source_date=row[11], speaker=row[12], office=row[13])
    return Reading(
        indicator_id=row[0], period_start=row[1], period_end=row[2], revision=row[3], value=row[4],
        qualifier=Qualifier(row[5]), source=row[6], note=row[7], recorded_by=row[8],
        recorded_at=row[9], provenance=provenance,
        withdrawn=bool(row[14]), withdrawn_reason=row[15],
    )


STAGED_READING_COLUMNS = (
    "indicator_id", "period_start", "period_end", "value", "qualifier", "source", "note",
    "quote", "source_date", "speaker", "office",
)


def create_reading_stage(con: duckdb.DuckDBPyConnection, name: str = "reading_stage") -> str:
    """An empty temporary table with the columns add_staged_readings expects."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {name} (
            indicator_id VARCHAR, period_start DATE, period_end DATE, value DOUBLE,
            qualifier VARCHAR, source VARCHAR, note VARCHAR, quote VARCHAR, source_date DATE,
            speaker VARCHAR, office VARCHAR
        )
        """
    )
    return name


def stage_readings(con: duckdb.DuckDBPyConnection, readings: Iterable[Reading], name: str = "reading_stage") -> str:
    create_reading_stage(con, name)
    rows = []
    for r in readings:
        p = r.provenance
        rows.append([
            r.indicator_id, r.period_start, r.period_end, r.value, r.qualifier.value, r.source, r.note,
            p.quote if p else None, p.source_date if p else None, p.speaker if p else None,
            p.office if p else None,
        ])
    if rows:
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * 11)})", rows)
    return name


def add_readings_direct(
    con: duckdb.DuckDBPyConnection, readings: Sequence[dict[str, Any]], recorded_by: str, batch_id: str
) -> dict[str, int]:
    """add_staged_readings for a handful of readings: two statements, no staging table. A reading's
    optional quote, source_date, speaker and office keys are its provenance.

    Inside a write transaction the lock is what other writers wait for; the set-based path costs
    five statements whatever the size, which for one reading doubles the time the lock is held.
    """
    counts = {"seen": len(readings), "new": 0, "revised": 0, "unchanged": 0}
    if not readings:
        return counts
    current: dict[tuple[Any, Any, Any], tuple[int, float | None, str | None]] = {}
    ids = sorted({r["indicator_id"] for r in readings})
    ends = sorted({r["period_end"] for r in readings})
    # Filters DuckDB pushes into the scan (zone maps skip most row groups): list_contains() is not
    # one, and read every row of the table (3.3 ms at 3M readings, against 0.3 ms for `=`).
    if len(ids) == 1 and len(ends) == 1:
        found = con.execute(
            """
            SELECT indicator_id, period_start, period_end, revision, value, qualifier, withdrawn
            FROM reading
            WHERE indicator_id = ? AND period_end = ?
            """,
            [ids[0], ends[0]],
        )
    else:
        found = con.execute(
            """
            SELECT indicator_id, period_start, period_end, revision, value, qualifier, withdrawn
            FROM reading
            WHERE indicator_id IN (SELECT unnest(?)) AND period_end IN (SELECT unnest(?))
            """,
            [ids, ends],
        )
    for ident, start, end, revision, value, qualifier, withdrawn in found.fetchall():
        key = (ident, start, end)
        if key not in current or revision > current[key][0]:
            # a withdrawn period: any value is a new revision (it brings the period back)
            current[key] = (revision, None, None) if withdrawn else (revision, value, qualifier)
    now = datetime.utcnow()
    rows = []
    for r in readings:
        revision, value, qualifier = current.get((r["indicator_id"], r["period_start"], r["period_end"]), (0, None, None))
        if revision and value == r["value"] and qualifier == r["qualifier"]:
            counts["unchanged"] += 1
            continue
        counts["revised" if revision else "new"] += 1
        rows.append([
            r["indicator_id"], r["period_start"], r["period_end"], revision + 1, r["value"], r["qualifier"],
            r["source"], r["note"], recorded_by, now, batch_id,
            r.get("quote"), r.get("source_date"), r.get("speaker"), r.get("office"),
        ])
    if rows:
        con.executemany(
            """
            INSERT INTO reading (indicator_id, period_start, period_end, revision, value, qualifier,
                                 source, note, recorded_by, recorded_at, batch_id, quote, source_date, speaker, office)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            rows,
        )
    return counts


def stage_reading_dicts(
    con: duckdb.DuckDBPyConnection, readings: Sequence[dict[str, Any]], name: str = "reading_stage"
) -> str:
    """Stage readings given as dicts (indicator_id, period_start, period_end, value, qualifier, source, note)."""
    create_reading_stage(con, name)
    if readings:
        con.executemany(
            f"""
            INSERT INTO {name} (indicator_id, period_start, period_end, value, qualifier, source, note)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [[r["indicator_id"], r["period_start"], r["period_end"], r["value"], r["qualifier"], r["source"], r["note"]]
             for r in readings],
        )
    return name


def classify_staged(con: duckdb.DuckDBPyConnection, stage: str) -> dict[str, int]:
    """What add_staged_readings would do with the staged readings, without writing."""
    row = con.execute(
        f"""
        WITH current AS (
            SELECT indicator_id, period_start, period_end, value, qualifier, withdrawn IS TRUE AS withdrawn FROM reading
            WHERE indicator_id IN (SELECT DISTINCT indicator_id FROM {stage})
            QUALIFY {LATEST_REVISION}
        )
        SELECT count(*) FILTER (WHERE c.value IS NULL),
               count(*) FILTER (WHERE c.value IS NOT NULL
                                AND (c.withdrawn OR c.value <> s.value OR c.qualifier <> s.qualifier)),
               count(*) FILTER (WHERE NOT c.withdrawn AND c.value = s.value AND c.qualifier = s.qualifier)
        FROM {stage} AS s LEFT JOIN current AS c USING (indicator_id, period_start, period_end)
        """
    ).fetchone()
    assert row is not None
    return {"new": row[0], "revised": row[1], "unchanged": row[2]}


def add_staged_readings(
    con: duckdb.DuckDBPyConnection, stage: str, recorded_by: str, batch_id: str
) -> dict[str, int]:
    """Append staged readings as new revisions where they differ from the current one.

    Returns counts: seen, new (first value for that period), revised (a changed value), unchanged.
    One set-based INSERT, never a per-row loop, so a million-row import is one statement.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE reading_classified AS
        WITH current AS (
            SELECT indicator_id, period_start, period_end, revision, value, qualifier, withdrawn
            FROM reading
            WHERE indicator_id IN (SELECT DISTINCT indicator_id FROM {stage})
            QUALIFY {LATEST_REVISION}
        )
        SELECT s.*,
               c.revision AS current_revision,
               CASE
                   WHEN c.revision IS NULL THEN 'new'
                   -- a value for a withdrawn period brings it back: a new revision, even if the same
                   WHEN c.value = s.value AND c.qualifier = s.qualifier AND c.withdrawn IS NOT TRUE THEN 'unchanged'
                   ELSE 'revised'
               END AS outcome
        FROM {stage} AS s
        LEFT JOIN current AS c
          ON c.indicator_id = s.indicator_id
         AND c.period_start = s.period_start
         AND c.period_end = s.period_end
        """
    )
    con.execute(
        f"""
        INSERT INTO reading ({_VALUE_COLUMNS}, batch_id)
        SELECT indicator_id, period_start, period_end, coalesce(current_revision, 0) + 1, value,
               qualifier, source, note, ?, ?, quote, source_date, speaker, office, ?
        FROM reading_classified
        WHERE outcome <> 'unchanged'
        """,
        [recorded_by, datetime.utcnow(), batch_id],
    )
    counts = dict(
        con.execute("SELECT outcome, count(*) FROM reading_classified GROUP BY outcome").fetchall()
    )
    return {
        "seen": sum(counts.values()),
        "new": counts.get("new", 0),
        "revised": counts.get("revised", 0),
        "unchanged": counts.get("unchanged", 0),
    }


# ---------------------------------------------------------------- file imports (monitor.files.ingest)
#
# The import pipeline leaves its valid rows in the scratch connection as the view IMPORT_VALID (row_no,
# indicator_id, period_start, period_end, value, qualifier, source, note) over its spill file on disk.
# classify_import runs under the shared lock; add_imported_readings under the exclusive lock re-checks
# only what was written in between, then inserts with one statement.

IMPORT_VALID = "import_valid"
IMPORT_EXISTING = "import_existing"  # per valid row with a reading for its period: current revision, same value?
IMPORT_REJECTED = "import_rejected"  # row_no, col, reason, val, raw_row (JSON of the cells as written)

_EXISTING_SELECT = """
SELECT s.row_no, max(r.revision) AS revision,
       arg_max(r.value, r.revision) = any_value(s.value)
       AND arg_max(r.qualifier, r.revision) = any_value(s.qualifier)
       AND NOT arg_max(coalesce(r.withdrawn, false), r.revision) AS same
FROM import_valid AS s JOIN reading AS r USING (indicator_id, period_start, period_end)
"""


def snapshot_indicators(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """Copy the indicators into the scratch connection (inside a read session), for validation;
    return their token (indicators_token)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE indicator_snapshot AS SELECT {INDICATOR_COLUMNS} FROM indicator")
    return indicators_token(con)


def indicators_token(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """A digest of the indicators: equal tokens, same indicators (every column validation reads)."""
    row = con.execute(
        """
        SELECT count(*), bit_xor(hash(id, unit, display_unit, measure, frequency, lower_bound, upper_bound,
                                      cumulative_since, updated_at))
        FROM indicator
        """
    ).fetchone()
    assert row is not None
    return tuple(row)


def _reading_count(con: duckdb.DuckDBPyConnection) -> int:
    # Readings are only ever appended, so their number says whether anything was written since;
    # DuckDB answers count(*) from the table's metadata.
    return int(con.execute("SELECT count(*) FROM reading").fetchone()[0])  # type: ignore[index]


def _latest_recorded(con: duckdb.DuckDBPyConnection, below_rowid: int | None = None) -> Any:
    """The newest recorded_at (of the rows before ``below_rowid``): with the count, it tells a store
    that was replaced (a restore, `migrate --force`) from one that was only appended to."""
    if below_rowid is None:
        return con.execute("SELECT max(recorded_at) FROM reading").fetchone()[0]  # type: ignore[index]
    return con.execute(
        "SELECT max(recorded_at) FROM reading WHERE rowid < ?", [below_rowid]
    ).fetchone()[0]  # type: ignore[index]


def _import_counts(con: duckdb.DuckDBPyConnection, valid: int) -> dict[str, int]:
    row = con.execute(f"SELECT count(*), count(*) FILTER (WHERE same) FROM {IMPORT_EXISTING}").fetchone()
    assert row is not None
    existing, same = int(row[0]), int(row[1])
    return {"seen": valid, "new": valid - existing, "revised": existing - same, "unchanged": same}


def classify_import(con: duckdb.DuckDBPyConnection, valid: int, for_later_write: bool = True) -> dict[str, int]:
    """Classify the import's ``valid`` rows (IMPORT_VALID) against the current revisions (inside a
    read session).

    Returns the counts (seen, new, revised, unchanged) and, ``for_later_write`` (the write is another
    session), what add_imported_readings re-checks: the reading count and newest recorded_at seen.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {IMPORT_EXISTING} AS {_EXISTING_SELECT} GROUP BY s.row_no")
    counts = _import_counts(con, valid)
    if not for_later_write:
        return counts  # classified inside the write transaction itself: nothing to re-check
    return {**counts, "readings": _reading_count(con), "latest": _latest_recorded(con)}


def _recheck_import(con: duckdb.DuckDBPyConnection, snapshot: dict[str, Any], appended_rowids: bool) -> None:
    """Classify again the import's rows whose (indicator, period) may have gained a reading since ``snapshot``."""
    now = _reading_count(con)
    seen = snapshot["readings"]
    # Unchanged up to the snapshot's rows (a file's row ids follow appends), or in whole (a lake).
    prefix_kept = _latest_recorded(con, seen if appended_rowids else None) == snapshot.get("latest")
    if now != seen or not prefix_kept:
        if appended_rowids and now > seen and prefix_kept:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE import_touched AS
                SELECT DISTINCT s.row_no
                FROM {IMPORT_VALID} AS s
                JOIN (SELECT DISTINCT indicator_id, period_start, period_end FROM reading WHERE rowid >= ?) AS n
                  USING (indicator_id, period_start, period_end)
                """,
                [snapshot["readings"]],
            )
            con.execute(f"DELETE FROM {IMPORT_EXISTING} WHERE row_no IN (SELECT row_no FROM import_touched)")
            con.execute(
                f"""
                INSERT INTO {IMPORT_EXISTING}
                {_EXISTING_SELECT} WHERE s.row_no IN (SELECT row_no FROM import_touched) GROUP BY s.row_no
                """
            )
            con.execute("DROP TABLE import_touched")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {IMPORT_EXISTING} AS {_EXISTING_SELECT} GROUP BY s.row_no")


def add_imported_readings(
    con: duckdb.DuckDBPyConnection,
    snapshot: dict[str, int],
    recorded_by: str,
    batch_id: str,
    default_source: str,
    appended_rowids: bool = True,
) -> dict[str, int]:
    """Insert the import's new and changed rows (inside the write transaction); return the counts.

    When readings were written since ``snapshot`` (classify_import's result), only the rows whose
    (indicator, period) gained a reading are classified again: the readings appended since are the
    rows past the snapshot's count (``appended_rowids``, a DuckDB file: row ids follow appends). Without
    that guarantee, or if the count went down, every row is classified again. Rows without a source
    get ``default_source`` (the file's name).
    """
    if "readings" in snapshot:  # classified in an earlier session: re-check what was written since
        _recheck_import(con, snapshot, appended_rowids)
    con.execute(
        f"""
        INSERT INTO reading ({_VALUE_COLUMNS}, batch_id)
        SELECT s.indicator_id, s.period_start, s.period_end, coalesce(e.revision, 0) + 1, s.value, s.qualifier,
               coalesce(s.source, ?), s.note, ?, ?, NULL, NULL, NULL, NULL, ?
        FROM {IMPORT_VALID} AS s LEFT JOIN {IMPORT_EXISTING} AS e USING (row_no)
        WHERE e.same IS NOT TRUE
        """,
        [default_source, recorded_by, datetime.utcnow(), batch_id],
    )
    return _import_counts(con, snapshot["seen"])


def add_rejected_import(con: duckdb.DuckDBPyConnection, batch_id: str, file: str) -> None:
    """Quarantine the import's problems (IMPORT_REJECTED of the scratch connection) in one statement."""
    con.execute(
        f"""
        INSERT INTO rejected_row (batch_id, file, row_number, column_name, reason, raw_value, raw_row, rejected_at)
        SELECT ?, ?, row_no, col, reason, val, raw_row, ? FROM {IMPORT_REJECTED} ORDER BY row_no, col
        """,
        [batch_id, file, datetime.utcnow()],
    )


def list_readings(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str | None = None,
    history: bool = False,
    as_of: date | None = None,
) -> list[Reading]:
    """Latest revision of each period (or every revision with ``history``), oldest period first."""
    return readings_from_rows(reading_rows(con, indicator_id, history, as_of))


def readings_from_rows(rows: Sequence[Sequence[Any]]) -> list[Reading]:
    """Readings from reading_rows' tuples: done after the session, so the lock is not held for it."""
    return [_reading(row) for row in rows]


def reading_rows(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str | None = None,
    history: bool = False,
    as_of: date | None = None,
) -> list[tuple[Any, ...]]:
    """list_readings' rows as plain tuples."""
    return con.execute(
        f"""
        SELECT {READING_COLUMNS}
        FROM reading
        WHERE (? IS NULL OR indicator_id = ?)
          AND (? IS NULL OR period_end <= ?)
        QUALIFY ? OR {IN_FORCE}
        ORDER BY indicator_id, period_end, period_start, revision
        """,
        [indicator_id, indicator_id, as_of, as_of, history],
    ).fetchall()


def in_force_periods(
    con: duckdb.DuckDBPyConnection, indicator_id: str, period_end: date, period_start: date | None = None
) -> list[Reading]:
    """The readings in force of the indicator's periods ending on ``period_end`` (and starting on
    ``period_start`` if given): what withdraw_reading can withdraw."""
    rows = con.execute(
        f"""
        SELECT {READING_COLUMNS} FROM reading
        WHERE indicator_id = ? AND period_end = ?
        QUALIFY {IN_FORCE}
        ORDER BY period_start
        """,
        [indicator_id, period_end],
    ).fetchall()
    return [r for r in readings_from_rows(rows) if period_start is None or r.period_start == period_start]


def withdraw_reading(
    con: duckdb.DuckDBPyConnection, reading: Reading, reason: str, withdrawn_by: str, now: datetime | None = None
) -> Reading:
    """Append the revision that withdraws ``reading`` (the revision in force of its period, from
    in_force_periods): the same value and qualifier, marked withdrawn with the reason; who and when
    (UTC) are its recorded_by and recorded_at. Returns the withdrawal."""
    when = now or datetime.utcnow()
    # after every revision of the period (one pending review may follow the one in force)
    revision = next_revision(con, reading.indicator_id, reading.period_start, reading.period_end)
    con.execute(
        f"""
        INSERT INTO reading ({READING_COLUMNS}, batch_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, true, ?, NULL)
        """,
        [reading.indicator_id, reading.period_start, reading.period_end, revision, reading.value,
         reading.qualifier.value, reading.source, reading.note, withdrawn_by, when, reason],
    )
    return Reading(
        indicator_id=reading.indicator_id, period_start=reading.period_start, period_end=reading.period_end,
        value=reading.value, qualifier=reading.qualifier, source=reading.source, note=reading.note,
        recorded_by=withdrawn_by, recorded_at=when, revision=revision, withdrawn=True, withdrawn_reason=reason,
    )


def next_revision(con: duckdb.DuckDBPyConnection, indicator_id: str, start: date, end: date) -> int:
    row = con.execute(
        "SELECT coalesce(max(revision), 0) + 1 FROM reading WHERE indicator_id = ? AND period_start = ? AND period_end = ?",
        [indicator_id, start, end],
    ).fetchone()
    return int(row[0]) if row else 1


def withdrawn_periods(con: duckdb.DuckDBPyConnection, indicator_id: str | None = None) -> list[Reading]:
    """The periods withdrawn now (their latest revision is a withdrawal), as those withdrawals."""
    rows = con.execute(
        f"""
        SELECT {READING_COLUMNS} FROM reading
        WHERE ? IS NULL OR indicator_id = ?
        QUALIFY {LATEST_REVISION} AND withdrawn IS TRUE
        ORDER BY indicator_id, period_end, period_start
        """,
        [indicator_id, indicator_id],
    ).fetchall()
    return readings_from_rows(rows)


def count_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        for table in ("indicator", "target", "reading", "rejected_row")
    }


# ---------------------------------------------------------------- quarantine

def add_rejected(con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]]) -> None:
    """rows: (batch_id, file, row_number, column_name, reason, raw_value, raw_row)."""
    if not rows:
        return
    now = datetime.utcnow()
    con.executemany(
        """
        INSERT INTO rejected_row (batch_id, file, row_number, column_name, reason, raw_value, raw_row, rejected_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [[*row, now] for row in rows],
    )


def list_rejected(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cursor = con.execute(
        """
        SELECT batch_id, file, row_number, column_name, reason, raw_value, raw_row, rejected_at
        FROM rejected_row
        ORDER BY rejected_at, file, row_number
        """
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# The same rule as a SQL condition on a DOUBLE column (stores written before it: `monitor check`, the status).
UNUSABLE_SQL = "(isnan({0}) OR isinf({0}) OR {0} > " + repr(VALUE_MAX) + " OR {0} < " + repr(-VALUE_MAX) + ")"


# ---------------------------------------------------------------- review (schema migration 9)

PENDING_SQL = f"""
WITH counted AS (SELECT indicator_id, period_start, period_end, value FROM reading QUALIFY {IN_FORCE}),
pending AS (SELECT {READING_COLUMNS}, batch_id FROM reading
            WHERE ? IS NULL OR indicator_id = ?
            QUALIFY {LATEST_REVISION} AND review = 'pending')
SELECT p.*,
       -- the previous value: the period's own in force, else the indicator's latest before it
       (SELECT arg_max(c.value, (c.period_start = p.period_start AND c.period_end = p.period_end, c.period_end, c.period_start))
        FROM counted AS c WHERE c.indicator_id = p.indicator_id AND c.period_end <= p.period_end) AS previous
FROM pending AS p
ORDER BY p.recorded_at, p.indicator_id, p.period_end, p.period_start
"""


def pending_readings(con: duckdb.DuckDBPyConnection, indicator_id: str | None = None) -> list[tuple[Reading, float | None]]:
    """The periods whose latest revision awaits review, each with the previous value that counts."""
    rows = con.execute(PENDING_SQL, [indicator_id, indicator_id]).fetchall()
    width = len(READING_COLUMNS.split(","))
    return [(_reading(r[:width]), r[-1]) for r in rows]


def pending_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many periods await review (their latest revision is pending)."""
    row = con.execute(f"SELECT count(*) FROM (SELECT review FROM reading QUALIFY {LATEST_REVISION}) WHERE review = 'pending'"
                      ).fetchone()
    return int(row[0]) if row else 0


def review_reading(con: duckdb.DuckDBPyConnection, reading: Reading, decision: str, by: str, comment: str | None,
                   now: datetime | None = None) -> int:
    """Append the revision that approves or rejects the pending ``reading``: a copy of it with review
    ``decision`` ('approved' or 'rejected'), recorded by the reviewer with their comment. Its revision."""
    revision = next_revision(con, reading.indicator_id, reading.period_start, reading.period_end)
    p = reading.provenance
    con.execute(
        f"""
        INSERT INTO reading ({READING_COLUMNS}, batch_id, review, review_comment)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)
        """,
        [reading.indicator_id, reading.period_start, reading.period_end, revision, reading.value,
         reading.qualifier.value, reading.source, reading.note, by, now or datetime.utcnow(),
         p.quote if p else None, p.source_date if p else None, p.speaker if p else None, p.office if p else None,
         decision, comment],
    )
    return revision
