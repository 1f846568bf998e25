"""The overview table's rows: status records shaped for people, with filters. No Streamlit here.

The dashboard shows every goal in one table, so everything a row needs (words in the reader's
language, the progress fraction, the sparkline series) is computed once per (database, as-of date,
language) and cached by the page; filtering is a cheap pass over these rows on every rerun.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from monitor.files.catalog import read_profile
from monitor.model import Profile, Reading
from monitor.model.periods import Period, comparable
from monitor.present.i18n import status_text
from monitor.present.wording import freshness_text, latest_text, name, nature_rank, nature_text, target_text
from monitor.status import Detail, statuses
from monitor.store import status_queries
from monitor.store.connection import Store

__all__ = [
    "SEVERITY",
    "SPARKLINE_POINTS",
    "filter_rows",
    "goal_records",
    "load_overview",
    "overview_rows",
    "progress_fraction",
    "sparkline",
    "status_counts",
]

# Worst first: what a leader must look at comes to the top of each domain.
SEVERITY: tuple[str, ...] = (
    "not_met",
    "deterioration",
    "limited_progress",
    "needs_acceleration",
    "insufficient_data",
    "on_track",
    "met",
    "achieved",
    "no_target",
)
SPARKLINE_POINTS = 24


def progress_fraction(record: dict[str, Any]) -> float | None:
    """How far along the goal is, 0..1, for a progress bar; None when there is nothing to measure.

    Reach targets: the share of the way from the baseline to the target covered by the newest reading
    (1 once achieved). Threshold targets: 1 when met, else how close the latest value is to the line.
    """
    status = record["status"]
    if status in ("achieved", "met"):
        return 1.0
    target, latest = record["target_value"], record["latest_value"]
    if target is None or latest is None:
        return None
    if record["target_kind"] == "threshold":
        if record["target_comparator"] in (">=", ">"):
            fraction = latest / target if target > 0 else None
        else:
            fraction = target / latest if latest > 0 else None
    else:
        baseline = record["baseline_value"]
        if baseline is None or target == baseline:
            return None
        fraction = (latest - baseline) / (target - baseline)
    if fraction is None:
        return None
    return min(max(fraction, 0.0), 1.0)


def sparkline(readings: Sequence[Reading]) -> list[float]:
    """Values of the readings comparable with the newest one (same kind of period), oldest first;
    empty when fewer than two."""
    if not readings:
        return []
    ordered = sorted(readings, key=lambda r: (r.period_end, r.period_start))
    newest = Period(ordered[-1].period_start, ordered[-1].period_end)
    same = [r.value for r in ordered if comparable(Period(r.period_start, r.period_end), newest)]
    # One value is no trend: an empty cell reads better than a flat line.
    return same[-SPARKLINE_POINTS:] if len(same) >= 2 else []


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


def _sort_key(order: Mapping[str, int]) -> Any:
    # Goals with a target first (what the catalogue committed to), binding ones before expected ones,
    # then the other indicators; each block grouped by domain (in the catalogue's order) with the worst
    # status first.
    def key(record: dict[str, Any]) -> tuple[bool, int, int, int, str]:
        domain = order.get(record["domain"], len(order))
        severity = SEVERITY.index(record["status"]) if record["status"] in SEVERITY else len(SEVERITY)
        return (record["target_id"] is None, nature_rank(record), domain, severity, record["indicator_id"])

    return key


def overview_rows(
    records: Iterable[dict[str, Any]],
    readings: Iterable[Reading],
    as_of: date,
    lang: str,
    trends: Mapping[str, list[float]] | None = None,
    profile: Profile | None = None,
) -> list[dict[str, Any]]:
    """One row per status record: goals with a target first (binding before expected), then by domain,
    worst status first.

    The sparkline of each goal comes from ``trends`` (indicator id -> values, as sparkline() gives
    them) when given, else from ``readings``. Domains are named and ordered as ``profile`` declares
    them (default: the default domains); an undeclared one is shown by its id, after the others.
    """
    profile = profile if profile is not None else Profile()
    order = {d.id: n for n, d in enumerate(profile.domains)}
    if trends is None:
        series: dict[str, list[Reading]] = defaultdict(list)
        for r in readings:
            if r.period_end <= as_of:
                series[r.indicator_id].append(r)
        trends = {ident: sparkline(rs) for ident, rs in series.items()}
    rows = []
    for record in sorted(records, key=_sort_key(order)):
        rows.append({
            "indicator_id": record["indicator_id"],
            "target_id": record["target_id"],
            "domain_code": record["domain"],
            "status_code": record["status"],
            "stale": bool(record["stale"]),
            "has_target": record["target_id"] is not None,
            "nature_code": record.get("target_nature"),
            "nature": nature_text(record, lang),
            "search": " ".join((record["indicator_id"], record["name_zh"], record["name_en"])).lower(),
            "domain": profile.domain_name(record["domain"], lang),
            "name": name(record, lang),
            "status": status_text(record["status"], lang),
            "latest": latest_text(record, lang),
            "target": target_text(record, lang),
            "progress": _percent(progress_fraction(record)),
            "trend": list(trends.get(record["indicator_id"], [])),
            "freshness": freshness_text(record, as_of, lang, days=False),
        })
    return rows


def status_counts(rows: Iterable[dict[str, Any]]) -> list[tuple[str, int]]:
    """(status, count) for the statuses present, in SEVERITY order."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["status_code"] if "status_code" in row else row["status"]] += 1
    return [(s, counts[s]) for s in SEVERITY if counts.get(s)]


def filter_rows(
    rows: Iterable[dict[str, Any]],
    *,
    domains: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    text: str | None = None,
    stale_only: bool = False,
    targets_only: bool = False,
    natures: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows matching every filter given: domain codes, status codes, words in either language,
    natures ("binding", "expected": goals without a target have none)."""
    words = (text or "").strip().lower().split()
    domain_set = set(domains or ())
    status_set = set(statuses or ())
    nature_set = set(natures or ())
    return [
        row for row in rows
        if (not domain_set or row["domain_code"] in domain_set)
        and (not status_set or row["status_code"] in status_set)
        and (not stale_only or row["stale"])
        and (not targets_only or row["has_target"])
        and (not nature_set or row.get("nature_code") in nature_set)
        and all(w in row["search"] for w in words)
    ]


def goal_records(
    store: Store, records: Iterable[dict[str, Any]], include_retired: bool = False, source: str | None = None
) -> list[dict[str, Any]]:
    """The status records to show: without the retired indicators' goals unless ``include_retired``;
    with ``source`` (a source document's id), only the goals whose target comes from that document
    (NotFound, listing the documents, for an unknown id)."""
    from monitor.present.catalog_edit import retired_ids, source_target_ids

    kept = list(records)
    if not include_retired:
        retired = retired_ids(store)
        kept = [r for r in kept if r["indicator_id"] not in retired]
    if source is not None:
        targets = source_target_ids(store, source)
        kept = [r for r in kept if r["target_id"] in targets]
    return kept


def load_overview(
    store: Store, as_of: date, lang: str, known_on: date | None = None, *, include_retired: bool = False,
    source: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The status records and the overview rows, in two reads of the store.

    The records are Detail.BRIEF (monitor.status): without the share of periods met, the trends and
    the projections, which the overview does not show, so every goal is computed set-wise; the
    sparklines are shaped in SQL too. Nothing here holds every reading in Python, so the overview stays
    cheap however long the series are. With ``known_on``, the store as it was known on that date
    (monitor.store.status_queries). The retired indicators and ``source`` as goal_records says.
    """
    records = [r.as_dict() for r in statuses(store, as_of, known_on=known_on, detail=Detail.BRIEF)]
    records = goal_records(store, records, include_retired, source)
    with store.read() as con:
        trends = status_queries.sparklines(con, as_of, SPARKLINE_POINTS, known_on)
    return records, overview_rows(records, (), as_of, lang, trends, read_profile(store))
