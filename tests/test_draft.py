"""`monitor draft`: every quantified statement of a document proposed as a catalogue row (issue 20).

Measured quality (docs/drafting.md): recall and precision against the hand-made seed data/briefing.yaml
on the briefing's own text, and against three documents written for this test in the style of a government
work report (主要预期目标), a five-year plan's main-indicator section and a county's half-year economic
bulletin, each with the rows a person read from it (tests/fixtures/draft/*.expected.yaml). The layout damage of newspapers, the numerals and the
non-indicators are checked one by one on small texts; the readers on real .txt (GB18030), .docx and .pdf
files made here; the command through the CLI's one handler.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import ValidationError
from monitor.files.catalog_xlsx import load_catalog_xlsx
from monitor.files.draft import Expected, draft_file, draft_text, expected_from_catalog, import_rows, score
from monitor.files.draft.extract import DraftRow, draft_rows, find_deadline, find_period
from monitor.files.draft.text import sentences, undouble
from monitor.files.readers import read_document_text

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = ROOT / "data" / "source" / "xining-briefing-2025-07-11.txt"
FIXTURES = Path(__file__).parent / "fixtures" / "draft"
DAY = date(2025, 7, 11)


def _expected(name: str) -> list[Expected]:
    entries = yaml.safe_load((FIXTURES / f"{name}.expected.yaml").read_text(encoding="utf-8"))
    return [Expected(**{k: tuple(v) if k == "deadline_years" else v for k, v in e.items()}) for e in entries]


def _one(text: str, day: date = DAY) -> list[DraftRow]:
    return draft_rows(text, day)


# ---------------------------------------------------------------- measured quality


def test_seed_recall_and_precision() -> None:
    draft = draft_file(SEED_TEXT, document_day=DAY)
    result = score(draft.rows, expected_from_catalog(yaml.safe_load((ROOT / "data" / "briefing.yaml").read_text("utf-8"))))
    assert result.expected >= 50  # every stated reading and target of the seed, derived ones left out
    assert result.recall >= 0.90, result.misses
    assert result.precision >= 0.70, (result.rows, result.real_rows)


@pytest.mark.parametrize(("name", "day"), [("work_report", date(2026, 1, 20)), ("plan", date(2026, 2, 28)),
                                         ("half_year", date(2026, 7, 18))])
def test_unseen_style_documents(name: str, day: date) -> None:
    draft = draft_file(FIXTURES / f"{name}.txt")
    assert draft.source["date"] == day  # the document's own date, read from its text
    result = score(draft.rows, _expected(name))
    assert result.recall >= 0.90, result.misses
    assert result.precision >= 0.70, [(r.name, r.stated) for r in draft.rows]


def test_the_score_can_fail() -> None:
    rows = _one("今年1至5月全市接待游客1245.19万人次。")
    right = Expected("visits", 12451900, "人次", "exact", "actual", date(2025, 1, 1), date(2025, 5, 31))
    assert score(rows, [right]).recall == 1.0
    wrong_period = Expected("visits", 12451900, "人次", "exact", "actual", date(2025, 1, 1), date(2025, 6, 30))
    assert score(rows, [wrong_period]).misses == [("visits", "period")]
    assert score(rows, [Expected("x", 1, "人", "exact", "actual")]).precision == 0.0


# ---------------------------------------------------------------- what a row says


def test_a_row_has_name_value_unit_qualifier_period_and_sentence() -> None:
    (row,) = _one("今年1至5月全市接待游客1245.19万人次。")
    assert (row.value, row.unit, row.display_unit, row.magnitude, row.stated) == (12451900, "人次", "万人次", "万", "1245.19万人次")
    assert (row.period_start, row.period_end, row.period_text) == (date(2025, 1, 1), date(2025, 5, 31), "今年1至5月")
    assert row.kind == "actual" and row.qualifier == "exact" and "游客" in row.name and row.domain == "tourism"
    assert row.sentence == "今年1至5月全市接待游客1245.19万人次。"


@pytest.mark.parametrize(("text", "qualifier"), [
    ("汇聚收录盐湖专利13万余条。", "more_than"), ("累计发放救助资金约21.3亿元。", "approx"),
    ("算力规模突破1万PFlops。", "at_least"), ("失业率控制在5.5%以内。", "at_most"), ("价格涨幅3%左右。", "approx"),
])
def test_qualifiers(text: str, qualifier: str) -> None:
    (row,) = _one(text)
    assert row.qualifier == qualifier


def test_a_window_is_resolved_against_the_document_date() -> None:
    rows = _one("王卫平表示，我市计划3年至5年内建成标准机架5万台，算力规模突破10万PFlops。")
    assert [r.kind for r in rows] == ["target", "target"]
    assert rows[0].deadline == (date(2028, 7, 11), date(2030, 7, 11)) and rows[0].value == 50000
    assert find_deadline("力争2年内完成", date(2026, 3, 1)) == (date(2028, 3, 1), date(2028, 3, 1))


@pytest.mark.parametrize(("text", "form", "value", "high"), [
    ("今年的主要预期目标是：经济增长4.5%至5%。", "区间", 4.5, 5.0),
    ("今年的主要预期目标是：经济增长4.5—5%。", "区间", 4.5, 5.0),
    ("今年的主要预期目标是：经济增长4.5%～5%。", "区间", 4.5, 5.0),
    ("到2030年，研发经费投入年均增长7%以上。", "年均增长", 7.0, None),
    ("到2030年，单位地区生产总值能源消耗降低13.5%。", "降低%", 13.5, None),
    ("到2030年，人均预期寿命提高1岁。", "提高(绝对值)", 1.0, None),
    ("到2030年，城乡居民收入翻一番。", "达到", 2.0, None),
    ("每年培养专业人才500名以上。", "每年不低于", 500.0, None),
    ("绿电使用率稳定在80%以上。", "持续不低于", 80.0, None),
])
def test_target_forms(text: str, form: str, value: float, high: float | None) -> None:
    (row,) = _one(text, date(2026, 1, 20))
    assert (row.form, row.value, row.high) == (form, value, high)
    assert row.kind in ("target", "both")


def test_periods() -> None:
    day = date(2025, 7, 11)
    assert find_period("截至6月底", day)[1:] == (None, date(2025, 6, 30))  # type: ignore[index]
    assert find_period("上半年", day)[1:] == (date(2025, 1, 1), date(2025, 6, 30))  # type: ignore[index]
    assert find_period("2025年1—6月", day)[1:] == (date(2025, 1, 1), date(2025, 6, 30))  # type: ignore[index]
    assert find_period("今年5月以来", day)[1:] == (date(2025, 5, 1), day)  # type: ignore[index]
    assert find_period("“十四五”期间", day)[1:] == (date(2021, 1, 1), day)  # type: ignore[index]
    assert find_period("2024年", day)[1:] == (date(2024, 1, 1), date(2024, 12, 31))  # type: ignore[index]
    assert find_period("没有时期", day) is None


def test_a_period_holds_for_its_paragraph_not_beyond_it() -> None:
    text = ("上半年，全县实现地区生产总值186.4亿元，比一季度加快0.3个百分点。其中，第一产业增加值12.7亿元。\n\n"
            "开展主题活动103项。\n\n1—6月，规模以上工业增加值增长7.2%。")
    rows = _one(text, date(2026, 7, 18))
    h1 = (date(2026, 1, 1), date(2026, 6, 30))
    assert [(r.value, (r.period_start, r.period_end)) for r in rows] == [
        (18640000000, h1), (0.3, h1),  # "比一季度": what it is compared with, not its period
        (1270000000, h1),  # "其中…": the paragraph's period
        (103, (None, date(2026, 7, 18))),  # a new paragraph: the document's date
        (7.2, h1),  # 1—6月 without a year: this year's
    ]


def test_paired_figures_take_their_names_in_order() -> None:
    rows = _one("今年1月至5月全市接待游客1245.19万人次，游客出游总花费118.53亿元，同比增长21.37％和20.12％，分别占全省的62%和70%。")
    assert [r.value for r in rows] == [12451900, 11853000000, 21.37, 20.12, 62, 70]
    assert "游客" in rows[2].name and rows[2].name.endswith("增长") and "花费" in rows[3].name
    assert "花费" in rows[5].name and "比重" in rows[5].name


def test_each_item_of_a_list_with_jun_is_a_row() -> None:
    rows = _one("累计接收市民诉求36万件，响应率、解决率、满意率均在96%以上。")
    assert [r.name for r in rows[1:]] == ["响应率", "解决率", "满意率"]
    assert {r.kind for r in rows[1:]} == {"both"}


def test_a_headline_and_its_paragraph_are_merged() -> None:
    text = "全市算力规模突破1万PFlops\n\n截至6月底，全市已建、在建标准机架达2.3万架，算力规模突破1万PFlops。\n"
    rows = _one(text)
    assert sorted(r.value for r in rows) == [10000, 23000]
    (capacity,) = [r for r in rows if r.value == 10000]
    assert capacity.repeats == 2 and capacity.period_end == date(2025, 6, 30)  # the paragraph's sentence kept


# ---------------------------------------------------------------- bad layout


def test_doubled_headline_characters_are_undone() -> None:
    assert undouble("77月月 1111日日，，省政府新闻办召开省政府新闻办召开") == "7月11日，省政府新闻办召开"
    assert undouble("就业困难人员帮扶2000人以上。") == "就业困难人员帮扶2000人以上。"  # 2000 is not doubled
    assert undouble("人人享有基本医疗卫生服务。") == "人人享有基本医疗卫生服务。"


def test_line_breaks_letter_spacing_and_full_width() -> None:
    text = "系统治理湟水河水环境，国 家 植 物 园 创建加快，森 林 覆 盖 率 达\n３７．８％，空气质量优良率保持在 93%以\n上。"
    rows = _one(text)
    assert [(r.value, r.unit) for r in rows] == [(37.8, "%"), (93, "%")]
    assert rows[1].qualifier == "at_least"
    assert sentences("第一行没有结束\n第二行结束。")[0].text == "第一行没有结束第二行结束。"


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("全年接待游客两万人次。", 20000, "人次"), ("工资性收入占比超过三成。", 30, "%"),
    ("冰雪季接待游客两万三千人次。", 23000, "人次"), ("到2035年，人均收入翻一番。", 2, "倍"),
])
def test_chinese_numerals(text: str, value: float, unit: str) -> None:
    (row,) = _one(text)
    assert (row.value, row.unit) == (value, unit)


@pytest.mark.parametrize("text", [
    "发布“生态高地、中国夏都”五大核心城市IP体系。", "举办第二十四届环大美青海国际公路自行车赛。",
    "提出建设“一个创新服务基地、三个中心城市”的发展定位。", "建成“15分钟为老服务圈”。",
    "高标准完成《数据标注产业发展规划（2026—2030年）》。", "2024年跻身前列，7月11日召开发布会。",
    "推出8项《涉旅企业文明服务规范》。", "每千人口拥有3岁以下婴幼儿托位数。",
])
def test_non_indicators_are_left_out(text: str) -> None:
    assert _one(text) == []


# ---------------------------------------------------------------- files and the command


def test_gb18030_docx_and_pdf_are_read(tmp_path: Path) -> None:
    sentence = "截至6月底，全市已建、在建标准机架达2.3万架。"
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(sentence.encode("gb18030"))
    assert read_document_text(gbk) == sentence

    import docx

    word = docx.Document()
    word.add_paragraph("政府工作报告")
    word.add_paragraph(sentence)
    word.save(str(tmp_path / "r.docx"))
    assert [r.value for r in draft_file(tmp_path / "r.docx", document_day=DAY).rows] == [23000]

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(tmp_path / "r.pdf"), pagesize=A4)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(50, 800, sentence)
    pdf.save()
    rows = draft_file(tmp_path / "r.pdf", document_day=DAY).rows
    assert [(r.value, r.period_end) for r in rows] == [(23000, date(2025, 6, 30))]

    blank = canvas.Canvas(str(tmp_path / "scan.pdf"), pagesize=A4)
    blank.rect(10, 10, 100, 100)
    blank.save()
    with pytest.raises(ValidationError, match="text layer"):
        read_document_text(tmp_path / "scan.pdf")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "empty"), ("notes.odt", b"x", "unsupported file type '.odt'"),
    ("bad.docx", b"not a zip", "bad.docx"), ("bad.pdf", b"%PDF-1.4 broken", "bad.pdf"),
    ("latin.txt", bytes([0x81, 0x30, 0xFF, 0xFF]), "neither UTF-8 nor GB18030"),
])
def test_unreadable_documents_are_named(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")) as e:
        read_document_text(path)
    assert e.value.problems[0].source.endswith(name)


def test_draft_command_writes_the_template_workbook(tmp_path: Path) -> None:
    out = tmp_path / "draft.xlsx"
    result = CliRunner().invoke(main, ["draft", str(SEED_TEXT), "--out", str(out), "--source-id", "press-0711",
                                       "--date", "2025-07-11"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "press-0711" in result.output.splitlines()[-1]
    book = openpyxl.load_workbook(out)
    assert {"指标", "领域", "来源文件", "草稿"} <= set(book.sheetnames)
    draft_sheet = book["草稿"]
    header = [c.value for c in draft_sheet[1]]
    assert "原句 Sentence" in header and "置信度 Confidence" in header
    stated = {row[header.index("原文数值 As stated")] for row in draft_sheet.iter_rows(min_row=2, values_only=True)}
    assert "1245.19万人次" in stated and "13万余条" in stated
    # Reviewed or not, the 指标 sheet is a filled template: `monitor catalog import` reads it.
    catalog = load_catalog_xlsx(out)
    assert len(catalog.indicators) >= 40


def test_draft_command_errors_go_through_the_one_handler(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["draft", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "d.xlsx")])
    assert missing.exit_code == 5 and "file not found" in missing.output
    bad_date = runner.invoke(main, ["draft", str(SEED_TEXT), "--date", "11/07/2025", "--out", str(tmp_path / "d.xlsx")])
    assert bad_date.exit_code == 2
    assert not (tmp_path / "d.xlsx").exists()


def test_text_from_a_document_is_kept_as_text() -> None:
    draft = draft_text("今年1至5月全市接待游客1245.19万人次。=HYPERLINK(\"x\")达到5项", "s", DAY, DAY)
    assert draft.rows and all(isinstance(r.sentence, str) for r in draft.rows)


# ---------------------------------------------------------------- review and import (item 3)


def test_accepted_rows_become_catalogue_entries_with_their_sentence(tmp_path: Path) -> None:
    from monitor.store.connection import Store

    store = Store(tmp_path / "m.duckdb")
    store.init()
    draft = draft_file(SEED_TEXT, document_day=DAY)
    with store.read() as con:
        before = con.execute("SELECT count(*) FROM indicator").fetchone()[0]
    accepted = [r for r in draft.rows if r.value in (12451900, 100000, 500)]  # a reading, two targets
    result = import_rows(store, accepted, draft.source, "editor")
    assert result["indicators_new"] == 3 and result["targets_new"] == 2
    with store.read() as con:
        after = con.execute("SELECT count(*) FROM indicator").fetchone()[0]
        quotes = {q for (q,) in con.execute("SELECT quote FROM target").fetchall()}
        descriptions = [d for (d,) in con.execute("SELECT description FROM indicator").fetchall() if d]
    assert after == before + 3
    assert any("计划3年至5年内" in (q or "") for q in quotes) and any("每年培养专业人才" in (q or "") for q in quotes)
    assert any("1245.19万人次" in d for d in descriptions)


def test_the_review_page_is_there_for_an_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app_helpers import open_app

    monkeypatch.setenv("MONITOR_DB", str(tmp_path / "m.duckdb"))
    at = open_app("draft_page.py", lang="en")
    assert not at.exception and not at.error
    assert any("Nothing is stored before you accept" in c.value for c in at.caption)


def test_the_document_date_comes_from_the_text_else_the_file_name_else_today_with_a_note(tmp_path: Path) -> None:
    body = "计划3年至5年内建成标准机架5万架。\n"
    named = tmp_path / "发布会-2025-07-11.txt"
    named.write_text(body, encoding="utf-8")
    draft = draft_file(named, today=date(2026, 12, 5))
    assert (draft.source["date"], draft.source["date_from"]) == (date(2025, 7, 11), "file name")
    dated = tmp_path / "dated-2024-01-02.txt"
    dated.write_text("2025年7月11日\n" + body, encoding="utf-8")
    assert draft_file(dated, today=date(2026, 12, 5)).source["date_from"] == "text"
    plain = tmp_path / "briefing.txt"
    plain.write_text(body, encoding="utf-8")
    assert draft_file(plain, today=date(2026, 12, 5)).source["date_from"] == "today"
    result = CliRunner().invoke(main, ["draft", str(plain), "--out", str(tmp_path / "d.xlsx")])
    assert result.exit_code == 0, result.output
    assert "no date found" in result.output and "--date" in result.output
    result = CliRunner().invoke(main, ["draft", str(named), "--out", str(tmp_path / "n.xlsx")])
    assert "2025-07-11" in result.output and "no date found" not in result.output
