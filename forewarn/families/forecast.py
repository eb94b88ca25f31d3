"""What a telemetry family answers for one observation: per horizon, the probability of the
event with an interval, its likely type, and the inputs that drove it; plus the minutes until
the event becomes more likely than not. Serving fills the API's responses from this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forewarn.families.examples import naive_utc
from forewarn.families.model import EventModel
from forewarn.families.telemetry import TelemetrySpec, feature_rows
from forewarn.families.training import HORIZON_FEATURE

GRID_STEP_MINUTES = 5


@dataclass(frozen=True)
class Observation:
    """Recent metrics of one system: windows (oldest first) and current levels. Inputs named in
    `spec.optional` may be left out: their features take the training medians."""

    windows: Mapping[str, Sequence[float]]
    levels: Mapping[str, float]
    timestamp: pd.Timestamp | None = None


@dataclass(frozen=True)
class Forecast:
    """The answer for one horizon."""

    horizon: int
    probability: float
    interval: tuple[float, float]
    likely_type: str | None
    type_probabilities: dict[str, float]
    drivers: dict[str, float]  # share of the explanation per input, largest first


@dataclass(frozen=True)
class Outlook:
    """Forecasts for the requested horizons and the median time to the event."""

    forecasts: list[Forecast]
    minutes_to_event: float | None  # None: not more likely than not within the trained range
    imputed: list[str]  # inputs that were missing and stood in for by training medians


@dataclass(frozen=True)
class Query:
    """One observation to score, at which horizons, with which interval confidence."""

    observation: Observation
    horizons: Sequence[int]
    confidence: float = 0.95


def forecast(spec: TelemetrySpec, model: EventModel, observation: Observation,
             horizons: Sequence[int], confidence: float = 0.95) -> Outlook:
    """Score `observation` at `horizons` and on a grid of horizons for the time to the event."""
    return forecast_many(spec, model, [Query(observation, horizons, confidence)])[0]


def forecast_many(spec: TelemetrySpec, model: EventModel,
                  queries: Sequence[Query]) -> list[Outlook]:
    """Score many observations with one call per booster: per-call costs (above all the
    DMatrix that explanations need) are paid once for the whole batch."""
    grid = np.arange(GRID_STEP_MINUTES, max(model.facts.horizons) + 1, GRID_STEP_MINUTES)
    missing = [_check(spec, model, q.observation, q.horizons) for q in queries]
    blocks = [_impute(model, observation_rows(spec, q.observation, np.concatenate(
        [np.asarray(q.horizons, dtype=np.float64), grid])), gone)
        for q, gone in zip(queries, missing, strict=True)]
    rows = np.vstack(blocks)
    if not np.isfinite(rows).all():
        raise ValueError("inputs too large: their features overflow 32-bit floats")
    probabilities = model.probability(rows)
    starts = np.cumsum([0, *(len(b) for b in blocks)])[:-1]
    asked = np.concatenate([start + np.arange(len(q.horizons))
                            for start, q in zip(starts, queries, strict=True)])
    types = model.type_probabilities(rows[asked])
    drivers = _drivers(model, model.contributions(rows[asked]))
    outlooks, offset = [], 0
    for start, query, gone in zip(starts, queries, missing, strict=True):
        count = len(query.horizons)
        chance = probabilities[start: start + count + len(grid)]
        crossed = np.flatnonzero(chance[count:] >= 0.5)
        intervals = model.interval(chance[:count], query.confidence)
        forecasts = [
            Forecast(int(h), float(chance[i]), (float(intervals[i, 0]), float(intervals[i, 1])),
                     *_likely_type(model, types, offset + i), drivers[offset + i])
            for i, h in enumerate(query.horizons)
        ]
        outlooks.append(Outlook(forecasts, float(grid[crossed[0]]) if crossed.size else None,
                                gone))
        offset += count
    return outlooks


def _check(spec: TelemetrySpec, model: EventModel, observation: Observation,
           horizons: Sequence[int]) -> list[str]:
    """Refuse bad inputs by name; return the optional inputs that are missing."""
    missing = []
    for metric in spec.window_metrics:
        values = observation.windows.get(metric)
        if values is None and metric in spec.optional and model.facts.feature_medians:
            missing.append(metric)
        elif values is None or len(values) == 0 or not np.isfinite(values).all():
            raise ValueError(f"{metric}: a window of finite values is required")
    for metric in spec.level_metrics:
        value = observation.levels.get(metric)
        if value is None and metric in spec.optional and model.facts.feature_medians:
            missing.append(metric)
        elif value is None or not np.isfinite(value):
            raise ValueError(f"{metric}: a finite current value is required")
    longest = max(model.facts.horizons)
    for horizon in horizons:
        if not 1 <= horizon <= longest:
            raise ValueError(f"horizon {horizon}: must be between 1 and {longest} minutes")
    return missing


def observation_rows(spec: TelemetrySpec, observation: Observation,
                     horizons: np.ndarray) -> np.ndarray:
    """One feature row per horizon: the window features are computed once, then repeated."""
    windows = {m: np.asarray(observation.windows.get(m, [0.0]), dtype=np.float64)[None, :]
               for m in spec.window_metrics}
    levels = {m: np.array([float(observation.levels.get(m, 0.0))]) for m in spec.level_metrics}
    stamp = (naive_utc(pd.DatetimeIndex([observation.timestamp])) if observation.timestamp
             else np.array([np.datetime64("now", "m")]))
    base = feature_rows(spec, windows, levels, stamp, np.zeros(1))
    rows = np.repeat(base, len(horizons), axis=0)
    rows[:, spec.feature_names.index(HORIZON_FEATURE)] = horizons
    return rows


def _impute(model: EventModel, rows: np.ndarray, missing: list[str]) -> np.ndarray:
    """Features of missing inputs replaced by their training medians."""
    for column, name in enumerate(model.facts.feature_names):
        if _source(name) in missing:
            rows[:, column] = model.facts.feature_medians[column]
    return rows


def _likely_type(model: EventModel, types: np.ndarray, row: int
                 ) -> tuple[str | None, dict[str, float]]:
    if types.shape[1] == 0:
        return None, {}
    shares = {name: float(p) for name, p in zip(model.facts.type_classes, types[row], strict=True)}
    return max(shares, key=shares.__getitem__), shares


def _drivers(model: EventModel, contributions: np.ndarray) -> list[dict[str, float]]:
    """Per row: each input's share of the absolute contributions (its features summed)."""
    sources = [_source(name) for name in model.facts.feature_names]
    names = sorted({s for s in sources if s is not None})
    result = []
    for row in contributions:
        totals = {n: abs(float(sum(c for s, c in zip(sources, row, strict=True) if s == n)))
                  for n in names}
        whole = sum(totals.values()) or 1.0
        result.append(dict(sorted(((n, v / whole) for n, v in totals.items()),
                                  key=lambda item: -item[1])))
    return result


def _source(feature: str) -> str | None:
    """The request input a feature comes from (None for the horizon itself)."""
    if feature == HORIZON_FEATURE:
        return None
    if feature.startswith(("time_of_day", "day_of_week", "is_weekend")):
        return "time_of_week"
    return feature.split("__", 1)[0]
