"""What a family answers for one observation, on a model trained on small simulated data.

Observations come from another simulated fleet (another seed) than the one the model was
trained on: what it foresees there, it did not see in training."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forewarn.families import TrainingResult, get_family
from forewarn.families.forecast import Observation, Query, forecast, forecast_many, median_times
from forewarn.families.telemetry import TelemetryFamily
from forewarn.simulator import simulate

BOTTLENECK: TelemetryFamily = get_family("bottleneck")  # type: ignore[assignment]


@pytest.fixture(scope="module")
def trained() -> TrainingResult:
    """A bottleneck model trained on ten days of six simulated systems."""
    return BOTTLENECK.train(simulate(systems=6, days=10, seed=3))


@pytest.fixture(scope="module")
def telemetry() -> pd.DataFrame:
    """A fleet the model never saw: simulated with another seed than its training data."""
    return simulate(systems=4, days=7, seed=13)


def observation_at(frame: pd.DataFrame, end: int) -> tuple[Observation, float]:
    """The 15-minute window ending at row `end`, and the minutes from there to a bottleneck."""
    window = frame.loc[end - 14 : end]
    assert len(window) == 15 and window["system_id"].nunique() == 1
    spec = BOTTLENECK.spec
    return Observation(
        windows={m: window[m].tolist() for m in spec.window_metrics},
        levels={m: float(frame.loc[end, m]) for m in spec.level_metrics},
        timestamp=frame.loc[end, "timestamp"],
    ), float(frame.loc[end, "minutes_to_bottleneck"])


def whole_window(frame: pd.DataFrame, end: int) -> bool:
    """Whether the 15 rows ending at `end` all belong to one system."""
    return end >= 14 and frame.loc[end - 14, "system_id"] == frame.loc[end, "system_id"]


def rows_before(frame: pd.DataFrame, resource: str, minutes: tuple[int, int]) -> list[int]:
    """Rows a few `minutes` before a `resource` bottleneck starts, with a whole window."""
    ahead = frame[
        (frame.next_bottleneck_resource == resource)
        & ~frame.in_bottleneck
        & frame.minutes_to_bottleneck.between(*minutes)
    ].index
    return [end for end in ahead if whole_window(frame, end)]


def observation_before(
    frame: pd.DataFrame, resource: str, minutes: tuple[int, int]
) -> tuple[Observation, float]:
    """The window ending a few minutes before the first `resource` bottleneck of the fleet."""
    return observation_at(frame, rows_before(frame, resource, minutes)[0])


def test_building_memory_leaks_are_foreseen_with_their_resource_and_timing(
    telemetry: pd.DataFrame, trained: TrainingResult
) -> None:
    ends = rows_before(telemetry, "memory", (25, 25))  # one row per leak
    assert len(ends) >= 5
    timely = 0

    for end in ends:
        observation, truth = observation_at(telemetry, end)
        outlook = forecast(BOTTLENECK.spec, trained.model, observation, [15, 60, 240])
        probabilities = [f.probability for f in outlook.forecasts]
        assert probabilities == sorted(probabilities), end  # monotone in the horizon
        assert {f.likely_type for f in outlook.forecasts} == {"memory"}, end
        assert next(iter(outlook.forecasts[1].drivers)) == "memory_usage", end
        timely += (
            probabilities[1] > 0.5
            and outlook.minutes_to_event is not None
            and abs(outlook.minutes_to_event - truth) <= 30
        )

    assert timely >= 0.8 * len(ends)  # likely within the hour, and when, for most of them


def test_quiet_minutes_are_not_foreseen_as_bottlenecks(
    telemetry: pd.DataFrame, trained: TrainingResult
) -> None:
    quiet = telemetry.index[telemetry.minutes_to_bottleneck.isna() & ~telemetry.in_bottleneck]
    ends = [end for end in quiet[::97] if whole_window(telemetry, end)]
    queries = [Query(observation_at(telemetry, end)[0], [60]) for end in ends]

    outlooks = forecast_many(BOTTLENECK.spec, trained.model, queries)

    chances = np.array([outlook.forecasts[0].probability for outlook in outlooks])
    assert len(chances) > 50
    assert chances.max() < 0.5 and np.median(chances) < 0.1


def test_intervals_drivers_and_types_are_well_formed(
    telemetry: pd.DataFrame, trained: TrainingResult
) -> None:
    observation, _ = observation_before(telemetry, "cpu", (5, 60))

    [item] = forecast(BOTTLENECK.spec, trained.model, observation, [30], 0.9).forecasts

    low, high = item.interval
    assert 0 <= low <= item.probability <= high <= 1
    assert math.isclose(sum(item.drivers.values()), 1.0, rel_tol=1e-6)
    assert all(type(v) is float for v in item.drivers.values())
    assert math.isclose(sum(item.type_probabilities.values()), 1.0, rel_tol=1e-5)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.windows.pop("memory_usage"), "memory_usage: a window"),
        (
            lambda o: o.windows.__setitem__("cpu_utilization", [50.0, float("nan")]),
            "cpu_utilization: a window of finite values",
        ),
        (
            lambda o: o.levels.__setitem__("agent_queue_depth", float("inf")),
            "agent_queue_depth: a finite current",
        ),
    ],
)
def test_incomplete_observations_are_refused_by_name(
    telemetry: pd.DataFrame, trained: TrainingResult, change, message: str
) -> None:
    observation, _ = observation_before(telemetry, "memory", (18, 25))
    observation = Observation(dict(observation.windows), dict(observation.levels))
    change(observation)
    with pytest.raises(ValueError, match=message):
        forecast(BOTTLENECK.spec, trained.model, observation, [30])


@pytest.mark.parametrize("horizon", [0, 241])
def test_horizons_outside_the_trained_range_are_refused(
    telemetry: pd.DataFrame, trained: TrainingResult, horizon: int
) -> None:
    observation, _ = observation_before(telemetry, "memory", (18, 25))
    with pytest.raises(ValueError, match="between 1 and 240"):
        forecast(BOTTLENECK.spec, trained.model, observation, [horizon])


def test_optional_inputs_left_out_are_imputed_and_reported(
    telemetry: pd.DataFrame, trained: TrainingResult
) -> None:
    full, _ = observation_before(telemetry, "memory", (18, 25))
    partial = Observation(
        {m: full.windows[m] for m in ("cpu_utilization", "memory_usage", "disk_io")},
        {},
        full.timestamp,
    )

    outlook = forecast(BOTTLENECK.spec, trained.model, partial, [30])

    assert outlook.imputed == ["network_io", "agent_queue_depth", "active_tasks"]
    assert 0 <= outlook.forecasts[0].probability <= 1
    assert outlook.forecasts[0].likely_type == "memory"


@pytest.mark.parametrize(
    ("chances", "expected"),
    [
        ([0.2, 0.4, 0.6, 0.9], 45.0),  # halfway from 30 (0.4) to 60 (0.6)
        ([0.8, 0.9, 0.95, 0.99], 9.4),  # from zero at time zero to 0.8 at 15
        ([0.1, 0.2, 0.3, 0.5], 240.0),
        ([0.1, 0.2, 0.3, 0.49], None),
    ],
)
def test_the_time_to_the_event_is_interpolated_between_trained_horizons(
    chances: list[float], expected: float | None
) -> None:
    horizons = np.array([15.0, 30.0, 60.0, 240.0])
    assert median_times(horizons, np.array([chances])) == [expected]


def test_a_batch_answers_as_its_queries_alone_and_exact_explanations_change_only_drivers(
    telemetry: pd.DataFrame, trained: TrainingResult
) -> None:
    memory, _ = observation_before(telemetry, "memory", (18, 25))
    cpu, _ = observation_before(telemetry, "cpu", (5, 60))
    short = Observation({m: v[-5:] for m, v in cpu.windows.items()}, cpu.levels)  # no timestamp
    queries = [
        Query(memory, [15, 60]),
        Query(short, [30], 0.8),
        Query(memory, [15, 60], 0.95, exact_explanation=True),
    ]

    together = forecast_many(BOTTLENECK.spec, trained.model, queries)

    for query, outlook in zip(queries, together, strict=True):
        alone = forecast_many(BOTTLENECK.spec, trained.model, [query])[0]
        assert outlook.forecasts == alone.forecasts
        assert outlook.minutes_to_event == alone.minutes_to_event
    approximate, exact = together[0], together[2]
    assert len(exact.forecasts) == 2
    for a, e in zip(approximate.forecasts, exact.forecasts, strict=True):
        assert (a.probability, a.interval, a.type_probabilities) == (
            e.probability,
            e.interval,
            e.type_probabilities,
        )
        assert a.drivers != e.drivers
        assert math.isclose(sum(e.drivers.values()), 1.0, rel_tol=1e-6)
