"""The catalog on the local store and on S3: names and kinds refused before anything is
written, unknown and half-written versions, and deletion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.catalog import Catalog, DatasetNotFound
from forewarn.catalog.catalog import canonical, content_hash
from forewarn.catalog.kinds import TELEMETRY
from forewarn.catalog.validation import validate
from forewarn.storage import LocalObjectStore
from support import FLEET_SOURCE


@pytest.mark.parametrize(
    "name", ["", "a", "Fleet", "-fleet", "fleet_2", "fleet/2", "fleet.v2", "f" * 64, "fleet 2"]
)
def test_invalid_names_are_refused(catalog: Catalog, telemetry: pd.DataFrame, name: str) -> None:
    with pytest.raises(ValueError, match="must match"):
        catalog.add(telemetry, name, "telemetry", FLEET_SOURCE, "MIT")
    assert catalog.store.list() == []


def test_name_with_trailing_newline_is_refused(tmp_path: Path, telemetry: pd.DataFrame) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    with pytest.raises(ValueError, match="must match"):
        catalog.add(telemetry, "fleet\n", "telemetry", FLEET_SOURCE, "MIT")


def test_unknown_kind_is_refused(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown dataset kind"):
        catalog.add(telemetry, "fleet", "logs", FLEET_SOURCE, "MIT")
    assert catalog.store.list() == []


def test_unknown_names_and_versions(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    assert catalog.names() == []
    assert catalog.versions("fleet") == []
    with pytest.raises(DatasetNotFound, match="'fleet' has no version"):
        catalog.manifest("fleet")
    with pytest.raises(DatasetNotFound):
        catalog.load("fleet")
    manifest, _ = catalog.add(telemetry, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    with pytest.raises(DatasetNotFound, match="no version '000000000000'"):
        catalog.manifest("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.load("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.delete("fleet", "000000000000")
    with pytest.raises(DatasetNotFound):
        catalog.manifest("other", manifest.version)


def test_version_without_manifest_is_invisible(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    complete, _ = catalog.add(frame, "fleet", "telemetry", FLEET_SOURCE, "MIT")
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
    repaired, created = catalog.add(half, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    assert created
    assert repaired.version == half_version
    assert catalog.manifest("fleet") == repaired
    assert len(catalog.load("fleet", half_version)[0]) == 5


def test_delete(catalog: Catalog, telemetry: pd.DataFrame) -> None:
    frame = validate(telemetry, TELEMETRY, FLEET_SOURCE)
    first, _ = catalog.add(frame, "fleet", "telemetry", FLEET_SOURCE, "MIT")
    second, _ = catalog.add(frame.iloc[:10], "fleet", "telemetry", FLEET_SOURCE, "MIT")
    other, _ = catalog.add(frame, "other", "telemetry", FLEET_SOURCE, "MIT")

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
