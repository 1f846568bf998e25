"""The goal detail chart, drawn with Altair from monitor.present.chart_data's series (no arithmetic here)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from monitor.present.i18n import t

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies and legible on
# light and dark backgrounds. Each series also differs in mark (dot, segment, diamond, dashed or
# dotted line, band), so colour is never the only cue.
COLORS = {
    "series.reading_point": "#0072B2",
    "series.reading_period": "#0072B2",
    "series.baseline": "#009E73",
    "series.target": "#D55E00",
    "series.threshold": "#D55E00",
    "series.required": "#E69F00",
    "series.projection": "#CC79A7",
    "series.window": "#56B4E9",
}


def goal_chart(data: dict[str, Any], lang: str) -> alt.LayerChart | None:
    """Readings, baseline, target, deadline window, required path and projection in one chart."""
    present = [key for key in COLORS if key in data["series"]]
    if not present:
        return None
    names = [t(key, lang) for key in present]
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=names, range=[COLORS[k] for k in present]),
        # On a phone (the chart's width under 500 px) one legend entry a line, short enough to fit.
        legend=alt.Legend(
            title=None, orient="bottom", direction="horizontal", labelLimit=alt.ExprRef("width < 500 ? 150 : 260"),
            symbolOpacity=1, symbolType="circle", columns=alt.ExprRef("width < 500 ? 2 : 0"),
        ),
    )
    x_title, y_title = t("axis.date", lang), data["y_title"]
    tip = [
        alt.Tooltip("series:N", title=t("tip.series", lang)),
        alt.Tooltip("period:N", title=t("tip.period", lang)),
        alt.Tooltip("value_text:N", title=t("tip.value", lang)),
    ]
    # About one date label per 90 px: eight on a wide screen, three or four on a phone; labels that
    # would still touch are dropped rather than overlapped.
    x_axis = alt.Axis(format="%Y-%m", labelAngle=0, title=x_title, tickCount=alt.ExprRef("min(8, ceil(width / 90))"),
                      labelOverlap="greedy", labelFlush=True)
    x_scale = alt.Scale(domain=data["x_domain"]) if data["x_domain"] else alt.Undefined
    y_axis = alt.Axis(title=y_title, format=",~r")
    # The axis fits the data (91.7 vs 93 must not look equal on a 0–100 axis).
    y_scale = alt.Scale(zero=False, nice=True, padding=14)
    layers: list[alt.Chart] = []

    if data["window"]:
        layers.append(
            alt.Chart(pd.DataFrame(data["window"])).mark_rect(opacity=0.22).encode(
                x=alt.X("start:T", axis=x_axis, scale=x_scale), x2="end:T", color=color,
                tooltip=[alt.Tooltip("series:N", title=t("tip.series", lang)),
                         alt.Tooltip("period:N", title=t("tip.period", lang))],
            )
        )
    if data["target"]:
        target = pd.DataFrame(data["target"])
        layers.append(
            alt.Chart(target).mark_rule(strokeDash=[2, 2], strokeWidth=2).encode(
                y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
            )
        )
        if target["date"].notna().all():
            layers.append(
                alt.Chart(target).mark_point(shape="triangle-up", size=160, filled=True).encode(
                    x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
                )
            )
    if data["required"]:
        layers.append(
            alt.Chart(pd.DataFrame(data["required"])).mark_line(strokeDash=[8, 4], strokeWidth=2).encode(
                x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
            )
        )
    if data["projection"]:
        projection = pd.DataFrame(data["projection"])
        layers.append(
            alt.Chart(projection).mark_area(opacity=0.2).encode(
                x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("low:Q", axis=y_axis, scale=y_scale), y2="high:Q", color=color,
            )
        )
        layers.append(
            alt.Chart(projection).mark_line(strokeDash=[2, 3], strokeWidth=2.5).encode(
                x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
            )
        )
    if data["baseline"]:
        layers.append(
            alt.Chart(pd.DataFrame(data["baseline"])).mark_point(shape="diamond", size=180, filled=True).encode(
                x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
            )
        )
    if data["segments"]:
        layers.append(
            alt.Chart(pd.DataFrame(data["segments"])).mark_rule(strokeWidth=5, strokeCap="round").encode(
                x=alt.X("start:T", axis=x_axis, scale=x_scale), x2="end:T", y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color,
                tooltip=tip,
            )
        )
    if data["points"]:
        layers.append(
            alt.Chart(pd.DataFrame(data["points"])).mark_circle(size=110, opacity=1).encode(
                x=alt.X("date:T", axis=x_axis, scale=x_scale), y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, tooltip=tip,
            )
        )
    return alt.layer(*layers).properties(height=380).interactive(bind_y=False)

