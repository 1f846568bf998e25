"""The dashboard's single entry: `streamlit run dashboards/app.py` (or `monitor up`).

It holds what every page shares (page config, language, database, header) and calls st.navigation
once; the pages are the thin files next to it. The database is $MONITOR_DB, else
data/monitor.duckdb; a missing file is created and seeded from the briefing.

The app and its pages import their shared helpers as the package they are (`from dashboards import
state`), never by putting this folder on sys.path: the package is importable from an editable install
and from the wheel alike, and Streamlit runs the page files (st.Page) in this same process.
"""

from __future__ import annotations

import streamlit as st

from dashboards import auth, phone, state, widgets
from monitor.errors import MonitorError, StoreBusy
from monitor.present import workspace
from monitor.present.i18n import escape_markdown, t
from monitor.services import review

lang = state.lang()
path = state.db_path()
# The page title is the workspace's (from the store); the configuration is set again once the
# store is known to exist, and first here so that an error below still shows on a wide page.
st.set_page_config(page_title=t("app.title", lang), page_icon="📊", layout="wide")
try:
    created = state.ensure_db(path)
    st.set_page_config(page_title=workspace.title(state.profile(path), lang))
except StoreBusy:
    st.error(t("app.busy", lang))
    st.stop()
except MonitorError as e:
    st.error(escape_markdown(t("app.error", lang, reason=str(e))))
    st.stop()

pages = [
    st.Page("overview.py", title=t("page.overview", lang), icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("goal.py", title=t("page.goal", lang), icon=":material/monitoring:", url_path="goal"),
    st.Page("offices.py", title=t("page.offices", lang), icon=":material/apartment:", url_path="office"),
    st.Page("add_reading.py", title=t("page.add", lang), icon=":material/edit_note:", url_path="add"),
    st.Page("import_page.py", title=t("page.import", lang), icon=":material/upload_file:", url_path="import"),
    st.Page("refresh_page.py", title=t("page.refresh", lang), icon=":material/sync:", url_path="refresh"),
    st.Page("methodology.py", title=t("page.methodology", lang), icon=":material/menu_book:", url_path="methodology"),
]
# The catalogue page is there only for a session that may edit it (editing open, or a signed-in user who
# writes without domain or office limits).
if auth.catalog_allowed():
    pages.insert(4, st.Page("catalog_page.py", title=t("page.catalog", lang), icon=":material/list_alt:",
                            url_path="catalog"))
    pages.insert(5, st.Page("draft_page.py", title=t("page.draft", lang), icon=":material/document_scanner:",
                            url_path="draft"))
# The review queue (MONITOR_REVIEW=on) is there only for reviewers and admins.
if review.enabled() and auth.reviewing_allowed():
    pages.insert(4, st.Page("review_page.py", title=t("page.review", lang), icon=":material/fact_check:",
                            url_path="review"))
page = st.navigation(pages, position="top")

widgets.header(lang)
# Review on: how many entered values are not counted yet (every page, the overview included).
if review.enabled() and (pending := review.pending_count(state.store(path))):
    st.caption(t("review.pending_note", lang, n=pending))
phone.style()
auth.sidebar(lang)
if created:
    st.toast(t("app.created", lang, n=created))
try:
    page.run()
except StoreBusy:
    st.error(t("app.busy", lang))
widgets.footer(lang, path)
