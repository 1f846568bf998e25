"""Issue 18 item 1: progress reports (monitor/present/report, `monitor report`, the overview's button).

Every test makes a real report from a real DuckDB store (seeded from data/briefing.yaml, or from the
county's catalogue in tests/fixtures/county.yaml) and opens the produced file with the reader people's
software would use: python-docx, openpyxl, pypdf, an HTML parser.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pypdf
import pytest
import yaml
from click.testing import CliRunner
from docx.oxml.ns import qn

from monitor import clock
from monitor.cli import main
from monitor.files.catalog import read_profile
from monitor.files.ingest import add_reading
from monitor.present.i18n import format_date, status_text, t
from monitor.present.report import build_report, write_report
from monitor.present.report.content import build_content, default_since
from monitor.present.report.xlsx import STATUS_FILLS
from monitor.present.wording import latest_parts
from monitor.status import Detail, statuses
from monitor.store.connection import Store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNTY = FIXTURES / "county.yaml"
SEED_WORDS = ("西宁", "Xining", "青海", "Qinghai")
TODAY = clock.today()
LAST_MONTH_END = TODAY.replace(day=1) - timedelta(days=1)


def _county(tmp_path: Path, document: dict[str, Any] | None = None) -> Store:
    """A store holding only the county's catalogue (or ``document``), as `monitor init --seed` makes it."""
    seed = COUNTY
    if document is not None:
        seed = tmp_path / "catalogue.yaml"
        seed.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    db = tmp_path / "county.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db), "init", "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return Store(db)


def _docx_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def _table_with_header(document: Any, first: str, last: str) -> list[list[str]]:
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[0] == first and header[-1] == last:
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table headed {first} … {last}")


def _east_asian(style: Any) -> str | None:
    """The East Asian font a style names, None if none or if a theme font would take precedence."""
    fonts = style.element.rPr.find(qn("w:rFonts"))
    if fonts is None or fonts.get(qn("w:eastAsiaTheme")) is not None:
        return None
    return fonts.get(qn("w:eastAsia"))


# ---------------------------------------------------------------- Word


def test_the_word_report_has_every_part_on_a4_in_official_fonts(fresh_db: Store) -> None:
    data = build_report(fresh_db, "docx", as_of=TODAY, lang="zh")
    document = docx.Document(io.BytesIO(data))
    text = _docx_text(document)
    profile = read_profile(fresh_db)
    records = [r.as_dict() for r in statuses(fresh_db, TODAY, detail=Detail.SUMMARY)]

    # Title, organisation and as-of date, at the top.
    top = [p.text for p in document.paragraphs[:6]]
    assert top[0] == profile.workspace.title("zh")  # type: ignore[union-attr]
    assert top[1] == t("report.kind", "zh")
    assert t("report.as_of", "zh", day=format_date(TODAY, "zh")) in top

    # The summary's counts are the status service's, status by status, and their total.
    summary = _table_with_header(document, t("report.col.status", "zh"), t("report.total", "zh"))
    counts = {row[0]: int(row[-1]) for row in summary[1:]}
    expected = Counter(r["status"] for r in records)
    assert counts == {**{status_text(s, "zh", icon=False): n for s, n in expected.items()},
                      t("report.total", "zh"): len(records)}

    # A section per domain present, in the catalogue's order, and every goal with its status and value.
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    domains = [d.id for d in profile.domains if any(r["domain"] == d.id for r in records)]
    for n, domain in enumerate(domains, start=1):
        assert t("report.h.domain", "zh", n=n, name=profile.domain_name(domain, "zh")) in headings
    goal_lines = [p.text for p in document.paragraphs if p.style.name == "Goal"]
    assert len(goal_lines) == len(records)
    for r in records:
        assert any(r["name_zh"] in line and status_text(r["status"], "zh", icon=False) in line for line in goal_lines), r["name_zh"]
        figure, _ = latest_parts(r, "zh")
        assert figure in text
    # A chart: at least the goals with a target and two readings have a picture.
    assert len(document.inline_shapes) >= 1

    # A4 with the official margins; a PAGE field in the footer.
    section = document.sections[0]
    # (Word stores twentieths of a point: 210 mm is 11,906 of them, a hair over.)
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)
    footer = section.footer._element.xml
    assert "PAGE" in "".join(e.text or "" for e in section.footer._element.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in footer
    # Headings in 黑体, body in 仿宋 (East Asian font names of the styles).
    assert _east_asian(document.styles["Title"]) == "黑体"
    assert _east_asian(document.styles["Heading 1"]) == "黑体"
    assert _east_asian(document.styles["Normal"]) == "仿宋"
    assert _east_asian(document.styles["Body"]) == "仿宋"
    # The overdue annex lists every stale goal.
    annex = _table_with_header(document, t("report.col.office", "zh"), t("report.col.days_overdue", "zh"))
    assert len(annex) - 1 == sum(1 for r in records if r["stale"])


def test_the_county_report_carries_its_own_title_and_nothing_of_the_seed(tmp_path: Path) -> None:
    county = _county(tmp_path)
    for lang in ("zh", "en"):
        document = docx.Document(io.BytesIO(build_report(county, "docx", as_of=TODAY, lang=lang)))
        text = _docx_text(document)
        assert document.paragraphs[0].text == read_profile(county).workspace.title(lang)  # type: ignore[union-attr]
        assert read_profile(county).workspace.organisation(lang) in text  # type: ignore[union-attr]
        html = build_report(county, "html", as_of=TODAY, lang=lang).decode("utf-8")
        for word in SEED_WORDS:
            assert word not in text and word not in html, (lang, word)
    english = _docx_text(docx.Document(io.BytesIO(build_report(county, "docx", as_of=TODAY, lang="en"))))
    assert "Progress by domain" in english and "Economy" in english


def test_the_target_forms_are_stated_as_the_plan_words_them_in_every_format(tmp_path: Path) -> None:
    # Issue 16's forms in issue 18's report: a range, "about", a change and an average growth say what the
    # plan said, and the binding goal comes first.
    county = _county(tmp_path)
    wanted = {"zh": ("区间 4.5%–5%", "2%左右", "较基期降低13.5%", "较基期提高1岁", "年均增长7%以上", "约束性"),
              "en": ("range 4.5%–5%", "about 2%", "13.5% below the baseline", "average annual growth at least 7%",
                     "Binding")}
    for lang, phrases in wanted.items():
        word = _docx_text(docx.Document(io.BytesIO(build_report(county, "docx", as_of=TODAY, lang=lang))))
        html = build_report(county, "html", as_of=TODAY, lang=lang).decode("utf-8")
        sheet = openpyxl.load_workbook(io.BytesIO(build_report(county, "xlsx", as_of=TODAY, lang=lang)))
        cells = " ".join(str(c.value) for ws in sheet.worksheets for row in ws.iter_rows() for c in row if c.value)
        pdf = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(build_report(county, "pdf", as_of=TODAY,
                                                                                          lang=lang))).pages)
        for phrase in phrases:
            for name, text in (("docx", word), ("html", html), ("xlsx", cells)):
                assert phrase in text, (lang, name, phrase)
        assert "13.5" in pdf, lang
    content = build_content(county, TODAY, default_since(TODAY), "en")
    assert content["goals"][0]["target_id"] == "county-energy-2030", "the binding goal leads"


# ---------------------------------------------------------------- the spreadsheet


def test_the_workbook_has_a_formatted_status_sheet_beside_the_readings(fresh_db: Store) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(build_report(fresh_db, "xlsx", as_of=TODAY, lang="zh")))
    assert workbook.sheetnames == [t("report.sheet.status", "zh"), t("report.sheet.readings", "zh")]
    sheet = workbook[t("report.sheet.status", "zh")]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["领域", "指标", "状态"] and "最新值" in header and "单位" in header and "截止日期" in header
    rows = [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    records = {r["name_zh"]: r for r in (x.as_dict() for x in statuses(fresh_db, TODAY))}
    assert len(rows) == len(records)
    seen_fills = set()
    for row in rows:
        record = records[row["指标"].value]
        # The status cell is filled with its status' colour, the word still in it.
        assert row["状态"].value == status_text(record["status"], "zh", icon=False)
        assert row["状态"].fill.fgColor.rgb[-6:] == STATUS_FILLS[record["status"]]
        seen_fills.add(row["状态"].fill.fgColor.rgb)
        if record["latest_period_end"]:
            # A real date cell, not text.
            assert isinstance(row["期间止"].value, datetime)
            assert row["期间止"].value.date().isoformat() == record["latest_period_end"]
            assert row["期间止"].number_format == "yyyy-mm-dd"
    assert len(seen_fills) >= 2
    # Display units: the racks are counted in 万架 (the catalogue's display unit), not in 架.
    racks = next(r for r in rows if records[r["指标"].value]["indicator_id"] == "compute-racks")
    record = records[racks["指标"].value]
    assert racks["单位"].value == "万架"
    assert racks["最新值"].value == pytest.approx(record["latest_value"] / 10_000)
    assert racks["目标值"].value == pytest.approx(record["target_value"] / 10_000)
    # The readings sheet: every revision of the report's indicators, dates as dates.
    readings = workbook[t("report.sheet.readings", "zh")]
    assert [c.value for c in readings[1]][:4] == ["指标编号", "指标", "期间起", "期间止"]
    assert readings.max_row > 1 and isinstance(readings.cell(2, 3).value, datetime)


def test_a_formula_like_name_stays_text_in_the_workbook(tmp_path: Path) -> None:
    document = yaml.safe_load(COUNTY.read_text(encoding="utf-8"))
    document["indicators"][0]["name_zh"] = "=HYPERLINK(\"http://x\")"
    county = _county(tmp_path, document)
    sheet = openpyxl.load_workbook(io.BytesIO(build_report(county, "xlsx", as_of=TODAY, lang="zh"))).worksheets[0]
    names = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(sheet.cell(r, 2).data_type == "s" for r in range(2, sheet.max_row + 1))


# ---------------------------------------------------------------- HTML and PDF


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_report_shows_a_hostile_name_as_text(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    document = yaml.safe_load(COUNTY.read_text(encoding="utf-8"))
    document["indicators"][0]["name_zh"] = hostile
    document["workspace"]["title_zh"] = "某县 & <b>监测</b>"
    county = _county(tmp_path, document)
    page = build_report(county, "html", as_of=TODAY, lang="zh").decode("utf-8")
    parsed = _Collect()
    parsed.feed(page)
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert parsed.tags.count("img") == page.count('src="data:image/png;base64,')  # the charts only
    shown = "".join(parsed.text)
    assert hostile in shown and "某县 & <b>监测</b>" in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_pdf_report_has_the_title_and_the_goals(tmp_path: Path) -> None:
    county = _county(tmp_path)
    reader = pypdf.PdfReader(io.BytesIO(build_report(county, "pdf", as_of=TODAY, lang="zh")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    profile = read_profile(county)
    assert profile.workspace is not None and profile.workspace.title_zh in text
    for r in statuses(county, TODAY):
        assert r.name_zh in text
    assert "— 1 —" in reader.pages[0].extract_text()
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


# ---------------------------------------------------------------- what changed


def test_the_changes_list_a_status_change_made_by_a_new_reading(fresh_db: Store) -> None:
    since = LAST_MONTH_END - timedelta(days=1)
    before = {r.indicator_id: r.status for r in statuses(fresh_db, since)}
    add_reading(fresh_db, "compute-racks", "3", LAST_MONTH_END, unit="万架", source="test")
    after = {r.indicator_id: r.status for r in statuses(fresh_db, TODAY)}
    assert before["compute-racks"] != after["compute-racks"]

    content = build_content(fresh_db, TODAY, since, "zh")
    changed, recorded, _ = (part["table"]["rows"] for part in content["changes"]["parts"])
    racks = next(r for r in statuses(fresh_db, TODAY) if r.indicator_id == "compute-racks")
    assert [racks.name_zh, read_profile(fresh_db).domain_name(racks.domain, "zh"),
            status_text(before["compute-racks"], "zh", icon=False),
            status_text(after["compute-racks"], "zh", icon=False)] in changed
    assert any(row[0] == racks.name_zh and row[2] == "3万架" for row in recorded)
    # Only what changed: a goal whose status is the same on both dates is not listed.
    assert len(changed) == sum(1 for k, v in after.items() if before.get(k) != v)

    # The same in the Word file.
    document = docx.Document(io.BytesIO(build_report(fresh_db, "docx", as_of=TODAY, since=since, lang="zh")))
    rows = _table_with_header(document, t("report.col.name", "zh"), t("report.col.after", "zh"))
    assert [racks.name_zh, read_profile(fresh_db).domain_name(racks.domain, "zh"),
            status_text(before["compute-racks"], "zh", icon=False), status_text(after["compute-racks"], "zh", icon=False)] in rows


def test_the_default_span_is_three_months_and_filters_keep_their_goals(fresh_db: Store) -> None:
    assert default_since(date(2026, 5, 31)) == date(2026, 2, 28)
    content = build_content(fresh_db, TODAY, default_since(TODAY), "en", domain="ecology")
    assert {g["domain_code"] for g in content["goals"]} == {"ecology"}
    assert content["filters_text"] == "Domain: " + read_profile(fresh_db).domain_name("ecology", "en")
    office = next(g["office"] for g in content["goals"])
    only = build_content(fresh_db, TODAY, default_since(TODAY), "en", office=office)
    assert only["goals"] and all(g["office"] == office for g in only["goals"])


def test_binding_targets_come_first_when_the_records_carry_a_nature(fresh_db: Store) -> None:
    # The target model gains `nature` (FORMS.md); until a record carries it the overview's order holds, and
    # the summary has one count column.
    content = build_content(fresh_db, TODAY, default_since(TODAY), "zh")
    natures = [g["nature_code"] for g in content["goals"]]
    if not any(natures):
        assert content["summary"]["table"]["columns"] == [t("report.col.status", "zh"), t("report.total", "zh")]
    else:
        with_target = [g for g in content["goals"] if g["target_id"] is not None]
        order = [0 if g["nature_code"] == "binding" else 1 for g in with_target]
        assert order == sorted(order)


# ---------------------------------------------------------------- the command


def test_cli_writes_the_report_and_refuses_a_bad_date(fresh_db: Store, tmp_path: Path, runner: CliRunner,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out" / "r.docx"
    result = runner.invoke(main, ["--db", str(fresh_db.location), "report", "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert docx.Document(str(out)).paragraphs[0].text == read_profile(fresh_db).workspace.title("zh")  # type: ignore[union-attr]

    bad = runner.invoke(main, ["--db", str(fresh_db.location), "report", "--as-of", "2025-02-30"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "'2025-02-30' is not a date YYYY-MM-DD" in bad.output
    backwards = runner.invoke(main, ["--db", str(fresh_db.location), "report", "--as-of", "2026-01-01", "--since", "2026-02-01"])
    assert backwards.exit_code == 2 and backwards.output.strip().splitlines()[-1] == \
        "Error: --since 2026-02-01 must be before --as-of 2026-01-01"
    nobody = runner.invoke(main, ["--db", str(fresh_db.location), "report", "--office", "nobody"])
    assert nobody.exit_code == 3 and nobody.output.startswith("Error: no indicator names 'nobody'")

    # Without --out: report-<as_of>.<format> in the current folder.
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["--db", str(fresh_db.location), "report", "--format", "xlsx", "--as-of", "2026-03-31",
                                  "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report-2026-03-31.xlsx").is_file()
    assert write_report(fresh_db, "html", tmp_path / "x.html", as_of=TODAY).read_bytes().startswith(b"<!DOCTYPE html>")


# ---------------------------------------------------------------- the dashboard


def test_the_overview_download_button_makes_the_report(fresh_db: Store, db_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager

    from app_helpers import open_app

    monkeypatch.setenv("MONITOR_DB", str(db_path))
    # The button's data is a callable Streamlit runs when the button is clicked (in a browser); here the
    # callable the page registered is kept and called as Streamlit would.
    made: list[Any] = []
    register = MediaFileManager.add_deferred

    def keep(self: Any, data: Any, *args: Any, **kwargs: Any) -> str:
        made.append((data, kwargs.get("file_name", args[2] if len(args) > 2 else None)))
        return register(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = open_app("overview.py", lang="en")
    [button] = at.get("download_button")
    assert button.proto.label == "Download report"
    data, file_name = made[-1]
    assert file_name == f"report-{TODAY.isoformat()}.docx"
    document = docx.Document(io.BytesIO(data()))
    assert document.paragraphs[1].text == "Progress report"

    # Another format and a domain filter are what the button makes next.
    at.selectbox(key="ov_report_format").select("xlsx").run()
    at.multiselect(key="ov_domain").select("ecology").run()
    data, file_name = made[-1]
    assert file_name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data())).worksheets[0]
    assert sheet.title == "Status" and sheet.cell(1, 1).value == "Domain"
    domains = {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)}
    assert domains == {read_profile(fresh_db).domain_name("ecology", "en")}
    assert not re.search(r"[\u3400-\u9fff]", button.proto.label)


def test_a_retired_indicator_leaves_the_report(tmp_path: Path) -> None:
    county = _county(tmp_path)
    before = build_content(county, TODAY, default_since(TODAY), "en")
    assert "county-forest" in {g["indicator_id"] for g in before["goals"]}
    result = CliRunner().invoke(main, ["--db", str(county.path), "catalog", "retire", "county-forest", "--reason", "x"])
    assert result.exit_code == 0, result.output
    after = build_content(county, TODAY, default_since(TODAY), "en")
    assert "county-forest" not in {g["indicator_id"] for g in after["goals"]}
    assert len(after["goals"]) == len(before["goals"]) - 1
    assert "Forest coverage" not in build_report(county, "html", as_of=TODAY, lang="en").decode("utf-8")
