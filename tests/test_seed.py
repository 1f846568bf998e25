"""Checks the reviewed seed data (data/briefing.yaml) against the source press briefing.

The YAML is read with PyYAML directly (no monitor modules), so these checks stand on their own:
quotes are verbatim, stated figures give the stored values, the key numbers are right, the file is
structurally sound, and every figure printed in the briefing is accounted for (as a reading, a target
or an `excluded` entry), so deleting a figure from the seed makes a test fail.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "briefing.yaml"
# A verbatim copy of the source briefing travels with the seed it was read from.
BRIEFING = Path(__file__).resolve().parent.parent / "data" / "source" / "xining-briefing-2025-07-11.txt"
BRIEFING_DATE = dt.date(2025, 7, 11)

DOMAINS = {"tourism", "ecology", "digital", "innovation", "openness", "livelihood"}
MEASURES = {"stock", "flow", "ratio", "cumulative", "yoy_change"}
DIRECTIONS = {"increase", "decrease"}
FREQUENCIES = {"monthly", "quarterly", "half_yearly", "yearly", "irregular"}
QUALIFIERS = {"exact", "approx", "at_least", "more_than", "at_most"}
KINDS = {"reach", "threshold"}
COMPARATORS = {">=", ">", "<=", "<"}
METHODS = {"cagr", "linear"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAGNITUDES = {"万": 1e4, "亿": 1e8, "千": 1e3}
# Speakers and offices named in the briefing's README (shared/briefing/README.md).
SPEAKERS = {
    "陈科": "市文旅广电局",
    "王刚": "市委常委、副市长",
    "何建章": "市生态环境局",
    "王卫平": "市数据局",
    "马冠奎": "市科技局",
    "刘文军": "市民政局",
}

NUMBER = re.compile(r"\d+(?:\.\d+)?")

# Digits in the briefing that are not figures to record. Each entry is a normalised (whitespace-free)
# snippet of the briefing; every digit inside an occurrence of it is exempt from the coverage check.
# Keep the snippets as short as possible so that they cannot hide a real figure.
ALLOWED_NON_FIGURES = [
    ("今年1月至5月", "period of the tourism figures (dates)"),
    ("今年5月以来", "start date of the Ctrip booking share"),
    ("77月月1111日日", "date of the press conference, in the doubled-character box"),
    ("上榜2024中国", "year of the Blue-Sky Top-100 list (the list's name)"),
    ("2024年跻身", "year of the city innovation Top-100 list"),
    ("2023年10月以来", "start date of the complaints mechanism (cumulative_since)"),
    ("2024年西宁市空气质量", "year of the 93.1% good-air ratio"),
    ("2025年1—6月", "period of the 91.7% good-air ratio"),
    ("截至6月底", "date of the racks / compute / green-power levels"),
    ("“1+3+X”", "name of the green computing framework, not a quantity"),
    ("（2026—2030年）", "period in the title of the data-labelling development plan"),
]


def normalise(text: str) -> str:
    """Remove all whitespace (the newspaper layout breaks lines and letter-spaces words)."""
    return re.sub(r"\s+", "", text)


def dedouble(text: str) -> str:
    """Undo the boxed paragraph's doubling ("77月月", "介绍近年来介绍近年来"): collapse each
    immediately repeated unit to one copy. Applied to the whole text as an *alternative* text for
    matching quotes only; it mangles genuine figures elsewhere ("44.12" -> "4.12"), which is harmless
    because quotes are first looked up in the plain normalised text."""
    return re.sub(r"(.+?)\1", r"\1", text)


@pytest.fixture(scope="module")
def text() -> str:
    if not BRIEFING.is_file():
        pytest.fail(f"source briefing not found at {BRIEFING}")
    return normalise(BRIEFING.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dedoubled(text: str) -> str:
    return dedouble(text)


@pytest.fixture(scope="module")
def seed() -> dict:
    with SEED.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def readings(seed: dict):
    for ind in seed["indicators"]:
        for r in ind.get("readings") or []:
            yield ind, r


def targets(seed: dict):
    for ind in seed["indicators"]:
        for t in ind.get("targets") or []:
            yield ind, t


def indicator(seed: dict, ident: str) -> dict:
    found = [i for i in seed["indicators"] if i["id"] == ident]
    assert len(found) == 1, f"indicator {ident!r} missing or duplicated"
    return found[0]


def reading(seed: dict, ident: str, start: str, end: str) -> dict:
    ind = indicator(seed, ident)
    found = [
        r for r in ind.get("readings") or []
        if as_date(r["period_start"]) == dt.date.fromisoformat(start)
        and as_date(r["period_end"]) == dt.date.fromisoformat(end)
        and not is_derived(r)
    ]
    assert len(found) == 1, f"{ident}: expected one stated reading for {start}..{end}, found {len(found)}"
    return found[0]


def target(seed: dict, ident: str) -> dict:
    found = [t for _, t in targets(seed) if t.get("id") == ident]
    assert len(found) == 1, f"target {ident!r} missing or duplicated"
    return found[0]


def is_derived(r: dict) -> bool:
    return "derived" in str(r.get("note") or "").lower()


def parse_stated(stated: str) -> float:
    """A figure as printed -> base units: number, optional 余/多, optional magnitude 万/亿/千.
    Also "百强" (top hundred) -> 100."""
    s = normalise(stated)
    m = re.match(r"(\d+(?:\.\d+)?)[余多]?([万亿千])?", s)
    if m:
        return float(m.group(1)) * MAGNITUDES.get(m.group(2) or "", 1)
    cn = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    m = re.match(r"([一二两三四五六七八九]?)([十百])", s)
    if m:
        return cn.get(m.group(1), 1) * {"十": 10, "百": 100}[m.group(2)]
    raise ValueError(f"cannot parse stated figure {stated!r}")


def evaluate_derived(stated: str) -> float:
    """'91.7% − 3.8个百分点' -> 87.9: figures joined by + or − (or -)."""
    s = normalise(stated)
    numbers = [float(n) for n in NUMBER.findall(s)]
    ops = re.findall(r"[−\-+]", s)
    assert numbers and len(ops) == len(numbers) - 1, f"cannot evaluate derived figure {stated!r}"
    total = numbers[0]
    for op, n in zip(ops, numbers[1:], strict=True):
        total = total + n if op == "+" else total - n
    return total


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12)


def find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    while needle and (i := haystack.find(needle, start)) >= 0:
        spans.append((i, i + len(needle)))
        start = i + 1
    return spans


def locate_figure(quote: str, stated: str) -> re.Match | None:
    """The stated figure inside the quote, not as the tail of a longer number ("4项" in "14项")."""
    return re.search(r"(?<![\d.])" + re.escape(normalise(stated)), normalise(quote))


def all_quoted(seed: dict):
    for ind, r in readings(seed):
        yield f"reading of {ind['id']} ({r.get('stated')})", r
    for ind, t in targets(seed):
        yield f"target {t.get('id')} of {ind['id']}", t
    for n, e in enumerate(seed.get("excluded") or []):
        yield f"excluded[{n}]", e


# 1. Quotes are verbatim -------------------------------------------------------------------------

def test_every_quote_occurs_in_the_briefing(seed, text, dedoubled):
    missing = []
    for label, entry in all_quoted(seed):
        quote = normalise(str(entry.get("quote") or ""))
        if not quote:
            missing.append(f"{label}: no quote")
        elif quote not in text and quote not in dedoubled:
            missing.append(f"{label}: {entry['quote']!r}")
    assert not missing, "quotes not found in the briefing:\n" + "\n".join(missing)


def test_doubled_box_is_readable(text, dedoubled):
    # The boxed introduction only matches after de-doubling; guards the helper itself.
    box = "7月11日，省政府新闻办召开“全面深化改革推进高质量发展”西宁专场新闻发布会"
    assert box not in text
    assert box in dedoubled


def test_speakers_and_offices(seed):
    wrong = []
    for label, entry in all_quoted(seed):
        if label.startswith("excluded"):
            continue
        speaker, office = entry.get("speaker"), entry.get("office")
        if SPEAKERS.get(speaker) != office:
            wrong.append(f"{label}: {speaker} / {office}")
    assert not wrong, "unknown speaker or wrong office:\n" + "\n".join(wrong)


def test_excluded_entries_give_a_reason(seed):
    for n, e in enumerate(seed.get("excluded") or []):
        assert str(e.get("reason") or "").strip(), f"excluded[{n}] has no reason"


# 2. Stated figures give the stored values ---------------------------------------------------------

def test_stated_figure_is_in_its_quote_and_gives_the_value(seed):
    problems = []
    for ind, r in readings(seed):
        stated, quote, value = str(r.get("stated") or ""), str(r.get("quote") or ""), r.get("value")
        label = f"{ind['id']} {r.get('period_start')}..{r.get('period_end')} {stated!r}"
        if not stated:
            problems.append(f"{label}: no stated figure")
            continue
        if is_derived(r):
            for n in NUMBER.findall(normalise(stated)):
                if n not in NUMBER.findall(normalise(quote)):
                    problems.append(f"{label}: derived from {n}, which is not in the quote")
            if not close(evaluate_derived(stated), value):
                problems.append(f"{label}: derives to {evaluate_derived(stated)}, stored {value}")
            continue
        if locate_figure(quote, stated) is None:
            problems.append(f"{label}: stated figure not in the quote")
        try:
            parsed = parse_stated(stated)
        except ValueError as e:
            problems.append(f"{label}: {e}")
            continue
        if not close(parsed, value):
            problems.append(f"{label}: stated gives {parsed}, stored {value}")
    assert not problems, "\n".join(problems)


def expected_qualifier(quote: str, stated: str) -> str:
    q = normalise(quote)
    m = locate_figure(quote, stated)
    assert m is not None, f"stated figure {stated!r} is not in its quote"
    before, after, figure = q[: m.start()], q[m.end():], normalise(stated)
    if figure.endswith("强"):  # "百强": on a top-N list, i.e. rank N or better
        return "at_most"
    if "余" in figure or "多" in figure:
        return "more_than"
    if before.endswith("约"):
        return "approx"
    if after.startswith("以上") or before.endswith("突破"):
        return "at_least"
    if after.startswith("以下") or before.endswith("不到"):
        return "at_most"
    return "exact"


def test_qualifier_matches_the_wording(seed):
    wrong = []
    for ind, r in readings(seed):
        if is_derived(r):
            assert r.get("qualifier", "exact") == "exact"
            continue
        want = expected_qualifier(r["quote"], r["stated"])
        if r.get("qualifier", "exact") != want:
            wrong.append(f"{ind['id']} {r['stated']!r}: {r.get('qualifier')} but the wording says {want}")
    assert not wrong, "\n".join(wrong)


def test_magnitude_of_stated_matches_display_unit(seed):
    for ind, r in readings(seed):
        if is_derived(r):
            continue
        m = re.match(r"\d+(?:\.\d+)?[余多]?([万亿千])", normalise(r["stated"]))
        if m:
            assert ind.get("display_unit", ind["unit"]).startswith(m.group(1)), (
                f"{ind['id']}: stated {r['stated']!r} but display_unit {ind.get('display_unit')!r}"
            )


def test_parser_itself():
    assert parse_stated("1245.19万人次") == pytest.approx(12451900)
    assert parse_stated("2.3 万架") == pytest.approx(23000)
    assert parse_stated("6400余万元") == pytest.approx(64000000)
    assert parse_stated("13万余条") == pytest.approx(130000)
    assert parse_stated("3.8 个百分点") == pytest.approx(3.8)
    assert parse_stated("百强") == 100
    assert evaluate_derived("91.7% − 3.8个百分点") == pytest.approx(87.9)
    assert not close(parse_stated("118.53亿元"), 1185300000)


# 3. The key numbers ---------------------------------------------------------------------------

def test_tourism_key_numbers(seed):
    r = reading(seed, "tourist-visits", "2025-01-01", "2025-05-31")
    assert r["value"] == 12451900 and indicator(seed, "tourist-visits")["unit"] == "人次"
    r = reading(seed, "tourist-spending", "2025-01-01", "2025-05-31")
    assert r["value"] == 11853000000 and indicator(seed, "tourist-spending")["unit"] == "元"
    assert reading(seed, "tourist-visits-yoy", "2025-01-01", "2025-05-31")["value"] == pytest.approx(21.37)
    assert reading(seed, "tourist-spending-yoy", "2025-01-01", "2025-05-31")["value"] == pytest.approx(20.12)


def test_compute_key_numbers(seed):
    r = reading(seed, "compute-racks", "2025-06-30", "2025-06-30")
    assert r["value"] == 23000 and r["qualifier"] == "exact"
    t = target(seed, "compute-racks-50k")
    assert (t["kind"], t["comparator"], t["value"]) == ("reach", ">=", 50000)
    assert t["baseline"]["value"] == 23000 and as_date(t["baseline"]["date"]) == dt.date(2025, 6, 30)
    assert as_date(t["deadline"]["earliest"]) == dt.date(2028, 6, 30)
    assert as_date(t["deadline"]["latest"]) == dt.date(2030, 6, 30)
    assert t.get("method", "cagr") == "cagr"

    r = reading(seed, "compute-capacity", "2025-06-30", "2025-06-30")
    assert r["value"] == 10000 and r["qualifier"] == "at_least"
    assert indicator(seed, "compute-capacity")["unit"] == "PFlops"
    t = target(seed, "compute-capacity-100k")
    assert (t["kind"], t["comparator"], t["value"]) == ("reach", ">=", 100000)
    assert t["baseline"]["value"] == 10000
    assert as_date(t["deadline"]["earliest"]) == dt.date(2028, 6, 30)
    assert as_date(t["deadline"]["latest"]) == dt.date(2030, 6, 30)


def test_air_quality_key_numbers(seed):
    assert reading(seed, "good-air-days-ratio", "2024-01-01", "2024-12-31")["value"] == pytest.approx(93.1)
    assert reading(seed, "good-air-days-ratio", "2025-01-01", "2025-06-30")["value"] == pytest.approx(91.7)
    derived = [
        r for r in indicator(seed, "good-air-days-ratio")["readings"]
        if is_derived(r) and as_date(r["period_start"]) == dt.date(2024, 1, 1)
        and as_date(r["period_end"]) == dt.date(2024, 6, 30)
    ]
    assert len(derived) == 1 and derived[0]["value"] == pytest.approx(87.9)
    yoy = reading(seed, "good-air-days-ratio-yoy", "2025-01-01", "2025-06-30")
    assert yoy["value"] == pytest.approx(3.8) and indicator(seed, "good-air-days-ratio-yoy")["unit"] == "百分点"
    t = target(seed, "good-air-days-ratio-93")
    assert (t["kind"], t["comparator"], t["value"], t["period"]) == ("threshold", ">=", 93, "yearly")
    assert "deadline" not in t
    assert t["baseline"]["value"] == pytest.approx(93.1)
    assert normalise(t["quote"]) == "空气质量优良率保持在93%以上"


@pytest.mark.parametrize(
    "target_id, value",
    [
        ("green-power-share-80", 80),
        ("digital-talent-trained-500", 500),
        ("trade-share-of-province-75", 75),
        ("complaint-response-rate-96", 96),
        ("complaint-resolution-rate-96", 96),
        ("complaint-satisfaction-rate-96", 96),
    ],
)
def test_threshold_targets(seed, target_id, value):
    t = target(seed, target_id)
    assert (t["kind"], t["comparator"], t["value"]) == ("threshold", ">=", value)
    assert "deadline" not in t


def test_talent_target_is_yearly_flow(seed):
    ind = indicator(seed, "digital-talent-trained")
    assert (ind["measure"], ind["frequency"]) == ("flow", "yearly")
    assert target(seed, "digital-talent-trained-500")["period"] == "yearly"


def test_current_levels_behind_thresholds(seed):
    r = reading(seed, "green-power-share", "2025-06-30", "2025-06-30")
    assert (r["value"], r["qualifier"]) == (80, "at_least")
    assert reading(seed, "trade-share-of-province", "2024-01-01", "2024-12-31")["qualifier"] == "at_least"
    for ident in ("complaint-response-rate", "complaint-resolution-rate", "complaint-satisfaction-rate"):
        r = reading(seed, ident, "2023-10-01", "2025-07-11")
        assert (r["value"], r["qualifier"]) == (96, "at_least")
    r = reading(seed, "citizen-requests-received", "2023-10-01", "2025-07-11")
    assert r["value"] == 360000
    assert as_date(indicator(seed, "citizen-requests-received")["cumulative_since"]) == dt.date(2023, 10, 1)


def test_forest_cover(seed):
    (r,) = indicator(seed, "forest-cover")["readings"]
    assert r["value"] == pytest.approx(37.8)


# 4. Structure -----------------------------------------------------------------------------------

def test_header(seed):
    assert seed["format"] == "indicator-monitor/catalog v1"
    assert as_date(seed["source"]["date"]) == BRIEFING_DATE


def test_ids_are_unique_slugs(seed):
    ids = [i["id"] for i in seed["indicators"]]
    assert len(ids) == len(set(ids)), "duplicate indicator ids"
    tids = [t.get("id") or f"{i['id']}-{k + 1}" for i in seed["indicators"] for k, t in enumerate(i.get("targets") or [])]
    assert len(tids) == len(set(tids)), "duplicate target ids"
    for ident in ids + tids:
        assert SLUG.match(ident), ident


def test_indicator_fields(seed):
    for ind in seed["indicators"]:
        where = ind["id"]
        for key in ("name_zh", "name_en", "unit"):
            assert str(ind.get(key) or "").strip(), f"{where}: {key} missing"
        assert ind["domain"] in DOMAINS, where
        assert ind["measure"] in MEASURES, where
        assert ind.get("direction", "increase") in DIRECTIONS, where
        assert ind.get("frequency", "yearly") in FREQUENCIES, where
        lo, hi = ind["bounds"]
        assert lo is None or hi is None or lo <= hi, where
        unit, display = ind["unit"], ind.get("display_unit", ind["unit"])
        assert display in {unit} | {m + unit for m in ("万", "亿", "千", "百万")}, f"{where}: display_unit {display}"
        if ind["unit"] == "%" and ind["measure"] != "yoy_change":
            assert (lo, hi) == (0, 100), f"{where}: a percentage lies in [0, 100]"
        if ind["measure"] == "yoy_change":
            assert lo == -100, f"{where}: a year-on-year change cannot fall below -100"
        if ind["measure"] == "cumulative":
            assert ind.get("cumulative_since"), f"{where}: cumulative needs cumulative_since"
        else:
            assert "cumulative_since" not in ind, f"{where}: cumulative_since on a non-cumulative indicator"
        assert ind.get("readings") or ind.get("targets"), f"{where}: neither readings nor targets"


def test_readings_are_sound(seed):
    for ind, r in readings(seed):
        where = f"{ind['id']} {r.get('stated')}"
        start, end = as_date(r.get("period_start", r["period_end"])), as_date(r["period_end"])
        assert end >= start, where
        assert end <= BRIEFING_DATE, f"{where}: a reading cannot postdate the briefing (plans go to excluded)"
        assert r.get("qualifier", "exact") in QUALIFIERS, where
        lo, hi = ind["bounds"]
        assert lo is None or r["value"] >= lo, f"{where}: below bounds"
        assert hi is None or r["value"] <= hi, f"{where}: above bounds"
        if ind["measure"] == "stock":
            assert start == end, f"{where}: a stock is a point in time"
        if ind["measure"] == "cumulative":
            assert start == as_date(ind["cumulative_since"]), f"{where}: cumulative starts at cumulative_since"
        if end == BRIEFING_DATE:
            assert "2025-07-11" in str(r.get("note") or ""), f"{where}: briefing date used without a note"


def test_targets_are_sound(seed):
    for ind, t in targets(seed):
        where = f"{ind['id']} {t.get('id')}"
        assert t["kind"] in KINDS and t["comparator"] in COMPARATORS, where
        assert t.get("method", "cagr") in METHODS, where
        lo, hi = ind["bounds"]
        assert (lo is None or t["value"] >= lo) and (hi is None or t["value"] <= hi), where
        if t["kind"] == "threshold":
            assert "deadline" not in t, f"{where}: a threshold has no deadline"
            # No period: the threshold is judged on each reading's own period (a standing "均在96%以上").
            assert t.get("period") in FREQUENCIES | {None}, f"{where}: unknown threshold period"
        else:
            deadline = t["deadline"]
            earliest = as_date(deadline["earliest"]) if isinstance(deadline, dict) else as_date(deadline)
            latest = as_date(deadline["latest"]) if isinstance(deadline, dict) else as_date(deadline)
            assert earliest <= latest, where
            assert as_date(t["baseline"]["date"]) < earliest, where
        if "baseline" in t:
            assert as_date(t["baseline"]["date"]) <= BRIEFING_DATE, where


# 5. Coverage: every figure in the briefing is accounted for ------------------------------------

def test_every_figure_in_the_briefing_is_accounted_for(seed, text):
    allowed: list[tuple[int, int]] = []
    for snippet, _why in ALLOWED_NON_FIGURES:
        spans = find_all(text, snippet)
        assert spans, f"allow-list snippet {snippet!r} no longer occurs in the briefing"
        allowed += spans

    # A figure inside a reading's quote counts only if that reading's stated figure is this number;
    # figures in target quotes and in excluded quotes are covered by the quote as a whole.
    by_reading: list[tuple[int, int, set[str]]] = []
    for _, r in readings(seed):
        numbers = set(NUMBER.findall(normalise(str(r.get("stated") or ""))))
        by_reading += [(s, e, numbers) for s, e in find_all(text, normalise(str(r.get("quote") or "")))]
    whole: list[tuple[int, int]] = []
    for _, t in targets(seed):
        whole += find_all(text, normalise(str(t.get("quote") or "")))
    for e in seed.get("excluded") or []:
        whole += find_all(text, normalise(str(e.get("quote") or "")))

    uncovered = []
    for m in NUMBER.finditer(text):
        a, b, token = m.start(), m.end(), m.group()
        if any(s <= a and b <= e for s, e in allowed + whole):
            continue
        if any(s <= a and b <= e and token in numbers for s, e, numbers in by_reading):
            continue
        uncovered.append(f"{token!r} in …{text[max(0, a - 15):b + 10]}…")
    assert not uncovered, "figures in the briefing missing from the seed:\n" + "\n".join(uncovered)


def test_coverage_check_would_catch_a_deletion(seed, text):
    # Remove the tourist-spending indicator and the coverage test must complain about 118.53.
    pruned = dict(seed)
    pruned["indicators"] = [i for i in seed["indicators"] if i["id"] != "tourist-spending"]
    with pytest.raises(AssertionError, match="118.53"):
        test_every_figure_in_the_briefing_is_accounted_for(pruned, text)
