"""Markdown injection (issue 14 item 7): stored and fetched text shows as text on every page.

A reading's source of ``![p](http://host/pixel.png)`` on the Refresh page made every viewer's browser
fetch the pixel, and ``[门户登录](https://evil.example/login)`` rendered as a live link. Here every
text field of a store is filled with hostile markup (tests/markup_helpers.py) and every page is run in
AppTest; each string a page hands to a markdown renderer (st.markdown, captions, alerts, headers,
metric labels and values, expander and widget labels, tooltips) is rendered with a real CommonMark
parser and must hold the strings as text. tests/test_browser.py does the same in Chromium and also
watches the network; the alert formats are tested in tests/test_alerts.py.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_
from streamlit.testing.v1 import AppTest

from app_helpers import open_app
from markup_helpers import (
    commonmark_html,
    flat,
    hostile_block,
    hostile_lines,
    hostile_rendering,
    rendered_text,
    seed_hostile,
    shown_as_text,
)
from monitor.present.i18n import escape_markdown
from monitor.services.auth import ENV_VAR
from monitor.store.connection import Store
from refresh_helpers import LoopbackServer

pytest.importorskip("markdown_it")

TRAP = "http://127.0.0.1:9"  # for the pure tests: never requested (nothing renders it)


# ---------------------------------------------------------------- the escape helper


def cases() -> list[str]:
    return [
        *hostile_lines(TRAP),
        hostile_block(TRAP),
        "[门户登录](https://evil.example/login)",
        "![p](http://host/pixel.png)",
        "93.5%", "-5", "2024-12-31", "1,245,190", "a_b_c", "C:\\data\\x.csv", "x < y > z & w",
        "   four spaces", "\t# tab then hash", "line\r\nbreak\rcr\u2028ls\u2029ps\x0bvt\x0cff\x85nel",
        "&copy; &#169; &#xA9;", "trailing backslash \\", "<!-- comment -->", "<?php ?>", "<![CDATA[x]]>",
        "*", "_", "#", "+", "=", "---", "***", "1)", "10. x", "#hashtag", "a@b", "mailto:a@b.cn",
        "ftp://127.0.0.1/x", "xmpp:a@b.cn", "WWW.127.0.0.1/x", "http：//全角", "[a]\n[a]: /x",
    ]


@pytest.mark.parametrize("text", cases(), ids=lambda t: repr(t[:24]))
def test_escaped_text_renders_as_exactly_that_text(text: str) -> None:
    escaped = escape_markdown(text)
    assert shown_as_text(escaped) is None
    assert rendered_text(commonmark_html(escaped)).strip() == flat(text).strip()
    assert "\n" not in escaped


def test_the_reported_strings_are_neither_image_nor_link() -> None:
    assert escape_markdown("![p](http://host/pixel.png)") == "!\\[p\\](http:\u2060//host/pixel.png)"
    assert "<a" not in commonmark_html(escape_markdown("[门户登录](https://evil.example/login)"))
    # Plain figures and dates pass through unchanged: the helper escapes only what could be markup.
    for plain in ("93.5%", "-5", "2024-12-31", "1,245,190", "2.3万架", "第 2 版", "Error: HTTP 404"):
        assert escape_markdown(plain) == plain


MARKUP_ALPHABET = st_.sampled_from(list("\\`*_[]()<>!#+-=|~$:@&;{}^.\"' \t\naw1/") + ["www.", "http://", "&amp;", "\r\n", "    "])


@settings(max_examples=400, deadline=None)
@given(st_.lists(MARKUP_ALPHABET, max_size=40).map("".join))
def test_any_text_of_markup_characters_renders_as_itself(text: str) -> None:
    escaped = escape_markdown(text)
    assert shown_as_text(escaped) is None, (text, escaped)
    assert rendered_text(commonmark_html(escaped)).strip() == flat(text).strip(), (text, escaped)


# ---------------------------------------------------------------- every page, in AppTest


@pytest.fixture
def hostile_app(cat_db: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with LoopbackServer() as trap, LoopbackServer() as feed:
        sources = seed_hostile(cat_db, tmp_path, trap.base, feed)
        monkeypatch.setenv("MONITOR_DB", str(cat_db.path))
        monkeypatch.setenv("MONITOR_SOURCES", str(sources))
        monkeypatch.delenv(ENV_VAR, raising=False)
        yield {"trap": trap, "lines": hostile_lines(trap.base), "block": hostile_block(trap.base)}
        assert trap.requests == [], "nothing fetches a hostile URL"


def markdown_strings(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit renders as markdown."""
    out: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader"):
        out += [e.value for e in getattr(at, kind)]
    for m in at.metric:
        out += [m.label, str(m.value), str(m.proto.delta)]
    out += [e.label for e in at.expander]
    out += [p.proto.label for p in at.page_link]  # the phone's goal cards (dashboards/phone.py) among them
    widgets = [*at.text_input, *at.selectbox, *at.number_input, *at.date_input, *at.button, *at.multiselect,
               *at.toggle, *at.text_area]
    for w in widgets:
        out += [w.label, getattr(w, "help", None) or ""]
    return [s for s in out if s]


def assert_text_only(at: AppTest, env: dict[str, Any], where: str) -> list[str]:
    assert not at.exception, (where, at.exception)
    strings = markdown_strings(at)
    for markdown in strings:
        problem = hostile_rendering(markdown)
        assert problem is None, (where, problem)
    return [rendered_text(commonmark_html(s)) for s in strings]


def shows(texts: list[str], text: str) -> bool:
    return any(flat(text).strip() in t for t in texts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_shows_hostile_stored_text_as_text(hostile_app: dict[str, Any], lang: str) -> None:
    lines = hostile_app["lines"]
    for page in ("overview.py", "methodology.py"):
        assert_text_only(open_app(page, lang=lang), hostile_app, page)

    # The phone's goal cards name each goal as text, in a link's label; the summary picture draws them.
    overview = open_app("overview.py", lang=lang)
    labels = [rendered_text(commonmark_html(p.proto.label)) for p in overview.page_link]
    assert all(shows(labels, line) for line in lines), labels
    overview.toggle(key="ov_share_picture").set_value(True).run()
    overview.toggle(key="ov_share_link").set_value(True).run()
    assert_text_only(overview, hostile_app, "overview: share link and picture")
    assert overview.get("image"), "the summary picture is drawn"

    for n, line in enumerate(lines):
        goal = open_app("goal.py", lang=lang, goal=f"hostile-{n}")
        texts = assert_text_only(goal, hostile_app, f"goal hostile-{n}")
        assert shows(texts, line), f"the name {line!r} is shown as written"
        assert goal.dataframe, "the readings table is there"

    goal = open_app("goal.py", lang=lang, goal="hostile-0")
    goal.toggle(key="goal_share_picture").set_value(True).run()
    assert_text_only(goal, hostile_app, "goal hostile-0: picture card")
    assert goal.get("image"), "the goal's picture is drawn"

    # An id in the URL that is no indicator is quoted in the warning: a link sent to someone.
    unknown = open_app("goal.py", lang=lang, goal=lines[1])
    assert shows(assert_text_only(unknown, hostile_app, "goal unknown"), lines[1])

    refresh = open_app("refresh_page.py", lang=lang)
    texts = assert_text_only(refresh, hostile_app, "refresh")
    assert sum(shows(texts, line) for line in lines) >= 3, "event titles quote the goal names"
    messages = " ".join(t.value for t in refresh.text)
    assert flat(lines[0]) in flat(messages) and "HEAD2-MARK" in messages, "event messages are plain text"


def test_the_forms_show_hostile_input_as_text(hostile_app: dict[str, Any]) -> None:
    lines, block = hostile_app["lines"], hostile_app["block"]
    add = open_app("add_reading.py", lang="en", indicator="hostile-0")
    texts = assert_text_only(add, hostile_app, "add")
    assert shows(texts, lines[0]), "the unit in the value label and the current figure"
    add.selectbox(key="add_kind_hostile-0").set_value("year").run()
    add.text_input(key="add_value").set_value(lines[1])
    add.button(key="add_submit").click().run()
    texts = assert_text_only(add, hostile_app, "add: refused value")
    assert add.error and any("LIST-MARK" in t for t in texts), ([e.value for e in add.error], texts)
    add.text_input(key="add_value").set_value("12")
    add.text_input(key="add_source").set_value(lines[3])
    add.text_input(key="add_note").set_value(lines[5])
    add.button(key="add_submit").click().run()
    assert add.success, [e.value for e in add.error]
    assert_text_only(add, hostile_app, "add: saved")

    rows = [["indicator_id", "period_end", "value", "source", "note"],
            *[[f"hostile-{n}", f"{2010 + n}-12-31", "7", line, block] for n, line in enumerate(lines)]]
    good = io.StringIO()
    csv.writer(good, lineterminator="\r\n").writerows(rows)
    name = "![p](pixel.png) [门户登录](login) :smile: **BOLD-MARK** $MATH-MARK$.csv"
    imp = open_app("import_page.py", lang="en")
    bad = io.StringIO()
    csv.writer(bad, lineterminator="\r\n").writerows([[*rows[0], lines[6]], *[[*r, "x"] for r in rows[1:]]])
    imp.file_uploader(key="imp_file").set_value((name, bad.getvalue().encode(), "text/csv")).run()
    texts = assert_text_only(imp, hostile_app, "import: unknown column")
    # (header names are read lower-cased)
    assert imp.error and any(":red[red-mark]" in t for t in texts), ([e.value for e in imp.error], texts)
    imp.file_uploader(key="imp_file").set_value((name, good.getvalue().encode(), "text/csv")).run()
    imp.button(key="imp_all").click().run()
    texts = assert_text_only(imp, hostile_app, "import: done")
    assert imp.success and any(name in t for t in texts), "the file name is shown as written"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_office_pages_show_a_hostile_office_name_as_text(hostile_app: dict[str, Any], lang: str) -> None:
    """The catalogue's responsible office (责任单位) is user text: on the office index (a link's label) and
    on its scorecard (heading, share link) it is shown as written, never as markup."""
    from monitor.present.offices import office_names
    from monitor.store.connection import Store

    lines = hostile_app["lines"]
    index = open_app("offices.py", lang=lang)
    labels = assert_text_only(index, hostile_app, "office index")
    offices = office_names(Store(os.environ["MONITOR_DB"]))
    hostile = [o for o in offices if any(flat(line) in flat(o) for line in lines)]
    assert hostile, offices
    for office in hostile:
        assert shows(labels, office), f"the office {office!r} is listed as written"
        card = open_app("offices.py", lang=lang, office=office)
        texts = assert_text_only(card, hostile_app, f"scorecard {office!r}")
        assert shows(texts, office), "the heading names the office as written"
        assert card.dataframe, "the goals table is there"
