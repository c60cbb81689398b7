"""Small statistics for the bench: medians with their spread, ratios, and a growth exponent.

A spread is "wide" when (max - min) / median exceeds `WIDE_SPREAD`; the report says so next to
the median rather than hiding it. The growth exponent is the least-squares slope of log(time)
over log(N): 1 means linear, 2 quadratic.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

WIDE_SPREAD = 0.25
"""(max - min) / median above this is reported as a wide spread."""


def summary(samples: Sequence[float]) -> dict[str, Any]:
    """Median, min, max, relative spread and the wide flag of timing samples (seconds)."""
    values = [float(v) for v in samples]
    if not values:
        return {"n": 0, "median": None, "min": None, "max": None, "spread": None, "wide": False}
    median = statistics.median(values)
    spread = (max(values) - min(values)) / median if median > 0 and len(values) > 1 else 0.0
    return {
        "n": len(values),
        "median": median,
        "min": min(values),
        "max": max(values),
        "spread": spread,
        "wide": spread > WIDE_SPREAD,
        "samples": values,
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def growth_exponent(ns: Sequence[float], times: Sequence[float]) -> float | None:
    """Least-squares slope of log(t) against log(n); None with fewer than two usable points."""
    points = [(math.log(n), math.log(t)) for n, t in zip(ns, times, strict=True) if n > 0 and t > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


def fmt_seconds(value: float | None) -> str:
    """1.23 s, 45.6 ms or 789 µs."""
    if value is None:
        return "-"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def fmt_median(stat: dict[str, Any]) -> str:
    """The median with its spread: `1.23 s (±12%)`, marked `wide` when it is."""
    if not stat or stat.get("median") is None:
        return "-"
    text = fmt_seconds(stat["median"])
    if stat["n"] > 1:
        text += f" (spread {stat['spread'] * 100:.0f}%{', WIDE' if stat['wide'] else ''})"
    else:
        text += " (1 run)"
    return text
