"""Seasonal naive: each future step repeats the value one season earlier (the baseline)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from forewarn.forecasting.candidates.base import LEVELS, Forecast, History, LocalCandidate


def seasonal_naive(values: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """`y[n + k] = y[n + k - season * ceil(k / season)]` for k = 1..horizon."""
    steps = np.arange(horizon)
    return np.asarray(values, np.float64)[len(values) - season + steps % season]


class SeasonalNaive(LocalCandidate):
    """The baseline every model must beat; its native intervals assume independent normal
    residuals whose spread grows with the number of seasons ahead."""

    name = "seasonal_naive"

    def forecast_one(self, history: History, horizon: int) -> Forecast:
        season = min(history.season, len(history.values))
        mean = seasonal_naive(history.values, season, horizon)
        residuals = history.values[season:] - history.values[:-season]
        sigma = float(residuals.std()) if len(residuals) > 1 else 0.0
        spread = sigma * np.sqrt(np.arange(horizon) // season + 1)
        native = {}
        for level in LEVELS:
            z = NormalDist().inv_cdf(0.5 + level / 200)
            native[level] = (mean - z * spread, mean + z * spread)
        return Forecast(mean, native)
