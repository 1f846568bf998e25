"""The Streamlit dashboard, run headless with AppTest against temporary seeded databases."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from app_helpers import open_app, overview_frame
from monitor import clock
from monitor.present.views import rejected_rows
from monitor.status import Detail, statuses
from monitor.store import queries
from monitor.store.connection import Store

REPO = Path(__file__).resolve().parent.parent
PAGES = ("overview.py", "goal.py", "add_reading.py", "import_page.py", "methodology.py", "catalog_page.py")
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\u3001\u3002\uff1a\uff0c]")

TODAY = clock.today()
# The end of last month: always in the past and after every baseline of the seed (mid-2025).
LAST_MONTH_END = TODAY.replace(day=1) - timedelta(days=1)
LAST_YEAR = TODAY.year - 1


def status_records(store: Store, as_of: date) -> list[dict[str, Any]]:
    """Every goal's record with its full evidence, as dicts."""
    return [r.as_dict() for r in statuses(store, as_of, detail=Detail.FULL)]


@pytest.fixture
def db(fresh_db: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    return fresh_db


def texts(at: AppTest) -> list[str]:
    """Every piece of text on the screen that the app wrote (not the user's data in tables)."""
    found = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    found += [m.label for m in at.metric]
    found += [w.label for w in (*at.multiselect, *at.selectbox, *at.text_input, *at.toggle, *at.button)]
    found += [e.value for e in (*at.info, *at.warning, *at.error, *at.success)]
    return [str(x) for x in found]


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(db: Store, page: str, lang: str) -> None:
    params = {"lang": lang}
    if page == "goal.py":
        params["goal"] = "compute-racks"
    at = open_app(page, **params)
    assert at.title[0].value == ("西宁市高质量发展目标监测" if lang == "zh" else "Xining development goals monitor")
    assert not at.error
    if page == "goal.py":
        assert at.get("vega_lite_chart"), "the detail chart is drawn"
    if page == "methodology.py":
        body = " ".join(m.value for m in at.markdown)
        assert ("计算实例" if lang == "zh" else "Worked examples") in body
        assert "1.8126" in body


def test_missing_database_is_created_and_seeded(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    assert not db_path.exists()
    at = open_app()
    assert db_path.exists()
    assert len(overview_frame(at)) == len(status_records(Store(db_path), TODAY))


# ---------------------------------------------------------------- overview


def test_overview_shows_every_goal(db: Store) -> None:
    at = open_app()
    frame = overview_frame(at)
    records = status_records(db, TODAY)
    assert len(frame) == len(records) == 43
    assert "标准机架（已建、在建）" in set(frame["name"])
    racks = frame[frame["indicator_id"] == "compute-racks"].iloc[0]
    assert racks["latest"] == "2.3万架（2025年6月30日）"
    assert racks["target"] == "≥ 5万架（2028–2030年）"
    assert racks["status"] == "❔ 数据不足"
    # Overdue, explained in place: since when, the due date and the rule (half-yearly, 30 days' lag).
    assert racks["due"].startswith("最近更新") and "⏰ 逾期" in racks["due"]
    assert "2026年1月30日 前发布\n半年度指标，期末后 30 天内发布" in racks["due"]
    # The share of the target (2.3万 of 5万), the baseline-relative measure beside it.
    assert racks["share"] == "46%\n自基期 0%"
    air = frame[frame["indicator_id"] == "good-air-days-ratio"].iloc[0]
    assert air["trend"] >= 2
    assert air["status"] == "✖ 未达标（暂定）" and air["share"] == "98%"  # 91.7 of 93, rounded down
    metrics = {m.label: m.value for m in at.metric}
    with_target = sum(1 for r in records if r["status"] != "no_target")
    assert metrics["有目标的指标"] == str(with_target) == "9"
    assert metrics["➖ 仅跟踪（无目标）"] == str(len(records) - with_target)
    # The status counts split the goals with a target exactly.
    assert sum(int(v) for k, v in metrics.items()
               if k not in ("有目标的指标", "➖ 仅跟踪（无目标）", "⏰ 逾期未更新")) == with_target


def test_overview_filters(db: Store) -> None:
    records = status_records(db, TODAY)
    at = open_app()
    at.multiselect(key="ov_domain").select("digital").run()
    frame = overview_frame(at)
    assert len(frame) == sum(r["domain"] == "digital" for r in records)
    assert set(frame["domain"]) == {"数字经济与算力"}

    at.multiselect(key="ov_domain").unselect("digital").run()
    at.multiselect(key="ov_status").select("met").run()
    frame = overview_frame(at)
    assert len(frame) == sum(r["status"] == "met" for r in records) == 5
    assert set(frame["status"]) == {"✔ 达标", "✔ 达标（暂定）"}  # provisional ones marked on the badge

    at.multiselect(key="ov_status").unselect("met").run()
    at.toggle(key="ov_stale").set_value(True).run()
    assert len(overview_frame(at)) == sum(r["stale"] for r in records)

    at.toggle(key="ov_stale").set_value(False).run()
    at.text_input(key="ov_text").input("机架").run()
    assert list(overview_frame(at)["indicator_id"]) == ["compute-racks"]
    at.text_input(key="ov_text").input("racks").run()  # English words match on the Chinese screen too
    assert list(overview_frame(at)["indicator_id"]) == ["compute-racks"]

    at.text_input(key="ov_text").input("no such goal").run()
    assert not [h for h in at.html if "ov-table" in h.value]
    assert any("没有符合" in x for x in texts(at))


def test_status_at_a_period_end_and_the_change_since_an_earlier_one(db: Store) -> None:
    from monitor.present.overview import load_overview, period_ends

    at = open_app(lang="en")
    picker = at.selectbox(key="ov_as_of")
    ends = dict(period_ends(TODAY))
    assert {"month", "quarter", "half"} <= set(ends.values())
    half = next(d for d, kind in ends.items() if kind == "half" and d > date(2025, 6, 30))
    picker.set_value(half).run()
    assert not at.exception
    frame = overview_frame(at)
    _, expected = load_overview(db, half, "en")  # through the one status entry point, as the page
    assert dict(zip(frame["indicator_id"] + "/" + frame["target_id"].fillna(""), frame["status"], strict=True)) == {
        f"{r['indicator_id']}/{r['target_id'] or ''}": r["status"] for r in expected}
    assert any(half.isoformat() in str(i.value) or "as of" in str(i.value) for i in at.info)
    assert "change" not in frame.columns
    earlier = date(2025, 3, 31)
    at.selectbox(key="ov_since").set_value(earlier).run()
    frame = overview_frame(at)
    assert "change" in frame.columns
    assert all(str(c).startswith(("↑", "↓", "↔", "+ New", "= Status unchanged")) for c in frame["change"])
    assert any(str(c).startswith("Since 31 Mar 2025:") for c in (x.value for x in at.caption))
    # The compare list offers only days before the status day.
    offered = at.selectbox(key="ov_since").options[1:]  # after "No comparison": "2025-03-31 · quarter end", …
    assert offered and all(date.fromisoformat(label[:10]) < half for label in offered)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_known_on_before_any_data_says_so(db: Store, lang: str) -> None:
    at = open_app(lang=lang)
    at.date_input(key="ov_known_on").set_value(TODAY - timedelta(days=1)).run()
    assert not at.exception
    said = " ".join(w.value for w in at.warning)
    assert ("还没有任何数据" if lang == "zh" else "held no data yet") in said
    assert TODAY.isoformat() in said  # the first figures were recorded today (the seed)
    assert not [h for h in at.html if "ov-table" in h.value]


# ---------------------------------------------------------------- add reading


def test_add_form_rejects_a_percentage_above_100(db: Store) -> None:
    before = len(db_readings(db))
    at = open_app("add_reading.py", lang="zh", indicator="good-air-days-ratio")
    at.text_input(key="add_value").input("150")
    at.button(key="add_submit").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "数值：高于合理上限 100%" in errors[0]
    assert "150" in errors[0]
    assert len(db_readings(db)) == before


def test_add_form_names_the_field_in_english(db: Store) -> None:
    at = open_app("add_reading.py", lang="en", indicator="good-air-days-ratio")
    at.text_input(key="add_value").input("abc")
    at.button(key="add_submit").click().run()
    errors = [e.value for e in at.error]
    # The CLI's words (one English text per problem code), and the input quoted once, not twice.
    assert errors and "Value: no number found in 'abc'" in errors[0] and "got" not in errors[0]
    assert not CJK.search(errors[0])


def test_add_form_stores_a_reading_and_shows_the_new_status(db: Store) -> None:
    at = open_app("add_reading.py", lang="zh", indicator="compute-racks")
    assert at.selectbox(key="add_kind_compute-racks").value == "point"
    assert at.selectbox(key="add_unit_compute-racks").value == "万架"
    at.date_input(key="add_day").set_value(LAST_MONTH_END)
    at.text_input(key="add_value").input("3")
    at.text_input(key="add_source").input("市数据局")
    at.button(key="add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("已保存" in s.value and "3万架" in s.value for s in at.success)

    stored = [r for r in db_readings(db) if r.indicator_id == "compute-racks" and r.period_end == LAST_MONTH_END]
    assert len(stored) == 1
    assert stored[0].value == 30000 and stored[0].recorded_by == "dashboard" and stored[0].source == "市数据局"
    racks = next(r for r in status_records(db, TODAY) if r["indicator_id"] == "compute-racks")
    assert racks["status"] in ("on_track", "achieved", "needs_acceleration")
    shown = " ".join(texts(at))
    assert "该目标的最新状态" in shown and "需要年均增长" in shown

    # The overview and the detail page read the new data at once (the cache was cleared).
    at.switch_page("goal.py")
    at.query_params["goal"] = "compute-racks"
    at.run()
    assert not at.exception
    assert any("需要年均增长" in x for x in texts(at))
    assert any(m.value == "3万架" for m in at.metric)


# ---------------------------------------------------------------- import


GOOD = (
    "indicator_id,period_start,period_end,value,unit,source\n"
    f"compute-racks,,{LAST_MONTH_END.isoformat()},2.6,万架,市数据局\n"
    f"good-air-days-ratio,{LAST_YEAR}-01-01,{LAST_YEAR}-12-31,93.5,%,市生态环境局\n"
)
BAD = (
    "indicator_id,period_start,period_end,value\n"
    f"compute-racks,,{LAST_MONTH_END.isoformat()},27000\n"
    f"no-such-goal,,{LAST_MONTH_END.isoformat()},5\n"
    f"good-air-days-ratio,{LAST_YEAR}-01-01,{LAST_YEAR}-12-31,150\n"
)


def test_import_a_good_gb18030_file(db: Store) -> None:
    before = len(db_readings(db))
    at = open_app("import_page.py", lang="zh")
    at.file_uploader(key="imp_file").set_value(("季度数据.csv", GOOD.encode("gb18030"), "text/csv")).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["行数"], metrics["有效"], metrics["有误"], metrics["新增"]) == ("2", "2", "0", "2")
    assert any("所有行均有效" in s.value for s in at.success)
    assert len(db_readings(db)) == before, "the dry run writes nothing"
    assert len(at.dataframe) == 1  # the preview
    at.button(key="imp_all").click().run()
    assert any("已导入" in s.value and "新增 2 条" in s.value for s in at.success)
    assert len(db_readings(db)) == before + 2
    racks = [r for r in db_readings(db) if r.indicator_id == "compute-racks" and r.period_end == LAST_MONTH_END]
    assert racks[0].value == 26000


def test_import_a_bad_file(db: Store) -> None:
    before = len(db_readings(db))
    at = open_app("import_page.py", lang="zh")
    at.file_uploader(key="imp_file").set_value(("bad.csv", BAD.encode("utf-8"), "text/csv")).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["行数"], metrics["有效"], metrics["有误"]) == ("3", "1", "2")
    problems = at.dataframe[1].value
    assert list(problems["row"]) == [3, 4]
    assert list(problems["column"]) == ["指标", "数值"]
    assert problems["reason"].iloc[0] == "未知的指标编号"
    assert problems["reason"].iloc[1] == "高于合理上限 100%"
    assert at.get("download_button"), "template and rejected rows can be downloaded"

    at.button(key="imp_all").click().run()
    assert any("未导入" in e.value for e in at.error)
    assert len(db_readings(db)) == before

    at.button(key="imp_valid").click().run()
    assert any("新增 1 条" in s.value for s in at.success)
    assert any("2 行有误" in i.value for i in at.info)
    assert len(db_readings(db)) == before + 1
    assert {r["row_number"] for r in rejected_rows(db)} == {3, 4}


def test_import_an_xlsx_file(db: Store) -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["indicator_id", "period_end", "value", "unit"])
    sheet.append(["compute-racks", LAST_MONTH_END, 2.7, "万架"])
    buffer = io.BytesIO()
    book.save(buffer)
    at = open_app("import_page.py", lang="en")
    at.file_uploader(key="imp_file").set_value(
        ("racks.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ).run()
    assert {m.label: m.value for m in at.metric}["Valid"] == "1"
    at.button(key="imp_all").click().run()
    assert any("Imported racks.xlsx: 1 new" in s.value for s in at.success)
    racks = [r for r in db_readings(db) if r.indicator_id == "compute-racks" and r.period_end == LAST_MONTH_END]
    assert racks[0].value == 27000


def test_import_an_unreadable_file(db: Store) -> None:
    at = open_app("import_page.py", lang="en")
    at.file_uploader(key="imp_file").set_value(("x.csv", b"foo,bar\n1,2\n", "text/csv")).run()
    errors = " ".join(e.value for e in at.error)
    assert "unknown column" in errors and "Indicator: required column is missing" in errors


def test_an_uploaded_zip_bomb_or_stray_cell_is_one_translated_problem(db: Store, tmp_path: Path) -> None:
    """Issue 14 items 4 and 15 on the upload path: the preview and the dry run read the file through
    monitor.files.readers, so a bomb is refused before it is unpacked and a value under no header is located."""
    import importlib.util

    import openpyxl

    spec = importlib.util.spec_from_file_location("make_corpus", REPO / "tests" / "bad_inputs" / "make_corpus.py")
    assert spec and spec.loader
    corpus = sys.modules.get("make_corpus") or importlib.util.module_from_spec(spec)
    if "make_corpus" not in sys.modules:
        sys.modules["make_corpus"] = corpus
        spec.loader.exec_module(corpus)
    bomb = tmp_path / "bomb.xlsx"
    corpus._bomb(bomb)
    book = openpyxl.Workbook()
    book.active.append(["indicator_id", "period_end", "value"])
    book.active.append(["compute-racks", LAST_MONTH_END, 5, "stray"])
    stray = tmp_path / "stray.xlsx"
    book.save(stray)
    before = len(db_readings(db))
    for path, words in ((bomb, "文件过大"), (stray, "第 2 行 · D：该值所在的列没有表头（表头到 C 列为止）")):
        at = open_app("import_page.py", lang="zh")
        at.file_uploader(key="imp_file").set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
        assert not at.exception
        errors = " ".join(e.value for e in at.error)
        assert words in errors, errors
        assert not at.dataframe, "no preview of a file that cannot be read"
    assert len(db_readings(db)) == before


# ---------------------------------------------------------------- language


def test_english_from_the_url(db: Store) -> None:
    at = open_app(lang="en")
    assert at.title[0].value == "Xining development goals monitor"
    frame = overview_frame(at)
    for column in ("name", "domain", "status", "due", "latest", "target", "share"):
        for value in frame[column]:
            assert not CJK.search(str(value)), (column, value)
    racks = frame[frame["indicator_id"] == "compute-racks"].iloc[0]
    assert racks["latest"] == "23,000 racks (30 Jun 2025)"
    assert racks["target"] == "≥ 50,000 racks by 2028–2030"
    assert racks["status"] == "❔ Insufficient data"
    assert racks["share"] == "46%\n0% from baseline"
    for text in texts(at):
        if not text.startswith("Database:"):
            assert not CJK.search(text), text
    assert at.query_params["lang"] == "en"


@pytest.mark.parametrize("page", ["goal.py", "add_reading.py", "import_page.py", "methodology.py", "refresh_page.py",
                                  "catalog_page.py"])
def test_no_chinese_wording_on_english_pages(db: Store, page: str) -> None:
    at = open_app(page, lang="en", goal="good-air-days-ratio", indicator="compute-racks")
    shown = texts(at)
    if page == "methodology.py":
        # The method names the Chinese qualifier words it reads (约, 以上, 余) on purpose.
        shown = [x for x in shown if "Progress methodology" not in x]
    for text in shown:
        # The targets' original sentences are quoted in Chinese on purpose, and labelled so.
        if "original Chinese" in text or text.startswith("Database:"):
            continue
        assert not CJK.search(text), text


def test_the_refresh_page_in_english(db: Store) -> None:
    at = open_app("refresh_page.py", lang="en")
    assert at.title[-1].value == "Refresh"
    assert [h.value for h in at.subheader] == ["Sources", "Run history", "Events"]
    sources = at.dataframe[0].value
    assert list(sources.columns) == ["Name", "Kind", "Location", "Schedule", "Next run", "Last outcome", "Last run", "Error"]
    assert "every 1m" in set(sources["Schedule"])
    chinese = open_app("refresh_page.py", lang="zh")
    assert [h.value for h in chinese.subheader] == ["数据源", "运行记录", "事件"]
    assert "每 1m" in set(chinese.dataframe[0].value["计划"])


def _words_of_their_own(path: Path) -> list[str]:
    """String constants in ``path`` (docstrings aside) with Chinese words, and literal {"zh": ..., "en": ...} tables."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if re.search(r"[\u3400-\u9fff]", node.value):
                found.append(f"{path.name}:{node.lineno} {node.value!r}")
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            texts_ = [v for v in node.values if isinstance(v, (ast.Constant, ast.JoinedStr))
                      and not isinstance(getattr(v, "value", ""), (int, float))]
            if {"zh", "en"} <= keys and texts_:
                found.append(f"{path.name}:{node.lineno} a zh/en table")
    return found


def test_the_pages_keep_no_words_of_their_own() -> None:
    # Every label goes through monitor.present.i18n.MESSAGES (t(key, lang)), where tests/test_i18n.py checks
    # that both languages are there with the same placeholders.
    found = [w for page in sorted((REPO / "dashboards").glob("*.py")) for w in _words_of_their_own(page)]
    assert found == []
    # the check sees words of a page's own once they are there
    planted = _words_of_their_own_in('"""文档"""\nX = {"ok": {"zh": "成功", "en": "ok"}}\nY = {"zh": "a", "en": "b"}\nZ = {"zh": 1, "en": 2}')
    assert sorted(planted) == ["planted.py:2 '成功'", "planted.py:2 a zh/en table", "planted.py:3 a zh/en table"]


def _words_of_their_own_in(source: str) -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "planted.py"
        path.write_text(source, encoding="utf-8")
        return _words_of_their_own(path)


def test_the_pages_import_their_helpers_as_the_package() -> None:
    # `from dashboards import state`, never a bare `import state` that needs dashboards/ on sys.path
    # (the wheel and `monitor up` import the package; Streamlit's own sys.path entry is not relied on).
    import ast

    helpers = {p.stem for p in (REPO / "dashboards").glob("*.py")}
    found = []
    for page in sorted((REPO / "dashboards").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                found.append(f"{page.name}:{node.lineno} sys.path")
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found += [f"{page.name}:{node.lineno} {n}" for n in names if n.split(".")[0] in helpers]
    assert found == []


def test_language_switch(db: Store) -> None:
    at = open_app()
    assert at.title[0].value == "西宁市高质量发展目标监测"
    at.segmented_control(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "Xining development goals monitor"
    assert at.query_params["lang"] == "en"
    assert not any(CJK.search(s) for s in overview_frame(at)["status"])
    at.segmented_control(key="lang_switch").set_value("zh").run()
    assert at.title[0].value == "西宁市高质量发展目标监测"
    assert at.query_params["lang"] == "zh"


# ---------------------------------------------------------------- goal detail


def test_goal_detail_shows_evidence_readings_and_history(db: Store) -> None:
    at = open_app("goal.py", lang="zh", goal="good-air-days-ratio")
    shown = " ".join(texts(at))
    assert "与目标相差 −1.3个百分点" in shown
    evidence = at.dataframe[0].value
    assert "与达标线的差距" in set(evidence["item"])
    readings = at.dataframe[1].value
    assert {"2025年1—6月", "2024年"} <= set(readings["period"])
    assert readings["quote"].str.contains("91.7%").any()
    assert len(at.dataframe) == 3  # evidence, readings, revision history


def test_goal_detail_unknown_and_missing_id(db: Store) -> None:
    at = open_app("goal.py", lang="zh", goal="no-such-goal")
    assert any("no-such-goal" in w.value for w in at.warning)
    at = open_app("goal.py", lang="en")
    assert any("Choose a goal" in i.value for i in at.info)


# ---------------------------------------------------------------- scale


def test_overview_with_synthetic_goals(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from synthetic import populate

    store = Store(db_path)
    populate(store, 120)
    monkeypatch.setenv("MONITOR_DB", str(db_path))
    at = open_app()
    assert len(overview_frame(at)) == len(status_records(store, TODAY)) == 120


def db_readings(store: Store) -> list:  # noqa: ANN001 - Reading list
    with store.read() as con:
        return queries.list_readings(con, history=True)
