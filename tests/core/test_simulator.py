"""Expectations on the synthetic telemetry: shape, determinism, labels, build-ups, seasonality."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from forewarn.simulator import (
    BOTTLENECK_RESOURCES,
    FAILURE_TYPES,
    HORIZONS,
    INCIDENT_TYPES,
    LABEL_COLUMNS,
    METRICS,
    anomaly_score,
    simulate,
)
from forewarn.simulator.labels import BOTTLENECK_RULES, FAILURE_RULES

EVENTS = {
    "bottleneck": ("next_bottleneck_resource", BOTTLENECK_RESOURCES),
    "failure": ("next_failure_type", FAILURE_TYPES),
}
# The documented thresholds, written out independently of the simulator's rules.
AT_ONSET = {
    "cpu": lambda f: (f["cpu_utilization"] >= 95) & (f["agent_queue_depth"] >= 30),
    "memory": lambda f: f["memory_usage"] >= 92,
    "disk": lambda f: f["disk_io"] >= 5000,
    "agent_queue": lambda f: f["agent_queue_depth"] >= 80,
    "out_of_memory": lambda f: f["memory_usage"] >= 99,
    "disk_space_exhaustion": lambda f: f["disk_space_remaining"] < 0.02,
    "connection_pool_exhaustion": lambda f: f["connection_pool_utilization"] >= 0.99,
    "thread_pool_exhaustion": lambda f: f["thread_pool_utilization"] >= 0.99,
    "service_outage": lambda f: f["error_rate"] >= 0.1,
}


FLAGS = [column for column in LABEL_COLUMNS if column.startswith("in_") or "_within_" in column]
FLEET_ROWS = 14 * 1440  # rows per system in the fleet fixture


@pytest.fixture(scope="module")
def fleet() -> pd.DataFrame:
    """Two weeks of sixteen systems: enough events of every kind."""
    return simulate(systems=16, days=14, seed=11)


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """Three days of three systems."""
    return simulate(systems=3, days=3, seed=5)


def onset_rows(frame: pd.DataFrame, event: str, kind: str | None = None) -> np.ndarray:
    """Positions of the onsets seen in the frame (the row after minutes_to == 1)."""
    next_name = EVENTS[event][0]
    before = (frame[f"minutes_to_{event}"] == 1).to_numpy()[:-1]
    if kind is not None:
        before = before & (frame[next_name] == kind).to_numpy()[:-1]
    return np.nonzero(before)[0] + 1


def test_same_arguments_give_the_same_frame() -> None:
    pd.testing.assert_frame_equal(simulate(2, 2, seed=3), simulate(2, 2, seed=3))


def test_other_seeds_give_other_frames() -> None:
    first, second = simulate(2, 2, seed=3), simulate(2, 2, seed=4)
    assert not np.allclose(first["cpu_utilization"], second["cpu_utilization"])
    assert not first["incident_type"].equals(second["incident_type"])


def test_columns_and_dtypes(small: pd.DataFrame) -> None:
    expected = ["timestamp", "system_id", *METRICS, "anomaly_score", "incident_type"]
    assert list(small.columns) == [*expected, *LABEL_COLUMNS]
    assert str(small["timestamp"].dtype) == "datetime64[ns, UTC]"
    for column in [*METRICS, "anomaly_score", "minutes_to_bottleneck", "minutes_to_failure"]:
        assert small[column].dtype == np.float64, column
    for column in FLAGS:
        assert small[column].dtype == bool, column
    for column in ["system_id", "incident_type", "next_bottleneck_resource", "next_failure_type"]:
        assert pd.api.types.is_string_dtype(small[column]), column


def test_values_stay_in_their_ranges(fleet: pd.DataFrame) -> None:
    assert not fleet[[*METRICS, "anomaly_score"]].isna().any().any()
    for column in ["cpu_utilization", "memory_usage"]:
        assert fleet[column].between(0, 100).all()
    fractions = ["error_rate", "disk_space_remaining", "connection_pool_utilization"]
    for column in [*fractions, "thread_pool_utilization", "anomaly_score"]:
        assert fleet[column].between(0, 1).all(), column
    for column in ["disk_io", "network_io", "agent_queue_depth", "active_tasks"]:
        assert (fleet[column] >= 0).all(), column
    for column in ["agent_queue_depth", "active_tasks"]:
        assert (fleet[column] % 1 == 0).all(), column
    assert (fleet["response_time_ms"] > 0).all()
    assert fleet["disk_io"].max() > 5000


def test_quiet_minutes_look_normal(fleet: pd.DataFrame) -> None:
    quiet = fleet[(fleet["incident_type"] == "") & ~fleet["in_bottleneck"] & ~fleet["in_failure"]]
    assert 0.001 <= quiet["error_rate"].median() <= 0.005
    assert 40 <= quiet["response_time_ms"].median() <= 80
    for column in ["disk_io", "network_io"]:
        assert 800 <= quiet[column].median() <= 1500, column


def test_one_row_per_system_per_minute(small: pd.DataFrame) -> None:
    assert small["system_id"].unique().tolist() == ["sys-00", "sys-01", "sys-02"]
    assert small.equals(small.sort_values(["system_id", "timestamp"], ignore_index=True))
    for _, rows in small.groupby("system_id"):
        assert len(rows) == 3 * 1440
        assert rows["timestamp"].iloc[0] == pd.Timestamp("2026-01-05", tz="UTC")
        assert (rows["timestamp"].diff().iloc[1:] == pd.Timedelta(minutes=1)).all()


def test_rules_are_named_like_the_public_kinds() -> None:
    assert tuple(BOTTLENECK_RULES) == BOTTLENECK_RESOURCES
    assert tuple(FAILURE_RULES) == FAILURE_TYPES


@pytest.mark.parametrize("event", EVENTS)
def test_within_grows_with_the_horizon(fleet: pd.DataFrame, event: str) -> None:
    for shorter, longer in itertools.pairwise(HORIZONS):
        assert (fleet[f"{event}_within_{shorter}"] <= fleet[f"{event}_within_{longer}"]).all()


@pytest.mark.parametrize("event", EVENTS)
def test_within_agrees_with_minutes_to(fleet: pd.DataFrame, event: str) -> None:
    next_name, kinds = EVENTS[event]
    minutes = fleet[f"minutes_to_{event}"]
    assert minutes.dropna().between(1, max(HORIZONS)).all()
    assert (minutes.dropna() % 1 == 0).all()
    for horizon in HORIZONS:
        assert fleet[f"{event}_within_{horizon}"].equals(minutes <= horizon)
    assert ((fleet[next_name] == "") == minutes.isna()).all()
    assert set(fleet[next_name]) == {"", *kinds}


@pytest.mark.parametrize("event", EVENTS)
def test_minutes_to_count_down_to_onsets_in_the_data(fleet: pd.DataFrame, event: str) -> None:
    next_name = EVENTS[event][0]
    minutes = fleet[f"minutes_to_{event}"].to_numpy()
    same_system = fleet["system_id"].to_numpy()[1:] == fleet["system_id"].to_numpy()[:-1]
    counting = same_system & (minutes[:-1] > 1)
    assert (minutes[1:][counting] == minutes[:-1][counting] - 1).all()
    onsets = onset_rows(fleet, event)
    assert fleet[f"in_{event}"].to_numpy()[onsets].all()
    for kind in EVENTS[event][1]:
        rows = fleet.iloc[onset_rows(fleet, event, kind)]
        assert len(rows) and AT_ONSET[kind](rows).all(), kind
    on = fleet[f"in_{event}"].to_numpy()
    rising = np.nonzero(same_system & on[1:] & ~on[:-1])[0] + 1
    assert np.isin(rising, onsets).all()
    assert (fleet[next_name].to_numpy()[onsets - 1] != "").all()


def test_every_incident_type_occurs(fleet: pd.DataFrame) -> None:
    assert set(fleet["incident_type"]) == {"", *INCIDENT_TYPES}


def test_without_incidents_nothing_breaks() -> None:
    calm = simulate(systems=4, days=3, seed=2, incidents_per_day=0)
    assert (calm["incident_type"] == "").all()
    assert not calm[FLAGS].any().any()


def test_memory_climbs_before_memory_bottlenecks(fleet: pd.DataFrame) -> None:
    medians = fleet.groupby("system_id")["memory_usage"].transform("median").to_numpy()
    memory = fleet["memory_usage"].to_numpy()
    onsets = onset_rows(fleet, "bottleneck", "memory")
    before = np.array(
        [memory[t - 60 : t].mean() - medians[t] for t in onsets if t % FLEET_ROWS >= 60]
    )
    assert len(before) >= 10
    assert (before > 10).all() and before.mean() > 15


def test_connection_pools_fill_before_their_failures(fleet: pd.DataFrame) -> None:
    pool = fleet["connection_pool_utilization"].to_numpy()
    onsets = onset_rows(fleet, "failure", "connection_pool_exhaustion")
    onsets = onsets[onsets % FLEET_ROWS >= 120]
    assert len(onsets) >= 10
    late = np.array([pool[t - 30 : t].mean() for t in onsets])
    early = np.array([pool[t - 120 : t - 90].mean() for t in onsets])
    assert (late > early).all() and (late - early).mean() > 0.15


def test_near_misses_and_benign_spikes_exist(fleet: pd.DataFrame) -> None:
    kind = fleet["incident_type"]
    stretch = ((kind != kind.shift()) | (fleet["system_id"] != fleet["system_id"].shift())).cumsum()
    trouble = (fleet["in_bottleneck"] | fleet["in_failure"]).groupby(stretch).any()
    missed = ~trouble[kind.groupby(stretch).first() != ""]
    assert 0.1 < missed.mean() < 0.4
    quiet = ~fleet["bottleneck_within_15"] & ~fleet["in_bottleneck"]
    assert ((fleet["cpu_utilization"] >= 95) & quiet).sum() > 20
    quiet = ~fleet["failure_within_15"] & ~fleet["in_failure"]
    assert ((fleet["error_rate"] >= 0.1) & quiet).sum() > 20


def test_anomaly_score_uses_no_future_values() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(size=(600, 2))
    scores = anomaly_score(values)
    for t in (0, 30, 200, 598):
        changed = values.copy()
        changed[t + 1 :] = rng.lognormal(size=changed[t + 1 :].shape) * 50
        np.testing.assert_array_equal(anomaly_score(changed)[: t + 1], scores[: t + 1])
    assert ((scores >= 0) & (scores <= 1)).all()


def test_anomaly_score_flags_a_jump() -> None:
    series = 50 + np.random.default_rng(1).normal(0, 2, 300)
    series[200] = 120
    scores = anomaly_score(series)
    assert scores[200] > 0.9 and np.median(scores[:200]) < 0.5
    assert scores[0] == 0


def test_frame_anomaly_score_comes_from_the_function(small: pd.DataFrame) -> None:
    for _, rows in small.groupby("system_id"):
        expected = anomaly_score(rows[["response_time_ms", "error_rate"]].to_numpy())
        np.testing.assert_allclose(rows["anomaly_score"].to_numpy(), expected)


def test_business_hours_are_busier(fleet: pd.DataFrame) -> None:
    hour, weekend = fleet["timestamp"].dt.hour, fleet["timestamp"].dt.day_of_week >= 5
    cpu = fleet["cpu_utilization"]
    business, night = cpu[~weekend & hour.between(10, 16)], cpu[~weekend & (hour < 5)]
    assert business.mean() > night.mean() + 10
    assert cpu[weekend & hour.between(10, 16)].mean() < business.mean() - 5


def test_invalid_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        simulate(systems=0)
    with pytest.raises(ValueError):
        simulate(incidents_per_day=-1)
