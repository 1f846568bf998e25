"""Exactly one active scheduler across hosts: leadership through a lease row in the store.

Every scheduler process (on any host, against one store) runs a :class:`Leadership` loop in a thread:

- the lease is one row of ``scheduler_lease`` (name, holder, acquired_at, renewed_at, expires_at; UTC).
  The holder id is ``host:pid:random``;
- a process takes the lease, in one write transaction, when there is none, when it has expired, or when
  it already holds it (a renewal); the write logic keeps one row per name, and the store's write
  transaction (the file's exclusive lock, or the lake's PostgreSQL advisory lock) makes the take atomic;
- the leader renews every ``renew_s`` (a third of the lease by default); a standby polls at the same
  pace and takes over once the lease has expired: within ``lease_s + renew_s`` of the leader's death;
- the leader counts its lease from the moment its renewing transaction started (once it holds the
  store's write lock), on its own monotonic clock, minus a safety margin: when a renewal fails (store
  busy or unreachable) it stops being the leader before any standby may take over, whatever the wall
  clocks say (they must still agree to within the margin: run NTP);
- a renewal waits for the store's write lock up to that local deadline (not a fixed share of the
  lease): a long write of the leader's own job (a big import) delays the renewal without costing the
  leadership, as long as it ends in time. The loop has a store of its own (open_leadership), so the
  in-process mutex of the jobs' stores never holds it up, only the store's lock does;
- a job's writes are checked too (:class:`LeaseGuard`): each write transaction of a scheduled refresh
  verifies, just before it commits, that this process still holds an unexpired lease; if not, it is
  rolled back and the run is abandoned (``run_abandoned`` event). No write of a job outlives its
  leadership, however long the job ran;
- every change is logged and recorded as an event (``leader_elected``, ``leader_released``,
  ``leader_lost``; ``run_abandoned`` for a job's refused write) in the same transaction as the change
  where there is one;
- a clean stop releases the lease, so a standby takes over at its next poll.

The backend-neutral row lease works on a DuckDB file (several processes of one host) and on DuckLake
(several hosts). No apscheduler here: scheduler.py pauses and resumes its jobs from the callbacks.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor import settings
from monitor.errors import MonitorError

log = logging.getLogger("monitor.services.leader")

LEASE_NAME = "scheduler"
DEFAULT_LEASE_S = 15.0
MIN_LEASE_S = 1.0
LEASE_ENV = "MONITOR_SCHEDULER_LEASE"


def utc_now() -> datetime:
    """Naive UTC, as every timestamp in the store."""
    return datetime.now(UTC).replace(tzinfo=None)


def holder_id() -> str:
    """host:pid:random: unique per process, readable in logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def lease_seconds(value: float | str | None = None) -> float:
    """The lease length: the argument, else $MONITOR_SCHEDULER_LEASE, else 15 s."""
    chosen = value if value not in (None, "") else settings.get(LEASE_ENV)
    try:
        seconds = float(chosen)
    except (TypeError, ValueError):
        raise MonitorError(f"lease length {chosen!r} is not a number of seconds ({LEASE_ENV})") from None
    if not seconds >= MIN_LEASE_S:
        raise MonitorError(f"lease length {seconds:g} s is too short; use at least {MIN_LEASE_S:g} s")
    return seconds


@dataclass(frozen=True)
class LeaseState:
    """What the store says about the lease."""

    holder: str | None
    acquired_at: datetime | None
    renewed_at: datetime | None
    expires_at: datetime | None

    def live(self, now: datetime) -> bool:
        return self.holder is not None and self.expires_at is not None and self.expires_at > now


def lease_state(store: Any, name: str = LEASE_NAME) -> LeaseState:
    """The lease as the store has it (no holder when none was ever taken or it was released)."""
    from monitor.store import refresh_queries

    with store.read() as con:
        row = refresh_queries.get_lease(con, name)
    if row is None:
        return LeaseState(None, None, None, None)
    return LeaseState(row["holder"], row["acquired_at"], row["renewed_at"], row["expires_at"])


def leader_events(store: Any, limit: int = 20) -> list[dict[str, Any]]:
    from monitor.store import refresh_queries

    with store.read() as con:
        rows = refresh_queries.list_leader_events(con, limit)
    for r in rows:
        r["payload"] = json.loads(r["payload"]) if r["payload"] else {}
    return rows


def _event(kind: str, now: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex, "run_id": None, "kind": kind, "occurred_at": now, "source": None,
        "indicator_id": None, "target_id": None, "old_status": None, "new_status": None,
        "payload": json.dumps({**payload, "occurred_at": now.isoformat() + "Z"}, ensure_ascii=False, default=str),
    }


class LeaseLost(MonitorError):
    """A write of a leader's job found that this process no longer holds the lease; it was rolled back."""

    def __init__(self, reason: str, holder: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.holder = holder  # who holds the lease now (None: nobody does)


@dataclass(frozen=True)
class LeaseGuard:
    """What a leader passes to its jobs: ``check(con)`` inside each of their write transactions.

    The lease changes hands only in a write transaction, and write transactions queue on the store's
    lock (the file's flock, the lake's advisory lock), so what the check sees holds until the commit:
    a job's write is committed only while this process holds the lease, never after a standby took it.
    """

    holder: str
    name: str = LEASE_NAME
    clock: Callable[[], datetime] = utc_now
    # The leader's own view (Leadership.is_leader): false once its local deadline has passed, which
    # comes a margin before the lease's expiry in the store.
    leading: Callable[[], bool] | None = None

    def check(self, con: Any) -> None:
        """Raise LeaseLost unless this process holds an unexpired lease (call it last, before the commit)."""
        from monitor.store import refresh_queries

        row = refresh_queries.get_lease(con, self.name)
        now = self.clock()
        if row is None:
            raise LeaseLost(f"lost the {self.name} lease (nobody holds it now)", None)
        if row["holder"] != self.holder:
            raise LeaseLost(f"lost the {self.name} lease to {row['holder']}", row["holder"])
        if row["expires_at"] <= now:
            raise LeaseLost(f"the {self.name} lease expired at {row['expires_at']:%H:%M:%S} UTC without being renewed", None)
        if self.leading is not None and not self.leading():
            raise LeaseLost(f"the {self.name} lease could not be renewed in time", self.holder)

    def record_abandoned(self, store: Any, reason: str, payload: dict[str, Any]) -> None:
        """Record a ``run_abandoned`` event (a job whose write the check refused), in a transaction of
        its own: it changes nothing but the event log. A store that cannot be written is only logged."""
        from monitor.store import refresh_queries

        try:
            with store.write() as con:
                refresh_queries.insert_events(con, [_event("run_abandoned", self.clock(), {
                    "holder": self.holder, "reason": reason, **payload,
                })])
        except MonitorError as e:
            log.warning("could not record the run_abandoned event: %s", e)


@contextmanager
def _lock_wait(store: Any, seconds: float) -> Iterator[None]:
    """The store's wait for its lock (``timeout_s``, read as each operation starts) set to ``seconds``
    for the operations inside the block, restored after. Only for a store no other thread uses at the
    same time: the Leadership's own (open_leadership)."""
    before = getattr(store, "timeout_s", None)
    if before is None:  # not a Store (a test double): nothing to bound
        yield
        return
    store.timeout_s = seconds
    try:
        yield
    finally:
        store.timeout_s = before


class Leadership:
    """Take, keep and give up the lease; ``on_elected``/``on_lost`` are called on each change.

    ``is_leader()`` is true only while the lease is held *and* its local deadline has not passed;
    scheduler.py checks it before every job, and pauses the jobs from ``on_lost``.
    """

    def __init__(
        self,
        store: Any,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        renew_s: float | None = None,
        name: str = LEASE_NAME,
        holder: str | None = None,
        on_elected: Callable[[], None] | None = None,
        on_lost: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.lease_s = float(lease_s)
        self.renew_s = float(renew_s) if renew_s else self.lease_s / 3
        # Stop leading this long before the lease ends: room for one slow renewal and clock skew.
        self.margin_s = min(self.renew_s, self.lease_s / 4)
        self.name = name
        self.holder = holder or holder_id()
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.clock = clock
        self.monotonic = monotonic
        self._deadline: float | None = None  # monotonic time until which this process may lead
        self._seen: str | None = None  # the last holder a standby logged
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ state

    def is_leader(self) -> bool:
        with self._lock:
            return self._deadline is not None and self.monotonic() < self._deadline

    def guard(self) -> LeaseGuard:
        """The check this process's jobs run inside their write transactions (see LeaseGuard)."""
        return LeaseGuard(self.holder, self.name, self.clock, self.is_leader)

    def _time_left(self) -> float:
        """Seconds until the local deadline (0 when not leading or past it)."""
        with self._lock:
            return 0.0 if self._deadline is None else max(0.0, self._deadline - self.monotonic())

    # ------------------------------------------------------------ one step

    def step(self) -> bool:
        """One attempt to take or renew the lease; whether this process leads afterwards."""
        from monitor.store import refresh_queries

        was_leader = self._deadline is not None
        taken = False
        previous: dict[str, Any] | None = None
        # A leader waits for the store's lock until its local deadline, not for a fixed share of the
        # lease: its own job may hold the lock for a long write, and giving up early would only make it
        # step down while that job goes on. Past the deadline it steps down as before. A standby
        # waits as long as the store says (open_leadership: a third of the lease).
        bounded = _lock_wait(self.store, max(0.01, self._time_left())) if was_leader else nullcontext()
        try:
            # priority: a renewal takes milliseconds and must not queue behind its own jobs' imports.
            with bounded, self.store.write(priority=True) as con:
                # The lease counts from here, with the lock held: the time spent waiting for it is
                # not taken off the new lease.
                started = self.monotonic()
                now = self.clock()
                previous = refresh_queries.get_lease(con, self.name)
                mine = previous is not None and previous["holder"] == self.holder
                free = previous is None or previous["expires_at"] <= now
                if mine or free:
                    acquired = previous["acquired_at"] if mine and was_leader and previous is not None else now
                    refresh_queries.put_lease(con, self.name, self.holder, acquired, now,
                                              now + timedelta(seconds=self.lease_s))
                    taken = True
                    if not (mine and was_leader):
                        refresh_queries.insert_events(con, [_event("leader_elected", now, {
                            "holder": self.holder, "lease_s": self.lease_s,
                            "previous_holder": previous["holder"] if previous else None,
                            "previous_expires_at": previous["expires_at"] if previous else None,
                            "reason": "first" if previous is None else "renewed" if mine else "expired",
                        })])
        except Exception as e:  # noqa: BLE001 - busy, unreachable, a dropped connection: never kill the loop
            # Keep leading until the local deadline, then step down.
            what = str(e) if isinstance(e, MonitorError) else f"{type(e).__name__}: {e}"
            log.warning("lease %s: could not %s it: %s", self.name, "renew" if was_leader else "take", what)
            self._check_deadline()
            return self.is_leader()
        if taken:
            with self._lock:
                self._deadline = started + self.lease_s - self.margin_s
            if not was_leader:
                before = f" (after {previous['holder']}, whose lease expired at {previous['expires_at']:%H:%M:%S} UTC)" if previous and previous["holder"] != self.holder else ""
                log.info("leader: %s holds the %s lease (%.0f s, renewed every %.1f s)%s",
                         self.holder, self.name, self.lease_s, self.renew_s, before)
                if self.on_elected:
                    self.on_elected()
            return True
        if was_leader:
            holder = previous["holder"] if previous else "nobody"
            self._lose(f"the lease is held by {holder}", record=True)
        elif previous is not None and previous["holder"] != self._seen:
            self._seen = previous["holder"]
            log.info("standby: %s waits; the %s lease is held by %s until %s UTC", self.holder, self.name,
                     previous["holder"], f"{previous['expires_at']:%H:%M:%S}")
        return False

    def _check_deadline(self) -> None:
        with self._lock:
            expired = self._deadline is not None and self.monotonic() >= self._deadline
        if expired:
            self._lose("the lease could not be renewed in time", record=True)

    def _lose(self, reason: str, record: bool) -> None:
        with self._lock:
            if self._deadline is None:
                return
            self._deadline = None
        log.warning("leader: %s is no longer the leader: %s; jobs paused", self.holder, reason)
        # Pause the jobs first: recording the event may wait for the store (that is often why the
        # lease was lost).
        if self.on_lost:
            self.on_lost(reason)
        if record:
            self._record("leader_lost", {"holder": self.holder, "reason": reason})

    def _record(self, kind: str, payload: dict[str, Any]) -> None:
        """Record an event in a transaction of its own; a store that cannot be written is only logged."""
        from monitor.store import refresh_queries

        try:
            with self.store.write(priority=True) as con:
                refresh_queries.insert_events(con, [_event(kind, self.clock(), payload)])
        except MonitorError as e:
            log.warning("could not record the %s event: %s", kind, e)

    def release(self) -> None:
        """Give the lease up (a clean stop): a standby takes over at its next poll."""
        from monitor.store import refresh_queries

        with self._lock:
            leading = self._deadline is not None
            self._deadline = None
        if not leading:
            return
        try:
            with self.store.write(priority=True) as con:
                if refresh_queries.drop_lease(con, self.name, self.holder):
                    refresh_queries.insert_events(con, [_event("leader_released", self.clock(), {"holder": self.holder})])
            log.info("leader: %s released the %s lease", self.holder, self.name)
        except MonitorError as e:
            log.warning("could not release the lease (it expires by itself): %s", e)

    # ------------------------------------------------------------ the loop

    def run(self) -> None:
        """Poll/renew until stop(): every renew_s, and at the local deadline at the latest."""
        while not self._stop.is_set():
            self.step()
            wait = self.renew_s
            with self._lock:
                if self._deadline is not None:
                    wait = max(0.0, min(wait, self._deadline - self.monotonic()))
            if self._stop.wait(wait):
                break
            self._check_deadline()

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name="monitor-leader", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, release: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease_s + 30)  # a renewal may wait up to the lease
        if release:
            self.release()


def open_leadership(location: str, lease_s: float, **kwargs: Any) -> Leadership:
    """A scheduler's leadership loop on ``location``, on a store of its own: its own in-memory
    connection and mutex, so that a job of this process (which opens its own store) never holds a
    renewal up in the process; only the store's lock can, and a renewal waits for it up to the
    leader's local deadline. Other operations (a standby's poll, events, the release) wait a third of
    the lease at most. Close ``.store`` after ``stop()``."""
    from monitor.store.connection import open_store

    return Leadership(open_store(location, timeout_s=max(0.5, lease_s / 3)), lease_s=lease_s, **kwargs)


def leader_status(store: Any, limit: int = 10) -> dict[str, Any]:
    """For `monitor leader`: the lease as stored, whether it is live now, and the last leadership events."""
    if not store.exists:
        from monitor.errors import StoreError

        raise StoreError(f"database {store.path} does not exist; run `monitor init` first")
    state = lease_state(store)
    now = utc_now()

    def iso(ts: datetime | None) -> str | None:
        return ts.isoformat(timespec="seconds") + "Z" if ts else None

    return {
        "holder": state.holder, "live": state.live(now), "acquired_at": iso(state.acquired_at),
        "renewed_at": iso(state.renewed_at), "expires_at": iso(state.expires_at),
        "events": [
            {"kind": e["kind"], "occurred_at": iso(e["occurred_at"]), **{k: e["payload"].get(k) for k in
                                                                         ("holder", "previous_holder", "reason")}}
            for e in leader_events(store, limit)
        ],
    }
