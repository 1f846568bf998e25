"""方法说明 / Methodology: docs/methodology.md (English) or its Chinese version, with the worked example."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import state
from monitor.present.i18n import escape_markdown, t

DOCS = Path(__file__).resolve().parent.parent / "docs"
FILES = {"en": DOCS / "methodology.md", "zh": DOCS / "methodology.zh.md"}

lang = state.lang()
doc = FILES[lang]
if not doc.exists():
    st.warning(escape_markdown(t("meth.missing", lang, path=str(doc))))
    st.stop()
st.markdown(doc.read_text(encoding="utf-8"))
