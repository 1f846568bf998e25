"""The dashboard in a real headless Chromium, driven by Playwright against `streamlit run`.

Needs Debian's /usr/bin/chromium (and fonts-noto-cjk for legible Chinese screenshots; .ci/run
installs both). Playwright's own browser download is never used. The server listens on 127.0.0.1
only. Saves the README's screenshots under docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.catalog import init_store
from monitor.status import status_records
from monitor.store.connection import Store

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-proxy-server",
]
SHOTS = REPO / "docs" / "screenshots"
WIDTH = 1400
TIMEOUT_MS = 30_000

TODAY = date.today()
# The methodology's worked example (30,000 racks at 2026-06-30) once that date has passed.
READING_DAY = date(2026, 6, 30) if TODAY > date(2026, 6, 30) else TODAY.replace(day=1) - timedelta(days=1)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (.ci/run does)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "monitor.duckdb"
    init_store(Store(db))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "streamlit.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["MONITOR_DB"] = str(db)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"streamlit did not start:\n{(folder / 'streamlit.log').read_text()[-3000:]}")
            time.sleep(0.25)
        yield {"url": url, "db": db}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    try:
        yield tab
    finally:
        context.close()


def _settle(page: Any) -> None:
    """Wait until Streamlit has finished the run (no "running" indicator) and charts are drawn."""
    page.locator('[data-testid="stMainBlockContainer"]').wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(800)


def _screenshot(page: Any, name: str) -> None:
    """The whole page, however long: Streamlit scrolls inside its main block, so the viewport grows."""
    _settle(page)
    height = page.evaluate(
        "() => Math.ceil(document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
        ".getBoundingClientRect().bottom + 24)"
    )
    page.set_viewport_size({"width": WIDTH, "height": max(900, int(height))})
    page.wait_for_timeout(1200)  # the data grid and Vega redraw at the new size
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})


def _grid_cell(page: Any, text: str) -> Any:
    """A cell of the overview's data grid, found through the grid's accessible table."""
    cell = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]', has_text=text).first
    cell.wait_for(state="attached")
    return cell


def test_a_reading_added_in_the_form_appears_on_the_detail_page(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/add?lang=zh&indicator=compute-racks")
    page.get_by_text("录入一期数据").wait_for()
    _settle(page)
    # The date field has one spin button per part (year, month, day), as a person types it.
    for part, text in (("year", f"{READING_DAY.year}"), ("month", f"{READING_DAY.month:02d}"), ("day", f"{READING_DAY.day:02d}")):
        segment = page.get_by_role("spinbutton", name=f"{part}, 日期")
        segment.click()
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    page.locator('input[aria-label="数值（万架）"]').fill("3")
    page.locator('input[aria-label="来源"]').fill("xining-data-bureau-2026")
    page.get_by_role("button", name="保存").click()
    page.get_by_text(re.compile("已保存：3万架")).wait_for()
    page.get_by_text("该目标的最新状态").wait_for()

    stored = [r for r in status_records(Store(server["db"]), TODAY) if r["indicator_id"] == "compute-racks"]
    assert stored[0]["latest_value"] == 30000
    assert stored[0]["latest_period_end"] == READING_DAY.isoformat()

    page.goto(f"{server['url']}/goal?goal=compute-racks&lang=zh")
    page.get_by_role("heading", name="标准机架（已建、在建）").wait_for()
    page.get_by_text(re.compile("需要年均增长 16.8%")).wait_for()
    page.get_by_text("3万架", exact=True).wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    readings = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]', has_text="xining-data-bureau-2026")
    readings.first.wait_for(state="attached")
    _screenshot(page, "goal-zh")

    page.goto(f"{server['url']}/goal?goal=compute-racks&lang=en")
    page.get_by_role("heading", name="Standard data-centre racks (built and under construction)").wait_for()
    page.get_by_text(re.compile("needs 16.8% a year")).wait_for()
    page.get_by_text("30,000 racks", exact=True).wait_for()
    _screenshot(page, "goal-en")


def test_overview_loads_and_shows_the_racks_goal(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/?lang=zh")
    page.get_by_text("西宁市高质量发展目标监测").wait_for()
    _grid_cell(page, "标准机架（已建、在建）")
    cells = page.locator('[data-testid="stDataFrame"] td[role="gridcell"][aria-colindex="1"]')
    assert cells.count() == len(status_records(Store(server["db"]), TODAY))
    assert page.get_by_text("❔ 数据不足").count() >= 1
    _screenshot(page, "overview-zh")


def test_language_switch(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/?lang=zh")
    page.get_by_text("西宁市高质量发展目标监测").wait_for()
    page.locator('[data-testid="stButtonGroup"]').get_by_text("English", exact=True).click()
    page.get_by_text("Xining development goals monitor").wait_for()
    page.wait_for_url(re.compile(r"lang=en"))
    _grid_cell(page, "Standard data-centre racks")
    assert page.get_by_text("Goals with a target").count() == 1
    assert page.get_by_text("全部目标").count() == 0
    _screenshot(page, "overview-en")


def test_clicking_a_name_opens_its_detail(server: dict[str, Any], page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server['url']}/?lang=zh")
    grid = page.locator('[data-testid="stDataFrame"]')
    # The grid is drawn on a canvas; its accessible table (hidden) says which row holds the goal.
    name = grid.get_by_role("gridcell", name="标准机架（已建、在建）", exact=True, include_hidden=True)
    name.wait_for(state="attached")
    row = int(name.locator("xpath=..").get_attribute("aria-rowindex")) - 2  # row 1 is the header
    rows = int(grid.get_by_role("grid", include_hidden=True).get_attribute("aria-rowcount")) - 1
    _settle(page)
    # The name is a button drawn in its cell: click the middle of that row's name cell. The overview
    # draws rows 35 px high and is as tall as its rows, so the header is what is left above them.
    row_px = 35
    surface = grid.locator(".dvn-scroller")  # what takes the grid's pointer events
    box = surface.bounding_box()
    header = box["height"] - rows * row_px
    surface.click(position={"x": 60, "y": header + row_px * (row + 0.5)})
    # The detail page of that goal, in the same language: its name, id, target and the briefing's words.
    expect(page).to_have_url(re.compile(r"/goal\?(?=.*goal=compute-racks)(?=.*lang=zh)"))
    expect(page.get_by_role("heading", name="标准机架（已建、在建）")).to_be_visible()
    expect(page.get_by_text(re.compile("编号：compute-racks · "))).to_be_visible()
    expect(page.get_by_text("目标：≥ 5万架（2028–2030年）")).to_be_visible()
    expect(page.get_by_text(re.compile("计划3年至5年内建成标准机架5万台"))).to_be_visible()
