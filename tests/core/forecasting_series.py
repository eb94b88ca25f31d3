"""Synthetic metric series for the forecasting tests: a daily cycle plus noise, hourly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.forecasting import PreparedSeries, prepare_series

START = pd.Timestamp("2024-01-01", tz="UTC")


def hourly(days: int, noise: float = 0.3, seed: int = 0, level: float = 10.0) -> np.ndarray:
    """`days` of hourly values: a daily sine of amplitude 2 around `level`, plus noise."""
    hours = np.arange(24 * days)
    rng = np.random.default_rng(seed)
    return level + 2 * np.sin(2 * np.pi * hours / 24) + noise * rng.standard_normal(len(hours))


def prepared(series_id: str, days: int = 21, **options: float) -> PreparedSeries:
    """A regular hourly series, prepared."""
    values = hourly(days, **options)  # type: ignore[arg-type]
    times = pd.date_range(START, periods=len(values), freq="1h")
    return prepare_series(series_id, times, values)
