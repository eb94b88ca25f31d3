"""Profiling: time quality (steps, gaps, duplicates) reported, not repaired, and column stats."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forewarn.catalog.kinds import METRIC_SERIES
from forewarn.catalog.profiling import column_statistics, time_quality
from forewarn.catalog.validation import validate
from support import metric_frame


def test_gap_in_five_minute_data_is_reported_not_filled() -> None:
    frame = metric_frame("a", rows=36)
    hour = (frame["timestamp"] > "2026-02-01 01:00Z") & (frame["timestamp"] < "2026-02-01 02:00Z")
    assert hour.sum() == 11
    frame = pd.concat([frame[~hour], metric_frame("b", rows=20)], ignore_index=True)
    out = validate(frame, METRIC_SERIES, "gap.csv")
    assert len(out) == len(frame)

    quality = time_quality(out, METRIC_SERIES)
    assert quality["series"] == 2
    assert quality["step_minutes"] == {"a": 5.0, "b": 5.0}
    assert quality["gaps"] == {
        "count": 1,
        "missing_steps": 11,
        "examples": [
            {
                "series": "a",
                "after": "2026-02-01 01:00:00+00:00",
                "before": "2026-02-01 02:00:00+00:00",
                "missing_steps": 11,
            }
        ],
    }
    assert quality["duplicates"] == {"count": 0, "examples": []}


def test_duplicate_timestamps_are_reported_not_dropped() -> None:
    frame = metric_frame("a", rows=6)
    frame = pd.concat(
        [frame.iloc[:3], frame.iloc[2:3], frame.iloc[2:3], frame.iloc[3:]], ignore_index=True
    )
    out = validate(frame, METRIC_SERIES, "dup.csv")
    assert len(out) == 8
    quality = time_quality(out, METRIC_SERIES)
    assert quality["duplicates"] == {
        "count": 1,
        "examples": [{"series": "a", "timestamp": "2026-02-01 00:10:00+00:00"}],
    }
    assert quality["gaps"]["count"] == 0
    assert quality["step_minutes"] == {"a": 5.0}


def test_real_series_gaps_are_counted(real_incidents: pd.DataFrame) -> None:
    out = validate(real_incidents, METRIC_SERIES, "real.csv.gz")
    quality = time_quality(out, METRIC_SERIES)
    assert quality["step_minutes"] == {
        "ms/middle-tier-api-dependency-latency/outbound-01": 60.0,
        "nab/realAWSCloudwatch/ec2_cpu_utilization_24ae8d": 5.0,
        "nab/realKnownCause/rogue_agent_key_hold": 5.0,
    }
    # Only rogue_agent_key_hold has holes: count them from its raw text independently.
    rogue = real_incidents[real_incidents["series_id"].str.contains("rogue")]
    steps = pd.to_datetime(rogue["timestamp"]).diff().dropna() / pd.Timedelta(minutes=5)
    assert set(steps.unique()) > {1.0, 2.0}
    assert quality["gaps"]["count"] == (steps > 1).sum() > 5
    assert quality["gaps"]["missing_steps"] == (steps[steps > 1] - 1).sum()
    assert len(quality["gaps"]["examples"]) == 5
    assert {g["series"] for g in quality["gaps"]["examples"]} == {
        "nab/realKnownCause/rogue_agent_key_hold"
    }
    assert quality["duplicates"]["count"] == 0


def test_column_statistics() -> None:
    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0, 3.0, 10.0],
            "count": pd.array([0, 1, None, 1], dtype="Int64"),
            "name": ["x", "y", "x", "x"],
            "flag": [True, False, False, False],
            "time": pd.to_datetime(
                ["2026-01-02", "2026-01-01", "2026-01-04", "2026-01-03"], utc=True
            ),
        }
    )
    stats = column_statistics(frame)
    assert set(stats) == set(frame.columns)
    value = stats["value"]
    assert value == {
        "dtype": "float64",
        "nulls": 0,
        "min": 1.0,
        "max": 10.0,
        "mean": 4.0,
        "std": pytest.approx(np.std([1, 2, 3, 10], ddof=1)),
        "p50": 2.5,
    }
    assert stats["count"]["nulls"] == 1
    assert stats["count"]["mean"] == pytest.approx(2 / 3)
    assert stats["name"]["distinct"] == 2
    assert stats["name"]["top"] == {"x": 3, "y": 1}
    assert stats["flag"]["true_fraction"] == 0.25
    assert stats["time"]["min"] == "2026-01-01 00:00:00+00:00"
    assert stats["time"]["max"] == "2026-01-04 00:00:00+00:00"
    json.dumps(stats)  # manifests hold them as JSON
