"""方法说明 / Methodology: a summary for leaders first, the technical method below, folded.

The summary (monitor.present.methodology) says what each status means in plain words, with the status
names of every other page, and shows examples computed from this workspace's goals as their goal pages
show them. The technical method is docs/methodology.md (English) or its Chinese version, read as the
package data of ``dashboards.docs`` (pyproject.toml maps it to docs/), so the page shows it from a
checkout and from an installed wheel alike.
"""

from __future__ import annotations

from importlib import resources

import streamlit as st

from dashboards import state, widgets
from monitor.present.i18n import escape_markdown, t
from monitor.present.methodology import leaders_summary

lang = state.lang()
path = state.db_path()
colon = t("punct.colon", lang)

summary = leaders_summary(state.store(path), state.as_of(), lang)
st.header(t("meth.leaders.heading", lang), anchor=False)
for line in summary.intro:
    st.markdown(line)
st.subheader(t("meth.statuses.heading", lang), anchor=False)
for heading, meanings in summary.groups:
    st.markdown(f"**{heading}**")
    st.markdown("\n".join(f"- **{m.name}**{colon}{m.meaning}" for m in meanings))
st.subheader(t("meth.notes.heading", lang), anchor=False)
st.markdown("\n".join(f"- {note}" for note in summary.notes))

st.subheader(t("meth.examples.heading", lang, date=summary.as_of), anchor=False)
if not summary.examples:
    st.info(summary.no_examples)
else:
    st.caption(t("meth.examples.intro", lang))
for example in summary.examples:
    # keyed by family: the tests read each example's figures from its own box
    with st.container(border=True, key=f"meth_example_{example.family}"):
        st.markdown(f"**{t(f'meth.example.{example.family}', lang)}{colon}{escape_markdown(example.heading)}**")
        widgets.badge(example.status, lang)
        m1, m2, m3 = st.columns(3)
        # The goal page's three figures, with its labels (the catalogue's text: escaped).
        m1.metric(t("goal.latest", lang), escape_markdown(example.latest),
                  delta=escape_markdown(example.latest_period) or None, delta_color="off", delta_arrow="off")
        m2.metric(t("goal.target", lang), escape_markdown(example.target),
                  delta=escape_markdown(example.target_when) or None, delta_color="off", delta_arrow="off")
        m3.metric(t("goal.progress", lang), example.progress)
        lines = []
        if example.baseline:
            lines.append(f"{t('meth.example.baseline', lang)}{colon}{escape_markdown(example.baseline)}")
        lines.append(f"**{t('goal.evidence', lang)}**{colon}{escape_markdown(example.evidence)}")
        lines.append(f"**{t('meth.example.means', lang)}**{colon}{example.reading}")
        st.markdown("  \n".join(lines))
        st.page_link("goal.py", label=t("meth.example.open", lang), icon=":material/arrow_forward:",
                     query_params={"lang": lang, "goal": example.indicator_id})

# docs/ names a page x.md in English and x.zh.md in Chinese.
name = "methodology.md" if lang == "en" else f"methodology.{lang}.md"
try:
    doc = resources.files("dashboards.docs") / name
except ModuleNotFoundError:  # an editable install made before docs/ was mapped: `pip install -e .` again
    doc = None
with st.expander(t("meth.technical", lang)):
    if doc is None or not doc.is_file():
        st.warning(escape_markdown(t("meth.missing", lang, path=str(doc or f"dashboards.docs/{name}"))))
    else:
        st.markdown(doc.read_text(encoding="utf-8"))
