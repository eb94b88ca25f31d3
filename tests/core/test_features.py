"""Window features: hand-computed statistics, no look-ahead, and serving == training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forewarn.families import get_family
from forewarn.families.examples import Examples, naive_utc
from forewarn.families.incident import CONTEXT, IncidentFamily, robust_z, series_features
from forewarn.families.telemetry import TelemetryFamily, feature_rows
from forewarn.features import WINDOW_STATS, calendar_features, sliding_windows, window_stats
from forewarn.simulator import METRICS, simulate

TELEMETRY_VALUES = (*METRICS, "anomaly_score")


@pytest.fixture(scope="module")
def fleet() -> pd.DataFrame:
    """A day of two simulated systems."""
    return simulate(systems=2, days=1, seed=1)


# --- window statistics ---


def test_window_stats_against_hand_computed_values() -> None:
    windows = np.array(
        [
            [1.0, 2.0, 3.0, 4.0, 5.0],  # a ramp up by 1 per step
            [10.0, 8.0, 6.0, 4.0, 2.0],  # down by 2
            [7.0, 7.0, 7.0, 7.0, 7.0],  # flat
            [0.0, 0.0, 0.0, 0.0, 4.0],  # a late jump
        ]
    )
    stats = window_stats(windows)
    assert tuple(stats) == WINDOW_STATS
    np.testing.assert_allclose(stats["last"], [5, 2, 7, 4])
    np.testing.assert_allclose(stats["mean"], [3, 6, 7, 0.8])
    np.testing.assert_allclose(stats["min"], [1, 2, 7, 0])
    np.testing.assert_allclose(stats["max"], [5, 10, 7, 4])
    # Population std: sqrt(2) and sqrt(8) for the ramps; (4 * 0.8^2 + 3.2^2) / 5 = 2.56.
    np.testing.assert_allclose(stats["std"], [np.sqrt(2), np.sqrt(8), 0, 1.6])
    # Least squares: sum((x - mean) * (t - 2)) / sum((t - 2)^2) = 8 / 10 for the jump.
    np.testing.assert_allclose(stats["slope"], [1.0, -2.0, 0.0, 0.8], atol=1e-12)


@pytest.mark.parametrize("step", [0.25, -3.0, 17.5])
def test_slope_of_a_ramp_is_its_step(step: float) -> None:
    ramp = 40.0 + step * np.arange(15)
    assert window_stats(ramp[None, :])["slope"][0] == pytest.approx(step, rel=1e-12)


def test_one_value_windows() -> None:
    stats = window_stats(np.array([[3.5], [-1.0]]))
    for name in ("last", "mean", "min", "max"):
        np.testing.assert_array_equal(stats[name], [3.5, -1.0])
    np.testing.assert_array_equal(stats["slope"], [0.0, 0.0])
    np.testing.assert_array_equal(stats["std"], [0.0, 0.0])


def test_sliding_windows_shape_and_padding() -> None:
    windows = sliding_windows(np.arange(1, 7), 3)
    assert windows.shape == (6, 3)
    assert windows.dtype == np.float64
    np.testing.assert_array_equal(
        windows, [[1, 1, 1], [1, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]
    )
    np.testing.assert_array_equal(sliding_windows([7, 8], 4), [[7, 7, 7, 7], [7, 7, 7, 8]])
    np.testing.assert_array_equal(sliding_windows([2, 5, 9], 1), [[2], [5], [9]])


def test_calendar_features() -> None:
    stamps = pd.DatetimeIndex(
        ["2026-01-05 00:00", "2026-01-10 06:00", "2026-01-11 18:00"], tz="UTC"
    )  # Monday midnight, Saturday 6:00, Sunday 18:00
    calendar = calendar_features(stamps)
    np.testing.assert_allclose(calendar["time_of_day_sin"], [0, 1, -1], atol=1e-12)
    np.testing.assert_allclose(calendar["time_of_day_cos"], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(
        calendar["day_of_week_sin"], np.sin(2 * np.pi * np.array([0, 5, 6]) / 7)
    )
    np.testing.assert_array_equal(calendar["is_weekend"], [0, 1, 1])


# --- features cannot see the future ---


def change_after(frame: pd.DataFrame, cut: pd.Timestamp, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with every value of `columns` after `cut` replaced by something else."""
    changed = frame.copy()
    later = changed["timestamp"] > cut
    rng = np.random.default_rng(0)
    for column in columns:
        values = changed.loc[later, column].to_numpy()
        changed.loc[later, column] = values * rng.uniform(0.2, 3.0, len(values)) + 1.0
    return changed


def assert_same_until(before: Examples, after: Examples, cut: np.datetime64) -> None:
    assert len(before) == len(after)
    past = before.timestamps <= cut
    assert past.sum() > 100
    assert (~past).sum() > 100
    np.testing.assert_array_equal(before.timestamps, after.timestamps)
    np.testing.assert_array_equal(before.series, after.series)
    np.testing.assert_array_equal(before.features[past], after.features[past])
    np.testing.assert_array_equal(before.labels, after.labels)
    # The change does reach the features after the cut, so the comparison above can fail.
    changed_rows = (before.features[~past] != after.features[~past]).any(axis=1)
    assert changed_rows.mean() > 0.5


@pytest.mark.parametrize("name", ["bottleneck", "failure"])
def test_telemetry_features_do_not_see_the_future(fleet: pd.DataFrame, name: str) -> None:
    family = get_family(name)
    cut = pd.Timestamp("2026-01-05 13:07", tz="UTC")
    before = family.examples(fleet, stride=1)
    after = family.examples(change_after(fleet, cut, TELEMETRY_VALUES), stride=1)
    assert set(before.series) == {"sys-00", "sys-01"}
    assert_same_until(before, after, naive_utc(pd.DatetimeIndex([cut]))[0])


def test_robust_z_and_series_features_do_not_see_the_future(real_incidents: pd.DataFrame) -> None:
    values = real_incidents.loc[
        real_incidents["series_id"] == "nab/realAWSCloudwatch/ec2_cpu_utilization_24ae8d", "value"
    ].to_numpy()
    cut = 2000
    changed = values.copy()
    # Not an affine change: robust z-scores would not notice one once the context has moved on.
    changed[cut + 1 :] *= np.random.default_rng(0).uniform(0.2, 3.0, len(values) - cut - 1)
    z, z_changed = robust_z(values), robust_z(changed)
    np.testing.assert_array_equal(z[: cut + 1], z_changed[: cut + 1])
    assert (z[cut + 1 :] != z_changed[cut + 1 :]).mean() > 0.9
    window = IncidentFamily.window
    rows, rows_changed = series_features(values, window), series_features(changed, window)
    assert rows.shape == (len(values), len(WINDOW_STATS) + 3)
    np.testing.assert_array_equal(rows[: cut + 1], rows_changed[: cut + 1])
    assert (rows[cut + 1 :] != rows_changed[cut + 1 :]).any(axis=1).mean() > 0.9


def test_incident_examples_do_not_see_the_future(real_incidents: pd.DataFrame) -> None:
    family = get_family("incident")
    frame = real_incidents[real_incidents["series_id"].str.startswith("nab/")]
    cut = pd.Timestamp(frame["timestamp"].iloc[1500])
    changed = frame.copy()
    later = pd.to_datetime(changed["timestamp"]) > cut
    noise = np.random.default_rng(0).uniform(0.2, 3.0, later.sum())
    changed.loc[later, "value"] = changed.loc[later, "value"] * noise + 1.0
    before, after = family.examples(frame, stride=1), family.examples(changed, stride=1)
    assert_same_until(before, after, naive_utc(pd.DatetimeIndex([cut]))[0])


def test_robust_z_uses_the_trailing_context() -> None:
    values = np.r_[np.tile([10.0, 11.0, 12.0, 13.0], CONTEXT // 4), 1000.0]
    z = robust_z(values)
    # Against the 95 values 10..13 before it (and itself), the jump is far out: clipped at 50.
    assert z[-1] == 50.0
    assert z[0] == 0.0  # one value: its own median
    assert abs(z[-2]) < 2


# --- serving computes the training features ---


@pytest.mark.parametrize("name", ["bottleneck", "failure"])
def test_serving_window_reproduces_training_row(fleet: pd.DataFrame, name: str) -> None:
    family = get_family(name)
    assert isinstance(family, TelemetryFamily)
    spec, window = family.spec, family.window
    training = family.examples(fleet, stride=1)
    rows = fleet[fleet["system_id"] == "sys-01"].reset_index(drop=True)
    free = np.flatnonzero(~rows[f"in_{spec.event}"].to_numpy(bool))
    checked = 0
    for position in (free[free >= window - 1][0], free[len(free) // 2], free[-1]):
        # What a client would send: the last `window` raw values of each metric, and now.
        windows = {
            m: rows[m].to_numpy()[position - window + 1 : position + 1][None, :]
            for m in spec.window_metrics
        }
        levels = {m: rows[m].to_numpy()[position : position + 1] for m in spec.level_metrics}
        stamp = rows["timestamp"].iloc[position : position + 1]
        for horizon in spec.horizons:
            served = feature_rows(spec, windows, levels, stamp, np.array([horizon]))
            assert served.shape == (1, len(spec.feature_names))
            assert served.dtype == np.float32
            match = (
                (training.series == "sys-01")
                & (training.horizons == horizon)
                & (training.timestamps == naive_utc(stamp)[0])
            )
            assert match.sum() == 1
            np.testing.assert_array_equal(served[0], training.features[match][0])
            checked += 1
    assert checked == 3 * len(spec.horizons)


def test_feature_rows_follow_the_spec_order(fleet: pd.DataFrame) -> None:
    spec = get_family("bottleneck").spec  # type: ignore[attr-defined]
    windows = {m: np.tile(np.arange(15.0), (2, 1)) + i for i, m in enumerate(spec.window_metrics)}
    levels = {m: np.array([3.0, 4.0]) for m in spec.level_metrics}
    stamps = pd.DatetimeIndex(["2026-01-10 06:00", "2026-01-05 00:00"])
    rows = feature_rows(spec, windows, levels, stamps, np.array([15, 240]))
    names = list(spec.feature_names)
    assert rows.shape == (2, len(names))
    assert rows[0, names.index("cpu_utilization__slope")] == 1.0
    assert rows[0, names.index("memory_usage__last")] == 15.0
    assert rows[1, names.index("agent_queue_depth")] == 4.0
    assert rows[:, names.index("is_weekend")].tolist() == [1.0, 0.0]
    assert rows[:, names.index("horizon_minutes")].tolist() == [15.0, 240.0]
