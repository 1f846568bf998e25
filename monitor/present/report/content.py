"""What a progress report says, as plain data: one builder, one structure, four writers.

``build_content(store, as_of, since, lang, domain=None, office=None)`` reads the status service
(``monitor.status.statuses``) at ``as_of`` and at ``since``, the readings recorded in between and the
catalogue's workspace, domains and offices, and returns a dict of plain values (str, int, float, date,
lists and dicts of them) that every writer (docx, html, pdf, xlsx beside this module) lays out the same
way. Every word in it is already in the reader's language (monitor.present.i18n MESSAGES, the wording
and chart_data modules); the writers add no words of their own and treat every string as plain text.

The structure:

- ``title``, ``organisation``, ``kind`` (the report's name), ``as_of``/``since`` (dates) and their
  lines ``as_of_text``, ``period_text``, ``filters_text`` ("" without --domain/--office);
- ``summary``: a table of the goals by status (one column per target nature, binding first, when the
  records carry a ``nature``; else one count), the statuses in the overview's order (worst first), and
  ``counts`` (status code -> number) equal to the status service's own;
- ``changes``: three tables over (since, as_of]: status changes (the status at ``since`` against the
  status at ``as_of``, both judged with today's knowledge), readings recorded in that span (new periods
  and revisions), and goals overdue at ``as_of`` that were not at ``since``;
- ``domains``: one section per domain (the catalogue's order, then any undeclared one), each goal with
  its status, latest value and period, target, the one-sentence evidence (wording.explanation), the
  responsible office, its nature and a chart spec (Vega-Lite, a small line of the comparable readings
  and the target's level, numbers only: no text in the image);
- ``annex``: the goals overdue at ``as_of``, grouped by responsible office, with their due dates;
- ``goals`` and ``readings``: the same goals and the readings as numbers in display units with real
  dates, for the spreadsheet.

Goals are ordered as the overview orders them (goals with a target first, by domain, worst status
first); within that, binding targets come before expected ones when the records say which.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor import clock
from monitor.files.catalog import read_profile
from monitor.model import Reading
from monitor.model.periods import Period, add_months, comparable, label
from monitor.present.chart_data import axis_scale
from monitor.present.filters import GoalFilter
from monitor.present.i18n import format_date, status_text, t
from monitor.present.overview import SEVERITY, overview_rows
from monitor.present.wording import explanation, latest_parts, latest_text, name, target_text, value_text
from monitor.present.workspace import subtitle, title
from monitor.status import Detail, statuses
from monitor.store import queries
from monitor.store.connection import Store

__all__ = ["CHART_POINTS", "DEFAULT_SINCE_MONTHS", "NATURES", "build_content", "default_since", "goal_changes", "goal_key"]

# Without --since, a report looks back this many months from its as-of date (docs/reports.md).
DEFAULT_SINCE_MONTHS = 3
# The target natures of the catalogue (docs/catalog.md), binding first: the order of the summary's columns.
NATURES: tuple[str, ...] = ("binding", "expected")
# A chart shows at most this many comparable readings (the newest).
CHART_POINTS = 24


def default_since(as_of: date) -> date:
    """The start of the span a report covers when none is given: DEFAULT_SINCE_MONTHS before ``as_of``."""
    return add_months(as_of, -DEFAULT_SINCE_MONTHS)


def goal_key(record: dict[str, Any]) -> str:
    """One goal's key: its indicator and target ("indicator/target", or the indicator alone)."""
    return f"{record['indicator_id']}/{record['target_id'] or ''}"


def nature(record: dict[str, Any]) -> str | None:
    """The target's nature (binding | expected) when the record carries one, else None."""
    for field in ("target_nature", "nature"):
        value = record.get(field)
        if value in NATURES:
            return str(value)
    return None


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _comparable_series(readings: list[Reading]) -> list[Reading]:
    """The readings comparable with the newest one, oldest first (as the overview's sparkline)."""
    if not readings:
        return []
    ordered = sorted(readings, key=lambda r: (r.period_end, r.period_start))
    newest = Period(ordered[-1].period_start, ordered[-1].period_end)
    return [r for r in ordered if comparable(Period(r.period_start, r.period_end), newest)][-CHART_POINTS:]


# At most this many labelled years on a chart's time axis (a chart is 230 pixels wide).
CHART_YEAR_TICKS = 6
CHART_MARGIN_DAYS = 40


def _utc_ms(day: date) -> int:
    """A date as Vega-Lite's UTC time stamp (milliseconds), the unit of the axis's tick values."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def year_end_ticks(first: date, last: date) -> tuple[list[int], tuple[int, int]]:
    """The time axis of a report chart: ticks at year ends (31 December), each labelled with its year, so a
    reading for the year 2025 (ending 2025-12-31) sits on the "2025" tick, not under "2026"; and the axis's
    domain, from the year end before ``first``'s year to the year end of ``last``, each widened by
    CHART_MARGIN_DAYS so that a point on the first or last tick is not cut at the edge. Every ``step``-th
    year is labelled when there are more than CHART_YEAR_TICKS, the newest always."""
    start, stop = date(first.year - 1, 12, 31), date(last.year, 12, 31)
    years = list(range(start.year, stop.year + 1))
    step = -(-len(years) // CHART_YEAR_TICKS)
    ticks = [_utc_ms(date(y, 12, 31)) for y in years[::-1][::step]][::-1]
    margin = timedelta(days=CHART_MARGIN_DAYS)
    return ticks, (_utc_ms(start - margin), _utc_ms(stop + margin))


def target_band(record: dict[str, Any]) -> tuple[float, float] | None:
    """(low, high) of a range or "about" target (base units), from its summary evidence; None otherwise."""
    form = (record.get("evidence") or {}).get("form") or {}
    low, high = form.get("low"), form.get("high")
    if low is None or high is None:
        return None
    return float(low), float(high)


def chart_spec(record: dict[str, Any], series: list[Reading], factor: float, lang: str = "zh") -> dict[str, Any] | None:
    """A small Vega-Lite chart of one goal: the comparable readings as a line, the target as a dashed
    level (a range or "about" target as its band between two dashed bounds). Numbers and years only (no
    words: the image needs no font for either language). Each reading sits at the end of its period on a
    UTC time axis whose ticks are year ends (year_end_ticks); the value axis shows plain numbers in the
    display unit (0.5 as "0.5", never an SI "500m"). None when there is nothing to draw."""
    band = target_band(record)
    points = [{"date": _utc_ms(r.period_end), "value": r.value / factor} for r in series]
    # One reading and no target to compare it with is no picture.
    if not points or (len(points) < 2 and record["target_value"] is None and band is None):
        return None
    ticks, domain = year_end_ticks(series[0].period_end, series[-1].period_end)
    # Thousands separated in English (12,560); Chinese writes 4500 (monitor.present.wording.value_text).
    number = ",~r" if lang == "en" else "~r"
    layers: list[dict[str, Any]] = []
    if band is not None:
        low, high = band[0] / factor, band[1] / factor
        layers.append({
            "data": {"values": [{"low": low, "high": high}]},
            "mark": {"type": "rect", "color": "#c00000", "opacity": 0.08},
            "encoding": {"y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}},
        })
        levels = [low, high]
    else:
        levels = [] if record["target_value"] is None else [record["target_value"] / factor]
    layers.append({
        "data": {"values": points},
        "mark": {"type": "line", "point": {"size": 28, "filled": True}, "color": "#1f4e79", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "date", "type": "temporal", "scale": {"type": "utc", "domain": list(domain)},
                  "axis": {"title": None, "format": "%Y", "grid": False, "values": ticks}},
            "y": {"field": "value", "type": "quantitative", "scale": {"zero": False},
                  "axis": {"title": None, "tickCount": 4, "format": number}},
        },
    })
    if levels:
        layers.append({
            "data": {"values": [{"value": v} for v in levels]},
            "mark": {"type": "rule", "color": "#c00000", "strokeDash": [5, 3], "strokeWidth": 1.5},
            "encoding": {"y": {"field": "value", "type": "quantitative"}},
        })
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 230, "height": 90, "background": "white",
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 10}},
        "layer": layers,
    }


def _table(columns: list[str], rows: list[list[str]], empty: str, widths: list[float]) -> dict[str, Any]:
    """A table of plain text; ``widths``: the columns' relative widths, for the writers that set them."""
    return {"columns": columns, "rows": rows, "empty": empty, "widths": widths}


def build_content(
    store: Store,
    as_of: date,
    since: date,
    lang: str,
    domain: str | Sequence[str] | None = None,
    office: str | None = None,
    filters: GoalFilter | None = None,
) -> dict[str, Any]:
    """The report's content (see the module docstring). ``domain`` (one domain id, or several) and
    ``office`` keep only the goals of those domains and of indicators that office is responsible for;
    ``filters``, the overview's own (monitor.present.filters), keep the goals the overview shows with
    them — its domains, statuses, words, overdue and target toggles, natures, source document, retired
    indicators (left out unless included) and "as known on" (the store as it was known that day)."""
    filters = filters if filters is not None else GoalFilter()
    profile = read_profile(store)
    chosen = [domain] if isinstance(domain, str) else list(domain or ())
    chosen = list(dict.fromkeys(chosen + list(filters.domains)))
    single = chosen[0] if len(chosen) == 1 else None
    known_on = filters.known_on
    with store.read() as con:
        indicators = {i.id: i for i in queries.list_indicators(con, single) if not chosen or i.domain in chosen}
        every_reading = queries.list_readings(con, history=True)
        # With review on, values entered but not approved count for nothing: the summary says how many wait.
        pending = queries.pending_count(con)
    if known_on is not None:
        # Readings recorded after the day it was known on (in the workspace's zone) are not part of that store.
        end = clock.day_end_utc(known_on)
        every_reading = [x for x in every_reading if x.recorded_at is None or x.recorded_at <= end]

    def office_of(indicator_id: str) -> str:
        found = indicators.get(indicator_id)
        return (found.responsible or "") if found is not None else ""

    def kept(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # The overview's catalogue filters (retired indicators, source document), then domain and office.
        return [r for r in filters.records(store, records)
                if r["indicator_id"] in indicators and (office is None or office_of(r["indicator_id"]) == office)]

    now = kept([r.as_dict() for r in statuses(store, as_of, domain=single, known_on=known_on, detail=Detail.SUMMARY)])
    # The overview's row filters (statuses, words, overdue, targets, natures) on the goals as they are now.
    shown = {goal_key(r) for r in filters.rows(overview_rows(now, (), as_of, lang, {}, profile))}
    now = [r for r in now if goal_key(r) in shown]
    then = {goal_key(r): r for r in kept([r.as_dict() for r in statuses(store, since, domain=single, known_on=known_on,
                                                                         detail=Detail.BRIEF)])}
    wanted = {r["indicator_id"] for r in now}

    # Readings known at as_of (latest revision of each period ending by then), per indicator.
    latest_revision: dict[tuple[str, date, date], Reading] = {}
    for x in every_reading:
        if x.indicator_id in wanted and x.period_end <= as_of:
            latest_revision[(x.indicator_id, x.period_start, x.period_end)] = x  # revisions come in order
    per_indicator: dict[str, list[Reading]] = defaultdict(list)
    for x in latest_revision.values():
        if not x.withdrawn:  # a withdrawn period has no reading in force (monitor.services.withdraw)
            per_indicator[x.indicator_id].append(x)

    # The overview's order, then binding before expected (a stable sort keeps the rest of that order).
    order = {goal_key(r): n for n, r in enumerate(overview_rows(now, (), as_of, lang, {}, profile))}
    natures = {goal_key(r): nature(r) for r in now}
    has_nature = any(natures.values())
    now.sort(key=lambda r: (order.get(goal_key(r), len(order)),))
    if has_nature:
        now.sort(key=lambda r: (r["target_id"] is None, NATURES.index(natures[goal_key(r)] or "expected")))

    goals: list[dict[str, Any]] = []
    for r in now:
        series = _comparable_series(per_indicator.get(r["indicator_id"], []))
        values = [x.value for x in series] + [v for v in (r["target_value"], r["latest_value"]) if v is not None]
        factor, unit_shown = axis_scale(r, values, lang)
        figure, period = latest_parts(r, lang)
        goal_nature = natures[goal_key(r)]
        goals.append({
            "key": goal_key(r),
            "indicator_id": r["indicator_id"],
            "target_id": r["target_id"],
            "name": name(r, lang),
            "domain_code": r["domain"],
            "domain": profile.domain_name(r["domain"], lang),
            "status_code": r["status"],
            "status": status_text(r["status"], lang, icon=False),
            "latest": figure,
            "period": period,
            "latest_line": latest_text(r, lang),
            "status_line": (t("report.with_nature", lang, status=status_text(r["status"], lang, icon=False),
                              nature=t(f"nature.{goal_nature}", lang))
                            if goal_nature else status_text(r["status"], lang, icon=False)),
            "target": target_text(r, lang),
            "evidence": explanation(r, lang),
            "office": office_of(r["indicator_id"]) or t("report.no_office", lang),
            "nature_code": goal_nature,
            "nature": t(f"nature.{goal_nature}", lang) if goal_nature else "",
            "stale": bool(r["stale"]),
            "next_due": _day(r["next_due"]),
            "days_overdue": int(r["days_overdue"] or 0),
            # Numbers for the spreadsheet, in the unit the chart's axis uses (the display unit in Chinese).
            "unit_shown": unit_shown,
            "latest_value": None if r["latest_value"] is None else r["latest_value"] / factor,
            "target_value": None if r["target_value"] is None else r["target_value"] / factor,
            "period_start": _day(r["latest_period_start"]),
            "period_end": _day(r["latest_period_end"]),
            "deadline": _day(r["target_deadline"]),
            "factor": factor,
            "chart": chart_spec(r, series, factor, lang),
        })

    return {
        "lang": lang,
        "as_of": as_of,
        "since": since,
        "title": title(profile, lang),
        "organisation": subtitle(profile, lang),
        "kind": t("report.kind", lang),
        "as_of_text": t("report.as_of", lang, day=format_date(as_of, lang)),
        "period_text": t("report.period", lang, since=format_date(since, lang), as_of=format_date(as_of, lang)),
        "filters_text": _filters_text([profile.domain_name(d, lang) for d in chosen], office, lang, filters, profile),
        "colon": t("punct.colon", lang),
        "labels": {k: t(f"report.label.{k}", lang) for k in (
            "status", "latest", "period", "target", "evidence", "office", "nature", "chart_note")},
        "summary": _summary(now, natures if has_nature else None, lang, pending),
        "changes": _changes(now, then, indicators, every_reading, wanted, since, as_of, lang, profile),
        "domains": _domains(goals, profile, lang),
        "annex": _annex(goals, lang),
        "goals": goals,
        "readings": _readings(every_reading, wanted, indicators, goals, since, as_of, lang),
        "sheet": {k: t(f"report.sheet.{k}", lang) for k in ("status", "readings")},
        "columns": {k: t(f"report.col.{k}", lang) for k in (
            "domain", "indicator_id", "name", "status", "nature", "latest", "unit", "period_start", "period_end",
            "target", "target_stated", "deadline", "evidence", "office", "next_due", "days_overdue", "value", "qualifier",
            "revision", "source", "recorded_at", "new")},
    }


def _filters_text(domain_names: list[str], office: str | None, lang: str, filters: GoalFilter | None = None,
                  profile: Any = None) -> str:
    """The filters the report was made with, in words ("" without any)."""
    comma = "、" if lang == "zh" else ", "
    parts = []
    if domain_names:
        parts.append(t("report.filter_domain", lang, domain=comma.join(domain_names)))
    if office:
        parts.append(t("report.filter_office", lang, office=office))
    if filters is not None:
        if filters.source is not None:
            titles = {x.id: x.title_in(lang) for x in profile.sources} if profile is not None else {}
            parts.append(t("report.filter_document", lang, document=titles.get(filters.source, filters.source)))
        if filters.natures:
            parts.append(t("report.filter_nature", lang, nature=comma.join(t(f"nature.{n}", lang) for n in filters.natures)))
        if filters.statuses:
            parts.append(t("report.filter_status", lang,
                           status=comma.join(status_text(x, lang, icon=False) for x in filters.statuses)))
        if filters.text.strip():
            parts.append(t("report.filter_text", lang, text=filters.text.strip()))
        if filters.stale_only:
            parts.append(t("overview.stale_only", lang))
        if filters.targets_only:
            parts.append(t("overview.targets_only", lang))
        if filters.include_retired:
            parts.append(t("overview.include_retired", lang))
        if filters.known_on is not None:
            parts.append(t("report.filter_known_on", lang, day=format_date(filters.known_on, lang)))
    return ("；" if lang == "zh" else "; ").join(parts)


def _summary(records: list[dict[str, Any]], natures: dict[str, str | None] | None, lang: str,
             pending: int = 0) -> dict[str, Any]:
    counts = Counter(r["status"] for r in records)
    present = [s for s in SEVERITY if counts.get(s)] + sorted(s for s in counts if s not in SEVERITY)
    columns = [t("report.col.status", lang)]
    if natures is not None:
        columns += [t(f"nature.{n}", lang) for n in NATURES]
    columns.append(t("report.total", lang))
    rows = []
    for s in present:
        row = [status_text(s, lang, icon=False)]
        if natures is not None:
            row += [str(sum(1 for r in records if r["status"] == s and natures[goal_key(r)] == n)) for n in NATURES]
        rows.append([*row, str(counts[s])])
    total = [t("report.total", lang)]
    if natures is not None:
        total += [str(sum(1 for r in records if natures[goal_key(r)] == n)) for n in NATURES]
    rows.append([*total, str(len(records))])
    with_target = sum(1 for r in records if r["target_id"] is not None)
    intro = t("report.summary_intro", lang, goals=with_target, tracked=len(records) - with_target,
              stale=sum(1 for r in records if r["stale"]))
    if pending:
        intro = f"{intro} {t('review.pending_note', lang, n=pending)}"
    return {
        "heading": t("report.h.summary", lang),
        "intro": intro,
        "table": _table(columns, rows, t("report.none", lang), [3.0] + [1.0] * (len(columns) - 1)),
        "codes": present,
        "counts": dict(counts),
    }


def goal_changes(now: list[dict[str, Any]], then: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What changed for each goal of ``now`` (status records at the later date) against ``then`` (the
    records at the earlier date, by goal_key), keyed by goal_key: ``before``/``after`` (status codes;
    ``before`` None when the goal was not tracked then), ``status_changed``, ``value_changed`` (another
    latest value or period), ``newly_overdue`` (stale now, not then) and ``before_record``.

    The one comparison of two dates: the report's "what changed" section and the overview's change
    column (monitor.present.overview.with_changes) both read it."""
    out: dict[str, dict[str, Any]] = {}
    for r in now:
        before = then.get(goal_key(r))
        old = before["status"] if before is not None else None
        value_changed = before is not None and (
            (before["latest_value"], before["latest_period_end"]) != (r["latest_value"], r["latest_period_end"]))
        out[goal_key(r)] = {
            "before": old,
            "after": r["status"],
            "status_changed": old != r["status"],
            "value_changed": bool(value_changed),
            "newly_overdue": bool(r["stale"]) and not (before is not None and before["stale"]),
            "before_record": before,
        }
    return out


def _changes(
    now: list[dict[str, Any]], then: dict[str, dict[str, Any]], indicators: dict[str, Any],
    every_reading: list[Reading], wanted: set[str], since: date, as_of: date, lang: str, profile: Any,
) -> dict[str, Any]:
    changed, overdue = [], []
    found = goal_changes(now, then)
    for r in now:
        change = found[goal_key(r)]
        old = change["before"]
        if change["status_changed"]:
            changed.append([name(r, lang), profile.domain_name(r["domain"], lang),
                            status_text(old, lang, icon=False) if old else t("report.not_tracked", lang),
                            status_text(r["status"], lang, icon=False)])
        if change["newly_overdue"]:
            due = _day(r["next_due"])
            overdue.append([name(r, lang), (indicators[r["indicator_id"]].responsible or t("report.no_office", lang)),
                            format_date(due, lang) if due else "—", str(r["days_overdue"])])
    recorded = []
    # days in the workspace's zone (monitor.clock); recorded_at is stored UTC
    start, end = clock.day_end_utc(since), clock.day_end_utc(as_of)
    for x in every_reading:
        if x.indicator_id in wanted and x.recorded_at is not None and start < x.recorded_at <= end:
            recorded.append(x)
    recorded.sort(key=lambda x: (x.recorded_at, x.indicator_id, x.period_end))
    new_rows = []
    for x in recorded:
        ind = indicators[x.indicator_id]
        figure = value_text(x.value, ind.unit, lang, x.qualifier.value, ind.name_en)
        new_rows.append([ind.name_zh if lang == "zh" else ind.name_en, label(Period(x.period_start, x.period_end), lang),
                         figure, t("report.withdrawn", lang) if x.withdrawn
                         else t("report.revised", lang) if x.revision > 1 else t("report.new_reading", lang),
                         format_date(clock.local(x.recorded_at).date(), lang) if x.recorded_at else ""])  # type: ignore[union-attr]
    return {
        "heading": t("report.h.changes", lang),
        "intro": t("report.changes_intro", lang, since=format_date(since, lang), as_of=format_date(as_of, lang)),
        "parts": [
            {"heading": t("report.h.status_changes", lang), "table": _table(
                [t("report.col.name", lang), t("report.col.domain", lang), t("report.col.before", lang),
                 t("report.col.after", lang)], changed, t("report.none", lang), [4, 2, 2, 2])},
            {"heading": t("report.h.new_readings", lang), "table": _table(
                [t("report.col.name", lang), t("report.col.period", lang), t("report.col.value", lang),
                 t("report.col.kind", lang), t("report.col.recorded_at", lang)], new_rows, t("report.none", lang),
                [4, 3, 2, 1, 2.4])},
            {"heading": t("report.h.newly_overdue", lang), "table": _table(
                [t("report.col.name", lang), t("report.col.office", lang), t("report.col.next_due", lang),
                 t("report.col.days_overdue", lang)], overdue, t("report.none", lang), [4, 3, 2, 1.2])},
        ],
    }


def _domains(goals: list[dict[str, Any]], profile: Any, lang: str) -> dict[str, Any]:
    declared = [d.id for d in profile.domains]
    present = list(dict.fromkeys([d for d in declared if any(g["domain_code"] == d for g in goals)]
                                 + [g["domain_code"] for g in goals]))
    sections = []
    for n, code in enumerate(present, start=1):
        sections.append({
            "id": code,
            "name": profile.domain_name(code, lang),
            "heading": t("report.h.domain", lang, n=n, name=profile.domain_name(code, lang)),
            "goals": [g for g in goals if g["domain_code"] == code],
        })
    return {"heading": t("report.h.domains", lang), "sections": sections}


def _annex(goals: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    by_office: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in goals:
        if g["stale"]:
            by_office[g["office"]].append(g)
    rows = []
    no_office = t("report.no_office", lang)
    # Named offices first (in the order of their names), then the goals no office is named for.
    for office in sorted(by_office, key=lambda o: (o == no_office, o)):
        for g in sorted(by_office[office], key=lambda g: (g["next_due"] or date.max, g["name"])):
            rows.append([office, g["name"], format_date(g["next_due"], lang) if g["next_due"] else "—",
                         str(g["days_overdue"])])
    return {
        "heading": t("report.h.annex", lang),
        "table": _table([t("report.col.office", lang), t("report.col.name", lang), t("report.col.next_due", lang),
                         t("report.col.days_overdue", lang)], rows, t("report.none", lang), [3, 4, 2, 1.2]),
        "offices": sorted(by_office, key=lambda o: (o == no_office, o)),
    }


def _readings(
    every_reading: list[Reading], wanted: set[str], indicators: dict[str, Any], goals: list[dict[str, Any]],
    since: date, as_of: date, lang: str,
) -> list[dict[str, Any]]:
    """Every revision recorded of the report's indicators for periods ending by ``as_of``, in the unit
    of their goals' rows (one factor per indicator), newest recorded first."""
    factors = {g["indicator_id"]: (g["factor"], g["unit_shown"]) for g in goals}
    start = clock.day_end_utc(since)  # after ``since`` in the workspace's zone; recorded_at is UTC
    rows = []
    for x in every_reading:
        if x.indicator_id not in wanted or x.period_end > as_of:
            continue
        ind = indicators[x.indicator_id]
        factor, unit = factors.get(x.indicator_id, (1.0, ind.unit))
        rows.append({
            "indicator_id": x.indicator_id,
            "name": ind.name_zh if lang == "zh" else ind.name_en,
            "period_start": x.period_start,
            "period_end": x.period_end,
            "value": x.value / factor,
            "unit": unit,
            # a withdrawal (its value: the one withdrawn) says so where the qualifier goes, with why
            "qualifier": t("report.withdrawn_because", lang, reason=x.withdrawn_reason or "") if x.withdrawn
            else t(f"qualifier.{x.qualifier.value}", lang),
            "revision": x.revision,
            "source": x.source or "",
            "recorded_at": x.recorded_at,
            "new": x.recorded_at is not None and x.recorded_at > start,
        })
    rows.sort(key=lambda row: (row["indicator_id"], row["period_end"], row["period_start"], row["revision"]))
    return rows
