"""Picture cards: a GoalCard or a SummaryCard (monitor.present.cards) drawn as a PNG for a chat message.

Drawn with Pillow (already installed with Streamlit; declared in pyproject) in a system font: the first
of FONT_CANDIDATES that exists, else whatever ``fc-match`` names for Chinese. No font ships with the
repository. Without a CJK font a card whose text is all Latin is drawn in Pillow's own font; one that
needs Chinese glyphs is refused with a ConfigError saying which package to install (fonts-noto-cjk),
never drawn as empty boxes. Text is drawn as pixels, never interpreted.

Sizes: GOAL_SIZE (1080 × 810, 4:3) and SUMMARY_SIZE (1080 × 1350, 4:5): what chat apps show whole in
a message on a phone, at three device pixels per CSS pixel. Status colours repeat the status words
(never the only cue), as on the dashboard.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.present.cards import GoalCard, SummaryCard

__all__ = ["GOAL_SIZE", "SUMMARY_SIZE", "find_font", "render_png"]

GOAL_SIZE = (1080, 810)
SUMMARY_SIZE = (1080, 1350)
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    # (regular, bold): Debian/Ubuntu fonts-noto-cjk, then other common CJK families.
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ("/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/PingFang.ttc"),
    ("C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msyhbd.ttc"),
)

# The dashboard's badge colours (dashboards/widgets.STATUS_COLORS) as RGB.
_GREEN, _ORANGE, _RED, _GRAY = (26, 127, 55), (188, 76, 0), (207, 34, 46), (110, 119, 129)
STATUS_RGB: dict[str, tuple[int, int, int]] = {
    "achieved": _GREEN, "met": _GREEN, "on_track": _GREEN,
    "needs_acceleration": _ORANGE, "limited_progress": _ORANGE,
    "deterioration": _RED, "not_met": _RED,
    "insufficient_data": _GRAY, "no_target": _GRAY,
}
_INK, _MUTED, _LINE, _BLUE, _TARGET = (31, 35, 40), (101, 109, 118), (216, 222, 228), (0, 114, 178), (213, 94, 0)


@cache
def find_font() -> tuple[str, str] | None:
    """(regular, bold) font files with Chinese glyphs, or None when the system has none."""
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular
    if shutil.which("fc-match"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        found = done.stdout.strip()
        if done.returncode == 0 and found and Path(found).is_file() and found.lower().endswith((".ttf", ".ttc", ".otf")):
            return found, found
    return None


# CJK punctuation, kana, ideographs, compatibility ideographs and full-width forms: what Pillow's own
# font cannot draw and a Chinese card needs.
_CJK = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))


def _needs_cjk(texts: list[str]) -> bool:
    return any(low <= ord(ch) <= high for text in texts for ch in text for low, high in _CJK)


class _Pen:
    """Fonts by (size, bold), text measuring and wrapping, on one image."""

    def __init__(self, image: Any, texts: list[str]) -> None:
        from PIL import ImageDraw

        self.draw = ImageDraw.Draw(image)
        self.files = find_font()
        if self.files is None and _needs_cjk(texts):
            raise ConfigError("no font with Chinese characters found for the picture card; install one "
                              "(Debian/Ubuntu: apt-get install fonts-noto-cjk)")
        self.fonts: dict[tuple[int, bool], Any] = {}

    def font(self, size: int, bold: bool = False) -> Any:
        from PIL import ImageFont

        key = (size, bold)
        if key not in self.fonts:
            if self.files is None:
                self.fonts[key] = ImageFont.load_default(size)
            else:
                path = self.files[1] if bold else self.files[0]
                # index 2 of a Noto CJK collection is Simplified Chinese (SC); other files have one face
                index = 2 if path.endswith("NotoSansCJK-Regular.ttc") or path.endswith("NotoSansCJK-Bold.ttc") else 0
                self.fonts[key] = ImageFont.truetype(path, size, index=index)
        return self.fonts[key]

    def width(self, text: str, size: int, bold: bool = False) -> float:
        return float(self.draw.textlength(text, font=self.font(size, bold)))

    def fit(self, text: str, size: int, room: float, bold: bool = False) -> str:
        """``text`` cut with an ellipsis to ``room`` pixels."""
        if self.width(text, size, bold) <= room:
            return text
        while text and self.width(text + "…", size, bold) > room:
            text = text[:-1]
        return text + "…"

    def wrap(self, text: str, size: int, room: float, lines: int, bold: bool = False) -> list[str]:
        """``text`` broken into at most ``lines`` lines of ``room`` pixels (between words when there are
        spaces, else between characters); the last one ends in an ellipsis when cut."""
        out: list[str] = []
        rest = text.strip()
        while rest and len(out) < lines:
            if self.width(rest, size, bold) <= room:
                out.append(rest)
                rest = ""
                break
            cut = len(rest)
            while cut > 1 and self.width(rest[:cut], size, bold) > room:
                cut -= 1
            space = rest.rfind(" ", 0, cut + 1)
            if space > cut // 2:
                cut = space
            out.append(rest[:cut].rstrip())
            rest = rest[cut:].lstrip()
        if rest and out:
            out[-1] = self.fit(out[-1] + " " + rest, size, room, bold)
        return out

    def text(self, xy: tuple[float, float], text: str, size: int, fill: tuple[int, int, int] = _INK,
             bold: bool = False) -> None:
        self.draw.text(xy, text, font=self.font(size, bold), fill=fill)


def _badge(pen: _Pen, x: float, y: float, status: str, label: str, size: int = 34) -> float:
    """A rounded badge in the status colour with its word; the badge's right edge."""
    colour = STATUS_RGB.get(status, _GRAY)
    width = pen.width(label, size, True) + size
    pen.draw.rounded_rectangle((x, y, x + width, y + size * 1.6), radius=size * 0.8, fill=colour)
    pen.text((x + size / 2, y + size * 0.12), label, size, (255, 255, 255), bold=True)
    return x + width


def _sparkline(pen: _Pen, box: tuple[float, float, float, float], values: list[float], target: float | None,
               empty: str) -> None:
    """The trend as a line with its newest point, and the target as a dashed line, in ``box``; ``empty``
    in its middle when there are fewer than two comparable readings."""
    left, top, right, bottom = box
    pen.draw.rectangle(box, outline=_LINE, width=2)
    if len(values) < 2:
        text = pen.fit(empty, 30, right - left - 48)
        pen.text(((left + right - pen.width(text, 30)) / 2, (top + bottom) / 2 - 20), text, 30, _MUTED)
        return
    span_values = values + ([target] if target is not None else [])
    low, high = min(span_values), max(span_values)
    if high == low:
        high, low = high + 1, low - 1
    pad = (high - low) * 0.12
    low, high = low - pad, high + pad
    inner = (left + 24, top + 20, right - 24, bottom - 20)

    def y_of(v: float) -> float:
        return inner[3] - (v - low) / (high - low) * (inner[3] - inner[1])

    if target is not None:
        y = y_of(target)
        x = inner[0]
        while x < inner[2]:
            pen.draw.line((x, y, min(x + 18, inner[2]), y), fill=_TARGET, width=4)
            x += 30
    step = (inner[2] - inner[0]) / (len(values) - 1)
    points = [(inner[0] + i * step, y_of(v)) for i, v in enumerate(values)]
    pen.draw.line(points, fill=_BLUE, width=6, joint="curve")
    x, y = points[-1]
    pen.draw.ellipse((x - 11, y - 11, x + 11, y + 11), fill=_BLUE)


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# A figure that does not fit its half of the card at full size (an English target phrase such as "13.5%
# below the baseline") is set smaller on up to two lines rather than cut: the sizes tried, largest first.
FIGURE_SIZE, FIGURE_WRAPPED_SIZE = 54, 36


def _figure_lines(pen: _Pen, figure: str, room: float) -> tuple[int, list[str]]:
    """(size, lines) of a latest or target figure in ``room`` pixels: one line at FIGURE_SIZE when it fits,
    else up to two at FIGURE_WRAPPED_SIZE (the second ends in an ellipsis only if even that is too short)."""
    if pen.width(figure, FIGURE_SIZE, True) <= room:
        return FIGURE_SIZE, [figure]
    return FIGURE_WRAPPED_SIZE, pen.wrap(figure, FIGURE_WRAPPED_SIZE, room, 2, bold=True)


def _goal_png(card: GoalCard) -> bytes:
    from PIL import Image

    width, height = GOAL_SIZE
    image = Image.new("RGB", GOAL_SIZE, (255, 255, 255))
    texts = [card.name, card.status_label, card.latest_figure, card.latest_period, card.target_figure,
             card.target_when, card.as_of_label, card.source, card.source_label, card.workspace,
             card.latest_label, card.target_label, card.no_trend_label]
    pen = _Pen(image, texts)
    margin = 56
    room = width - 2 * margin
    pen.draw.rectangle((0, 0, width, 14), fill=STATUS_RGB.get(card.status, _GRAY))
    pen.text((margin, 40), pen.fit(card.workspace, 28, room), 28, _MUTED)
    y = 88.0
    for line in pen.wrap(card.name, 50, room, 2, bold=True):
        pen.text((margin, y), line, 50, bold=True)
        y += 66
    y += 10
    _badge(pen, margin, y, card.status, card.status_label)
    y += 80
    half = room / 2
    bottom = 0.0
    for n, (label, figure, when) in enumerate((
        (card.latest_label, card.latest_figure, card.latest_period),
        (card.target_label, card.target_figure, card.target_when),
    )):
        x = margin + n * half
        pen.text((x, y), label, 28, _MUTED)
        size, lines = _figure_lines(pen, figure, half - 24)
        for k, line in enumerate(lines):
            pen.text((x, y + 38 + k * (size + 6)), line, size, bold=True)
        below = max(y + 110, y + 38 + len(lines) * (size + 6) + 6)
        pen.text((x, below), pen.fit(when, 28, half - 24), 28, _MUTED)
        bottom = max(bottom, below + 50)  # the "when" line and a gap before the chart
    y = max(y + 160, bottom)
    _sparkline(pen, (margin, y, width - margin, height - 110), card.trend, card.target_value, card.no_trend_label)
    footer = f"{card.as_of_label} · {card.source_label}{card.source}"
    for n, line in enumerate(pen.wrap(footer, 26, room, 2)):
        pen.text((margin, height - 92 + n * 36), line, 26, _MUTED)
    return _png(image)


def _summary_png(card: SummaryCard) -> bytes:
    from PIL import Image

    width, height = SUMMARY_SIZE
    image = Image.new("RGB", SUMMARY_SIZE, (255, 255, 255))
    texts = [card.title, card.total_label, card.as_of_label, card.source, card.source_label]
    texts += [label for _, label, _ in card.counts] + [n for _, n, _ in card.goals] + [v for _, _, v in card.goals]
    pen = _Pen(image, texts)
    margin = 56
    room = width - 2 * margin
    y = 48.0
    for line in pen.wrap(card.title, 50, room, 2, bold=True):
        pen.text((margin, y), line, 50, bold=True)
        y += 66
    pen.text((margin, y + 6), pen.fit(f"{card.as_of_label} · {card.total_label}", 30, room), 30, _MUTED)
    y += 70
    # One bar split by status (worst first), then each status with its number.
    total = sum(n for _, _, n in card.counts) or 1
    x = float(margin)
    for status, _, n in card.counts:
        w = room * n / total
        pen.draw.rectangle((x, y, x + w, y + 40), fill=STATUS_RGB.get(status, _GRAY))
        x += w
    y += 64
    col = room / 2
    for i, (status, label, n) in enumerate(card.counts):
        cx, cy = margin + (i % 2) * col, y + (i // 2) * 58
        pen.draw.ellipse((cx, cy + 8, cx + 26, cy + 34), fill=STATUS_RGB.get(status, _GRAY))
        pen.text((cx + 40, cy), pen.fit(f"{label}  {n}", 34, col - 50), 34)
    y += ((len(card.counts) + 1) // 2) * 58 + 28
    pen.draw.line((margin, y, width - margin, y), fill=_LINE, width=2)
    y += 24
    for status, name, latest in card.goals:
        if y > height - 220:
            break
        pen.draw.ellipse((margin, y + 12, margin + 26, y + 38), fill=STATUS_RGB.get(status, _GRAY))
        pen.text((margin + 44, y), pen.fit(name, 38, room - 44, bold=True), 38, bold=True)
        pen.text((margin + 44, y + 52), pen.fit(latest, 30, room - 44), 30, _MUTED)
        y += 116
    footer = f"{card.source_label}{card.source}"
    for n, line in enumerate(pen.wrap(footer, 26, room, 2)):
        pen.text((margin, height - 92 + n * 36), line, 26, _MUTED)
    return _png(image)


def render_png(card: GoalCard | SummaryCard) -> bytes:
    """The card as PNG bytes (GOAL_SIZE or SUMMARY_SIZE)."""
    return _goal_png(card) if isinstance(card, GoalCard) else _summary_png(card)
