"""文件起草 / Draft from a document (editors): upload a document, review the figures `monitor draft` finds
beside their sentence, accept, edit or reject each, and import the accepted rows as catalogue entries with
the sentence as provenance. The draft lives in the session only: nothing is stored before the import.
Every text from the document is shown as text (data grid cells, escaped markdown), never as markup."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import auth, state
from monitor.errors import StoreBusy, ValidationError
from monitor.files.draft import draft_file, import_rows
from monitor.present.entry import UPLOAD_LIMIT_MB
from monitor.present.i18n import escape_markdown, problem_reason, t

lang = state.lang()
path = state.db_path()

st.caption(t("draft.intro", lang))
# Importing drafted rows writes the catalogue: only for those who may edit it (checked here, not only by
# the navigation that lists the page).
if not auth.may_edit(lang):
    st.stop()
if not auth.catalog_allowed():
    st.warning(t("auth.catalog_limited", lang), icon=":material/lock:")
    st.stop()
uploaded = st.file_uploader(t("draft.upload", lang), type=["txt", "docx", "pdf"], max_upload_size=UPLOAD_LIMIT_MB,
                            key="draft_file")
if uploaded is None:
    st.stop()
data = uploaded.getvalue()
day = st.date_input(t("draft.date", lang), value=None, key="draft_date")
key = "draft_" + hashlib.sha256(data).hexdigest()[:16] + str(day)
if key not in st.session_state:
    with tempfile.TemporaryDirectory(prefix="monitor-draft-") as folder:
        file = Path(folder) / (Path(uploaded.name).name or "document.txt")
        file.write_bytes(data)
        try:
            st.session_state[key] = draft_file(file, document_day=day)
        except ValidationError as e:
            for problem in e.problems:
                st.error(escape_markdown(f"{problem.source}: {problem_reason(problem, lang)}"))
            st.stop()
draft = st.session_state[key]
if not draft.rows:
    st.info(t("draft.none", lang))
    st.stop()
st.caption(escape_markdown(t("draft.count", lang, n=len(draft.rows))))
if draft.source.get("date_from") == "today":
    st.warning(t("draft.date_assumed", lang, day=draft.source["date"].isoformat()))

frame = pd.DataFrame({
    t("draft.col.accept", lang): [r.confidence >= 0.7 for r in draft.rows],
    t("draft.col.kind", lang): [t(f"draft.kind.{r.kind}", lang) for r in draft.rows],
    t("draft.col.name", lang): [r.name for r in draft.rows],
    t("draft.col.stated", lang): [r.stated for r in draft.rows],
    t("draft.col.period", lang): [r.period_text or (r.period_end.isoformat() if r.period_end else "") for r in draft.rows],
    t("draft.col.form", lang): [r.form for r in draft.rows],
    t("draft.col.confidence", lang): [r.confidence for r in draft.rows],
    t("draft.col.reasons", lang): ["；".join(r.reasons) for r in draft.rows],
})
editable = {t("draft.col.accept", lang), t("draft.col.name", lang)}
edited = st.data_editor(frame, hide_index=False, width="stretch", key=key + "_grid",
                        disabled=[c for c in frame.columns if c not in editable])

shown = st.number_input(t("draft.show", lang), min_value=0, max_value=len(draft.rows) - 1, value=0, step=1,
                        key=key + "_show")
row = draft.rows[int(shown)]
a, b = row.span
st.markdown(escape_markdown(row.sentence[:a]) + " **" + escape_markdown(row.sentence[a:b]) + "** "
            + escape_markdown(row.sentence[b:]))

accepted = [replace(r, name=str(edited.iloc[n][t("draft.col.name", lang)]).strip() or r.name)
            for n, r in enumerate(draft.rows) if bool(edited.iloc[n][t("draft.col.accept", lang)])]
if st.button(t("draft.import", lang, n=len(accepted)), disabled=not accepted, key=key + "_import", type="primary"):
    try:
        result = import_rows(state.store(path), accepted, draft.source, auth.editor_name())
    except ValidationError as e:
        st.error(t("draft.refused", lang))
        for problem in e.problems[:20]:
            st.error(escape_markdown(f"{problem.source}, {problem.row}, {problem.column}: {problem_reason(problem, lang)}"))
    except StoreBusy:
        st.error(t("app.busy", lang))
    else:
        state.invalidate()
        st.success(t("draft.imported", lang, **result))
