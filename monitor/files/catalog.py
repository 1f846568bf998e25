"""The catalogue file (YAML): one loader for `monitor init`, `monitor catalog import` and the tests."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from monitor import clock
from monitor.errors import Problem, ValidationError
from monitor.model import (
    COMPARATORS,
    DEFAULT_DOMAINS,
    Catalog,
    CatalogChange,
    Change,
    ChangeKind,
    Direction,
    Domain,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Nature,
    PathPoint,
    Profile,
    Provenance,
    Qualifier,
    Reading,
    Retirement,
    SourceDocument,
    SourceKind,
    Target,
    TargetKind,
    Workspace,
    magnitude_code,
)
from monitor.model.problems import nested, of_error
from monitor.model.validate import STOCK_AT_END_NOTE, control_rule, stock_at_end, value_rule

FORMAT = "indicator-monitor/catalog v1"
# The reviewed seed: data/briefing.yaml in a checkout, shipped as the package monitor.seed (pyproject.toml).
SEED_FILE = Path(str(resources.files("monitor.seed") / "briefing.yaml"))
# The domain ids of a catalogue that declares no `domains:` (catalogues written before it existed).
DOMAINS = tuple(d.id for d in DEFAULT_DOMAINS)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

E = TypeVar("E")

# YAML aliases let a few lines stand for billions of nodes ("billion laughs"): a document whose
# aliases expand to more nodes than this is refused before anything walks it.
MAX_ALIASED_NODES = 100_000


class _BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader counting the nodes its aliases repeat."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliased = 0
        self._sizes: dict[int, int] = {}

    def _size(self, node: yaml.Node) -> int:
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._size(n) for n in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._size(k) + self._size(v) for k, v in node.value)
        self._sizes[id(node)] = size
        return size

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._aliased += self._size(target)
                if self._aliased > MAX_ALIASED_NODES:
                    raise yaml.composer.ComposerError(
                        None, None, f"its aliases (*name) repeat more than {MAX_ALIASED_NODES:,} nodes", event.start_mark
                    )
        return super().compose_node(parent, index)


def _shown(value: Any) -> str:
    """A value as a problem quotes it, bounded whatever it is (a huge string, a deep list)."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:199] + "…"
    return reprlib.repr(value)


# What a text, date or choice field may hold: YAML scalars, never a list or a mapping.
_SCALARS = (str, int, float, date)
# Text fields that may span lines (tab and line feed allowed; every other control character refused).
_MULTILINE_KEYS = ("description", "quote", "note")


class _Reader:
    """Walks the parsed YAML, collecting every problem instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, where: str, code: str, value: Any = None, **params: Any) -> None:
        """A problem (a code of monitor.model.problems and its parameters) at ``where`` in the catalogue."""
        shown = None if value is None else _shown(value)
        self.problems.append(Problem(self.source, None, where, code, params, shown))

    def text(self, entry: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(f"{where}.{key}", "problem.required")
            return None
        if not isinstance(value, _SCALARS):
            self.problem(f"{where}.{key}", "problem.must_be_text", value)
            return None
        text = str(value).strip()
        bad = control_rule(text, multiline=key in _MULTILINE_KEYS)
        if bad is not None:
            self.problem(f"{where}.{key}", bad[0], text, **bad[1])
            return None
        return text

    def number(self, entry: dict[str, Any], key: str, where: str, required: bool = True) -> float | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "problem.required")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(f"{where}.{key}", "problem.must_be_number", value)
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(f"{where}.{key}", "problem.must_be_finite", value)
            return None
        try:
            number = float(value) + 0.0  # + 0.0: -0 is stored as 0
        except OverflowError:  # a YAML integer of 400 digits
            self.problem(f"{where}.{key}", "problem.too_large", value)
            return None
        bad = magnitude_code(number)
        if bad is not None:
            self.problem(f"{where}.{key}", bad, value)
            return None
        return number

    def day(self, entry: dict[str, Any], key: str, where: str, required: bool = False) -> date | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(f"{where}.{key}", "problem.required")
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if not isinstance(value, _SCALARS):
            self.problem(f"{where}.{key}", "problem.must_be_date", value)
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(f"{where}.{key}", "problem.must_be_date", value)
            return None

    def choice(self, entry: dict[str, Any], key: str, where: str, enum: Callable[[str], E], default: E | None = None) -> E | None:
        value = entry.get(key)
        if value is None:
            if default is None:
                self.problem(f"{where}.{key}", "problem.required")
            return default
        try:
            if not isinstance(value, _SCALARS):
                raise ValueError(value)
            return enum(str(value))
        except ValueError:
            allowed = " | ".join(m.value for m in enum)  # type: ignore[attr-defined]
            self.problem(f"{where}.{key}", "problem.one_of", value, allowed=allowed)
            return default


def load_catalog(path: str | Path | None = None, known_domains: list[str] | None = None) -> Catalog:
    """Read and validate a catalogue file; raise ValidationError listing every problem.

    ``known_domains``: the domain ids of the store the catalogue is for; a catalogue that declares no
    ``domains:`` (a partial one adding an indicator) is checked against them rather than the defaults."""
    path = Path(path) if path is not None else SEED_FILE
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ValidationError([Problem(str(path), None, None, "problem.file_not_found")]) from e
    except UnicodeDecodeError as e:
        raise ValidationError([Problem(name, None, None, "problem.not_utf8")]) from e
    try:
        document = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ValidationError([Problem(name, line, None, "problem.yaml_invalid",
                                       {"detail": str(getattr(e, "problem", e))})]) from e
    return parse_catalog(document, name, known_domains)


def parse_catalog(document: Any, source_name: str, known_domains: list[str] | None = None) -> Catalog:
    r = _Reader(source_name)
    if not isinstance(document, dict) or not isinstance(document.get("indicators"), list):
        raise ValidationError([Problem(source_name, None, "indicators", "problem.indicator_list")])
    meta = document.get("source") or {}
    if not isinstance(meta, dict):
        # Checked before use: a plain string here used to crash the loader with AttributeError.
        r.problem("source", "problem.source_mapping", meta)
        meta = {}
    source_id = r.text(meta, "id", "source", required=False)
    source_date = r.day(meta, "date", "source")
    workspace = _parse_workspace(r, document.get("workspace"))
    domains = _parse_domains(r, document.get("domains"))
    allowed_domains = [d.id for d in domains] if domains else list(known_domains or DOMAINS)
    sources = _parse_sources(r, document.get("sources"))
    if source_id and not any(s.id == source_id for s in sources):
        # The single top-level `source:` mapping (as before `sources:`) declares its document too.
        title = r.text(meta, "title", "source", required=False) or source_id
        sources.append(SourceDocument(source_id, SourceKind.OTHER, title, source_date,
                                      r.text(meta, "title_en", "source", required=False)))
    dates = {s.id: s.date for s in sources}

    indicators: list[Indicator] = []
    targets: list[Target] = []
    readings: list[Reading] = []
    retired: dict[str, Retirement] = {}
    seen_ids: set[str] = set()
    seen_targets: set[str] = set()
    for n, entry in enumerate(document["indicators"]):
        where = f"indicators[{n}]"
        if not isinstance(entry, dict):
            r.problem(where, "problem.mapping")
            continue
        ident = r.text(entry, "id", where)
        if ident:
            if ident.isprintable() and len(ident) <= 100:  # else named by its position
                where = f"indicator '{ident}'"
            if not SLUG.match(ident):
                r.problem(f"{where}.id", "problem.slug", ident)
            if ident in seen_ids:
                r.problem(f"{where}.id", "problem.used_twice")
            seen_ids.add(ident)
        domain = r.text(entry, "domain", where)
        if domain and domain not in allowed_domains:
            r.problem(f"{where}.domain", "problem.one_of", domain, allowed=" | ".join(allowed_domains))
        unit = r.text(entry, "unit", where)
        display_unit = r.text(entry, "display_unit", where, required=False) or unit
        bounds = entry.get("bounds", [None, None])
        lower = upper = None
        if not (isinstance(bounds, list) and len(bounds) == 2):
            r.problem(f"{where}.bounds", "problem.bounds_form", bounds)
        else:
            lower = r.number({"min": bounds[0]}, "min", f"{where}.bounds", required=False)
            upper = r.number({"max": bounds[1]}, "max", f"{where}.bounds", required=False)
            if lower is not None and upper is not None and lower > upper:
                r.problem(f"{where}.bounds", "problem.bounds_order", bounds)
        lag = entry.get("publication_lag_days", 30)
        if not isinstance(lag, int) or lag < 0:
            r.problem(f"{where}.publication_lag_days", "problem.lag_days", lag)
            lag = 30
        measure = r.choice(entry, "measure", where, MeasureKind)
        try:
            indicator = Indicator(
                id=ident or "",
                name_zh=r.text(entry, "name_zh", where) or "",
                name_en=r.text(entry, "name_en", where) or "",
                domain=domain or "",
                unit=unit or "",
                display_unit=display_unit or "",
                measure=measure or MeasureKind.STOCK,
                direction=r.choice(entry, "direction", where, Direction, Direction.INCREASE) or Direction.INCREASE,
                frequency=r.choice(entry, "frequency", where, Frequency, Frequency.YEARLY) or Frequency.YEARLY,
                lower_bound=lower,
                upper_bound=upper,
                responsible=r.text(entry, "responsible", where, required=False),
                publication_lag_days=lag,
                cumulative_since=r.day(entry, "cumulative_since", where),
                description=r.text(entry, "description", where, required=False),
            )
        except Exception as e:  # pragma: no cover - every field was checked above
            r.problem(where, "problem.cannot_read", detail=str(e))
            continue
        if display_unit and unit:
            _check_units(r, where, display_unit, unit)
        retirement = _parse_retired(r, entry.get("retired"), where)
        if retirement is not None and ident:
            retired[ident] = retirement
        indicators.append(indicator)

        for k, t in enumerate(entry.get("targets") or []):
            target = _parse_target(r, t, indicator, k, source_id, source_date, dates)
            if target is None:
                continue
            if target.id in seen_targets:
                r.problem(f"{where}.targets[{k}].id", "problem.used_twice", target.id)
            seen_targets.add(target.id)
            targets.append(target)
        for k, raw in enumerate(entry.get("readings") or []):
            reading = _parse_reading(r, raw, indicator, k, source_id, source_date, dates)
            if reading is not None:
                readings.append(reading)

    if r.problems:
        raise ValidationError(r.problems)
    return Catalog(indicators, targets, readings, source=source_id, source_date=source_date,
                   workspace=workspace, domains=domains, sources=sources, retired=retired)


def _parse_retired(r: _Reader, raw: Any, where: str) -> Retirement | None:
    """`retired: {date, reason}`: the indicator is no longer followed (both keys required)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.problem(f"{where}.retired", "problem.mapping", raw)
        return None
    day = r.day(raw, "date", f"{where}.retired", required=True)
    reason = r.text(raw, "reason", f"{where}.retired")
    if day is None or reason is None:
        return None
    return Retirement(day, reason)


def _parse_workspace(r: _Reader, raw: Any) -> Workspace | None:
    """`workspace: {title_zh, title_en, organisation_zh, organisation_en}`: whose monitor this is."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        r.problem("workspace", "problem.mapping", raw)
        return None
    title_zh = r.text(raw, "title_zh", "workspace")
    title_en = r.text(raw, "title_en", "workspace")
    organisation_zh = r.text(raw, "organisation_zh", "workspace", required=False)
    organisation_en = r.text(raw, "organisation_en", "workspace", required=False)
    if title_zh is None or title_en is None:
        return None
    return Workspace(title_zh, title_en, organisation_zh, organisation_en)


def _parse_domains(r: _Reader, raw: Any) -> list[Domain]:
    """`domains: [{id, name_zh, name_en}, ...]`, in display order; empty when not declared."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        r.problem("domains", "problem.entry_list", raw)
        return []
    domains: list[Domain] = []
    for n, entry in enumerate(raw):
        where = f"domains[{n}]"
        if not isinstance(entry, dict):
            r.problem(where, "problem.mapping")
            continue
        ident = r.text(entry, "id", where)
        if ident and not SLUG.match(ident):
            r.problem(f"{where}.id", "problem.slug", ident)
            ident = None
        if ident and any(d.id == ident for d in domains):
            r.problem(f"{where}.id", "problem.used_twice", ident)
            ident = None
        name_zh = r.text(entry, "name_zh", where)
        name_en = r.text(entry, "name_en", where)
        if ident and name_zh and name_en:
            domains.append(Domain(ident, name_zh, name_en))
    return domains


def _parse_sources(r: _Reader, raw: Any) -> list[SourceDocument]:
    """`sources: [{id, kind, title, title_en?, date?}, ...]`: the documents items name by `source: <id>`."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.problem("sources", "problem.entry_list", raw)
        return []
    sources: list[SourceDocument] = []
    for n, entry in enumerate(raw):
        where = f"sources[{n}]"
        if not isinstance(entry, dict):
            r.problem(where, "problem.mapping")
            continue
        ident = r.text(entry, "id", where)
        if ident and any(s.id == ident for s in sources):
            r.problem(f"{where}.id", "problem.used_twice", ident)
            ident = None
        kind = r.choice(entry, "kind", where, SourceKind, SourceKind.OTHER)
        title = r.text(entry, "title", where)
        title_en = r.text(entry, "title_en", where, required=False)
        day = r.day(entry, "date", where)
        if ident and title and kind is not None:
            sources.append(SourceDocument(ident, kind, title, day, title_en))
    return sources


def _entry(indicator: Indicator) -> str:
    """How problems name an indicator entry: by its id while that is short printable text."""
    return _entry_of(indicator.id)


def _entry_of(ident: str) -> str:
    return f"indicator '{ident}'" if ident.isprintable() and len(ident) <= 100 else f"indicator {_shown(ident[:40])!r}"


def _check_units(r: _Reader, where: str, display_unit: str, unit: str) -> None:
    from monitor.model.units import conversion_factor

    try:
        conversion_factor(display_unit, unit)
    except ValueError as e:
        r.problem(f"{where}.display_unit", "problem.display_unit", display_unit, unit=unit,
                  detail=nested(*of_error(e, "problem.other")))


def _item_source(r: _Reader, entry: dict[str, Any], where: str, source: str | None, source_date: date | None,
                 dates: dict[str, date | None] | None = None) -> tuple[str | None, date | None]:
    """The document an item comes from: its own `source`/`source_date` if given (even null), else the file's.

    A `source` naming a declared document (`sources:`) dates the item by that document unless the
    item gives its own `source_date`. `catalog export` writes them per item when they differ from the
    file's, so a catalogue mixing documents (or figures recorded by hand) exports and re-imports
    without changing any target.
    """
    if "source" in entry:
        source = r.text(entry, "source", where, required=False)
        if dates and source in dates and "source_date" not in entry:
            source_date = dates[source]
    if "source_date" in entry:
        source_date = r.day(entry, "source_date", where)
    return source, source_date


def _provenance(r: _Reader, entry: dict[str, Any], where: str, source: str | None, source_date: date | None) -> Provenance | None:
    quote = r.text(entry, "quote", where, required=False)
    if quote is None:
        return None
    return Provenance(
        quote=quote,
        source=source,
        source_date=source_date,
        speaker=r.text(entry, "speaker", where, required=False),
        office=r.text(entry, "office", where, required=False),
    )


def _check_value(r: _Reader, where: str, number: float | None, indicator: Indicator) -> None:
    """A target's, baseline's or reading's value against the indicator: its bounds, then the value rules
    of monitor.model.validate (whole numbers for counts and ranks; the size was checked when it was read).

    The share rule (a value of 1 or less for a share in %) is for figures typed or pasted: a catalogue's
    numbers are in base units by definition, and a YAML number has no way to carry a percent sign."""
    if number is None:
        return
    bounded = len(r.problems)
    if indicator.lower_bound is not None and number < indicator.lower_bound:
        r.problem(where, "problem.catalog_below_min", number, limit=f"{indicator.lower_bound:g}")
    if indicator.upper_bound is not None and number > indicator.upper_bound:
        r.problem(where, "problem.catalog_above_max", number, limit=f"{indicator.upper_bound:g}")
    if len(r.problems) == bounded and indicator.unit:
        bad = value_rule(number, indicator)
        if bad is not None:
            r.problem(where, bad[0], number, **bad[1])


# The keys that state a target's figure, by kind (docs/catalog.md, "Target forms"): any other of them is
# refused with its place, so a "value" on a range or a "comparator" on an about is not silently ignored.
_FORM_KEYS = ("comparator", "value", "low", "high", "tolerance", "change", "rate", "path")
_KIND_KEYS: dict[TargetKind, tuple[str, ...]] = {
    TargetKind.REACH: ("comparator", "value"),
    TargetKind.THRESHOLD: ("comparator", "value"),
    TargetKind.RANGE: ("low", "high"),
    TargetKind.ABOUT: ("value", "tolerance"),
    TargetKind.CHANGE: ("comparator", "change"),
    TargetKind.AVERAGE_GROWTH: ("comparator", "rate"),
    TargetKind.PATH: ("comparator", "path"),
}
_BASELINE_DATE_KINDS = (TargetKind.CHANGE, TargetKind.AVERAGE_GROWTH)
_DEADLINE_KINDS = (TargetKind.REACH, TargetKind.CHANGE, TargetKind.AVERAGE_GROWTH)


def _parse_change(r: _Reader, raw: Any, where: str) -> Change | None:
    """{relative: -13.5} | {factor: 2} | {absolute: 1}: exactly one key."""
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in {k.value for k in ChangeKind}:
        r.problem(where, "problem.change_form", raw)
        return None
    kind = ChangeKind(next(iter(raw)))
    amount = r.number(raw, kind.value, where)
    if amount is None:
        return None
    if kind is ChangeKind.FACTOR and amount <= 0:
        r.problem(f"{where}.factor", "problem.factor_positive", amount)
        return None
    if kind is ChangeKind.RELATIVE and amount <= -100:
        r.problem(f"{where}.relative", "problem.relative_above_minus_100", amount)
        return None
    return Change(kind, amount)


def _parse_path(r: _Reader, raw: Any, where: str, indicator: Indicator) -> tuple[PathPoint, ...] | None:
    if not isinstance(raw, list) or not raw:
        r.problem(where, "problem.path_form", raw)
        return None
    points: list[PathPoint] = []
    for k, item in enumerate(raw):
        at = f"{where}[{k}]"
        if not isinstance(item, dict):
            r.problem(at, "problem.path_form", item)
            continue
        day = r.day(item, "date", at, required=True)
        number = r.number(item, "value", at)
        _check_value(r, f"{at}.value", number, indicator)
        if day is None or number is None:
            continue
        if points and day <= points[-1].date:
            r.problem(f"{at}.date", "problem.path_order", day)
        points.append(PathPoint(day, number))
    return tuple(points) if len(points) == len(raw) else None


def _default_comparator(kind: TargetKind, change: Change | None, rate: float | None) -> str | None:
    """A change or an average growth says its direction by its sign: "降低13.5%" wants the value at or below."""
    if kind is TargetKind.CHANGE and change is not None:
        down = change.amount < 1 if change.kind is ChangeKind.FACTOR else change.amount < 0
        return "<=" if down else ">="
    if kind is TargetKind.AVERAGE_GROWTH and rate is not None:
        return "<=" if rate < 0 else ">="
    return None


def _parse_target(r: _Reader, t: Any, indicator: Indicator, k: int, source: str | None, source_date: date | None,
                  dates: dict[str, date | None] | None = None) -> Target | None:
    where = f"{_entry(indicator)}.targets[{k}]"
    if not isinstance(t, dict):
        r.problem(where, "problem.mapping")
        return None
    kind = r.choice(t, "kind", where, TargetKind)
    nature = r.choice(t, "nature", where, Nature, Nature.EXPECTED) or Nature.EXPECTED
    wanted = _KIND_KEYS[kind] if kind is not None else _FORM_KEYS
    for key in _FORM_KEYS:
        if key not in wanted and t.get(key) is not None:
            r.problem(f"{where}.{key}", "problem.key_unwanted", t.get(key), kind=kind.value if kind else "")
    comparator = r.text(t, "comparator", where, required=kind in (TargetKind.REACH, TargetKind.THRESHOLD,
                                                                   TargetKind.PATH)) if "comparator" in wanted else ""
    if comparator and comparator not in COMPARATORS:
        r.problem(f"{where}.comparator", "problem.one_of", comparator, allowed=" | ".join(COMPARATORS))
    value = r.number(t, "value", where) if "value" in wanted else None
    low = r.number(t, "low", where) if "low" in wanted else None
    high = r.number(t, "high", where) if "high" in wanted else None
    if low is not None and high is not None and low > high:
        r.problem(f"{where}.high", "problem.range_order", high)
    tolerance = r.number(t, "tolerance", where, required=False) if "tolerance" in wanted else None
    if tolerance is not None and tolerance < 0:
        r.problem(f"{where}.tolerance", "problem.not_negative", tolerance)
    change = None
    if "change" in wanted:
        if t.get("change") is None:
            r.problem(f"{where}.change", "problem.required")
        else:
            change = _parse_change(r, t.get("change"), f"{where}.change")
    if change is not None and change.kind is not ChangeKind.ABSOLUTE and indicator.measure == MeasureKind.YOY_CHANGE:
        # "降低13.5%" of a series of yearly changes would be judged against the latest yearly change, as a
        # level: a year that fell 3% after one that fell 4% would read as "deterioration". Refused, with the
        # two forms that do mean it.
        r.problem(f"{where}.change", "problem.change_of_yearly_changes", t.get("change"))
    rate = r.number(t, "rate", where) if "rate" in wanted else None
    if rate is not None and rate <= -100:
        r.problem(f"{where}.rate", "problem.relative_above_minus_100", rate)
    path: tuple[PathPoint, ...] | None = ()
    if "path" in wanted:
        path = _parse_path(r, t.get("path"), f"{where}.path", indicator)
    if kind in (TargetKind.CHANGE, TargetKind.AVERAGE_GROWTH) and comparator is None:
        comparator = _default_comparator(kind, change, rate)
    baseline = t.get("baseline") or {}
    if not isinstance(baseline, dict):
        r.problem(f"{where}.baseline", "problem.baseline_form", baseline)
        baseline = {}
    baseline_value = r.number(baseline, "value", f"{where}.baseline", required=False)
    baseline_date = r.day(baseline, "date", f"{where}.baseline")
    # On the raw keys: a baseline date that fails to parse is already reported, not also "missing".
    # A change or an average growth may leave the value out: the reading at the baseline date is used.
    if kind in _BASELINE_DATE_KINDS:
        if baseline.get("date") is None:
            r.problem(f"{where}.baseline.date", "problem.baseline_date_needed", kind=kind.value)
    elif (baseline.get("value") is None) != (baseline.get("date") is None):
        r.problem(f"{where}.baseline", "problem.baseline_both")
    deadline_raw = t.get("deadline")
    deadline = earliest = None
    if isinstance(deadline_raw, dict):
        earliest = r.day(deadline_raw, "earliest", f"{where}.deadline", required=True)
        deadline = r.day(deadline_raw, "latest", f"{where}.deadline", required=True)
        if earliest and deadline and earliest > deadline:
            r.problem(f"{where}.deadline", "problem.deadline_order", deadline_raw)
    elif deadline_raw is not None:
        deadline = r.day(t, "deadline", where)
    # A target outside the indicator's plausible range is a typo in the catalogue (a percent of 900,
    # a negative count), like a reading there; the docs promise values lie in the bounds.
    for key, number in (("value", value), ("low", low), ("high", high), ("baseline.value", baseline_value)):
        _check_value(r, f"{where}.{key}", number, indicator)
    if kind in _DEADLINE_KINDS and deadline is None:
        r.problem(f"{where}.deadline", "problem.deadline_needed")
    if kind is not None and kind not in _DEADLINE_KINDS and earliest is not None:
        r.problem(f"{where}.deadline", "problem.deadline_unwanted")
    if baseline_date and deadline and baseline_date >= deadline:
        r.problem(f"{where}.deadline", "problem.deadline_after_baseline")
    period = None
    if t.get("period") is not None:
        period = r.choice(t, "period", where, Frequency)
    headline = _headline(kind, value, low, high, change, rate, path)
    if kind is None or comparator is None or (comparator and comparator not in COMPARATORS) or headline is None:
        return None
    ident = str(t.get("id") or f"{indicator.id}-{k + 1}") if isinstance(t.get("id") or "", _SCALARS) else ""
    if not SLUG.match(ident):
        r.problem(f"{where}.id", "problem.slug", ident)
    return Target(
        id=ident,
        indicator_id=indicator.id,
        kind=kind,
        comparator=comparator,
        value=headline,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        deadline=deadline,
        deadline_earliest=earliest,
        method=r.choice(t, "method", where, Method, Method.CAGR) or Method.CAGR,
        period=period,
        provenance=_provenance(r, t, where, *_item_source(r, t, where, source, source_date, dates)),
        note=r.text(t, "note", where, required=False),
        nature=nature,
        low=low,
        high=high,
        tolerance=tolerance,
        change=change,
        rate=rate,
        path=path or (),
    )


def _headline(kind: TargetKind | None, value: float | None, low: float | None, high: float | None,
              change: Change | None, rate: float | None, path: tuple[PathPoint, ...] | None) -> float | None:
    """The figure stored in the target's ``value`` (monitor.model.Target), None when the form is incomplete."""
    if kind is TargetKind.RANGE:
        return None if low is None or high is None else float(Decimal(repr(low)) + Decimal(repr(high))) / 2
    if kind is TargetKind.CHANGE:
        return None if change is None else change.amount
    if kind is TargetKind.AVERAGE_GROWTH:
        return rate
    if kind is TargetKind.PATH:
        return path[-1].value if path else None
    return value


def _parse_reading(r: _Reader, raw: Any, indicator: Indicator, k: int, source: str | None, source_date: date | None,
                   dates: dict[str, date | None] | None = None) -> Reading | None:
    where = f"{_entry(indicator)}.readings[{k}]"
    if not isinstance(raw, dict):
        r.problem(where, "problem.mapping")
        return None
    end = r.day(raw, "period_end", where, required=True)
    start = r.day(raw, "period_start", where) or end
    value = r.number(raw, "value", where)
    qualifier = r.choice(raw, "qualifier", where, Qualifier, Qualifier.EXACT) or Qualifier.EXACT
    source, source_date = _item_source(r, raw, where, source, source_date, dates)
    if end is None or start is None or value is None:
        return None
    if end < start:
        r.problem(f"{where}.period_end", "problem.before_start", end, date=str(start))
    today = clock.today()
    if end > today:  # the rule of every other entry path (monitor.model.validate): no reading of the future
        r.problem(f"{where}.period_end", "problem.future", end, date=today.isoformat())
    _check_value(r, f"{where}.value", value, indicator)
    note = r.text(raw, "note", where, required=False)
    if stock_at_end(indicator, start, end):
        # A yearbook's "2021: 85.3" of a stock is its level at the end of 2021 (docs/catalog.md).
        said = STOCK_AT_END_NOTE.format(start=start.isoformat(), end=end.isoformat())
        note, start = (f"{note}; {said}" if note else said), end
    return Reading(
        indicator_id=indicator.id,
        period_start=start,
        period_end=end,
        value=value,
        qualifier=qualifier,
        source=source,
        note=note,
        provenance=_provenance(r, raw, where, source, source_date),
    )


def dump_catalog(indicators: list[Indicator], targets: list[Target], readings: list[Reading] | None = None,
                 profile: Profile | None = None, retired: dict[str, Retirement] | None = None) -> str:
    """The catalogue as YAML in the same format load_catalog reads (round-trips), with the workspace,
    the domains and the source documents of ``profile`` when given, and each retired indicator's
    ``retired: {date, reason}``."""
    # Without the source, re-importing an export changed every target with a quote (a new version
    # each time): the most common source becomes the file's, the others are written per item.
    origins: dict[tuple[str | None, date | None], int] = {}
    for t in targets:
        if t.provenance is not None:
            key = (t.provenance.source, t.provenance.source_date)
            origins[key] = origins.get(key, 0) + 1
    for rd in readings or []:
        key = (rd.source, rd.provenance.source_date if rd.provenance else None)
        origins[key] = origins.get(key, 0) + 1
    common: tuple[str | None, date | None] = max(origins, key=origins.__getitem__) if origins else (None, None)
    by_indicator: dict[str, dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    for i in indicators:
        entry = indicator_entry(i)
        retirement = (retired or {}).get(i.id)
        if retirement is not None:
            entry["retired"] = {"date": retirement.date, "reason": retirement.reason}
        entries.append(entry)
        by_indicator[i.id] = entry
    for t in targets:
        item: dict[str, Any] = {"id": t.id, "kind": t.kind.value}
        if t.nature is not Nature.EXPECTED:
            item["nature"] = t.nature.value
        item.update(_dump_form(t))
        if t.baseline_value is not None:
            item["baseline"] = {"value": t.baseline_value, "date": t.baseline_date}
        elif t.baseline_date is not None:
            item["baseline"] = {"date": t.baseline_date}
        if t.deadline_earliest is not None:
            item["deadline"] = {"earliest": t.deadline_earliest, "latest": t.deadline}
        elif t.deadline is not None:
            item["deadline"] = t.deadline
        item["method"] = t.method.value
        if t.period is not None:
            item["period"] = t.period.value
        if t.note:
            item["note"] = t.note
        _dump_provenance(item, t.provenance)
        if t.provenance is not None:
            _dump_source(item, common, t.provenance.source, t.provenance.source_date)
        by_indicator[t.indicator_id].setdefault("targets", []).append(item)
    for rd in readings or []:
        item = {
            "period_start": rd.period_start, "period_end": rd.period_end, "value": rd.value,
            "qualifier": rd.qualifier.value,
        }
        if rd.note:
            item["note"] = rd.note
        _dump_provenance(item, rd.provenance)
        _dump_source(item, common, rd.source, rd.provenance.source_date if rd.provenance else common[1])
        by_indicator[rd.indicator_id].setdefault("readings", []).append(item)
    document: dict[str, Any] = {"format": FORMAT}
    if profile is not None:
        if profile.workspace is not None:
            w = profile.workspace
            document["workspace"] = {k: v for k, v in (
                ("title_zh", w.title_zh), ("title_en", w.title_en),
                ("organisation_zh", w.organisation_zh), ("organisation_en", w.organisation_en)) if v is not None}
        document["domains"] = [{"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en} for d in profile.domains]
        # A domain an exported indicator uses but the store does not declare (a later catalogue replaced
        # the domains) is declared by its id, so the export always imports again.
        declared = {d.id for d in profile.domains}
        for used in dict.fromkeys(e["domain"] for e in entries if e.get("domain")):
            if used not in declared:
                document["domains"].append({"id": used, "name_zh": used, "name_en": used})
        if profile.sources:
            document["sources"] = [
                {k: v for k, v in (("id", s.id), ("kind", s.kind.value), ("title", s.title),
                                   ("title_en", s.title_en), ("date", s.date)) if v is not None}
                for s in profile.sources
            ]
    if common != (None, None):
        document["source"] = {k: v for k, v in (("id", common[0]), ("date", common[1])) if v is not None}
    document["indicators"] = entries
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def _dump_form(t: Target) -> dict[str, Any]:
    """The keys that state the target's figure, as _KIND_KEYS lists them for its kind."""
    form: dict[str, Any] = {}
    if t.kind is TargetKind.RANGE:
        form.update(low=t.low, high=t.high)
    elif t.kind is TargetKind.ABOUT:
        form["value"] = t.value
        if t.tolerance is not None:
            form["tolerance"] = t.tolerance
    elif t.kind is TargetKind.CHANGE and t.change is not None:
        form.update(comparator=t.comparator, change={t.change.kind.value: t.change.amount})
    elif t.kind is TargetKind.AVERAGE_GROWTH:
        form.update(comparator=t.comparator, rate=t.rate)
    elif t.kind is TargetKind.PATH:
        form.update(comparator=t.comparator, path=[{"date": p.date, "value": p.value} for p in t.path])
    else:
        form.update(comparator=t.comparator, value=t.value)
    return form


def indicator_entry(i: Indicator) -> dict[str, Any]:
    """An indicator as its catalogue entry (without targets and readings): parse_catalog reads it back."""
    entry: dict[str, Any] = {
        "id": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "domain": i.domain,
        "unit": i.unit, "display_unit": i.display_unit, "measure": i.measure.value,
        "direction": i.direction.value, "frequency": i.frequency.value,
        "bounds": [i.lower_bound, i.upper_bound],
    }
    for field_name in ("responsible", "cumulative_since", "description"):
        if getattr(i, field_name) is not None:
            entry[field_name] = getattr(i, field_name)
    if i.publication_lag_days != 30:
        entry["publication_lag_days"] = i.publication_lag_days
    return entry


def _dump_source(item: dict[str, Any], common: tuple[str | None, date | None], source: str | None, source_date: date | None) -> None:
    if source != common[0]:
        item["source"] = source
    # A date is left out only where the reader infers the same one: an item of the file's own document
    # (another declared document's id would lend the item that document's date).
    if source_date != common[1] or source != common[0]:
        item["source_date"] = source_date


def _dump_provenance(item: dict[str, Any], p: Provenance | None) -> None:
    if p is None:
        return
    item["quote"] = p.quote
    if p.speaker:
        item["speaker"] = p.speaker
    if p.office:
        item["office"] = p.office


# ---------------------------------------------------------------- use cases on a store


def indicator_changes(written: list[tuple[Indicator, Indicator | None]], who: str, when: datetime,
                      reason: str | None = None) -> list[CatalogChange]:
    """Change-log rows for indicators added or changed (queries.upsert_indicators' ``written``)."""
    changes = []
    for new, old in written:
        if old is None:
            details: dict[str, Any] = {"name_zh": new.name_zh, "name_en": new.name_en, "domain": new.domain}
            changes.append(CatalogChange(when, who, "indicator_added", new.id, None, reason, details))
            continue
        changed = {
            f: [_plain(getattr(old, f)), _plain(getattr(new, f))]
            for f in new.__dataclass_fields__ if getattr(old, f) != getattr(new, f)
        }
        changes.append(CatalogChange(when, who, "indicator_changed", new.id, None, reason, {"changed": changed}))
    return changes


def target_changes(written: list[tuple[Target, int]], who: str, when: datetime,
                   reason: str | None = None) -> list[CatalogChange]:
    """Change-log rows for target versions recorded (queries.record_targets' ``written``)."""
    changes = []
    for target, version in written:
        details: dict[str, Any] = {"version": version, "kind": target.kind.value, "comparator": target.comparator,
                                   "value": target.value}
        for key, value in (("baseline_value", target.baseline_value), ("baseline_date", target.baseline_date),
                           ("deadline", target.deadline), ("period", target.period),
                           ("source", target.provenance.source if target.provenance else None)):
            if value is not None:
                details[key] = _plain(value)
        changes.append(CatalogChange(when, who, "target_version", target.indicator_id, target.id, reason, details))
    return changes


def retirement_change(indicator_id: str, before: Retirement | None, after: Retirement | None, who: str,
                      when: datetime) -> CatalogChange:
    """The change-log row of an indicator retired (or followed again: ``after`` None)."""
    if after is not None:
        return CatalogChange(when, who, "indicator_retired", indicator_id, None, after.reason,
                             {"date": after.date.isoformat()})
    shown = None if before is None else {"date": before.date.isoformat(), "reason": before.reason}
    return CatalogChange(when, who, "indicator_changed", indicator_id, None, None, {"changed": {"retired": [shown, None]}})


def _plain(value: Any) -> Any:
    """A value as JSON holds it (enums by their value, dates as ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return getattr(value, "value", value)


def import_catalog(store: Store, catalog: Catalog, recorded_by: str = "catalog",
                   changed_by: str | None = None, *, strict: bool = False, redefine: bool = False,
                   file_name: str = "catalogue") -> dict[str, Any]:
    """Write a catalogue's indicators, targets and readings in one transaction (idempotent).

    Each indicator added or changed, target version recorded and retirement changed is also a row of
    the change log (monitor.store.catalog_queries), by ``changed_by`` (default: ``recorded_by``). An
    indicator of the catalogue without ``retired`` is followed (a retired one is followed again).

    ``warnings`` in the result: the catalogue's readings that no target of their indicator can ever use
    (monitor.files.ingest.uncounted), located by entry (``indicator 'x'.readings[3].period_end``); stored
    all the same, unless ``strict``: then a ValidationError and nothing is written.

    An indicator whose unit, measure or running-total start changes while it has readings is refused
    (queries.upsert_indicators) unless ``redefine``."""
    from monitor.store import catalog_queries, profile_queries, queries

    who = changed_by or recorded_by
    now = datetime.utcnow()
    with store.write() as con:
        # Whose monitor this is, replaced by a catalogue that declares it; one that declares none
        # (written before these keys existed) leaves the store's as they are.
        if catalog.workspace is not None:
            profile_queries.write_workspace(con, catalog.workspace)
        if catalog.domains:
            profile_queries.write_domains(con, catalog.domains)
        profile_queries.write_sources(con, catalog.sources)
        ind_written: list[tuple[Indicator, Indicator | None]] = []
        ind_new, ind_changed, ind_same = queries.upsert_indicators(con, catalog.indicators, ind_written,
                                                                    source=file_name, redefine=redefine)
        tgt_written: list[tuple[Target, int]] = []
        tgt_new, tgt_revised, tgt_same = queries.record_targets(con, catalog.targets, who, tgt_written)
        changes = indicator_changes(ind_written, who, now)
        before = catalog_queries.retirements(con)
        for indicator in catalog.indicators:
            after = catalog.retired.get(indicator.id)
            if catalog_queries.set_retirement(con, indicator.id, after):
                changes.append(retirement_change(indicator.id, before.get(indicator.id), after, who, now))
        changes += target_changes(tgt_written, who, now)
        catalog_queries.add_changes(con, changes)
        counts = {"seen": 0, "new": 0, "revised": 0, "unchanged": 0}
        warnings = _uncounted(con, catalog)
        if strict and warnings:
            raise ValidationError(warnings, f"{warnings[0]}; {len(warnings)} reading(s) would count for no target, "
                                            "nothing was imported (without --strict they are stored with warnings)")
        if catalog.readings:
            stage = queries.stage_readings(con, catalog.readings)
            counts = queries.add_staged_readings(con, stage, recorded_by, f"catalog:{catalog.source or 'file'}")
    return {
        "indicators_new": ind_new,
        "indicators_changed": ind_changed,
        "indicators_unchanged": ind_same,
        "targets_new": tgt_new,
        "targets_revised": tgt_revised,
        "targets_unchanged": tgt_same,
        "readings_new": counts["new"],
        "readings_revised": counts["revised"],
        "readings_unchanged": counts["unchanged"],
        "warnings": warnings,
    }


def _uncounted(con: Any, catalog: Catalog) -> list[Problem]:
    """The catalogue's readings no target can ever use, against the targets just recorded (same session)."""
    from monitor.files.ingest.uncounted import uncounted_problems

    seen: dict[str, int] = {}
    rows: list[tuple[int | str | None, str, date, date]] = []
    for rd in catalog.readings:
        k = seen.get(rd.indicator_id, 0)
        seen[rd.indicator_id] = k + 1
        rows.append((f"{_entry_of(rd.indicator_id)}.readings[{k}]", rd.indicator_id, rd.period_start, rd.period_end))
    return uncounted_problems(con, catalog.source or "catalogue", rows) if rows else []


def init_store(store: Store, seed: str | Path | None = None, with_seed: bool = True) -> dict[str, Any]:
    """Create or migrate the database and load the seed catalogue (idempotent)."""
    # The seed is read before the database is touched: a broken seed file must not leave behind a
    # new database that has the schema but none of the catalogue.
    catalog = load_catalog(seed) if with_seed else None
    applied = store.init()
    result: dict[str, Any] = {"database": str(store.path), "migrations_applied": applied}
    if catalog is not None:
        result.update(import_catalog(store, catalog, recorded_by="seed"))
    return result


def export_catalog(store: Store, with_readings: bool = False) -> str:
    """The store's catalogue (retired indicators included, with their ``retired``) as load_catalog reads it."""
    from monitor.store import catalog_queries, profile_queries, queries

    with store.read() as con:
        profile = profile_queries.read_profile(con)
        indicators = queries.list_indicators(con)
        targets = queries.list_targets(con)
        readings = queries.list_readings(con) if with_readings else None
        retired = catalog_queries.retirements(con)
    return dump_catalog(indicators, targets, readings, profile, retired)


def read_profile(store: Store) -> Profile:
    """The store's workspace, domains (in display order) and source documents."""
    from monitor.store import profile_queries

    with store.read() as con:
        return profile_queries.read_profile(con)


from monitor.store.connection import Store  # noqa: E402  (type used in annotations above)
