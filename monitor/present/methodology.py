"""The methodology page's summary for leaders: what each status means, and examples from the workspace.

No Streamlit here: the page (dashboards/methodology.py) renders this above the technical method
(docs/methodology.md, folded).

Contracts (tests/test_methodology_page.py):

- every status is named with ``status_text`` — the words of the overview, the goal pages, the reports
  and the CLI — never with words of its own;
- the examples are goals of the workspace's own catalogue, computed through the one status entry point
  (``monitor.status.statuses``) and shown with the goal page's own wording functions (latest and target
  figures, progress, the evidence sentence), so an example cannot disagree with its goal page. They are
  picked by form and status — a goal to reach by a date with its pace measured, else any such goal; a
  goal judged every period, not met first — never by an indicator id, so any office's catalogue works;
- the leaders' words carry no developer identifiers (module, column or evidence names) in either
  language: plain sentences only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from monitor.present.i18n import format_date, status_text, t
from monitor.present.overview import progress_fraction
from monitor.present.wording import explanation, latest_parts, name, nature_rank, target_parts, value_text
from monitor.status import Detail, statuses
from monitor.store.connection import Store

__all__ = ["EXAMPLE_FORMS", "STATUS_GROUPS", "Example", "Meaning", "Summary", "leaders_summary", "pick_examples"]

# The statuses in the order a leader meets them, in the two families of goals (and the two without a
# judgement). Every status of monitor.model.STATUSES appears once (tests check it).
STATUS_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reach", ("achieved", "on_track", "needs_acceleration", "limited_progress", "deterioration", "not_met")),
    ("period", ("met", "not_met")),
    ("other", ("insufficient_data", "no_target")),
)
# Which target kinds each example family covers: reach a value by a date (its pace is measured), or keep a
# value (a line, a range, a value "about", a path) every period.
EXAMPLE_FORMS: dict[str, tuple[str, ...]] = {
    "reach": ("reach", "change", "average_growth"),
    "period": ("threshold", "range", "about", "path"),
}


@dataclass(frozen=True, slots=True)
class Meaning:
    """One status: its name as the whole UI writes it ("🟢 按期推进") and what it means in plain words."""

    status: str
    name: str
    meaning: str


@dataclass(frozen=True, slots=True)
class Example:
    """One goal of the workspace, shown as its goal page shows it. ``indicator_id`` is for the link only."""

    family: str  # "reach" | "period"
    indicator_id: str
    target_id: str
    heading: str  # "标准机架（已建、在建）"
    status: str
    status_name: str
    latest: str  # the goal page's "最新值" figure
    latest_period: str
    target: str  # the goal page's "目标" figure
    target_when: str
    progress: str  # the goal page's "进度" ("46%", or "—")
    baseline: str  # "2.3万架（2025年6月30日）"; "" when the goal has none
    evidence: str  # the goal page's sentence
    reading: str  # what the status means, in plain words (the status table's sentence)


@dataclass(frozen=True, slots=True)
class Summary:
    as_of: str  # the date the examples are computed at, formatted
    intro: tuple[str, ...]
    groups: tuple[tuple[str, tuple[Meaning, ...]], ...]  # (group heading, its statuses)
    notes: tuple[str, ...]  # provisional, overdue, progress
    examples: tuple[Example, ...]
    no_examples: str  # what to say when the catalogue has no goal to show

    def texts(self) -> list[str]:
        """Every sentence of the summary (for the tests of its wording)."""
        out = [self.as_of, *self.intro, *self.notes, self.no_examples]
        for heading, meanings in self.groups:
            out.append(heading)
            out += [x for m in meanings for x in (m.name, m.meaning)]
        for e in self.examples:
            out += [e.heading, e.status_name, e.latest, e.latest_period, e.target, e.target_when, e.progress,
                    e.baseline, e.evidence, e.reading]
        return [x for x in out if x]


def meaning(status: str, family: str, lang: str) -> str:
    """What ``status`` means for a goal of ``family`` ("reach" | "period" | "other"), in plain words."""
    key = f"meth.means.{family}.{status}"
    return t(key, lang)


def _rank(record: dict[str, Any], family: str) -> tuple[int, ...]:
    """Lower is a better example: the most instructive status of the family first, binding goals first."""
    if family == "reach":
        # A measured pace shows the whole method; an achieved or overdue one shows less; no data least.
        measured = 0 if record["ratio"] is not None else 1 if record["status"] != "insufficient_data" else 2
        return (measured, nature_rank(record))
    order = ("not_met", "met")
    return (order.index(record["status"]) if record["status"] in order else len(order), nature_rank(record))


def pick_examples(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most one goal per family (EXAMPLE_FORMS), by form and status (see the module docstring); records
    keep the order of the status entry point among equals."""
    chosen: list[dict[str, Any]] = []
    for family, kinds in EXAMPLE_FORMS.items():
        candidates = [r for r in records if r.get("target_kind") in kinds]
        if family == "reach":
            # A goal to reach needs the start and the end to say anything about its pace.
            candidates = [r for r in candidates if r["status"] != "no_target"]
        if candidates:
            chosen.append(min(candidates, key=lambda r: _rank(r, family)))
    return chosen


def _family(record: dict[str, Any]) -> str:
    return next(f for f, kinds in EXAMPLE_FORMS.items() if record.get("target_kind") in kinds)


def _example(record: dict[str, Any], lang: str) -> Example:
    family = _family(record)
    latest, latest_period = latest_parts(record, lang)
    target, when = target_parts(record, lang)
    fraction = progress_fraction(record)  # the goal page's "进度", by the same function
    baseline = ""
    if family == "reach" and record["baseline_value"] is not None:
        figure = value_text(record["baseline_value"], record["unit"], lang, None, record["name_en"])
        day = record["baseline_date"]
        baseline = figure if not day else (
            f"{figure}（{format_date(date.fromisoformat(day), lang)}）" if lang == "zh"
            else f"{figure} ({format_date(date.fromisoformat(day), lang)})"
        )
    return Example(
        family=family,
        indicator_id=record["indicator_id"],
        target_id=record["target_id"] or "",
        heading=name(record, lang),
        status=record["status"],
        status_name=status_text(record["status"], lang),
        latest=latest,
        latest_period=latest_period,
        target=target,
        target_when=when,
        progress="—" if fraction is None else f"{fraction * 100:.0f}%",
        baseline=baseline,
        evidence=explanation(record, lang),
        reading=meaning(record["status"], family if record["status"] not in ("insufficient_data",) else "other", lang),
    )


def leaders_summary(store: Store, as_of: date, lang: str) -> Summary:
    """The summary at ``as_of`` in ``lang``, with examples from the store (none while it holds no goal)."""
    records = [r.as_dict() for r in statuses(store, as_of, detail=Detail.SUMMARY)] if store.exists else []
    groups = tuple(
        (t(f"meth.group.{group}", lang), tuple(Meaning(s, status_text(s, lang), meaning(s, group, lang)) for s in codes))
        for group, codes in STATUS_GROUPS
    )
    return Summary(
        as_of=format_date(as_of, lang),
        intro=(t("meth.intro.what", lang), t("meth.intro.families", lang)),
        groups=groups,
        notes=(t("meth.note.progress", lang), t("meth.note.provisional", lang), t("meth.note.overdue", lang)),
        examples=tuple(_example(r, lang) for r in pick_examples(records)),
        no_examples=t("meth.no_examples", lang),
    )
