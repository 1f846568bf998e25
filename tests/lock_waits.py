"""What the operating system and PostgreSQL say about the store's locks: who holds them, who waits.

Tests synchronise on these instead of sleeping: "the writer is now queued for the lock" is read from
the kernel's lock table (``/proc/locks``, for the file store's flock sidecars) or from ``pg_locks``
(for the lake's advisory lock), never inferred from time having passed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from refresh_helpers import wait_for

PROC_LOCKS = Path("/proc/locks")
# The lake writers' advisory lock (monitor.store.lake.LOCK_KEY): pg_locks shows a bigint key as
# classid (high 32 bits) and objid (low 32 bits), with objsubid 1.
_KEY = 7_263_518_404


def _flocks(path: Path) -> list[tuple[bool, str]]:
    """(waiting, mode) of every flock on ``path``: granted ones and queued requests (none while the
    file does not exist yet)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    found = []
    for line in PROC_LOCKS.read_text().splitlines():
        fields = line.split()
        waiting = len(fields) > 1 and fields[1] == "->"
        fields = [f for f in fields[1:] if f != "->"]
        # FLOCK ADVISORY WRITE <pid> <maj:min:inode> <start> <end>
        if len(fields) >= 5 and fields[0] == "FLOCK" and fields[4] == device:
            found.append((waiting, fields[2]))
    return found


def flock_waiters(path: Path) -> int:
    """How many requests are queued (blocked) for a flock on ``path``."""
    return sum(1 for waiting, _ in _flocks(path) if waiting)


def flock_held(path: Path, mode: str = "WRITE") -> bool:
    """Whether a flock on ``path`` is granted in ``mode`` ("WRITE": exclusive, "READ": shared)."""
    return any(not waiting and held == mode for waiting, held in _flocks(path))


def lake_writers_waiting(location: Any) -> int:
    """How many sessions wait for the lake writers' advisory lock (``location``: conftest's LakeLocation)."""
    sql = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        f"AND classid = {_KEY >> 32} AND objid = {_KEY & 0xFFFFFFFF} AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return int(location.cluster.psql_value(sql, dbname=location.dbname))


def writers_waiting(location: Any) -> int:
    """Writers queued for the store's write lock: ``location`` is a database file's Path (its ``.lock``
    sidecar) or conftest's LakeLocation."""
    if hasattr(location, "cluster"):
        return lake_writers_waiting(location)
    path = Path(location)
    return flock_waiters(path.with_name(path.name + ".lock"))


def wait_for_waiters(location: Any, count: int = 1, what: str = "a writer to queue for the store's lock",
                     timeout: float = 60) -> None:
    """Until at least ``count`` writers wait for the store's write lock (a hang guard bounds it)."""
    wait_for(lambda: writers_waiting(location) >= count, timeout, what)
