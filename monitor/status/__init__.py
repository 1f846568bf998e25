"""Goal statuses: one entry point, ``statuses``, over two paths that give the same records.

    statuses(store, as_of, *, domain=None, indicator_ids=None, known_on=None, detail=Detail.SUMMARY)

returns one StatusRecord (monitor.status.record) per goal — a target in force, or an indicator without
one — in the order of (domain, indicator, target). It alone decides which path computes them:

- the per-goal engine (``engine``: the store's data through ``progress``, the pure formulas of
  docs/methodology.md) when the full evidence is asked for (``Detail.FULL``) or only some indicators
  (``indicator_ids``): it reads only those indicators' readings, and one goal costs one indicator;
- otherwise the set-based path (``sets``, its SQL in monitor/store/status_queries.py), which computes
  every goal at once without holding the readings in Python (12-24x faster on a large store,
  docs/benchmarks.md) and hands the goals it cannot represent to the engine — among them every target of
  the forms beyond reach and threshold (range, about, change, average_growth, path: monitor.status.forms,
  docs/methodology.md section 9), which only the engine computes.

Either way a record has the shape ``detail`` gives (record.Detail) and says in ``computed_by`` which path
computed it. tests/test_status_sql.py holds the contract: both paths agree on every field, the summary
evidence included, and the set-based path computes itself every goal shape it supports;
tests/test_target_forms.py that the target forms give the same records whichever path is asked.

Nothing outside this package imports ``engine`` or ``sets`` (tests/test_architecture.py); the paths
are imported on first use, so importing the formulas (``progress``) stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from monitor.status.record import ComputedBy, Detail, StatusRecord

if TYPE_CHECKING:
    from monitor.store.connection import Store
    from monitor.store.status_queries import Known

__all__ = ["ComputedBy", "Detail", "StatusRecord", "statuses"]


def statuses(
    store: Store,
    as_of: date,
    *,
    domain: str | None = None,
    indicator_ids: Sequence[str] | None = None,
    known_on: Known = None,
    detail: Detail = Detail.SUMMARY,
) -> list[StatusRecord]:
    """Every goal's status at ``as_of`` (see the module docstring).

    domain: only this domain's indicators; indicator_ids: only these indicators; known_on (a date, or a
    naive UTC datetime): the store as it was known then — readings, revisions and target versions
    recorded later are left out (monitor.store.status_queries); detail: how much of each record.
    """
    detail = Detail(detail)
    if detail is Detail.FULL or indicator_ids is not None:
        from monitor.status import engine

        found = engine.statuses(store, as_of, domain, indicator_ids, known_on)
        return found if detail is Detail.FULL else [r.at(detail) for r in found]
    from monitor.status import sets

    # Already in the shape asked for: SUMMARY with the second pass (share met, trends, projections), BRIEF without.
    return sets.statuses(store, as_of, domain, extras=detail is Detail.SUMMARY, known_on=known_on)
