"""文件起草 / Draft from a document (editors): upload a document, review the figures `monitor draft` finds
beside their sentence, accept, correct (kind, name, figure, unit, period, target form and deadline, each
edit checked by monitor.files.draft.review) or reject each, and import the accepted rows as catalogue
entries with the sentence as provenance, and their actual figures as readings (monitor.files.draft
.import_rows: the catalogue import, then the readings import's validation, plausibility and review). The
draft lives in the session only: nothing is stored before the import.
Every text from the document is shown as text (data grid cells, escaped markdown), never as markup."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import auth, state
from monitor.errors import NotAllowed, StoreBusy, ValidationError
from monitor.files.catalog_xlsx import FORM_CHOICES
from monitor.files.draft import draft_file, import_rows
from monitor.files.draft.extract import DEFAULT_ACCEPT
from monitor.files.draft.review import EDITABLE, KINDS, edited_row, grid_cells
from monitor.model.plausibility import JUMP_CODES
from monitor.present.entry import UPLOAD_LIMIT_MB
from monitor.present.i18n import escape_markdown, problem_reason, t
from monitor.services import review

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

# The grid: accept, and correct kind, name, figure, unit, period, target form and deadline before
# accepting (monitor.files.draft.review checks each edit; a row with a problem is never imported).
kinds = {k: t(f"draft.kind.{k}", lang) for k in KINDS}
kind_of = {label: k for k, label in kinds.items()}
cells = [grid_cells(r) for r in draft.rows]
label = {
    "accept": t("draft.col.accept", lang), "kind": t("draft.col.kind", lang), "name": t("draft.col.name", lang),
    "value": t("draft.col.value", lang), "unit": t("draft.col.unit", lang),
    "period_start": t("draft.col.period_start", lang), "period_end": t("draft.col.period_end", lang),
    "form": t("draft.col.form", lang), "deadline": t("draft.col.deadline", lang),
    "stated": t("draft.col.stated", lang), "confidence": t("draft.col.confidence", lang),
    "reasons": t("draft.col.reasons", lang),
}
frame = pd.DataFrame({
    "#": list(range(1, len(draft.rows) + 1)),  # a column, not the index: a grid's index cells are editable
    label["accept"]: [r.confidence >= DEFAULT_ACCEPT for r in draft.rows],
    label["kind"]: [kinds[c["kind"]] for c in cells],
    label["name"]: [c["name"] for c in cells],
    label["value"]: [c["value"] for c in cells],
    label["unit"]: [c["unit"] for c in cells],
    label["period_start"]: [c["period_start"] for c in cells],
    label["period_end"]: [c["period_end"] for c in cells],
    label["form"]: [c["form"] or None for c in cells],
    label["deadline"]: [c["deadline"] for c in cells],
    label["stated"]: [r.stated for r in draft.rows],
    label["confidence"]: [r.confidence for r in draft.rows],
    label["reasons"]: ["；".join(r.reasons) for r in draft.rows],
}, index=range(1, len(draft.rows) + 1))
editable = [label[k] for k in ("accept", *EDITABLE)]
edited = st.data_editor(
    frame, hide_index=True, width="stretch", key=key + "_grid", num_rows="fixed",
    height=min(35 * (len(frame) + 1) + 3, 738),  # every row of a short document in view, else a scroll of 20
    disabled=[c for c in frame.columns if c not in editable],
    column_config={
        "#": st.column_config.NumberColumn(width="small"),
        label["kind"]: st.column_config.SelectboxColumn(options=list(kinds.values()), required=True),
        label["form"]: st.column_config.SelectboxColumn(options=list(FORM_CHOICES)),
        label["period_start"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        label["period_end"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        label["value"]: st.column_config.TextColumn(help=t("draft.help.value", lang)),
        label["deadline"]: st.column_config.TextColumn(help=t("draft.help.deadline", lang)),
    },
)

rows, problems, accepted = [], [], []
for n, row in enumerate(draft.rows, 1):
    line = edited.loc[n]
    given = {k: line[label[k]] for k in EDITABLE}
    given["kind"] = kind_of.get(str(given["kind"]), str(given["kind"]))
    fixed, found = edited_row(row, given, n)
    rows.append(fixed)
    problems += found
    if bool(line[label["accept"]]):
        accepted.append((n, fixed, bool(found)))
for problem in problems[:30]:
    st.error(escape_markdown(t("draft.problem", lang, row=problem.row, column=label.get(problem.column or "", problem.column),
                               reason=problem_reason(problem, lang))))

shown = st.number_input(t("draft.show", lang), min_value=1, max_value=len(draft.rows), value=1, step=1,
                        key=key + "_show")
row = draft.rows[int(shown) - 1]
a, b = row.span
st.markdown(escape_markdown(row.sentence[:a]) + " **" + escape_markdown(row.sentence[a:b]) + "** "
            + escape_markdown(row.sentence[b:]))

blocked = [n for n, _, bad in accepted if bad]
if blocked:
    st.warning(t("draft.blocked", lang, rows="、".join(str(n) for n in blocked)))
if st.session_state.get(key + "_held"):
    # A figure far from the stored one was held: the editor may confirm it (as `--accept-jumps`).
    st.checkbox(t("draft.accept_jumps", lang), key=key + "_jumps")
if st.button(t("draft.import", lang, n=len(accepted)), disabled=not accepted or bool(blocked), key=key + "_import",
             type="primary"):
    numbers = [n for n, _, _ in accepted]
    try:
        result = import_rows(state.store(path), [r for _, r, _ in accepted], draft.source, auth.editor_name(),
                             authorize=auth.authorize(), pending=review.enabled(),
                             accept_jumps=bool(st.session_state.get(key + "_jumps")))
    except ValidationError as e:
        st.error(t("draft.refused", lang))
        if any(p.code in JUMP_CODES for p in e.problems):
            st.session_state[key + "_held"] = True  # offer the confirmation on the next run
        for problem in e.problems[:20]:
            if problem.source == "draft" and problem.row:
                # The position among the accepted rows, back to the grid's row number.
                text = t("draft.problem", lang, row=numbers[problem.row - 1],
                         column=label.get(problem.column or "", problem.column or ""),
                         reason=problem_reason(problem, lang))
            else:
                # Not the temporary workbook's name: the uploaded file's, and only the parts there are.
                where = [uploaded.name, *(str(x) for x in (problem.row, label.get(problem.column or "", problem.column))
                                          if x not in (None, ""))]
                text = f"{', '.join(where)}: {problem_reason(problem, lang)}"
            st.error(escape_markdown(text))
    except NotAllowed as e:
        st.error(escape_markdown(t("auth.not_allowed", lang, reason=str(e))), icon=":material/lock:")
    except StoreBusy:
        st.error(t("app.busy", lang))
    else:
        state.invalidate()
        st.success(t("draft.imported", lang, **result))
        if result["warnings"]:
            st.warning(t("draft.uncounted", lang, n=len(result["warnings"])))
