"""方法说明 / Methodology: docs/methodology.md (English) or its Chinese version, with the worked example.

The files are read as the package data of ``dashboards.docs`` (pyproject.toml maps it to docs/), so the
page shows them from a checkout and from an installed wheel alike.
"""

from __future__ import annotations

from importlib import resources

import streamlit as st

from dashboards import state
from monitor.present.i18n import escape_markdown, t

lang = state.lang()
# docs/ names a page x.md in English and x.zh.md in Chinese.
name = "methodology.md" if lang == "en" else f"methodology.{lang}.md"
try:
    doc = resources.files("dashboards.docs") / name
except ModuleNotFoundError:  # an editable install made before docs/ was mapped: `pip install -e .` again
    doc = None
if doc is None or not doc.is_file():
    st.warning(escape_markdown(t("meth.missing", lang, path=str(doc or f"dashboards.docs/{name}"))))
    st.stop()
st.markdown(doc.read_text(encoding="utf-8"))
