"""Issue 18 item 5: the methodology page for leaders (monitor/present/methodology.py, dashboards/methodology.py).

The summary names every status as the rest of the UI does, its examples are goals of the workspace's own
catalogue (the seed, or a county's: tests/fixtures/county.yaml) whose figures equal their goal pages',
and its words carry no developer identifiers. Real DuckDB stores, the real app in Streamlit's AppTest.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_helpers import open_app
from monitor import clock
from monitor.files.catalog import init_store
from monitor.files.ingest import add_reading
from monitor.model import STATUSES
from monitor.present.i18n import escape_markdown, status_text, t
from monitor.present.methodology import STATUS_GROUPS, Example, leaders_summary
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
COUNTY = REPO / "tests" / "fixtures" / "county.yaml"
TODAY = clock.today()  # the workspace's day (monitor.clock), as the pages and reports use

# Words a developer writes and a leader should not read: snake_case names (valid_from, share_met), dotted
# module paths (monitor.progress), code quoting, subscripts (evidence["skipped"]), and the English names of
# the store's columns and evidence keys that are single words.
IDENTIFIER = re.compile(r"[A-Za-z]+_[A-Za-z0-9_]+|\b[a-z]+\.[a-z_]{2,}\b|[`\[\]{}]|\bmonitor\b|\bevidence\b|\bcagr\b",
                        re.IGNORECASE)
# Status-like words the UI does not use (the old methodology's names): none may appear in either document.
FOREIGN_STATUS_NAMES = ("进展一般", "进展不足", "进展较好")


@pytest.fixture(params=["seed", "county"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The app's store: seeded from the briefing, or holding only the county's catalogue."""
    db = tmp_path / "monitor.duckdb"
    store = Store(db)
    if request.param == "seed":
        init_store(store)
    else:
        init_store(store, seed=COUNTY)
    monkeypatch.setenv("MONITOR_DB", str(db))
    return store


def _leaders_part(at: AppTest) -> list[str]:
    """The page's own text above the folded technical detail."""
    folded = {m.value for e in at.expander for m in e.markdown}
    shown = [str(m.value) for m in at.markdown if m.value not in folded]
    footer = t("app.database", str(at.query_params["lang"]), path="")
    shown += [str(x.value) for x in (*at.header, *at.subheader, *at.caption, *at.info)
              if not str(x.value).startswith(footer)]  # the app's footer names the database file
    shown += [f"{m.label} {m.value} {m.proto.delta}" for m in at.metric]
    return shown


def _metrics(at: AppTest) -> list[tuple[str, str, str]]:
    return [(m.label, m.value, m.proto.delta) for m in at.metric]


def _expected_metrics(e: Example, lang: str) -> list[tuple[str, str, str]]:
    return [
        (t("goal.latest", lang), escape_markdown(e.latest), escape_markdown(e.latest_period)),
        (t("goal.target", lang), escape_markdown(e.target), escape_markdown(e.target_when)),
        (t("goal.progress", lang), e.progress, ""),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_status_is_named_as_everywhere_else(workspace: Store, lang: str) -> None:
    at = open_app("methodology.py", lang=lang)
    assert not at.error and not at.warning
    leaders = _leaders_part(at)
    named = {status_text(s, lang) for s in STATUSES}
    # Every status is explained once per family it belongs to, by the UI's name.
    listed = [m for line in leaders for m in re.findall(r"^- \*\*(.+?)\*\*", line, re.MULTILINE)]
    assert set(listed) == named, listed
    assert sorted(listed) == sorted(status_text(s, lang) for _, codes in STATUS_GROUPS for s in codes)
    for line in leaders:
        for bad in FOREIGN_STATUS_NAMES:
            assert bad not in line
    # The example's badge says its status with the same words.
    summary = leaders_summary(workspace, TODAY, lang)
    assert summary.examples, "the catalogue has goals to show"
    badges = " ".join(leaders)
    for e in summary.examples:
        assert e.status_name == status_text(e.status, lang) and e.status_name in badges


def test_the_documents_name_statuses_as_the_ui() -> None:
    # The Chinese method names a status after its code, "`on_track`（按期推进）" or "`on_track` 按期推进":
    # always the UI's word. Neither document uses other names.
    zh = (REPO / "docs" / "methodology.zh.md").read_text(encoding="utf-8")
    found = re.findall(r"`(" + "|".join(STATUSES) + r")`(?:（| )([\u4e00-\u9fff]+)", zh)
    assert len(found) >= len(STATUSES)
    for code, word in found:
        assert word == t(f"status.{code}", "zh"), (code, word)
    for name in ("methodology.md", "methodology.zh.md"):
        text = (REPO / "docs" / name).read_text(encoding="utf-8")
        for bad in FOREIGN_STATUS_NAMES:
            assert bad not in text, (name, bad)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_leaders_part_has_no_developer_identifiers(workspace: Store, lang: str) -> None:
    summary = leaders_summary(workspace, TODAY, lang)
    for text in summary.texts():
        assert not IDENTIFIER.search(text), text
    at = open_app("methodology.py", lang=lang)
    leaders = _leaders_part(at)
    assert len(leaders) > 10
    for text in leaders:
        # A bold label, a line break and an escaped character are the page's markup, not identifiers.
        plain = re.sub(r"\\(.)", r"\1", text.replace("**", ""))
        plain = re.sub(r":\w+-badge\[(.*)\]", r"\1", plain)  # a status badge's markup
        assert not IDENTIFIER.search(plain), text
    # ...while the technical detail, folded below, keeps the method's names.
    (technical,) = at.expander
    assert technical.label == t("meth.technical", lang)
    assert any("valid_from" in m.value for m in technical.markdown)


def test_the_identifier_check_can_fail() -> None:
    for developer in ('evidence["skipped"]', "monitor.progress", "valid_from", "`x`", "share_met"):
        assert IDENTIFIER.search(developer), developer
    for plain in ("需要年均增长 16.8%，实际 30.5%，比值 1.81 → 按期推进", "e.g. 2.5%", "Jan–Jun 2025"):
        assert not IDENTIFIER.search(plain), plain


def _check_against_goal_pages(store: Store, lang: str) -> list[Example]:
    summary = leaders_summary(store, TODAY, lang)
    at = open_app("methodology.py", lang=lang)
    shown = _metrics(at)
    leaders = " ".join(_leaders_part(at))
    for e in summary.examples:
        # The methodology page shows the summary's figures...
        for metric in _expected_metrics(e, lang):
            assert metric in shown, (metric, shown)
        assert escape_markdown(e.evidence) in leaders
        # ...and they are the goal page's.
        goal = open_app("goal.py", lang=lang, goal=e.indicator_id)
        on_goal = _metrics(goal)
        for metric in _expected_metrics(e, lang):
            assert metric in on_goal, (e.indicator_id, metric, on_goal)
        goal_text = " ".join(str(m.value) for m in goal.markdown)
        assert f"**{t('goal.evidence', lang)}**{t('punct.colon', lang)}{escape_markdown(e.evidence)}" in goal_text
        assert status_text(e.status, lang) in goal_text  # the badge
    return list(summary.examples)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_examples_are_the_goal_pages(workspace: Store, lang: str) -> None:
    examples = _check_against_goal_pages(workspace, lang)
    # One goal to reach and one judged every period, picked from the catalogue by form.
    assert [e.family for e in examples] == ["reach", "period"]
    # A goal judged every period that falls short explains more than one that is met: it is preferred.
    assert examples[1].status == "not_met"


def test_a_measured_pace_is_the_reach_example(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    before = leaders_summary(fresh_db, TODAY, "zh").examples[0]
    assert before.status == "insufficient_data"  # no reach goal of the seed has a reading after its baseline
    # A year after the racks' baseline (2025-06-30): its pace can be measured, so it becomes the example.
    day = date(2026, 6, 30)
    if TODAY <= day + timedelta(days=1):
        pytest.skip("the reading's date must have passed")
    report = add_reading(fresh_db, "compute-racks", 30000, day)
    assert not report.problems
    (reach, _) = _check_against_goal_pages(fresh_db, "zh")
    assert (reach.indicator_id, reach.status) == ("compute-racks", "on_track")
    assert reach.evidence.startswith("需要年均增长 16.8%") and "比值 1.81" in reach.evidence
    assert reach.baseline == "2.3万架（2025年6月30日）"
    (reach_en, _) = _check_against_goal_pages(fresh_db, "en")
    assert reach_en.status_name == "🟢 On track"


def test_an_empty_workspace_says_there_is_no_example(empty_db: Store, db_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    summary = leaders_summary(empty_db, TODAY, "en")
    assert summary.examples == ()
    at = open_app("methodology.py", lang="en")
    assert [i.value for i in at.info] == [t("meth.no_examples", "en")]
