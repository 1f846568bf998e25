"""The model: plain typed records exchanged between the store, the use cases and the user interfaces
(this module), and the rules every layer shares: units and magnitude words (``units``), periods and
dates (``periods``) and what a stored value may be (``validate``). The bottom layer: it imports
nothing of the product but ``errors``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class MeasureKind(StrEnum):
    STOCK = "stock"  # level at a point in time (racks at end of June)
    FLOW = "flow"  # total over a period (tourist visits in Jan-May)
    RATIO = "ratio"  # share or rate over a period (good-air days in 2024)
    CUMULATIVE = "cumulative"  # running total since a fixed start date
    YOY_CHANGE = "yoy_change"  # year-on-year change, in percent


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


# Calendar months in one period of each regular frequency (irregular series have no next period).
FREQUENCY_MONTHS: dict[Frequency, int] = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.HALF_YEARLY: 6,
    Frequency.YEARLY: 12,
}


class Qualifier(StrEnum):
    EXACT = "exact"
    APPROX = "approx"  # 约
    AT_LEAST = "at_least"  # 以上, 突破 (reached or passed)
    MORE_THAN = "more_than"  # 余, 多 (strictly more than)
    AT_MOST = "at_most"  # 以下, 不到


class TargetKind(StrEnum):
    """The forms a plan states a goal in (docs/methodology.md, "Target forms")."""

    REACH = "reach"  # reach a value by a deadline
    THRESHOLD = "threshold"  # stay at or beyond a value every period ("5.5%以内")
    RANGE = "range"  # between two values, inclusive ("4.5%至5%")
    ABOUT = "about"  # a value give or take a tolerance ("2%左右")
    CHANGE = "change"  # a change from the baseline ("降低13.5%", "翻一番", "提高1岁")
    AVERAGE_GROWTH = "average_growth"  # an average annual growth since the baseline ("年均增长7%以上")
    PATH = "path"  # a target value for each period


# The kinds the set-based status path computes itself; the others go to the per-goal engine.
SET_KINDS = (TargetKind.REACH, TargetKind.THRESHOLD)


class Nature(StrEnum):
    """Whether a target is binding (约束性) or expected (预期性); binding goals come first in every list."""

    BINDING = "binding"
    EXPECTED = "expected"


class ChangeKind(StrEnum):
    RELATIVE = "relative"  # percent of the baseline ("降低13.5%": -13.5)
    FACTOR = "factor"  # a multiple of the baseline ("翻一番": 2, "翻两番": 4)
    ABSOLUTE = "absolute"  # base units added to the baseline ("提高1岁": 1)


@dataclass(frozen=True)
class Change:
    """A change target's change, as stated."""

    kind: ChangeKind
    amount: float


@dataclass(frozen=True)
class PathPoint:
    """One point of a path target: the value in force for the period ending on ``date``."""

    date: date
    value: float  # base units


class Method(StrEnum):
    CAGR = "cagr"
    LINEAR = "linear"


COMPARATORS = (">=", ">", "<=", "<")

# Every status a goal can have (progress.py computes them; i18n.py names them).
STATUSES: tuple[str, ...] = (
    "achieved",
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deterioration",
    "met",
    "not_met",
    "no_target",
    "insufficient_data",
)


@dataclass(frozen=True)
class Provenance:
    """Where a seeded figure comes from: the original sentence and who said it."""

    quote: str
    source: str | None = None  # document title or id
    source_date: date | None = None
    speaker: str | None = None
    office: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    domain: str
    unit: str  # base unit in which values are stored ("人次", "元", "%")
    display_unit: str  # unit shown to people ("万人次", "亿元", "%")
    measure: MeasureKind
    direction: Direction = Direction.INCREASE
    frequency: Frequency = Frequency.YEARLY
    lower_bound: float | None = None
    upper_bound: float | None = None
    responsible: str | None = None
    publication_lag_days: int = 30
    cumulative_since: date | None = None
    description: str | None = None


@dataclass(frozen=True)
class Target:
    id: str
    indicator_id: str
    kind: TargetKind
    comparator: str
    value: float  # base units
    baseline_value: float | None = None
    baseline_date: date | None = None
    deadline: date | None = None  # latest date: the commitment
    deadline_earliest: date | None = None  # stretch date of a "within 3-5 years" window
    method: Method = Method.CAGR
    # Period a threshold is judged over ("yearly": a Jan-Jun ratio is provisional).
    period: Frequency | None = None
    version: int = 1
    valid_from: datetime | None = None
    provenance: Provenance | None = None
    note: str | None = None
    # The forms beyond reach and threshold (TargetKind), stored as stated. ``value`` (a NOT NULL column)
    # then holds the form's headline figure: about its value, range the midpoint of low and high,
    # change the stated amount, average_growth the rate, path the last point's value; ``comparator``
    # is "" for range and about (they have none).
    nature: Nature = Nature.EXPECTED
    low: float | None = None  # range: lower end, base units, inclusive
    high: float | None = None  # range: upper end, base units, inclusive
    tolerance: float | None = None  # about: absolute, base units; None: the documented default
    change: Change | None = None  # change
    rate: float | None = None  # average_growth: percent a year
    path: tuple[PathPoint, ...] = ()  # path: oldest first
    # A withdrawal row (monitor.present.withdraw; only in the full history): the version it withdraws,
    # and why. Neither that version nor this row is ever in force.
    withdraws: int | None = None
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class Reading:
    indicator_id: str
    period_start: date
    period_end: date
    value: float  # base units
    qualifier: Qualifier = Qualifier.EXACT
    source: str | None = None
    note: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    revision: int = 1
    provenance: Provenance | None = None
    # A withdrawal (monitor.present.withdraw): this revision withdraws the period's value, which then has
    # no reading in force; recorded_by and recorded_at say who and when.
    withdrawn: bool = False
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class Domain:
    """A group of indicators, as the catalogue names it; the order of a list of them is display order."""

    id: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


class SourceKind(StrEnum):
    PLAN = "plan"
    WORK_REPORT = "work_report"
    BRIEFING = "briefing"
    OTHER = "other"


@dataclass(frozen=True)
class SourceDocument:
    """A document targets and readings come from (their ``source`` is its id)."""

    id: str
    kind: SourceKind
    title: str
    date: date | None = None
    title_en: str | None = None

    def title_in(self, lang: str) -> str:
        return self.title if lang == "zh" or not self.title_en else self.title_en


@dataclass(frozen=True)
class Workspace:
    """Whose monitor this is: the title and the organisation the dashboard, the CLI and alerts show."""

    title_zh: str
    title_en: str
    organisation_zh: str | None = None
    organisation_en: str | None = None

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def organisation(self, lang: str) -> str | None:
        return self.organisation_zh if lang == "zh" else self.organisation_en


# The domains of a catalogue that declares none (catalogues written before `domains:` existed), named
# generically: a catalogue names its own (the seed declares its six with the briefing's wording).
DEFAULT_DOMAINS: tuple[Domain, ...] = (
    Domain("tourism", "文化旅游", "Tourism"),
    Domain("ecology", "生态环境", "Ecology"),
    Domain("digital", "数字经济", "Digital economy"),
    Domain("innovation", "科技创新", "Innovation"),
    Domain("openness", "对外开放", "Openness & trade"),
    Domain("livelihood", "民生保障", "People's livelihood"),
)


@dataclass(frozen=True)
class Profile:
    """What is the user's besides the indicators: the workspace (None: none declared), the domains in
    display order and the source documents, as a store holds them."""

    workspace: Workspace | None = None
    domains: tuple[Domain, ...] = DEFAULT_DOMAINS
    sources: tuple[SourceDocument, ...] = ()

    def domain(self, ident: str) -> Domain | None:
        return next((d for d in self.domains if d.id == ident), None)

    def domain_name(self, ident: str, lang: str) -> str:
        """The domain's name in ``lang``; an undeclared domain is shown by its id."""
        found = self.domain(ident)
        return found.name(lang) if found is not None else ident


@dataclass(frozen=True)
class Retirement:
    """An indicator no longer followed: when and why. It stays in the store and its history; statuses
    and lists leave it out by default (the catalogue's ``retired: {date, reason}``)."""

    date: date
    reason: str


# What a row of the catalogue's change log records (the store's catalog_change.what).
CHANGE_KINDS: tuple[str, ...] = (
    "indicator_added", "indicator_changed", "indicator_retired", "target_version", "target_withdrawn",
)


@dataclass(frozen=True)
class CatalogChange:
    """One change to the catalogue: when (UTC), who, what, to which indicator (and target), why, and the
    details (what changed; the target version written)."""

    changed_at: datetime
    changed_by: str
    what: str  # one of CHANGE_KINDS
    indicator_id: str
    target_id: str | None = None
    reason: str | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    """Indicators with their targets and (seed) readings, as read from a catalogue file, and what the
    file declares of its workspace, domains (empty: none declared) and source documents."""

    indicators: list[Indicator] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    source: str | None = None
    source_date: date | None = None
    workspace: Workspace | None = None
    domains: list[Domain] = field(default_factory=list)
    sources: list[SourceDocument] = field(default_factory=list)
    # The indicators the file declares retired (indicator id -> Retirement); the others are not.
    retired: dict[str, Retirement] = field(default_factory=dict)


# The largest size of a figure the product stores: 10^18 is far above any public figure in any base unit
# the catalogue uses (a nation's financial assets in yuan are ~5e14), keeps every figure exact to two
# decimals within Decimal's default 28 digits (Babel's number formatting broke at ~1e38), and keeps
# the products and squares of figures (the engine's fits) far from a double's overflow. Tiny figures
# need no limit: they format as 0 and the engine's rates guard against overflow.
VALUE_MAX = 1e18
TOO_LARGE = f"is too large: figures are kept up to {VALUE_MAX:g} in size (check the unit and any magnitude word)"


def magnitude_code(value: float) -> str | None:
    """The problem code (monitor.model.problems) of a ``value`` in base units that cannot be stored, or None:
    it must be finite and at most VALUE_MAX in size."""
    if not math.isfinite(value):
        return "problem.not_finite"
    if abs(value) > VALUE_MAX:
        return "problem.too_large"
    return None


def magnitude_problem(value: float) -> str | None:
    """Why ``value`` (in base units) cannot be stored, in English, or None."""
    from monitor.model.problems import render

    code = magnitude_code(value)
    return None if code is None else render(code)
