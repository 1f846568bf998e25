"""The overview table's rows: status records shaped for people, with filters. No Streamlit here.

The dashboard shows every goal in one table, so everything a row needs (words in the reader's
language, the progress fraction, the sparkline series) is computed once per (database, as-of date,
language) and cached by the page; filtering is a cheap pass over these rows on every rerun.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from monitor.files.catalog import read_profile
from monitor.model import Profile, Reading
from monitor.model.periods import Period, comparable
from monitor.present.i18n import format_date, freshness, status_text, t
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
    "BASELINE_FORMS",
    "percent_text",
    "progress_fraction",
    "share_of_target",
    "sparkline",
    "period_ends",
    "first_recorded",
    "due_text",
    "with_changes",
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
    """The baseline-relative measure, 0..1: the share of the way from the baseline to the target covered
    by the newest reading (1 once achieved); None when there is no baseline to measure from.

    It matters for the goals judged from a baseline (reach, change): 2.3万 racks against a baseline of
    2.3万 is 0% of the way, though 46% of the target (``share_of_target``). Threshold targets keep their
    old meaning here (1 when met, else how close the latest value is to the line) for the goal page.
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


# The forms judged from a baseline: beside their share of the target the overview shows how far along the
# way from the baseline they are (progress_fraction), since the two can differ widely.
BASELINE_FORMS = ("reach", "change")


def _ratio_to(value: float, goal: float, upward: bool) -> float | None:
    """How much of ``goal`` a ``value`` reaches: value/goal for a floor, goal/value for a ceiling (the
    closer to the line from above, the nearer 1); None for zero or negative numbers, where a ratio
    means nothing (a growth rate of −2% is not "−40% of 5%")."""
    if upward:
        return value / goal if goal > 0 and value >= 0 else None
    return goal / value if value > 0 and goal >= 0 else None


def _level_known(record: dict[str, Any]) -> bool:
    """Whether the record's latest value can be set against its target: the reading the status rests on;
    for a goal measured from a baseline also the baseline reading itself (the racks' only figure, 2.3万
    at the baseline date, is 46% of 5万 though no pace can be judged yet) or any reading of a stock."""
    if record.get("latest_used", True):
        return True
    if record["target_kind"] not in BASELINE_FORMS:
        return False
    measure = (record.get("evidence") or {}).get("measure")
    at_baseline = record.get("baseline_date") is not None and record.get("latest_period_end") == record["baseline_date"]
    return at_baseline or measure == "stock"


def share_of_target(record: dict[str, Any]) -> float | None:
    """The share of the target reached, 0..1 (1 when the status says it is reached or met); None where
    the share means nothing. Per form (monitor/status/forms.py, docs/methodology.md section 9):

    - reach, change (the change resolved to a value: the record's ``target_value``), threshold and path
      (the point in force, also ``target_value``): a floor (>=, >) latest / target ("2.3万 of 5万 is
      46%"); a ceiling (<=, <) target / latest (110 against at most 100 is 91%);
    - range and about: inside the band 1; below it latest / low, above it high / latest;
    - average growth: the observed average annual growth over the stated rate (a bound on growth,
      "at most 3% a year": stated / observed), from the evidence's ``average_growth``;
    - no target, or numbers of which a ratio means nothing (zero or negative: growth rates, balances):
      None.

    Never above 1, and below 1 whenever the goal is not reached: the overview prints it rounded down.
    """
    status = record["status"]
    if record.get("target_kind") is None or status == "no_target":
        return None
    if status in ("achieved", "met"):
        return 1.0
    kind = record["target_kind"]
    comparator = record.get("target_comparator") or ">="
    upward = comparator in (">=", ">")
    latest = record["latest_value"]
    evidence = record.get("evidence") or {}
    share: float | None
    if kind == "average_growth":
        growth = evidence.get("average_growth") or {}
        observed, rate = growth.get("observed"), growth.get("rate")
        if observed is None or rate is None:
            return None
        share = _ratio_to(float(observed), float(rate), upward)
    elif latest is None or not _level_known(record):
        return None
    elif kind in ("range", "about"):
        form = evidence.get("form") or {}
        low, high = form.get("low"), form.get("high")
        if low is None or high is None:
            return None
        if float(low) <= latest <= float(high):
            share = 1.0
        elif latest < float(low):
            share = _ratio_to(latest, float(low), True)
        else:
            share = _ratio_to(latest, float(high), False)
    else:  # reach, change, threshold, path
        target = record["target_value"]
        if target is None:
            return None
        share = _ratio_to(latest, float(target), upward)
    if share is None:
        return None
    return min(max(share, 0.0), 1.0)


def percent_text(share: float | None) -> str:
    """A share as the overview prints it: rounded down to a whole percent, so a goal not reached never
    shows 100% (91.7 of 93 is 98%, not 99%); "—" for None."""
    if share is None:
        return "—"
    return f"{math.floor(share * 100 + 1e-9)}%"


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
        share = share_of_target(record)
        from_baseline = progress_fraction(record) if record["target_kind"] in BASELINE_FORMS else None
        if record["status"] in ("achieved", "met"):
            from_baseline = None  # reached: the share says it all
        provisional = bool(record.get("provisional")) and record["target_id"] is not None
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
            "status": status_text(record["status"], lang) + (t("overview.provisional_mark", lang) if provisional else ""),
            "provisional": provisional,
            "latest": latest_text(record, lang),
            "target": target_text(record, lang),
            "progress": _percent(share),
            "progress_text": percent_text(share) if share is not None else "",
            "from_baseline": (t("overview.from_baseline", lang, pct=percent_text(from_baseline))
                              if from_baseline is not None else ""),
            "trend": list(trends.get(record["indicator_id"], [])),
            "freshness": freshness_text(record, as_of, lang, days=False),
            "updated": freshness(_iso_day(record["last_period_end"]), as_of, lang),
            "due": due_text(record, lang),
            "change": "",
        })
    return rows


def _iso_day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def due_text(record: dict[str, Any], lang: str) -> str:
    """Why a goal is or is not overdue, in place: "⏰ 逾期 431 天：截至 2025年6月30日 一期之后的数据应于
    2025年9月29日 前发布", else when the next figure is due; on a second line the rule behind the date
    (the frequency and the publication lag); "" without any reading (nothing is due before a series
    starts: monitor.status.progress.staleness)."""
    last, due = _iso_day(record["last_period_end"]), _iso_day(record["next_due"])
    if last is None:
        return ""
    if due is None:
        return t("overview.due_irregular", lang)
    if record["stale"]:
        text = t("overview.due_overdue", lang, days=record["days_overdue"], last=format_date(last, lang),
                 due=format_date(due, lang))
    else:
        text = t("overview.due_next", lang, due=format_date(due, lang))
    # The rule behind the due date, from the staleness evidence (frequency and publication lag).
    rule = (record.get("evidence") or {}).get("staleness") or {}
    frequency, lag = rule.get("frequency"), rule.get("publication_lag_days")
    if frequency and lag is not None:
        words = t(f"frequency.{frequency}", lang)
        text += "\n" + t("overview.due_rule", lang, frequency=words if lang == "zh" else words.lower(), lag=lag)
    return text


# A status change is "better" or "worse" by the overview's order of severity; a change to or from insufficient
# data or no target is a change, not a judgement.
_UNJUDGED = ("insufficient_data", "no_target")


def _direction(before: str, after: str) -> int:
    """1 better, -1 worse, 0 neither (see _UNJUDGED)."""
    if before in _UNJUDGED or after in _UNJUDGED or before not in SEVERITY or after not in SEVERITY:
        return 0
    old, new = SEVERITY.index(before), SEVERITY.index(after)
    return (new > old) - (new < old)


def with_changes(
    rows: list[dict[str, Any]], now: Iterable[dict[str, Any]], then: Iterable[dict[str, Any]], lang: str
) -> dict[str, int]:
    """Fill each row's "change" (a status arrow and the value's change) from the records at the shown date
    (``now``) and at an earlier one (``then``), through the report's comparison
    (monitor.present.report.content.goal_changes); returns the counts better / worse / other / values."""
    from monitor.present.report.content import goal_changes, goal_key

    found = goal_changes(list(now), {goal_key(r): r for r in then})
    counts = {"better": 0, "worse": 0, "other": 0, "values": 0}
    for row in rows:
        change = found.get(f"{row['indicator_id']}/{row['target_id'] or ''}")
        if change is None:
            continue
        before, after = change["before"], change["after"]
        parts: list[str] = []
        if before is None:
            parts.append(t("overview.change_new", lang, after=status_text(after, lang)))
            counts["other"] += 1
        elif change["status_changed"]:
            way = _direction(before, after)
            key = {1: "better", -1: "worse", 0: "other"}[way]
            counts[key] += 1
            parts.append(t(f"overview.change_{key}", lang, before=status_text(before, lang),
                           after=status_text(after, lang)))
        else:
            parts.append(t("overview.change_same", lang))
        if change["value_changed"] and change["before_record"] is not None:
            counts["values"] += 1
            old = change["before_record"]
            old_text = latest_text(old, lang) if old["latest_value"] is not None else "—"
            parts.append(t("overview.change_value", lang, before=old_text, after=row["latest"]))
        if change["newly_overdue"]:
            parts.append(t("overview.change_overdue", lang))
        row["change"] = "\n".join(parts)
    return counts


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
    store: Store, records: Iterable[dict[str, Any]], include_retired: bool = False, source: str | None = None,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    """The status records to show: without the goals of indicators retired by ``as_of`` (the records'
    day; None: retired at all) unless ``include_retired`` (a status of an earlier day keeps a goal
    retired since); with ``source``
    (a source document's id), only the goals whose target comes from that document (NotFound, listing
    the documents, for an unknown id)."""
    from monitor.present.catalog_edit import retired_ids, source_target_ids

    kept = list(records)
    if not include_retired:
        retired = retired_ids(store, as_of)
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
    records = goal_records(store, records, include_retired, source, as_of)
    with store.read() as con:
        trends = status_queries.sparklines(con, as_of, SPARKLINE_POINTS, known_on)
    return records, overview_rows(records, (), as_of, lang, trends, read_profile(store))


def period_ends(today: date, years: int = 3) -> list[tuple[date, str]]:
    """The days a status can be asked for besides today, newest first: the month ends of the last twelve
    months, and the quarter, half-year and year ends of the last ``years`` years; each with its kind
    ("month", "quarter", "half", "year": the longest period it closes)."""
    out: dict[date, str] = {}
    year, month = today.year, today.month
    for back in range(12 * years + 1):
        m = month - back
        y = year + (m - 1) // 12
        m = (m - 1) % 12 + 1
        first_next = date(y + (m == 12), m % 12 + 1, 1)
        end = date.fromordinal(first_next.toordinal() - 1)
        if end >= today:
            continue
        kind = "year" if m == 12 else "half" if m == 6 else "quarter" if m % 3 == 0 else "month"
        if kind == "month" and back > 12:
            continue
        out[end] = kind
    return sorted(out.items(), reverse=True)


def first_recorded(store: Store) -> date | None:
    """The day (in the workspace's zone, as "known on" dates are) the store's first reading was recorded;
    None while it holds none."""
    from monitor import clock
    from monitor.store import queries

    with store.read() as con:
        days = [r.recorded_at for r in queries.list_readings(con, history=True) if r.recorded_at is not None]
    first = clock.local(min(days)) if days else None
    return first.date() if first is not None else None
