"""The catalogue spreadsheet: the template, filling it in, located refusals, and round trips with YAML."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import main
from monitor.errors import Problem, ValidationError
from monitor.files.catalog import dump_catalog, export_catalog, load_catalog, parse_catalog
from monitor.files.catalog_xlsx import (
    FORM_CHOICES,
    ROW_COLUMNS,
    SHEET_DOMAINS,
    SHEET_ROWS,
    generated_id,
    load_catalog_xlsx,
    read_workbook,
    write_template,
    write_workbook,
)
from monitor.model import Profile, TargetKind
from monitor.store import queries
from monitor.store.connection import Store

CATALOG = Path(__file__).parent / "fixtures" / "catalog.yaml"
SHEETS = ["说明", "指标", "领域", "来源文件", "工作区", "选项"]


def template(tmp_path: Path, profile: Profile | None = None, name: str = "t.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(write_template(profile))
    return path


def fill(path: Path, rows: list[dict[str, Any]], out: Path | None = None, headers: str = "both",
         sheet_edits: dict[str, list[list[Any]]] | None = None) -> Path:
    """Write ``rows`` (Chinese header -> value) under the template's 指标 header; ``headers`` "zh" or
    "en" rewrites the header row to the Chinese or English names only."""
    workbook = openpyxl.load_workbook(path)
    ws = workbook[SHEET_ROWS]
    position = {c.zh: n for n, c in enumerate(ROW_COLUMNS, 1)}
    if headers != "both":
        for n, c in enumerate(ROW_COLUMNS, 1):
            ws.cell(row=1, column=n, value=c.zh if headers == "zh" else c.en)
    for k, row in enumerate(rows, 2):
        for header, value in row.items():
            ws.cell(row=k, column=position[header], value=value)
    for title, values in (sheet_edits or {}).items():
        sheet = workbook[title]
        for k, line in enumerate(values, 2):
            for n, value in enumerate(line, 1):
                sheet.cell(row=k, column=n, value=value)
    out = out or path.with_name("filled.xlsx")
    workbook.save(out)
    return out


def refusals(path: Path) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        load_catalog_xlsx(path)
    return caught.value.problems


def yaml_of(store: Store) -> Any:
    return yaml.safe_load(export_catalog(store))


VISITS = {"指标名称": "全市接待游客人次", "单位": "万人次", "领域": "文化旅游", "测度": "流量", "频率": "月度",
          "英文名称": "Tourist visits received", "合理下限": 0}
RACKS = {"指标名称": "标准机架", "单位": "万架", "领域": "数字经济", "测度": "存量", "英文名称": "Standard racks",
         "基期年份": "2025-06-30", "基期值": 2.3, "目标年份": "2028-06-30至2030-06-30", "目标值": 5, "目标形式": "不低于",
         "属性": "约束性", "来源文件": "press", "原文": "计划3年至5年内建成标准机架5万台", "合理下限": 0}
AIR = {"指标名称": "空气质量优良天数比例", "单位": "%", "领域": "生态环境", "测度": "比率", "英文名称": "Good air days",
       "目标值": 90, "目标形式": "每年不低于", "合理下限": 0, "合理上限": 100}


# ---------------------------------------------------------------- the template


def test_template_has_the_sheets_headers_and_drop_downs_of_the_stores_domains(fresh_db: Store, tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    done = CliRunner().invoke(main, ["--db", str(fresh_db.path), "catalog", "template", "--out", str(out)])
    assert done.exit_code == 0, done.output
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == SHEETS
    assert workbook["选项"].sheet_state == "hidden"
    rows = workbook[SHEET_ROWS]
    header = [c.value for c in rows[1]]
    assert header[:11] == ["序号 No.", "指标名称 Indicator", "单位 Unit", "领域 Domain", "基期年份 Baseline year",
                           "基期值 Baseline value", "目标年份 Target year", "目标值 Target", "目标形式 Target form",
                           "属性 Binding/expected", "责任单位 Responsible office"]
    assert rows.max_row == 1  # no example rows to import by mistake
    with fresh_db.read() as con:
        from monitor.store import profile_queries

        domains = profile_queries.read_profile(con).domains
    listed = [(r[0].value, r[1].value, r[2].value) for r in workbook[SHEET_DOMAINS].iter_rows(min_row=2)]
    assert listed == [(d.id, d.name_zh, d.name_en) for d in domains]
    assert domains[0].name_zh == "文化旅游"  # the seed's, not a fixed list

    def listed_by(column: str) -> list[Any]:
        dv = next(v for v in rows.data_validations.dataValidation if str(v.sqref).startswith(f"{column}2:"))
        sheet, cells = dv.formula1.split("!")
        first, last = cells.replace("$", "").split(":")
        values = [c.value for line in workbook[sheet.strip("'")][f"{first}:{last}"] for c in line]
        return [v for v in values if v is not None]

    letters = {c.key: openpyxl.utils.get_column_letter(n) for n, c in enumerate(ROW_COLUMNS, 1)}
    assert listed_by(letters["domain"]) == [d.name_zh for d in domains]
    assert listed_by(letters["form"]) == list(FORM_CHOICES)
    assert listed_by(letters["nature"]) == ["约束性", "预期性"]
    assert listed_by(letters["measure"]) == ["存量", "流量", "比率", "累计", "同比增速"]
    assert listed_by(letters["direction"]) == ["越高越好", "越低越好"]
    assert listed_by(letters["frequency"]) == ["月度", "季度", "半年", "年度", "不定期"]
    assert {"%", "万人次", "亿元"} <= set(listed_by(letters["unit"]))
    unit_dv = next(v for v in rows.data_validations.dataValidation if str(v.sqref).startswith(f"{letters['unit']}2:"))
    assert not unit_dv.showErrorMessage  # any unit may be typed
    help_text = "\n".join(str(c.value) for line in workbook["说明"].iter_rows() for c in line if c.value)
    for words in ("目标形式", "降低%", "年均增长", "逐年目标", "2020 即 2020年12月31日", "monitor catalog import",
                  "文化旅游（tourism）", "万人次"):
        assert words in help_text


def test_template_of_a_store_that_does_not_exist_lists_the_default_domains_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    out = tmp_path / "t.xlsx"
    done = CliRunner().invoke(main, ["--db", str(db), "catalog", "template", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert not db.exists()
    names = [r[1].value for r in openpyxl.load_workbook(out)[SHEET_DOMAINS].iter_rows(min_row=2)]
    assert names[:2] == ["文化旅游", "生态环境"] and len(names) == 6


# ---------------------------------------------------------------- filling it in


SOURCES = {"来源文件": [["press", "新闻发布会", "西宁专场新闻发布会", None, date(2025, 7, 11)]]}


def test_a_filled_template_imports_into_a_store(tmp_path: Path) -> None:
    rows = [
        dict(VISITS),
        dict(RACKS),
        dict(AIR),
        # a second target of the same indicator: only its name and the target columns
        {"指标名称": "空气质量优良天数比例", "目标值": "93%", "目标形式": "持续不低于", "基期年份": 2024, "基期值": 93.1},
    ]
    filled = fill(template(tmp_path), rows, sheet_edits=SOURCES)
    db = tmp_path / "m.duckdb"
    done = CliRunner().invoke(main, ["--db", str(db), "catalog", "import", str(filled)])
    assert done.exit_code == 0, done.output
    assert "indicators 3 new" in done.output and "targets 3 new" in done.output
    store = Store(db)
    with store.read() as con:
        indicators = {i.name_zh: i for i in queries.list_indicators(con)}
        targets = {t.id: t for t in queries.list_targets(con)}
    visits = indicators["全市接待游客人次"]
    assert (visits.id, visits.unit, visits.display_unit, visits.measure.value, visits.frequency.value) == (
        "tourist-visits-received", "人次", "万人次", "flow", "monthly")
    racks = targets["standard-racks-1"]
    # values in the row's unit (万架) are stored in base units (架)
    assert (racks.value, racks.baseline_value, racks.baseline_date) == (50000.0, 23000.0, date(2025, 6, 30))
    assert (racks.deadline_earliest, racks.deadline, racks.comparator) == (date(2028, 6, 30), date(2030, 6, 30), ">=")
    assert racks.provenance is not None and racks.provenance.source == "press"
    assert racks.provenance.source_date == date(2025, 7, 11)  # the declared document's date
    yearly, always = targets["good-air-days-1"], targets["good-air-days-2"]
    assert (yearly.kind, yearly.period, yearly.value) == (TargetKind.THRESHOLD, "yearly", 90.0)
    assert (always.kind, always.period, always.value) == (TargetKind.THRESHOLD, None, 93.0)
    # 基期年份 2024 is the end of 2024
    assert (always.baseline_value, always.baseline_date) == (93.1, date(2024, 12, 31))


def test_chinese_only_and_english_only_headers_read_the_same(tmp_path: Path) -> None:
    base = template(tmp_path)
    both = read_workbook(fill(base, [dict(RACKS)], tmp_path / "both.xlsx", sheet_edits=SOURCES))[0]
    chinese = read_workbook(fill(base, [dict(RACKS)], tmp_path / "zh.xlsx", headers="zh", sheet_edits=SOURCES))[0]
    english = read_workbook(fill(base, [dict(RACKS)], tmp_path / "en.xlsx", headers="en", sheet_edits=SOURCES))[0]
    assert both == chinese == english
    assert both["indicators"][0]["targets"][0]["value"] == 50000.0
    assert load_catalog_xlsx(tmp_path / "zh.xlsx").targets[0].value == 50000.0


def test_forgiving_cells_where_the_meaning_is_plain(tmp_path: Path) -> None:
    rows = [
        # a plan table's figures: a footnote mark, "—" for empty, a year for the end of it, 约束性
        {"指标名称": "常住人口城镇化率", "单位": "%", "领域": "ecology", "测度": "存量", "基期年份": "2020年",
         "基期值": "60.6*", "目标年份": 2025, "目标值": 65, "属性": "约束性", "责任单位": "—"},
        # a ceiling without a direction: lower is better
        {"指标名称": "城镇调查失业率", "单位": "%", "领域": "Ecology", "测度": "比率", "目标值": "<5.5",
         "目标形式": "每年不超过", "属性": "预期性"},
        # a month is its last day; a cell with its own unit
        {"指标名称": "游客", "单位": "万人次", "领域": "tourism", "测度": "流量", "基期年份": "2025年6月",
         "基期值": "1245.19万人次", "目标年份": "2026年", "目标值": "0.2亿人次"},
    ]
    document, _ = read_workbook(fill(template(tmp_path), rows))
    urban, jobless, visits = document["indicators"]
    assert urban["targets"][0] == {"kind": "reach", "nature": "binding", "comparator": ">=", "value": 65.0,
                                   "baseline": {"value": 60.6, "date": date(2020, 12, 31)},
                                   "deadline": date(2025, 12, 31)}
    assert "responsible" not in urban
    assert urban["domain"] == "ecology" and jobless["domain"] == "ecology"
    assert jobless["direction"] == "decrease"
    assert jobless["targets"][0] == {"kind": "threshold", "nature": "expected", "comparator": "<=", "value": 5.5,
                                     "period": "yearly"}
    assert visits["targets"][0]["baseline"] == {"value": 12451900.0, "date": date(2025, 6, 30)}
    assert visits["targets"][0]["value"] == 20000000.0
    catalog = parse_catalog(document, "filled.xlsx")  # the loader's rules hold
    assert [t.kind for t in catalog.targets] == [TargetKind.REACH, TargetKind.THRESHOLD, TargetKind.REACH]


def test_ids_are_generated_stably_when_not_given(tmp_path: Path) -> None:
    rows = [{"指标名称": "森林覆盖率", "单位": "%", "领域": "ecology", "测度": "存量"},
            {"指标名称": "游客", "英文名称": "Tourist Visits (all)", "单位": "人次", "领域": "tourism", "测度": "流量"}]
    forward = read_workbook(fill(template(tmp_path), rows, tmp_path / "a.xlsx"))[0]
    backward = read_workbook(fill(template(tmp_path), rows[::-1], tmp_path / "b.xlsx"))[0]
    ids = [i["id"] for i in forward["indicators"]]
    assert ids == ["zb-" + __import__("hashlib").sha1("森林覆盖率".encode()).hexdigest()[:8], "tourist-visits-all"]
    assert [i["id"] for i in backward["indicators"]] == ids[::-1]  # the row order does not change them
    assert generated_id("森林覆盖率", None) == ids[0]


# ---------------------------------------------------------------- located refusals


def where(p: Problem) -> tuple[str, int | None, str | None]:
    return p.source, p.row, p.column


def test_refusals_name_sheet_row_and_column(tmp_path: Path) -> None:
    rows = [
        dict(VISITS, 目标值="5亿元", 目标年份=2026),  # row 2: a unit of another kind
        dict(AIR, 领域="不存在的领域"),  # row 3: an unknown domain
        dict(RACKS, 指标名称="机架2", 英文名称="Racks two", 目标值="五万"),  # row 4: not a number
        {"单位": "%", "领域": "ecology", "测度": "比率"},  # row 5: no name
        {"指标名称": "人口", "单位": "万", "领域": "ecology", "测度": "存量"},  # row 6: a magnitude is not a unit
    ]
    problems = refusals(fill(template(tmp_path), rows, sheet_edits=SOURCES))
    got = {(p.row, p.column): p for p in problems}
    source = "filled.xlsx, sheet 指标"
    assert all(p.source == source for p in problems)
    unit = got[(2, "目标值 Target")]
    assert (unit.code, unit.value, unit.params["unit"], unit.params["display"]) == ("problem.unit", "5亿元", "元", "万人次")
    assert got[(6, "单位 Unit")].code == "problem.xlsx_bare_magnitude"
    assert "不存在的领域" == got[(3, "领域 Domain")].value and "文化旅游" in got[(3, "领域 Domain")].reason
    assert "五万" in got[(4, "目标值 Target")].reason
    assert got[(5, "指标名称 Indicator")].code == "problem.required"
    assert str(got[(3, "领域 Domain")]).startswith("filled.xlsx, sheet 指标, row 3, column '领域 Domain': ")


def test_the_loaders_own_rules_are_reported_at_the_cell(tmp_path: Path) -> None:
    rows = [dict(AIR, 目标值=150),  # above the plausible maximum 100
            dict(RACKS, 目标形式=None, 目标值=None, 基期值=None)]  # a baseline year without its value nor target
    problems = refusals(fill(template(tmp_path), rows, sheet_edits=SOURCES))
    assert [(p.row, p.column, p.code) for p in problems] == [(3, "基期值 Baseline value", "problem.xlsx_baseline_alone")]
    rows = [dict(AIR, 目标值=150), dict(RACKS, 基期值=None), dict(VISITS, 基本单位="元", 合理下限=None)]
    problems = refusals(fill(template(tmp_path), rows, sheet_edits=SOURCES))
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "目标值 Target", "problem.catalog_above_max"),
        (3, "基期值 Baseline value", "problem.baseline_both"),
        (4, "单位 Unit", "problem.display_unit"),  # 万人次 is not a number of 元
    ]


def test_the_cli_prints_every_located_refusal_and_exits_5(tmp_path: Path) -> None:
    rows = [dict(VISITS, 领域="nowhere"), dict(AIR, 目标值="abc")]
    filled = fill(template(tmp_path), rows)
    db = tmp_path / "m.duckdb"
    done = CliRunner().invoke(main, ["--db", str(db), "catalog", "import", str(filled)])
    assert done.exit_code == 5
    assert "Error: filled.xlsx, sheet 指标, row 2, column '领域 Domain'" in done.output
    assert "  filled.xlsx, sheet 指标, row 3, column '目标值 Target'" in done.output
    assert not db.exists()  # read first: nothing is created for an invalid file


def test_rows_of_one_indicator_must_agree_and_headers_must_be_known(tmp_path: Path) -> None:
    rows = [dict(AIR), {"指标名称": "空气质量优良天数比例", "单位": "万人次", "目标值": 91, "目标形式": "每年不低于"}]
    problems = refusals(fill(template(tmp_path), rows))
    assert [(p.row, p.column, p.code) for p in problems] == [(3, "单位 Unit", "problem.xlsx_differs")]
    assert "row 2" in problems[0].reason
    workbook = openpyxl.load_workbook(template(tmp_path))
    workbook[SHEET_ROWS].cell(row=1, column=len(ROW_COLUMNS) + 1, value="目标值（2025年）")
    workbook[SHEET_ROWS].cell(row=2, column=2, value="x")
    odd = tmp_path / "odd.xlsx"
    workbook.save(odd)
    (problem,) = refusals(odd)
    assert (problem.source, problem.row, problem.code, problem.value) == (
        "odd.xlsx, sheet 指标", 1, "problem.xlsx_header", "目标值（2025年）")


def test_a_source_without_its_quote_is_refused_rather_than_dropped(tmp_path: Path) -> None:
    problems = refusals(fill(template(tmp_path), [dict(RACKS, 原文=None)], sheet_edits=SOURCES))
    assert [(p.row, p.column, p.code) for p in problems] == [(2, "来源文件 Source document", "problem.xlsx_source_quote")]


# ---------------------------------------------------------------- round trips


def test_export_xlsx_then_import_into_a_fresh_store_gives_the_same_catalogue(cat_db: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "catalog.xlsx"
    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "export", "--format", "xlsx", "--out", str(out)])
    assert done.exit_code == 0, done.output
    copy = tmp_path / "copy.duckdb"
    done = runner.invoke(main, ["--db", str(copy), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    assert export_catalog(Store(copy)) == export_catalog(cat_db)
    assert yaml_of(cat_db)["indicators"][1]["targets"]  # there were targets to compare
    # Back into the store it came from: nothing changes.
    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    assert "0 new, 0 changed" in done.output and "0 new, 0 revised (new version)" in done.output
    # The suffix chooses the format when --format is not given; xlsx needs a file.
    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "export", "--out", str(tmp_path / "b.xlsx")])
    assert done.exit_code == 0 and openpyxl.load_workbook(tmp_path / "b.xlsx").sheetnames == SHEETS
    done = runner.invoke(main, ["--db", str(cat_db.path), "catalog", "export", "--format", "xlsx"])
    assert done.exit_code == 2 and "--out" in done.output


def test_the_seed_catalogue_survives_the_spreadsheet(tmp_path: Path) -> None:
    seed = load_catalog()
    profile = Profile(seed.workspace, tuple(seed.domains), tuple(seed.sources))
    text = dump_catalog(seed.indicators, seed.targets, None, profile)
    path = tmp_path / "seed.xlsx"
    path.write_bytes(write_workbook(yaml.safe_load(text)))
    back = load_catalog_xlsx(path)
    again = dump_catalog(back.indicators, back.targets, None,
                         Profile(back.workspace, tuple(back.domains), tuple(back.sources)))
    assert yaml.safe_load(again) == yaml.safe_load(text)
    assert len(back.indicators) == len(seed.indicators) > 40 and len(back.targets) == len(seed.targets)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    document = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    document["indicators"][1]["targets"][0]["note"] = "=HYPERLINK(\"x\")"
    document["indicators"][1]["description"] = "-5 means fewer"
    path = tmp_path / "f.xlsx"
    path.write_bytes(write_workbook(document))
    cells = [c for line in openpyxl.load_workbook(path)[SHEET_ROWS].iter_rows() for c in line if c.value]
    assert all(c.data_type != "f" for c in cells)
    back, _ = read_workbook(path)
    assert back["indicators"][1]["targets"][0]["note"] == "=HYPERLINK(\"x\")"
    assert back["indicators"][1]["description"] == "-5 means fewer"


# ---------------------------------------------------------------- the contract's target forms


NEW_FORMS = [
    # (目标形式, 目标值, extra cells, the target the document gets, without kind-independent keys)
    ("区间", "4.5至5", {}, {"kind": "range", "low": 4.5, "high": 5.0}),
    ("区间", "4.5%-5%", {}, {"kind": "range", "low": 4.5, "high": 5.0}),
    ("", "4.5～5", {}, {"kind": "range", "low": 4.5, "high": 5.0}),
    ("左右", "2", {"允许偏差": 0.5}, {"kind": "about", "value": 2.0, "tolerance": 0.5}),
    ("降低%", "[13.5]", {}, {"kind": "change", "change": {"relative": -13.5}}),
    ("提高%", "10%", {}, {"kind": "change", "change": {"relative": 10.0}}),
    ("提高(绝对值)", 1, {}, {"kind": "change", "change": {"absolute": 1.0}}),
    ("降低（绝对值）", 2, {}, {"kind": "change", "change": {"absolute": -2.0}}),
    ("翻番", None, {}, {"kind": "change", "change": {"factor": 2.0}}),
    ("翻两番", None, {}, {"kind": "change", "change": {"factor": 4.0}}),
    ("倍数", 3, {}, {"kind": "change", "change": {"factor": 3.0}}),
    ("年均增长", ">7", {}, {"kind": "average_growth", "comparator": ">", "rate": 7.0}),
    ("年均增长", "7", {}, {"kind": "average_growth", "comparator": ">=", "rate": 7.0}),
    ("年均下降", "3", {}, {"kind": "average_growth", "comparator": "<=", "rate": -3.0}),
]


@pytest.mark.parametrize(("form", "value", "extra", "expected"), NEW_FORMS, ids=[f[0] + str(f[1]) for f in NEW_FORMS])
def test_the_contracts_forms_convert_to_its_keys_and_back(tmp_path: Path, form: str, value: Any,
                                                          extra: dict[str, Any], expected: dict[str, Any]) -> None:
    row = {"指标名称": "指标", "单位": "%", "领域": "ecology", "测度": "比率", "基期年份": 2020, "基期值": 50,
           "目标年份": 2025, "目标形式": form, "目标值": value, "属性": "约束性", **extra}
    document, _ = read_workbook(fill(template(tmp_path), [row]))
    (target,) = document["indicators"][0]["targets"]
    common = {"nature": "binding", "baseline": {"value": 50.0, "date": date(2020, 12, 31)},
              "deadline": date(2025, 12, 31)}
    assert target == {**expected, **common}
    # written back in the same layout, it reads the same
    again = tmp_path / "again.xlsx"
    again.write_bytes(write_workbook(document))
    assert read_workbook(again)[0]["indicators"] == document["indicators"]


def test_a_path_takes_one_row_a_year_and_reads_back_the_same(tmp_path: Path) -> None:
    rows = [{"指标名称": "优良天数", "单位": "%", "领域": "ecology", "测度": "比率", "目标形式": "逐年目标",
             "目标年份": year, "目标值": value} for year, value in ((2026, 90), (2027, 91), (2028, "92%"))]
    rows.append({"指标名称": "优良天数", "目标形式": "每年不低于", "目标值": 85})
    document, locator = read_workbook(fill(template(tmp_path), rows))
    path_target, floor = document["indicators"][0]["targets"]
    assert path_target == {"kind": "path", "comparator": ">=", "path": [
        {"date": date(2026, 12, 31), "value": 90.0}, {"date": date(2027, 12, 31), "value": 91.0},
        {"date": date(2028, 12, 31), "value": 92.0}]}
    assert floor["kind"] == "threshold"
    # a problem of the path's third step is placed at its row
    ident = document["indicators"][0]["id"]
    located = locator.locate(Problem("x", None, f"indicator '{ident}'.targets[0].path[2].value", "problem.required"))
    assert (located.row, located.column) == (4, "目标值 Target")
    again = tmp_path / "again.xlsx"
    again.write_bytes(write_workbook(document))
    assert read_workbook(again)[0]["indicators"] == document["indicators"]


@pytest.mark.parametrize(("form", "value", "extra", "expected"), NEW_FORMS[:1] + NEW_FORMS[3:4] + NEW_FORMS[4:5]
                         + NEW_FORMS[11:12], ids=["range", "about", "change", "average_growth"])
def test_the_contracts_forms_load(tmp_path: Path, form: str, value: Any, extra: dict[str, Any],
                                  expected: dict[str, Any]) -> None:
    row = {"指标名称": "指标", "单位": "%", "领域": "ecology", "测度": "比率", "基期年份": 2020, "基期值": 50,
           "目标年份": 2025, "目标形式": form, "目标值": value, **extra}
    catalog = load_catalog_xlsx(fill(template(tmp_path), [row]))
    assert catalog.targets[0].kind.value == expected["kind"]


def test_plan_table_spellings_of_dates_and_figures(tmp_path: Path) -> None:
    rows = [
        {"指标名称": "能耗", "单位": "%", "领域": "ecology", "测度": "比率", "基期年份": "2020年末",
         "目标年份": "2025年6月底", "目标值": "〔13.5〕", "目标形式": "降低％"},
        {"指标名称": "份额", "单位": "%", "领域": "ecology", "测度": "比率", "目标值": "30以下", "目标年份": "2028-2030"},
        {"指标名称": "比例", "单位": "%", "领域": "ecology", "测度": "比率", "目标值": 0.931, "目标形式": "每年不低于"},
    ]
    path = fill(template(tmp_path), rows)
    workbook = openpyxl.load_workbook(path)
    cell = workbook[SHEET_ROWS].cell(row=4, column=next(n for n, c in enumerate(ROW_COLUMNS, 1) if c.key == "target_value"))
    cell.number_format = "0.0%"  # shows 93.1%: read as the percent it shows, not 0.931
    workbook.save(path)
    energy, share, good = read_workbook(path)[0]["indicators"]
    assert energy["targets"][0]["baseline"] == {"date": date(2020, 12, 31)}
    assert energy["targets"][0]["deadline"] == date(2025, 6, 30)
    assert energy["targets"][0]["change"] == {"relative": -13.5}
    assert share["targets"][0]["comparator"] == "<=" and share["direction"] == "decrease"
    assert share["targets"][0]["deadline"] == {"earliest": date(2028, 12, 31), "latest": date(2030, 12, 31)}
    assert good["targets"][0]["value"] == 93.1


def test_a_domain_added_with_its_chinese_name_only(tmp_path: Path) -> None:
    domains = {SHEET_DOMAINS: [["economy", "经济发展", "Economy"], [None, "民生福祉", None], [None, "绿色生态", "Green"]]}
    rows = [{"指标名称": "a", "单位": "%", "领域": "民生福祉", "测度": "比率"},
            {"指标名称": "b", "单位": "%", "领域": "Green", "测度": "比率"}]
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_workbook({"domains": [{"id": "x", "name_zh": "旧", "name_en": "Old"}], "indicators": []}))
    catalog = load_catalog_xlsx(fill(path, rows, sheet_edits=domains))
    welfare = "ly-" + __import__("hashlib").sha1("民生福祉".encode()).hexdigest()[:8]
    assert [(d.id, d.name_zh, d.name_en) for d in catalog.domains] == [
        ("economy", "经济发展", "Economy"), (welfare, "民生福祉", "民生福祉"), ("green", "绿色生态", "Green")]
    assert [i.domain for i in catalog.indicators] == [welfare, "green"]


def test_every_form_survives_a_store_round_trip(tmp_path: Path) -> None:
    plan = {"领域": "ecology", "测度": "比率", "单位": "%", "基期年份": 2020, "基期值": 50, "目标年份": 2025}
    rows = [
        {"指标名称": "经济增长", **plan, "目标形式": "区间", "目标值": "4.5至5", "属性": "预期性"},
        {"指标名称": "物价", **plan, "目标形式": "左右", "目标值": 2, "允许偏差": 0.5},
        {"指标名称": "能耗", **plan, "基期值": None, "目标形式": "降低%", "目标值": "[13.5]", "属性": "约束性"},
        {"指标名称": "寿命", **plan, "单位": "岁", "基期值": 77.3, "目标形式": "提高(绝对值)", "目标值": 1},
        {"指标名称": "收入", **plan, "单位": "元", "基期值": 32189, "目标形式": "翻番"},
        {"指标名称": "研发", **plan, "目标形式": "年均增长", "目标值": ">7"},
        {"指标名称": "优良天数", **plan, "基期年份": None, "基期值": None, "目标年份": 2026, "目标形式": "逐年不低于",
         "目标值": 90},
        {"指标名称": "优良天数", "目标年份": 2027, "目标形式": "逐年不低于", "目标值": 91},
    ]
    filled = fill(template(tmp_path), rows)
    runner = CliRunner()
    done = runner.invoke(main, ["--db", str(tmp_path / "a.duckdb"), "catalog", "import", str(filled)])
    assert done.exit_code == 0, done.output
    out = tmp_path / "out.xlsx"
    done = runner.invoke(main, ["--db", str(tmp_path / "a.duckdb"), "catalog", "export", "--out", str(out)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, ["--db", str(tmp_path / "b.duckdb"), "catalog", "import", str(out)])
    assert done.exit_code == 0, done.output
    first, second = yaml_of(Store(tmp_path / "a.duckdb")), yaml_of(Store(tmp_path / "b.duckdb"))
    assert first == second
    kinds = [t["kind"] for i in first["indicators"] for t in i.get("targets", [])]
    assert sorted(kinds) == ["about", "average_growth", "change", "change", "change", "path", "range"]
    done = runner.invoke(main, ["--db", str(tmp_path / "a.duckdb"), "catalog", "import", str(out)])
    assert "0 new, 0 revised (new version)" in done.output


def test_a_cell_merged_down_over_rows_counts_for_each(tmp_path: Path) -> None:
    rows = [{"指标名称": "森林覆盖率", "单位": "%", "领域": "生态环境", "测度": "存量", "目标值": 24, "目标年份": 2025},
            {"指标名称": "草原综合植被盖度", "单位": "%", "测度": "存量", "目标值": 58, "目标年份": 2025},
            {"指标名称": "游客", "单位": "万人次", "领域": "文化旅游", "测度": "流量", "目标值": 1, "目标年份": 2025}]
    path = fill(template(tmp_path), rows)
    workbook = openpyxl.load_workbook(path)
    letter = {c.key: openpyxl.utils.get_column_letter(n) for n, c in enumerate(ROW_COLUMNS, 1)}
    workbook[SHEET_ROWS].merge_cells(f"{letter['domain']}2:{letter['domain']}3")  # 领域 spans two rows
    workbook[SHEET_ROWS].merge_cells(f"{letter['measure']}4:{letter['frequency']}4")  # across columns: not copied
    workbook.save(path)
    document, _ = read_workbook(path)
    assert [i["domain"] for i in document["indicators"]] == ["ecology", "ecology", "tourism"]
    assert "frequency" not in document["indicators"][2]


def test_a_change_keeps_a_comparator_other_than_its_directions(tmp_path: Path) -> None:
    def target(**keys: Any) -> dict[str, Any]:
        return {"kind": "change", "baseline": {"date": date(2020, 12, 31)}, "deadline": date(2025, 12, 31), **keys}

    indicator = {"id": "x", "name_zh": "能耗", "name_en": "Energy", "domain": "ecology", "unit": "%",
                 "display_unit": "%", "measure": "ratio", "direction": "decrease", "frequency": "yearly",
                 "bounds": [None, None]}
    targets = [target(comparator="<=", change={"relative": -13.5}),  # the default: not written
               target(comparator=">=", change={"relative": -13.5}),  # not the default: kept
               target(comparator="<=", change={"factor": 2.0}),
               {"kind": "average_growth", "comparator": "<=", "rate": -3.0, "baseline": {"date": date(2020, 12, 31)},
                "deadline": date(2025, 12, 31)}]
    path = tmp_path / "c.xlsx"
    path.write_bytes(write_workbook({"indicators": [dict(indicator, targets=targets)]}))
    back = read_workbook(path)[0]["indicators"][0]["targets"]
    assert [t.get("comparator") for t in back] == [None, ">=", "<=", "<="]
    assert [t.get("change") or t.get("rate") for t in back] == [
        {"relative": -13.5}, {"relative": -13.5}, {"factor": 2.0}, -3.0]


def test_plan_table_traps_are_refused_with_a_way_out(tmp_path: Path) -> None:
    rows = [
        # 每千人口拥有执业（助理）医师数（人） 2.9: a rate, not a count
        {"指标名称": "每千人口拥有执业（助理）医师数", "单位": "人", "领域": "ecology", "测度": "存量", "基期年份": 2020,
         "基期值": 2.9, "目标年份": 2025, "目标值": 3.2},
        # 人均预期寿命 [1]: a change over the plan, not the level 1
        {"指标名称": "人均预期寿命", "单位": "岁", "领域": "ecology", "测度": "存量", "目标年份": 2025, "目标值": "[1]"},
    ]
    (bracket,) = refusals(fill(template(tmp_path), rows))
    assert (bracket.row, bracket.column, bracket.code) == (3, "目标值 Target", "problem.xlsx_bracket")
    problems = refusals(fill(template(tmp_path), rows[:1]))
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "目标值 Target", "problem.xlsx_not_whole"), (2, "基期值 Baseline value", "problem.xlsx_not_whole")]
    assert "人/千人" in problems[0].reason and "is not a whole number" in problems[0].reason
    rows[0]["单位"] = "人/千人"
    assert load_catalog_xlsx(fill(template(tmp_path), rows[:1])).targets[0].value == 3.2


def test_a_workbook_without_domains_names_the_stores(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    runner = CliRunner()
    own = tmp_path / "own.xlsx"
    own.write_bytes(write_workbook({"domains": [{"id": "economy", "name_zh": "经济发展", "name_en": "Economy"}],
                                    "indicators": []}))
    office = fill(own, [{"指标名称": "a", "单位": "%", "领域": "经济发展", "测度": "比率"}], tmp_path / "office.xlsx")
    done = runner.invoke(main, ["--db", str(db), "catalog", "import", str(office)])
    assert done.exit_code == 0, done.output
    # A second office's workbook adds one indicator and leaves the 领域 sheet empty: the store's domains hold.
    workbook = openpyxl.load_workbook(template(tmp_path, name="t2.xlsx"))
    workbook[SHEET_DOMAINS].delete_rows(2, 10)
    partial = tmp_path / "partial.xlsx"
    workbook.save(partial)
    partial = fill(partial, [{"指标名称": "b", "单位": "%", "领域": "经济发展", "测度": "比率"}], tmp_path / "p2.xlsx")
    done = runner.invoke(main, ["--db", str(db), "catalog", "import", str(partial)])
    assert done.exit_code == 0, done.output
    assert [i["domain"] for i in yaml_of(Store(db))["indicators"]] == ["economy", "economy"]
    assert [d["id"] for d in yaml_of(Store(db))["domains"]] == ["economy"]  # not replaced


def test_a_retired_indicator_stays_retired_through_the_workbook(tmp_path: Path) -> None:
    # Re-importing a workbook export must not follow a retired indicator again (a change the summary hid).
    from click.testing import CliRunner

    db, fresh = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    county = Path(__file__).resolve().parent / "fixtures" / "county.yaml"
    run = CliRunner().invoke
    assert run(main, ["--db", str(db), "init", "--seed", str(county)]).exit_code == 0
    retired = run(main, ["--db", str(db), "catalog", "retire", "county-forest", "--reason", "merged", "--date", "2026-06-30"])
    assert retired.exit_code == 0, retired.output
    book = tmp_path / "all.xlsx"
    assert run(main, ["--db", str(db), "catalog", "export", "--out", str(book)]).exit_code == 0
    before = export_catalog(Store(db))
    again = run(main, ["--db", str(db), "catalog", "import", str(book)])
    assert again.exit_code == 0 and "0 changed" in again.output, again.output
    assert export_catalog(Store(db)) == before
    assert run(main, ["--db", str(fresh), "catalog", "import", str(book)]).exit_code == 0
    assert "reason: merged" in export_catalog(Store(fresh))
    half = fill(template(tmp_path), [{"指标名称": "a", "单位": "%", "领域": "ecology", "测度": "比率", "停用日期": 2026}])
    assert [(p.row, p.column) for p in refusals(half)] == [(2, "停用日期 Retired on")], "a date without its reason"
