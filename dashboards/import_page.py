"""批量导入 / Import: upload a reading file, check it row by row, then import all of it or the valid rows."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import auth, state, widgets
from monitor.errors import NotAllowed, StoreBusy, ValidationError
from monitor.files.ingest import import_file
from monitor.model.plausibility import JUMP_CODES
from monitor.present.entry import UPLOAD_LIMIT_MB, problem_rows, read_table, rejected_csv, template_csv
from monitor.present.i18n import escape_markdown, problem_reason, t
from monitor.services import review

PREVIEW_ROWS = 20

lang = state.lang()
path = state.db_path()
as_of = state.as_of()

st.caption(t("imp.intro", lang))
st.caption(t("imp.columns", lang))
st.download_button(
    t("imp.template", lang), data=template_csv(), file_name="readings-template.csv", mime="text/csv",
    icon=":material/download:", on_click="ignore", key="imp_template",
)
if not auth.may_edit(lang):
    st.stop()
uploaded = st.file_uploader(
    t("imp.upload", lang), type=["csv", "xlsx"], max_upload_size=UPLOAD_LIMIT_MB, key="imp_file",
)
if uploaded is None:
    st.stop()

data = uploaded.getvalue()
if len(data) > UPLOAD_LIMIT_MB * 1024 * 1024:
    st.error(t("imp.too_large", lang, mb=UPLOAD_LIMIT_MB))
    st.stop()
digest = hashlib.sha256(data).hexdigest()[:16]

with tempfile.TemporaryDirectory(prefix="monitor-upload-") as folder:
    # The library reads files: the upload is saved under its own name, which the problems cite.
    file = Path(folder) / (Path(uploaded.name).name or "upload.csv")
    file.write_bytes(data)

    try:
        header, preview = read_table(file, limit=PREVIEW_ROWS)
    except ValueError:
        header, preview = [], []
    if header:
        st.markdown(f"**{t('imp.preview', lang, n=PREVIEW_ROWS)}**")
        width = len(header)
        frame = pd.DataFrame(
            [[number, *(cells + [""] * width)[:width]] for number, cells in preview],
            columns=[t("pcol.row", lang), *[h or f"({i + 1})" for i, h in enumerate(header)]],
        )
        st.dataframe(frame, hide_index=True, width="stretch", height=min(len(frame), 8) * 35 + 38)

    cache_key = f"imp_dry_{digest}_{auth.editor_name()}"
    if cache_key not in st.session_state:
        try:
            st.session_state[cache_key] = import_file(
                state.store(path), file, dry_run=True, recorded_by=auth.editor_name(), today=as_of,
                authorize=auth.authorize(),
            )
        except ValidationError as e:
            # The file as a whole cannot be read (encoding, header, no rows).
            widgets.problems(e.problems, lang, heading=t("imp.file_error", lang))
            st.stop()
        except NotAllowed as e:
            st.error(escape_markdown(t("auth.not_allowed", lang, reason=str(e))), icon=":material/lock:")
            st.stop()
        except StoreBusy:
            st.error(t("app.busy", lang))
            st.stop()
    report = st.session_state[cache_key]

    st.markdown(f"**{t('imp.report', lang)}**")
    cells = st.columns(6, border=True)
    for cell, key, n in zip(
        cells,
        ("imp.rows", "imp.valid", "imp.rejected", "imp.new", "imp.revised", "imp.unchanged"),
        (report.rows, report.valid, report.rejected, report.new, report.revised, report.unchanged),
        strict=True,
    ):
        cell.metric(t(key, lang), n)

    if report.problems:
        st.markdown(f"**{t('imp.problems', lang)}**")
        st.dataframe(
            pd.DataFrame(problem_rows(report.problems, lang)),
            column_config={
                "row": st.column_config.NumberColumn(t("pcol.row", lang), format="%d", width=70),
                "column": st.column_config.TextColumn(t("pcol.column", lang), width=110),
                "reason": st.column_config.TextColumn(t("pcol.reason", lang), width="large"),
                "value": st.column_config.TextColumn(t("pcol.value", lang)),
            },
            hide_index=True,
            width="stretch",
        )
        st.download_button(
            t("imp.download_rejected", lang), data=rejected_csv(file, report.problems, lang),
            file_name=f"{file.stem}-rejected.csv", mime="text/csv", icon=":material/download:",
            on_click="ignore", key="imp_rejected",
        )
    else:
        st.success(t("imp.all_valid", lang), icon=":material/check_circle:")
    if report.warnings:
        # Valid rows no target of their indicator can ever use (monitor.files.ingest.uncounted): imported all the
        # same, said before the import.
        st.warning(t("imp.uncounted", lang, n=len(report.warnings)), icon=":material/info:")
        for problem in report.warnings[:20]:
            st.markdown(escape_markdown(t("imp.uncounted_row", lang, row=problem.row,
                                          reason=problem_reason(problem, lang))))

    # Rows held as jumps from their indicator's previous reading (monitor.model.plausibility) are listed
    # with the invalid ones; ticked, they are taken as they are.
    held = sum(p.code in JUMP_CODES for p in report.problems)
    accept_jumps = bool(held) and st.checkbox(t("imp.accept_jumps", lang, n=held), key=f"imp_accept_{digest}")
    b1, b2 = st.columns(2)
    import_all = b1.button(
        t("imp.import_all", lang), type="secondary" if report.problems else "primary", key="imp_all",
        width="stretch",
    )
    import_valid = b2.button(
        t("imp.import_valid", lang), disabled=report.valid == 0, key="imp_valid", width="stretch",
    )
    if import_all or import_valid:
        try:
            result = import_file(
                state.store(path), file, skip_invalid=import_valid, recorded_by=auth.editor_name(), today=as_of,
                accept_jumps=accept_jumps, authorize=auth.authorize(), pending=review.enabled(),
            )
        except NotAllowed as e:
            st.error(escape_markdown(t("auth.not_allowed", lang, reason=str(e))), icon=":material/lock:")
        except ValidationError as e:
            rows = {p.row for p in e.problems if p.row is not None}
            widgets.problems(e.problems, lang, heading=t("imp.failed", lang, n=len(rows)))
        except StoreBusy:
            st.error(t("app.busy", lang))
        else:
            state.invalidate()
            del st.session_state[cache_key]
            st.success(
                escape_markdown(t(
                    "imp.done", lang, file=result.file, new=result.new, revised=result.revised, unchanged=result.unchanged,
                )),
                icon=":material/check_circle:",
            )
            if result.rejected:
                st.info(t("imp.done_rejected", lang, n=result.rejected))
