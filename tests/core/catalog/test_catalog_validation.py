"""Dataset kinds and validation: canonical types, and each rule a frame can break, by name."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd
import pytest

from forewarn.catalog import KINDS, DatasetValidationError, get_kind
from forewarn.catalog.kinds import METRIC_SERIES, TELEMETRY, KindName
from forewarn.catalog.validation import validate
from support import FLEET_SOURCE, TELEMETRY_COLUMNS, metric_frame


def rejected(
    frame: pd.DataFrame, kind: str = "telemetry", source: str = FLEET_SOURCE
) -> DatasetValidationError:
    """The error validating `frame` raises, after checking its message names rule and column."""
    with pytest.raises(DatasetValidationError) as caught:
        validate(frame, get_kind(kind), source)
    error = caught.value
    assert str(error).startswith(f"{source}: column {error.column!r} breaks rule '{error.rule}'")
    return error


def test_kinds_are_known_by_name() -> None:
    assert set(KINDS) == {"telemetry", "metric-series", "workload-series"}
    assert set(get_args(KindName)) == set(KINDS)  # the choice flows and the API offer
    assert get_kind("telemetry") is TELEMETRY
    assert TELEMETRY.column("cpu_utilization").max == 100.0
    with pytest.raises(ValueError, match=r"unknown dataset kind 'logs'.*metric-series"):
        get_kind("logs")


def test_valid_telemetry_gets_canonical_types(telemetry: pd.DataFrame) -> None:
    raw = telemetry.astype(object)
    # Text as a CSV would hold it, times in another zone and integral counts without a point.
    raw["timestamp"] = telemetry["timestamp"].dt.tz_convert("Asia/Kolkata").astype(str)
    raw["active_tasks"] = telemetry["active_tasks"].astype(int).astype(str)
    raw["cpu_utilization"] = telemetry["cpu_utilization"].map(repr)
    raw["extra"] = "kept"
    before = raw.copy()

    out = validate(raw, TELEMETRY, FLEET_SOURCE)

    assert isinstance(out["timestamp"].dtype, pd.DatetimeTZDtype)
    assert str(out["timestamp"].dt.tz) == "UTC"
    assert (out["timestamp"] == telemetry["timestamp"]).all()
    for column in TELEMETRY_COLUMNS[2:]:
        assert out[column].dtype == np.float64, column
        np.testing.assert_array_equal(out[column].to_numpy(), telemetry[column].to_numpy())
    assert pd.api.types.is_string_dtype(out["system_id"])
    assert list(out.columns) == [*TELEMETRY_COLUMNS, "extra"]
    assert len(out) == len(raw)
    pd.testing.assert_frame_equal(raw, before)  # the input is not modified


def test_optional_column_may_be_absent(telemetry: pd.DataFrame) -> None:
    out = validate(telemetry.drop(columns="anomaly_score"), TELEMETRY, FLEET_SOURCE)
    assert "anomaly_score" not in out.columns


def test_missing_required_column(telemetry: pd.DataFrame) -> None:
    frame = telemetry.drop(columns=["memory_usage", "disk_io"])
    error = rejected(frame)
    assert (error.source, error.column, error.rule) == (
        FLEET_SOURCE,
        "memory_usage",
        "required column is missing",
    )
    assert error.sample == [{"row": 0, "columns_found": ", ".join(frame.columns)}]


def test_unparseable_timestamp(telemetry: pd.DataFrame) -> None:
    frame = telemetry.astype({"timestamp": str})
    frame.loc[3, "timestamp"] = "yesterday at noon"
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (
        "timestamp",
        "values must be of type timestamp",
        1,
    )
    assert error.sample[0]["row"] == 3
    assert error.sample[0]["timestamp"] == "yesterday at noon"
    assert error.sample[0]["system_id"] == frame.loc[3, "system_id"]


def test_non_numeric_value(telemetry: pd.DataFrame) -> None:
    frame = telemetry.astype({"cpu_utilization": object})
    frame.loc[4, "cpu_utilization"] = "high"
    error = rejected(frame)
    assert (error.column, error.rule) == ("cpu_utilization", "values must be of type float")
    assert [r["row"] for r in error.sample] == [4]
    assert error.sample[0]["cpu_utilization"] == "high"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("memory_usage", np.nan),
        ("system_id", ""),
        ("system_id", "   "),
        ("timestamp", None),
    ],
)
def test_empty_value(telemetry: pd.DataFrame, column: str, value: object) -> None:
    frame = telemetry.astype({column: object})
    frame.loc[5, column] = value
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (column, "values must not be empty", 1)
    assert error.sample[0]["row"] == 5


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("cpu_utilization", 120.0, "0 <= cpu_utilization <= 100"),
        ("memory_usage", -0.5, "0 <= memory_usage <= 100"),
        ("error_rate", 1.5, "0 <= error_rate <= 1"),
        ("disk_io", -1.0, "0 <= disk_io <= inf"),
    ],
)
def test_value_out_of_range(telemetry: pd.DataFrame, column: str, value: float, rule: str) -> None:
    frame = telemetry.copy()
    frame.loc[7, column] = value
    error = rejected(frame)
    assert (error.source, error.column, error.rule, error.row_count) == (
        FLEET_SOURCE,
        column,
        rule,
        1,
    )
    assert error.sample[0]["row"] == 7
    assert error.sample[0][column] == value
    assert rule in str(error)


def test_range_bounds_are_inclusive(telemetry: pd.DataFrame) -> None:
    frame = telemetry.copy()
    frame.loc[0, "cpu_utilization"], frame.loc[1, "cpu_utilization"] = 0.0, 100.0
    frame.loc[2, "error_rate"] = 1.0
    assert len(validate(frame, TELEMETRY, FLEET_SOURCE)) == len(frame)


def test_sample_is_capped_but_count_is_not(telemetry: pd.DataFrame) -> None:
    frame = telemetry.copy()
    bad = [2, 3, 5, 8, 13, 21, 34]
    frame.loc[bad, "cpu_utilization"] = 150.0
    error = rejected(frame)
    assert error.row_count == 7
    assert [r["row"] for r in error.sample] == bad[:5]
    assert "in 7 row(s)" in str(error)


def test_valid_metric_series(real_incidents: pd.DataFrame) -> None:
    out = validate(real_incidents, METRIC_SERIES, "real.csv.gz")
    assert len(out) == len(real_incidents)
    assert out["in_incident"].dtype == "Int64"
    assert out["value"].dtype == np.float64
    assert str(out["timestamp"].dt.tz) == "UTC"
    assert out["timestamp"].iloc[0] == pd.Timestamp(real_incidents["timestamp"].iloc[0])


def test_in_incident_must_be_zero_or_one(real_incidents: pd.DataFrame) -> None:
    frame = real_incidents.copy()
    frame.loc[11, "in_incident"] = 2
    error = rejected(frame, "metric-series", "real.csv")
    assert (error.source, error.column, error.rule) == (
        "real.csv",
        "in_incident",
        "0 <= in_incident <= 1",
    )
    assert error.sample[0]["row"] == 11
    assert error.sample[0]["in_incident"] == 2


def test_in_incident_must_be_integral() -> None:
    frame = metric_frame()
    frame["in_incident"] = frame["in_incident"].astype(float)
    frame.loc[2, "in_incident"] = 0.5
    error = rejected(frame, "metric-series")
    assert (error.column, error.rule) == ("in_incident", "values must be of type int")


def test_interleaved_systems_may_share_and_repeat_times(telemetry: pd.DataFrame) -> None:
    assert telemetry["system_id"].iloc[:4].tolist() == ["sys-00", "sys-01"] * 2
    repeated = pd.concat([telemetry.iloc[:1], telemetry]).reset_index(drop=True)
    assert len(validate(repeated, TELEMETRY, FLEET_SOURCE)) == len(telemetry) + 1


def test_time_going_backwards_within_a_system(telemetry: pd.DataFrame) -> None:
    frame = telemetry.copy()
    # sys-00 sits on even rows: its third time (row 4) goes back to its first.
    frame.loc[4, "timestamp"] = frame.loc[0, "timestamp"]
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (
        "timestamp",
        "timestamps must not go backwards within a system_id",
        1,
    )
    assert error.sample[0]["row"] == 4
    assert error.sample[0]["system_id"] == "sys-00"
