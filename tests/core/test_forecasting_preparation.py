"""Series preparation: step inference, merging, gap treatment, and errors that name the series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forewarn.forecasting import (
    PreparationRules,
    default_horizon,
    detect_seasons,
    infer_step,
    prepare_frame,
    prepare_series,
)
from forewarn.settings import PROJECT_ROOT

START = pd.Timestamp("2024-01-01", tz="UTC")
RULES = PreparationRules(min_points=5)


def minutes(*offsets: float) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([START + pd.Timedelta(minutes=m) for m in offsets])


def test_step_is_the_mode_of_snapped_intervals() -> None:
    jittery = minutes(0, 9, 20, 31, 40, 50, 70, 80)  # 9/11 min jitter and a 20 min gap
    assert infer_step(jittery) == pd.Timedelta(minutes=10)
    assert infer_step(minutes(0, 5, 5, 10, 15, 30)) == pd.Timedelta(minutes=5)  # duplicates
    assert infer_step(pd.date_range(START, periods=5, freq="1D")) == pd.Timedelta(days=1)


def test_irregular_duplicated_gappy_input_is_counted_exactly() -> None:
    # 10-minute data: one row off grid (+1 min), one duplicate, one unsorted row, a NaN value
    # and a two-point gap (at minutes 70 and 80).
    times = minutes(0, 10, 21, 30, 30, 50, 40, 60, 90, 100, 110)
    values = [1.0, 2.0, 3.0, 4.0, 6.0, 6.0, np.nan, 7.0, 10.0, 11.0, 12.0]
    series = prepare_series("web", times, values, RULES)
    assert series.report.as_dict() == {
        "series_id": "web", "step_seconds": 600, "rows": 11, "missing_values": 1,
        "unsorted_rows": 1, "duplicate_timestamps": 1, "off_grid_rows": 1, "merged_rows": 1,
        "gaps": 2, "interpolated_points": 3, "seasonal_filled_points": 0, "dropped_points": 0,
        "longest_gap_points": 2, "points": 12, "observed_points": 9,
        "start": "2024-01-01T00:00:00Z", "end": "2024-01-01T01:50:00Z",
    }  # fmt: skip
    assert series.values.tolist() == [1, 2, 3, 5, 5.5, 6, 7, 8, 9, 10, 11, 12]
    assert series.observed.tolist() == [True] * 4 + [False, True, True, False, False] + [True] * 3


def test_gap_longer_than_a_week_drops_the_history_before_it() -> None:
    hours = pd.date_range(START, periods=24 * 30, freq="1h")
    keep = (hours < START + pd.Timedelta(days=5)) | (hours >= START + pd.Timedelta(days=13))
    series = prepare_series("cpu", hours[keep], np.ones(int(keep.sum())))
    assert series.report.dropped_points == 24 * 5
    assert series.report.longest_gap_points == 24 * 8
    assert series.start == START + pd.Timedelta(days=13)
    assert series.observed.all()


def test_gap_of_hours_in_a_daily_cycle_keeps_the_cycle() -> None:
    hours = pd.date_range(START, periods=24 * 6, freq="1h")
    cycle = np.sin(2 * np.pi * np.arange(len(hours)) / 24)
    missing = (hours >= START + pd.Timedelta(days=4, hours=3)) & (
        hours < START + pd.Timedelta(days=4, hours=9)
    )
    series = prepare_series("cpu", hours[~missing], cycle[~missing])
    assert series.report.seasonal_filled_points == 6 and series.report.interpolated_points == 0
    np.testing.assert_allclose(series.values, cycle, atol=1e-9)


@pytest.mark.parametrize(
    ("times", "values", "problem"),
    [
        (minutes(0, 5, 10), [1.0, 2.0, 3.0], "too short: 3 observations"),
        (minutes(*range(0, 50, 5)), [1.0] * 9 + [np.inf], "1 infinite or non-numeric value"),
        (minutes(*range(0, 50, 5)), [1.0] * 9 + ["high"], "1 infinite or non-numeric value"),
        (pd.date_range(START, periods=10, freq="30D"), [1.0] * 10, "is not a supported step"),
        (
            minutes(0, 5, 10, 15, 20, 25, 60, 120, 180, 240, 300, 360),
            [1.0] * 12,
            "only 16% of the grid is observed",
        ),
    ],
)
def test_bad_input_raises_naming_the_series(
    times: pd.DatetimeIndex, values: list[object], problem: str
) -> None:
    with pytest.raises(ValueError, match=rf"series 'db-7': .*{problem}"):
        prepare_series("db-7", times, np.asarray(values, dtype=object), RULES)


def test_frame_collects_failures_when_asked() -> None:
    good = pd.DataFrame(
        {"timestamp": minutes(*range(0, 100, 5)), "series_id": "a", "value": np.arange(20.0)}
    )
    bad = good.head(3).assign(series_id="b")
    frame = pd.concat([good, bad])
    prepared = prepare_frame(frame, skip_invalid=True)
    assert [s.series_id for s in prepared.series] == ["a"]
    assert "too short" in prepared.failures["b"]
    assert prepared.reports()["a"]["points"] == 20
    with pytest.raises(ValueError, match="series 'b'"):
        prepare_frame(frame)


def test_real_series_with_daylight_saving_duplicates() -> None:
    """NAB's disk writes: 12 rows stamped 03:00 on the US DST night, then a 1-minute step."""
    frame = pd.read_csv(PROJECT_ROOT / "datasets/workload-series/workload_series.csv.gz")
    rows = frame[frame["series_id"] == "nab/realAWSCloudwatch/ec2_disk_write_bytes_1ef3de"]
    report = prepare_series("disk", rows["timestamp"], rows["value"]).report
    assert (
        report.step_seconds,
        report.rows,
        report.duplicate_timestamps,
        report.merged_rows,
        report.gaps,
        report.interpolated_points,
    ) == (300, 4730, 11, 11, 1, 11)


@pytest.mark.parametrize(
    ("step", "length", "seasons", "horizon"),
    [
        ("5min", 4032, (288, 2016), 72),
        ("5min", 4031, (288,), 72),
        ("1min", 15840, (1440,), 360),
        ("1h", 720, (24, 168), 24),
        ("1D", 2709, (7, 365), 14),
        ("1D", 700, (7,), 14),
        ("7D", 100, (), 12),
    ],
)
def test_seasons_and_horizon_follow_the_step(
    step: str, length: int, seasons: tuple[int, ...], horizon: int
) -> None:
    assert detect_seasons(pd.Timedelta(step), length) == seasons
    assert default_horizon(pd.Timedelta(step)) == horizon
