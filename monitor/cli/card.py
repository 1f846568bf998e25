"""`monitor card`: a goal's picture card (or, without a goal, the summary card) as a PNG file for a chat.

The card's content is monitor.present.cards' and its drawing monitor.present.card_image's, as on the
dashboard's "复制为图片"; errors go to the one handler (an unknown goal: exit code 3; no font with Chinese
glyphs for a Chinese card: 2; a file that cannot be written: 74).
"""

from __future__ import annotations

from pathlib import Path

import click

from monitor import clock
from monitor.cli.app import main, setting_option, store
from monitor.cli.options import parse_day
from monitor.cli.output import echo


@main.command()
@click.argument("goal", required=False)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="Where to write the PNG (e.g. card.png).")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="Judge as of this date (default: today).")
@setting_option("MONITOR_LANG", "lang", resolve=True, type=click.Choice(["zh", "en"]))
@click.pass_context
def card(ctx: click.Context, goal: str | None, out: str, as_of: str | None, lang: str) -> None:
    """Write GOAL's picture card (badge, figures, trend, as-of date, source) to --out; no GOAL: the summary."""
    from monitor.present.card_image import GOAL_SIZE, SUMMARY_SIZE, render_png
    from monitor.present.cards import goal_card, summary_card_from_store
    from monitor.present.i18n import t

    day = parse_day(as_of, "--as-of") or clock.today()
    db = store(ctx)
    if goal is not None:
        png, size = render_png(goal_card(db, goal, day, lang)), GOAL_SIZE
    else:
        png, size = render_png(summary_card_from_store(db, day, lang)), SUMMARY_SIZE
    Path(out).write_bytes(png)
    echo(t("card.written", lang, path=out, width=size[0], height=size[1]))
