"""Forecast accuracy: MASE with the seasonal scale, and interval coverage.

Only observed points are scored: a value that preparation filled in is not a fact to be
judged against.
"""

from __future__ import annotations

import numpy as np


def mase_scale(history: np.ndarray, season: int, observed: np.ndarray | None = None) -> float:
    """In-sample MAE of the seasonal naive forecast (`y[t] - y[t - season]`) over `history`,
    on pairs where both points were observed. 1.0 when it is 0 or undefined (a constant
    series), so that MASE stays finite and reads as an absolute error."""
    values = np.asarray(history, dtype=np.float64)
    mask = np.ones(len(values), bool) if observed is None else np.asarray(observed, bool)
    if len(values) <= season:
        return 1.0
    both = mask[season:] & mask[:-season]
    errors = np.abs(values[season:] - values[:-season])[both]
    scale = float(errors.mean()) if len(errors) else 0.0
    return scale if scale > 0 else 1.0


def mase(
    actual: np.ndarray, predicted: np.ndarray, scale: float, observed: np.ndarray | None = None
) -> float:
    """Mean absolute error over the observed points, divided by `scale`; NaN when none."""
    errors = np.abs(np.asarray(actual, np.float64) - np.asarray(predicted, np.float64))
    if observed is not None:
        errors = errors[np.asarray(observed, bool)]
    return float(errors.mean() / scale) if len(errors) else float("nan")


def coverage(
    actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, observed: np.ndarray | None = None
) -> float:
    """Share of the observed points inside [lower, upper]; NaN when none."""
    actual = np.asarray(actual, np.float64)
    inside = (actual >= lower) & (actual <= upper)
    if observed is not None:
        inside = inside[np.asarray(observed, bool)]
    return float(inside.mean()) if len(inside) else float("nan")
