"""A workload forecast (one series' rows: timestamp, mean, lower/upper 80 and 95 %) into the body
of `WorkloadForecastResponse`: its points, peak periods and capacity warning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forewarn.families.workload import WORKLOAD
from forewarn.forecasting.candidates.base import Bounds
from forewarn.forecasting.capacity import capacity_warning, exceedance
from forewarn.schemas.workload import CapacityThreshold

PEAK_QUANTILE = 0.9  # peak periods: steps at or above this quantile of the point forecast
MAX_PEAK_PERIODS = 5
LEVELS = (80, 95)


@dataclass(frozen=True)
class Outcome:
    """A forecast and everything the answer says about where it came from."""

    series_id: str | None
    forecast: pd.DataFrame  # one row per step ahead
    step_seconds: int
    model: str
    members: list[str]
    backtest_mase: float
    version: str | None  # the `workload` version behind it, when registered
    source: dict[str, Any]


def respond(outcome: Outcome, threshold: CapacityThreshold | None) -> dict[str, Any]:
    """The response body, without request id and processing time."""
    frame = outcome.forecast
    mase = float(outcome.backtest_mase)
    return {
        "series_id": outcome.series_id,
        "forecast": {
            "step_seconds": outcome.step_seconds,
            "time_series": time_series(frame),
            "peak_periods": peak_periods(frame),
        },
        "capacity_warning": None if threshold is None else warning(frame, threshold),
        "source": outcome.source,
        "model_metadata": {
            "model_name": WORKLOAD.name,
            "model_version": outcome.version,
            "model": outcome.model,
            "members": outcome.members,
            "backtest_mase": round(mase, 4) if np.isfinite(mase) else None,
        },
    }


def utc_times(frame: pd.DataFrame) -> pd.DatetimeIndex:
    times = pd.DatetimeIndex(frame["timestamp"])
    return times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")


def time_series(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One point per step: the mean and its 80 and 95 % intervals."""
    columns = ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
    values = [frame[column].to_numpy(np.float64).tolist() for column in columns]
    return [
        {
            "timestamp": stamp,
            "predicted_load": mean,
            "confidence_interval": (lower80, upper80),
            "interval_95": (lower95, upper95),
        }
        for stamp, mean, lower80, upper80, lower95, upper95 in zip(
            utc_times(frame).to_pydatetime(), *values, strict=True
        )
    ]


def peak_periods(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Runs of steps at or above the point forecast's 90th percentile, highest first."""
    mean = frame["mean"].to_numpy(np.float64)
    if mean.size == 0:
        return []
    high = (mean >= np.quantile(mean, PEAK_QUANTILE)).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], high, [0]))))
    times = utc_times(frame).to_pydatetime()
    periods = [
        {"start": times[start], "end": times[end - 1], "peak_load": float(mean[start:end].max())}
        for start, end in edges.reshape(-1, 2)
    ]
    return sorted(periods, key=lambda period: -period["peak_load"])[:MAX_PEAK_PERIODS]


def warning(frame: pd.DataFrame, threshold: CapacityThreshold) -> dict[str, Any]:
    """When the 95 % band first reaches the threshold, and how likely the load is past it."""
    times = utc_times(frame)
    sign = 1.0 if threshold.direction == "above" else -1.0  # below: the mirror image of above
    mean, bounds = _oriented(frame, sign)
    limit = sign * threshold.value
    found = capacity_warning(times, mean, bounds, limit, level=95)
    likely = np.flatnonzero(exceedance(mean, bounds, limit) >= 0.5)
    return {
        "threshold": threshold.value,
        "direction": threshold.direction,
        "crosses": found.crossing is not None,
        "first_crossing": found.crossing,
        "steps_ahead": found.steps_ahead,
        "probability_at_crossing": round(found.probability, 4),
        "first_likely": times[int(likely[0])] if likely.size else None,
        "peak_probability": round(found.peak_probability, 4),
        "peak_at": found.peak_at,
    }


def _oriented(frame: pd.DataFrame, sign: float) -> tuple[np.ndarray, dict[int, Bounds]]:
    """Mean and bands times `sign` (bounds swapped when negated, so lower stays lower)."""
    mean = sign * frame["mean"].to_numpy(np.float64)
    bounds: dict[int, Bounds] = {}
    for level in LEVELS:
        lower = sign * frame[f"lower_{level}"].to_numpy(np.float64)
        upper = sign * frame[f"upper_{level}"].to_numpy(np.float64)
        bounds[level] = (lower, upper) if sign > 0 else (upper, lower)
    return mean, bounds
