"""The overview's table as HTML: every cell wraps, so no text is cut off at any width, and every column prints.

Why not Streamlit's st.dataframe: its grid (glide-data-grid) draws cells on a canvas at fixed widths and
ends long text in an ellipsis, so names, periods ("96%以上（2023年10月1日—2025年7月11…") and English
targets were cut off at 1280 px, the last column (where "overdue" was) was off screen, and printing kept
only the part of the canvas in view. Here a plain table with ``table-layout: fixed`` fits its container,
its column widths are shares of it (COLUMN_WEIGHTS) and its text wraps (``overflow-wrap: anywhere``), so
a cell is never narrower than its text; tests/test_browser.py measures every cell at 1280 and 1920 px in
both languages, and on print media.

Safety: every piece of text (names, figures, targets, due dates: stored or derived from stored text) goes
through ``html.escape``; the only markup is this module's constant tags and CSS, a link to the goal page
whose id is URL-quoted, and a sparkline drawn from numbers only (a data: URI image, as st.html's sanitiser
drops inline SVG). No Streamlit here: the page (dashboards/overview.py) passes the string to st.html.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from monitor.present.i18n import t

__all__ = ["COLUMN_WEIGHTS", "CSS", "STATUS_CLASS", "columns_for", "sparkline_img", "table_html"]

# Relative widths of the columns (normalised to percentages of the table's width).
COLUMN_WEIGHTS: dict[str, float] = {
    "name": 17, "nature": 6, "domain": 8, "status": 10, "due": 17, "latest": 14, "target": 13,
    "share": 9, "trend": 6, "change": 15,
}
# A status's class: the colour repeats what the icon and the word say; it is never the only cue.
STATUS_CLASS: dict[str, str] = {
    "achieved": "good", "met": "good", "on_track": "good",
    "needs_acceleration": "warn", "limited_progress": "warn",
    "deterioration": "bad", "not_met": "bad",
    "insufficient_data": "none", "no_target": "none",
}

CSS = """
<style>
.ov-table { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 0.875rem; line-height: 1.35; }
.ov-table th, .ov-table td { padding: 0.35rem 0.45rem; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; word-break: normal; white-space: normal; border-bottom: 1px solid rgba(49, 51, 63, 0.12); }
.ov-table thead th { font-weight: 600; color: rgba(49, 51, 63, 0.8); border-bottom: 2px solid rgba(49, 51, 63, 0.25);
  position: sticky; top: 0; background: #fff; z-index: 1; }
.ov-table td.ov-c-name a { font-weight: 600; color: #0b5cad; text-decoration: none; }
.ov-table td.ov-c-name a:hover { text-decoration: underline; }
.ov-badge { display: inline-block; padding: 0.05rem 0.4rem; border-radius: 0.5rem; }
.ov-badge.good { background: #e3f4e8; } .ov-badge.warn { background: #fdf0d9; }
.ov-badge.bad { background: #fbe2e2; } .ov-badge.none { background: #eeeff2; }
.ov-badge.prov { border: 1px dashed rgba(49, 51, 63, 0.55); }
.ov-due.late { color: #a1260d; }
.ov-muted { color: rgba(49, 51, 63, 0.65); font-size: 0.8rem; }
.ov-bar { height: 0.4rem; background: #e6e8ec; border-radius: 0.2rem; margin: 0.2rem 0; }
.ov-bar > span { display: block; height: 100%; background: #0072B2; border-radius: 0.2rem; }
.ov-line { display: block; }
.ov-table img { width: 100%; height: 28px; display: block; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  .st-key-ov_top, .st-key-ov_when, .st-key-ov_filters, .st-key-ov_report_box, .st-key-phone_overview,
  [data-testid="stSidebarCollapsedControl"] { display: none !important; }
  html, body, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"], .st-key-ov_table_box {
    overflow: visible !important; height: auto !important; max-height: none !important; position: static !important;
    max-width: none !important; padding: 0 !important; margin: 0 !important; }
  .ov-table { font-size: 8pt; }
  .ov-table thead { display: table-header-group; }
  .ov-table thead th { position: static; }
  .ov-table tr { break-inside: avoid; }
  .ov-badge, .ov-bar, .ov-bar > span { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .ov-table td.ov-c-name a { color: #000; }
}
</style>
"""


def columns_for(nature: bool, change: bool) -> list[str]:
    """The columns shown: the nature once a goal is binding, the change once an earlier day is chosen."""
    columns = ["name", "domain", "status", "due", "latest", "target", "share", "trend"]
    if nature:
        columns.insert(1, "nature")
    if change:
        columns.append("change")
    return columns


def sparkline_img(values: Sequence[float], style: str = "") -> str:
    """A line of ``values`` as an <img> of an SVG data URI (st.html's sanitiser drops inline SVG), with the
    CSS ``style`` given (a constant of ours); numbers only, no text of anyone's; "" under two."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = 100 / (len(values) - 1)
    points = " ".join(f"{i * step:.1f},{28 - (v - low) / span * 24:.1f}" for i, v in enumerate(values))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 32" preserveAspectRatio="none">'
        f'<polyline points="{points}" fill="none" stroke="#0072B2" stroke-width="2" vector-effect="non-scaling-stroke"/>'
        "</svg>"
    )
    data = base64.b64encode(svg.encode()).decode()
    styled = f' style="{style}"' if style else ""
    return f'<img alt="" data-points="{len(values)}" src="data:image/svg+xml;base64,{data}"{styled}>'


def _lines(text: str) -> str:
    """Escaped text, one block per line of ``text``."""
    return "".join(f'<span class="ov-line">{html.escape(line)}</span>' for line in text.split("\n") if line)


def _cell(column: str, row: dict[str, Any], lang: str) -> str:
    e = html.escape
    if column == "name":
        href = f"goal?goal={quote(row['indicator_id'], safe='')}&lang={quote(lang, safe='')}"
        return f'<a href="{e(href)}" target="_self">{e(row["name"])}</a>'
    if column == "status":
        classes = "ov-badge " + STATUS_CLASS.get(row["status_code"], "none") + (" prov" if row.get("provisional") else "")
        tip = f' title="{e(t("overview.provisional_help", lang))}"' if row.get("provisional") else ""
        return f'<span class="{classes}"{tip}>{e(row["status"])}</span>'
    if column == "due":
        late = " late" if row["stale"] else ""
        parts = [f'<span class="ov-line">{e(row["updated"])}</span>']
        if row["due"]:
            first, *rest = row["due"].split("\n")
            parts.append(f'<span class="ov-line ov-due{late}">{e(first)}</span>')
            parts += [f'<span class="ov-line ov-muted">{e(line)}</span>' for line in rest]
        return "".join(parts)
    if column == "share":
        if not row["progress_text"]:
            return ""
        width = max(0.0, min(100.0, float(row["progress"] or 0)))
        out = (f'<span class="ov-line">{e(row["progress_text"])}</span>'
               f'<div class="ov-bar"><span style="width:{width:.1f}%"></span></div>')
        if row["from_baseline"]:
            out += f'<span class="ov-line ov-muted">{e(row["from_baseline"])}</span>'
        return out
    if column == "trend":
        return sparkline_img([float(v) for v in row["trend"]])
    return _lines(str(row.get(column) or ""))


def _header(column: str, lang: str, change_day: str | None) -> tuple[str, str]:
    """(label, tooltip) of a column."""
    if column == "change":
        return t("col.change", lang, day=change_day or ""), ""
    label = {"name": "col.name", "nature": "overview.nature", "domain": "col.domain", "status": "col.status",
             "due": "col.due", "latest": "col.latest", "target": "col.target", "share": "col.share",
             "trend": "col.trend"}[column]
    tips = {"status": "overview.provisional_help", "due": "col.due_help", "share": "col.share_help",
            "trend": "col.trend_help", "nature": "overview.nature_help"}
    return t(label, lang), (t(tips[column], lang) if column in tips else "")


def table_html(rows: Sequence[dict[str, Any]], lang: str, *, nature: bool = False, change_day: str | None = None) -> str:
    """The overview rows (monitor.present.overview.overview_rows) as one escaped HTML table, with the CSS.

    ``nature``: a column for binding/expected; ``change_day``: a column of each row's "change" (filled by
    monitor.present.overview.with_changes) headed with that day. Each row carries ``data-id`` (the
    indicator) and ``data-target``, each cell ``data-col``: what the tests read back."""
    e = html.escape
    columns = columns_for(nature, change_day is not None)
    total = sum(COLUMN_WEIGHTS[c] for c in columns)
    cols = "".join(f'<col style="width:{COLUMN_WEIGHTS[c] / total * 100:.2f}%">' for c in columns)
    heads = []
    for c in columns:
        label, tip = _header(c, lang, change_day)
        title = f' title="{e(tip)}"' if tip else ""
        heads.append(f'<th scope="col" data-col="{c}"{title}>{e(label)}{" ⓘ" if tip else ""}</th>')
    body = []
    for row in rows:
        cells = "".join(f'<td class="ov-c-{c}" data-col="{c}">{_cell(c, row, lang)}</td>' for c in columns)
        body.append(f'<tr data-id="{e(row["indicator_id"])}" data-target="{e(row["target_id"] or "")}">{cells}</tr>')
    caption = e(t("overview.table_caption", lang))
    return (f'{CSS}<table class="ov-table" aria-label="{caption}"><colgroup>{cols}</colgroup>'
            f'<thead><tr>{"".join(heads)}</tr></thead><tbody>{"".join(body)}</tbody></table>')
