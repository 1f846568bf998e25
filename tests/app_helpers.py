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


def table_rows(markup: str) -> list[dict[str, object]]:
    """The rows of the overview's HTML table (monitor/present/overview_table.py): per row its ``indicator_id``
    and ``target_id`` and each column's text (the lines of a cell joined by newlines; ``trend`` the number of
    points of its sparkline)."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[dict[str, object]] = []
            self.column: str | None = None
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "tr" and "data-id" in found:
                self.rows.append({"indicator_id": found["data-id"], "target_id": found.get("data-target") or None})
            elif tag == "td" and self.rows:
                self.column, self.text = found.get("data-col"), []
                self.rows[-1][str(self.column)] = ""
            elif tag == "span" and "ov-line" in (found.get("class") or "") and self.column and self.text:
                self.text.append("\n")
            elif tag == "img" and self.column == "trend":
                self.rows[-1]["trend"] = int(found.get("data-points") or 0)

        def handle_data(self, data: str) -> None:
            if self.column:
                self.text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "td" and self.column and self.rows:
                if self.column != "trend":
                    self.rows[-1][self.column] = "".join(self.text).strip()
                elif not self.rows[-1].get("trend"):
                    self.rows[-1]["trend"] = 0
                self.column = None

    parser = Rows()
    parser.feed(markup)
    return parser.rows


def overview_frame(at: AppTest):  # noqa: ANN201 - a pandas DataFrame
    """The overview's table as a DataFrame (one row per goal, the columns of table_rows)."""
    import pandas as pd

    tables = [h.value for h in at.html if 'class="ov-table"' in h.value]
    assert tables, "the overview table is shown"
    return pd.DataFrame(table_rows(tables[0]))
