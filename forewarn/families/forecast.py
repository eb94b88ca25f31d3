"""What a telemetry family answers for one observation: per horizon, the probability of the
event with an interval, its likely type, and the inputs that drove it; plus the minutes until
the event becomes more likely than not. Serving fills the API's responses from this.

Everything is computed for a whole batch of observations at once (one `feature_rows` call per
shape of windows, one booster call per output), so that a batch costs little more than a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np

from forewarn.families.model import EventModel
from forewarn.families.telemetry import TelemetrySpec, feature_rows
from forewarn.families.training import HORIZON_FEATURE


@dataclass(frozen=True)
class Observation:
    """Recent metrics of one system: windows (oldest first) and current levels. Inputs named in
    `spec.optional` may be left out: their features take the training medians."""

    windows: Mapping[str, Sequence[float]]
    levels: Mapping[str, float]
    timestamp: datetime | None = None  # default: now


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
    exact_explanation: bool = False  # TreeSHAP drivers instead of path attributions


def forecast(
    spec: TelemetrySpec,
    model: EventModel,
    observation: Observation,
    horizons: Sequence[int],
    confidence: float = 0.95,
) -> Outlook:
    """Score `observation` at `horizons` and on a grid of horizons for the time to the event."""
    return forecast_many(spec, model, [Query(observation, horizons, confidence)])[0]


def forecast_many(
    spec: TelemetrySpec, model: EventModel, queries: Sequence[Query]
) -> list[Outlook]:
    """Score many observations with one call per booster: per-call costs (above all the
    DMatrix that explanations need) are paid once for the whole batch.

    Each observation is scored at its asked horizons and at the model's trained horizons; the
    time to the event is interpolated between the latter (the booster saw no other horizons,
    so a finer grid would only repeat their values)."""
    missing = [_check(spec, model, q.observation, q.horizons) for q in queries]
    trained = np.asarray(sorted(model.facts.horizons), dtype=np.float64)
    horizons = [
        np.concatenate([np.asarray(q.horizons, dtype=np.float64), trained]) for q in queries
    ]
    rows = np.repeat(
        base_rows(spec, model, [q.observation for q in queries], missing),
        [len(h) for h in horizons],
        axis=0,
    )
    rows[:, spec.feature_names.index(HORIZON_FEATURE)] = np.concatenate(horizons)
    if not np.isfinite(rows).all():
        raise ValueError("inputs too large: their features overflow 32-bit floats")
    probabilities = model.probability(rows)
    counts = np.array([len(q.horizons) for q in queries])
    starts = np.cumsum([0, *(len(h) for h in horizons)])[:-1]
    asked = np.concatenate(
        [start + np.arange(count) for start, count in zip(starts, counts, strict=True)]
    )
    types = _likely_types(model, model.type_probabilities(rows[asked]))
    exact = np.repeat([q.exact_explanation for q in queries], counts)
    drivers = _drivers(model, _contributions(model, rows[asked], exact))
    intervals = model.interval(
        probabilities[asked], np.repeat([q.confidence for q in queries], counts)
    )
    times = median_times(
        trained, probabilities[(starts + counts)[:, None] + np.arange(len(trained))]
    )
    outlooks = []
    for first, query, gone, time in zip(
        np.cumsum([0, *counts])[:-1], queries, missing, times, strict=True
    ):
        forecasts = [
            Forecast(
                int(h),
                float(probabilities[asked[i]]),
                (float(intervals[i, 0]), float(intervals[i, 1])),
                *types[i],
                drivers[i],
            )
            for i, h in enumerate(query.horizons, start=first)
        ]
        outlooks.append(Outlook(forecasts, time, gone))
    return outlooks


def median_times(horizons: np.ndarray, chances: np.ndarray) -> list[float | None]:
    """Per row of `chances` (observations x trained horizons): the minutes until P(event)
    reaches one half, linear between the trained horizons and from zero at time zero; None
    when it stays below one half. The horizon's monotone constraint keeps each row
    non-decreasing, so the first crossing is the only one."""
    reached = chances >= 0.5
    first = reached.argmax(axis=1)
    rows = np.arange(len(chances))
    before = np.where(first > 0, horizons[first - 1], 0.0)
    p_before = np.where(first > 0, chances[rows, first - 1], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # rows that never reach one half
        share = (0.5 - p_before) / (chances[rows, first] - p_before)
    times = before + share * (horizons[first] - before)
    hits = np.asarray(reached.any(axis=1))
    return [round(float(t), 1) if hit else None for t, hit in zip(times, hits, strict=True)]


def _check(
    spec: TelemetrySpec, model: EventModel, observation: Observation, horizons: Sequence[int]
) -> list[str]:
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


def base_rows(
    spec: TelemetrySpec,
    model: EventModel,
    observations: Sequence[Observation],
    missing: Sequence[list[str]],
) -> np.ndarray:
    """One feature row per observation (horizon 0), its missing inputs at training medians.
    Observations whose windows have the same lengths are summarised together."""
    rows = np.empty((len(observations), len(spec.feature_names)), dtype=np.float32)
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for index, observation in enumerate(observations):
        shape = tuple(len(observation.windows.get(m, ())) for m in spec.window_metrics)
        groups[shape].append(index)
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "m")
    for indices in groups.values():
        chosen = [observations[i] for i in indices]
        windows = {
            m: np.array([o.windows.get(m, (0.0,)) for o in chosen], dtype=np.float64)
            for m in spec.window_metrics
        }
        levels = {
            m: np.array([o.levels.get(m, 0.0) for o in chosen], dtype=np.float64)
            for m in spec.level_metrics
        }
        stamps = np.array([_utc_minute(o.timestamp, now) for o in chosen])
        rows[indices] = feature_rows(spec, windows, levels, stamps, np.zeros(len(indices)))
    sources = _sources(tuple(model.facts.feature_names))
    medians = np.asarray(model.facts.feature_medians, dtype=np.float32)
    for index, gone in enumerate(missing):
        if gone:
            columns = [c for c, source in enumerate(sources) if source in gone]
            rows[index, columns] = medians[columns]
    return rows


def _utc_minute(stamp: datetime | None, now: np.datetime64) -> np.datetime64:
    if stamp is None:
        return now
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(stamp, "m")


def _contributions(model: EventModel, rows: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Contributions per row, exact TreeSHAP only for the rows whose query asked for it."""
    contributions = np.empty(rows.shape, dtype=np.float32)
    for wanted in (False, True):
        chosen = exact == wanted
        if chosen.any():
            contributions[chosen] = model.contributions(rows[chosen], exact=wanted)
    return contributions


def _likely_types(
    model: EventModel, types: np.ndarray
) -> list[tuple[str | None, dict[str, float]]]:
    """Per row: the most likely type and every type's probability (None and {} without a
    type booster)."""
    if types.shape[1] == 0:
        return [(None, {})] * len(types)
    classes = model.facts.type_classes
    return [
        (classes[best], dict(zip(classes, row, strict=True)))
        for best, row in zip(types.argmax(axis=1).tolist(), types.tolist(), strict=True)
    ]


def _drivers(model: EventModel, contributions: np.ndarray) -> list[dict[str, float]]:
    """Per row: each input's share of the absolute contributions (its features summed),
    largest first."""
    names, membership = _inputs(tuple(model.facts.feature_names))
    totals = np.abs(contributions.astype(np.float64) @ membership)
    whole = totals.sum(axis=1, keepdims=True)
    shares = totals / np.where(whole > 0, whole, 1.0)
    order = np.argsort(-shares, axis=1, kind="stable")
    return [
        {names[j]: float(row[j]) for j in ranks} for row, ranks in zip(shares, order, strict=True)
    ]


@cache
def _inputs(feature_names: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
    """The request inputs behind the features (sorted) and a features x inputs 0/1 matrix."""
    sources = _sources(feature_names)
    names = sorted({s for s in sources if s is not None})
    membership = np.array([[float(s == n) for n in names] for s in sources])
    return names, membership


@cache
def _sources(feature_names: tuple[str, ...]) -> tuple[str | None, ...]:
    return tuple(_source(name) for name in feature_names)


def _source(feature: str) -> str | None:
    """The request input a feature comes from (None for the horizon itself)."""
    if feature == HORIZON_FEATURE:
        return None
    if feature.startswith(("time_of_day", "day_of_week", "is_weekend")):
        return "time_of_week"
    return feature.split("__", 1)[0]
