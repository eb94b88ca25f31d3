"""Labelled examples: what a family trains and evaluates on, and the time-ordered split."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd


def naive_utc(stamps: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Timestamps as datetime64[ns] in UTC without a zone: fast to compare and slice."""
    index = pd.DatetimeIndex(stamps)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy(dtype="datetime64[ns]")


@dataclass(frozen=True)
class Examples:
    """Feature rows with their labels. One row per (time, series, horizon)."""

    features: np.ndarray  # float32, rows x features
    labels: np.ndarray  # bool: does the event start within the row's horizon
    horizons: np.ndarray  # int: the row's horizon
    timestamps: np.ndarray  # datetime64[ns]: the time the window ends
    series: np.ndarray  # str: system or series id
    event_types: np.ndarray  # str: type of the next event ("" if none is near)
    feature_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, mask: np.ndarray) -> Examples:
        """The rows where `mask` is true."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return Examples(**{k: v if k == "feature_names" else v[mask] for k, v in values.items()})

    @staticmethod
    def concat(parts: list[Examples]) -> Examples:
        """Rows of all `parts`, in order."""
        first = parts[0]
        values = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(first)
            if f.name != "feature_names"
        }
        return Examples(**values, feature_names=first.feature_names)


@dataclass(frozen=True)
class TimeSplit:
    """Train / validation / test by time, with an embargo so labels never cross a boundary."""

    train: Examples
    validation: Examples
    test: Examples


def split_by_time(
    examples: Examples,
    embargo_minutes: float,
    test_fraction: float = 0.2,
    validation_fraction: float = 0.15,
) -> TimeSplit:
    """Per series: the oldest rows train, the next ones validate, the newest tail tests.

    Rows within `embargo_minutes` before a boundary are dropped: their labels look past it.
    """
    times = pd.Series(examples.timestamps)
    by_series = times.groupby(examples.series)
    start = by_series.transform("min").to_numpy()
    span = by_series.transform("max").to_numpy() - start
    test_start = start + span * (1 - test_fraction)
    validation_start = start + span * (1 - test_fraction - validation_fraction)
    embargo = np.timedelta64(int(embargo_minutes * 60), "s")
    t = times.to_numpy()
    return TimeSplit(
        train=examples.subset(t <= validation_start - embargo),
        validation=examples.subset((t > validation_start) & (t <= test_start - embargo)),
        test=examples.subset(t > test_start),
    )
