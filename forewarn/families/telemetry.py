"""Families trained on telemetry: the probability that an event (bottleneck, failure) starts
within a horizon, from windows of recent metrics. The horizon is a feature with a monotone
constraint, so one booster answers any horizon and P(event within h) never falls as h grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forewarn.families.base import Baseline, Family
from forewarn.families.examples import Examples, naive_utc
from forewarn.families.training import HORIZON_FEATURE
from forewarn.features import WINDOW_STATS, calendar_features, sliding_windows, window_stats

CALENDAR = (
    "time_of_day_sin",
    "time_of_day_cos",
    "day_of_week_sin",
    "day_of_week_cos",
    "is_weekend",
)


@dataclass(frozen=True)
class TelemetrySpec:
    """Which metrics a telemetry family reads, and how."""

    event: str  # label columns are `<event>_within_<h>`, `in_<event>`
    type_column: str  # the column naming the next event's type or resource
    window_metrics: tuple[str, ...]  # given as windows: summarised by WINDOW_STATS
    level_metrics: tuple[str, ...]  # given as current values only
    calendar: bool
    horizons: tuple[int, ...]
    risk_direction: Mapping[str, int]  # baseline: +1 when high values are risky, -1 when low
    optional: frozenset[str] = frozenset()  # inputs a request may omit (imputed by medians)

    @property
    def feature_names(self) -> tuple[str, ...]:
        windowed = [f"{m}__{s}" for m in self.window_metrics for s in WINDOW_STATS]
        calendar = list(CALENDAR) if self.calendar else []
        return (*windowed, *self.level_metrics, *calendar, HORIZON_FEATURE)


def feature_rows(
    spec: TelemetrySpec,
    windows: Mapping[str, np.ndarray],
    levels: Mapping[str, np.ndarray],
    timestamps: np.ndarray | None,
    horizons: np.ndarray,
) -> np.ndarray:
    """Feature rows (float32, in `spec.feature_names` order) for serving and training alike.

    `windows[m]` is rows x window length (oldest first); `levels[m]` one value per row.
    """
    columns: list[np.ndarray] = []
    for metric in spec.window_metrics:
        stats = window_stats(windows[metric])
        columns += [stats[name] for name in WINDOW_STATS]
    columns += [np.asarray(levels[m], dtype=np.float64) for m in spec.level_metrics]
    if spec.calendar:
        if timestamps is None:
            raise ValueError("calendar features need the timestamp of each row")
        calendar = calendar_features(timestamps)
        columns += [calendar[name] for name in CALENDAR]
    columns.append(np.asarray(horizons, dtype=np.float64))
    return np.column_stack(columns).astype(np.float32)


class TelemetryFamily(Family):
    """A family over the `telemetry` kind, described by its `spec`."""

    kind = "telemetry"
    dataset = "telemetry-sim"
    window = 15
    stride = 5
    spec: TelemetrySpec

    @property
    def embargo_minutes(self) -> float:  # type: ignore[override]
        return float(max(self.spec.horizons))

    def examples(self, frame: pd.DataFrame, stride: int) -> Examples:
        parts = [
            self._system_examples(rows, stride) for _, rows in frame.groupby("system_id", sort=True)
        ]
        return Examples.concat([p for part in parts for p in part])

    def _system_examples(self, rows: pd.DataFrame, stride: int) -> list[Examples]:
        spec = self.spec
        index = np.arange(self.window - 1, len(rows), stride)
        index = index[~rows[f"in_{spec.event}"].to_numpy(bool)[index]]
        windows = {
            m: sliding_windows(rows[m].to_numpy(), self.window)[index] for m in spec.window_metrics
        }
        levels = {m: rows[m].to_numpy()[index] for m in spec.level_metrics}
        stamps = naive_utc(rows["timestamp"])[index]
        types = rows[spec.type_column].fillna("").astype(str).to_numpy()[index]
        series = rows["system_id"].astype(str).to_numpy()[index]
        return [
            Examples(
                features=feature_rows(spec, windows, levels, stamps, np.full(len(index), h)),
                labels=rows[f"{spec.event}_within_{h}"].to_numpy(bool)[index],
                horizons=np.full(len(index), h),
                timestamps=stamps,
                series=series,
                event_types=types,
                feature_names=spec.feature_names,
            )
            for h in spec.horizons
        ]

    def baseline(self, train: Examples) -> Baseline:
        return RiskRankBaseline(self.spec, train)


class RiskRankBaseline(Baseline):
    """A threshold rule: alarm when any risk metric is unusually high (or low) right now.

    Each metric's current value is turned into its rank among training values; the score is the
    highest rank, so a threshold on it means "some metric is above its q-th percentile".
    """

    def __init__(self, spec: TelemetrySpec, train: Examples) -> None:
        names = list(train.feature_names)
        self.columns = {
            m: names.index(f"{m}__last" if f"{m}__last" in names else m)
            for m in spec.risk_direction
        }
        self.direction = dict(spec.risk_direction)
        self.reference = {
            m: np.sort(train.features[:, c] * self.direction[m]) for m, c in self.columns.items()
        }

    def score(self, examples: Examples) -> np.ndarray:
        ranks = [
            np.searchsorted(self.reference[m], examples.features[:, c] * self.direction[m])
            / max(len(self.reference[m]), 1)
            for m, c in self.columns.items()
        ]
        return np.asarray(np.max(ranks, axis=0))
