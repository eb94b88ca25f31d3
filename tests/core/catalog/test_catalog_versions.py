"""The catalog on the local store and on S3: versions addressed by their content, manifests,
and frames loaded back as they were stored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from forewarn.catalog import Catalog, Manifest
from forewarn.catalog.catalog import canonical, content_hash
from forewarn.catalog.kinds import METRIC_SERIES, TELEMETRY
from forewarn.catalog.profiling import time_quality
from forewarn.catalog.validation import validate
from forewarn.storage import LocalObjectStore
from support import FLEET_SOURCE, TELEMETRY_COLUMNS, snapshot


def test_add_writes_data_and_manifest(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    manifest, created = catalog.add(
        frame,
        "fleet",
        "telemetry",
        source=FLEET_SOURCE,
        licence="CC-BY-4.0",
        description="two systems",
    )
    assert created
    data = canonical(frame, TELEMETRY)
    assert manifest.sha256 == content_hash(data)
    assert len(manifest.sha256) == 64
    assert manifest.version == manifest.sha256[:12]
    assert (manifest.name, manifest.kind, manifest.rows) == ("fleet", "telemetry", len(frame))
    assert (manifest.source, manifest.licence, manifest.description) == (
        FLEET_SOURCE,
        "CC-BY-4.0",
        "two systems",
    )
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
    assert manifest.tags == {
        "dataset.name": "fleet",
        "dataset.version": manifest.version,
        "dataset.sha256": manifest.sha256,
    }

    prefix = f"datasets/fleet/{manifest.version}/"
    assert catalog.store.list("datasets/") == [prefix + "data.parquet", prefix + "manifest.json"]
    assert catalog.store.get_json(prefix + "manifest.json")["sha256"] == manifest.sha256
    assert catalog.manifest("fleet") == manifest
    assert catalog.names() == ["fleet"]


def test_identical_content_returns_the_same_version(
    catalog: Catalog, telemetry: pd.DataFrame
) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    stored = snapshot(catalog.store)
    shuffled = frame.sample(frac=1.0, random_state=3)[frame.columns[::-1]]
    assert not shuffled.index.equals(frame.index)
    again, created = catalog.add(shuffled, "fleet", "telemetry", "/elsewhere.parquet", "other")
    assert not created
    assert again == first  # the stored manifest, source and created_at included
    assert snapshot(catalog.store) == stored


def test_different_content_is_a_new_version(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    changed = frame.copy()
    changed.loc[0, "cpu_utilization"] += 1.0
    second, created = catalog.add(changed, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    assert created
    assert second.version != first.version
    third, _ = catalog.add(frame.iloc[:-1], "fleet", "telemetry", FLEET_SOURCE, "MIT")

    assert [m.version for m in catalog.versions("fleet")] == [
        first.version,
        second.version,
        third.version,
    ]
    assert catalog.manifest("fleet") == third
    assert catalog.manifest("fleet", first.version) == first
    assert catalog.load("fleet")[1] == third
    assert (
        catalog.load("fleet", second.version)[0]["cpu_utilization"].iloc[0]
        == (changed["cpu_utilization"].iloc[0])
    )


def test_load_round_trips_the_frame(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE).assign(note="x")
    manifest, _ = catalog.add(frame, "fleet", "telemetry", FLEET_SOURCE, "MIT")
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


def test_shuffled_duplicate_timestamps_are_the_same_version(
    tmp_path: Path, telemetry: pd.DataFrame
) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    twin = frame.iloc[[0]].assign(cpu_utilization=99.0)
    first, _ = catalog.add(pd.concat([frame, twin]), "fleet", "telemetry", FLEET_SOURCE, "MIT")
    second, created = catalog.add(
        pd.concat([twin, frame]), "fleet", "telemetry", FLEET_SOURCE, "MIT"
    )
    assert (second.version, created) == (first.version, False)


def test_manifest_is_plain_json(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    manifest, _ = catalog.add(telemetry, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    stored = catalog.store.get_json(f"datasets/fleet/{manifest.version}/manifest.json")
    assert Manifest(**stored) == manifest
