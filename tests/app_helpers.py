"""Opening the Streamlit app in AppTest, shared by the dashboard, security and known-on tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"


def open_app(page: str = "overview.py", **params: str) -> AppTest:
    """The app run once with ``params`` as query parameters, then switched to ``page``; no exception."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page != "overview.py":
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at
