"""The status of every goal as a competent analyst would compute it with pandas: the benchmark's baseline.

Load the three tables from the same DuckDB file into DataFrames, then only vectorised operations
(sort, drop_duplicates, groupby().first()/last(), merge, numpy formulas); no Python loop over goals.
It follows docs/methodology.md closely enough to agree with the product on nearly every status
(bench/run.py reports the agreement): targets in force, latest revision per period, the comparable
period of each goal (points, running totals from one start, spans within 4 days), baseline from the
target, the reading at the baseline date or the earliest comparable one, CAGR or linear ratio and
its bands, qualifiers, thresholds with shorter (provisional) periods, staleness.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

NOMINAL = {"monthly": 365.25 / 12, "quarterly": 365.25 / 4, "half_yearly": 365.25 / 2, "yearly": 365.25}
MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def _meets(value: pd.Series, q: pd.Series, comparator: pd.Series, threshold: pd.Series) -> np.ndarray:
    up = q.isin(["exact", "approx", "at_least", "more_than"])
    down = q.isin(["exact", "approx", "at_most"])
    ge = up & (value >= threshold)
    gt = ((q == "more_than") & (value >= threshold)) | (q.isin(["exact", "approx", "at_least"]) & (value > threshold))
    le = down & (value <= threshold)
    lt = down & (value < threshold)
    return np.select([comparator == ">=", comparator == ">", comparator == "<="], [ge, gt, le], lt)


def status_frame(path: str, as_of: date) -> pd.DataFrame:
    """One row per goal: indicator_id, target_id, status, ratio, latest value and period, stale."""
    con = duckdb.connect(path, read_only=True)
    try:
        ind = con.execute(
            "SELECT id, domain, measure, frequency, publication_lag_days, cumulative_since FROM indicator"
        ).df()
        tgt = con.execute(
            "SELECT id AS target_id, indicator_id, version, kind, comparator, value AS target_value, baseline_value, "
            "baseline_date, deadline, method, period, valid_from FROM target"
        ).df()
        rd = con.execute("SELECT indicator_id, period_start, period_end, revision, value, qualifier FROM reading").df()
    finally:
        con.close()
    day = pd.Timestamp(as_of)

    # Readings known at the as-of date, latest revision of each period.
    rd = rd[rd["period_end"] <= day]
    rd = rd.sort_values("revision").drop_duplicates(["indicator_id", "period_start", "period_end"], keep="last")
    rd["span"] = (rd["period_end"] - rd["period_start"]).dt.days + 1
    rd = rd.sort_values(["indicator_id", "period_end", "period_start"])

    # Goals: the latest version of each target in force, or the indicator alone.
    tgt = tgt[tgt["valid_from"].isna() | (tgt["valid_from"].dt.normalize() <= day)]
    tgt = tgt.sort_values("version").drop_duplicates(["indicator_id", "target_id"], keep="last")
    goals = ind.merge(tgt, left_on="id", right_on="indicator_id", how="left")
    goals = goals.sort_values(["domain", "id", "target_id"], na_position="first").reset_index(drop=True)
    goals["goal"] = np.arange(len(goals))
    goals["kind"] = goals["kind"].fillna("none")

    # Newest reading of each indicator: staleness, and the shape for goals judged against it.
    newest = rd.groupby("indicator_id")[["period_start", "period_end", "span", "value", "qualifier"]].last()
    goals = goals.join(newest.add_prefix("newest_"), on="id")
    oldest = rd.groupby("indicator_id")[["period_start"]].first()
    goals = goals.join(oldest.add_prefix("oldest_"), on="id")

    # The reading at the baseline date (reach: the one with the stated value first, then the longest).
    at_bd = goals[["goal", "id", "kind", "baseline_date", "baseline_value"]].dropna(subset=["baseline_date"]).merge(
        rd, left_on=["id", "baseline_date"], right_on=["indicator_id", "period_end"]
    )
    at_bd["matches"] = (at_bd["kind"] == "reach") & (at_bd["value"] == at_bd["baseline_value"])
    at_bd = at_bd.sort_values(["matches", "span"]).groupby("goal")[["period_start", "span", "value"]].last()
    goals = goals.join(at_bd.add_prefix("b_"), on="goal")

    # The comparable period of each goal.
    nominal = goals["period"].map(NOMINAL)
    span_days = np.where(
        goals["kind"] == "reach", goals["b_span"].fillna(nominal).fillna(365.25),
        np.where(goals["kind"] == "threshold", nominal.fillna(goals["b_span"]).fillna(goals["newest_span"]),
                 goals["newest_span"]),
    )
    goals["S"] = span_days
    cum_start = pd.to_datetime(goals["cumulative_since"]).fillna(goals["b_period_start"])
    cum_start = cum_start.where(goals["kind"] != "none", pd.to_datetime(goals["cumulative_since"]))
    fallback = goals["oldest_period_start"].where(goals["kind"] == "reach", goals["newest_period_start"])
    goals["cum_start"] = cum_start.fillna(fallback)
    t0_known = goals["baseline_date"].where(
        (goals["kind"] == "reach") & (goals["baseline_value"].notna() | goals["b_value"].notna())
    )
    goals["t0_known"] = t0_known

    # Every reading of every goal, classified.
    x = rd.merge(goals[["goal", "id", "kind", "measure", "S", "cum_start", "t0_known"]], left_on="indicator_id", right_on="id")
    span_shape = x["measure"].isin(["flow", "ratio", "yoy_change"])
    same = np.where(
        x["measure"] == "stock", x["span"] == 1,
        np.where(x["measure"] == "cumulative", x["period_start"] == x["cum_start"], (x["span"] - x["S"]).abs() <= 4),
    )
    shorter = span_shape & (x["span"] < x["S"] - 4) & (x["kind"] == "threshold")
    x["same"] = same
    x = x[same | shorter]
    x = x.sort_values(["goal", "period_end", "span"])
    first = x[x["same"]].groupby("goal")[["period_end", "value"]].first()
    after = x[x["t0_known"].isna() | (x["period_end"] > x["t0_known"])]
    latest = after.groupby("goal")[["period_start", "period_end", "span", "value", "qualifier", "same"]].last()
    g = goals.join(first.add_prefix("first_"), on="goal").join(latest.add_prefix("latest_"), on="goal")

    # Baseline: the target's, else the reading at the baseline date, else the earliest comparable.
    from_target = g["baseline_value"].notna() & g["baseline_date"].notna()
    from_reading = g["baseline_date"].notna() & g["baseline_value"].isna() & g["b_value"].notna()
    y0 = g["baseline_value"].where(from_target, g["b_value"].where(from_reading, g["first_value"]))
    t0 = g["baseline_date"].where(from_target | from_reading, g["first_period_end"])
    yt, t, yT, T = g["latest_value"], g["latest_period_end"], g["target_value"], g["deadline"]
    reach, threshold = g["kind"] == "reach", g["kind"] == "threshold"
    after_ok = reach & yt.notna() & y0.notna() & (t > t0)
    d = np.where(g["comparator"].isin([">=", ">"]), 1.0, -1.0)
    achieved = after_ok & _meets(yt, g["latest_qualifier"], g["comparator"], yT)
    timed = after_ok & T.notna() & (T > t0)
    elapsed = (t - t0).dt.days / 365.25
    horizon = (T - t0).dt.days / 365.25
    linear = (g["method"] == "linear") | (np.fmin(np.fmin(y0, yt), yT) <= 0)
    with np.errstate(all="ignore"):
        observed = np.where(linear, (yt - y0) / elapsed, np.expm1(np.log(yt / y0) / elapsed))
        required = np.where(linear, (yT - y0) / horizon, np.expm1(np.log(yT / y0) / horizon))
        ratio = d * observed / np.abs(required)
        band = np.select([ratio >= 0.95, ratio >= 0.60, ratio >= 0], ["on_track", "needs_acceleration", "limited_progress"],
                         "deterioration")
        band = np.where(required == 0, np.where(d * observed >= 0, "limited_progress", "deterioration"), band)
    reach_status = np.where(achieved, "achieved", np.where(t >= T, "not_met", band))
    reach_status = np.where(timed, reach_status, np.where(achieved, "achieved", "insufficient_data"))
    met = _meets(yt, g["latest_qualifier"], g["comparator"], yT)
    status = np.select(
        [reach, threshold & yt.notna(), threshold, g["kind"] == "none"],
        [reach_status, np.where(met, "met", "not_met"), "insufficient_data", "no_target"],
        "insufficient_data",
    )

    # Staleness: the next period end (month ends kept) plus the publication lag.
    months = g["frequency"].map(MONTHS)
    last = g["newest_period_end"]
    month_end = last + pd.offsets.MonthEnd(0) == last
    stepped = pd.Series(pd.NaT, index=g.index, dtype="datetime64[us]")
    for m in (1, 3, 6, 12):  # four vectorised steps, one per frequency
        sel = months == m
        moved = last[sel] + pd.DateOffset(months=m)
        stepped[sel] = np.where(month_end[sel], moved + pd.offsets.MonthEnd(0), moved)
    due = stepped + pd.to_timedelta(g["publication_lag_days"], unit="D")
    stale = (day - due).dt.days > 0

    return pd.DataFrame({
        "indicator_id": g["id"],
        "target_id": g["target_id"],
        "status": status,
        "ratio": np.where(timed, ratio, np.nan),
        "latest_value": yt,
        "latest_period_end": t,
        "stale": stale.fillna(False),
    })


def status_frame_latest_only(path: str, as_of: date) -> pd.DataFrame:
    """The quick version: latest reading per indicator (groupby().last()), merged with the targets,
    CAGR ratio and bands; no comparability, no qualifiers. Faster, and wrong where periods differ."""
    con = duckdb.connect(path, read_only=True)
    try:
        tgt = con.execute(
            "SELECT id AS target_id, indicator_id, version, kind, comparator, value AS target_value, baseline_value, "
            "baseline_date, deadline, valid_from FROM target"
        ).df()
        rd = con.execute("SELECT indicator_id, period_end, revision, value FROM reading").df()
    finally:
        con.close()
    day = pd.Timestamp(as_of)
    rd = rd[rd["period_end"] <= day].sort_values(["indicator_id", "period_end", "revision"])
    latest = rd.groupby("indicator_id")[["period_end", "value"]].last()
    tgt = tgt[tgt["valid_from"].isna() | (tgt["valid_from"].dt.normalize() <= day)]
    tgt = tgt.sort_values("version").drop_duplicates(["indicator_id", "target_id"], keep="last")
    g = tgt.join(latest, on="indicator_id")
    d = np.where(g["comparator"].isin([">=", ">"]), 1.0, -1.0)
    elapsed = (g["period_end"] - g["baseline_date"]).dt.days / 365.25
    horizon = (g["deadline"] - g["baseline_date"]).dt.days / 365.25
    with np.errstate(all="ignore"):
        ratio = d * np.expm1(np.log(g["value"] / g["baseline_value"]) / elapsed) / np.abs(
            np.expm1(np.log(g["target_value"] / g["baseline_value"]) / horizon))
    band = np.select([ratio >= 0.95, ratio >= 0.60, ratio >= 0], ["on_track", "needs_acceleration", "limited_progress"],
                     "deterioration")
    met = np.where(d > 0, g["value"] >= g["target_value"], g["value"] <= g["target_value"])
    status = np.where(g["kind"] == "threshold", np.where(met, "met", "not_met"),
                      np.where(met, "achieved", np.where(np.isfinite(ratio), band, "insufficient_data")))
    return pd.DataFrame({"indicator_id": g["indicator_id"], "target_id": g["target_id"], "status": status})
