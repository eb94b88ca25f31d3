"""Capacity early warning: when a forecast's upper band first reaches a limit, and how likely
the value is to be above it.

Works from what a published forecast holds (mean and the 80/95 % bands), so the API answers the
same from a stored forecast as from one made on the fly. The probability of exceeding the limit
at a step reads the bands as quantiles of the error there: 50 % at the mean, 10 % at the 80 %
band's edge, 2.5 % at the 95 % band's edge, linear in between, and a normal tail beyond (scaled
to meet the 95 % edge).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from forewarn.forecasting.candidates.base import Bounds

_Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class CapacityWarning:
    """The first crossing of `threshold` by the upper band at `level`, and its probability."""

    threshold: float
    level: int  # the band whose upper edge is watched
    crossing: pd.Timestamp | None  # the first step whose upper bound reaches the threshold
    steps_ahead: int | None  # 1 = the next step
    probability: float  # P(value > threshold) at the crossing (0.0 when there is none)
    peak_probability: float  # the highest P(value > threshold) over the horizon
    peak_at: pd.Timestamp


def exceedance(mean: np.ndarray, bounds: Mapping[int, Bounds], threshold: float) -> np.ndarray:
    """P(value > threshold) per step, from the mean and the 80 and 95 % bands."""
    above = threshold >= mean
    edge80 = np.where(above, bounds[80][1], bounds[80][0])
    edge95 = np.where(above, bounds[95][1], bounds[95][0])
    distance = np.abs(threshold - mean)
    width80 = np.maximum(np.abs(edge80 - mean), 1e-12)
    width95 = np.maximum(np.abs(edge95 - mean), width80 * (1 + 1e-9))
    inner = 0.5 - 0.4 * distance / width80
    middle = 0.1 - 0.075 * (distance - width80) / (width95 - width80)
    normal = NormalDist()
    outer = np.array([1 - normal.cdf(_Z95 * d / w) for d, w in zip(distance, width95, strict=True)])
    tail = np.where(distance <= width80, inner, np.where(distance <= width95, middle, outer))
    return np.asarray(np.where(above, tail, 1 - tail), np.float64)


def capacity_warning(
    timestamps: pd.DatetimeIndex,
    mean: np.ndarray,
    bounds: Mapping[int, Bounds],
    threshold: float,
    level: int = 95,
) -> CapacityWarning:
    """Watch the upper band at `level` (80 or 95) of a forecast against `threshold`."""
    if level not in (80, 95):
        raise ValueError(f"level must be 80 or 95, not {level}")
    probabilities = exceedance(mean, bounds, threshold)
    reached = np.flatnonzero(bounds[level][1] >= threshold)
    first = int(reached[0]) if len(reached) else None
    peak = int(probabilities.argmax())
    return CapacityWarning(
        threshold=threshold,
        level=level,
        crossing=None if first is None else timestamps[first],
        steps_ahead=None if first is None else first + 1,
        probability=0.0 if first is None else float(probabilities[first]),
        peak_probability=float(probabilities[peak]),
        peak_at=timestamps[peak],
    )
