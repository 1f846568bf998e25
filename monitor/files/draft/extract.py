"""Every quantified statement of a document, proposed as a catalogue row (`monitor draft`).

Contract: ``draft_rows(text, document_date)`` returns ``DraftRow`` objects in document order, repeats
merged. A row is a figure with a unit found in a sentence of ``monitor.files.draft.text.sentences``:

- the figure: Arabic ("1245.19", "2.3") or Chinese ("两万", "三成" = 30 %, "翻一番" = factor 2, via cn2an),
  a magnitude word (万, 亿, 万亿, 千万) and a unit from UNITS; ``value`` is in the base unit (万人次 -> 人次,
  converted with monitor.model.units), ``stated`` keeps the figure as printed;
- a range "4.5%至5%", "4.5—5%", "4.5～5%" is one row (value = low, ``high`` = high, form 区间);
- the qualifier: 约/左右 approx, 以上/不低于/突破/超过 at_least, 余/多 more_than, 以内/以下/不超过/百强 at_most;
- the period in force in the sentence ("今年1至5月", "2025年1—6月", "1—6月", "上半年", "截至6月底", "5月以来",
  "2023年10月以来", "十四五期间", "2024年"; not one after 比/较, which is a comparison's), resolved against
  the document's date; none: the period stated earlier in the paragraph, else the section heading's, else
  the document's date;
- target or actual: a target cue (计划, 力争, 目标, 确保, 预期, 到20XX年, "3年至5年内", 每年, 年均) in the sentence
  or its section makes a target, with its deadline (a window "3年至5年内" is the document's date plus 3..5
  years); "保持在/稳定在/均在 …以上" with no deadline is both a current level and a standing floor;
- the form in the catalogue template's words (monitor.files.catalog_xlsx.FORMS): 达到, 不低于, 不超过,
  每年不低于, 持续不低于, 区间, 左右, 降低%, 提高%, 提高(绝对值), 翻番, 年均增长;
- non-indicators are left out: dates and years, ordinals (第…), figures inside quotation marks or book
  titles ("15分钟为老服务圈", 《…2026—2030年》), small Chinese-numeral counts of named things ("五大核心城市
  IP体系", "三个中心城市").

Each row carries a confidence (0..1) and the reasons it was lowered, so an editor reviews the doubtful
ones first. Pure: no clock, no files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from monitor.files.draft.text import Sentence, sentences
from monitor.model.units import conversion_factor

# Units, longest first (a regex alternation takes the first that matches).
UNITS = sorted(
    ["%", "个百分点", "百分点", "人次", "人", "名", "元", "件", "项", "条", "个", "家", "所", "座", "张", "户", "辆", "台",
     "架", "吨", "千瓦时", "千瓦", "立方米", "平方米", "平方公里", "公里", "公顷", "亩", "岁", "PFlops", "倍", "篇", "场",
     "套", "吨标准煤", "微克/立方米", "元/人", "标箱", "所", "床", "千户"],
    key=len, reverse=True)
# The name of a row whose indicator the text does not name: the editor must give one (review.edited_row).
PLACEHOLDER = "（未识别）"
# The confidence from which the review page ticks a row by default.
DEFAULT_ACCEPT = 0.7
_MAGNITUDES = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "亿": 1e8, "万": 1e4}
_CN_DIGITS = "零一二两三四五六七八九十百千"
_NUM = r"\d+(?:\.\d+)?"
_FIGURE = re.compile(
    rf"(?P<pre>约|近|超过|突破|达到|达)?"
    rf"(?P<num>{_NUM}|[{_CN_DIGITS}]+(?:[万亿][{_CN_DIGITS}]+)*(?:点[{_CN_DIGITS}]+)?)"
    rf"(?:(?P<low_unit>%)?\s*(?:至|—|–|～|~)\s*(?P<high>{_NUM})(?P<high_unit>%)?|\s*(?:到|-)\s*(?P<high2>{_NUM})(?P<high2_unit>%)?)?"
    rf"(?P<more0>余|多)?(?P<mag>万亿|千万|百万|亿|万)?(?P<more>余|多)?"
    rf"(?P<unit>{'|'.join(re.escape(u) for u in UNITS)}|成)"
    rf"(?P<post>以上|以内|以下|左右|余)?")
_DOUBLING = re.compile(r"翻(?P<n>一|两|二|三)番")
_RANK = re.compile(rf"(?P<num>\d+|[{_CN_DIGITS}]+)强")
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|\"[^\"]*\"")
_CN_VALUES = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

_TARGET_CUES = re.compile(r"计划|力争|目标|确保|预期|预计|争取达到|将达到|要达到|(?:\d+|[一二三四五])年(?:至(?:\d+|[一二三四五六七八九十])年)?内|每年")
_FUTURE_YEAR = re.compile(r"到(?P<y>20\d\d)年")
_FLOOR_KEEP = re.compile(r"(保持在|稳定在|均在|控制在|维持在|一直保持在)")
_SECTION_TARGET = re.compile(r"目标|主要指标|预期")
_VERBS_TAIL = re.compile(r"(?:由|分别|累计|共计|共|总计|均|已|约|近|超过|突破|达到|达|为|是|在|保持在|稳定在|均在|一直保持在|控制在|增至|提高到|提高至|降至|增加|增长|提高|降低|下降|减少|的)+$")
_LEAD = re.compile(r"^(?:并|和|及|其中|同时|另外|此外|全年|今年|去年|目前|截至目前|近年来|计划|力争|确保|预计|要|将|到\d{4}年(?:末|底)?|我市将?|全市将)+")
_CREATE_VERBS = re.compile(r"(?:建成|推出|开展|举办|培养|发放|惠及|收录|取得|转化|建立|新增|引进|打造|完成|实施|改造|新建|培育|服务|资助|接收|供餐)$")


@dataclass
class DraftRow:
    name: str
    value: float  # base units (low end of a range)
    unit: str  # base unit
    stated: str  # the figure as printed (normalised text)
    display_unit: str  # unit with its magnitude word (万人次)
    magnitude: str  # 万 / 亿 / ""
    qualifier: str  # exact | approx | at_least | more_than | at_most
    qualifier_word: str
    period_text: str
    period_start: date | None
    period_end: date | None
    kind: str  # actual | target | both
    form: str  # a catalogue template form label, "" for a plain actual
    deadline: tuple[date, date] | None
    domain: str
    speaker: str
    office: str
    sentence: str
    section: str
    confidence: float
    reasons: list[str] = field(default_factory=list)
    high: float | None = None
    span: tuple[int, int] = (0, 0)  # where the figure is in the sentence
    repeats: int = 1
    headline: bool = False  # found in a standalone headline (merged with its paragraph's row)


# ---------------------------------------------------------------- numbers


def _number(text: str) -> float | None:
    if re.fullmatch(_NUM, text):
        return float(text)
    if text in ("百", "千"):
        return 100.0 if text == "百" else 1000.0
    try:
        import cn2an

        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _base(value: float, magnitude: str, unit: str) -> tuple[float, str]:
    factor = _MAGNITUDES.get(magnitude, 1.0)
    try:
        factor = conversion_factor(magnitude + unit, unit) if magnitude else 1.0
    except Exception:  # a unit monitor.model.units does not know: the magnitude word alone
        pass
    return float(f"{value * factor:.10g}"), unit


# ---------------------------------------------------------------- periods


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))


_PERIODS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?:(?P<y>20\d\d|今年|去年)年?)?(?<![\d.])(?P<m1>\d{1,2})(?:月)?(?:至|到|—|–|-|～)(?P<m2>\d{1,2})月(?:份)?"),
     "months"),
    (re.compile(r"(?P<y>20\d\d|今年|去年)年?(?P<h>上半年|下半年|前三季度|一季度|第一季度|二季度|三季度)"), "part"),
    (re.compile(r"(?P<h>上半年|下半年|前三季度|一季度|第一季度|二季度|三季度)"), "part"),
    (re.compile(r"截至(?:(?P<y>20\d\d|今年|去年)年?)?(?P<m>\d{1,2})月(?:底|末)"), "as_of"),
    (re.compile(r"截至(?:(?P<y>20\d\d)年?)?(?:年底|年末)"), "as_of_year"),
    (re.compile(r"(?:(?P<y>20\d\d|今年|去年)年?)?(?P<m>\d{1,2})月(?:份)?以来"), "since"),
    (re.compile(r"“?十四五”?(?:期间|以来|时期)"), "fyp14"),
    (re.compile(r"“?十五五”?(?:期间|以来|时期)"), "fyp15"),
    (re.compile(r"过去一年|上一年度"), "last_year"),
    (re.compile(r"(?P<y>20\d\d)年(?!\d*月)(?:全年)?"), "year"),
    (re.compile(r"(?P<y>20\d\d)(?=年度|中国|全国|全省)"), "year"),
    (re.compile(r"(?P<y>今年|去年)(?!\d|\s*\d)"), "year"),
]
_PARTS = {"上半年": (1, 6), "下半年": (7, 12), "前三季度": (1, 9), "一季度": (1, 3), "第一季度": (1, 3),
          "二季度": (4, 6), "三季度": (7, 9)}


def _year(word: str | None, today: date) -> int:
    if word in (None, "", "今年"):
        return today.year
    if word == "去年":
        return today.year - 1
    return int(str(word))


def find_period(text: str, today: date) -> tuple[str, date | None, date | None] | None:
    """The first period phrase of ``text``: (as printed, start, end); a point in time has start None."""
    best: tuple[int, str, date | None, date | None] | None = None
    start: date | None
    for pattern, kind in _PERIODS:
        # A period after 比/较 is what the figure is compared with ("比一季度加快0.3个百分点"), not its own.
        found = [m for m in pattern.finditer(text) if not re.search(r"(?:比|较)(?:去年|上年)?(?:同期)?$", text[:m.start()])]
        if not found:
            continue
        m = found[-1]  # the phrase nearest the figure is the one in force
        if best is not None and m.end() <= best[0]:
            continue
        g = m.groupdict()
        y = _year(g.get("y"), today)
        if kind == "months":
            start, end = date(y, int(g["m1"]), 1), _month_end(y, int(g["m2"]))
        elif kind == "part":
            a, b = _PARTS[g["h"]]
            start, end = date(y, a, 1), _month_end(y, b)
        elif kind == "as_of":
            start, end = None, _month_end(y, int(g["m"]))
        elif kind == "as_of_year":
            start, end = None, date(y, 12, 31)
        elif kind == "since":
            start, end = date(y, int(g["m"]), 1), today
        elif kind == "last_year":
            start, end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        elif kind == "fyp14":
            start, end = date(2021, 1, 1), min(today, date(2025, 12, 31))
        elif kind == "fyp15":
            start, end = date(2026, 1, 1), min(today, date(2030, 12, 31))
        else:
            if y > today.year:
                continue  # a future year is a deadline, not a period
            start, end = date(y, 1, 1), min(date(y, 12, 31), today) if y == today.year else date(y, 12, 31)
            if y == today.year:
                start, end = date(y, 1, 1), today
        best = (m.end(), m.group(0), start, end)
    return None if best is None else best[1:]


_WINDOW = re.compile(r"(?P<a>\d+|[一二三四五六七八九十])年(?:至|到|—|-)(?P<b>\d+|[一二三四五六七八九十])年内")
_WITHIN = re.compile(r"(?P<a>\d+|[一二三四五六七八九十])年内")
_BY_YEAR = re.compile(r"到(?P<y>20\d\d)年(?:末|底)?|(?P<y2>20\d\d)年(?:末|底)?(?:前|力争|要|将|目标)")


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:
        return d.replace(year=d.year + n, day=28)


def find_deadline(text: str, today: date) -> tuple[date, date] | None:
    m = _WINDOW.search(text)
    if m:
        a, b = (int(_number(m.group(k)) or 0) for k in ("a", "b"))
        return _add_years(today, a), _add_years(today, b)
    m = _WITHIN.search(text)
    if m:
        n = int(_number(m.group("a")) or 0)
        return _add_years(today, n), _add_years(today, n)
    for m in _BY_YEAR.finditer(text):
        y = int(m.group("y") or m.group("y2"))
        if y >= today.year:  # "提高到2025年的64.5%" in a plan of 2026 is a past level, not a deadline
            return date(y, 12, 31), date(y, 12, 31)
    return None


# ---------------------------------------------------------------- who and what


_SPEAKER = re.compile(r"(?P<office>(?:市|省|区|县|州)?[\u4e00-\u9fff]{1,10}?(?:局|委员会|委|办公室|办|厅|政府|中心))"
                      r"(?:党组书记、)?(?P<title>局长|主任|厅长|市长|副市长|区长|县长|书记)"
                      r"(?P<name>[\u4e00-\u9fff]{2,3}?)(?=表示|介绍|说|回答|指出|通过|在)")
_LEADER = re.compile(r"(?P<office>市委常委、副市长|副市长|市长|常务副市长)(?P<name>[\u4e00-\u9fff]{2,3}?)(?=通过|表示|介绍|说|指出|在)")
_SAID_BY = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,3})(?:表示|介绍)")

DOMAIN_WORDS = {
    "tourism": "旅游|游客|文旅|景区|住宿",
    "ecology": "空气|优良|森林|生态|大气|污染|水质|排放|能耗|碳|绿化|环境",
    "digital": "算力|机架|数据|数字|绿电|PFlops|信息|5G|人工智能",
    "innovation": "专利|科技|研发|创新|实验室|成果|中试|盐湖",
    "openness": "进出口|外贸|出口|进口|开放|外资|招商",
    "livelihood": "就业|养老|救助|低保|民生|医疗|教育|诉求|收入|食堂|儿童|老年|失业|住房|预期寿命",
}


def guess_domain(sentence: str, section: str) -> str:
    for text in (sentence, section):
        counts = {d: len(re.findall(words, text)) for d, words in DOMAIN_WORDS.items()}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ""


def _name(clause_before: str, clause_after: str, unit: str, growth: str) -> str:
    text = _QUOTED.sub(lambda m: m.group(0), clause_before)
    for pattern, _ in _PERIODS:
        text = pattern.sub("", text)
    text = _WITHIN.sub("", _WINDOW.sub("", text))
    text = re.sub(r"^.*[,，、;；:：]", "", text)
    text = _LEAD.sub("", text)
    text = _VERBS_TAIL.sub("", text)
    text = re.sub(r"(同比|比上年|比去年同期|同期)$", "", text)
    after = re.split(r"[,，。;；、和及与(（]|\d", clause_after, maxsplit=1)[0]
    after = re.sub(r"^(?:以上|以内|左右|余|的)+", "", after)
    if (not text or _CREATE_VERBS.search(text) or text.endswith("等")) and after:
        text = re.sub(r"^.*(?:建成|推出|开展|举办|培养|发放|惠及|收录|取得|转化|建立|新增|引进|打造|完成|实施)", "", text)
        text = (text.rstrip("等") + after) if len(text) <= 12 else after
    return (text + growth).strip() or PLACEHOLDER


# ---------------------------------------------------------------- the rows


_QUALIFIERS = [("以上", "at_least"), ("以内", "at_most"), ("以下", "at_most"), ("左右", "approx"), ("余", "more_than"),
               ("多", "more_than"), ("约", "approx"), ("近", "at_most"), ("突破", "at_least"), ("超过", "more_than")]


def _qualifier(m: re.Match[str], clause_before: str) -> tuple[str, str]:
    words = [m.group("post") or "", m.group("more") or "", m.group("more0") or "", m.group("pre") or ""]
    if re.search(r"(?:不低于|不少于)$", clause_before):
        return "不低于", "at_least"
    if re.search(r"(?:不超过|不高于|控制在)$", clause_before):
        return "不超过", "at_most"
    for word, code in _QUALIFIERS:
        if word in words:
            return word, code
    if re.search(r"突破$", clause_before):
        return "突破", "at_least"
    if re.search(r"约$", clause_before):
        return "约", "approx"
    return "", "exact"


def _form(kind: str, qualifier: str, clause: str, figure_before: str, unit: str, high: float | None) -> str:
    if kind == "actual":
        return ""
    if high is not None:
        return "区间"
    if "年均" in figure_before:
        return "年均下降" if re.search(r"年均(?:下降|降低|减少)", figure_before) else "年均增长"
    if re.search(r"每年", clause):
        return "每年不超过" if qualifier == "at_most" else "每年不低于"
    if qualifier == "approx":
        return "左右"
    if kind == "both":
        return "持续不超过" if qualifier == "at_most" else "持续不低于"
    if re.search(r"(?:降低|下降|减少)$", figure_before) and unit == "%":
        return "降低%"
    if re.search(r"(?:提高|增加|延长)$", figure_before) and unit not in ("%",):
        return "提高(绝对值)"
    if qualifier == "at_least" or qualifier == "more_than":
        return "不低于"
    if qualifier == "at_most":
        return "不超过"
    return "达到"


def _section_deadline(sentence: Sentence, masked: str, today: date, state: dict[str, str]) -> tuple[date, date] | None:
    """A target's deadline the sentence does not state: one stated earlier in its section ("到2030年，…；
    …"), the year of its section's heading ("二、2026年主要预期目标") or 今年/全年 (the document's year);
    a 每年 target has none."""
    if "每年" in masked:
        return None
    carried = state.get("deadline@" + sentence.section)
    if carried:
        late, early = carried.split("|")
        return date.fromisoformat(early), date.fromisoformat(late)
    years = [int(y) for y in re.findall(r"(20\d\d)年", sentence.section) if int(y) >= today.year]
    if years:
        return date(years[0], 12, 31), date(years[0], 12, 31)
    if re.search(r"今年|全年|本年", masked + sentence.section):
        return date(today.year, 12, 31), date(today.year, 12, 31)
    return None


def _rows_of(sentence: Sentence, today: date, state: dict[str, str]) -> list[DraftRow]:
    text = sentence.text
    for m in _SPEAKER.finditer(text):
        state["speaker"], state["office"] = m.group("name"), m.group("office")
    for m in _LEADER.finditer(text):
        state["speaker"], state["office"] = m.group("name"), m.group("office")
    if text.startswith("(记者") or text.startswith("（记者"):
        state["speaker"] = state["office"] = ""
    said = _SAID_BY.search(text)
    masked = _QUOTED.sub(lambda q: "□" * len(q.group(0)), text)
    section_target = bool(_SECTION_TARGET.search(sentence.section))
    rows: list[DraftRow] = []
    period: tuple[str, date | None, date | None] | None = None
    target_from = len(text) + 1 if not section_target else 0
    cue = _TARGET_CUES.search(masked)
    if cue:
        target_from = min(target_from, cue.start())
    deadline = find_deadline(masked, today)
    clause_start = 0
    figures = list(_FIGURE.finditer(masked))
    doubling = list(_DOUBLING.finditer(masked))
    ranks = list(_RANK.finditer(masked))
    found = sorted([(m.start(), "figure", m) for m in figures] + [(m.start(), "double", m) for m in doubling]
                   + [(m.start(), "rank", m) for m in ranks], key=lambda x: x[0])
    for start, what, m in found:
        before_all = masked[:start]
        clause_start = max(before_all.rfind(c) for c in ",，;；。") + 1
        clause = masked[clause_start:start]
        p = find_period(re.sub(r"《[^》]*》", lambda q: "□" * len(q.group(0)), text[:start]), today)
        carried = state.get(f"period@{sentence.paragraph}")
        if p is not None:
            period = p
            # A period stated in a paragraph holds for its later sentences ("上半年，…。其中，第一产业…").
            state[f"period@{sentence.paragraph}"] = "|".join(
                [p[0], *(d.isoformat() if d else "" for d in p[1:])])
        elif period is None and carried is not None and not sentence.headline:
            phrase, since, until = carried.split("|")
            period = (phrase, date.fromisoformat(since) if since else None, date.fromisoformat(until) if until else None)
        elif period is None and sentence.section:
            period = find_period(sentence.section, today)
        reasons: list[str] = []
        confidence = 0.9
        if what == "figure":
            num = m.group("num")
            if start > 0 and masked[start - 1] in "第每0123456789.":
                continue  # an ordinal ("第三届"), a rate's denominator ("每千人口") or the tail of a larger number
            if m.group("unit") == "岁" and (m.group("post") or "") in ("以下", "以上") and re.match(r"[\u4e00-\u9fff]", masked[m.end():m.end() + 1] or " "):
                continue  # "3岁以下婴幼儿": an age bracket defining what is counted
            value = _number(num)
            if value is None:
                continue
            unit = m.group("unit")
            mag = m.group("mag") or ""
            chinese = not re.fullmatch(_NUM, num)
            if chinese and unit not in ("成", "%", "倍") and not mag:
                if value < 10 or unit in ("个", "项", "条", "大"):
                    continue  # "五个方面", "三个中心城市": a count of named things, not an indicator
                reasons.append("中文数字")
                confidence -= 0.2
            if re.fullmatch(r"(?:19|20)\d\d", num) and unit in ("年",):
                continue
            m.group(0)
            display = mag + unit
            if unit == "成":
                value, unit, display = value * 10, "%", "%"
            high_text = m.group("high") or m.group("high2")
            high = float(high_text) if high_text else None
            if high is not None and high <= value:
                high = None
            if unit == "个百分点":
                unit = "百分点"
            base, unit = _base(value, mag, unit)
            if high is not None:
                high, _ = _base(high, mag, unit)
            qword, qualifier = _qualifier(m, clause)
            if high is not None:
                qword, qualifier = "至", "exact"
            masked[m.end():]
        elif what == "double":
            factor = {"一": 2.0, "两": 4.0, "二": 4.0, "三": 8.0}[m.group("n")]
            base, unit, display, mag, _stated, high = factor, "倍", "倍", "", m.group(0), None
            qword, qualifier = "", "exact"
            masked[m.end():]
        else:
            value = _number(m.group("num"))
            if value is None:
                continue
            base, unit, display, mag, _stated, high = value, "名", "名", "", m.group(0), None
            qword, qualifier = "强", "at_most"
            reasons.append("榜单名次：只知进入前列")
            confidence -= 0.2
            masked[m.end():]
        if text[m.end():m.end() + 1] == "《":
            continue  # "8项《…规范》": a count of named documents
        figure_before = clause
        raw_clause = text[clause_start:start]
        growth = ""
        g = re.search(r"(?:同比|比上年|比去年|同期)?(?:增长|增加|下降|提高|降低|减少|上涨|涨幅)$", clause)
        if unit in ("%", "百分点", "个百分点") and g:
            growth = g.group(0)
        if unit == "吨" and re.search(r"年产$", clause):
            unit, display = "吨/年", display + "/年"
        name = _name(raw_clause, text[m.end():], unit, "" if raw_clause.endswith(growth) and growth else growth)
        if growth and name in (PLACEHOLDER, growth) and rows and rows[-1].sentence == text:
            name = re.sub(r"(同比)?(增长|增加)$", "", rows[-1].name) + growth  # "生产总值达到…亿元，增长5.2%"
        if re.search(r"年均(?:增长|下降)$", raw_clause) and "年均" not in name:
            name = re.sub(r"年$", "", name) + re.search(r"年均(?:增长|下降)$", raw_clause).group(0)  # type: ignore[union-attr]
        kind = "target" if start >= target_from else "actual"
        future = _FUTURE_YEAR.search(masked[:start])
        if kind == "actual" and future and int(future.group("y")) >= today.year:
            kind = "target"  # "到2030年，…达到68%"
        row_deadline = deadline
        if kind != "actual" and row_deadline is None:
            row_deadline = _section_deadline(sentence, masked, today, state)
        if kind != "actual" and row_deadline is not None:
            state["deadline@" + sentence.section] = row_deadline[1].isoformat() + "|" + row_deadline[0].isoformat()
        keep = _FLOOR_KEEP.search(clause)
        if kind == "actual" and keep and qualifier in ("at_least", "at_most") and not row_deadline:
            kind = "both"
            reasons.append("“保持/稳定在…”：现状水平，亦可作为底线目标")
        if kind == "target" and row_deadline is None and "每年" not in masked and "年均" not in masked and not section_target:
            reasons.append("目标未写明期限")
            confidence -= 0.15
        if period is None and kind != "target":
            reasons.append("未写明时期：取文件日期")
            confidence -= 0.1
        if name == PLACEHOLDER or len(name) > 25:
            reasons.append("指标名称需人工确认")
            confidence -= 0.2
        elif re.search(r"[0-9０-９]", name) or name.startswith(("比", "较")):
            reasons.append("指标名称含数字或以“比/较”开头：需人工确认")
            confidence = min(confidence - 0.2, DEFAULT_ACCEPT - 0.1)
        if name == PLACEHOLDER:
            # Never accepted by default (the page ticks rows from DEFAULT_ACCEPT): every unnamed row would
            # share one indicator id.
            confidence = min(confidence, DEFAULT_ACCEPT - 0.1)
        form = _form(kind, qualifier, masked, figure_before, unit, high)
        speaker = state.get("speaker", "") or (said.group("name") if said else "")
        row = DraftRow(
            name=name, value=base, unit=unit, stated=text[start:m.end()], display_unit=display, magnitude=mag,
            qualifier=qualifier, qualifier_word=qword,
            period_text=period[0] if period else "",
            period_start=period[1] if period else None, period_end=period[2] if period else today,
            kind=kind, form=form, deadline=row_deadline if kind != "actual" else None,
            domain=guess_domain(text, sentence.section), speaker=speaker, office=state.get("office", ""),
            sentence=text, section=sentence.section, confidence=round(max(confidence, 0.1), 2),
            reasons=reasons, high=high, span=(start, m.end()), headline=sentence.headline)
        row.clause = (clause_start, raw_clause, growth)  # type: ignore[attr-defined]
        items = _LISTED.search(raw_clause)
        if items:
            # "响应率、解决率、满意率均在96%以上": one row per item named.
            for item in items.group(1).split("、"):
                rows.append(replace(row, name=item, reasons=row.reasons + ["“均”：一句多项，各占一行"]))
                rows[-1].clause = row.clause  # type: ignore[attr-defined]
        else:
            rows.append(row)
    _pair_names(rows)
    return rows


_LISTED = re.compile(r"((?:[\u4e00-\u9fff]{1,8}、)+[\u4e00-\u9fff]{1,8})均(?:在|为|达到?|保持在|超过)?$")
_SUBJECTS = re.compile(r"([\u4e00-\u9fff]{1,10})(?:和|与|及)([\u4e00-\u9fff]{1,10})(?:同比|均|分别)")


def _pair_names(rows: list[DraftRow]) -> None:
    """ "A和B同比增长28%和23%", "…同比增长21.37%和20.12%，分别占全省的62%和70%": the figures of one clause
    take, in order, the subjects the clause names ("A和B") or the names of the figures before it."""
    by_clause: dict[int, list[DraftRow]] = {}
    for row in rows:
        by_clause.setdefault(row.clause[0], []).append(row)  # type: ignore[attr-defined]
    earlier: list[DraftRow] = []
    for start in sorted(by_clause):
        group = by_clause[start]
        _, raw, growth = group[0].clause  # type: ignore[attr-defined]
        joined = any(re.search(r"和|分别|及|与", r.sentence[r.span[1]:group[-1].span[0]]) for r in group[:1]) or "分别" in raw
        if len(group) >= 2 and not _LISTED.search(raw) and joined:
            subjects = _SUBJECTS.search(raw)
            if subjects:
                names = [_name(subjects.group(1), "", "", ""), subjects.group(2)]
            else:
                names = [r.name for r in earlier[-len(group):]] if len(earlier) >= len(group) else []
            suffix = growth or ("占全省比重" if "占全省" in raw else "占比" if "占" in raw else "")
            if len(names) == len(group):
                for row, name in zip(group, names, strict=True):
                    row.name = re.sub(r"(同比)?(增长|增加)$", "", name) + suffix
                    row.reasons.append("名称按“和/分别”对应")
                    row.confidence = round(row.confidence - 0.1, 2)
        earlier.extend(r for r in group if not r.name.endswith(("增长", "占比", "比重")))


def _alike(a: str, b: str) -> bool:
    """Two names of one thing ("全市算力规模", "算力规模"): most characters of the shorter in the longer."""
    short, long = sorted((a, b), key=len)
    return bool(short) and sum(1 for c in set(short) if c in long) >= 0.6 * len(set(short))


def _merge(rows: list[DraftRow]) -> list[DraftRow]:
    """A figure stated twice (a headline and its paragraph) is one row: the longer sentence is kept."""
    out: list[DraftRow] = []
    index: dict[tuple[object, ...], int] = {}
    key: tuple[object, ...]
    for row in rows:
        key = (row.value, row.unit, row.qualifier, row.kind == "actual", row.period_end if row.kind == "actual" else row.deadline)
        loose = (row.value, row.unit, row.qualifier)
        match = next((n for n, kept in enumerate(out) if (kept.value, kept.unit, kept.qualifier) == loose
                      and (kept.headline or row.headline)), None)
        if match is not None and out[match].sentence != row.sentence:
            key = next(k for k, n in index.items() if n == match)
        if key in index and out[index[key]].sentence != row.sentence and _alike(out[index[key]].name, row.name):
            kept = out[index[key]]
            longer = row if len(row.sentence) > len(kept.sentence) else kept
            out[index[key]] = replace(longer, repeats=kept.repeats + 1, headline=False,
                                      reasons=longer.reasons + ["文中重复出现，已合并"])
            continue
        index[key] = len(out)
        out.append(row)
    return out


def draft_rows(text: str, document_date: date) -> list[DraftRow]:
    state: dict[str, str] = {}
    rows: list[DraftRow] = []
    for sentence in sentences(text):
        if sentence.headline:
            state_copy = dict(state)
            rows.extend(_rows_of(sentence, document_date, state_copy))
        else:
            rows.extend(_rows_of(sentence, document_date, state))
    return _merge(rows)


def document_date(text: str) -> date | None:
    """The document's date where its text gives one: "2025年7月11日", or a dateline "7月11日" (year unknown: None)."""
    m = re.search(r"(20\d\d)年(\d{1,2})月(\d{1,2})日", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


__all__ = ["DraftRow", "document_date", "draft_rows", "find_deadline", "find_period", "guess_domain"]
