"""The draft review page in a real headless Chromium (issue 20, item 3): a document uploaded with
``set_input_files``, rows unticked and corrected in the data grid (by keyboard, as an editor would), a
refused import located at its grid row with nothing stored, then the import: the store holds the
indicators, the targets and the actual figures as readings with their sentence as provenance.

The server and browser are test_browser's (`streamlit run` on 127.0.0.1, Debian's Chromium through
Playwright's ``executable_path``); the store is a real DuckDB file without the seed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from monitor.files.catalog import init_store
from monitor.files.draft import draft_file
from monitor.files.draft.workbook import indicator_id
from monitor.store.connection import Store

pytestmark = pytest.mark.browser

PLAN = Path(__file__).parent / "fixtures" / "draft" / "plan.txt"
ROW = 35  # the data grid's row height in pixels (header included)


def _cell(page: Any, row: int, column: int) -> None:
    """Focus the grid's cell at 1-based ``row`` and 0-based editable ``column`` (0 = 接受 Accept): a click
    on row 1, then arrow keys (the grid is a canvas; keys are how it is driven reliably)."""
    from test_browser import _settle

    _settle(page)  # a click during a rerun can be lost
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    # Row 1's Kind cell: a click there only focuses it (one on a checkbox would tick it).
    page.mouse.click(box["x"] + 150, box["y"] + ROW + ROW // 2)
    page.wait_for_timeout(200)
    # From wherever the selection is (a click right after a rerun may leave the last edited cell
    # selected): to row 1's Accept cell (arrows stop at the edges), then to the cell wanted.
    for _ in range(20):
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowLeft")
    for _ in range(row - 1):
        page.keyboard.press("ArrowDown")
    for _ in range(column + 1):  # past the row number column "#"
        page.keyboard.press("ArrowRight")


def _type_into(page: Any, row: int, column: int, text: str) -> None:
    """Open the cell's editor (Enter), replace its text, commit (Enter) and wait for the rerun."""
    from test_browser import _settle

    _cell(page, row, column)
    page.keyboard.press("Enter")
    editor = page.locator("textarea").last
    editor.wait_for()
    editor.fill(text)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    _settle(page)


def _counts(db: Path) -> tuple[int, int, int]:
    with Store(db).read() as con:
        return tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[return-value]
                     for table in ("indicator", "target", "reading"))


def test_a_document_is_drafted_corrected_and_imported_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium, _settle, _streamlit

    _require_chromium()
    db = tmp_path / "monitor.duckdb"
    store = Store(db)
    init_store(store, with_seed=False)
    store.close()
    assert _counts(db) == (0, 0, 0)
    draft = draft_file(PLAN)
    assert len(draft.rows) == 15 and draft.rows[1].name == "（未识别）" and draft.rows[14].display_unit == "个"

    with _streamlit(tmp_path, db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="en-US")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{url}/draft?lang=en")
            _settle(page)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(PLAN))
            page.get_by_text("15 statements found").wait_for()
            _settle(page)
            # Row 2 (a figure without a name) and rows whose name has digits (4, 12, 15) are not ticked by
            # default; the editor ticks 4, 12 and 15, leaving row 2 out.
            page.get_by_role("button", name="Import the 11 accepted rows").wait_for()
            for n in (4, 12, 15):
                _cell(page, n, 0)
                page.keyboard.press("Space")
                _settle(page)
            page.get_by_role("button", name="Import the 14 accepted rows").wait_for()
            _settle(page)

            # A figure that is no number: located at its row and field, and nothing can be imported.
            _type_into(page, 3, 3, "六十点二")
            page.get_by_text(re.compile(r"^Row 3, Value: is not a number")).wait_for()
            assert page.get_by_role("button", name="Import the 14 accepted rows").is_disabled()
            _type_into(page, 3, 3, "60.2")
            page.get_by_text(re.compile(r"^Row 3, Value")).wait_for(state="detached")

            # The import refuses row 15 (4.5 托位 per thousand people is no whole count): located, nothing stored.
            page.get_by_role("button", name="Import the 14 accepted rows").click()
            page.get_by_text(re.compile(r"^Row 15, .*whole number")).wait_for()
            assert _counts(db) == (0, 0, 0)

            # Corrected in the grid: the unit is a rate. Then the import goes through.
            _type_into(page, 15, 4, "个/千人")
            page.get_by_role("button", name="Import the 14 accepted rows").click()
            page.get_by_text(re.compile(r"^Imported: \d+ new indicators, \d+ new targets, 4 new readings")).wait_for()
        except Exception:
            page.screenshot(path=str(tmp_path / "failed.png"), full_page=True)
            raise
        finally:
            browser.close()

    accepted = [r for n, r in enumerate(draft.rows, 1) if n != 2]
    with Store(db).read() as con:
        indicators = dict(con.execute("SELECT id, unit FROM indicator").fetchall())
        targets = con.execute("SELECT indicator_id, quote FROM target").fetchall()
        readings = con.execute(
            "SELECT indicator_id, period_start, period_end, value, source, quote, source_date FROM reading "
            "ORDER BY period_end, value").fetchall()
    assert set(indicators) == {indicator_id(r) for r in accepted}
    assert indicator_id(draft.rows[1]) not in indicators  # the unticked row
    assert indicators[indicator_id(draft.rows[14])] == "个/千人"
    assert len(targets) == sum(r.kind != "actual" for r in accepted) and all(q for _, q in targets)
    actuals = [r for r in accepted if r.kind == "actual"]
    assert sorted((r[0], r[3], r[5]) for r in readings) == sorted((indicator_id(r), r.value, r.sentence) for r in actuals)
    assert {(r[4], r[6]) for r in readings} == {("plan", draft.source["date"])}  # the document is the source
