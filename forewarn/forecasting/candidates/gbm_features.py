"""Scale-free features for the global boosted model: one row per (origin, steps ahead).

Every value is expressed as `(y - level) / scale`, where `level` is the mean of the last season
before the origin and `scale` the series' MASE scale, so that one model fits series of any
size and its L1 loss is the MASE it is judged by. Features of a row only read values at or
before its origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forewarn.forecasting.candidates.base import History
from forewarn.forecasting.metrics import mase_scale

RECENT_LAGS = 12  # the last values before the origin
SEASON_SLOTS = 2  # features for the shortest and the second-shortest season
CYCLES = 3  # seasonal profile: mean of the same phase over this many past cycles
_DAY_S, _WEEK_S = 86_400, 604_800


@dataclass(frozen=True)
class Normalised:
    """A history with its rolling level and its scale."""

    history: History
    level: np.ndarray  # level[t]: mean of the `season` values ending at t
    scale: float

    @classmethod
    def of(cls, history: History) -> Normalised:
        values, window = history.values, history.season
        sums = np.concatenate(([0.0], np.cumsum(values)))
        ends = np.arange(1, len(values) + 1)
        starts = np.maximum(ends - window, 0)
        level = (sums[ends] - sums[starts]) / (ends - starts)
        return cls(history, level, mase_scale(values, history.season))

    def target(self, origins: np.ndarray, ahead: np.ndarray) -> np.ndarray:
        """What the model learns: the value `ahead` steps after the origin, normalised."""
        values = self.history.values[origins + ahead] - self.level[origins]
        return np.asarray(values / self.scale, np.float64)


def feature_rows(series: Normalised, origins: np.ndarray, ahead: np.ndarray) -> np.ndarray:
    """Feature matrix (rows x features) for paired arrays of origins and steps ahead."""
    level = series.level[origins]
    columns = [ahead.astype(np.float64), ahead / series.history.season]
    columns += _recent(series, origins, level)
    columns += _seasonal(series, origins, ahead, level)
    columns += _calendar(series.history, origins + ahead)
    columns.append(_trend(series, origins))
    return np.column_stack(columns)


def _read(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[index], NaN where the index falls before the start."""
    return np.where(index >= 0, values[np.maximum(index, 0)], np.nan)


def _recent(series: Normalised, origins: np.ndarray, level: np.ndarray) -> list[np.ndarray]:
    values = series.history.values
    return [(_read(values, origins - lag) - level) / series.scale for lag in range(RECENT_LAGS)]


def _seasonal(
    series: Normalised, origins: np.ndarray, ahead: np.ndarray, level: np.ndarray
) -> list[np.ndarray]:
    """Per season slot: the value one season before the target, and the mean of CYCLES."""
    values, seasons = series.history.values, series.history.seasons
    columns: list[np.ndarray] = []
    for slot in range(SEASON_SLOTS):
        if slot >= len(seasons):
            columns += [np.full(len(origins), np.nan)] * 2
            continue
        season = seasons[slot]
        base = origins + ahead - season * np.ceil(ahead / season).astype(np.int64)
        cycles = np.column_stack([_read(values, base - j * season) for j in range(CYCLES)])
        valid = ~np.isnan(cycles)
        counts = valid.sum(axis=1)
        profile = np.where(valid, cycles, 0.0).sum(axis=1) / np.maximum(counts, 1)
        profile[counts == 0] = np.nan
        columns += [(cycles[:, 0] - level) / series.scale, (profile - level) / series.scale]
    return columns


def _calendar(history: History, positions: np.ndarray) -> list[np.ndarray]:
    """Hour of day (below daily steps), day of week (below weekly), day of year, log step."""
    step_s = history.step.total_seconds()
    seconds = history.start.value // 10**9 + positions * int(step_s)
    hour = (seconds % _DAY_S) / 3600.0 if step_s < _DAY_S else np.full(len(positions), np.nan)
    days = seconds // _DAY_S
    weekday = ((days + 3) % 7).astype(np.float64)  # 1970-01-01 was a Thursday; Monday = 0
    if step_s >= _WEEK_S:
        weekday = np.full(len(positions), np.nan)
    day_of_year = (days % 365.25).astype(np.float64)
    return [hour, weekday, day_of_year, np.full(len(positions), np.log(step_s))]


def _trend(series: Normalised, origins: np.ndarray) -> np.ndarray:
    """Change of the level over the last season, in scale units."""
    before = _read(series.level, origins - series.history.season)
    return np.asarray((series.level[origins] - before) / series.scale, np.float64)
