"""Per-office scorecards: the goals grouped by responsible office (责任单位), and one office's goals,
what is overdue and what is due next. No Streamlit here.

- ``submission_calendar(schedules, as_of, until)``: pure. For each indicator with a regular frequency
  and a last recorded period, the periods after it and the day each is due (its end plus the
  publication lag), up to those due by ``until``. The next period and its due day follow the status
  engine's own rule (monitor.status.progress.next_period_end: month ends stay month ends), so the
  calendar's first due day of an indicator is the status record's ``next_due``. An indicator with no
  reading (the series' start is unknown) or an irregular one has no calendar, as it has no due day.
- ``office_index(store, as_of, lang)``: one row per office (named offices by name, then the goals no
  office is named for), with its counts by status and of overdue goals: the overview grouped by office.
- ``scorecard(store, office, as_of, lang, horizon_days)``: the office's overview rows (the overview's
  own rows, monitor.present.overview.load_overview), its overdue goals (worst delay first) and its
  calendar until ``as_of + horizon_days``. An unknown office is NotFound naming the offices.

Office names are catalogue text: every caller shows them as plain text (never markdown or HTML).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from monitor.errors import NotFound
from monitor.model import Frequency, Indicator
from monitor.model.periods import Period, label
from monitor.present.i18n import format_date, status_text, t
from monitor.present.overview import SEVERITY, load_overview
from monitor.status.progress import next_period_end
from monitor.store import queries
from monitor.store.connection import Store

__all__ = [
    "DEFAULT_HORIZON_DAYS", "Due", "Schedule", "due_within", "office_index", "office_names", "scorecard",
    "submission_calendar",
]

# The calendar looks this far ahead by default: a quarter and a bit, so every quarterly series shows its next due day.
DEFAULT_HORIZON_DAYS = 120
# At most this many future periods of one indicator (a monthly series over a long horizon stays short).
MAX_PER_INDICATOR = 3
# Periods stepped through at most per indicator (12 a year for a century).
MAX_STEPS = 1200


@dataclass(frozen=True)
class Schedule:
    """What the calendar needs of one indicator."""

    indicator_id: str
    frequency: str
    publication_lag_days: int
    last_period_end: date | None


@dataclass(frozen=True)
class Due:
    """One expected submission: the period after the last one recorded (or a later one) and its due day."""

    indicator_id: str
    period_start: date
    period_end: date
    due: date
    days_left: int  # due - as_of; negative: overdue by that many days
    # How many periods are overdue in all when this is the first overdue one (it stands for them): an
    # office three months behind on a monthly series owes three, not one.
    periods_overdue: int = 0

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def submission_calendar(schedules: Iterable[Schedule], as_of: date, until: date) -> list[Due]:
    """Every indicator's next expected period (overdue or not), then its later ones due by ``until``
    (at most MAX_PER_INDICATOR in all); sorted by due day, then indicator."""
    found: list[Due] = []
    for s in schedules:
        if s.last_period_end is None or Frequency(s.frequency) is Frequency.IRREGULAR:
            continue
        last = s.last_period_end
        listed = 0
        first_overdue: int | None = None  # index in ``found`` of the overdue period that stands for the others
        behind = 0
        # Bounded: a monthly series behind by decades still ends; a listed period counts towards the cap.
        for _ in range(MAX_STEPS):
            try:
                end = next_period_end(last, Frequency(s.frequency))
            except (ValueError, OverflowError):  # no representable successor near year 9999
                break
            if end is None:
                break
            due = end + timedelta(days=s.publication_lag_days)
            if listed and due > until:
                break
            if due < as_of:
                behind += 1
            # The first period is always listed (it is what the office owes now); later ones only while
            # they are due by ``until`` and not already overdue (the first overdue one stands for them).
            if not listed or due >= as_of:
                if not listed and due < as_of:
                    first_overdue = len(found)
                found.append(Due(s.indicator_id, last + timedelta(days=1), end, due, (due - as_of).days))
                listed += 1
                if listed >= MAX_PER_INDICATOR:
                    break
            last = end
        if first_overdue is not None and behind > 1:
            d = found[first_overdue]
            found[first_overdue] = Due(d.indicator_id, d.period_start, d.period_end, d.due, d.days_left, behind)
    found.sort(key=lambda d: (d.due, d.indicator_id, d.period_end))
    return found


def office_names(store: Store) -> list[str]:
    """The offices the catalogue names as responsible for an indicator in use, by name."""
    from monitor.present.catalog_edit import retired_ids

    retired = retired_ids(store)
    with store.read() as con:
        return sorted({i.responsible for i in queries.list_indicators(con) if i.responsible and i.id not in retired})


def _indicators(store: Store) -> dict[str, Indicator]:
    with store.read() as con:
        return {i.id: i for i in queries.list_indicators(con)}


def _office_key(office: str | None) -> tuple[bool, str]:
    return (not office, office or "")


def office_index(store: Store, as_of: date, lang: str) -> list[dict[str, Any]]:
    """One row per office: ``office`` (None: no office named), ``name`` (as shown), ``goals`` (with a
    target), ``tracked`` (without), ``overdue``, ``behind`` (goals not met or needing acceleration and
    worse), ``counts`` [(status code, n)] in SEVERITY order, ``worst`` (the worst status, in words)."""
    indicators = _indicators(store)
    _, rows = load_overview(store, as_of, lang)
    grouped: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        ind = indicators.get(row["indicator_id"])
        grouped.setdefault(ind.responsible if ind is not None else None, []).append(row)
    out = []
    behind_codes = set(SEVERITY[:4])
    for office in sorted(grouped, key=_office_key):
        its = grouped[office]
        counts = [(s, sum(1 for r in its if r["status_code"] == s)) for s in SEVERITY]
        counts = [(s, n) for s, n in counts if n]
        out.append({
            "office": office,
            "name": office or t("report.no_office", lang),
            "goals": sum(1 for r in its if r["has_target"]),
            "tracked": sum(1 for r in its if not r["has_target"]),
            "overdue": sum(1 for r in its if r["stale"]),
            "behind": sum(1 for r in its if r["status_code"] in behind_codes),
            "counts": counts,
            "summary": "、".join(f"{status_text(s, lang)} {n}" for s, n in counts) if lang == "zh"
            else ", ".join(f"{status_text(s, lang)} {n}" for s, n in counts),
        })
    return out


def _check_office(store: Store, office: str) -> None:
    offices = office_names(store)
    if office not in offices:
        shown = office if len(office) <= 60 else office[:59] + "…"
        raise NotFound(f"no indicator names {shown!r} as its responsible office; offices: {', '.join(offices) or 'none'}")


def scorecard(store: Store, office: str, as_of: date, lang: str,
              horizon_days: int = DEFAULT_HORIZON_DAYS) -> dict[str, Any]:
    """One office's scorecard: ``office``, ``rows`` (the overview's rows of its goals, in the overview's
    order), ``counts``, ``overdue`` (rows of its overdue goals: name, due day, days overdue; most
    overdue first), ``calendar`` (rows: name, period, due day, days left, state) until
    ``as_of + horizon_days``, and ``as_of``."""
    _check_office(store, office)
    indicators = _indicators(store)
    records, rows = load_overview(store, as_of, lang)
    mine = {i for i, ind in indicators.items() if ind.responsible == office}
    rows = [r for r in rows if r["indicator_id"] in mine]
    records = [r for r in records if r["indicator_id"] in mine]
    overdue = sorted((r for r in records if r["stale"]), key=lambda r: (-int(r["days_overdue"] or 0), r["indicator_id"]))
    names = {r["indicator_id"]: r["name"] for r in rows}
    last: dict[str, date | None] = {}
    for r in records:
        end = date.fromisoformat(r["last_period_end"]) if r["last_period_end"] else None
        last[r["indicator_id"]] = max(filter(None, (last.get(r["indicator_id"]), end)), default=None)
    schedules = [Schedule(i, indicators[i].frequency.value, indicators[i].publication_lag_days, last.get(i))
                 for i in sorted(mine) if i in names]
    calendar = submission_calendar(schedules, as_of, as_of + timedelta(days=horizon_days))
    counts = [(s, sum(1 for r in rows if r["status_code"] == s)) for s in SEVERITY]
    seen_overdue: set[str] = set()
    overdue_rows = []
    for r in overdue:
        if r["indicator_id"] in seen_overdue:  # one indicator's several goals owe the same reading
            continue
        seen_overdue.add(r["indicator_id"])
        due = date.fromisoformat(r["next_due"]) if r["next_due"] else None
        overdue_rows.append({"indicator_id": r["indicator_id"], "name": names.get(r["indicator_id"], r["indicator_id"]),
                             "due": format_date(due, lang) if due else "—", "days": int(r["days_overdue"] or 0)})
    return {
        "office": office,
        "as_of": as_of,
        "rows": rows,
        "counts": [(s, n) for s, n in counts if n],
        "overdue": overdue_rows,
        "calendar": [calendar_row(d, names.get(d.indicator_id, d.indicator_id),
                                  indicators[d.indicator_id].frequency.value, lang) for d in calendar],
    }


def calendar_row(d: Due, name: str, frequency: str, lang: str) -> dict[str, Any]:
    """One calendar entry for people: the words of its state ("overdue by 5 days" / "in 12 days")."""
    if d.overdue:
        state = t("office.state_overdue", lang, n=-d.days_left)
        if d.periods_overdue > 1:
            state += t("office.state_behind", lang, n=d.periods_overdue)
    elif d.days_left == 0:
        state = t("office.state_today", lang)
    else:
        state = t("office.state_in", lang, n=d.days_left)
    return {
        "indicator_id": d.indicator_id,
        "name": name,
        "frequency": t(f"frequency.{frequency}", lang),
        "period": label(Period(d.period_start, d.period_end), lang),
        "due": format_date(d.due, lang),
        "due_date": d.due,
        "days_left": d.days_left,
        "state": state,
        "overdue": d.overdue,
        "periods_overdue": max(d.periods_overdue, 1) if d.overdue else 0,
    }


def due_within(store: Store, offices: Iterable[str], as_of: date, days: int) -> list[dict[str, Any]]:
    """The readings the named ``offices`` owe that fall due from ``as_of`` to ``as_of + days`` (not the
    overdue ones: those are ``became_stale`` events already), in both languages, for reminders: one dict
    per (office, indicator, period) with ``office``, ``indicator_id``, ``name`` and ``period`` ({zh, en}),
    ``unit``, ``period_start``/``period_end``/``due`` (ISO) and ``days_left``. An office no indicator
    names is skipped (a channel may name one before the catalogue does)."""
    from monitor.present.catalog_edit import retired_ids

    wanted = set(offices)
    indicators = {i: ind for i, ind in _indicators(store).items()
                  if ind.responsible in wanted and i not in retired_ids(store)}
    if not indicators:
        return []
    from monitor.status import Detail, statuses

    # The last period each series has recorded, as the status service sees it (the same as its next_due).
    last_ends: dict[str, date] = {}
    for r in statuses(store, as_of, indicator_ids=sorted(indicators), detail=Detail.BRIEF):
        end = date.fromisoformat(r.last_period_end) if r.last_period_end else None
        if end is not None and (r.indicator_id not in last_ends or end > last_ends[r.indicator_id]):
            last_ends[r.indicator_id] = end
    schedules = [Schedule(i, ind.frequency.value, ind.publication_lag_days, last_ends.get(i)) for i, ind in indicators.items()]
    out = []
    for d in submission_calendar(schedules, as_of, as_of + timedelta(days=days)):
        if not 0 <= d.days_left <= days:
            continue
        ind = indicators[d.indicator_id]
        period = Period(d.period_start, d.period_end)
        out.append({
            "office": ind.responsible, "indicator_id": d.indicator_id, "target_id": None,
            "name": {"zh": ind.name_zh, "en": ind.name_en}, "unit": ind.unit,
            "period": {"zh": label(period, "zh"), "en": label(period, "en")},
            "period_start": d.period_start.isoformat(), "period_end": d.period_end.isoformat(),
            "due": d.due.isoformat(), "days_left": d.days_left,
        })
    return out
