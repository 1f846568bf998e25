"""Housekeeping of the scratch connection an import runs in: its spill folders, its memory limit, what it
leaves behind.

Each import gets a folder of its own for the spill file (``monitor-import-<pid>-*`` in the temporary
folder, removed when it ends, or by the next process once the one that made it is gone); a scratch
connection importing a large file gets DuckDB's memory limit and a temporary folder of its own,
removed at exit.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb

from monitor import settings
from monitor.files.ingest.validating import prepare
from monitor.store import import_queries
from monitor.store.connection import Store

_SPILL_FOLDERS: list[str] = []
_ORPHANS_CHECKED = False


def _remove_orphaned_folders() -> None:
    """Once per process: the spill folders of imports whose process was killed (SIGKILL skips cleanup)."""
    global _ORPHANS_CHECKED
    if _ORPHANS_CHECKED:
        return
    _ORPHANS_CHECKED = True
    for folder in Path(tempfile.gettempdir()).glob("monitor-import-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another user's process: alive


def _remove_spill_folders() -> None:
    for folder in _SPILL_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


# Per scratch connection: the connection, the store's location, and the token of the indicators it
# holds a snapshot of (kept between imports: a later import checks the token, under the shared lock it
# takes anyway for the classification, instead of taking the lock once more before its pass).
INDICATORS: dict[int, tuple[duckdb.DuckDBPyConnection, str, tuple[Any, ...]]] = {}



def limit_memory(con: duckdb.DuckDBPyConnection, stack: ExitStack, limit: str | None) -> None:
    """``limit`` (None: the MONITOR_IMPORT_MEMORY setting) on the connection until the stack closes,
    spilling to a folder of its own."""
    folder = import_queries.temp_directory(con)
    if folder not in _SPILL_FOLDERS:
        # One folder per connection (DuckDB names its temporary files alike in every instance).
        made = tempfile.mkdtemp(prefix="monitor-spill-")
        try:
            import_queries.set_temp_directory(con, made)
            if not _SPILL_FOLDERS:
                atexit.register(_remove_spill_folders)
            _SPILL_FOLDERS.append(made)
        except duckdb.Error:
            os.rmdir(made)  # DuckDB already spilled to its default folder: keep that one
    old = import_queries.memory_limit(con)
    import_queries.set_memory_limit(con, limit or settings.get("MONITOR_IMPORT_MEMORY"))
    stack.callback(lambda: import_queries.set_memory_limit(con, old))


@contextmanager
def import_scratch(store: Store) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path, ExitStack]]:
    """The scratch connection prepared for one import, a spill folder, and a stack for the staged files."""
    with store.scratch() as con, ExitStack() as stack:
        prepare(con)
        _remove_orphaned_folders()
        folder = Path(tempfile.mkdtemp(prefix=f"monitor-import-{os.getpid()}-"))
        try:
            yield con, folder, stack
        except BaseException:
            # The snapshot of the indicators may have been taken in a transaction that rolled back.
            INDICATORS.pop(id(con), None)
            raise
        finally:
            import_queries.drop_scratch(con)
            shutil.rmtree(folder, ignore_errors=True)
