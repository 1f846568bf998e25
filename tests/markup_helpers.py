"""Hostile markup for the markdown-injection tests (issue 14 item 7), shared by the security, alert and
browser tests: the strings, a store seeded with them through every path that stores text, and the
checks that rendered markdown holds them as text.

Every URL in the strings points at ``trap``, a LoopbackServer on 127.0.0.1 that records each request:
a page or an alert that turned one into an image or a link shows up as a recorded hit, and no traffic
ever leaves the machine. Each construct carries a marker word (HEAD-MARK, BOLD-MARK, ...) so that a
check can tell its own rendering from the page's.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

WORD_JOINER = "\u2060"


def hostile_lines(trap: str) -> list[str]:
    """One-line strings: every construct a markdown renderer might act on, at a line start or inline."""
    host = trap.removeprefix("http://")
    return [
        f"# HEAD-MARK ![p]({trap}/pixel.png)",
        f"- LIST-MARK [门户登录]({trap}/login)",
        f"1. ORDERED-MARK <{trap}/autolink>",
        f"> QUOTE-MARK bare {trap}/bare www.{host}/www editor@{host.split(':')[0]}",
        f'<img src="{trap}/html.png"> <a href="{trap}/a">HTML-MARK</a> <script>alert(1)</script>',
        "**BOLD-MARK** _EM-MARK_ `CODE-MARK` ~~DEL-MARK~~ $MATH-MARK$ $$x$$",
        f":red[RED-MARK] :material/rocket_launch: :smile: [js](javascript:alert(1)) [t]({trap}/t \"title\")",
        "&lt;b&gt;ENTITY-MARK&lt;/b&gt; [ref-mark][r] ![ref-img][i] [^1] \\ ---",
    ]


def hostile_block(trap: str) -> str:
    """A multi-line string (for notes): constructs that need a line of their own."""
    return "\n".join([
        "NOTE-MARK first line",
        f"[r]: {trap}/ref",
        f"[i]: {trap}/ref.png",
        "# HEAD2-MARK",
        "===",
        "| TABLE-MARK | b |",
        "|---|---|",
        "| c | d |",
        "",
        "    INDENT-MARK code",
        "```",
        "FENCE-MARK",
        "```",
        "[^1]: FOOTNOTE-MARK",
        f"![p]({trap}/pixel-note.png)",
    ])


# Elements a renderer makes from the constructs above, and the marker each would then start with.
INTERPRETED: dict[str, tuple[str, ...]] = {
    "h1, h2, h3, h4, h5, h6": ("HEAD-MARK", "HEAD2-MARK"),
    "li": ("LIST-MARK", "ORDERED-MARK"),
    "blockquote": ("QUOTE-MARK",),
    "strong, b": ("BOLD-MARK", "ENTITY-MARK"),
    "em, i": ("EM-MARK",),
    "code, pre": ("CODE-MARK", "INDENT-MARK", "FENCE-MARK"),
    "del, s": ("DEL-MARK",),
    "th, td": ("TABLE-MARK",),
    "span": ("RED-MARK",),
}


def flat(text: str) -> str:
    """What escape_markdown promises to show for ``text``: line breaks as spaces, no leading blanks."""
    return re.sub(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*", " ", text).lstrip(" \t")


def commonmark_html(text: str) -> str:
    """``text`` rendered by markdown-it-py (CommonMark with GFM tables and strikethrough)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


def rendered_text(markup: str) -> str:
    """The text a reader sees of rendered HTML (tags dropped, entities decoded, word joiners dropped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).replace(WORD_JOINER, "")


def shown_as_text(markdown: str) -> str | None:
    """Why ``markdown`` would not show as plain text (a tag other than <p>, or a GFM autolink); None if it would."""
    rendered = commonmark_html(markdown)
    tags = set(re.findall(r"<([a-z][a-z0-9]*)", rendered))
    if tags - {"p"}:
        return f"renders {sorted(tags - {'p'})}: {rendered[:300]!r}"
    # GFM's autolinks (https://x, www.x, a@b.c) and Streamlit's :shortcodes: are found in the text
    # after parsing; markdown-it's commonmark preset has no such extension, so look for them here.
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for pattern in (r"https?://", r"(?<![\w.])www\.", r"[\w.+-]@\w", r":[\w+-]+:", r":material/", r":[a-z]+\["):
        if re.search(pattern, text, re.IGNORECASE):
            return f"{pattern} survives in {text[:300]!r}"
    return None


def hostile_rendering(markdown: str) -> str | None:
    """Why ``markdown`` shows hostile markup as markup; None when every hostile string is text."""
    rendered = commonmark_html(markdown)
    tag = re.search(r"<(a|img|script|iframe)\b", rendered)
    if tag:
        return f"<{tag.group(1)}> in {rendered[:300]!r}"
    for tags, markers in INTERPRETED.items():
        for name in tags.split(", "):
            for inner in re.findall(rf"<{name}\b[^>]*>(.*?)</{name}>", rendered, re.DOTALL):
                # Our own lists and bold labels may hold a string; a marker at the very start of an
                # element means the string's own markup made it.
                if rendered_text(inner).lstrip().startswith(markers):
                    return f"<{name}> holds {inner[:120]!r}"
    # What a renderer finds after parsing (GFM autolinks, Streamlit's shortcodes) must be split.
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for pattern in (r"https?://127\.0\.0\.1", r"www\.127", r"editor@127", r":material/", r":smile:", r":red\["):
        if re.search(pattern, text):
            return f"{pattern} in {text[:300]!r}"
    if re.search(r"(?<!\\)\$MATH-MARK", markdown):
        return f"an unescaped $ (LaTeX) in {markdown[:300]!r}"
    return None


# ---------------------------------------------------------------- a store full of it


def hostile_catalogue(lines: list[str], block: str) -> dict[str, Any]:
    """One indicator per hostile line, that line in every text field (unit included), one yearly target."""
    indicators = []
    for n, text in enumerate(lines):
        indicators.append({
            "id": f"hostile-{n}",
            "name_zh": text, "name_en": text, "domain": "livelihood", "unit": text, "measure": "ratio",
            "direction": "increase", "frequency": "yearly", "bounds": [0, None], "responsible": text,
            "description": block,
            "targets": [{"id": f"hostile-{n}-target", "kind": "threshold", "comparator": ">=", "value": 10,
                         "period": "yearly", "quote": text, "speaker": text, "office": text, "note": text}],
        })
    return {"format": "indicator-monitor/catalog v1", "source": {"id": "hostile", "date": "2025-07-11"},
            "indicators": indicators}


def seed_hostile(store: Any, folder: Path, trap: str, feed: Any, channels: str = "") -> Path:
    """A store with hostile text in every stored field, and the sources file that refreshes it.

    Through the real paths: the catalogue import (names, units, responsible, quotes), ``add_reading``
    (sources, notes), two refresh runs of a feed on ``feed`` (a LoopbackServer) whose readings carry
    the strings (a status_changed event quoting them), a source that fails (its error quotes a URL),
    and, written directly, a run and a source_failed event whose error and location are the strings.
    ``channels`` ([[channels]] tables) are added to the sources file. Returns the sources file.
    """
    from monitor.files.catalog import import_catalog, load_catalog
    from monitor.files.ingest import add_reading
    from monitor.services.refresh.run import run_sources
    from monitor.services.refresh.sources import load_config
    from monitor.store import refresh_queries
    from refresh_helpers import Reply, csv_bytes

    lines, block = hostile_lines(trap), hostile_block(trap)
    catalogue = folder / "hostile.yaml"
    catalogue.write_text(yaml.safe_dump(hostile_catalogue(lines, block), allow_unicode=True), encoding="utf-8")
    import_catalog(store, load_catalog(catalogue))
    for n, text in enumerate(lines):
        add_reading(store, f"hostile-{n}", "5", date(2023, 12, 31), period_start=date(2023, 1, 1),
                    source=text, note=block, recorded_by="markup-test")

    header = "indicator_id,period_start,period_end,value,source,note"

    def feed_csv(year: int, value: int) -> bytes:
        rows = [",".join([f"hostile-{n}", f"{year}-01-01", f"{year}-12-31", str(value),
                          '"' + text.replace('"', '""') + '"', '"' + block.replace('"', '""') + '"'])
                for n, text in enumerate(lines)]
        return csv_bytes(*rows, header=header)

    feed.route("/feed.csv", Reply(body=feed_csv(2024, 5)), Reply(body=feed_csv(2025, 15)))
    sources = folder / "sources.toml"
    sources.write_text(f"""
lang = "zh"
[[sources]]
name = "hostile-feed"
kind = "csv"
url = "{feed.url('/feed.csv')}"
every = "1h"
timeout = "5s"
retries = 0

[[sources]]
name = "broken-feed"
kind = "csv"
url = "{feed.url('/missing.csv')}"
every = "1h"
timeout = "5s"
retries = 0
{channels}
""", encoding="utf-8")
    config = load_config(sources)
    run_sources(store, config, ["hostile-feed", "broken-feed"])
    run_sources(store, config, ["hostile-feed"])  # 5 → 15: not met → met, an event quoting the strings
    joined = " ".join(lines)
    with store.write() as con:
        refresh_queries.insert_run(con, {
            "id": "hostile-run", "source": "broken-feed", "kind": "csv", "location": joined, "trigger": "cli",
            "started_at": _utc_now(), "finished_at": _utc_now(), "outcome": "failed", "files": 0, "rows_seen": 0,
            "rows_new": 0, "rows_revised": 0, "rows_unchanged": 0, "rows_rejected": 0, "attempts": 1,
            "error": joined, "detail": "[]",
        })
        refresh_queries.insert_events(con, [{
            "id": "hostile-event", "run_id": "hostile-run", "kind": "source_failed", "occurred_at": _utc_now(),
            "source": "broken-feed", "payload": json.dumps({
                "source": "broken-feed", "location": joined, "outcome": "failed", "error": block, "attempts": 1,
            }, ensure_ascii=False),
        }])
    return sources


def _utc_now() -> Any:
    from monitor.services.refresh.run import utc_now

    return utc_now()
