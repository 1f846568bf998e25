"""Progress reports: `monitor report` and the overview's download button (docs/reports.md).

One content builder (``content.build_content``: plain data from the status service, the readings and the
catalogue, every word already in the reader's language) and one writer per format (``docx``, ``html``,
``pdf``, ``xlsx``), each a function of that content alone returning the file's bytes. Charts are drawn
once per report (``charts.render``: Vega-Lite specs to PNG with vl-convert) and handed to the writers that
show them.

    build_report(store, "docx", as_of=..., since=None, lang="zh", domain=None, office=None, filters=None) -> bytes
    write_report(store, "docx", out=None, ...) -> Path        (default out: ./report-<as_of>.<ext>)

``filters`` is the overview's own filter object (monitor.present.filters.GoalFilter): the overview's
下载报告 button hands over what the overview shows. ``FORMATS`` is the one list of formats (the CLI's
--format choices and the overview's selector).

``since`` defaults to DEFAULT_SINCE_MONTHS (3) months before ``as_of``; a ``since`` not before ``as_of``,
a domain or an office the store does not know are a ConfigError / NotFound naming the value. The
third-party writers (python-docx, reportlab, openpyxl, vl-convert) are imported by the writer that needs
them, so importing this package stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from monitor.present.filters import GoalFilter
    from monitor.store.connection import Store

__all__ = ["DEFAULT_SINCE_MONTHS", "FORMATS", "GoalFilter", "MEDIA_TYPES", "build_report", "default_out", "write_report"]

FORMATS: tuple[str, ...] = ("docx", "pdf", "xlsx", "html")
MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
}


def __getattr__(name: str) -> Any:
    # The content builder (and the status service behind it) is imported on first use: `monitor --help` and
    # `monitor add` import this package for FORMATS alone and must stay light (tests/test_architecture.py).
    if name == "DEFAULT_SINCE_MONTHS":
        from monitor.present.report.content import DEFAULT_SINCE_MONTHS

        return DEFAULT_SINCE_MONTHS
    if name == "GoalFilter":
        from monitor.present.filters import GoalFilter

        return GoalFilter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_out(as_of: date, fmt: str) -> Path:
    """Where a report goes without --out: report-<as_of>.<ext> in the current folder."""
    return Path(f"report-{as_of.isoformat()}.{fmt}")


def _check(store: Store, fmt: str, as_of: date, since: date, office: str | None) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"unknown report format '{fmt}'; use one of {', '.join(FORMATS)}")
    if since >= as_of:
        raise ConfigError(f"--since {since.isoformat()} must be before --as-of {as_of.isoformat()}")
    if not store.exists:
        from monitor.store.lake import shown

        raise ConfigError(f"database {shown(store.location)} does not exist; run `monitor init` first")
    if office is not None:
        from monitor.present.views import indicator_rows

        offices = sorted({r["responsible"] for r in indicator_rows(store) if r["responsible"]})
        if office not in offices:
            raise NotFound(f"no indicator names '{office}' as its responsible office; "
                           f"offices: {', '.join(offices) or 'none'}")


def build_report(
    store: Store,
    fmt: str,
    *,
    as_of: date,
    since: date | None = None,
    lang: str = "zh",
    domain: str | Sequence[str] | None = None,
    office: str | None = None,
    filters: GoalFilter | None = None,
) -> bytes:
    """The report as a file's bytes in ``fmt`` (docx, pdf, xlsx or html); ``domain``: one domain id or several."""
    from monitor.present.report.content import build_content, default_since

    since = since if since is not None else default_since(as_of)
    _check(store, fmt, as_of, since, office)
    content = build_content(store, as_of, since, lang, domain=domain, office=office, filters=filters)
    if fmt == "xlsx":
        from monitor.present.report.xlsx import write_xlsx

        return write_xlsx(content)
    from monitor.present.report.charts import render

    images = render(content)
    if fmt == "docx":
        from monitor.present.report.docx import write_docx

        return write_docx(content, images)
    if fmt == "pdf":
        from monitor.present.report.pdf import write_pdf

        return write_pdf(content, images)
    from monitor.present.report.html import write_html

    return write_html(content, images)


def write_report(
    store: Store,
    fmt: str,
    out: str | Path | None = None,
    *,
    as_of: date,
    since: date | None = None,
    lang: str = "zh",
    domain: str | Sequence[str] | None = None,
    office: str | None = None,
    filters: GoalFilter | None = None,
) -> Path:
    """Write the report to ``out`` (default: default_out) whole or not at all; the path written."""
    from monitor.files.export import write_whole

    data = build_report(store, fmt, as_of=as_of, since=since, lang=lang, domain=domain, office=office, filters=filters)
    path = Path(out) if out is not None else default_out(as_of, fmt)
    write_whole(path, data)
    return path
