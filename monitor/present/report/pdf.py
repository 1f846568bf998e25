"""The report as PDF (reportlab): the same content and layout as the Word document, A4, page numbers.

Chinese needs no font file: reportlab's built-in CID font STSong-Light (Adobe's Simplified Chinese
standard font, referenced by name with the UniGB-UCS2-H encoding) is used for every text of a Chinese
report, headings larger, and for the non-Latin runs of an English one (set in Times); a PDF viewer
supplies the glyphs, as for any standard Asian font. Every string is escaped
before it becomes a Paragraph (reportlab reads its own small markup in paragraph text).
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["FONT", "write_pdf"]

FONT = "STSong-Light"
LATIN = "Times-Roman"
# A4 less the left and right margins (28 mm and 26 mm), in points.
FRAME_WIDTH = (210 - 28 - 26) * 72 / 25.4


def _styles(lang: str) -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    # Chinese: everything in the Chinese font, lines broken between any two characters. English: Times,
    # lines broken between words, and the Chinese font only for the runs Times cannot show (_p).
    base = (ParagraphStyle("base", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK") if lang == "zh"
            else ParagraphStyle("base", fontName=LATIN, fontSize=10.5, leading=15))
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4),
        "centred": ParagraphStyle("centred", parent=base, fontSize=13, leading=20, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=24, spaceBefore=12, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13.5, leading=20, spaceBefore=8, spaceAfter=4),
        "goal": ParagraphStyle("goal", parent=base, fontSize=12, leading=17, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("body", parent=base, fontSize=12, leading=20, firstLineIndent=24),
        "cell": base,
    }


# What the standard Latin font cannot show (its encoding is Windows-1252): set in the Chinese font.
_WIN_ANSI = "".join(sorted({chr(b).encode("latin-1").decode("cp1252", errors="ignore") for b in range(256)} - {""}))
_BEYOND_LATIN = re.compile("[^" + re.escape(_WIN_ANSI) + "]+")
# Characters the standard Chinese font lacks (a viewer would show a box), and what stands in for them.
_STAND_INS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2060": ""})


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    markup = escape(text.translate(_STAND_INS))
    if style.fontName != FONT:
        markup = _BEYOND_LATIN.sub(lambda m: f'<font name="{FONT}">{m.group()}</font>', markup)
    return Paragraph(markup, style)


def _table(table: dict[str, Any], styles: dict[str, Any]) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, Table, TableStyle

    if not table["rows"]:
        return [_p(table["empty"], styles["body"])]
    data = [[_p(c, styles["cell"]) for c in table["columns"]]]
    data += [[_p(c, styles["cell"]) for c in row] for row in table["rows"]]
    total = sum(table["widths"])
    grid = Table(data, repeatRows=1, hAlign="LEFT", colWidths=[FRAME_WIDTH * w / total for w in table["widths"]])
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]))
    return [grid, Spacer(1, 8)]


def _goal(goal: dict[str, Any], number: int, content: dict[str, Any], image: bytes | None, styles: dict[str, Any]) -> Any:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Table, TableStyle

    labels, colon = content["labels"], content["colon"]
    lines = (
        (labels["status"], goal["status_line"]), (labels["latest"], goal["latest_line"]),
        (labels["target"], goal["target"]), (labels["evidence"], goal["evidence"]), (labels["office"], goal["office"]),
    )
    text = [_p(f"{k}{colon}{v}", styles["cell"]) for k, v in lines]
    picture: Any = ""
    if image is not None:
        from reportlab.lib.utils import ImageReader

        reader = ImageReader(io.BytesIO(image))
        width, height = reader.getSize()
        picture = Image(io.BytesIO(image), width=62 * mm, height=62 * mm * height / width)
    block = Table([[text, picture]], colWidths=[FRAME_WIDTH - 66 * mm, 66 * mm], hAlign="LEFT")
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([_p(f"{number}. {goal['name']}", styles["goal"]), block])


def write_pdf(content: dict[str, Any], images: dict[str, bytes]) -> bytes:
    """The report as PDF bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    styles = _styles(content["lang"])

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 12)
        canvas.drawCentredString(A4[0] / 2, 20 * mm, f"— {doc.page} —")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, topMargin=37 * mm, bottomMargin=35 * mm, leftMargin=28 * mm, rightMargin=26 * mm,
        title=f"{content['title']} {content['kind']}", author=content["organisation"], lang=content["lang"],
    )
    story: list[Any] = [_p(content["title"], styles["title"]), _p(content["kind"], styles["title"])]
    for line in (content["organisation"], content["as_of_text"], content["period_text"], content["filters_text"]):
        if line:
            story.append(_p(line, styles["centred"]))
    summary = content["summary"]
    story += [_p(summary["heading"], styles["h1"]), _p(summary["intro"], styles["body"]),
              *_table(summary["table"], styles)]
    changes = content["changes"]
    story += [_p(changes["heading"], styles["h1"]), _p(changes["intro"], styles["body"])]
    for part in changes["parts"]:
        story += [_p(part["heading"], styles["h2"]), *_table(part["table"], styles)]
    domains = content["domains"]
    story.append(_p(domains["heading"], styles["h1"]))
    for domain in domains["sections"]:
        story.append(_p(domain["heading"], styles["h2"]))
        for number, goal in enumerate(domain["goals"], start=1):
            story.append(_goal(goal, number, content, images.get(goal["key"]), styles))
    story.append(_p(content["labels"]["chart_note"], styles["body"]))
    annex = content["annex"]
    story += [PageBreak(), _p(annex["heading"], styles["h1"]), *_table(annex["table"], styles)]
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
