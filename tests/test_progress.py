"""Tests of the progress engine. Expected numbers are worked out by hand in the comments
(years = days / 365.25) so that a change to the method shows up as a failing number."""

from __future__ import annotations

import ast
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import (
    Direction,
    Frequency,
    Indicator,
    MeasureKind,
    Method,
    Qualifier,
    Reading,
    Target,
    TargetKind,
    periods,
)
from monitor.status.progress import (
    REACH_STATUS_ORDER,
    STATUSES,
    Assessment,
    assess,
    assess_reach,
    assess_threshold,
    cagr,
    project,
    reading_meets,
    staleness,
    status_for_ratio,
    targets_in_force,
)

# --------------------------------------------------------------------------------------------
# Builders


def indicator(
    id: str = "compute-racks",
    measure: MeasureKind = MeasureKind.STOCK,
    direction: Direction = Direction.INCREASE,
    frequency: Frequency = Frequency.HALF_YEARLY,
    lag: int = 30,
    cumulative_since: date | None = None,
) -> Indicator:
    return Indicator(
        id=id,
        name_zh=id,
        name_en=id,
        domain="digital",
        unit="x",
        display_unit="x",
        measure=measure,
        direction=direction,
        frequency=frequency,
        publication_lag_days=lag,
        cumulative_since=cumulative_since,
    )


def point(ind: str, day: date, value: float, q: Qualifier = Qualifier.EXACT, revision: int = 1) -> Reading:
    return Reading(ind, day, day, value, qualifier=q, revision=revision)


def span(ind: str, start: date, end: date, value: float, q: Qualifier = Qualifier.EXACT) -> Reading:
    return Reading(ind, start, end, value, qualifier=q)


def year(ind: str, y: int, value: float) -> Reading:
    return span(ind, date(y, 1, 1), date(y, 12, 31), value)


RACKS = indicator()
RACKS_TARGET = Target(
    id="compute-racks-50k",
    indicator_id="compute-racks",
    kind=TargetKind.REACH,
    comparator=">=",
    value=50000,
    baseline_value=23000,
    baseline_date=date(2025, 6, 30),
    deadline=date(2030, 6, 30),
    deadline_earliest=date(2028, 6, 30),
)
RACKS_BASE = point("compute-racks", date(2025, 6, 30), 23000)


def racks(*extra: Reading, as_of: date = date(2027, 8, 1), target: Target = RACKS_TARGET) -> Assessment:
    (a,) = assess(RACKS, [target], [RACKS_BASE, *extra], as_of)
    return a


def json_ok(a: Assessment) -> None:
    json.dumps(a.evidence, allow_nan=False)


# --------------------------------------------------------------------------------------------
# Reach targets: the racks goal in each band
#
# t0 = 2025-06-30, T = 2030-06-30: 1826 days = 4.99932 years
# CAGR_req = (50000/23000)^(1/4.99932) - 1 = 2.173913^0.200027 - 1 = 0.16804
# Readings at 2027-06-30: 730 days = 1.99863 years.
# The ratios below are stated to 7 decimals (abs 1e-7): a year of 365 days instead of 365.25 moves
# them by 6e-6 to 1e-5, which a tolerance of 1e-4 let pass.


def test_racks_on_track() -> None:
    # CAGR_obs = (32000/23000)^(1/1.99863) - 1 = 1.391304^0.500342 - 1 = 0.17967; R = 0.17967/0.16804 = 1.0692
    a = racks(point("compute-racks", date(2027, 6, 30), 32000))
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(1.0692, abs=1e-4)
    assert a.evidence["cagr_required"] == pytest.approx(0.16804, abs=1e-5)
    assert a.evidence["cagr_observed"] == pytest.approx(0.17967, abs=1e-5)
    assert a.latest is not None and a.latest.value == 32000
    json_ok(a)


def test_racks_needs_acceleration() -> None:
    # CAGR_obs = (29000/23000)^(0.500342) - 1 = 1.260870^0.500342 - 1 = 0.12297; R = 0.12297/0.16804 = 0.7318
    # (to 7 decimals: 0.1229736 / 0.1680399 = 0.7318122; with 365-day years it would be 0.7318225)
    a = racks(point("compute-racks", date(2027, 6, 30), 29000))
    assert a.status == "needs_acceleration"
    assert a.ratio == pytest.approx(0.7318122, abs=1e-7)
    assert a.evidence["cagr_observed"] == pytest.approx(0.1229736, abs=1e-7)


def test_racks_limited_progress() -> None:
    # CAGR_obs = (24000/23000)^(0.500342) - 1 = 0.021523; R = 0.021523/0.16804 = 0.1281
    # (to 7 decimals: 0.0215227 / 0.1680399 = 0.1280811; with 365-day years 0.1280871)
    a = racks(point("compute-racks", date(2027, 6, 30), 24000))
    assert a.status == "limited_progress"
    assert a.ratio == pytest.approx(0.1280811, abs=1e-7)
    assert a.evidence["cagr_observed"] == pytest.approx(0.0215227, abs=1e-7)


def test_racks_deterioration() -> None:
    # CAGR_obs = (22000/23000)^(0.500342) - 1 = -0.021996; R = -0.1309
    # (to 7 decimals: -0.0219956 / 0.1680399 = -0.1308951; with 365-day years -0.1309032)
    a = racks(point("compute-racks", date(2027, 6, 30), 22000))
    assert a.status == "deterioration"
    assert a.ratio == pytest.approx(-0.1308951, abs=1e-7)
    assert a.evidence["cagr_observed"] == pytest.approx(-0.0219956, abs=1e-7)


def test_racks_achieved_with_qualifiers() -> None:
    assert racks(point("compute-racks", date(2027, 6, 30), 50000)).status == "achieved"
    # "突破5万" = at_least 50000 proves >= 50000.
    assert racks(point("compute-racks", date(2027, 6, 30), 50000, Qualifier.AT_LEAST)).status == "achieved"
    # "约5万" counts as its value.
    assert racks(point("compute-racks", date(2027, 6, 30), 50000, Qualifier.APPROX)).status == "achieved"
    # "不到5.1万" (at most 51000) does not prove >= 50000; judged by R instead:
    # (51000/23000)^0.500342 - 1 = 2.217391^0.500342 - 1 = 0.48950, R = 2.9130 -> on_track, not achieved.
    a = racks(point("compute-racks", date(2027, 6, 30), 51000, Qualifier.AT_MOST))
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(2.9130, abs=1e-4)


def test_worked_example_from_methodology() -> None:
    # 30000 at 2026-06-30: 365 days = 0.999316 years.
    # CAGR_obs = 1.304348^(1/0.999316) - 1 = 0.30459; R = 0.30459/0.16804 = 1.8126 -> on_track
    a = racks(point("compute-racks", date(2026, 6, 30), 30000), as_of=date(2026, 8, 1))
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(1.8126, abs=1e-4)
    assert a.evidence["cagr_observed"] == pytest.approx(0.30459, abs=1e-5)
    assert a.evidence["method_used"] == "cagr"


def test_window_deadline_reports_stretch_date_and_judges_latest() -> None:
    a = racks(point("compute-racks", date(2026, 6, 30), 30000), as_of=date(2026, 8, 1))
    assert a.deadline == date(2030, 6, 30)
    assert a.stretch_date == date(2028, 6, 30)
    # Had the stretch date been used, CAGR_req = 2.173913^(1/3.0) - 1 = 0.2955 and R = 1.03; the
    # 1.81 above proves the latest date is the one judged against.
    assert a.evidence["years_baseline_to_deadline"] == pytest.approx(1826 / 365.25)
    assert any("stretch" in str(r) for r in a.evidence["reasons"])  # type: ignore[union-attr]


def test_decrease_goal() -> None:
    # PM2.5 yearly mean 40 in 2024 -> <= 30 by 2027-12-31 (1095 days = 2.99795 years).
    # CAGR_req = (30/40)^(1/2.99795) - 1 = -0.091499
    # 2025 mean 36: CAGR_obs = (36/40)^(1/0.999316) - 1 = -0.100065; R = -1 * -0.100065 / 0.091499 = 1.0936
    ind = indicator("pm25", MeasureKind.RATIO, Direction.DECREASE, Frequency.YEARLY)
    tgt = Target(
        id="pm25-30", indicator_id="pm25", kind=TargetKind.REACH, comparator="<=", value=30,
        baseline_value=40, baseline_date=date(2024, 12, 31), deadline=date(2027, 12, 31),
    )
    (a,) = assess(ind, [tgt], [year("pm25", 2024, 40), year("pm25", 2025, 36)], date(2026, 3, 1))
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(1.0936, abs=1e-4)
    # 39.5: CAGR_obs = (39.5/40)^(1.000685) - 1 = -0.012509; R = 0.1367 -> limited_progress
    (b,) = assess(ind, [tgt], [year("pm25", 2024, 40), year("pm25", 2025, 39.5)], date(2026, 3, 1))
    assert b.status == "limited_progress"
    assert b.ratio == pytest.approx(0.1367, abs=1e-4)
    # Rising PM2.5 is deterioration; 30 (or "at most 29") is achieved.
    (c,) = assess(ind, [tgt], [year("pm25", 2024, 40), year("pm25", 2025, 41)], date(2026, 3, 1))
    assert c.status == "deterioration"
    (d,) = assess(ind, [tgt], [year("pm25", 2024, 40), year("pm25", 2025, 30)], date(2026, 3, 1))
    assert d.status == "achieved"
    e_reading = span("pm25", date(2025, 1, 1), date(2025, 12, 31), 29, Qualifier.AT_MOST)
    (e,) = assess(ind, [tgt], [year("pm25", 2024, 40), e_reading], date(2026, 3, 1))
    assert e.status == "achieved"


def test_linear_method() -> None:
    # 1000 at 2024-12-31 -> 2000 by 2026-12-31 (730 days = 1.998631 years): required 500.342/yr.
    # 1400 at 2025-12-31 (0.999316 years): observed 400.274/yr; R = 0.8000 -> needs_acceleration.
    # (Under CAGR the same data give R = 0.9657 -> on_track, so the method really matters.)
    ind = indicator("stations", frequency=Frequency.YEARLY)
    tgt = Target(
        id="stations-2k", indicator_id="stations", kind=TargetKind.REACH, comparator=">=", value=2000,
        baseline_value=1000, baseline_date=date(2024, 12, 31), deadline=date(2026, 12, 31), method=Method.LINEAR,
    )
    rs = [point("stations", date(2025, 12, 31), 1400)]
    (a,) = assess(ind, [tgt], rs, date(2026, 1, 15))
    assert a.status == "needs_acceleration"
    assert a.ratio == pytest.approx(0.8, abs=1e-9)
    assert a.evidence["method_used"] == "linear"
    assert a.evidence["change_per_year_required"] == pytest.approx(500.342, abs=1e-3)
    assert "fallback_reason" not in a.evidence
    (c,) = assess(ind, [Target(**{**tgt.__dict__, "method": Method.CAGR})], rs, date(2026, 1, 15))
    assert c.status == "on_track"
    assert c.ratio == pytest.approx(0.9657, abs=1e-4)


def test_zero_baseline_falls_back_to_linear_explicitly() -> None:
    # 0 km at 2024-12-31 -> 100 km by 2028-12-31 (1461 days = 4.0 years): required 25/yr.
    # 30 km at 2025-12-31: 30/0.999316 = 30.0205/yr; R = 1.2008 -> on_track.
    ind = indicator("metro-km", frequency=Frequency.YEARLY)
    tgt = Target(
        id="metro-100", indicator_id="metro-km", kind=TargetKind.REACH, comparator=">=", value=100,
        baseline_value=0, baseline_date=date(2024, 12, 31), deadline=date(2028, 12, 31),
    )
    (a,) = assess(ind, [tgt], [point("metro-km", date(2025, 12, 31), 30)], date(2026, 2, 1))
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(1.2008, abs=1e-4)
    assert a.evidence["method"] == "cagr"
    assert a.evidence["method_used"] == "linear"
    assert "zero or negative" in str(a.evidence["fallback_reason"])
    assert "cagr_observed" not in a.evidence
    json_ok(a)


def test_incomparable_flow_readings_are_skipped_with_reason() -> None:
    # Tourist visits: 2024 full year 20M -> 30M for 2027. A Jan-May 2025 total (151 days)
    # must not be compared with a full-year baseline.
    ind = indicator("visits", MeasureKind.FLOW, frequency=Frequency.MONTHLY)
    tgt = Target(
        id="visits-30m", indicator_id="visits", kind=TargetKind.REACH, comparator=">=", value=30e6,
        baseline_value=20e6, baseline_date=date(2024, 12, 31), deadline=date(2027, 12, 31),
    )
    base = year("visits", 2024, 20e6)
    jan_may = span("visits", date(2025, 1, 1), date(2025, 5, 31), 9e6)
    (a,) = assess(ind, [tgt], [base, jan_may], date(2025, 7, 1))
    assert a.status == "insufficient_data"
    assert a.latest is None
    skipped = a.evidence["skipped"]
    assert isinstance(skipped, list)
    (s,) = [s for s in skipped if s["period_end"] == "2025-05-31"]
    assert "151 days" in s["reason"]
    # With the full year 2025 (23M) in: CAGR_req = 1.5^(1/2.99795) - 1 = 0.144820,
    # CAGR_obs = 1.15^(1/0.999316) - 1 = 0.150110, R = 1.0365.
    (b,) = assess(ind, [tgt], [base, jan_may, year("visits", 2025, 23e6)], date(2026, 3, 1))
    assert b.status == "on_track"
    assert b.ratio == pytest.approx(1.0365, abs=1e-4)
    assert b.latest is not None and b.latest.period_start == date(2025, 1, 1)
    assert b.evidence["comparable_period"]["source"] == "span of the baseline reading"  # type: ignore[index]


def test_stock_reading_spanning_a_period_is_skipped() -> None:
    a = racks(span("compute-racks", date(2026, 1, 1), date(2026, 6, 30), 40000), as_of=date(2026, 8, 1))
    assert a.status == "insufficient_data"
    reasons = [s["reason"] for s in a.evidence["skipped"]]  # type: ignore[union-attr]
    assert any("181 days" in r for r in reasons)


def test_no_reading_after_baseline_is_insufficient() -> None:
    a = racks(as_of=date(2025, 12, 1))
    assert a.status == "insufficient_data"
    assert a.ratio is None
    assert a.baseline_value == 23000


def test_missing_baseline_uses_earliest_comparable_reading() -> None:
    tgt = Target(
        id="r", indicator_id="compute-racks", kind=TargetKind.REACH, comparator=">=", value=50000,
        deadline=date(2030, 6, 30),
    )
    (a,) = assess(RACKS, [tgt], [RACKS_BASE, point("compute-racks", date(2026, 6, 30), 30000)], date(2026, 8, 1))
    assert a.baseline_value == 23000 and a.baseline_date == date(2025, 6, 30)
    assert a.evidence["baseline_source"] == "earliest comparable reading"
    assert a.ratio == pytest.approx(1.8126, abs=1e-4)
    (b,) = assess(RACKS, [tgt], [], date(2026, 8, 1))
    assert b.status == "insufficient_data"
    # A single reading is its own baseline: nothing after it.
    (c,) = assess(RACKS, [tgt], [RACKS_BASE], date(2026, 8, 1))
    assert c.status == "insufficient_data"


def test_reading_after_deadline_not_meeting_is_not_met() -> None:
    a = racks(point("compute-racks", date(2030, 6, 30), 49000), as_of=date(2030, 8, 1))
    assert a.status == "not_met"
    assert a.ratio is not None and a.ratio > 0.95  # R alone would have said on_track


def test_direction_mismatch_is_reported() -> None:
    ind = indicator(direction=Direction.DECREASE)
    (a,) = assess(ind, [RACKS_TARGET], [RACKS_BASE, point("compute-racks", date(2026, 6, 30), 30000)], date(2026, 8, 1))
    assert a.status == "on_track"
    assert any("disagrees" in str(r) for r in a.evidence["reasons"])  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# Threshold targets

AIR = indicator("good-air", MeasureKind.RATIO, frequency=Frequency.MONTHLY)
AIR_TARGET = Target(
    id="good-air-93", indicator_id="good-air", kind=TargetKind.THRESHOLD, comparator=">=", value=93,
    period=Frequency.YEARLY,
)


def test_air_half_year_is_provisional_not_met() -> None:
    rs = [year("good-air", 2023, 92.0), year("good-air", 2024, 94.1), span("good-air", date(2025, 1, 1), date(2025, 6, 30), 91.7)]
    (a,) = assess(AIR, [AIR_TARGET], rs, date(2025, 8, 1))
    assert a.status == "not_met"
    assert a.provisional is True
    assert a.margin == -1.3  # 91.7 - 93, exactly as a person would write it
    # Full years: 2023 92.0 (not met), 2024 94.1 (met) -> 1/2.
    assert a.share_met == pytest.approx(0.5)
    assert a.latest is not None and a.latest.period_end == date(2025, 6, 30)
    json_ok(a)
    # Before the half-year ends, 2024 is the latest: met, margin +1.1, not provisional.
    (b,) = assess(AIR, [AIR_TARGET], rs, date(2025, 6, 29))
    assert (b.status, b.provisional) == ("met", False)
    assert b.margin == pytest.approx(1.1, abs=1e-9)


def test_threshold_only_partial_year_has_no_share() -> None:
    (a,) = assess(AIR, [AIR_TARGET], [span("good-air", date(2025, 1, 1), date(2025, 6, 30), 91.7)], date(2025, 8, 1))
    assert (a.status, a.provisional, a.share_met) == ("not_met", True, None)


def test_threshold_longer_period_is_skipped() -> None:
    two_years = span("good-air", date(2023, 1, 1), date(2024, 12, 31), 95)
    (a,) = assess(AIR, [AIR_TARGET], [two_years], date(2025, 3, 1))
    assert a.status == "insufficient_data"
    assert "longer" in a.evidence["skipped"][0]["reason"]  # type: ignore[index]


def test_threshold_at_most_sign_and_qualifier() -> None:
    ind = indicator("unemployment", MeasureKind.RATIO, Direction.DECREASE, Frequency.YEARLY)
    tgt = Target(id="u", indicator_id="unemployment", kind=TargetKind.THRESHOLD, comparator="<=", value=5.5, period=Frequency.YEARLY)
    (a,) = assess(ind, [tgt], [year("unemployment", 2024, 5.8)], date(2025, 3, 1))
    assert a.status == "not_met"
    assert a.margin == pytest.approx(-0.3, abs=1e-9)  # 5.5 - 5.8: negative = bad side
    r = span("unemployment", date(2024, 1, 1), date(2024, 12, 31), 5.0, Qualifier.AT_MOST)
    (b,) = assess(ind, [tgt], [r], date(2025, 3, 1))
    assert b.status == "met"
    assert b.margin == pytest.approx(0.5, abs=1e-9)


def test_threshold_qualifier_at_least_meets() -> None:
    ind = indicator("forest", MeasureKind.STOCK, frequency=Frequency.YEARLY)
    tgt = Target(id="f", indicator_id="forest", kind=TargetKind.THRESHOLD, comparator=">=", value=80)
    (a,) = assess(ind, [tgt], [point("forest", date(2024, 12, 31), 80, Qualifier.AT_LEAST)], date(2025, 3, 1))
    assert a.status == "met" and a.provisional is False and a.share_met == 1.0
    (b,) = assess(ind, [tgt], [point("forest", date(2024, 12, 31), 85, Qualifier.AT_MOST)], date(2025, 3, 1))
    assert b.status == "not_met"


@pytest.mark.parametrize(
    ("value", "qualifier", "comparator", "threshold", "expected"),
    [
        (100000, Qualifier.AT_LEAST, ">=", 100000, True),
        (100000, Qualifier.AT_LEAST, ">", 100000, False),
        (100000, Qualifier.MORE_THAN, ">=", 100000, True),
        (100000, Qualifier.MORE_THAN, ">", 100000, True),
        (100000, Qualifier.EXACT, ">", 100000, False),
        (100000, Qualifier.APPROX, ">=", 100000, True),
        (99999, Qualifier.APPROX, ">=", 100000, False),
        (120000, Qualifier.AT_MOST, ">=", 100000, False),
        (90, Qualifier.AT_MOST, "<=", 100, True),
        (90, Qualifier.AT_LEAST, "<=", 100, False),
        (100, Qualifier.AT_MOST, "<", 100, False),
        (99, Qualifier.EXACT, "<", 100, True),
    ],
)
def test_reading_meets(value: float, qualifier: Qualifier, comparator: str, threshold: float, expected: bool) -> None:
    assert reading_meets(value, qualifier, comparator, threshold) is expected


# --------------------------------------------------------------------------------------------
# No target


def test_no_target_trend() -> None:
    ind = indicator("parks", frequency=Frequency.YEARLY)
    rs = [point("parks", date(2023, 12, 31), 100), point("parks", date(2024, 12, 31), 110), point("parks", date(2025, 12, 31), 121)]
    (a,) = assess(ind, [], rs, date(2026, 3, 1))
    assert a.status == "no_target" and a.target_id is None
    # 121/100 over 731 days (2024 is leap) = 2.001369 years: 1.21^(1/2.001369) - 1 = exp(0.190620 * 0.499658) - 1 = 0.09993
    assert a.trend_cagr == pytest.approx(1.21 ** (365.25 / 731) - 1, abs=1e-12)
    assert a.trend_cagr == pytest.approx(0.09993, abs=1e-5)
    (b,) = assess(ind, [], rs[:1], date(2026, 3, 1))
    assert b.trend_cagr is None and b.status == "no_target"
    (c,) = assess(ind, [], [], date(2026, 3, 1))
    assert c.trend_cagr is None and c.latest is None


def test_no_target_window_and_zero_values() -> None:
    ind = indicator("parks", frequency=Frequency.YEARLY)
    # Seven yearly readings 2017..2023; the window is the last five: 2019 (1000) .. 2023 (2000).
    # 2019-12-31 -> 2023-12-31 = 1461 days = 4.0 years: CAGR = 2^(1/4) - 1 = 0.189207
    rs = [point("parks", date(2017 + i, 12, 31), v) for i, v in enumerate([1, 5, 1000, 1100, 1200, 1500, 2000])]
    (a,) = assess(ind, [], rs, date(2026, 3, 1))
    assert a.evidence["trend_window"][0]["period_end"] == "2019-12-31"  # type: ignore[index]
    assert a.trend_cagr == pytest.approx(0.189207, abs=1e-6)
    zero = [point("parks", date(2024, 12, 31), 0), point("parks", date(2025, 12, 31), 5)]
    (z,) = assess(ind, [], zero, date(2026, 3, 1))
    assert z.trend_cagr is None
    assert z.evidence["trend_linear_per_year"] == pytest.approx(5 / (365 / 365.25))


# --------------------------------------------------------------------------------------------
# Targets in force, as-of filtering


def test_targets_in_force_versions_and_valid_from() -> None:
    v1 = Target(id="t", indicator_id="compute-racks", kind=TargetKind.REACH, comparator=">=", value=40000,
                baseline_value=23000, baseline_date=date(2025, 6, 30), deadline=date(2030, 6, 30), version=1)
    v2 = Target(**{**v1.__dict__, "value": 50000, "version": 2, "valid_from": datetime(2026, 1, 1, 9, 0)})
    other = Target(**{**v1.__dict__, "id": "o", "indicator_id": "elsewhere"})
    assert targets_in_force([v2, v1, other], "compute-racks", date(2025, 12, 31)) == [v1]
    assert targets_in_force([v1, v2, other], "compute-racks", date(2026, 1, 1)) == [v2]
    rs = [RACKS_BASE, point("compute-racks", date(2025, 12, 31), 40000)]
    (a,) = assess(RACKS, [v1, v2], rs, date(2025, 12, 31))
    assert a.status == "achieved" and a.target_value == 40000
    (b,) = assess(RACKS, [v1, v2], rs, date(2026, 2, 1))
    assert b.status == "on_track" and b.target_value == 50000


def test_as_of_ignores_later_readings_entirely() -> None:
    early = [RACKS_BASE, point("compute-racks", date(2026, 6, 30), 30000)]
    later = [*early, point("compute-racks", date(2026, 12, 31), 20000)]
    a = assess(RACKS, [RACKS_TARGET], early, date(2026, 8, 1))
    b = assess(RACKS, [RACKS_TARGET], later, date(2026, 8, 1))
    assert a == b
    (c,) = assess(RACKS, [RACKS_TARGET], later, date(2027, 2, 1))
    assert c.status == "deterioration"


def test_superseded_revision_is_skipped() -> None:
    old = point("compute-racks", date(2026, 6, 30), 10000, revision=1)
    new = point("compute-racks", date(2026, 6, 30), 30000, revision=2)
    a = racks(old, new, as_of=date(2026, 8, 1))
    assert a.latest == new
    assert any("superseded" in s["reason"] for s in a.evidence["skipped"])  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# Staleness


def test_staleness_monthly_lag_30() -> None:
    ind = indicator("m", frequency=Frequency.MONTHLY, lag=30)
    rs = [point("m", date(2025, 5, 31), 1)]
    # Next period ends 2025-06-30; due = 2025-06-30 + 30 days = 2025-07-30.
    s = staleness(ind, rs, date(2025, 7, 30))
    assert s == type(s)(stale=False, last_period_end=date(2025, 5, 31), next_due=date(2025, 7, 30), days_overdue=0)
    s = staleness(ind, rs, date(2025, 8, 1))
    assert (s.stale, s.days_overdue) == (True, 2)  # Aug 1 - Jul 30 = 2 days
    # Recording June ends the staleness.
    assert staleness(ind, [*rs, point("m", date(2025, 6, 30), 1)], date(2025, 8, 1)).stale is False


def test_staleness_other_frequencies() -> None:
    q = indicator("q", frequency=Frequency.QUARTERLY, lag=45)
    # 2025-03-31 + 3 months = 2025-06-30; + 45 days = 2025-08-14; as_of 2025-09-01 -> 18 days over.
    s = staleness(q, [point("q", date(2025, 3, 31), 1)], date(2025, 9, 1))
    assert (s.next_due, s.stale, s.days_overdue) == (date(2025, 8, 14), True, 18)
    y = indicator("y", frequency=Frequency.YEARLY)
    # 2024-12-31 + 12 months = 2025-12-31; + 30 = 2026-01-30.
    assert staleness(y, [point("y", date(2024, 12, 31), 1)], date(2026, 1, 30)).stale is False
    h = indicator("h", frequency=Frequency.HALF_YEARLY)
    assert staleness(h, [point("h", date(2025, 6, 30), 1)], date(2026, 1, 31)).days_overdue == 1  # due 2026-01-30
    irr = indicator("i", frequency=Frequency.IRREGULAR)
    s = staleness(irr, [point("i", date(2020, 1, 1), 1)], date(2026, 1, 1))
    assert (s.stale, s.next_due, s.last_period_end) == (False, None, date(2020, 1, 1))
    s = staleness(y, [], date(2026, 1, 1))
    assert (s.stale, s.last_period_end, s.next_due, s.days_overdue) == (False, None, None, 0)
    # Readings after as_of do not count.
    assert staleness(y, [point("y", date(2026, 12, 31), 1)], date(2026, 1, 1)).last_period_end is None


def test_add_months_keeps_month_ends() -> None:
    # The step the engine's staleness takes (progress.next_period_end): one add_months, in monitor.model.periods.
    def add_months(d: date, n: int) -> date:
        return periods.add_months(d, n, keep_month_end=True)

    assert add_months(date(2025, 5, 31), 1) == date(2025, 6, 30)
    assert add_months(date(2025, 6, 30), 1) == date(2025, 7, 31)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), 1) == date(2025, 2, 15)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


# --------------------------------------------------------------------------------------------
# Projection


def test_projection_two_points() -> None:
    # From 30000 at 2026-06-30 at the observed CAGR: 1461 days to 2030-06-30.
    # value = 30000 * (30000/23000)^(1461/365) = 30000 * 1.304348^4.002740 = 86898.26
    # reaches 50000 after ln(5/3)/ln(30/23) * 365 = 701.73 days -> 702 days -> 2028-06-01
    a = racks(point("compute-racks", date(2026, 6, 30), 30000), as_of=date(2026, 8, 1))
    assert a.evidence["projection_basis"] == "two points"
    assert a.projected_value_at_deadline == pytest.approx(86898.26, abs=0.01)
    assert a.projected_achievement_date == date(2028, 6, 1)
    assert a.projected_low is None and a.projected_high is None


def test_projection_three_exact_points() -> None:
    # 23000, 25300, 27830: +10% per 365 days exactly, so the fit has no residual (SE 0).
    # value at deadline = 27830 * 1.1^(1096/365) = 37051.40; reaches 50000 after
    # ln(50000/27830)/ln(1.1) * 365 = 2243.80 -> 2244 days.
    a = racks(point("compute-racks", date(2026, 6, 30), 25300), point("compute-racks", date(2027, 6, 30), 27830))
    assert a.evidence["projection_basis"] == "weighted log-linear fit"
    assert a.evidence["projection"]["fit_points"] == 3  # type: ignore[index]
    assert a.projected_value_at_deadline == pytest.approx(37051.40, abs=0.01)
    assert a.projected_low == pytest.approx(37051.40, abs=0.01)
    assert a.projected_high == pytest.approx(37051.40, abs=0.01)
    assert a.projected_achievement_date == date(2027, 6, 30) + timedelta(days=2244)


def test_projection_fit_weights_recent_periods() -> None:
    # Growth slows: 23000 -> 26000 -> 27000. Unweighted the log-rate over the two years is
    # ln(27000/23000)/1.998631 = 0.08023/yr; the weighted fit leans on the slower recent year.
    a = racks(point("compute-racks", date(2026, 6, 30), 26000), point("compute-racks", date(2027, 6, 30), 27000))
    p = a.evidence["projection"]
    assert isinstance(p, dict)
    assert p["fit_weights"] == [0.5, pytest.approx(0.707107), 1.0]
    assert p["own_rate_per_year"] == pytest.approx(math.expm1(0.080226), abs=1e-5)
    assert p["fit_rate_per_year"] < p["own_rate_per_year"]
    assert a.projected_low is not None and a.projected_high is not None
    assert a.projected_value_at_deadline is not None
    assert a.projected_low < a.projected_value_at_deadline < a.projected_high


def test_projection_moving_away_never_reaches() -> None:
    a = racks(point("compute-racks", date(2027, 6, 30), 22000))
    assert a.projected_achievement_date is None
    assert a.projected_value_at_deadline is not None and a.projected_value_at_deadline < 22000
    assert "does not move towards" in a.evidence["projection"]["achievement_reason"]  # type: ignore[index]


def test_project_linear_direct() -> None:
    # 0 -> 30 in one year (365 days); +30.0205/yr from 30 at 2025-12-31: 100 reached after
    # 70/30.0205 years = 2.33174 years = 851.67 days -> 852 days.
    p = project([(date(2024, 12, 31), 0.0), (date(2025, 12, 31), 30.0)], 100.0, date(2028, 12, 31), Method.LINEAR)
    assert p.basis == "two points"
    assert p.value_at_deadline == pytest.approx(30 + 30 * 1096 / 365)
    assert p.achievement_date == date(2025, 12, 31) + timedelta(days=852)
    with pytest.raises(ValueError):
        project([(date(2024, 12, 31), 0.0), (date(2025, 12, 31), 30.0)], 100.0, None, Method.CAGR)


# --------------------------------------------------------------------------------------------
# Property-based tests

RANK = {s: i for i, s in enumerate(REACH_STATUS_ORDER)}
T0 = date(2025, 6, 30)


@st.composite
def reach_setup(draw: st.DrawFn, decrease: bool) -> tuple[Indicator, Target, date, float]:
    y0 = draw(st.floats(min_value=1, max_value=1e6))
    factor = draw(st.floats(min_value=1.05, max_value=10))
    horizon = draw(st.integers(min_value=365, max_value=3650))
    method = draw(st.sampled_from([Method.CAGR, Method.LINEAR]))
    at = draw(st.integers(min_value=1, max_value=horizon - 1))
    ind = indicator("p", direction=Direction.DECREASE if decrease else Direction.INCREASE)
    tgt = Target(
        id="p-t", indicator_id="p", kind=TargetKind.REACH, comparator="<=" if decrease else ">=",
        value=y0 / factor if decrease else y0 * factor, baseline_value=y0, baseline_date=T0,
        deadline=T0 + timedelta(days=horizon), method=method,
    )
    return ind, tgt, T0 + timedelta(days=at), y0


def _status(ind: Indicator, tgt: Target, when: date, value: float) -> str:
    (a,) = assess(ind, [tgt], [point("p", when, value)], when)
    json_ok(a)
    return a.status


@settings(max_examples=300, deadline=None)
@given(reach_setup(decrease=False), st.floats(-1, 12), st.floats(-1, 12))
def test_status_monotone_increase(setup: tuple[Indicator, Target, date, float], a: float, b: float) -> None:
    ind, tgt, when, y0 = setup
    lo, hi = sorted((a * y0, b * y0))
    assert RANK[_status(ind, tgt, when, lo)] <= RANK[_status(ind, tgt, when, hi)]


@settings(max_examples=300, deadline=None)
@given(reach_setup(decrease=True), st.floats(-1, 2), st.floats(-1, 2))
def test_status_monotone_decrease(setup: tuple[Indicator, Target, date, float], a: float, b: float) -> None:
    ind, tgt, when, y0 = setup
    lo, hi = sorted((a * y0, b * y0))
    # For a decrease goal a lower value is never worse.
    assert RANK[_status(ind, tgt, when, lo)] >= RANK[_status(ind, tgt, when, hi)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3000), st.integers(0, 400), st.floats(-1e6, 1e6), st.sampled_from(list(Qualifier))),
        max_size=8,
    ),
    st.integers(0, 3500),
    st.sampled_from(list(MeasureKind)),
)
def test_any_input_yields_valid_json_assessment(
    rows: list[tuple[int, int, float, Qualifier]], as_of_offset: int, measure: MeasureKind
) -> None:
    ind = indicator("p", measure=measure, cumulative_since=date(2024, 1, 1) if measure is MeasureKind.CUMULATIVE else None)
    rs = [Reading("p", date(2024, 1, 1) + timedelta(days=s), date(2024, 1, 1) + timedelta(days=s + n), v, qualifier=q) for s, n, v, q in rows]
    targets = [
        Target(id="a", indicator_id="p", kind=TargetKind.REACH, comparator=">=", value=100.0,
               baseline_value=50.0, baseline_date=date(2024, 6, 30), deadline=date(2029, 6, 30)),
        Target(id="b", indicator_id="p", kind=TargetKind.REACH, comparator="<=", value=10.0, deadline=date(2030, 1, 1)),
        Target(id="c", indicator_id="p", kind=TargetKind.THRESHOLD, comparator=">=", value=0.0, period=Frequency.YEARLY),
    ]
    as_of = date(2024, 1, 1) + timedelta(days=as_of_offset)
    for a in [*assess(ind, targets, rs, as_of), *assess(ind, [], rs, as_of)]:
        assert a.status in STATUSES
        json.dumps(a.evidence, allow_nan=False)
        if a.latest is not None:
            assert a.latest.period_end <= as_of


# --------------------------------------------------------------------------------------------
# Small pieces and purity


def test_status_bands_edges() -> None:
    assert status_for_ratio(0.95) == "on_track"
    assert status_for_ratio(0.9499) == "needs_acceleration"
    assert status_for_ratio(0.60) == "needs_acceleration"
    assert status_for_ratio(0.5999) == "limited_progress"
    assert status_for_ratio(0.0) == "limited_progress"
    assert status_for_ratio(-0.0001) == "deterioration"


def test_cagr_refuses_non_positive() -> None:
    assert cagr(100, 121, 2) == pytest.approx(0.1)
    for args in [(0, 1, 1), (1, -1, 1), (1, 2, 0)]:
        with pytest.raises(ValueError):
            cagr(*args)


@pytest.mark.parametrize("module", ["progress.py", "formulas.py"])
def test_module_is_pure(module: str) -> None:
    src = Path(__file__).resolve().parents[1].joinpath("monitor", "status", module).read_text(encoding="utf-8")
    tree = ast.parse(src)
    imported = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    assert imported <= {"__future__", "calendar", "math", "collections", "dataclasses", "datetime", "decimal", "monitor"}
    calls = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    assert not calls & {"today", "now", "utcnow", "time", "open", "read_text"}


def test_threshold_direct_call_matches_assess() -> None:
    rs = [year("good-air", 2024, 94.1)]
    assert assess_threshold(AIR, AIR_TARGET, rs, date(2025, 3, 1)) == assess(AIR, [AIR_TARGET], rs, date(2025, 3, 1))[0]
    assert assess_reach(RACKS, RACKS_TARGET, [RACKS_BASE], date(2025, 7, 1)).status == "insufficient_data"
