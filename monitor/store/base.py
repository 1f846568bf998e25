"""The Store interface that both backends implement: a DuckDB file (FileStore) and a DuckLake (LakeStore).

Everything above ``monitor.store`` is written against :class:`Store`, never a backend. ``Store(location)``
is the one constructor: it builds the backend that the location names (``ducklake:<catalog>`` gives a
LakeStore, anything else a FileStore; ``None`` means the MONITOR_DB setting, else data/monitor.duckdb), so
callers that are handed a location never choose a backend themselves. ``open_store`` is the same call.

The contract each backend keeps (the storage tests run every module on both backends in CI):

- ``read()``: a consistent read of the database for one operation; never creates it.
- ``read_copy()``: a read of the status tables (indicator, target, reading) for long computations; may
  be a copy taken under the read lock so that writers are not held up (file), or ``read()`` (lake).
- ``write(priority=False)``: one transaction, all committed or none; nested use joins it. ``priority``
  lets a batch or a lease renewal go before writers queued behind it.
- ``exclusive()``: the write lock alone, without opening the database (for replacing it whole).
- ``scratch()``: a connection without the database, for staging input before a write.
- ``init()``: create or migrate; the migration versions applied. ``close()``: let go of connections.
- ``exists``, ``location`` (what to pass to another process), ``path`` (what messages show, secrets
  hidden), ``backend`` (``"file"`` or ``"lake"``), ``timeout_s`` (beyond it: StoreBusy, nothing written).
"""

from __future__ import annotations

import abc
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import duckdb


class Store(abc.ABC):
    """A store of indicators, targets and readings; ``Store(location)`` builds the backend the location names."""

    backend: ClassVar[str]
    location: str
    timeout_s: float

    def __new__(cls, location: str | os.PathLike[str] | None = None, *args: Any, **kwargs: Any) -> Store:
        if cls is Store:
            from monitor.store.connection import FileStore, is_lake

            if is_lake(location):
                from monitor.store.lake import LakeStore

                cls = LakeStore
            else:
                cls = FileStore
        return super().__new__(cls)

    @property
    @abc.abstractmethod
    def path(self) -> Path | str:
        """What messages show as the database: the file path, or the lake's location without its password."""

    @property
    @abc.abstractmethod
    def exists(self) -> bool:
        """Whether the database has been created."""

    @abc.abstractmethod
    def scratch(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection without the database, for staging input before a write."""

    @abc.abstractmethod
    def read(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A consistent read of the database for one operation."""

    @abc.abstractmethod
    def read_copy(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A read of the status tables for work that takes much longer than reading them."""

    @abc.abstractmethod
    def write(self, priority: bool = False) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """One write transaction: all of it is committed, or none of it."""

    @abc.abstractmethod
    def exclusive(self) -> AbstractContextManager[None]:
        """The write lock alone, without opening the database."""

    @abc.abstractmethod
    def init(self) -> list[int]:
        """Create or migrate the database; the migration versions applied."""

    @abc.abstractmethod
    def close(self) -> None:
        """Let go of the connections this object holds."""
