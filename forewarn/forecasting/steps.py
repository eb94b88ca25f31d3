"""The sampling step of a series and what follows from it: seasonal periods and horizon.

Real metrics are stamped with jitter, gaps and duplicates, so the step is the most common
positive interval after snapping each interval to the nearest common step (1 s ... 1 week):
jitter (9 or 11 minutes around 10) and gaps (20 minutes among 10) do not move it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_WEEK = 7 * _DAY
COMMON_STEPS_S: tuple[int, ...] = (
    1, 5, 10, 15, 30,
    _MINUTE, 2 * _MINUTE, 5 * _MINUTE, 10 * _MINUTE, 15 * _MINUTE, 20 * _MINUTE, 30 * _MINUTE,
    _HOUR, 2 * _HOUR, 3 * _HOUR, 4 * _HOUR, 6 * _HOUR, 12 * _HOUR,
    _DAY, _WEEK,
)  # fmt: skip
SNAP_TOLERANCE = 1.5  # an interval snaps to a step within this factor of it
MAX_DEFAULT_HORIZON = 360


def snap_step(seconds: np.ndarray) -> np.ndarray:
    """Nearest common step (in log distance) for each interval; 0 where none is within tolerance."""
    steps = np.asarray(COMMON_STEPS_S, dtype=np.float64)
    ratio = np.log(np.asarray(seconds, dtype=np.float64)[:, None] / steps[None, :])
    nearest = np.abs(ratio).argmin(axis=1)
    close = np.abs(ratio[np.arange(len(nearest)), nearest]) <= np.log(SNAP_TOLERANCE)
    return np.where(close, steps[nearest], 0.0).astype(np.int64)


def nanoseconds(timestamps: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of each timestamp."""
    return timestamps.to_numpy(dtype="datetime64[ns]").view(np.int64)


def infer_step(timestamps: pd.DatetimeIndex) -> pd.Timedelta:
    """The series' step: the mode of its positive intervals snapped to common steps (ties: the
    smaller). Timestamps need not be sorted. ValueError when no interval fits a common step."""
    ordered = np.sort(nanoseconds(timestamps))
    gaps_s = np.diff(ordered)[np.diff(ordered) > 0] / 1e9
    if len(gaps_s) == 0:
        raise ValueError("cannot infer a step: fewer than two distinct timestamps")
    snapped = snap_step(gaps_s)
    snapped = snapped[snapped > 0]
    if len(snapped) == 0:
        median = pd.Timedelta(seconds=float(np.median(gaps_s)))
        raise ValueError(f"step of about {median} is not a supported step (1 s to 1 week)")
    values, counts = np.unique(snapped, return_counts=True)
    return pd.Timedelta(seconds=int(values[counts.argmax()]))


def natural_periods(step: pd.Timedelta) -> tuple[int, ...]:
    """Seasonal periods, in steps, that data of this step may have: daily and weekly below a
    day, weekly and yearly for daily data, yearly for weekly data."""
    seconds = int(step.total_seconds())
    if seconds < _DAY and _DAY % seconds == 0:
        return tuple(p for p in (_DAY // seconds, _WEEK // seconds) if p > 1)
    if seconds == _DAY:
        return (7, 365)
    if seconds == _WEEK:
        return (52,)
    return ()


def detect_seasons(step: pd.Timedelta, length: int) -> tuple[int, ...]:
    """The natural periods with at least two full cycles in `length` points, shortest first."""
    return tuple(p for p in natural_periods(step) if length >= 2 * p)


def mase_season(seasons: tuple[int, ...]) -> int:
    """The season of MASE's scale and of the seasonal naive baseline: the shortest, else 1."""
    return min(seasons, default=1)


def default_horizon(step: pd.Timedelta) -> int:
    """Steps ahead worth forecasting for capacity warnings: 6 hours below an hour, a day below
    a day, two weeks below a week, else 12 steps; at most MAX_DEFAULT_HORIZON."""
    seconds = step.total_seconds()
    span = 6 * _HOUR if seconds < _HOUR else _DAY if seconds < _DAY else 14 * _DAY
    steps = int(span // seconds) if seconds < _WEEK else 12
    return max(1, min(steps, MAX_DEFAULT_HORIZON))
