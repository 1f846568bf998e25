"""Issue 23 leftovers: English picture cards wrap a long target phrase instead of cutting it; the phone's
cards follow the nature filter; share links carry every overview filter and open the same view.

Real DuckDB stores (the county's catalogue: tests/fixtures/county.yaml), Pillow drawing with the fonts the
cards use, the app in Streamlit's AppTest.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app_helpers import open_app
from monitor import clock
from monitor.files.catalog import init_store
from monitor.present import card_image
from monitor.present.card_image import FIGURE_SIZE, FIGURE_WRAPPED_SIZE, GOAL_SIZE, _figure_lines, _Pen, render_png
from monitor.present.cards import goal_card, share_query
from monitor.present.overview import load_overview
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
COUNTY = REPO / "tests" / "fixtures" / "county.yaml"
TODAY = clock.today()  # the workspace's day (monitor.clock), as the pages and reports use
HALF = (GOAL_SIZE[0] - 2 * 56) / 2 - 24  # the room of a figure: half the card inside its margins


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    db = tmp_path / "monitor.duckdb"
    store = Store(db)
    init_store(store, seed=COUNTY)
    monkeypatch.setenv("MONITOR_DB", str(db))
    return store


@pytest.mark.parametrize("indicator", ["county-rd", "county-energy", "county-cpi", "county-gdp-growth"])
def test_an_english_target_phrase_is_wrapped_not_cut(county: Store, indicator: str) -> None:
    if card_image.find_font() is None:
        pytest.skip("no TrueType font: Pillow's default font measures differently")
    card = goal_card(county, indicator, TODAY, "en")
    pen = _Pen(Image.new("RGB", GOAL_SIZE), [card.target_figure])
    size, lines = _figure_lines(pen, card.target_figure, HALF)
    assert " ".join(lines) == card.target_figure, lines  # every word drawn, no ellipsis
    assert all(pen.width(line, size, True) <= HALF for line in lines)
    if pen.width(card.target_figure, FIGURE_SIZE, True) > HALF:
        assert size == FIGURE_WRAPPED_SIZE and 1 <= len(lines) <= 2
    if indicator == "county-rd":  # "average annual growth at least 7%": two lines
        assert len(lines) == 2
    assert render_png(card)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_short_figure_keeps_its_size(county: Store) -> None:
    pen = _Pen(Image.new("RGB", GOAL_SIZE), ["≥ 45%"])
    assert _figure_lines(pen, "≥ 45%", HALF) == (FIGURE_SIZE, ["≥ 45%"])


# ---------------------------------------------------------------- the phone's nature filter and share links


def _param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_the_phone_cards_follow_the_nature_filter(county: Store) -> None:
    at = open_app("overview.py", lang="zh")
    _, rows = load_overview(county, TODAY, "zh")
    assert len(at.page_link) == len(rows)
    at.multiselect(key="ov_nature").set_value(["binding"]).run()
    binding = [r["name"] for r in rows if r["nature_code"] == "binding"]
    assert binding and len(binding) < len(rows)
    assert [p.proto.label for p in at.page_link] == binding
    assert _param(at, "nature") == "binding"


def test_a_share_link_carries_every_filter_and_opens_the_same_view(county: Store) -> None:
    at = open_app("overview.py", lang="en")
    at.toggle(key="ov_share_link").set_value(True).run()
    at.selectbox(key="ov_source").set_value("plan-15").run()
    at.toggle(key="ov_retired").set_value(True).run()
    at.multiselect(key="ov_nature").set_value(["expected"]).run()
    at.text_input(key="ov_text").set_value("gross").run()
    at.toggle(key="ov_targets").set_value(True).run()
    (link,) = [c.value for c in at.code]
    query = parse_qs(urlsplit(link).query)
    assert query == {"lang": ["en"], "nature": ["expected"], "document": ["plan-15"], "q": ["gross"],
                     "targets": ["1"], "retired": ["1"]}, link
    # (Overdue only empties the county's table, which then shows no link: the address carries it.)
    at.toggle(key="ov_stale").set_value(True).run()
    assert _param(at, "stale") == "1"
    query["stale"] = ["1"]
    # The address bar says the same, and the link opens the same view.
    assert _param(at, "document") == "plan-15" and _param(at, "q") == "gross"
    opened = open_app("overview.py", **{k: v[0] for k, v in query.items()})
    assert opened.selectbox(key="ov_source").value == "plan-15"
    assert opened.toggle(key="ov_retired").value is True
    assert opened.multiselect(key="ov_nature").value == ["expected"]
    assert opened.text_input(key="ov_text").value == "gross"
    assert opened.toggle(key="ov_stale").value is True and opened.toggle(key="ov_targets").value is True
    # An unknown document or nature in a link is dropped, not an error.
    odd = open_app("overview.py", lang="en", document="nope", nature="nope,binding")
    assert not odd.exception
    assert odd.selectbox(key="ov_source").value is None
    assert odd.multiselect(key="ov_nature").value == ["binding"]


def test_share_query_without_filters_is_the_language_alone() -> None:
    assert share_query("zh") == {"lang": "zh"}
    assert share_query("en", text="  ", natures=(), source=None) == {"lang": "en"}
