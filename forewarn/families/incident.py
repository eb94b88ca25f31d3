"""Incident early warning on one real metric: will an incident window start within the next
`HORIZON_STEPS` steps? Judged, beyond ROC/PR, by how early it warns before windows and how many
false alarms per day it raises outside them.

Series differ in scale and step (5-minute NAB, 1-minute and hourly Microsoft), so every value is
first made a robust z-score against its own trailing context (median and IQR of the last
`CONTEXT` values, the current one included), and horizons are counted in steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.families.base import Baseline, Family, Gate
from forewarn.families.early_warning import warning_metrics, window_starts
from forewarn.families.examples import Examples, naive_utc
from forewarn.families.training import HORIZON_FEATURE
from forewarn.features import WINDOW_STATS, sliding_windows, window_stats

CONTEXT = 96
HORIZON_STEPS = 12
FALSE_ALARM_BUDGET = 1.0  # per day, on validation rows
CANDIDATE_QUANTILES = np.linspace(0.9, 0.9995, 24)
EXTRA = ("abs_z_max", "outlier_share", "volatility_ratio")


def robust_z(values: np.ndarray) -> np.ndarray:
    """Each value against the median and IQR of the `CONTEXT` values ending at it."""
    series = pd.Series(np.asarray(values, dtype=np.float64))
    rolling = series.rolling(CONTEXT, min_periods=1)
    median = rolling.median()
    spread = (rolling.quantile(0.75) - rolling.quantile(0.25)) / 1.349
    floor = 1e-3 * median.abs() + 1e-9
    return ((series - median) / np.maximum(spread, floor)).clip(-50, 50).to_numpy()


def series_features(values: np.ndarray, window: int) -> np.ndarray:
    """Feature rows for every time of one series (rows x features, without the horizon)."""
    z = sliding_windows(robust_z(values), window)
    stats = window_stats(z)
    raw = sliding_windows(np.asarray(values, dtype=np.float64), CONTEXT)
    volatility = raw[:, -window:].std(axis=1) / np.maximum(raw.std(axis=1), 1e-9)
    columns = [stats[name] for name in WINDOW_STATS]
    columns += [np.abs(z).max(axis=1), (np.abs(z) > 3).mean(axis=1), volatility]
    return np.column_stack(columns)


def starts_within(in_incident: np.ndarray, steps: int) -> np.ndarray:
    """For each index t: does a window start in (t, t + steps]?"""
    marks = np.zeros(len(in_incident) + steps + 1)
    marks[window_starts(in_incident)] = 1
    ahead = np.convolve(marks, np.ones(steps), mode="full")
    return ahead[steps : steps + len(in_incident)] > 0


class IncidentFamily(Family):
    """XGBoost over robust-z window features of single real metrics."""

    name = "incident"
    dataset = "real-incidents"
    kind = "metric-series"
    gate = Gate(metric="roc_auc", threshold=0.6, tolerance=0.02)
    window = 12
    stride = 1
    embargo_minutes = 0.0  # label horizons are a few steps; the split drops no more than that
    test_fraction = 0.3  # real windows are rare: a longer tail holds enough of them to judge
    feature_names = (*(f"z__{s}" for s in WINDOW_STATS), *EXTRA, HORIZON_FEATURE)

    def examples(self, frame: pd.DataFrame, stride: int) -> Examples:
        parts = [
            self._series_examples(str(sid), rows, stride)
            for sid, rows in frame.groupby("series_id", sort=True)
        ]
        return Examples.concat(parts)

    def _series_examples(self, series_id: str, rows: pd.DataFrame, stride: int) -> Examples:
        flags = rows["in_incident"].to_numpy(bool)
        index = np.arange(0, len(rows), stride)
        index = index[~flags[index]]
        features = series_features(rows["value"].to_numpy(), self.window)[index]
        horizon = np.full(len(index), HORIZON_STEPS)
        return Examples(
            features=np.column_stack([features, horizon]).astype(np.float32),
            labels=starts_within(flags, HORIZON_STEPS)[index],
            horizons=horizon,
            timestamps=naive_utc(rows["timestamp"])[index],
            series=np.full(len(index), series_id),
            event_types=np.full(len(index), ""),
            feature_names=self.feature_names,
        )

    def baseline(self, train: Examples) -> Baseline:
        return ZScoreBaseline()

    def choose_threshold(
        self, validation: Examples, scores: np.ndarray, frame: pd.DataFrame
    ) -> float:
        """The lowest threshold whose false alarms stay within the daily budget on validation
        (operators tolerate a few alarms a day, not a few an hour)."""
        candidates = np.unique(np.quantile(scores, CANDIDATE_QUANTILES))
        for threshold in candidates:
            metrics = warning_metrics(validation, scores >= threshold, frame, HORIZON_STEPS)
            if metrics["false_alarms_per_day"] <= FALSE_ALARM_BUDGET:
                return float(threshold)
        return float(candidates[-1])

    def score(
        self, test: Examples, scores: np.ndarray, threshold: float, frame: pd.DataFrame
    ) -> dict[str, float]:
        return super().score(test, scores, threshold, frame) | warning_metrics(
            test, scores >= threshold, frame, HORIZON_STEPS
        )


class ZScoreBaseline(Baseline):
    """The classic rule: alarm when the current value is far from its recent median."""

    def score(self, examples: Examples) -> np.ndarray:
        column = examples.feature_names.index("z__last")
        return np.asarray(np.abs(examples.features[:, column]))
