"""`monitor backup`, `monitor restore` and `monitor check`: the store's safety net (monitor.store.maintenance).

Errors are raised to the one handler in monitor.cli.app; `monitor check` exits 1 when a check
fails (a result, not an error).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.cli.app import main, store
from monitor.cli.output import echo


@main.command()
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Backup folder (default: data/backups/<name>-<UTC time>).")
@click.pass_context
def backup(ctx: click.Context, out: str | None) -> None:
    """Write every table as Parquet with a manifest of row counts and digests."""
    from monitor.store.maintenance import backup as run_backup

    echo(f"Backup written to {run_backup(store(ctx), out)}")
    # A store written before the value rules may hold values a restore refuses: say so now, not then.
    from monitor.store.maintenance import unusable_values

    with store(ctx).read() as con:
        found = unusable_values(con, current_only=True)
    if found:
        echo(f"Warning: {len(found)} stored value(s) cannot be used, and `monitor restore` refuses a backup "
             "holding them; correct them first (see `monitor check`), then back up again.", err=True)
        for u in found[:20]:
            echo(f"  {u}", err=True)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace an existing database (kept as <name>.before-restore-<UTC time>).")
@click.pass_context
def restore(ctx: click.Context, folder: str, force: bool) -> None:
    """Rebuild the database from a backup FOLDER and verify it against the manifest.

    The backup must hold every table of its schema version, each matching the manifest's row count
    and digest; otherwise nothing changes. The file replaced is kept as <name>.before-restore-<UTC
    time> (never overwritten, never deleted: remove old ones when no longer needed)."""
    from monitor.store.maintenance import restore as run_restore

    result = run_restore(store(ctx), folder, force=force)
    counts = ", ".join(f"{table} {rows}" for table, rows in result["tables"].items())
    from monitor.store.schema import LATEST_VERSION

    version = result["schema_version"]
    migrated = f", migrated to {LATEST_VERSION}" if version < LATEST_VERSION else ""
    echo(f"Restored {result['database']} (a backup of schema version {version}{migrated}): {counts}")
    if result.get("kept"):
        kept = Path(result["kept"])
        echo(f"The database it replaced is kept as {kept} ({_megabytes(kept.stat().st_size)}).")
        echo(f"{result['kept_copies']} kept cop{'y' if result['kept_copies'] == 1 else 'ies'} of this database "
             f"take {_megabytes(result['kept_bytes'])} next to it; nothing deletes them: "
             "delete those you no longer need.")
    elif result.get("previous_snapshot") is not None:
        snapshot = result["previous_snapshot"]
        echo(f"The state it replaced stays readable as the lake's snapshot {snapshot} "
             f"(AT (VERSION => {snapshot})) until snapshots are expired.")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Verify the store: migrations, orphan rows, duplicate revisions, bounds, unusable values. Exit 1 if anything is wrong.
    Also lists the readings that count for no target, by indicator and reason (a note, not a failure)."""
    from monitor.store.maintenance import check as run_check

    findings = run_check(store(ctx))
    for f in findings:
        echo(f"{'ok  ' if f.ok else 'FAIL'}  {f.check}: {f.detail}")
    _uncounted(ctx)
    if not all(f.ok for f in findings):
        sys.exit(1)


def _uncounted(ctx: click.Context) -> None:
    """Readings stored that count for no target, by indicator and reason (monitor.files.ingest.uncounted):
    noted, not a failure (the store is sound; the figures are not used)."""
    from monitor.files.ingest.uncounted import stored_uncounted

    with store(ctx).read() as con:
        found = stored_uncounted(con)
    total = sum(len(rs) for rs in found.values())
    echo(f"{'note' if total else 'ok  '}  readings that count for no target: "
         + (f"{total}, listed below" if total else "none"))
    for (indicator, reason), readings in sorted(found.items()):
        periods = ", ".join(r.period_end.isoformat() if r.period_start == r.period_end
                            else f"{r.period_start.isoformat()}..{r.period_end.isoformat()}" for r in readings[:10])
        more = f" and {len(readings) - 10} more" if len(readings) > 10 else ""
        echo(f"      {indicator}: {reason} — {len(readings)} reading(s): {periods}{more}")
