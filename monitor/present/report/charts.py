"""The report's charts as PNG images: each goal's Vega-Lite spec (content.chart_spec) through vl-convert.

vl-convert renders in-process (no browser, no network: the specs carry their data inline). The specs
hold numbers and years only, so the image needs no CJK font whatever the report's language. Two goals of
one indicator whose charts are the same are drawn once.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SCALE", "png", "render"]

# Pixels per chart pixel: 2 keeps the lines sharp when Word or a PDF viewer scales the picture.
SCALE = 2


def png(spec: dict[str, Any]) -> bytes:
    import vl_convert

    return bytes(vl_convert.vegalite_to_png(spec, scale=SCALE))


def render(content: dict[str, Any]) -> dict[str, bytes]:
    """Goal key -> PNG, for every goal of the content that has a chart."""
    drawn: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for goal in content["goals"]:
        if goal["chart"] is None:
            continue
        text = json.dumps(goal["chart"], sort_keys=True)
        if text not in drawn:
            drawn[text] = png(goal["chart"])
        images[goal["key"]] = drawn[text]
    return images
