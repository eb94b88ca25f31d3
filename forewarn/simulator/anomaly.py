"""A causal anomaly score: how far the present sits above the recent past."""

from __future__ import annotations

import numpy as np
import pandas as pd


def anomaly_score(
    values: np.ndarray,
    window: int = 60,
    scale: float = 4.0,
    min_periods: int = 10,
    floor: float = 0.02,
) -> np.ndarray:
    """Score in [0, 1] per time step (axis 0) of one or more series (columns of `values`).

    Each value is compared with the `window` values before it: z = (value - median) / spread,
    with spread the interquartile range / 1.349 (the sd under normality), at least `floor`
    times the median and above zero. Only rises count: tanh(max(z, 0) / scale) maps z to
    [0, 1], and the score is the maximum over the series. Steps with fewer than `min_periods`
    past values score 0. Only past and present values are used.
    """
    frame = pd.DataFrame(np.asarray(values, dtype=float).reshape(len(values), -1))
    past = frame.shift(1).rolling(window, min_periods=min_periods)
    median = past.median()
    spread = (past.quantile(0.75) - past.quantile(0.25)) / 1.349
    floor_spread = np.maximum(floor * median.abs().to_numpy(), 1e-12)
    spread_values = np.maximum(spread.to_numpy(), floor_spread)
    z = np.nan_to_num(np.clip((frame.to_numpy() - median.to_numpy()) / spread_values, 0, None))
    return np.asarray(np.tanh(z / scale).max(axis=1))
