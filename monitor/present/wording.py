"""Goal statuses in words and figures for people: shared by the CLI table and the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from monitor.model import Profile
from monitor.model.periods import Period, label
from monitor.model.validate import escape_controls
from monitor.present.i18n import format_number, format_quantity, freshness, qualified, status_text, t
from monitor.status.record import StatusRecord

# How often a threshold is judged, for the target column ("≥ 93%（每年）").
_EVERY = {
    "": {"zh": "每期", "en": "every period"},
    "monthly": {"zh": "每月", "en": "every month"},
    "quarterly": {"zh": "每季度", "en": "every quarter"},
    "half_yearly": {"zh": "每半年", "en": "every half-year"},
    "yearly": {"zh": "每年", "en": "every year"},
    "irregular": {"zh": "每期", "en": "every period"},
}


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def value_text(
    value: float | None, unit: str, lang: str, qualifier: str | None = None, name_en: str | None = None
) -> str:
    if value is None:
        return "—"
    if unit == "名" and qualifier == "at_most" and name_en and "rank" in name_en.lower():
        # A place in a ranking "at most 100" is what the briefing calls 百强: in the top 100.
        return f"前{value:g}名" if lang == "zh" else f"top {value:g}"
    if lang == "zh":
        number = format_number(value, lang)
        if abs(value) < 10_000:
            number = number.replace(",", "")  # Chinese writes 4500, not 4,500
        shown = "个百分点" if unit == "百分点" else unit
        if qualifier == "more_than" and unit != "%":
            # Chinese puts 余 between the number and the unit: "13万余条", "4500余人次", "6400万余元".
            return f"{number}余{shown}"
        return qualified(f"{number}{shown}", qualifier, lang)
    # In English the Chinese measure word becomes a noun ("23,000 racks"): see i18n.unit_label.
    return qualified(format_quantity(value, unit, lang, name_en), qualifier, lang)


def latest_parts(record: dict[str, Any], lang: str) -> tuple[str, str]:
    """The newest reading as (figure, period): ("2.3万架", "2025年6月30日")."""
    if record["latest_value"] is None:
        return "—", ""
    period = Period(date.fromisoformat(record["latest_period_start"]), date.fromisoformat(record["latest_period_end"]))
    figure = value_text(record["latest_value"], record["unit"], lang, record["latest_qualifier"], record["name_en"])
    return figure, label(period, lang)


def latest_text(record: dict[str, Any], lang: str) -> str:
    figure, period = latest_parts(record, lang)
    if not period:
        return figure
    return f"{figure}（{period}）" if lang == "zh" else f"{figure} ({period})"


_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_GOAL = {">=": "form.goal_ge", ">": "form.goal_gt", "<=": "form.goal_le", "<": "form.goal_lt"}
# The kinds of monitor.status.forms, which say their figure in their own words.
FORM_KINDS = ("range", "about", "change", "average_growth", "path")


def nature_text(record: dict[str, Any], lang: str) -> str:
    """"约束性" / "Binding", "预期性" / "Expected"; "" without a target."""
    nature = record.get("target_nature")
    return t(f"nature.{nature}", lang) if nature else ""


def nature_rank(record: dict[str, Any]) -> int:
    """0 for a binding goal, 1 otherwise: binding goals come first in every list."""
    return 0 if record.get("target_nature") == "binding" else 1


def _quantity(value: float, record: dict[str, Any], lang: str) -> str:
    return format_quantity(value, record["unit"], lang, record["name_en"])


def _number(value: float) -> str:
    return f"{value:g}"


def form_figure(record: dict[str, Any], lang: str) -> str | None:
    """The stated form of a range, about, change, average growth or path target as a person reads it
    ("区间 4.5%–5%", "2%左右（±0.5）", "较基期降低13.5%", "年均增长7%以上"); None for the other kinds."""
    kind = record.get("target_kind")
    if kind not in FORM_KINDS:
        return None
    stated = record["evidence"].get("target") or {}
    form = record["evidence"].get("form") or {}
    if kind == "range":
        return t("form.range", lang, low=_quantity(stated["low"], record, lang), high=_quantity(stated["high"], record, lang))
    if kind == "about":
        value = float(stated["value"])
        tolerance = form.get("tolerance", stated.get("tolerance"))
        if tolerance is None:
            return t("target_kind.about", lang) + " " + _quantity(value, record, lang)
        # "2%左右（±0.5）": a tolerance in percent is in points; others carry their unit ("±60万人").
        shown = _number(tolerance) if record["unit"] == "%" else _quantity(tolerance, record, lang)
        return t("form.about", lang, value=_quantity(value, record, lang), tolerance=shown)
    if kind == "change":
        change = stated["change"]
        amount = change["amount"]
        if change["kind"] == "relative":
            key = "form.change_relative_down" if amount < 0 else "form.change_relative_up"
            return t(key, lang, amount=_number(abs(amount)))
        if change["kind"] == "factor":
            if amount == 2:
                return t("form.change_double", lang)
            if amount == 4:
                return t("form.change_quadruple", lang)
            return t("form.change_factor", lang, factor=_number(amount))
        key = "form.change_absolute_down" if amount < 0 else "form.change_absolute_up"
        # An absolute change of a percentage is in points: "提高1个百分点", never "提高1%" (a relative change).
        if record["unit"] == "%":
            shown = f"{_number(abs(amount))}个百分点" if lang == "zh" else f"{_number(abs(amount))} percentage points"
        else:
            shown = _quantity(abs(amount), record, lang)
        return t(key, lang, amount=shown)
    if kind == "average_growth":
        return t("form.growth", lang, goal=growth_goal(record, lang))
    path = stated.get("path") or []
    point = form.get("point")
    if isinstance(point, dict):
        year = date.fromisoformat(point["date"]).year
        comparator = _SYMBOL.get(record["target_comparator"] or "", "")
        return f"{comparator} {_quantity(point['value'], record, lang)}（{t('form.path_point', lang, year=year)}）" if lang == "zh" \
            else f"{comparator} {_quantity(point['value'], record, lang)} ({t('form.path_point', lang, year=year)})"
    if path:
        return t("form.path", lang, first=_quantity(path[0]["value"], record, lang),
                 last=_quantity(path[-1]["value"], record, lang))
    return None


def growth_goal(record: dict[str, Any], lang: str) -> str:
    """An average growth target's rate with its comparator: "7%以上" / "at least 7%"."""
    stated = record["evidence"].get("target") or {}
    return t(_GOAL.get(record["target_comparator"] or ">=", "form.goal_ge"), lang, rate=f"{stated.get('rate', 0):g}%")


def target_parts(record: dict[str, Any], lang: str) -> tuple[str, str]:
    """The target as (figure, when): ("≥ 5万架", "2028–2030年") / ("≥ 50,000 racks", "by 2028–2030")."""
    shown = form_figure(record, lang)
    if shown is None and record["target_value"] is None:
        return "—", ""
    when = ""
    if record["target_deadline"]:
        deadline = date.fromisoformat(record["target_deadline"]).year
        years = str(deadline)
        if record["target_stretch_date"]:
            years = f"{date.fromisoformat(record['target_stretch_date']).year}–{deadline}"
        when = f"{years}年" if lang == "zh" else f"by {years}"
    elif record["target_kind"] in ("threshold", "range", "about"):
        when = _EVERY.get(record.get("target_period") or "", _EVERY[""])["zh" if lang == "zh" else "en"]
    if shown is not None:
        return shown, "" if record["target_kind"] == "path" else when
    figure = format_quantity(record["target_value"], record["unit"], lang, record["name_en"])
    return f"{_SYMBOL[record['target_comparator']]} {figure}", when


def target_text(record: dict[str, Any], lang: str) -> str:
    """"≥ 5万架（2028–2030年）" / "≥ 50,000 racks by 2028–2030" / "≥ 93%（每期）"."""
    figure, when = target_parts(record, lang)
    if not when:
        return figure
    return f"{figure}（{when}）" if lang == "zh" else f"{figure} {when}"


def explanation(record: dict[str, Any], lang: str) -> str:
    """The evidence in one sentence: "需要年均增长 16.8%，实际 30.4%，比值 1.81 → 按期推进"."""
    ev = record["evidence"]
    verdict = t(f"status.{record['status']}", lang)
    zh = lang == "zh"
    if record.get("target_kind") in FORM_KINDS:
        said = _form_explanation(record, lang, verdict)
        if said is not None:
            return said
    if record["status"] == "achieved":
        return f"最新值已达到目标 → {verdict}" if zh else f"the latest reading meets the target → {verdict}"
    if "cagr_required" in ev and record["ratio"] is not None:
        req, obs = ev["cagr_required"], ev["cagr_observed"]
        if zh:
            return f"需要年均增长 {_pct(req)}，实际 {_pct(obs)}，比值 {record['ratio']:.2f} → {verdict}"
        return f"needs {_pct(req)} a year, achieved {_pct(obs)}, ratio {record['ratio']:.2f} → {verdict}"
    if "change_per_year_required" in ev and record["ratio"] is not None:
        unit = record["unit"]
        req = format_quantity(ev["change_per_year_required"], unit, lang)
        obs = format_quantity(ev["change_per_year_observed"], unit, lang)
        if zh:
            return f"需要每年变化 {req}，实际 {obs}，比值 {record['ratio']:.2f} → {verdict}"
        return f"needs {req} a year, achieved {obs}, ratio {record['ratio']:.2f} → {verdict}"
    if record["margin"] is not None:
        margin = record["margin"]
        unit = "个百分点" if zh and record["unit"] == "%" else (" pp" if record["unit"] == "%" else "")
        sign = "+" if margin >= 0 else "−"
        figure = f"{sign}{abs(margin):.1f}{unit}" if record["unit"] == "%" else sign + format_quantity(abs(margin), record["unit"], lang)
        provisional = ("（非全年数据，暂定）" if zh else " (part-period figure, provisional)") if record["provisional"] else ""
        share = ""
        if record["share_met"] is not None:
            share = f"，完整周期达标率 {_pct(record['share_met'])}" if zh else f", met in {_pct(record['share_met'])} of full periods"
            if provisional:
                # The verdict rests on the part-period figure: say so next to it, and that the full periods
                # are the earlier ones (else "100% of full periods met → not met" reads as a contradiction).
                share = (f"；此前完整周期达标率 {_pct(record['share_met'])}" if zh
                         else f"; earlier full periods met: {_pct(record['share_met'])}")
                return (f"与目标相差 {figure}{provisional}{share} → {verdict}" if zh
                        else f"margin {figure}{provisional}{share} → {verdict}")
        return (f"与目标相差 {figure}{share}{provisional} → {verdict}" if zh
                else f"margin {figure}{share}{provisional} → {verdict}")
    if record["status"] == "no_target":
        if record["trend_cagr"] is not None:
            trend = _pct(record["trend_cagr"])
            return f"无目标；近期年均增长 {trend}" if zh else f"no target; recent trend {trend} a year"
        return "无目标；可比数据不足两期，暂无趋势" if zh else "no target; fewer than two comparable readings, no trend yet"
    if record["status"] == "insufficient_data":
        since = record["baseline_date"]
        if since:
            return (f"基期（{since}）之后尚无可比数据" if zh
                    else f"no comparable reading after the baseline ({since}) yet")
        return "尚无可比数据" if zh else "no comparable reading yet"
    if record["status"] == "not_met" and record["target_kind"] == "reach":
        return "截止日期已过，最新值未达到目标" if zh else "the deadline has passed and the latest reading falls short"
    return verdict


def _form_explanation(record: dict[str, Any], lang: str, verdict: str) -> str | None:
    """The evidence sentence of a target of the forms (range, about, path; change; average growth), or
    None to fall back on the reach wording (a change resolves to a reach target)."""
    ev, kind = record["evidence"], record["target_kind"]
    provisional = t("evidence.provisional", lang) if record["provisional"] else ""
    if kind in ("range", "about", "path") and record["latest_used"]:
        latest = value_text(record["latest_value"], record["unit"], lang, record["latest_qualifier"], record["name_en"])
        form = form_figure(record, lang) or ""
        if kind == "path":
            return t("evidence.path", lang, latest=latest, point=form, provisional=provisional, verdict=verdict)
        return t("evidence.band", lang, latest=latest, form=form, provisional=provisional, verdict=verdict)
    if kind == "average_growth":
        growth = ev.get("average_growth") or {}
        if growth.get("observed") is None:
            return _no_baseline(record, lang)
        observed, goal = f"{growth['observed']:.1f}%", growth_goal(record, lang)
        if record["ratio"] is not None and record["status"] not in ("achieved", "not_met"):
            return t("evidence.growth_ratio", lang, observed=observed, goal=goal, ratio=f"{record['ratio']:.2f}",
                     verdict=verdict)
        return t("evidence.growth", lang, observed=observed, goal=goal, verdict=verdict)
    if kind == "change":
        change = ev.get("change") or {}
        if change.get("resolved_value") is None:
            return _no_baseline(record, lang)
        rest = explanation({**record, "target_kind": "reach"}, lang)
        resolved = f"{_SYMBOL.get(record['target_comparator'] or '', '')} {_quantity(change['resolved_value'], record, lang)}"
        return t("evidence.change", lang, change=form_figure(record, lang), resolved=resolved,
                 baseline=_quantity(change["baseline_value"], record, lang), rest=rest)
    return None


def _no_baseline(record: dict[str, Any], lang: str) -> str | None:
    stated = record["evidence"].get("target") or {}
    if stated.get("baseline_value") is None and stated.get("baseline_date") and record["baseline_value"] is None:
        return t("evidence.no_baseline", lang, date=stated["baseline_date"])
    return None


def json_record(record: StatusRecord) -> dict[str, Any]:
    """The record as `monitor status --json` prints it: its fields, and the status in both languages
    (``status_zh``, ``status_en``) after its code."""
    out: dict[str, Any] = {}
    for key, value in record.as_dict().items():
        out[key] = value
        if key == "status":
            out["status_zh"], out["status_en"] = t(f"status.{value}", "zh"), t(f"status.{value}", "en")
    return out


def freshness_text(record: dict[str, Any], as_of: date, lang: str, days: bool = True) -> str:
    """"最近更新 17 个月前 · 逾期 302 天" ("· 逾期" alone with ``days=False``, for narrow tables)."""
    last = record["last_period_end"]
    text = freshness(date.fromisoformat(last) if last else None, as_of, lang)
    if record["stale"]:
        overdue = t("freshness.overdue", lang)
        if not days:
            return f"{text} · {overdue}"
        n = record["days_overdue"]
        return f"{text} · {overdue} {n} 天" if lang == "zh" else f"{text} · {overdue} {n} days"
    return text


def name(record: dict[str, Any], lang: str) -> str:
    return record["name_zh"] if lang == "zh" else record["name_en"]


def by_nature(records: list[dict[str, Any]], nature: str | None = None) -> list[dict[str, Any]]:
    """The records of ``nature`` ("binding" | "expected"; None: all), binding goals first (stable otherwise)."""
    kept = [r for r in records if nature is None or (r.get("target_nature") or "") == nature]
    return sorted(kept, key=nature_rank)


def status_table(records: list[dict[str, Any]], as_of: date, lang: str, profile: Profile | None = None) -> Any:
    """A rich Table of every goal, grouped by domain (in the catalogue's order), titled with the workspace;
    binding goals first, under a heading of their own when there are any."""
    from rich.table import Table
    from rich.text import Text

    zh = lang == "zh"
    counts: dict[str, int] = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = "  ".join(f"{status_text(s, lang)} {n}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    profile = profile if profile is not None else Profile()
    title = (f"目标进展（截至 {as_of.isoformat()}）" if zh else f"Progress toward goals (as of {as_of.isoformat()})")
    if profile.workspace is not None:
        title = f"{profile.workspace.title(lang)} · {title}"
    order = {d.id: n for n, d in enumerate(profile.domains)}
    table = Table(title=title, caption=summary, show_lines=False)
    headers = (
        ("指标", "最新值（期间）", "目标", "状态", "依据", "更新") if zh
        else ("Goal", "Latest (period)", "Target", "Status", "Why", "Freshness")
    )
    for h in headers:
        table.add_column(h, overflow="fold")
    domain = None
    # Binding goals first; a store with none (the seed) shows no nature headings.
    sections = any(nature_rank(r) == 0 for r in records)
    nature: int | None = None
    for r in sorted(records, key=lambda r: (nature_rank(r), order.get(r["domain"], len(order)), r["domain"],
                                            r["target_id"] is None, r["indicator_id"])):
        if sections and nature_rank(r) != nature:
            nature, domain = nature_rank(r), None
            heading = t("nature.heading_binding" if nature == 0 else "nature.heading_expected", lang)
            table.add_row(Text(heading, style="bold underline"), "", "", "", "", "")
        if r["domain"] != domain:
            domain = r["domain"]
            # A domain the catalogue does not declare (written into the store around it) is shown as stored.
            heading = profile.domain_name(str(domain), lang)
            table.add_row(Text(escape_controls(heading), style="bold"), "", "", "", "", "")
        # Text objects: stored names and figures are shown as written, never read as rich markup, and
        # control characters in them are escaped (they would act on the terminal).
        table.add_row(*(Text(escape_controls(cell)) for cell in (
            name(r, lang), latest_text(r, lang), target_text(r, lang), status_text(r["status"], lang),
            explanation(r, lang), freshness_text(r, as_of, lang),
        )))
    return table
