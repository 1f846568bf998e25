"""Rows for people: the store's records shaped for tables in the CLI and the dashboard."""

from __future__ import annotations

from typing import Any

from monitor.model import Nature
from monitor.store import queries
from monitor.store.connection import Store


def indicator_rows(store: Store, domain: str | None = None, include_retired: bool = False) -> list[dict[str, Any]]:
    """The indicators with their number of targets; retired ones (with when and why) only with ``include_retired``."""
    from monitor.store import catalog_queries

    with store.read() as con:
        indicators = queries.list_indicators(con, domain)
        targets = queries.list_targets(con)
        retired = catalog_queries.retirements(con)
    if not include_retired:
        indicators = [i for i in indicators if i.id not in retired]
    per_indicator: dict[str, int] = {}
    binding: dict[str, int] = {}
    for t in targets:
        per_indicator[t.indicator_id] = per_indicator.get(t.indicator_id, 0) + 1
        binding[t.indicator_id] = binding.get(t.indicator_id, 0) + (t.nature is Nature.BINDING)
    # Indicators with a binding target first (stable: otherwise by domain and id).
    indicators = sorted(indicators, key=lambda i: binding.get(i.id, 0) == 0)
    return [
        {
            "id": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "domain": i.domain, "unit": i.unit,
            "display_unit": i.display_unit, "measure": i.measure.value, "direction": i.direction.value,
            "frequency": i.frequency.value, "lower_bound": i.lower_bound, "upper_bound": i.upper_bound,
            "responsible": i.responsible, "targets": per_indicator.get(i.id, 0),
            "binding_targets": binding.get(i.id, 0),
            "retired_on": retired[i.id].date.isoformat() if i.id in retired else None,
            "retired_reason": retired[i.id].reason if i.id in retired else None,
        }
        for i in indicators
    ]


def reading_rows(store: Store, indicator_id: str | None = None, history: bool = False, lang: str = "en") -> list[dict[str, Any]]:
    from monitor.errors import NotFound
    from monitor.present.i18n import format_quantity, unit_label
    from monitor.present.wording import value_text

    def format_quantity_exact(value: float, unit: str, name_en: str) -> str:
        return format_quantity(value, unit, "en", name_en) if abs(value) < 1e6 else (
            f"{value:,.10g} {unit_label(unit, 'en', name_en)}".strip())
    from monitor.model.periods import Period, label

    with store.read() as con:
        if indicator_id is not None and queries.get_indicator(con, indicator_id) is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        indicators = {i.id: i for i in queries.list_indicators(con)}
        readings = queries.list_readings(con, indicator_id, history=history)
    rows = []
    for r in readings:
        unit = indicators[r.indicator_id].unit
        rows.append({
            "indicator_id": r.indicator_id,
            "period_start": r.period_start.isoformat(),
            "period_end": r.period_end.isoformat(),
            "period_label": label(Period(r.period_start, r.period_end), lang),
            "value": r.value,
            "unit": unit,
            # English spells the whole number out: "12.45 million" would hide the figure's precision.
            "value_display": value_text(r.value, unit, lang, r.qualifier.value, indicators[r.indicator_id].name_en)
            if lang == "zh" else format_quantity_exact(r.value, unit, indicators[r.indicator_id].name_en),
            "qualifier": r.qualifier.value,
            "revision": r.revision,
            "source": r.source,
            "note": r.note,
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at.isoformat(timespec="seconds") if r.recorded_at else None,
            "quote": r.provenance.quote if r.provenance else None,
            # only in the history: this revision withdraws the period (who and when: recorded_by, recorded_at)
            "withdrawn": r.withdrawn,
            "withdrawn_reason": r.withdrawn_reason,
        })
    return rows


def rejected_rows(store: Store) -> list[dict[str, Any]]:
    with store.read() as con:
        rows = queries.list_rejected(con)
    for row in rows:
        row["rejected_at"] = row["rejected_at"].isoformat(timespec="seconds")
    return rows
