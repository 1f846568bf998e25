"""Every DDL statement of the product, as numbered migrations recorded in the database.

No PRIMARY KEY or UNIQUE constraints: the schema must stay portable to DuckLake, which has none.
Idempotency and revisions come from the write logic (append-only revision rows and anti-join inserts).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "indicators, targets, readings, quarantine",
        (
            """
            CREATE TABLE IF NOT EXISTS indicator (
                id                   VARCHAR NOT NULL,
                name_zh              VARCHAR NOT NULL,
                name_en              VARCHAR NOT NULL,
                domain               VARCHAR NOT NULL,
                unit                 VARCHAR NOT NULL,
                display_unit         VARCHAR NOT NULL,
                measure              VARCHAR NOT NULL,
                direction            VARCHAR NOT NULL,
                frequency            VARCHAR NOT NULL,
                lower_bound          DOUBLE,
                upper_bound          DOUBLE,
                responsible          VARCHAR,
                publication_lag_days INTEGER NOT NULL,
                cumulative_since     DATE,
                description          VARCHAR,
                updated_at           TIMESTAMP NOT NULL
            )
            """,
            # Append-only: a changed target is a new version; the version in force is the latest
            # whose valid_from is not after the as-of date.
            """
            CREATE TABLE IF NOT EXISTS target (
                id                VARCHAR NOT NULL,
                indicator_id      VARCHAR NOT NULL,
                version           INTEGER NOT NULL,
                kind              VARCHAR NOT NULL,
                comparator        VARCHAR NOT NULL,
                value             DOUBLE NOT NULL,
                baseline_value    DOUBLE,
                baseline_date     DATE,
                deadline          DATE,
                deadline_earliest DATE,
                method            VARCHAR NOT NULL,
                period            VARCHAR,
                valid_from        TIMESTAMP,
                recorded_at       TIMESTAMP NOT NULL,
                note              VARCHAR,
                quote             VARCHAR,
                source            VARCHAR,
                source_date       DATE,
                speaker           VARCHAR,
                office            VARCHAR
            )
            """,
            # Append-only: a new value for the same indicator and period is a new revision.
            """
            CREATE TABLE IF NOT EXISTS reading (
                indicator_id VARCHAR NOT NULL,
                period_start DATE NOT NULL,
                period_end   DATE NOT NULL,
                revision     INTEGER NOT NULL,
                value        DOUBLE NOT NULL,
                qualifier    VARCHAR NOT NULL,
                source       VARCHAR,
                note         VARCHAR,
                recorded_by  VARCHAR,
                recorded_at  TIMESTAMP NOT NULL,
                batch_id     VARCHAR,
                quote        VARCHAR,
                source_date  DATE,
                speaker      VARCHAR,
                office       VARCHAR
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS rejected_row (
                batch_id    VARCHAR NOT NULL,
                file        VARCHAR NOT NULL,
                row_number  INTEGER,
                column_name VARCHAR,
                reason      VARCHAR NOT NULL,
                raw_value   VARCHAR,
                raw_row     VARCHAR,
                rejected_at TIMESTAMP NOT NULL
            )
            """,
        ),
    ),
    Migration(
        2,
        "refresh runs, events, alert deliveries, last known goal status",
        (
            # One row per refresh of one source (written when the run ends). Timestamps are UTC.
            """
            CREATE TABLE IF NOT EXISTS refresh_run (
                id             VARCHAR NOT NULL,
                source         VARCHAR NOT NULL,
                kind           VARCHAR NOT NULL,
                location       VARCHAR,
                trigger        VARCHAR NOT NULL,
                started_at     TIMESTAMP NOT NULL,
                finished_at    TIMESTAMP NOT NULL,
                outcome        VARCHAR NOT NULL,
                files          INTEGER NOT NULL,
                rows_seen      INTEGER NOT NULL,
                rows_new       INTEGER NOT NULL,
                rows_revised   INTEGER NOT NULL,
                rows_unchanged INTEGER NOT NULL,
                rows_rejected  INTEGER NOT NULL,
                attempts       INTEGER NOT NULL,
                error          VARCHAR,
                detail         VARCHAR
            )
            """,
            # Status changes, goals that became stale, failed sources. payload: JSON with what a
            # message needs (names, explanation and reading in both languages).
            """
            CREATE TABLE IF NOT EXISTS event (
                id           VARCHAR NOT NULL,
                run_id       VARCHAR,
                kind         VARCHAR NOT NULL,
                occurred_at  TIMESTAMP NOT NULL,
                source       VARCHAR,
                indicator_id VARCHAR,
                target_id    VARCHAR,
                old_status   VARCHAR,
                new_status   VARCHAR,
                payload      VARCHAR NOT NULL
            )
            """,
            # At most one row per (event_id, channel), kept so by the write logic: an event is
            # claimed ('sending') under the store's write lock before it is sent, so it is never
            # sent twice, even by two processes.
            """
            CREATE TABLE IF NOT EXISTS alert_delivery (
                event_id         VARCHAR NOT NULL,
                channel          VARCHAR NOT NULL,
                channel_type     VARCHAR NOT NULL,
                status           VARCHAR NOT NULL,
                attempts         INTEGER NOT NULL,
                claim            VARCHAR,
                first_attempt_at TIMESTAMP NOT NULL,
                last_attempt_at  TIMESTAMP NOT NULL,
                sent_at          TIMESTAMP,
                last_error       VARCHAR
            )
            """,
            # The last status seen per goal (one row per goal_key), to detect changes between runs.
            """
            CREATE TABLE IF NOT EXISTS goal_status (
                goal_key     VARCHAR NOT NULL,
                indicator_id VARCHAR NOT NULL,
                target_id    VARCHAR,
                status       VARCHAR NOT NULL,
                stale        BOOLEAN NOT NULL,
                as_of        DATE NOT NULL,
                run_id       VARCHAR,
                updated_at   TIMESTAMP NOT NULL
            )
            """,
        ),
    ),
    Migration(
        3,
        "scheduler lease",
        (
            # Leadership of the refresh scheduler across hosts (monitor/services/leader.py): at most one row per
            # name, kept so by the write logic (delete and insert in one write transaction). The holder
            # (host:pid:random) runs the jobs until expires_at (UTC); a standby takes over after it.
            """
            CREATE TABLE IF NOT EXISTS scheduler_lease (
                name        VARCHAR NOT NULL,
                holder      VARCHAR NOT NULL,
                acquired_at TIMESTAMP NOT NULL,
                renewed_at  TIMESTAMP NOT NULL,
                expires_at  TIMESTAMP NOT NULL
            )
            """,
        ),
    ),
    Migration(
        4,
        "workspace, domains, source documents",
        (
            # What is the user's besides the indicators (the catalogue's `workspace`, `domains` and
            # `sources`): at most one workspace row, kept so by the write logic (replaced whole).
            """
            CREATE TABLE IF NOT EXISTS workspace (
                title_zh        VARCHAR NOT NULL,
                title_en        VARCHAR NOT NULL,
                organisation_zh VARCHAR,
                organisation_en VARCHAR,
                updated_at      TIMESTAMP NOT NULL
            )
            """,
            # The domains in display order (position 0 first), replaced whole by a catalogue that
            # declares them. No rows: the default domains (monitor.model.DEFAULT_DOMAINS).
            """
            CREATE TABLE IF NOT EXISTS catalog_domain (
                id       VARCHAR NOT NULL,
                position INTEGER NOT NULL,
                name_zh  VARCHAR NOT NULL,
                name_en  VARCHAR NOT NULL
            )
            """,
            # One row per id, kept so by the write logic (a document declared again replaces its row).
            """
            CREATE TABLE IF NOT EXISTS source_document (
                id       VARCHAR NOT NULL,
                kind     VARCHAR NOT NULL,
                title    VARCHAR NOT NULL,
                title_en VARCHAR,
                source_date DATE
            )
            """,
        ),
    ),
    Migration(
        5,
        "target forms and nature",
        (
            # The target forms beyond reach and threshold, stored as stated (monitor.model.Target;
            # docs/methodology.md, "Target forms"). Plain nullable columns: no constraints, for DuckLake.
            # nature NULL (a target recorded before this migration) reads as "expected".
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS nature VARCHAR",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS low DOUBLE",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS high DOUBLE",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS tolerance DOUBLE",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS change_kind VARCHAR",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS change_amount DOUBLE",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS rate DOUBLE",
            # The path's points as JSON text, [{"date": "2026-12-31", "value": 100.0}, ...], oldest first.
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS path VARCHAR",
        ),
    ),
    Migration(
        6,
        "catalogue change log, indicator retirement, who recorded a target version",
        (
            # Retirement (monitor.present.catalog_edit): a retired indicator stays, with its readings and
            # targets, in the store and its history; statuses and lists leave it out by default.
            "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS retired_on DATE",
            "ALTER TABLE indicator ADD COLUMN IF NOT EXISTS retired_reason VARCHAR",
            # Who recorded each target version (an editor's name, "dashboard", "catalog import", ...).
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS recorded_by VARCHAR",
            # Append-only: one row per change to the catalogue (indicator_added, indicator_changed,
            # indicator_retired, target_version), from the dashboard, the CLI or a catalogue import.
            # changed_at is UTC; details is JSON (what changed, the target version written).
            """
            CREATE TABLE IF NOT EXISTS catalog_change (
                changed_at   TIMESTAMP NOT NULL,
                changed_by   VARCHAR NOT NULL,
                what         VARCHAR NOT NULL,
                indicator_id VARCHAR NOT NULL,
                target_id    VARCHAR,
                reason       VARCHAR,
                details      VARCHAR NOT NULL
            )
            """,
        ),
    ),
    Migration(
        7,
        "withdrawn readings and target versions",
        (
            # A withdrawal (monitor.present.withdraw) is a new revision of the period, recorded_by and
            # recorded_at saying who and when (UTC), its value and qualifier those of the revision it
            # withdraws. A period whose latest revision is withdrawn has no reading in force; a later
            # revision brings it back. NULL (every reading recorded before this migration): not withdrawn.
            "ALTER TABLE reading ADD COLUMN IF NOT EXISTS withdrawn BOOLEAN",
            "ALTER TABLE reading ADD COLUMN IF NOT EXISTS withdrawn_reason VARCHAR",
            # A target version is withdrawn by a new row of the same id whose ``withdraws`` names the
            # version withdrawn (its other columns copy that version; recorded_by and recorded_at say who
            # and when). Neither row is ever in force: the previous version is again, or none.
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS withdraws INTEGER",
            "ALTER TABLE target ADD COLUMN IF NOT EXISTS withdrawn_reason VARCHAR",
        ),
    ),
    Migration(
        8,
        "named users with roles",
        (
            # The people who may sign in (monitor.services.users): at most one row per name, kept so by the
            # write logic (a change replaces the row in one write transaction). role: viewer, editor,
            # reviewer or admin; domains and offices: JSON lists limiting what the user may write or review
            # (empty: everything); password_hash: scrypt (monitor.services.auth), NULL for a user who signs
            # in only through single sign-on (matched by email). A disabled user is kept (the history
            # names them) but may no longer sign in. Timestamps are UTC.
            """
            CREATE TABLE IF NOT EXISTS app_user (
                name          VARCHAR NOT NULL,
                display_name  VARCHAR,
                email         VARCHAR,
                role          VARCHAR NOT NULL,
                domains       VARCHAR NOT NULL,
                offices       VARCHAR NOT NULL,
                password_hash VARCHAR,
                disabled      BOOLEAN NOT NULL,
                created_at    TIMESTAMP NOT NULL,
                updated_at    TIMESTAMP NOT NULL,
                updated_by    VARCHAR NOT NULL
            )
            """,
        ),
    ),
    Migration(
        9,
        "review of readings",
        (
            # Review (MONITOR_REVIEW=on; monitor.services.review): a reading entered while review is on is
            # written with review 'pending' and does not count (queries.COUNTS) until a reviewer appends a
            # revision copying it with review 'approved' (or 'rejected': it never counts), recorded_by the
            # reviewer, review_comment their comment. NULL (every reading written with review off, or
            # before this migration): counts, as always.
            "ALTER TABLE reading ADD COLUMN IF NOT EXISTS review VARCHAR",
            "ALTER TABLE reading ADD COLUMN IF NOT EXISTS review_comment VARCHAR",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[int]:
    """Apply the migrations not yet recorded (only those up to version ``up_to`` if given, as a
    restore of an older backup needs); return the versions applied (empty when up to date)."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migration (
            version    INTEGER NOT NULL,
            name       VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        )
        """
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version in done or (up_to is not None and migration.version > up_to):
            continue
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            "INSERT INTO schema_migration (version, name) VALUES (?, ?)",
            [migration.version, migration.name],
        )
        applied.append(migration.version)
    return applied


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    exists = con.execute(
        """
        SELECT count(*) FROM duckdb_tables()
        WHERE database_name = current_database() AND table_name = 'schema_migration'
        """
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [row[0] for row in con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]
