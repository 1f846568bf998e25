"""The report as one HTML file: the same content as the Word document, for a browser or an e-mail.

Self-contained (the charts are PNG data URIs, the style sheet is inline) and printable on A4. Every
string of the content is escaped with html.escape: an indicator named "<script>" is shown as those
characters, never run or read as markup.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

__all__ = ["write_html"]

_STYLE = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", "Songti SC", serif; font-size: 12pt;
       color: #000; max-width: 170mm; margin: 2em auto; line-height: 1.6; }
h1, h2, h3, .title, th, .label { font-family: "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", sans-serif;
       font-weight: normal; }
.title { text-align: center; font-size: 22pt; margin: 0; }
.centred { text-align: center; font-size: 14pt; margin: 0.2em 0; }
h2 { font-size: 16pt; margin-top: 1.4em; }
h3 { font-size: 14pt; margin-top: 1em; }
p.body { text-indent: 2em; }
table.grid { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 10.5pt; }
table.grid th, table.grid td { border: 1px solid #000; padding: 2px 6px; text-align: left; vertical-align: top; }
.goal { display: flex; gap: 1em; align-items: flex-start; margin: 0.6em 0 1em; page-break-inside: avoid; }
.goal .text { flex: 1; font-size: 10.5pt; }
.goal .text p { margin: 0; }
.goal h4 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", sans-serif; font-weight: normal; font-size: 12pt; margin: 0 0 0.2em; }
.goal img { width: 64mm; }
.annex { page-break-before: always; }
"""


def _table(table: dict[str, Any]) -> str:
    if not table["rows"]:
        return f'<p class="body">{escape(table["empty"])}</p>'
    total = sum(table["widths"])
    cols = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in table["widths"])
    head = "".join(f"<th>{escape(c)}</th>" for c in table["columns"])
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table["rows"])
    return f'<table class="grid"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _goal(goal: dict[str, Any], number: int, labels: dict[str, str], colon: str, image: bytes | None) -> str:
    lines = (
        (labels["status"], goal["status_line"]), (labels["latest"], goal["latest_line"]),
        (labels["target"], goal["target"]), (labels["evidence"], goal["evidence"]), (labels["office"], goal["office"]),
    )
    text = "".join(f'<p><span class="label">{escape(k)}{escape(colon)}</span>{escape(v)}</p>' for k, v in lines)
    picture = ""
    if image is not None:
        picture = f'<img alt="" src="data:image/png;base64,{base64.b64encode(image).decode("ascii")}">'
    return (f'<div class="goal" data-status="{escape(goal["status_code"])}"><div class="text">'
            f'<h4>{number}. {escape(goal["name"])}</h4>{text}</div>{picture}</div>')


def write_html(content: dict[str, Any], images: dict[str, bytes]) -> bytes:
    """The report as UTF-8 HTML bytes."""
    lang = "zh-CN" if content["lang"] == "zh" else "en-GB"
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
             f'<title>{escape(content["title"])} · {escape(content["kind"])}</title><style>{_STYLE}</style></head><body>',
             f'<h1 class="title">{escape(content["title"])}</h1>', f'<p class="title">{escape(content["kind"])}</p>']
    for line in (content["organisation"], content["as_of_text"], content["period_text"], content["filters_text"]):
        if line:
            parts.append(f'<p class="centred">{escape(line)}</p>')
    summary = content["summary"]
    parts += [f"<h2>{escape(summary['heading'])}</h2>", f'<p class="body">{escape(summary["intro"])}</p>',
              _table(summary["table"])]
    changes = content["changes"]
    parts += [f"<h2>{escape(changes['heading'])}</h2>", f'<p class="body">{escape(changes["intro"])}</p>']
    for part in changes["parts"]:
        parts += [f"<h3>{escape(part['heading'])}</h3>", _table(part["table"])]
    domains = content["domains"]
    parts.append(f"<h2>{escape(domains['heading'])}</h2>")
    for domain in domains["sections"]:
        parts.append(f'<section data-domain="{escape(domain["id"])}"><h3>{escape(domain["heading"])}</h3>')
        for number, goal in enumerate(domain["goals"], start=1):
            parts.append(_goal(goal, number, content["labels"], content["colon"], images.get(goal["key"])))
        parts.append("</section>")
    parts.append(f'<p class="body">{escape(content["labels"]["chart_note"])}</p>')
    annex = content["annex"]
    parts += [f'<div class="annex"><h2>{escape(annex["heading"])}</h2>', _table(annex["table"]), "</div></body></html>"]
    return "\n".join(parts).encode("utf-8")
