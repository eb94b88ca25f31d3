"""The dataset catalog: kinds, validation, profiling, sources, versioned storage and ingestion."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forewarn.catalog import (
    KINDS,
    Catalog,
    DatasetNotFound,
    DatasetValidationError,
    Manifest,
    get_kind,
    ingest,
)
from forewarn.catalog.catalog import canonical, content_hash
from forewarn.catalog.ingest import read_validated
from forewarn.catalog.kinds import METRIC_SERIES, TELEMETRY
from forewarn.catalog.profiling import column_statistics, time_quality
from forewarn.catalog.sources import read_source
from forewarn.catalog.validation import validate
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.storage import LocalObjectStore, ObjectStore, open_store

TELEMETRY_COLUMNS = [c.name for c in TELEMETRY.columns]
SOURCE = "/data/fleet.csv"


# --- fixtures and helpers ---


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return simulate(systems=3, days=5, seed=1)


@pytest.fixture
def telemetry(sim: pd.DataFrame) -> pd.DataFrame:
    """20 minutes of two systems, interleaved by time as a fleet export would be."""
    rows = sim[sim["system_id"].isin(["sys-00", "sys-01"])].groupby("system_id").head(20)
    rows = rows.sort_values(["timestamp", "system_id"], kind="stable")
    return rows[TELEMETRY_COLUMNS].reset_index(drop=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def catalog(store: ObjectStore) -> Catalog:
    return Catalog(store)


def metric_frame(series: str = "a", rows: int = 10, step: str = "5min") -> pd.DataFrame:
    stamps = pd.date_range("2026-02-01", periods=rows, freq=step, tz="UTC")
    return pd.DataFrame({"series_id": series, "timestamp": stamps,
                         "value": np.arange(rows, dtype=float), "in_incident": 0})


def rejected(frame: pd.DataFrame, kind: str = "telemetry",
             source: str = SOURCE) -> DatasetValidationError:
    with pytest.raises(DatasetValidationError) as caught:
        validate(frame, get_kind(kind), source)
    error = caught.value
    assert str(error).startswith(f"{source}: column {error.column!r} breaks rule '{error.rule}'")
    return error


def snapshot(store: ObjectStore) -> dict[str, bytes]:
    return {key: store.get_bytes(key) for key in store.list()}


# --- kinds ---


def test_kinds_are_known_by_name() -> None:
    assert set(KINDS) == {"telemetry", "metric-series"}
    assert get_kind("telemetry") is TELEMETRY
    assert TELEMETRY.column("cpu_utilization").max == 100.0
    with pytest.raises(ValueError, match=r"unknown dataset kind 'logs'.*metric-series"):
        get_kind("logs")


# --- validation ---


def test_valid_telemetry_gets_canonical_types(telemetry: pd.DataFrame) -> None:
    raw = telemetry.astype(object)
    # Text as a CSV would hold it, times in another zone and integral counts without a point.
    raw["timestamp"] = telemetry["timestamp"].dt.tz_convert("Asia/Kolkata").astype(str)
    raw["active_tasks"] = telemetry["active_tasks"].astype(int).astype(str)
    raw["cpu_utilization"] = telemetry["cpu_utilization"].map(repr)
    raw["extra"] = "kept"
    before = raw.copy()

    out = validate(raw, TELEMETRY, SOURCE)

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
    out = validate(telemetry.drop(columns="anomaly_score"), TELEMETRY, SOURCE)
    assert "anomaly_score" not in out.columns


def test_missing_required_column(telemetry: pd.DataFrame) -> None:
    frame = telemetry.drop(columns=["memory_usage", "disk_io"])
    error = rejected(frame)
    assert (error.source, error.column, error.rule) == (
        SOURCE, "memory_usage", "required column is missing")
    assert error.sample == [{"row": 0, "columns_found": ", ".join(frame.columns)}]


def test_unparseable_timestamp(telemetry: pd.DataFrame) -> None:
    frame = telemetry.astype({"timestamp": str})
    frame.loc[3, "timestamp"] = "yesterday at noon"
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (
        "timestamp", "values must be of type timestamp", 1)
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


@pytest.mark.parametrize(("column", "value"), [
    ("memory_usage", np.nan), ("system_id", ""), ("system_id", "   "), ("timestamp", None),
])
def test_empty_value(telemetry: pd.DataFrame, column: str, value: object) -> None:
    frame = telemetry.astype({column: object})
    frame.loc[5, column] = value
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (column, "values must not be empty", 1)
    assert error.sample[0]["row"] == 5


@pytest.mark.parametrize(("column", "value", "rule"), [
    ("cpu_utilization", 120.0, "0 <= cpu_utilization <= 100"),
    ("memory_usage", -0.5, "0 <= memory_usage <= 100"),
    ("error_rate", 1.5, "0 <= error_rate <= 1"),
    ("disk_io", -1.0, "0 <= disk_io <= inf"),
])
def test_value_out_of_range(telemetry: pd.DataFrame, column: str, value: float,
                            rule: str) -> None:
    frame = telemetry.copy()
    frame.loc[7, column] = value
    error = rejected(frame)
    assert (error.source, error.column, error.rule, error.row_count) == (SOURCE, column, rule, 1)
    assert error.sample[0]["row"] == 7
    assert error.sample[0][column] == value
    assert rule in str(error)


def test_range_bounds_are_inclusive(telemetry: pd.DataFrame) -> None:
    frame = telemetry.copy()
    frame.loc[0, "cpu_utilization"], frame.loc[1, "cpu_utilization"] = 0.0, 100.0
    frame.loc[2, "error_rate"] = 1.0
    assert len(validate(frame, TELEMETRY, SOURCE)) == len(frame)


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
        "real.csv", "in_incident", "0 <= in_incident <= 1")
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
    assert len(validate(repeated, TELEMETRY, SOURCE)) == len(telemetry) + 1


def test_time_going_backwards_within_a_system(telemetry: pd.DataFrame) -> None:
    frame = telemetry.copy()
    # sys-00 sits on even rows: its third time (row 4) goes back to its first.
    frame.loc[4, "timestamp"] = frame.loc[0, "timestamp"]
    error = rejected(frame)
    assert (error.column, error.rule, error.row_count) == (
        "timestamp", "timestamps must not go backwards within a system_id", 1)
    assert error.sample[0]["row"] == 4
    assert error.sample[0]["system_id"] == "sys-00"


# --- profiling ---


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
    assert quality["gaps"] == {"count": 1, "missing_steps": 11, "examples": [{
        "series": "a", "after": "2026-02-01 01:00:00+00:00",
        "before": "2026-02-01 02:00:00+00:00", "missing_steps": 11}]}
    assert quality["duplicates"] == {"count": 0, "examples": []}


def test_duplicate_timestamps_are_reported_not_dropped() -> None:
    frame = metric_frame("a", rows=6)
    frame = pd.concat([frame.iloc[:3], frame.iloc[2:3], frame.iloc[2:3], frame.iloc[3:]],
                      ignore_index=True)
    out = validate(frame, METRIC_SERIES, "dup.csv")
    assert len(out) == 8
    quality = time_quality(out, METRIC_SERIES)
    assert quality["duplicates"] == {
        "count": 1, "examples": [{"series": "a", "timestamp": "2026-02-01 00:10:00+00:00"}]}
    assert quality["gaps"]["count"] == 0
    assert quality["step_minutes"] == {"a": 5.0}


def test_real_series_gaps_are_counted(real_incidents: pd.DataFrame) -> None:
    out = validate(real_incidents, METRIC_SERIES, "real.csv.gz")
    quality = time_quality(out, METRIC_SERIES)
    assert quality["step_minutes"] == {
        "ms/middle-tier-api-dependency-latency/outbound-01": 60.0,
        "nab/realAWSCloudwatch/ec2_cpu_utilization_24ae8d": 5.0,
        "nab/realKnownCause/rogue_agent_key_hold": 5.0}
    # Only rogue_agent_key_hold has holes: count them from its raw text independently.
    rogue = real_incidents[real_incidents["series_id"].str.contains("rogue")]
    steps = pd.to_datetime(rogue["timestamp"]).diff().dropna() / pd.Timedelta(minutes=5)
    assert set(steps.unique()) > {1.0, 2.0}
    assert quality["gaps"]["count"] == (steps > 1).sum() > 5
    assert quality["gaps"]["missing_steps"] == (steps[steps > 1] - 1).sum()
    assert len(quality["gaps"]["examples"]) == 5
    assert {g["series"] for g in quality["gaps"]["examples"]} == {
        "nab/realKnownCause/rogue_agent_key_hold"}
    assert quality["duplicates"]["count"] == 0


def test_column_statistics() -> None:
    frame = pd.DataFrame({
        "value": [1.0, 2.0, 3.0, 10.0],
        "count": pd.array([0, 1, None, 1], dtype="Int64"),
        "name": ["x", "y", "x", "x"],
        "flag": [True, False, False, False],
        "time": pd.to_datetime(["2026-01-02", "2026-01-01", "2026-01-04", "2026-01-03"],
                               utc=True),
    })
    stats = column_statistics(frame)
    assert set(stats) == set(frame.columns)
    value = stats["value"]
    assert value == {"dtype": "float64", "nulls": 0, "min": 1.0, "max": 10.0, "mean": 4.0,
                     "std": pytest.approx(np.std([1, 2, 3, 10], ddof=1)), "p50": 2.5}
    assert stats["count"]["nulls"] == 1
    assert stats["count"]["mean"] == pytest.approx(2 / 3)
    assert stats["name"]["distinct"] == 2
    assert stats["name"]["top"] == {"x": 3, "y": 1}
    assert stats["flag"]["true_fraction"] == 0.25
    assert stats["time"]["min"] == "2026-01-01 00:00:00+00:00"
    assert stats["time"]["max"] == "2026-01-04 00:00:00+00:00"
    json.dumps(stats)  # manifests hold them as JSON


# --- sources ---


def write(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith((".csv", ".csv.gz")):
        frame.to_csv(path, index=False)
    elif name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        text = frame.to_json(orient="records", lines=True, date_format="iso")
        path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    else:
        path.write_text("not data")
    return path


@pytest.fixture
def rounded(telemetry: pd.DataFrame) -> pd.DataFrame:
    """Values every text format writes exactly (JSON keeps 10 decimals)."""
    return telemetry.round({c: 6 for c in TELEMETRY_COLUMNS[2:]})


def same_values(actual: pd.DataFrame, expected: pd.DataFrame, exact: bool = True) -> None:
    """Equal frames, whatever the timestamp resolution; JSON readers compared to 1e-12."""
    actual = actual.assign(timestamp=actual["timestamp"].dt.as_unit("ns"))
    expected = expected.assign(timestamp=expected["timestamp"].dt.as_unit("ns"))
    if exact:
        pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    else:
        pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("name", ["fleet.csv", "fleet.csv.gz", "fleet.parquet", "fleet.jsonl",
                                  "fleet.jsonl.gz", "fleet.ndjson"])
def test_each_file_format_reads_back(tmp_path: Path, settings: Settings, rounded: pd.DataFrame,
                                     name: str) -> None:
    path = write(rounded, tmp_path / name)
    files = read_source(str(path), settings)
    assert [f.location for f in files] == [str(path)]
    exact = ".csv" in name or ".parquet" in name
    same_values(validate(files[0].frame, TELEMETRY, files[0].location), rounded, exact)
    same_values(read_validated(str(path), "telemetry", settings), rounded, exact)


def test_folder_reads_every_data_file_sorted(tmp_path: Path, settings: Settings,
                                             rounded: pd.DataFrame) -> None:
    folder = tmp_path / "export"
    parts = [rounded.iloc[:10], rounded.iloc[10:25], rounded.iloc[25:]]
    write(parts[1], folder / "b.csv")
    write(parts[0], folder / "a.parquet")
    write(parts[2], folder / "sub" / "c.jsonl")
    write(rounded, folder / "README.md")
    files = read_source(str(folder), settings)
    assert [f.location for f in files] == [
        str(folder / "a.parquet"), str(folder / "b.csv"), str(folder / "sub" / "c.jsonl")]
    assert [len(f.frame) for f in files] == [10, 15, len(rounded) - 25]
    same_values(read_validated(str(folder), "telemetry", settings), rounded, exact=False)
    exact = read_validated(str(folder), "telemetry", settings).iloc[:25]
    same_values(exact, rounded.iloc[:25])


def test_folder_errors_name_the_bad_file(tmp_path: Path, settings: Settings,
                                         rounded: pd.DataFrame) -> None:
    folder = tmp_path / "export"
    write(rounded.iloc[:10], folder / "a.csv")
    bad = rounded.iloc[10:].reset_index(drop=True)
    bad.loc[2, "cpu_utilization"] = 120.0
    bad_path = write(bad, folder / "b.csv")
    with pytest.raises(DatasetValidationError) as caught:
        read_validated(str(folder), "telemetry", settings)
    assert caught.value.source == str(bad_path)
    assert str(caught.value).startswith(f"{bad_path}: column 'cpu_utilization'")
    assert caught.value.sample[0]["row"] == 2


def test_missing_path(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        read_source(str(tmp_path / "nowhere.csv"), settings)


def test_unsupported_suffix(tmp_path: Path, settings: Settings, rounded: pd.DataFrame) -> None:
    path = write(rounded, tmp_path / "fleet.xlsx")
    with pytest.raises(ValueError, match=r"fleet\.xlsx: unsupported format"):
        read_source(str(path), settings)


def test_empty_folder(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no data here")
    with pytest.raises(ValueError, match=r"holds no \.csv"):
        read_source(str(tmp_path / "empty"), settings)


def test_corrupt_file_names_the_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(ValueError, match=r"broken\.parquet: cannot be parsed"):
        read_source(str(path), settings)


@pytest.fixture
def s3_source(s3_settings: Settings, rounded: pd.DataFrame, tmp_path: Path) -> str:
    """`s3://<bucket>/raw/` holding a CSV, a Parquet file and a note."""
    store = open_store(s3_settings)
    store.put_bytes("raw/b.csv", write(rounded.iloc[12:], tmp_path / "b.csv").read_bytes())
    store.put_bytes("raw/a.parquet",
                    write(rounded.iloc[:12], tmp_path / "a.parquet").read_bytes())
    store.put_bytes("raw/notes.txt", b"not data")
    return f"s3://{s3_settings.s3_bucket}/raw/"


def test_s3_prefix_source(s3_source: str, s3_settings: Settings, rounded: pd.DataFrame) -> None:
    files = read_source(s3_source, s3_settings)
    assert [f.location for f in files] == [s3_source + "a.parquet", s3_source + "b.csv"]
    same_values(read_validated(s3_source, "telemetry", s3_settings), rounded)
    single = read_source(s3_source + "a.parquet", s3_settings)
    assert [f.location for f in single] == [s3_source + "a.parquet"]


def test_s3_errors_name_the_object(s3_source: str, s3_settings: Settings,
                                   rounded: pd.DataFrame, tmp_path: Path) -> None:
    bad = rounded.iloc[12:].reset_index(drop=True).astype({"disk_io": object})
    bad.loc[0, "disk_io"] = "unknown"
    open_store(s3_settings).put_bytes("raw/b.csv", write(bad, tmp_path / "bad.csv").read_bytes())
    with pytest.raises(DatasetValidationError) as caught:
        read_validated(s3_source, "telemetry", s3_settings)
    assert caught.value.source == s3_source + "b.csv"
    assert (caught.value.column, caught.value.rule) == ("disk_io", "values must be of type float")


def test_s3_empty_prefix_is_refused(s3_source: str, s3_settings: Settings) -> None:
    with pytest.raises(ValueError, match="nothing"):
        read_source(s3_source.replace("/raw/", "/nothing/"), s3_settings)
    with pytest.raises(ValueError, match=r"notes\.txt: unsupported format"):
        read_source(s3_source + "notes.txt", s3_settings)


def test_s3_missing_file_is_a_value_error(s3_source: str, s3_settings: Settings) -> None:
    with pytest.raises(ValueError, match=r"missing\.csv"):
        read_source(s3_source + "missing.csv", s3_settings)


def test_s3_single_file_reads_only_that_file(s3_source: str, s3_settings: Settings,
                                             rounded: pd.DataFrame, tmp_path: Path) -> None:
    open_store(s3_settings).put_bytes(
        "raw/b.csv.gz", write(rounded.iloc[:3], tmp_path / "old.csv.gz").read_bytes())
    files = read_source(s3_source + "b.csv", s3_settings)
    assert [f.location for f in files] == [s3_source + "b.csv"]


# --- the catalog, on the local store and on S3 ---


def test_add_writes_data_and_manifest(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE)
    manifest, created = catalog.add(frame, "fleet", "telemetry", source=SOURCE,
                                    licence="CC-BY-4.0", description="two systems")
    assert created
    data = canonical(frame, TELEMETRY)
    assert manifest.sha256 == content_hash(data)
    assert len(manifest.sha256) == 64
    assert manifest.version == manifest.sha256[:12]
    assert (manifest.name, manifest.kind, manifest.rows) == ("fleet", "telemetry", len(frame))
    assert (manifest.source, manifest.licence, manifest.description) == (
        SOURCE, "CC-BY-4.0", "two systems")
    assert manifest.schema == {c: str(t) for c, t in data.dtypes.items()}
    assert list(manifest.schema) == TELEMETRY_COLUMNS
    assert manifest.statistics["cpu_utilization"]["max"] == frame["cpu_utilization"].max()
    assert manifest.statistics["system_id"]["distinct"] == 2
    assert manifest.quality["series"] == 2
    assert manifest.quality["step_minutes"] == {"sys-00": 1.0, "sys-01": 1.0}
    assert manifest.quality["gaps"]["count"] == manifest.quality["duplicates"]["count"] == 0
    created_at = pd.Timestamp(manifest.created_at)
    assert created_at.tzinfo is not None
    assert abs(pd.Timestamp.now(tz="UTC") - created_at) < pd.Timedelta(minutes=5)
    assert manifest.tags == {"dataset.name": "fleet", "dataset.version": manifest.version,
                             "dataset.sha256": manifest.sha256}

    prefix = f"datasets/fleet/{manifest.version}/"
    assert catalog.store.list("datasets/") == [prefix + "data.parquet", prefix + "manifest.json"]
    assert catalog.store.get_json(prefix + "manifest.json")["sha256"] == manifest.sha256
    assert catalog.manifest("fleet") == manifest
    assert catalog.names() == ["fleet"]


def test_identical_content_returns_the_same_version(catalog: Catalog,
                                                    telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", SOURCE, "MIT")
    stored = snapshot(catalog.store)
    shuffled = frame.sample(frac=1.0, random_state=3)[frame.columns[::-1]]
    assert not shuffled.index.equals(frame.index)
    again, created = catalog.add(shuffled, "fleet", "telemetry", "/elsewhere.parquet", "other")
    assert not created
    assert again == first  # the stored manifest, source and created_at included
    assert snapshot(catalog.store) == stored


def test_different_content_is_a_new_version(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", SOURCE, "MIT")
    changed = frame.copy()
    changed.loc[0, "cpu_utilization"] += 1.0
    second, created = catalog.add(changed, "fleet", "telemetry", SOURCE, "MIT")
    assert created
    assert second.version != first.version
    third, _ = catalog.add(frame.iloc[:-1], "fleet", "telemetry", SOURCE, "MIT")

    assert [m.version for m in catalog.versions("fleet")] == [
        first.version, second.version, third.version]
    assert catalog.manifest("fleet") == third
    assert catalog.manifest("fleet", first.version) == first
    assert catalog.load("fleet")[1] == third
    assert catalog.load("fleet", second.version)[0]["cpu_utilization"].iloc[0] == (
        changed["cpu_utilization"].iloc[0])


def test_load_round_trips_the_frame(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE).assign(note="x")
    manifest, _ = catalog.add(frame, "fleet", "telemetry", SOURCE, "MIT")
    loaded, loaded_manifest = catalog.load("fleet", manifest.version)
    assert loaded_manifest == manifest
    expected = canonical(frame, TELEMETRY)
    pd.testing.assert_frame_equal(loaded, expected)
    assert content_hash(loaded) == manifest.sha256
    assert loaded["system_id"].tolist() == ["sys-00"] * 20 + ["sys-01"] * 20
    assert loaded["timestamp"].is_monotonic_increasing is False  # sorted per system
    assert loaded.groupby("system_id")["timestamp"].is_monotonic_increasing.all()


def test_metric_series_round_trip(catalog: Catalog, real_incidents: pd.DataFrame) -> None:
    frame = validate(real_incidents, METRIC_SERIES, "real.csv.gz")
    manifest, _ = catalog.add(frame, "real-incidents", "metric-series", "real.csv.gz", "mixed")
    loaded, _ = catalog.load("real-incidents")
    pd.testing.assert_frame_equal(loaded, canonical(frame, METRIC_SERIES))
    assert manifest.schema["in_incident"] == "Int64"
    assert manifest.quality == time_quality(frame, METRIC_SERIES)
    assert manifest.quality["gaps"]["count"] > 0


@pytest.mark.parametrize("name", ["", "a", "Fleet", "-fleet", "fleet_2", "fleet/2", "fleet.v2",
                                  "f" * 64, "fleet 2"])
def test_invalid_names_are_refused(catalog: Catalog, telemetry: pd.DataFrame,
                                   name: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        catalog.add(telemetry, name, "telemetry", SOURCE, "MIT")
    assert catalog.store.list() == []


def test_name_with_trailing_newline_is_refused(tmp_path: Path, telemetry: pd.DataFrame) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    with pytest.raises(ValueError, match="must match"):
        catalog.add(telemetry, "fleet\n", "telemetry", SOURCE, "MIT")


def test_unknown_kind_is_refused(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown dataset kind"):
        catalog.add(telemetry, "fleet", "logs", SOURCE, "MIT")
    assert catalog.store.list() == []


def test_unknown_names_and_versions(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    assert catalog.names() == []
    assert catalog.versions("fleet") == []
    with pytest.raises(DatasetNotFound, match="'fleet' has no version"):
        catalog.manifest("fleet")
    with pytest.raises(DatasetNotFound):
        catalog.load("fleet")
    manifest, _ = catalog.add(telemetry, "fleet", "telemetry", SOURCE, "MIT")
    with pytest.raises(DatasetNotFound, match="no version '000000000000'"):
        catalog.manifest("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.load("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.delete("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.manifest("other", manifest.version)


def test_version_without_manifest_is_invisible(catalog: Catalog,
                                               telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE)
    complete, _ = catalog.add(frame, "fleet", "telemetry", SOURCE, "MIT")
    # A writer that died between the data and the manifest, for another dataset and for ours.
    half = frame.iloc[:5]
    half_version = content_hash(canonical(half, TELEMETRY))[:12]
    catalog.store.put_parquet("datasets/ghost/abcdef012345/data.parquet", half)
    catalog.store.put_parquet(f"datasets/fleet/{half_version}/data.parquet", half)

    assert catalog.names() == ["fleet"]
    assert catalog.versions("ghost") == []
    assert catalog.versions("fleet") == [complete]
    assert catalog.manifest("fleet") == complete
    with pytest.raises(DatasetNotFound):
        catalog.manifest("ghost")
    with pytest.raises(DatasetNotFound):
        catalog.manifest("fleet", half_version)
    with pytest.raises(DatasetNotFound):
        catalog.load("ghost", "abcdef012345")

    # Adding that content again completes the version instead of trusting the leftover.
    repaired, created = catalog.add(half, "fleet", "telemetry", SOURCE, "MIT")
    assert created
    assert repaired.version == half_version
    assert catalog.manifest("fleet") == repaired
    assert len(catalog.load("fleet", half_version)[0]) == 5


def test_delete(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", SOURCE, "MIT")
    second, _ = catalog.add(frame.iloc[:10], "fleet", "telemetry", SOURCE, "MIT")
    other, _ = catalog.add(frame, "other", "telemetry", SOURCE, "MIT")

    catalog.delete("fleet", second.version)
    assert catalog.versions("fleet") == [first]
    assert catalog.manifest("fleet") == first
    assert catalog.store.list(f"datasets/fleet/{second.version}/") == []
    with pytest.raises(DatasetNotFound):
        catalog.manifest("fleet", second.version)

    catalog.delete("fleet", first.version)
    assert catalog.names() == ["other"]
    assert catalog.store.list("datasets/fleet/") == []
    assert catalog.load("other")[1] == other


def test_same_content_from_another_file_is_the_same_version(
        catalog: Catalog, tmp_path: Path, settings: Settings, rounded: pd.DataFrame) -> None:
    first, created = ingest(str(write(rounded, tmp_path / "fleet.csv")), "fleet", "telemetry",
                            catalog, settings)
    assert created
    stored = snapshot(catalog.store)
    # Grouped by system instead of interleaved by time (a file may not shuffle a system's rows).
    grouped = rounded.sort_values(["system_id", "timestamp"], ascending=[False, True])
    again, created = ingest(str(write(grouped, tmp_path / "other" / "fleet.csv.gz")), "fleet",
                            "telemetry", catalog, settings)
    assert (again, created) == (first, False)
    assert snapshot(catalog.store) == stored


def test_jsonl_and_csv_of_the_same_content_are_the_same_version(
        tmp_path: Path, settings: Settings, rounded: pd.DataFrame) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    from_csv, _ = ingest(str(write(rounded, tmp_path / "f.csv")), "fleet", "telemetry", catalog,
                         settings)
    from_jsonl, created = ingest(str(write(rounded, tmp_path / "f.jsonl")), "fleet",
                                 "telemetry", catalog, settings)
    assert (from_jsonl.version, created) == (from_csv.version, False)


def test_parquet_and_csv_of_the_same_content_are_the_same_version(
        tmp_path: Path, settings: Settings, rounded: pd.DataFrame) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    from_csv, _ = ingest(str(write(rounded, tmp_path / "f.csv")), "fleet", "telemetry", catalog,
                         settings)
    from_parquet, created = ingest(str(write(rounded, tmp_path / "f.parquet")), "fleet",
                                   "telemetry", catalog, settings)
    assert (from_parquet.version, created) == (from_csv.version, False)


def test_shuffled_duplicate_timestamps_are_the_same_version(tmp_path: Path,
                                                            telemetry: pd.DataFrame) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    frame = validate(telemetry, TELEMETRY, SOURCE)
    twin = frame.iloc[[0]].assign(cpu_utilization=99.0)
    first, _ = catalog.add(pd.concat([frame, twin]), "fleet", "telemetry", SOURCE, "MIT")
    second, created = catalog.add(pd.concat([twin, frame]), "fleet", "telemetry", SOURCE, "MIT")
    assert (second.version, created) == (first.version, False)


def test_manifest_is_plain_json(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    manifest, _ = catalog.add(telemetry, "fleet", "telemetry", SOURCE, "MIT")
    stored = catalog.store.get_json(f"datasets/fleet/{manifest.version}/manifest.json")
    assert Manifest(**stored) == manifest


# --- ingestion ---


def test_ingest_stores_a_version(catalog: Catalog, tmp_path: Path, settings: Settings,
                                 rounded: pd.DataFrame) -> None:
    path = write(rounded, tmp_path / "fleet.csv.gz")
    manifest, created = ingest(str(path), "fleet", "telemetry", catalog, settings,
                               licence="CC0-1.0", description="export")
    assert created
    assert (manifest.source, manifest.licence, manifest.description, manifest.rows) == (
        str(path), "CC0-1.0", "export", len(rounded))
    loaded, _ = catalog.load("fleet")
    same_values(loaded, canonical(rounded, TELEMETRY))


def test_ingest_from_s3_into_the_catalog(catalog: Catalog, s3_source: str,
                                         s3_settings: Settings, rounded: pd.DataFrame) -> None:
    manifest, created = ingest(s3_source, "fleet", "telemetry", catalog, s3_settings)
    assert created
    assert (manifest.source, manifest.licence, manifest.rows) == (
        s3_source, "unknown", len(rounded))
    same_values(catalog.load("fleet")[0], canonical(rounded, TELEMETRY))


def test_bad_input_writes_nothing(catalog: Catalog, tmp_path: Path, settings: Settings,
                                  rounded: pd.DataFrame) -> None:
    ingest(str(write(rounded.iloc[:10], tmp_path / "old.csv")), "fleet", "telemetry", catalog,
           settings)
    before = snapshot(catalog.store)
    folder = tmp_path / "export"
    write(rounded, folder / "a.csv")
    bad = rounded.copy()
    bad.loc[3, "memory_usage"] = 250.0
    write(bad, folder / "b.csv")

    with pytest.raises(DatasetValidationError, match="0 <= memory_usage <= 100"):
        ingest(str(folder), "fleet", "telemetry", catalog, settings)
    with pytest.raises(DatasetValidationError, match="required column"):
        ingest(str(write(rounded, folder / "a.csv")), "fleet", "metric-series", catalog,
               settings)
    with pytest.raises(ValueError, match="does not exist"):
        ingest(str(tmp_path / "none.csv"), "fleet", "telemetry", catalog, settings)
    with pytest.raises(ValueError, match="unknown dataset kind"):
        ingest(str(folder / "a.csv"), "fleet", "logs", catalog, settings)
    with pytest.raises(ValueError, match="must match"):
        ingest(str(folder / "a.csv"), "Fleet", "telemetry", catalog, settings)
    assert snapshot(catalog.store) == before
