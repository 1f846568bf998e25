"""Review of entered readings, when the workspace wants it (MONITOR_REVIEW=on; off by default).

With review on, a reading entered through the form, an import or `monitor add` is written pending
(schema migration 9): it is in the history but counts nowhere (monitor.store.queries.COUNTS: status,
charts, reports, exports and the previous value of the plausibility check all leave it out), so no
status changes and no alert fires for it. A reviewer who is not its author then

- approves it: a new revision copying it, review 'approved', recorded by the reviewer with their comment;
  from then it counts, and the status changes it makes are events (alerts) as a refresh run's are;
- or rejects it, with a comment (required): a new revision marking it rejected; it never counts, and
  the value in force before stays in force.

A scheduled refresh is not reviewed (its source is configured by the office). With review off nothing is
pending and every reading counts as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from monitor import clock, settings
from monitor.errors import NotAllowed, NotFound, Problem, ValidationError
from monitor.model import Reading
from monitor.store import queries
from monitor.store.connection import Store

if TYPE_CHECKING:  # an annotation only: `monitor add` asks enabled() without loading the users service
    from monitor.services.users import User

SOURCE_NAME = "review"
DECISIONS = ("approved", "rejected")


def enabled(environ: Any = None) -> bool:
    """Whether entries are reviewed (MONITOR_REVIEW)."""
    return bool(settings.get("MONITOR_REVIEW", environ))


@dataclass(frozen=True)
class Pending:
    reading: Reading
    previous: float | None

    @property
    def jump(self) -> float | None:
        """The value as a multiple of the previous one (None without a positive previous value)."""
        if self.previous is None or self.previous <= 0 or self.reading.value < 0:
            return None
        return self.reading.value / self.previous

    def as_dict(self) -> dict[str, Any]:
        r = self.reading
        return {"indicator_id": r.indicator_id, "period_start": r.period_start.isoformat(),
                "period_end": r.period_end.isoformat(), "revision": r.revision, "value": r.value,
                "qualifier": r.qualifier.value, "source": r.source, "note": r.note, "author": r.recorded_by,
                "entered_at": r.recorded_at.isoformat() + "Z" if r.recorded_at else None,
                "previous": self.previous, "jump": self.jump}


def pending(store: Store, user: User | None = None, indicator_id: str | None = None) -> list[Pending]:
    """The readings awaiting review, oldest first; with ``user``, only those within their limits."""
    if not store.exists:
        return []
    with store.read() as con:
        found = queries.pending_readings(con, indicator_id)
        if user is not None and not user.unlimited:
            indicators = queries.indicators_by_id(con, sorted({r.indicator_id for r, _ in found}))
            found = [(r, p) for r, p in found if r.indicator_id in indicators and user.covers(indicators[r.indicator_id])]
    return [Pending(r, p) for r, p in found]


def pending_count(store: Store) -> int:
    """How many readings await review (0 on a store without any, or review never used)."""
    if not store.exists:
        return 0
    with store.read() as con:
        return queries.pending_count(con)


@dataclass(frozen=True)
class Decision:
    reading: Reading
    decision: str
    by: str
    comment: str | None
    revision: int
    events: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"indicator_id": self.reading.indicator_id, "period_start": self.reading.period_start.isoformat(),
                "period_end": self.reading.period_end.isoformat(), "value": self.reading.value,
                "author": self.reading.recorded_by, "decision": self.decision, "by": self.by, "comment": self.comment,
                "revision": self.revision, "status_changes": [
                    {"target_id": e["target_id"], "old_status": e["old_status"], "new_status": e["new_status"]}
                    for e in self.events]}


def decide(
    store: Store,
    indicator_id: str,
    period_end: date,
    decision: str,
    by: str,
    comment: str | None = None,
    *,
    period_start: date | None = None,
    user: User | None = None,
    as_of: date | None = None,
) -> Decision:
    """Approve or reject the pending reading of the indicator's period ending ``period_end``.

    NotFound: nothing pending there; NotAllowed: ``by`` entered it (nobody reviews their own entry), or
    ``user`` (the dashboard's signed-in user) is not a reviewer covering the indicator; ValidationError:
    a rejection without a comment."""
    from monitor.services.withdraw import _status_events, _statuses

    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}")
    text = (comment or "").strip() or None
    for char in text or "":
        if ord(char) < 32 or ord(char) == 127:
            raise ValidationError([Problem(SOURCE_NAME, None, "comment", "problem.control",
                                           {"char": f"U+{ord(char):04X}"}, repr(text))])
    if decision == "rejected" and text is None:
        raise ValidationError([Problem(SOURCE_NAME, None, "comment", "problem.required", {}, None)],
                              "say why the reading is rejected (a comment is required); nothing was written")
    if user is not None and not user.may_review:
        raise NotAllowed(f"{user.name} is a {user.role} and may not review readings; nothing was written")
    day = as_of or clock.today()
    with store.write() as con:
        indicator = queries.get_indicator(con, indicator_id)
        if indicator is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        if user is not None and not user.covers(indicator):
            raise NotAllowed(f"{user.name} may not review readings of {indicator_id} (outside their limits)")
        found = [r for r, _ in queries.pending_readings(con, indicator_id)
                 if r.period_end == period_end and (period_start is None or r.period_start == period_start)]
        if not found:
            raise NotFound(f"nothing pending review for indicator '{indicator_id}' in the period ending "
                           f"{period_end.isoformat()} (see `monitor review list`)")
        if len(found) > 1:
            raise NotFound(f"several periods of '{indicator_id}' ending {period_end.isoformat()} are pending: "
                           "say which with --period-start")
        entry = found[0]
        if (entry.recorded_by or "") == by:
            raise NotAllowed(f"{by} entered this reading and may not review it; another reviewer must "
                             "(nothing was written)")
        before = _statuses(store, indicator_id, day) if decision == "approved" else {}
        now = datetime.utcnow()
        revision = queries.review_reading(con, entry, decision, by, text, now)
        events: list[dict[str, Any]] = []
        if decision == "approved":
            # Alerts fire now, on approval, never on the pending value (which changed no status).
            events = _status_events(store, con, indicator_id, before, day, now, {
                "what": "reading", "period_start": entry.period_start.isoformat(),
                "period_end": entry.period_end.isoformat(), "value": entry.value, "author": entry.recorded_by,
                "by": by, "comment": text, "id": uuid.uuid4().hex[:8],
            }, cause="approval", source=SOURCE_NAME)
    return Decision(entry, decision, by, text, revision, tuple(events))
