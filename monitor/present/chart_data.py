"""What the goal detail page shows, as plain data: chart series, evidence rows and reading tables.

No Streamlit and no Altair here: the page turns these lists of dicts into a chart and tables. All
values on the chart are divided by one axis factor so that the axis reads "万架" in Chinese or
"million visits" in English; the tooltips carry the figures already formatted for the language.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from monitor import clock
from monitor.model import Reading
from monitor.model.periods import Period, label
from monitor.model.units import normalize_unit, split_unit
from monitor.present.i18n import MESSAGES, format_date, format_quantity, t, unit_label
from monitor.present.wording import target_text, value_text
from monitor.status import Detail, statuses
from monitor.store import queries
from monitor.store.connection import Store

__all__ = [
    "PATH_SAMPLES",
    "axis_scale",
    "chart_data",
    "evidence_rows",
    "goal_detail",
    "reading_table",
    "required_path",
]

PATH_SAMPLES = 25
_EN_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _d(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def axis_scale(record: dict[str, Any], values: list[float], lang: str) -> tuple[float, str]:
    """(factor, unit title) for the value axis: zh uses the display unit ("万架"), en a word scale."""
    unit, display = record["unit"], record["display_unit"] or record["unit"]
    if lang == "zh":
        factor, _ = split_unit(display)
        if normalize_unit(display) == normalize_unit(unit):
            factor = 1.0
        return factor, display
    word = unit_label(unit, "en", record.get("name_en"))
    if normalize_unit(unit) == "元":
        word = "yuan (CN¥)"
    if normalize_unit(unit) in ("%", "百分点"):
        return 1.0, word
    peak = max((abs(v) for v in values), default=0.0)
    for factor, scale in _EN_SCALES:
        if peak >= factor:
            return factor, f"{scale} {word}".strip()
    return 1.0, word


def required_path(y0: float, t0: date, y_target: float, deadline: date, method: str) -> list[tuple[date, float]]:
    """The path the target implies from the baseline: constant growth rate (cagr) or constant change."""
    if deadline <= t0:
        return []
    if method == "cagr" and (y0 <= 0 or y_target <= 0):
        method = "linear"
    span = (deadline - t0).days
    points = []
    for k in range(PATH_SAMPLES):
        day = t0 + timedelta(days=round(span * k / (PATH_SAMPLES - 1)))
        share = (day - t0).days / span
        value = y0 * (y_target / y0) ** share if method == "cagr" else y0 + (y_target - y0) * share
        points.append((day, value))
    return points


def _curve(y_start: float, t_start: date, y_end: float, t_end: date, exponential: bool) -> list[tuple[date, float]]:
    if exponential and (y_start <= 0 or y_end <= 0):
        exponential = False
    return required_path(y_start, t_start, y_end, t_end, "cagr" if exponential else "linear")


def chart_data(record: dict[str, Any], readings: list[Reading], lang: str) -> dict[str, Any]:
    """Series for the detail chart of one goal (one target), values divided by the axis factor.

    Keys: points, segments (period readings from start to end), baseline, target (a level, with
    the deadline), window (stretch..deadline band), required (path from baseline to target),
    projection (from the latest comparable reading to the deadline, with low/high), y_title.
    """
    name_en = record.get("name_en")
    unit = record["unit"]
    ev = record["evidence"]
    values = [r.value for r in readings]
    for key in ("baseline_value", "target_value", "projected_value_at_deadline", "projected_high"):
        if record.get(key) is not None:
            values.append(record[key])
    factor, unit_title = axis_scale(record, values, lang)
    y_title = t("axis.value", lang, unit=unit_title) if unit_title else t("axis.value_plain", lang)

    def shown(v: float, qualifier: str | None = None) -> str:
        return value_text(v, unit, lang, qualifier, name_en)

    points, segments = [], []
    for r in sorted(readings, key=lambda r: (r.period_end, r.period_start)):
        period = Period(r.period_start, r.period_end)
        row = {
            "value": r.value / factor,
            "period": label(period, lang),
            "value_text": shown(r.value, r.qualifier.value),
        }
        if period.is_point:
            points.append({
                **row, "date": r.period_end.isoformat(),
                "series": t("series.reading_point", lang), "key": "series.reading_point",
            })
        else:
            segments.append({
                **row,
                "start": r.period_start.isoformat(),
                # The segment covers the last day too: it ends where the next day begins.
                "end": (r.period_end + timedelta(days=1)).isoformat(),
                "series": t("series.reading_period", lang), "key": "series.reading_period",
            })

    baseline = []
    y0, t0 = record["baseline_value"], _d(record["baseline_date"])
    if y0 is not None and t0 is not None:
        baseline.append({
            "date": t0.isoformat(), "value": y0 / factor,
            "series": t("series.baseline", lang), "key": "series.baseline",
            "period": format_date(t0, lang), "value_text": shown(y0),
        })

    target, window, required, projection = [], [], [], []
    y_target = record["target_value"]
    deadline, stretch = _d(record["target_deadline"]), _d(record["target_stretch_date"])
    if y_target is not None:
        # Range, about and path are judged per period like a threshold: a line, no required path.
        is_threshold = record["target_kind"] in ("threshold", "range", "about", "path")
        target_key = "series.threshold" if is_threshold else "series.target"
        target.append({
            "value": y_target / factor,
            "date": deadline.isoformat() if deadline else None,
            "series": t(target_key, lang),
            "key": target_key,
            "period": format_date(deadline, lang) if deadline else "",
            "value_text": target_text(record, lang),
        })
        if deadline is not None:
            window.append({
                "start": (stretch or deadline - timedelta(days=30)).isoformat(),
                "end": deadline.isoformat(),
                "series": t("series.window", lang), "key": "series.window",
                "period": (f"{format_date(stretch, lang)} — " if stretch else "") + format_date(deadline, lang),
            })
        if not is_threshold and deadline is not None and y0 is not None and t0 is not None:
            method = str(ev.get("method_used") or (ev.get("target") or {}).get("method") or "cagr")
            for day, v in required_path(y0, t0, y_target, deadline, method):
                required.append({
                    "date": day.isoformat(), "value": v / factor,
                    "series": t("series.required", lang), "key": "series.required",
                    "period": format_date(day, lang), "value_text": shown(v),
                })

    latest = ev.get("latest") if isinstance(ev.get("latest"), dict) else None
    projected = record.get("projected_value_at_deadline")
    if latest and projected is not None and deadline is not None:
        t_latest, y_latest = date.fromisoformat(latest["period_end"]), float(latest["value"])
        path = str((ev.get("projection") or {}).get("path", ""))
        exponential = path.startswith("exponential")
        mid = _curve(y_latest, t_latest, projected, deadline, exponential)
        low_value, high_value = record.get("projected_low"), record.get("projected_high")
        low = _curve(y_latest, t_latest, low_value, deadline, exponential) if low_value is not None else mid
        high = _curve(y_latest, t_latest, high_value, deadline, exponential) if high_value is not None else mid
        for (day, v), (_, lo), (_, hi) in zip(mid, low, high, strict=True):
            projection.append({
                "date": day.isoformat(), "value": v / factor, "low": lo / factor, "high": hi / factor,
                "series": t("series.projection", lang), "key": "series.projection",
                "period": format_date(day, lang), "value_text": shown(v),
            })

    # The time axis with a margin on both sides, so that markers at the ends are not cut in half.
    days = [date.fromisoformat(str(row[k])) for rows in (points, baseline, target, required, projection)
            for row in rows for k in ("date",) if row.get(k)]
    days += [date.fromisoformat(str(row[k])) for rows in (segments, window) for row in rows for k in ("start", "end")]
    x_domain = None
    if days:
        first, last = min(days), max(days)
        pad = timedelta(days=max(30, round((last - first).days * 0.04)))
        x_domain = [(first - pad).isoformat(), (last + pad).isoformat()]

    return {
        "x_domain": x_domain,
        "points": points,
        "segments": segments,
        "baseline": baseline,
        "target": target,
        "window": window,
        "required": required,
        "projection": projection,
        "y_title": y_title,
        # The message keys of the series present, for the legend.
        "series": sorted({row["key"] for rows in (points, segments, baseline, target, window, required, projection) for row in rows}),
        "factor": factor,
    }


def _with(figure: str, when: str, lang: str) -> str:
    """"2.3万架（2025年6月30日）" / "23,000 racks (30 Jun 2025)"."""
    if not when:
        return figure
    return f"{figure}（{when}）" if lang == "zh" else f"{figure} ({when})"


def _estimate(x: float) -> float:
    """A computed figure to the precision it deserves: whole units from 100 up (86,898, not 86,898.26)."""
    return float(round(x)) if abs(x) >= 100 else x


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _years(x: float, lang: str) -> str:
    return t("ev.years", lang, n=f"{x:.2f}")


def evidence_rows(record: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The numbers behind the status, each as {"item", "value"} in ``lang``; only those that exist."""
    ev = record["evidence"]
    unit, name_en = record["unit"], record.get("name_en")
    rows: list[tuple[str, str]] = []

    def shown(v: float, qualifier: str | None = None) -> str:
        return value_text(v, unit, lang, qualifier, name_en)

    method = ev.get("method_used") or (ev.get("target") or {}).get("method")
    if record["target_kind"] == "reach" and method:
        rows.append((t("ev.method", lang), t(f"method.{method}", lang)))
    if record["baseline_value"] is not None:
        when = format_date(date.fromisoformat(record["baseline_date"]), lang) if record["baseline_date"] else ""
        rows.append((t("ev.baseline", lang), _with(shown(record["baseline_value"]), when, lang)))
    latest = ev.get("latest") if isinstance(ev.get("latest"), dict) else None
    if latest:
        period = label(Period(date.fromisoformat(latest["period_start"]), date.fromisoformat(latest["period_end"])), lang)
        rows.append((t("ev.latest", lang), _with(shown(latest["value"], latest.get("qualifier")), period, lang)))
    if record["target_value"] is not None:
        rows.append((t("ev.target", lang), target_text(record, lang)))
    if record["target_stretch_date"]:
        rows.append((t("ev.stretch", lang), format_date(date.fromisoformat(record["target_stretch_date"]), lang)))
    if record["target_deadline"]:
        rows.append((t("ev.deadline", lang), format_date(date.fromisoformat(record["target_deadline"]), lang)))
    if isinstance(ev.get("years_baseline_to_latest"), float):
        rows.append((t("ev.years_elapsed", lang), _years(ev["years_baseline_to_latest"], lang)))
    if isinstance(ev.get("years_baseline_to_deadline"), float):
        rows.append((t("ev.years_total", lang), _years(ev["years_baseline_to_deadline"], lang)))
    if ev.get("cagr_required") is not None:
        rows.append((t("ev.cagr_required", lang), _pct(ev["cagr_required"])))
    if ev.get("cagr_observed") is not None:
        rows.append((t("ev.cagr_observed", lang), _pct(ev["cagr_observed"])))
    if ev.get("change_per_year_required") is not None:
        rows.append((t("ev.change_required", lang), format_quantity(_estimate(ev["change_per_year_required"]), unit, lang, name_en)))
    if ev.get("change_per_year_observed") is not None:
        rows.append((t("ev.change_observed", lang), format_quantity(_estimate(ev["change_per_year_observed"]), unit, lang, name_en)))
    if record["ratio"] is not None:
        rows.append((t("ev.ratio", lang), f"{record['ratio']:.2f}"))
    if record["margin"] is not None:
        margin = record["margin"]
        sign = "+" if margin >= 0 else "−"
        if normalize_unit(unit) == "%":
            figure = f"{sign}{abs(margin):.1f}" + ("个百分点" if lang == "zh" else " percentage points")
        else:
            figure = sign + format_quantity(abs(margin), unit, lang, name_en)
        rows.append((t("ev.margin", lang), figure))
    if record["share_met"] is not None:
        rows.append((t("ev.share_met", lang), _pct(record["share_met"])))
    if record["target_kind"] in ("threshold", "range", "about", "path"):
        rows.append((t("ev.provisional", lang), t("common.yes" if record["provisional"] else "common.no", lang)))
    if record["projected_value_at_deadline"] is not None:
        rows.append((t("ev.projected_value", lang), shown(_estimate(record["projected_value_at_deadline"]))))
    if record["projected_low"] is not None and record["projected_high"] is not None:
        low, high = _estimate(record["projected_low"]), _estimate(record["projected_high"])
        rows.append((t("ev.projected_range", lang), f"{shown(low)} — {shown(high)}"))
    if record["projected_achievement_date"]:
        rows.append((t("ev.projected_date", lang), format_date(date.fromisoformat(record["projected_achievement_date"]), lang)))
    basis = ev.get("projection_basis")
    if isinstance(basis, str):
        key = "basis." + basis.replace(" ", "_").replace("-", "_")
        rows.append((t("ev.projection_basis", lang), t(key, lang)))
    if record["trend_cagr"] is not None:
        rows.append((t("ev.trend", lang), _pct(record["trend_cagr"])))
    if record["last_period_end"]:
        rows.append((t("ev.last_period_end", lang), format_date(date.fromisoformat(record["last_period_end"]), lang)))
    if record["next_due"]:
        rows.append((t("ev.next_due", lang), format_date(date.fromisoformat(record["next_due"]), lang)))
    if record["stale"]:
        rows.append((t("ev.days_overdue", lang), t("ev.days", lang, n=record["days_overdue"])))
    return [{"item": item, "value": value} for item, value in rows]


def _recorded_by(who: str | None, lang: str) -> str:
    if not who:
        return ""
    key = f"recorded_by.{who}"
    return t(key, lang) if key in MESSAGES else who


def reading_table(readings: list[Reading], unit: str, lang: str, name_en: str | None = None) -> list[dict[str, Any]]:
    """Readings as table rows for ``lang``: newest period first, revisions newest first."""
    rows = []
    for r in sorted(readings, key=lambda r: (r.period_end, r.period_start, r.revision), reverse=True):
        rows.append({
            "period": label(Period(r.period_start, r.period_end), lang),
            "value": value_text(r.value, unit, lang, r.qualifier.value, name_en),
            "qualifier": t(f"qualifier.{r.qualifier.value}", lang),
            "revision": r.revision,
            "source": r.source or "",
            "quote": r.provenance.quote if r.provenance else "",
            "note": r.note or "",
            "recorded_by": _recorded_by(r.recorded_by, lang),
            "recorded_at": clock.stamp(r.recorded_at, seconds=True),  # stored UTC, shown in the workspace's zone
            # a withdrawal (only in the history): recorded_by and recorded_at say who and when
            "withdrawn": t("goal.withdrawn_cell", lang, reason=r.withdrawn_reason or "") if r.withdrawn else "",
        })
    return rows


def goal_detail(store: Store, indicator_id: str, as_of: date) -> dict[str, Any] | None:
    """Everything the detail page needs about one indicator at ``as_of``; None if it does not exist.

    Keys: indicator (the Indicator), records (status records of its targets), readings (latest
    revision per period, known at as_of), history (every revision), target_quotes (target id ->
    Provenance of the version in force).
    """
    with store.read() as con:
        indicator = queries.get_indicator(con, indicator_id)
        if indicator is None:
            return None
        readings = queries.list_readings(con, indicator_id, as_of=as_of)
        history = queries.list_readings(con, indicator_id, history=True)
        targets = [x for x in queries.list_targets(con) if x.indicator_id == indicator_id]
    records = [r.as_dict() for r in statuses(store, as_of, indicator_ids=[indicator_id], detail=Detail.FULL)]
    return {
        "indicator": indicator,
        "records": records,
        "readings": readings,
        "history": history,
        "target_quotes": {x.id: x.provenance for x in targets if x.provenance is not None},
        "revised": any(r.revision > 1 for r in history),
    }


def skipped_readings(record: dict[str, Any], unit: str, lang: str) -> list[dict[str, str]]:
    """The readings a goal's full evidence lists as skipped, each as {period, value, reason} in ``lang``: the
    reason from its problem code when the engine gave one (monitor.status.progress), else its English."""
    from types import SimpleNamespace

    from monitor.present.i18n import problem_reason

    evidence = record.get("evidence") or {}
    out: list[dict[str, str]] = []
    for s in evidence.get("skipped") or []:
        why = s.get("why")
        reason = problem_reason(SimpleNamespace(code=why["code"], params=why.get("params") or {}), lang) \
            if isinstance(why, dict) else str(s.get("reason") or "")
        start, end = date.fromisoformat(s["period_start"]), date.fromisoformat(s["period_end"])
        value = s.get("value")
        shown = "—" if value is None else format_quantity(float(value), unit, lang)
        out.append({"period": label(Period(start, end), lang), "value": shown, "reason": reason})
    return out
