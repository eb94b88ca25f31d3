"""Prediction intervals calibrated on a candidate's own backtest errors (split conformal).

Every candidate gets its intervals the same way, whatever its native ones claim: the errors
of its rolling-origin forecasts, per step ahead, give
- a profile: the typical absolute error at each step ahead, smoothed and made non-decreasing
  (uncertainty does not shrink with distance; a few origins are too noisy per step);
- a multiplier per level: the quantile of |error| / profile, pooled over all steps and
  origins, with the finite-sample conformal correction.
Symmetric, because on the bundled series (benchmarks/forecasting.py) signed quantiles, which
would follow skewed errors, covered less on later origins: each tail then rests on half the
few errors there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forewarn.forecasting.candidates.base import LEVELS, Bounds


@dataclass(frozen=True)
class IntervalCalibration:
    """Interval widths per step ahead: `mean + profile * multiplier` at each level."""

    profile: np.ndarray  # typical |error| per step ahead, non-decreasing
    multipliers: dict[int, float]  # level -> half-width in profile units

    def bounds(self, mean: np.ndarray) -> dict[int, Bounds]:
        """Lower and upper bounds per level around `mean` (as long as the profile)."""
        profile = self.profile[: len(mean)]
        return {
            level: (mean - width * profile, mean + width * profile)
            for level, width in self.multipliers.items()
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; `from_dict` reads it back."""
        return {
            "profile": self.profile.tolist(),
            "multipliers": {str(k): v for k, v in self.multipliers.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntervalCalibration:
        multipliers = {int(k): float(v) for k, v in data["multipliers"].items()}
        return cls(np.asarray(data["profile"], np.float64), multipliers)


def calibrate(errors: np.ndarray, levels: Sequence[int] = LEVELS) -> IntervalCalibration:
    """Calibration from `errors` (origins x steps ahead, actual - forecast; NaN where the
    actual was not observed). ValueError when no error is known."""
    errors = np.atleast_2d(np.asarray(errors, np.float64))
    if np.isnan(errors).all():
        raise ValueError("no observed backtest errors to calibrate intervals on")
    profile = _profile(errors)
    ratios = np.abs(errors / profile)[~np.isnan(errors)]
    return IntervalCalibration(
        profile,
        {level: _conformal_quantile(ratios, level / 100) for level in levels},
    )


def _profile(errors: np.ndarray) -> np.ndarray:
    """Mean |error| per step, NaN steps filled from the nearest, smoothed, non-decreasing."""
    absolute = np.abs(errors)
    known = ~np.isnan(absolute)
    per_step = np.where(known, absolute, 0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
    steps = np.arange(errors.shape[1])
    has = known.any(axis=0)
    per_step = np.interp(steps, steps[has], per_step[has])
    width = max(1, errors.shape[1] // 8)
    padded = np.concatenate((np.full(width - 1, per_step[0]), per_step))
    smooth = np.convolve(padded, np.ones(width) / width, mode="valid")
    profile = np.maximum.accumulate(smooth)
    floor = max(float(profile.max()) * 1e-6, 1e-12)
    return np.maximum(profile, floor)


def _conformal_quantile(values: np.ndarray, level: float) -> float:
    """The `level` quantile with the split-conformal correction: the ceil((n+1) level)-th
    smallest value (the largest when there are too few)."""
    ordered = np.sort(values)
    rank = min(int(np.ceil((len(ordered) + 1) * level)), len(ordered))
    return float(ordered[rank - 1])
