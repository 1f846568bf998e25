"""Withdrawing a mistake: a reading's period, or a target version, taken out of force without deleting it.

Readings and target versions are append-only (schema migration 7, monitor.store.queries):

- ``withdraw_reading`` appends the revision that withdraws the period's reading in force (who, when in
  UTC, why). The period then has no reading in force: status, charts, reports, exports, phone cards and
  plausibility's previous reading leave it out (queries.IN_FORCE). The history keeps every revision, the
  withdrawal too; a value entered again for the period (`monitor add`, an import) is a new revision that
  brings it back.
- ``withdraw_target`` appends a row that withdraws the target's version in effect: the previous version
  is in force again, or the goal has none. The catalogue's change log records it (``target_withdrawn``).

Either, in its one write transaction, compares the indicator's goals before and after and records a
``status_changed`` event (as a refresh run does, monitor.services.refresh.run) for each goal whose status
it changed, its payload saying what was withdrawn, by whom and why; the alert channels deliver it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from monitor import clock
from monitor.errors import MonitorError, NotAllowed, NotFound, Problem, ValidationError
from monitor.model import CatalogChange, Reading, Target
from monitor.services.users import User, check_writes, os_user
from monitor.store import catalog_queries, queries, refresh_queries
from monitor.store.connection import Store

SOURCE_NAME = "withdrawal"  # where a refused input is named, and the events' source
WHERE_READING = "the reading in force"


def default_who() -> str:
    """Who withdraws, when not said (--by): the operating-system user."""
    return os_user()


def _reason(reason: str | None) -> str:
    """The reason, required, plain text on one line (no control characters)."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError([Problem(SOURCE_NAME, None, "reason", "problem.required", {}, None)])
    for char in text:
        if ord(char) < 32 or ord(char) == 127:
            raise ValidationError([Problem(SOURCE_NAME, None, "reason", "problem.control",
                                           {"char": f"U+{ord(char):04X}"}, repr(text))])
    return text


def _who(who: str | None) -> str:
    text = (who or "").strip()
    return text or default_who()


@dataclass(frozen=True)
class Withdrawn:
    """What a withdrawal did: the reading or target version withdrawn, the withdrawal recorded, and the
    events (goal status changes) it caused."""

    indicator_id: str
    withdrawn_by: str
    withdrawn_at: datetime
    reason: str
    reading: Reading | None = None  # the revision withdrawn (a reading's withdrawal)
    revision: int | None = None  # the withdrawal's revision
    target: Target | None = None  # the version withdrawn (a target's withdrawal)
    in_force_again: Target | None = None  # the version in force now, if any
    events: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "indicator_id": self.indicator_id, "withdrawn_by": self.withdrawn_by,
            "withdrawn_at": self.withdrawn_at.isoformat() + "Z", "reason": self.reason,
            "status_changes": [{"target_id": e["target_id"], "old_status": e["old_status"],
                                "new_status": e["new_status"]} for e in self.events],
        }
        if self.reading is not None:
            out.update(period_start=self.reading.period_start.isoformat(),
                       period_end=self.reading.period_end.isoformat(), value=self.reading.value,
                       qualifier=self.reading.qualifier.value, withdrawn_revision=self.reading.revision,
                       revision=self.revision)
        if self.target is not None:
            out.update(target_id=self.target.id, withdrawn_version=self.target.version,
                       version_in_force=self.in_force_again.version if self.in_force_again else None)
        return out


def _statuses(store: Store, indicator_id: str, as_of: date) -> dict[str, dict[str, Any]]:
    from monitor.services.refresh.run import goal_key
    from monitor.status import Detail, statuses

    return {goal_key(r): r for r in (s.as_dict() for s in statuses(store, as_of, indicator_ids=[indicator_id],
                                                                   detail=Detail.FULL))}


def _status_events(
    store: Store, con: Any, indicator_id: str, before: dict[str, dict[str, Any]], as_of: date, now: datetime,
    withdrawal: dict[str, Any], cause: str = "withdrawal", source: str = SOURCE_NAME,
) -> list[dict[str, Any]]:
    """The status_changed events of the indicator's goals whose status the withdrawal changed (goals with
    a target, as a refresh run reports them); their last known status is updated (no second event)."""
    import json

    from monitor.services.refresh.run import _goal_payload

    retired = catalog_queries.retirements(con)
    if indicator_id in retired:
        return []  # a retired indicator's goals get no events or alerts (as in a refresh run)
    after = _statuses(store, indicator_id, as_of)
    events, updates = [], []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None or not new["target_id"] or old["status"] == new["status"]:
            continue
        payload = _goal_payload(con, new, as_of, old["status"], bool(old["stale"]))
        payload.update({cause: withdrawal, "run_source": source, "occurred_at": now.isoformat() + "Z"})
        events.append({
            "id": uuid.uuid4().hex, "run_id": None, "kind": "status_changed", "occurred_at": now,
            "source": source, "indicator_id": indicator_id, "target_id": new["target_id"],
            "old_status": old["status"], "new_status": new["status"],
            "payload": json.dumps(payload, ensure_ascii=False, default=str),
        })
        updates.append((key, indicator_id, new["target_id"], new["status"], bool(new["stale"])))
    refresh_queries.insert_events(con, events)
    refresh_queries.set_goal_statuses(con, updates, as_of, None, now)
    return events


def withdraw_reading(
    store: Store,
    indicator_id: str,
    period_end: date,
    reason: str | None,
    who: str | None = None,
    period_start: date | None = None,
    as_of: date | None = None,
    user: User | None = None,
) -> Withdrawn:
    """Withdraw the reading in force of the indicator's period ending ``period_end`` (starting
    ``period_start``: needed only when several periods end that day). NotFound: unknown indicator, or
    no such period in force (nothing to withdraw); ValidationError: no reason; NotAllowed: ``user`` (the
    dashboard's signed-in user; None on the command line) may not write the indicator."""
    text = _reason(reason)
    by = _who(who)
    day = as_of or clock.today()
    with store.write() as con:
        indicator = queries.get_indicator(con, indicator_id)
        if indicator is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        check_writes(user, [indicator], "withdraw readings of")
        found = queries.in_force_periods(con, indicator_id, period_end, period_start)
        period = (f"{period_start.isoformat()}..{period_end.isoformat()}" if period_start
                  else f"ending {period_end.isoformat()}")
        if not found:
            withdrawn = [r for r in queries.withdrawn_periods(con, indicator_id) if r.period_end == period_end
                         and (period_start is None or r.period_start == period_start)]
            already = " (it is withdrawn already)" if withdrawn else ""
            raise NotFound(f"nothing to withdraw: indicator '{indicator_id}' has no reading in force for the "
                           f"period {period}{already} (see `monitor readings {indicator_id} --history`)")
        if len(found) > 1:
            starts = ", ".join(r.period_start.isoformat() for r in found)
            raise MonitorError(f"several periods of indicator '{indicator_id}' end on {period_end.isoformat()} "
                               f"(starting {starts}): say which with --period-start")
        before = _statuses(store, indicator_id, day)
        old = found[0]
        done = queries.withdraw_reading(con, old, text, by)
        assert done.recorded_at is not None
        events = _status_events(store, con, indicator_id, before, day, done.recorded_at, {
            "what": "reading", "period_start": old.period_start.isoformat(),
            "period_end": old.period_end.isoformat(), "value": old.value, "by": by, "reason": text,
        })
    return Withdrawn(indicator_id, by, done.recorded_at, text, reading=old, revision=done.revision,
                     events=tuple(events))


def withdraw_target(
    store: Store, target_id: str, reason: str | None, who: str | None = None, as_of: date | None = None,
    user: User | None = None,
) -> Withdrawn:
    """Withdraw the target's version in effect: the previous one is in force again, or none. NotFound:
    unknown target, or every version withdrawn already; ValidationError: no reason."""
    text = _reason(reason)
    by = _who(who)
    day = as_of or clock.today()
    with store.write() as con:
        every = [t for t in queries.list_targets(con, history=True, withdrawn=True) if t.id == target_id]
        if not every:
            raise NotFound(f"unknown target '{target_id}' (see `monitor targets`)")
        indicator_id = every[0].indicator_id
        if user is not None and not user.may_edit_catalog:
            raise NotAllowed(f"{user.name} may not withdraw target versions (the catalogue is for editors "
                             "without domain or office limits); nothing was written")
        before = _statuses(store, indicator_id, day)
        now = datetime.utcnow()
        result = queries.withdraw_target(con, target_id, text, by, now)
        if result is None:
            raise NotFound(f"nothing to withdraw: every version of target '{target_id}' is withdrawn already")
        old, again, version = result
        details: dict[str, Any] = {"withdrawn_version": old.version, "version": version,
                                   "version_in_force": again.version if again else None}
        catalog_queries.add_changes(con, [CatalogChange(now, by, "target_withdrawn", indicator_id, target_id, text,
                                                        details)])
        events = _status_events(store, con, indicator_id, before, day, now, {
            "what": "target", "target_id": target_id, "version": old.version, "by": by, "reason": text,
        })
    return Withdrawn(indicator_id, by, now, text, target=old, in_force_again=again, events=tuple(events))


def withdrawals(store: Store) -> list[Reading]:
    """The periods withdrawn now (their latest revision a withdrawal), as those withdrawals."""
    with store.read() as con:
        return queries.withdrawn_periods(con)
