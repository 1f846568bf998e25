"""Issue 23 leftovers: English picture cards wrap a long target phrase instead of cutting it; the phone's
cards follow the nature filter; share links carry every overview filter and open the same view.

Real DuckDB stores (the county's catalogue: tests/fixtures/county.yaml), Pillow drawing with the fonts the
cards use, the app in Streamlit's AppTest.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from monitor.files.catalog import init_store
from monitor.present import card_image
from monitor.present.card_image import FIGURE_SIZE, FIGURE_WRAPPED_SIZE, GOAL_SIZE, _figure_lines, _Pen, render_png
from monitor.present.cards import goal_card
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
COUNTY = REPO / "tests" / "fixtures" / "county.yaml"
TODAY = date.today()
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
