"""Cards for a phone and for a chat: what a goal card and the summary card say, as plain data.

No Streamlit and no drawing here. The phone overview (dashboards/phone.py) lists the overview rows in
:func:`phone_order`; the picture card (monitor.present.card_image, `monitor card`, the dashboard's
"复制为图片") draws a :class:`GoalCard` or a :class:`SummaryCard`. Every text field is the catalogue's or
a reading's text as stored: whoever shows it decides how (a PNG draws it as pixels; the dashboard passes
it to text elements only).

Links (:func:`share_query`, :func:`share_url`) carry the whole state a reader needs in the query string
(language, goal, known-on date, domain and status filters) so that a link pasted into a chat opens the
same view in a new browser; they hold only ASCII letters, digits and ``-_.~:/?&=,`` (ids are slugs,
dates ISO), nothing a chat's link detector stops at or percent-encodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from monitor.errors import NotFound
from monitor.files.catalog import read_profile
from monitor.present import workspace
from monitor.present.i18n import status_text, t
from monitor.present.overview import SEVERITY, sparkline, status_counts
from monitor.present.wording import latest_parts, name, target_parts
from monitor.status import Detail, statuses
from monitor.store import queries
from monitor.store.connection import Store

__all__ = [
    "SUMMARY_GOALS",
    "GoalCard",
    "SummaryCard",
    "goal_card",
    "phone_order",
    "share_query",
    "share_url",
    "summary_card",
    "summary_card_from_store",
]

SUMMARY_GOALS = 6  # goals named on the summary card: what fits a phone screen in a chat
_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")


def _behind(status: str) -> int:
    return SEVERITY.index(status) if status in SEVERITY else len(SEVERITY)


def _binding(record: Mapping[str, Any]) -> bool:
    """Binding (约束性): an overview row says so in ``nature_code`` (``nature`` is the word shown), a status
    record in ``target_nature``."""
    return "binding" in (record.get("nature_code"), record.get("target_nature"))


def phone_order(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The overview rows as the phone lists them: binding goals first (when the rows carry a target
    ``nature``), then the goals with a target, each block worst status first; the table's order
    (catalogue domain order) breaks ties, so the list is stable."""
    indexed = list(enumerate(rows))
    indexed.sort(key=lambda pair: (
        not _binding(pair[1]),
        not pair[1].get("has_target", pair[1].get("target_id") is not None),
        _behind(str(pair[1].get("status_code", pair[1].get("status", "")))),
        pair[0],
    ))
    return [row for _, row in indexed]


def share_query(
    lang: str,
    goal: str | None = None,
    known_on: date | None = None,
    domains: Sequence[str] = (),
    statuses: Sequence[str] = (),
    *,
    natures: Sequence[str] = (),
    source: str | None = None,
    text: str = "",
    stale_only: bool = False,
    targets_only: bool = False,
    include_retired: bool = False,
    as_of: date | None = None,
    since: date | None = None,
) -> dict[str, str]:
    """The query parameters of a link (only those set): lang, goal, known_on, domain, status and nature
    (comma-joined), document (a source document's id), q (the words searched), and stale, targets and
    retired ("1" when on), day and since (the status day and the day compared with) — every filter of the
    overview, so a link opens the view it was copied from."""
    query = {"lang": lang}
    if goal:
        query["goal"] = goal
    if known_on is not None:
        query["known_on"] = known_on.isoformat()
    if domains:
        query["domain"] = ",".join(domains)
    if statuses:
        query["status"] = ",".join(statuses)
    if natures:
        query["nature"] = ",".join(natures)
    if source:
        query["document"] = source
    if text.strip():
        query["q"] = text.strip()
    for key, on in (("stale", stale_only), ("targets", targets_only), ("retired", include_retired)):
        if on:
            query[key] = "1"
    # The overview's status day and the day it is compared with (a period end each; unset: today, none).
    # "day", not "as_of": the office page's ?as_of= is another page's key, which the overview must not drop.
    for key, day in (("day", as_of), ("since", since)):
        if day is not None:
            query[key] = day.isoformat()
    return query


def share_url(base: str, page: str, query: Mapping[str, str]) -> str:
    """``base``/``page``?query: a value that is not a plain slug is percent-encoded (a link never breaks)."""
    def enc(value: str) -> str:
        return ",".join(part if _SAFE.match(part) else quote(part, safe="") for part in value.split(","))

    tail = "&".join(f"{key}={enc(value)}" for key, value in query.items())
    return f"{base.rstrip('/')}/{page}" + (f"?{tail}" if tail else "")


@dataclass(frozen=True)
class GoalCard:
    """One goal, as its picture card says it. ``trend`` is the sparkline (readings comparable with the
    newest, oldest first) in the indicator's base unit, as ``target_value`` is."""

    lang: str
    indicator_id: str
    name: str
    status: str
    status_label: str
    latest_label: str
    latest_figure: str
    latest_period: str
    target_label: str
    target_figure: str
    target_when: str
    trend: list[float]
    target_value: float | None
    as_of: date
    as_of_label: str
    source: str
    source_label: str
    workspace: str
    no_trend_label: str = ""


@dataclass(frozen=True)
class SummaryCard:
    """Every goal at a glance: counts by status (worst first) and the goals that need attention."""

    lang: str
    title: str
    counts: list[tuple[str, str, int]]  # (status, label, number)
    total_label: str
    goals: list[tuple[str, str, str]] = field(default_factory=list)  # (status, name, latest)
    as_of: date = date.min
    as_of_label: str = ""
    source: str = ""
    source_label: str = ""


def _record_order(record: Mapping[str, Any]) -> tuple[bool, bool, int]:
    return (not _binding(record), record["target_id"] is None, _behind(record["status"]))


def goal_card(store: Store, indicator_id: str, as_of: date, lang: str) -> GoalCard:
    """The card of ``indicator_id`` at ``as_of``: its first goal (binding, with a target, worst status
    first), its newest readings' trend and the source of the reading the status rests on."""
    with store.read() as con:
        if queries.get_indicator(con, indicator_id) is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        readings = [r for r in queries.list_readings(con, indicator_id) if r.period_end <= as_of]
    records = [r.as_dict() for r in statuses(store, as_of, indicator_ids=[indicator_id], detail=Detail.SUMMARY)]
    if not records:
        raise NotFound(f"indicator '{indicator_id}' has no goal to show")
    record = sorted(records, key=_record_order)[0]
    latest_figure, latest_period = latest_parts(record, lang)
    target_figure, target_when = target_parts(record, lang)
    source = ""
    if record["latest_period_end"]:
        end = date.fromisoformat(record["latest_period_end"])
        start = date.fromisoformat(record["latest_period_start"])
        same = [r for r in readings if r.period_end == end and r.period_start == start]
        source = (same[-1].source or "") if same else ""
    profile = read_profile(store)
    if not source:
        source = workspace.subtitle(profile, lang) or workspace.title(profile, lang)
    return GoalCard(
        lang=lang,
        indicator_id=indicator_id,
        name=name(record, lang),
        status=record["status"],
        status_label=status_text(record["status"], lang, icon=False),
        latest_label=t("goal.latest", lang),
        latest_figure=latest_figure,
        latest_period=latest_period,
        target_label=t("goal.target", lang),
        target_figure=target_figure,
        target_when=target_when,
        trend=sparkline(readings),
        target_value=record["target_value"],
        as_of=as_of,
        as_of_label=t("app.as_of", lang, date=as_of.isoformat()),
        source=source,
        source_label=t("card.source", lang),
        workspace=workspace.title(profile, lang),
        no_trend_label=t("phone.no_trend", lang),
    )


def summary_card(
    rows: Sequence[Mapping[str, Any]], as_of: date, lang: str, title: str, source: str,
) -> SummaryCard:
    """The summary of overview rows (monitor.present.overview): counts of the goals with a target by status,
    and the first SUMMARY_GOALS of them in :func:`phone_order` (binding, then worst first)."""
    with_target = [dict(r) for r in rows if r.get("has_target", True) and r.get("status_code") != "no_target"]
    counts = [(s, status_text(s, lang, icon=False), n) for s, n in status_counts(with_target)]
    first = phone_order(with_target)[:SUMMARY_GOALS]
    return SummaryCard(
        lang=lang,
        title=title,
        counts=counts,
        total_label=t("card.total", lang, n=len(with_target)),
        goals=[(str(r["status_code"]), str(r["name"]), str(r["latest"])) for r in first],
        as_of=as_of,
        as_of_label=t("app.as_of", lang, date=as_of.isoformat()),
        source=source,
        source_label=t("card.source", lang),
    )


def summary_card_from_store(store: Store, as_of: date, lang: str) -> SummaryCard:
    """The summary card of every goal in ``store`` at ``as_of``."""
    from monitor.present.overview import load_overview

    _, rows = load_overview(store, as_of, lang)
    profile = read_profile(store)
    return summary_card(rows, as_of, lang, workspace.title(profile, lang),
                        workspace.subtitle(profile, lang) or workspace.title(profile, lang))
