"""The report as a Word document (python-docx), laid out as government documents are.

A4 with the margins of GB/T 9704 (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); the title and the
headings in 黑体 (SimHei), the body in 仿宋 (FangSong), set as the East Asian font of every style
(w:eastAsia) so that Word uses them wherever they are installed and its own substitute elsewhere; Latin
text and figures in Times New Roman. Page numbers in the footer as a PAGE field, centred, "— 1 —".
Every string is the content's plain text (python-docx writes text, never markup).
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["BODY_FONT", "HEADING_FONT", "LATIN_FONT", "write_docx"]

HEADING_FONT = "黑体"
BODY_FONT = "仿宋"
LATIN_FONT = "Times New Roman"
# A4 less the left and right margins of GB/T 9704 (28 mm and 26 mm).
TEXT_WIDTH_MM = 210 - 28 - 26


def _fonts(style_or_run: Any, east_asian: str, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = style_or_run.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    # A theme font (w:asciiTheme, w:eastAsiaTheme, ...) takes precedence over a named one: drop them.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _page_number(paragraph: Any) -> None:
    """"— PAGE —": a field Word fills in on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" —")


def _borders(table: Any, show: bool) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single" if show else "nil")
        if show:
            element.set(qn("w:sz"), "4")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)


def _table(doc: Any, table: dict[str, Any], size: float = 10.5) -> None:
    from docx.shared import Mm, Pt

    if not table["rows"]:
        doc.add_paragraph(table["empty"], style="Body")
        return
    grid = doc.add_table(rows=1, cols=len(table["columns"]))
    _borders(grid, True)
    total = sum(table["widths"])
    for cell, text in zip(grid.rows[0].cells, table["columns"], strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        _fonts(run, HEADING_FONT, size)
    for row in table["rows"]:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            _fonts(run, BODY_FONT, size)
    for row in grid.rows:
        for cell, width in zip(row.cells, table["widths"], strict=True):
            cell.width = Mm(TEXT_WIDTH_MM * width / total)
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            cell.paragraphs[0].paragraph_format.first_line_indent = Pt(0)
    doc.add_paragraph("", style="Body")


def _goal(doc: Any, goal: dict[str, Any], number: int, labels: dict[str, str], colon: str, image: bytes | None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm, Pt

    heading = doc.add_paragraph(style="Goal")
    heading.add_run(f"{number}. {goal['name']}")
    heading.add_run(f"  [{goal['status']}]")
    grid = doc.add_table(rows=1, cols=2)
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    _borders(grid, False)
    left, right = grid.rows[0].cells
    left.width, right.width = Mm(88), Mm(68)
    left.text = ""
    lines = [
        (labels["status"], goal["status_line"]),
        (labels["latest"], goal["latest_line"]),
        (labels["target"], goal["target"]),
        (labels["evidence"], goal["evidence"]),
        (labels["office"], goal["office"]),
    ]
    first = True
    for label, value in lines:
        paragraph = left.paragraphs[0] if first else left.add_paragraph()
        first = False
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.first_line_indent = Pt(0)
        _fonts(paragraph.add_run(f"{label}{colon}"), HEADING_FONT, 10.5)
        _fonts(paragraph.add_run(value), BODY_FONT, 10.5)
    right.text = ""
    if image is not None:
        right.paragraphs[0].add_run().add_picture(io.BytesIO(image), width=Mm(64))


def write_docx(content: dict[str, Any], images: dict[str, bytes]) -> bytes:
    """The report as .docx bytes."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)

    styles = doc.styles
    # The document's defaults too: the template's theme fonts and US English would apply to any text
    # without a style of ours.
    from docx.oxml.ns import qn

    defaults = styles.element.find(qn("w:docDefaults"))
    for fonts in defaults.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        fonts.set(qn("w:ascii"), LATIN_FONT)
        fonts.set(qn("w:hAnsi"), LATIN_FONT)
        fonts.set(qn("w:eastAsia"), BODY_FONT)
    for language in defaults.iter(qn("w:lang")):
        language.set(qn("w:eastAsia"), "zh-CN")
        language.set(qn("w:val"), "zh-CN" if content["lang"] == "zh" else "en-GB")
    # 三号 (16 pt) body with a two-character first-line indent, as official documents are set.
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, 12)
    body = styles.add_style("Body", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    _fonts(body, BODY_FONT, 16)
    body.paragraph_format.first_line_indent = Pt(32)
    body.paragraph_format.line_spacing = Pt(28)
    body.paragraph_format.space_after = Pt(0)
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 16)):
        style = styles[name]
        _fonts(style, HEADING_FONT, size, bold=False)
        style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(6)
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The title style draws a rule under itself in the default template: a plain title reads better.
    for border in styles["Title"].element.xpath("./w:pPr/w:pBdr"):
        border.getparent().remove(border)
    goal_style = styles.add_style("Goal", WD_STYLE_TYPE.PARAGRAPH)
    goal_style.base_style = normal
    _fonts(goal_style, HEADING_FONT, 12)
    goal_style.paragraph_format.space_before = Pt(8)
    goal_style.paragraph_format.space_after = Pt(2)
    goal_style.paragraph_format.keep_with_next = True
    centred = styles.add_style("Centred", WD_STYLE_TYPE.PARAGRAPH)
    centred.base_style = normal
    _fonts(centred, BODY_FONT, 16)
    centred.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    centred.paragraph_format.space_after = Pt(0)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    for run in footer.runs:
        _fonts(run, LATIN_FONT, 14)

    doc.core_properties.title = f"{content['title']} {content['kind']}"
    doc.core_properties.language = "zh-CN" if content["lang"] == "zh" else "en-GB"

    doc.add_paragraph(content["title"], style="Title")
    doc.add_paragraph(content["kind"], style="Title")
    for line in (content["organisation"], content["as_of_text"], content["period_text"], content["filters_text"]):
        if line:
            doc.add_paragraph(line, style="Centred")

    summary = content["summary"]
    doc.add_paragraph(summary["heading"], style="Heading 1")
    doc.add_paragraph(summary["intro"], style="Body")
    _table(doc, summary["table"])

    changes = content["changes"]
    doc.add_paragraph(changes["heading"], style="Heading 1")
    doc.add_paragraph(changes["intro"], style="Body")
    for part in changes["parts"]:
        doc.add_paragraph(part["heading"], style="Heading 2")
        _table(doc, part["table"])

    domains = content["domains"]
    doc.add_paragraph(domains["heading"], style="Heading 1")
    for domain in domains["sections"]:
        doc.add_paragraph(domain["heading"], style="Heading 2")
        for number, goal in enumerate(domain["goals"], start=1):
            _goal(doc, goal, number, content["labels"], content["colon"], images.get(goal["key"]))
    doc.add_paragraph(content["labels"]["chart_note"], style="Body")

    annex = content["annex"]
    doc.add_page_break()
    doc.add_paragraph(annex["heading"], style="Heading 1")
    _table(doc, annex["table"])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
