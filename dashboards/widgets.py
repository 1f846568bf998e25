"""Small pieces of screen shared by the pages: header, language switch, status badge, error lists."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from dashboards import state
from monitor.errors import Problem
from monitor.present import workspace
from monitor.present.i18n import LANGS, escape_markdown, format_date, problem_text, status_text, t

# The badge colour repeats what the icon and the word already say; it is never the only cue.
STATUS_COLORS: dict[str, str] = {
    "achieved": "green",
    "met": "green",
    "on_track": "green",
    "needs_acceleration": "orange",
    "limited_progress": "orange",
    "deterioration": "red",
    "not_met": "red",
    "insufficient_data": "gray",
    "no_target": "gray",
}

# Streamlit's default side padding wastes a fifth of a laptop screen on the wide table; the
# subtitle is muted like a caption. Nothing else is restyled.
_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; padding-top: 3.5rem; }
</style>
"""


def header(lang: str) -> None:
    """The workspace's title and organisation (from the store), the as-of date and the language switch."""
    st.html(_CSS)
    # keyed: the phone CSS (dashboards/phone.py) keeps title and switch on one compact line
    left, right = st.container(key="app_header").columns([5, 1], vertical_alignment="center")
    with left:
        profile = state.profile(state.db_path())
        st.title(escape_markdown(workspace.title(profile, lang)), anchor=False)  # catalogue text: never markup
        line = [workspace.subtitle(profile, lang), t("app.as_of", lang, date=format_date(state.as_of(), lang))]
        st.caption(escape_markdown(" · ".join(part for part in line if part)))
    with right:
        if st.session_state.get("lang_switch") != lang:
            st.session_state["lang_switch"] = lang
        st.segmented_control(
            t("app.language", lang),
            options=list(LANGS),
            format_func=lambda code: t(f"lang.{code}", lang),
            key="lang_switch",
            on_change=_switch_language,
            label_visibility="collapsed",
        )


def _switch_language() -> None:
    chosen = st.session_state.get("lang_switch")
    if chosen:
        state.set_lang(chosen)


def badge(status: str, lang: str) -> None:
    st.badge(status_text(status, lang), color=STATUS_COLORS.get(status, "gray"))  # type: ignore[arg-type]


def problems(items: Sequence[Problem], lang: str, heading: str | None = None) -> None:
    """Problems as one error box: each line names the field (and row) and says why, in ``lang``."""
    # A problem quotes the value it refuses: each line is escaped, the list around them is ours.
    lines = [f"- {escape_markdown(problem_text(p, lang, with_row=p.row is not None))}" for p in items]
    head = [escape_markdown(heading), ""] if heading else []
    st.error("\n".join(head + lines), icon=":material/error:")


def footer(lang: str, path: str) -> None:
    st.divider()
    st.caption(escape_markdown(t("app.database", lang, path=Path(path).name)), help=escape_markdown(path))
