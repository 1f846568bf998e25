"""A document's text made fit to read figures from: the layout damage of newspapers and scans undone.

Contract: ``sentences(text)`` returns ``Sentence`` objects in document order, each with its text (one
sentence, line breaks and letter-spacing removed, full-width digits, letters and % folded) and the
section heading in force (a 【关键词：…】 mark, a standalone headline or a numbered heading). Undone:

- hard line breaks inside a sentence (a line is joined to the next unless it stands alone between blank
  lines: then it is a headline, a sentence of its own);
- letter-spacing ("国 家 植 物 园") and spaces around figures ("达 2.3 万架");
- the doubled characters and phrases of scanned headlines ("77月月 1111日日，，省政府新闻办召开省政府新闻办召开"),
  only on lines where most characters come in pairs (a real "人人" or "天天" elsewhere is kept);
- full-width digits, letters and percent signs (monitor.model.units.fold_width).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.model.units import fold_width

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}\d.%，。、；：“”（）《》—])[ \t\u3000]+|[ \t\u3000]+(?=[{_CJK}\d%，。、；：“”（）《》—])")
_ENDS = "。！？!?"
_HEADING_MARK = re.compile(r"【([^】]{1,30})】")
_NUMBERED_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+[章节部分])")


@dataclass(frozen=True)
class Sentence:
    text: str
    section: str  # the heading in force ("" before the first)
    headline: bool = False  # a standalone line (a newspaper's headline or a heading)
    paragraph: int = 0  # which block of the text it is in (a period stated early in a paragraph holds in it)


def _doubled_share(line: str) -> float:
    """The share of a line's characters that a scan doubled: runs of an even length of one character
    ("月月", "1111") and phrases said twice in a row ("召开召开…"). Two distinct doubled CJK characters at
    least, so that "2000" or a real "人人" alone never counts."""
    chars = "".join(c for c in line if not c.isspace())
    if len(chars) < 6:
        return 0.0
    runs = [m.group(0) for m in re.finditer(r"(.)\1+", chars) if len(m.group(0)) % 2 == 0]
    phrases = [m.group(1) for m in re.finditer(r"(.{3,}?)\1", chars)]
    if len({r[0] for r in runs if re.match(rf"[{_CJK}]", r[0])}) < 2 and len(phrases) < 2:
        return 0.0
    covered = sum(len(r) for r in runs) + sum(2 * len(m.group(1)) for m in re.finditer(r"(.{3,}?)\1", chars))
    return covered / len(chars)


def undouble(line: str) -> str:
    """A scanned headline's doubling undone: "77月月 1111日日" -> "7月11日", "召开召开" -> "召开"."""
    if _doubled_share(line) < 0.5:
        return line
    line = re.sub(r"(.)\1", r"\1", line.replace(" ", ""))
    return re.sub(r"(.{2,}?)\1", r"\1", line)


def _clean(text: str) -> str:
    text = fold_width(text).replace("\uff05", "%")
    return _SPACE_NEAR_CJK.sub("", text).strip()


# Marks where a paragraph of a block begins (a private-use character: never in a document's text, kept by _clean).
PARAGRAPH = "\ue000"


def sentences(text: str) -> list[Sentence]:
    lines = [undouble(line.rstrip()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # Blocks: a standalone line (blank before and after) is a headline; other lines join their paragraph.
    pieces: list[tuple[str, bool]] = []
    buffer: list[str] = []
    gap = False
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            gap = True
            continue
        # A blank line after a finished sentence: a new paragraph of the same block (marked for the
        # sentences below; a blank line inside a sentence is only layout).
        new_paragraph = bool(buffer) and gap and buffer[-1][-1] in "。！？"
        gap = False
        before = n == 0 or not lines[n - 1].strip()
        after = n + 1 >= len(lines) or not lines[n + 1].strip()
        standalone = before and after and stripped[-1] not in "，、；：,;" and len(_clean(stripped)) <= 40
        if standalone or _NUMBERED_HEADING.match(stripped):
            if buffer:
                pieces.append(("".join(buffer), False))
                buffer = []
            pieces.append((stripped, True))
        else:
            buffer.append(PARAGRAPH + stripped if new_paragraph else stripped)
    if buffer:
        pieces.append(("".join(buffer), False))
    out: list[Sentence] = []
    section = ""
    paragraph = 0
    for piece, headline in pieces:
        paragraph += 1
        piece = _clean(piece)
        if headline:
            if not _NUMBERED_HEADING.match(piece):
                out.append(Sentence(piece, section, True))
            if not piece.startswith("(") and (_NUMBERED_HEADING.match(piece) or not re.search(r"\d", piece)):
                section = piece
            continue
        for part in re.split(rf"(?<=[{_ENDS}])(?![”’\"])", piece):
            if part.lstrip().startswith(PARAGRAPH):
                paragraph += 1
            part = part.replace(PARAGRAPH, "").strip()
            if not part:
                continue
            mark = _HEADING_MARK.search(part)
            if mark:
                section = mark.group(1)
                part = _HEADING_MARK.sub("", part).strip()
            if part:
                out.append(Sentence(part, section, paragraph=paragraph))
    return out


__all__ = ["Sentence", "sentences", "undouble"]
