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
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor import clock
from monitor.files.catalog import init_store
from monitor.status import Detail, statuses
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

TODAY = clock.today()
# The methodology's worked example (30,000 racks at 2026-06-30) once that date has passed.
READING_DAY = date(2026, 6, 30) if TODAY > date(2026, 6, 30) else TODAY.replace(day=1) - timedelta(days=1)


def status_records(store: Store, as_of: date) -> list[dict[str, Any]]:
    """Every goal's record with its full evidence, as dicts."""
    return [r.as_dict() for r in statuses(store, as_of, detail=Detail.FULL)]


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


@contextmanager
def _streamlit(folder: Path, db: Path, **env_vars: str) -> Iterator[str]:
    """`streamlit run` on the app for ``db``, on 127.0.0.1 only; yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "streamlit.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("MONITOR_EDITOR_PASSWORD_HASH", None)
    env.update(MONITOR_DB=str(db), **env_vars)
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
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "monitor.duckdb"
    init_store(Store(db))
    with _streamlit(folder, db) as url:
        yield {"url": url, "db": db}


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
    """A cell of the overview's table (monitor/present/overview_table.py) holding ``text``."""
    cell = page.locator(".ov-table td", has_text=text).first
    cell.wait_for(state="attached")
    return cell


# Every cell of the overview's table whose content is wider than the cell (cut off or spilling over), and
# the table's own overflow past its box and past the window: what a reader cannot see.
_OVERFLOW_JS = """() => {
  const found = [];
  const table = document.querySelector('.ov-table');
  if (!table) return ['no table'];
  for (const cell of table.querySelectorAll('th, td')) {
    if (cell.scrollWidth > cell.clientWidth + 1 || cell.scrollHeight > cell.clientHeight + 1) {
      found.push(cell.getAttribute('data-col') + ': ' + cell.innerText.slice(0, 60)
                 + ' (' + cell.scrollWidth + '>' + cell.clientWidth + ')');
    }
    for (const child of cell.querySelectorAll('*')) {
      const inner = child.getBoundingClientRect(), outer = cell.getBoundingClientRect();
      if (inner.width > 0 && (inner.right > outer.right + 1 || inner.left < outer.left - 1)) {
        found.push('child of ' + cell.getAttribute('data-col') + ': ' + (child.innerText || child.tagName).slice(0, 40));
        break;
      }
    }
  }
  const box = table.parentElement;
  if (box.scrollWidth > box.clientWidth + 1) found.push('table box scrolls: ' + box.scrollWidth + '>' + box.clientWidth);
  const right = table.getBoundingClientRect().right;
  if (right > document.documentElement.clientWidth + 1) found.push('table past the window: ' + right);
  return found;
}"""


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
    # The latest value as the page states it (the readings table below shows it too, in a grid cell).
    page.get_by_role("paragraph").filter(has_text=re.compile(r"^3万架$")).first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    readings = page.locator('[data-testid="stDataFrame"] td[role="gridcell"]', has_text="xining-data-bureau-2026")
    readings.first.wait_for(state="attached")
    _screenshot(page, "goal-zh")

    page.goto(f"{server['url']}/goal?goal=compute-racks&lang=en")
    page.get_by_role("heading", name="Standard data-centre racks (built and under construction)").wait_for()
    page.get_by_text(re.compile("needs 16.8% a year")).wait_for()
    page.get_by_role("paragraph").filter(has_text=re.compile(r"^30,000 racks$")).first.wait_for()
    _screenshot(page, "goal-en")


def test_overview_loads_and_shows_the_racks_goal(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/?lang=zh")
    page.get_by_text("西宁市高质量发展目标监测").wait_for()
    _grid_cell(page, "标准机架（已建、在建）")
    cells = page.locator('.ov-table td[data-col="name"]')
    assert cells.count() == len(status_records(Store(server["db"]), TODAY))
    assert page.locator(".ov-table .ov-badge", has_text="❔ 数据不足").count() >= 1
    # The share of the target and the baseline-relative measure, as the rows say (the form test above may
    # have added a reading: 3万 of 5万 then).
    from monitor.present.overview import load_overview

    _, rows = load_overview(Store(server["db"]), TODAY, "zh")
    row = next(r for r in rows if r["indicator_id"] == "compute-racks")
    racks = page.locator('.ov-table tr[data-id="compute-racks"]')
    assert racks.locator('td[data-col="share"]').inner_text().split("\n")[:2] == [row["progress_text"], row["from_baseline"]]
    assert row["progress_text"] in ("46%", "60%")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1280, 1920])
def test_overview_cuts_no_text_off_and_shows_overdue_on_the_first_screen(
    server: dict[str, Any], browser: Any, width: int, lang: str
) -> None:
    """Issue 18 item 4: at 1280 and 1920 px, in both languages, no cell's text is cut off or spills over,
    the table fits the window, and the overdue explanation is within the first screen's width."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    try:
        tab.goto(f"{server['url']}/?lang={lang}")
        tab.locator(".ov-table").wait_for()
        _settle(tab)
        assert tab.evaluate(_OVERFLOW_JS) == []
        rows = tab.locator(".ov-table tbody tr")
        assert rows.count() == len(status_records(Store(server["db"]), TODAY))
        # Overdue, with its due date, in a column a reader sees without scrolling sideways.
        from monitor.present.overview import load_overview

        _, shown = load_overview(Store(server["db"]), TODAY, lang)
        late = next(r for r in shown if r["stale"])
        due = tab.locator(f'.ov-table tr[data-id="{late["indicator_id"]}"] td[data-col="due"]').first
        box = due.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        assert ("逾期" if lang == "zh" else "Overdue") in due.inner_text()
        # The last column's right edge is inside the window too (nothing is off to the right).
        last = tab.locator(".ov-table thead th").last.bounding_box()
        assert last is not None and last["x"] + last["width"] <= width
        if width == 1280:
            _screenshot_at(tab, f"overview-{lang}", width)
            # The measure can fail: the grid's old way (one line per cell, ellipsis) is caught at once.
            tab.add_style_tag(content=".ov-table td { white-space: nowrap !important; overflow: hidden; }")
            assert any(f.startswith(("name:", "target:", "due:")) for f in tab.evaluate(_OVERFLOW_JS))
            tab.reload()
            tab.locator(".ov-table").wait_for()
            _settle(tab)
        # Printed: the same check on print media, every column kept.
        tab.emulate_media(media="print")
        tab.set_viewport_size({"width": 1050, "height": 740})  # about A4 landscape at 96 dpi, less margins
        tab.wait_for_timeout(500)
        assert tab.evaluate(_OVERFLOW_JS) == []
        heads = tab.locator(".ov-table thead th")
        assert heads.count() >= 8
        for n in range(heads.count()):
            head = heads.nth(n).bounding_box()
            assert head is not None and head["x"] + head["width"] <= 1050 + 1, heads.nth(n).inner_text()
        assert tab.locator('[data-testid="stSidebar"]').is_hidden() or not tab.locator('[data-testid="stSidebar"]').count()
        if width == 1920:
            _printed_keeps_every_column(tab, lang)
    finally:
        context.close()


def _printed_keeps_every_column(tab: Any, lang: str) -> None:
    """Printed to PDF (A4 landscape, the page's print stylesheet): the table runs over several pages rather
    than being clipped to the window, and in English every word of every column's heading, of every goal's
    name and of its target (the columns lost in print before) is in the document. (Text extraction
    interleaves the lines of wrapped cells and maps some CJK characters to radicals, so the words are
    looked for one by one, and in English only.)"""
    import io
    import re

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(tab.pdf(prefer_css_page_size=True, print_background=True)))
    assert len(reader.pages) > 1
    if lang != "en":
        return
    import unicodedata

    printed = unicodedata.normalize("NFKC", " ".join(page.extract_text() for page in reader.pages))  # ligatures
    words = set(re.findall(r"[A-Za-z]{3,}", printed))
    wanted = tab.locator(".ov-table thead th").all_inner_texts()
    for column in ("name", "target", "due"):
        wanted += tab.locator(f'.ov-table td[data-col="{column}"]').all_inner_texts()
    missing = {w for text in wanted for w in re.findall(r"[A-Za-z]{3,}", text)} - words
    assert missing == set(), missing


def _screenshot_at(page: Any, name: str, width: int) -> None:
    """The first 1,400 pixels of the page at ``width``: the filters and the table's first rows (the whole
    43-goal page is 5,000 pixels tall)."""
    page.set_viewport_size({"width": width, "height": 1400})
    page.wait_for_timeout(800)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size({"width": width, "height": 900})


def test_language_switch(server: dict[str, Any], page: Any) -> None:
    page.goto(f"{server['url']}/?lang=zh")
    page.get_by_text("西宁市高质量发展目标监测").wait_for()
    page.locator('[data-testid="stButtonGroup"]').get_by_text("English", exact=True).click()
    page.get_by_text("Xining development goals monitor").wait_for()
    page.wait_for_url(re.compile(r"lang=en"))
    _grid_cell(page, "Standard data-centre racks")
    _settle(page)
    assert page.get_by_text("Goals with a target").count() == 1
    assert page.get_by_text("全部目标").count() == 0


def test_clicking_a_name_opens_its_detail(server: dict[str, Any], page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{server['url']}/?lang=zh")
    # The name is a link to the goal's page (its id quoted, the language kept).
    link = page.locator('.ov-table tr[data-id="compute-racks"] td[data-col="name"] a')
    link.wait_for()
    _settle(page)
    link.click()
    # The detail page of that goal, in the same language: its name, id, target and the briefing's words.
    expect(page).to_have_url(re.compile(r"/goal\?(?=.*goal=compute-racks)(?=.*lang=zh)"))
    expect(page.get_by_role("heading", name="标准机架（已建、在建）")).to_be_visible()
    expect(page.get_by_text(re.compile("编号：compute-racks · "))).to_be_visible()
    expect(page.get_by_text("目标：≥ 5万架（2028–2030年）")).to_be_visible()
    expect(page.get_by_text(re.compile("计划3年至5年内建成标准机架5万台"))).to_be_visible()


# ---------------------------------------------------------------- markdown injection (issue 14 item 7)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on a store whose every text field holds hostile markup (tests/markup_helpers.py).

    Every URL in the strings points at ``trap``, a server on 127.0.0.1 that records each request.
    """
    from markup_helpers import hostile_block, hostile_lines, seed_hostile
    from refresh_helpers import LoopbackServer

    _require_chromium()
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "monitor.duckdb"
    init_store(Store(db))
    with LoopbackServer() as trap, LoopbackServer() as feed:
        sources = seed_hostile(Store(db), folder, trap.base, feed)
        with _streamlit(folder, db, MONITOR_SOURCES=str(sources)) as url:
            yield {"url": url, "trap": trap, "feed": feed, "feed_hits": len(feed.requests),
                   "lines": hostile_lines(trap.base), "block": hostile_block(trap.base)}


# The last path segment of every URL in the strings: a request for one (even to the app's own host,
# from a relative URL in a file name) means a string was rendered as an image or followed as a link.
TRAP_PATHS = {"pixel.png", "pixel-note.png", "login", "autolink", "bare", "www", "html.png", "a", "t", "ref", "ref.png"}


def _markup_found(page: Any, app: str) -> list[str]:
    """Links, images and formatting that hostile strings made on the page (empty when none)."""
    from markup_helpers import INTERPRETED

    return list(page.evaluate(
        """([app, interpreted]) => {
          const found = [];
          for (const a of document.querySelectorAll('a[href]')) {
            if (!a.href.startsWith(app + '/') && a.href !== app) found.push('link ' + a.href);
          }
          for (const img of document.querySelectorAll('img')) {
            const src = img.getAttribute('src') || '';
            if (!(img.src.startsWith(app + '/') || src.startsWith('data:'))) found.push('image ' + src);
          }
          for (const [selector, markers] of Object.entries(interpreted)) {
            for (const el of document.querySelectorAll(selector)) {
              const text = (el.textContent || '').trim();
              if (markers.some(m => text.startsWith(m))) found.push(selector + ': ' + text.slice(0, 80));
            }
          }
          for (const el of document.querySelectorAll('.katex, math')) found.push('formula ' + el.textContent);
          for (const el of document.querySelectorAll('[data-testid="stIconMaterial"]')) {
            if (el.textContent.includes('rocket_launch')) found.push('icon rocket_launch');
          }
          if (document.body.innerText.includes('\\u{1F604}')) found.push('emoji from :smile:');
          return found;
        }""",
        [app, {k: list(v) for k, v in INTERPRETED.items()}],
    ))


def _visible_text(page: Any) -> str:
    return str(page.evaluate("() => document.body.innerText")).replace("\u2060", "")


def _look(page: Any, app: str, ready: str) -> None:
    """Wait for ``ready`` (a selector of the page's own content), open every expander and tooltip,
    and fail on any markup made from a hostile string."""
    page.locator(ready).first.wait_for()
    _settle(page)
    # The phone layout's expanders are in the page but hidden at a desktop width (dashboards/phone.py).
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        if summary.is_visible():
            summary.click()
    # Tooltips are drawn on hover only (those of the data grids' headers are constant text); the
    # events are dispatched, as a chart or grid may lie over an icon at this window size.
    for target in page.locator('[data-testid="stTooltipHoverTarget"]:not([data-testid="stDataFrame"] *)').all()[:12]:
        target.dispatch_event("mouseover")
        page.wait_for_timeout(150)
    page.wait_for_timeout(300)
    found = _markup_found(page, app)
    assert found == [], (page.url, found)


def test_hostile_text_makes_no_request_and_no_link_on_any_page(hostile: dict[str, Any], browser: Any) -> None:
    """Issue 14 item 7, in a real browser: every page, hostile text in every field, nothing fetched."""
    from urllib.parse import quote, urlsplit

    from markup_helpers import flat

    app, lines = hostile["url"], hostile["lines"]
    app_host = urlsplit(app).netloc
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        for lang in ("zh", "en"):
            page.goto(f"{app}/overview?lang={lang}")
            _look(page, app, ".ov-table")
            for n in range(len(lines)):
                page.goto(f"{app}/goal?goal=hostile-{n}&lang={lang}")
                _look(page, app, '[data-testid="stMetric"]')
                assert flat(lines[n]) in _visible_text(page), f"the name {lines[n]!r} is shown as written"
            page.goto(f"{app}/refresh?lang={lang}")
            _look(page, app, '[data-testid="stExpander"]')
            assert "HEAD2-MARK" in _visible_text(page), "event messages are shown as text"
            page.goto(f"{app}/methodology?lang={lang}")
            _look(page, app, '[data-testid="stMarkdownContainer"] h2')
        page.goto(f"{app}/goal?lang=en&goal={quote(lines[1])}")  # a crafted link: the id is quoted back
        _look(page, app, '[data-testid="stAlert"]')
        assert flat(lines[1]) in _visible_text(page)

        # The forms: a refused value is quoted in the error, a saved source and note are stored.
        page.goto(f"{app}/add?lang=en&indicator=hostile-0")
        _look(page, app, ".st-key-add_value input")
        page.locator(".st-key-add_value input").fill(lines[1])
        page.locator(".st-key-add_submit button").click()
        _look(page, app, '[data-testid="stAlertContentError"]')
        assert flat(lines[1]) in _visible_text(page)
        page.locator(".st-key-add_value input").fill("12")
        page.locator(".st-key-add_source input").fill(lines[3])
        page.locator(".st-key-add_note input").fill(lines[5])
        page.locator(".st-key-add_submit button").click()
        _look(page, app, '[data-testid="stAlertContentSuccess"]')

        name = "![p](pixel.png) [门户登录](login) :smile: **BOLD-MARK** $MATH-MARK$.csv"
        rows = ["indicator_id,period_end,value,source,note"]
        rows += [f'hostile-{n},{2010 + n}-12-31,7,"{line.replace(chr(34), chr(34) * 2)}",x' for n, line in enumerate(lines)]
        page.goto(f"{app}/import?lang=en")
        _settle(page)
        page.locator(".st-key-imp_file input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": "\r\n".join(rows).encode()}]
        )
        page.locator(".st-key-imp_all button").click()
        _look(page, app, '[data-testid="stAlertContentSuccess"]:has-text("BOLD-MARK")')
        assert name in _visible_text(page), "the file name is shown as written"
    finally:
        context.close()

    foreign = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != app_host]
    assert foreign == [], "the browser asked only the app's own server"
    trapped = [u for u in requests if urlsplit(u).path.rstrip("/").rsplit("/", 1)[-1] in TRAP_PATHS]
    assert trapped == [], "no URL from a string was fetched from the app's host either"
    assert hostile["trap"].requests == [], "nothing reached the trap"
    assert len(hostile["feed"].requests) == hostile["feed_hits"], "nor the feed whose URL the errors quote"


# ---------------------------------------------------------------- another catalogue (issue 16 item 1)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on a store holding only a made-up county's plan (tests/fixtures/county.yaml), no seed."""
    _require_chromium()
    folder = tmp_path_factory.mktemp("county")
    db = folder / "monitor.duckdb"
    init_store(Store(db), seed=REPO / "tests" / "fixtures" / "county.yaml")
    with _streamlit(folder, db) as url:
        yield {"url": url, "db": db}


def test_another_catalogue_shows_its_own_title_and_domains(county: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        for lang, title, domains, goal_domain in (
            ("zh", "某县“十五五”规划主要指标监测", ("经济发展", "民生福祉", "绿色生态"), "经济发展"),
            ("en", "Some County 15th Five-Year Plan monitor", ("Economy", "People's wellbeing", "Green environment"), "Economy"),
        ):
            page.goto(f"{county['url']}/?lang={lang}")
            page.get_by_text(title, exact=True).wait_for()
            _grid_cell(page, "地区生产总值" if lang == "zh" else "Gross regional product")
            _settle(page)
            page.wait_for_function(f"() => document.title.includes({title!r})")
            # The domain filter lists the catalogue's domains in its order.
            page.locator(".st-key-ov_domain").click()
            options = page.locator('[role="option"]')
            options.first.wait_for()
            shown = [o.inner_text().strip() for o in options.all()]
            assert [o for o in shown if o != "Select all"] == list(domains)  # Streamlit adds "Select all"
            page.keyboard.press("Escape")
            text = _visible_text(page)
            assert "某县发展和改革局" in text if lang == "zh" else "Some County Development and Reform Bureau" in text
            assert not [w for w in ("西宁", "Xining", "青海", "Qinghai") if w in text + page.title()], text
            page.goto(f"{county['url']}/goal?lang={lang}&goal=county-gdp")
            page.get_by_text(goal_domain, exact=False).first.wait_for()
            _settle(page)
            text = _visible_text(page)
            assert not [w for w in ("西宁", "Xining", "青海", "Qinghai") if w in text + page.title()], text
    finally:
        context.close()


# ---- Review (issue 17 item 5): pending -> approved by two people, in Chromium.

@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with review on and two users: ana (editor) and bo (reviewer)."""
    from monitor.services import users
    from monitor.services.auth import hash_password

    _require_chromium()
    folder = tmp_path_factory.mktemp("reviewed")
    db = folder / "monitor.duckdb"
    store = Store(db)
    init_store(store)
    for name, role in (("ana", "editor"), ("bo", "reviewer")):
        users.add_user(store, name, role, password_hash=hash_password(f"{name} pass", method="pbkdf2_sha256"), by="test")
    store.close()
    with _streamlit(folder, db, MONITOR_REVIEW="on") as url:
        yield {"url": url, "db": db}


def _sign_in(page: Any, name: str) -> None:
    _settle(page)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(f"{name} pass")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(re.compile(f"Signed in as {name}")).wait_for()
    _settle(page)


def test_a_value_entered_by_an_editor_counts_once_another_reviewer_approves(reviewed: dict[str, Any], browser: Any) -> None:
    from monitor.services import review

    store = Store(reviewed["db"])
    before = [r for r in status_records(store, TODAY) if r["indicator_id"] == "compute-racks"][0]["latest_value"]
    editor = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="en-US").new_page()
    editor.set_default_timeout(TIMEOUT_MS)
    editor.goto(f"{reviewed['url']}/add?lang=en&indicator=compute-racks")
    _sign_in(editor, "ana")
    editor.locator('input[aria-label^="Value"]').fill("3")
    editor.keyboard.press("Tab")
    _settle(editor)
    editor.get_by_role("button", name="Save").click()
    _settle(editor)
    assert review.pending_count(store) == 1
    assert [r for r in status_records(store, TODAY) if r["indicator_id"] == "compute-racks"][0]["latest_value"] == before
    editor.context.close()

    reviewer = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="en-US").new_page()
    reviewer.set_default_timeout(TIMEOUT_MS)
    reviewer.goto(f"{reviewed['url']}/add?lang=en")  # a page whose sidebar is open
    _sign_in(reviewer, "bo")
    reviewer.get_by_text(re.compile("1 entered values are pending review")).wait_for()
    reviewer.get_by_role("link", name="Review").click()
    reviewer.get_by_text("Choose a value to review").first.wait_for()
    _settle(reviewer)
    # The queue is a data grid (the overview's table is HTML now: _grid_cell reads that one).
    reviewer.locator('[data-testid="stDataFrame"] td[role="gridcell"]', has_text="ana").first.wait_for(state="attached")
    reviewer.locator('[data-testid="stSelectbox"]').filter(has_text="Choose a value to review").click()
    reviewer.get_by_role("option").first.click()
    reviewer.get_by_label("Comment (required to reject)").fill("checked with the bureau")
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.get_by_text(re.compile("Approved 30,000 racks")).wait_for()  # in the goal's unit and words
    reviewer.context.close()
    assert review.pending_count(store) == 0
    assert [r for r in status_records(store, TODAY) if r["indicator_id"] == "compute-racks"][0]["latest_value"] == 30000
