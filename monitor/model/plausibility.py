"""Plausibility: a value far from the indicator's previous reading is held until someone confirms it.

A reading typed in the wrong unit (30000 in 万架 is 3亿架) or with a slipped magnitude word passes
every rule of ``monitor.model.validate`` and then decides a goal's status. So before a value counts,
every entry path (the form, `monitor add`, `monitor import`, scheduled refreshes) compares it with the
indicator's previous reading, through ``jump_rule`` here:

- a value in % (a share, a year-on-year change) is held when it moves more than ``Limits.points``
  percentage points (setting MONITOR_JUMP_POINTS, default 20);
- any other value is held when it is more than ``Limits.factor`` times the previous one, or less than
  1/factor of it (setting MONITOR_JUMP_FACTOR, default 5); exactly at the factor is accepted;
- a fall to 0 from a non-zero reading is held; a previous reading of 0 or a change of sign gives no
  ratio to judge by and is accepted (bounds and the value rules still apply); no previous reading:
  accepted. Either limit may be infinite (the setting's ``off``): that check is off.

The previous reading of a new row is found by the store (``monitor.store.import_queries.find_jumps``,
one set-based query for every path): the current revision of the indicator's reading with the latest
period end before the new row's (else the earliest after it), among the stored readings and the other
valid rows of the same input (a row of the input wins over a stored reading of the same period). For a
flow (a total over a period) only periods of about the same length compare (a month with a month, a
year with a year: the same length in whole months); a revision of the same period is compared with the period before,
so correcting a wrong figure is never held by the wrong figure itself.

Held is not refused: each path offers a confirmation (the form's checkbox, `monitor add --confirm-jump`,
`monitor import --accept-jumps`); an import reports held rows like invalid ones and quarantines them
with --skip-invalid; a refresh quarantines them and records a ``values_held`` event.

``JUMP_SQL`` is the same rule as a SQL condition (the store finds held rows set-based, then builds each
problem with ``jump_rule``: the wording comes from here only; tests/test_plausibility.py checks that
both agree). Pure standard library besides ``monitor.settings``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["JUMP_CODES", "JUMP_SQL", "Limits", "jump_rule", "limits"]

JUMP_CODES = ("problem.jump_up", "problem.jump_down", "problem.jump_zero", "problem.jump_points")


@dataclass(frozen=True)
class Limits:
    """How far a value may move from the previous reading before it is held."""

    factor: float = 5.0  # times (up) or 1/times (down)
    points: float = 20.0  # percentage points, for values in %


def limits() -> Limits:
    """The limits of the settings MONITOR_JUMP_FACTOR and MONITOR_JUMP_POINTS (read now)."""
    from monitor import settings

    return Limits(factor=float(settings.get("MONITOR_JUMP_FACTOR")), points=float(settings.get("MONITOR_JUMP_POINTS")))


def _percent(unit: str) -> bool:
    from monitor.model.units import normalize_unit

    return normalize_unit(unit) == "%"


def _shown_factor(ratio: float) -> float:
    # "13,043 times", "6.2 times": whole above 10, one decimal below (never "5.0" for a held 5.04: 5.04 → 5).
    return float(round(ratio)) if ratio >= 10 else round(ratio, 1)


def jump_rule(
    previous: float | None,
    value: float,
    unit: str,
    limits: Limits | None = None,
    previous_end: date | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """The problem (code, params) of ``value`` against the ``previous`` reading (both in the base ``unit``),
    or None when it is plausible. ``previous_end``: the previous reading's period end (named in the message)."""
    limits = limits or Limits()
    if previous is None or not math.isfinite(previous) or not math.isfinite(value):
        return None
    params: dict[str, Any] = {"figure": value, "previous": previous, "unit": unit,
                              "date": previous_end.isoformat() if previous_end else "?"}
    if _percent(unit):
        move = abs(value - previous)
        if move > limits.points:
            return "problem.jump_points", {**params, "points": round(move, 2)}
        return None
    if previous == 0 or (value != 0 and (value > 0) != (previous > 0)):
        return None  # no ratio to judge by
    if value == 0:
        return ("problem.jump_zero", params) if math.isfinite(limits.factor) else None
    if abs(value) > limits.factor * abs(previous):
        return "problem.jump_up", {**params, "factor": _shown_factor(abs(value / previous))}
    if abs(previous) > limits.factor * abs(value):
        return "problem.jump_down", {**params, "factor": _shown_factor(abs(previous / value))}
    return None


# The rule as a SQL condition on the columns v (the new value), p (the previous one) and pct (whether
# the unit is %), with the parameters $factor and $points. NULL when there is no previous reading.
JUMP_SQL = """
CASE WHEN p IS NULL THEN NULL
     WHEN pct THEN abs(v - p) > $points
     WHEN p = 0 THEN false
     WHEN v = 0 THEN isfinite(CAST($factor AS DOUBLE))
     WHEN sign(v) <> sign(p) THEN false
     ELSE abs(v) > $factor * abs(p) OR abs(p) > $factor * abs(v)
END
"""

