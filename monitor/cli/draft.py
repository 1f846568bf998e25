"""`monitor draft FILE`: a draft catalogue of every quantified statement in a document (docs/drafting.md).

Thin: monitor.files.draft reads the document and drafts the rows; this writes the workbook (the catalogue
template's layout with a 草稿 sheet) and prints a one-line summary per row. Errors go to the one handler:
a file that cannot be read is a ValidationError (exit code 5), a bad --date a usage error (2), a file that
cannot be written 74. Nothing is stored: review the workbook, then `monitor catalog import` it.
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.app import main
from monitor.cli.options import parse_day
from monitor.cli.output import echo


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--out", "out", default="draft.xlsx", show_default=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="Where to write the draft workbook.")
@click.option("--source-id", "source_id", default=None, metavar="ID",
              help="The document's id in the catalogue (default: from the file name).")
@click.option("--date", "day", default=None, metavar="DATE",
              help="The document's date, YYYY-MM-DD (default: the first full date in its text, else today).")
def draft(file: str, out: str, source_id: str | None, day: str | None) -> None:
    """Draft catalogue rows from FILE (.txt UTF-8/GB18030, .docx, .pdf with text) into --out for review."""
    from monitor.files.draft import draft_file

    result = draft_file(Path(file), source_id=source_id, document_day=parse_day(day, "--date"))
    Path(out).write_bytes(result.workbook())
    kinds = {"actual": "实际", "target": "目标", "both": "实际/目标"}
    for n, row in enumerate(result.rows, 1):
        echo(f"{n:>3}  {kinds[row.kind]:<5} {row.name}  {row.stated}  {row.period_text or '—'}  {row.confidence:.2f}")
    echo(f"{len(result.rows)} rows → {out} (source {result.source['id']}, dated {result.source['date']})")
    if result.source.get("date_from") == "today":
        echo(f"note: no date found in the document or its file name; windows such as 3年至5年内 were counted from "
             f"today ({result.source['date']}). Pass --date YYYY-MM-DD with the document's own date.")
