"""Editing the catalogue one change at a time: add an indicator, add a target or a new version of one,
retire an indicator; and the change log. One function per action, used by the dashboard's catalogue
page (dashboards/catalog_page.py) and by `monitor catalog retire|changes`.

Every input goes through the catalogue loader (monitor.files.catalog.parse_catalog): an action builds
the catalogue document the change amounts to and parses it, so a refused input gets the same located
problems as a catalogue file (ValidationError). Each write is one transaction that also appends its
rows to the change log (monitor.store.catalog_queries), by ``who``: the signed-in editor's name, or
"dashboard", "cli", "catalog import".

Targets stay append-only: a changed target is a new version (queries.record_targets), in force from
``valid_from`` (default: when recorded) on, the earlier versions kept. A new version keeps where the
goal comes from (its quote and source document) and records the reason as its note. A retired
indicator keeps its readings, targets and history; statuses and lists leave it out unless asked
(``include_retired``).

The target forms are data: TARGET_FORMS lists the fields of each kind the page offers, TARGET_FIELDS
how each field is entered and where it goes in the catalogue entry. A new kind the loader accepts is
one more entry there (and its labels in MESSAGES), not new code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from monitor import clock
from monitor.errors import NotFound, Problem, ValidationError
from monitor.files.catalog import (
    indicator_changes,
    indicator_entry,
    parse_catalog,
    retirement_change,
    target_changes,
)
from monitor.model import (
    COMPARATORS,
    CatalogChange,
    Direction,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Nature,
    Retirement,
    Target,
)
from monitor.model.units import to_base
from monitor.store import catalog_queries, profile_queries, queries
from monitor.store.connection import Store

# The name problems give as their source (a catalogue file's name, for a file).
SOURCE_NAME = "catalogue"

__all__ = [
    "INDICATOR_FIELDS",
    "TARGET_FIELDS",
    "TARGET_FORMS",
    "FieldSpec",
    "add_indicator",
    "add_target",
    "change_rows",
    "indicator_targets",
    "new_target_id",
    "retire_indicator",
    "retired_ids",
    "source_target_ids",
    "target_values",
]


@dataclass(frozen=True)
class FieldSpec:
    """How one form field is entered and where its value goes in the catalogue entry.

    kind: "text", "choice" (one of ``choices``), "number" (typed text; ``display_unit``: in the
    indicator's display unit, converted to base units), "date". path: the keys in the entry
    ("baseline.value" -> entry["baseline"]["value"]). labels: the MESSAGES prefix naming each choice
    ("frequency" -> "frequency.yearly"); empty: a choice is shown as it is (">=")."""

    kind: str
    path: str
    choices: tuple[str, ...] = ()
    display_unit: bool = False
    required: bool = False
    labels: str = ""


# The indicator form, in order (labels: MESSAGES "catalog.field.<name>").
INDICATOR_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("text", "id", required=True),
    "name_zh": FieldSpec("text", "name_zh", required=True),
    "name_en": FieldSpec("text", "name_en", required=True),
    "domain": FieldSpec("choice", "domain", required=True),  # the store's domains
    "unit": FieldSpec("text", "unit", required=True),
    "display_unit": FieldSpec("text", "display_unit"),
    "measure": FieldSpec("choice", "measure", tuple(m.value for m in MeasureKind), required=True, labels="measure"),
    "direction": FieldSpec("choice", "direction", tuple(d.value for d in Direction), labels="direction"),
    "frequency": FieldSpec("choice", "frequency", tuple(f.value for f in Frequency), labels="frequency"),
    "responsible": FieldSpec("text", "responsible"),
}

# Every field a target form may have (labels: MESSAGES "catalog.field.<name>").
TARGET_FIELDS: dict[str, FieldSpec] = {
    "comparator": FieldSpec("choice", "comparator", COMPARATORS, required=True),
    "value": FieldSpec("number", "value", display_unit=True, required=True),
    "baseline_value": FieldSpec("number", "baseline.value", display_unit=True),
    "baseline_date": FieldSpec("date", "baseline.date"),
    "deadline": FieldSpec("date", "deadline.latest"),
    # The stretch date of a "within 3-5 years" window (empty: the deadline is one date).
    "deadline_earliest": FieldSpec("date", "deadline.earliest"),
    "period": FieldSpec("choice", "period", tuple(f.value for f in Frequency if f is not Frequency.IRREGULAR),
                        labels="frequency"),
    "method": FieldSpec("choice", "method", tuple(m.value for m in Method), labels="method"),
    # The forms of docs/methodology.md, "Target forms": a band in display units; a change or a growth rate
    # as stated (a percent, a factor, or an amount in display units), resolved against the baseline.
    "low": FieldSpec("number", "low", display_unit=True, required=True),
    "high": FieldSpec("number", "high", display_unit=True, required=True),
    "tolerance": FieldSpec("number", "tolerance", display_unit=True),
    "change_relative": FieldSpec("number", "change.relative"),
    "change_factor": FieldSpec("number", "change.factor"),
    "change_absolute": FieldSpec("number", "change.absolute", display_unit=True),
    "rate": FieldSpec("number", "rate", required=True),
    # A change's or a growth's comparator: empty takes the one its sign implies (降低 → <=).
    "comparator_default": FieldSpec("choice", "comparator", COMPARATORS),
    "nature": FieldSpec("choice", "nature", tuple(n.value for n in Nature), labels="nature"),
}

# The fields of each target kind the page offers, in order (labels: MESSAGES "catalog.kind.<kind>").
# A path (逐年目标: one value per year) is not offered: its points are rows of the workbook or a list in
# the YAML (docs/catalog.md).
TARGET_FORMS: dict[str, tuple[str, ...]] = {
    "reach": ("comparator", "value", "baseline_value", "baseline_date", "deadline_earliest", "deadline", "method",
              "nature"),
    "threshold": ("comparator", "value", "period", "nature"),
    "range": ("low", "high", "period", "deadline", "nature"),
    "about": ("value", "tolerance", "period", "deadline", "nature"),
    "change": ("change_relative", "change_factor", "change_absolute", "comparator_default", "baseline_value",
               "baseline_date", "deadline", "method", "nature"),
    "average_growth": ("rate", "comparator_default", "baseline_value", "baseline_date", "deadline", "nature"),
}


def _problem(column: str, code: str, value: Any = None, **params: Any) -> Problem:
    return Problem(SOURCE_NAME, None, column, code, params, None if value is None else str(value))


def _put(entry: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        entry = entry.setdefault(key, {})
    entry[last] = value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(text: Any, column: str, problems: list[Problem]) -> float | None:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        number = float(str(text).strip().replace(",", "").replace("，", ""))
    except ValueError:
        problems.append(_problem(column, "problem.not_a_number", text))
        return None
    if not math.isfinite(number):
        problems.append(_problem(column, "problem.not_a_number", text))
        return None
    return number


def _fill(entry: dict[str, Any], specs: Mapping[str, FieldSpec], names: tuple[str, ...], values: Mapping[str, Any],
          indicator: Indicator | None, where: str, problems: list[Problem]) -> None:
    """Put the form's values into the catalogue entry: numbers in display units converted to base units;
    blanks left out (the loader says which are required)."""
    for name in names:
        spec, value = specs[name], values.get(name)
        if _blank(value):
            continue
        if spec.kind == "number":
            number = _number(value, f"{where}.{spec.path}", problems)
            if number is None:
                continue
            if spec.display_unit and indicator is not None:
                try:
                    number = to_base(number, indicator.display_unit, indicator.unit, indicator.display_unit)
                except ValueError as e:  # pragma: no cover - the indicator's own units convert
                    problems.append(_problem(f"{where}.{spec.path}", "problem.other", value, reason=str(e)))
                    continue
            value = number
        elif isinstance(value, str):
            value = value.strip()
        _put(entry, spec.path, value)
    # A deadline window with only its latest date is one date (the catalogue's `deadline: 2027-12-31`).
    window = entry.get("deadline")
    if isinstance(window, dict) and set(window) == {"latest"}:
        entry["deadline"] = window["latest"]


def _require(text: str | None, column: str) -> str:
    if _blank(text):
        raise ValidationError([_problem(column, "problem.required")])
    return str(text).strip()


def _domains_document(con: Any) -> list[dict[str, str]]:
    profile = profile_queries.read_profile(con)
    return [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in profile.domains]


def add_indicator(store: Store, values: Mapping[str, Any], who: str) -> Indicator:
    """Add a new indicator (the fields of INDICATOR_FIELDS); ValidationError when refused (its id taken,
    a field missing or invalid, its domain not one of the store's)."""
    entry: dict[str, Any] = {}
    problems: list[Problem] = []
    _fill(entry, INDICATOR_FIELDS, tuple(INDICATOR_FIELDS), values, None, "indicator", problems)
    with store.read() as con:
        document = {"domains": _domains_document(con), "indicators": [entry]}
        taken = entry.get("id") in queries.indicator_ids(con)
    if taken:
        problems.append(_problem(f"indicator '{entry['id']}'.id", "problem.indicator_exists", entry["id"]))
    catalog = _parse(document, problems)
    indicator = catalog.indicators[0]
    now = datetime.utcnow()
    with store.write() as con:
        if indicator.id in queries.indicator_ids(con):  # added by someone else meanwhile
            raise ValidationError([_problem(f"indicator '{indicator.id}'.id", "problem.indicator_exists", indicator.id)])
        written: list[tuple[Indicator, Indicator | None]] = []
        queries.upsert_indicators(con, [indicator], written)
        catalog_queries.add_changes(con, indicator_changes(written, who, now))
    return indicator


def _parse(document: dict[str, Any], problems: list[Problem]) -> Any:
    """parse_catalog's result, or ValidationError with its problems and ``problems`` together."""
    try:
        catalog = parse_catalog(document, SOURCE_NAME)
    except ValidationError as e:
        raise ValidationError(problems + list(e.problems)) from e
    if problems:
        raise ValidationError(problems)
    return catalog


def new_target_id(store: Store, indicator_id: str) -> str:
    """An id for a new target of the indicator: "<indicator>-<n>", the first n not taken."""
    with store.read() as con:
        taken = {t.id for t in queries.list_targets(con)}
    n = 1
    while f"{indicator_id}-{n}" in taken:
        n += 1
    return f"{indicator_id}-{n}"


def add_target(
    store: Store,
    indicator_id: str,
    kind: str,
    values: Mapping[str, Any],
    who: str,
    *,
    target_id: str | None = None,
    reason: str | None = None,
    valid_from: date | None = None,
) -> Target:
    """Add a target to the indicator, or (``target_id`` of an existing target) record a new version of it.

    values: the fields of TARGET_FORMS[kind], as typed (numbers in the indicator's display unit). A new
    version needs a ``reason`` (recorded as its note and in the change log) and keeps the quote and
    source document of the version it follows; it is in force from ``valid_from`` (default: now).
    ValidationError when refused; NotFound for an unknown indicator."""
    with store.read() as con:
        indicator = queries.get_indicator(con, indicator_id)
        if indicator is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        targets = {t.id: t for t in queries.list_targets(con)}
        domains = _domains_document(con)
    previous = targets.get(target_id) if target_id else None
    if previous is not None and previous.indicator_id != indicator_id:
        raise NotFound(f"target '{target_id}' is not a target of '{indicator_id}'")
    problems: list[Problem] = []
    if previous is not None and _blank(reason):
        problems.append(_problem("reason", "problem.required"))
    if kind not in TARGET_FORMS:
        problems.append(_problem("kind", "problem.one_of", kind, allowed=" | ".join(TARGET_FORMS)))
        raise ValidationError(problems)
    ident = target_id or new_target_id(store, indicator_id)
    where = f"indicator '{indicator_id}'.targets[0]"
    item: dict[str, Any] = {"id": ident, "kind": kind}
    _fill(item, TARGET_FIELDS, TARGET_FORMS[kind], values, indicator, where, problems)
    note = str(reason).strip() if not _blank(reason) else None
    if note:
        item["note"] = note
    p = previous.provenance if previous is not None else None
    if p is not None:
        item.update({k: v for k, v in (("quote", p.quote), ("source", p.source), ("source_date", p.source_date),
                                       ("speaker", p.speaker), ("office", p.office)) if v is not None})
    entry = {**indicator_entry(indicator), "targets": [item]}
    catalog = _parse({"domains": domains, "indicators": [entry]}, problems)
    target = catalog.targets[0]
    if valid_from is not None:
        target = replace(target, valid_from=datetime.combine(valid_from, datetime.min.time()))
    if previous is not None and _same_goal(previous, target):
        # Only the note (the reason) would differ: no new version of the same goal.
        raise ValidationError([_problem(where, "problem.target_unchanged")])
    now = datetime.utcnow()
    with store.write() as con:
        written: list[tuple[Target, int]] = []
        queries.record_targets(con, [target], who, written)
        catalog_queries.add_changes(con, target_changes(written, who, now, note))
    if not written:
        raise ValidationError([_problem(where, "problem.target_unchanged")])
    return replace(target, version=written[0][1])


def _same_goal(a: Target, b: Target) -> bool:
    """Equal in what is judged (the version, when it is in force and its note aside)."""
    keep = ("version", "valid_from", "note")
    return all(getattr(a, f) == getattr(b, f) for f in a.__dataclass_fields__ if f not in keep)


def retire_indicator(store: Store, indicator_id: str, reason: str | None, who: str, on: date | None = None) -> Retirement:
    """Retire the indicator as of ``on`` (default: today in the workspace's time zone, monitor.clock) for ``reason`` (required). It keeps its
    readings, targets and history. ValidationError when the reason is missing or it is retired already."""
    text = _require(reason, "reason")
    retirement = Retirement(on or clock.today(), text)
    entry_where = f"indicator '{indicator_id}'.retired"
    now = datetime.utcnow()
    with store.write() as con:
        indicator = queries.get_indicator(con, indicator_id)
        if indicator is None:
            raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
        # Through the loader too: the reason's text rules (no control characters) are the catalogue's.
        parse_catalog({"domains": _domains_document(con), "indicators": [
            {**indicator_entry(indicator), "retired": {"date": retirement.date, "reason": text}}]}, SOURCE_NAME)
        before = catalog_queries.retirements(con).get(indicator_id)
        if before is not None:
            raise ValidationError([_problem(entry_where, "problem.already_retired", date=before.date.isoformat())])
        catalog_queries.set_retirement(con, indicator_id, retirement)
        catalog_queries.add_changes(con, [retirement_change(indicator_id, None, retirement, who, now)])
    return retirement


def retired_ids(store: Store, as_of: date | None = None) -> set[str]:
    """The ids of the retired indicators; with ``as_of``, only those retired on or before that day (a
    view of an earlier day shows the goals that were still followed then)."""
    with store.read() as con:
        found = catalog_queries.retirements(con)
    return {i for i, r in found.items() if as_of is None or r.date <= as_of}


def source_target_ids(store: Store, source_id: str) -> set[str]:
    """The targets that come from the source document ``source_id`` (their latest version's source);
    NotFound listing the store's documents when there is no such document."""
    with store.read() as con:
        documents = [s.id for s in profile_queries.read_sources(con)]
        if source_id not in documents:
            shown = ", ".join(documents) if documents else "none"
            raise NotFound(f"unknown source document '{source_id}'; the store's documents: {shown}")
        return catalog_queries.target_ids_from_source(con, source_id)


def indicator_targets(store: Store, indicator_id: str) -> tuple[Indicator, list[Target]]:
    """The indicator and the latest version of each of its targets; NotFound when unknown."""
    with store.read() as con:
        indicator = queries.get_indicator(con, indicator_id)
        targets = [t for t in queries.list_targets(con) if t.indicator_id == indicator_id]
    if indicator is None:
        raise NotFound(f"unknown indicator '{indicator_id}' (see `monitor indicators`)")
    return indicator, targets


def target_values(target: Target, indicator: Indicator) -> dict[str, Any]:
    """A stored target's fields as its form shows them (numbers in the display unit, as text): the
    defaults of the form for its new version."""
    from monitor.model.units import conversion_factor

    entry: dict[str, Any] = {
        "comparator": target.comparator, "value": target.value,
        "deadline": {"earliest": target.deadline_earliest, "latest": target.deadline},
        "period": target.period.value if target.period else None, "method": target.method.value,
        "baseline": {"value": target.baseline_value, "date": target.baseline_date},
        "low": target.low, "high": target.high, "tolerance": target.tolerance, "rate": target.rate,
        "change": {target.change.kind.value: target.change.amount} if target.change else {},
        "nature": target.nature.value,
    }
    factor = conversion_factor(indicator.display_unit, indicator.unit)
    values: dict[str, Any] = {}
    for name, spec in TARGET_FIELDS.items():
        value: Any = entry
        for key in spec.path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if spec.kind == "number" and value is not None:
            shown = value / factor if spec.display_unit else value
            value = format(shown, ".12g")
        values[name] = value
    return values


def _change_row(c: CatalogChange) -> dict[str, Any]:
    return {
        "changed_at": c.changed_at.isoformat(timespec="seconds"),
        "changed_by": c.changed_by,
        "what": c.what,
        "indicator_id": c.indicator_id,
        "target_id": c.target_id,
        "reason": c.reason,
        "details": c.details,
    }


def change_rows(store: Store, indicator_id: str | None = None) -> list[dict[str, Any]]:
    """The change log, newest first, as plain rows (times as stored: UTC, ISO text; monitor.clock shows them)."""
    with store.read() as con:
        return [_change_row(c) for c in catalog_queries.list_changes(con, indicator_id)]
