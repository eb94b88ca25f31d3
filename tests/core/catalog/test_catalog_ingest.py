"""Ingestion: a source read, validated and stored as a version; the same content from another
file or format is the same version, and bad input writes nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forewarn.catalog import Catalog, DatasetValidationError, ingest
from forewarn.catalog.catalog import canonical
from forewarn.catalog.kinds import TELEMETRY
from forewarn.settings import Settings
from forewarn.storage import LocalObjectStore
from support import same_values, snapshot, write_frame


def test_same_content_from_another_file_is_the_same_version(
    catalog: Catalog, tmp_path: Path, settings: Settings, rounded: pd.DataFrame
) -> None:
    first, created = ingest(
        str(write_frame(rounded, tmp_path / "fleet.csv")), "fleet", "telemetry", catalog, settings
    )
    assert created
    stored = snapshot(catalog.store)
    # Grouped by system instead of interleaved by time (a file may not shuffle a system's rows).
    grouped = rounded.sort_values(["system_id", "timestamp"], ascending=[False, True])
    again, created = ingest(
        str(write_frame(grouped, tmp_path / "other" / "fleet.csv.gz")),
        "fleet",
        "telemetry",
        catalog,
        settings,
    )
    assert (again, created) == (first, False)
    assert snapshot(catalog.store) == stored


@pytest.mark.parametrize("other", ["f.jsonl", "f.parquet"])
def test_another_format_of_the_same_content_is_the_same_version(
    tmp_path: Path, settings: Settings, rounded: pd.DataFrame, other: str
) -> None:
    catalog = Catalog(LocalObjectStore(tmp_path / "store"))
    from_csv, _ = ingest(
        str(write_frame(rounded, tmp_path / "f.csv")), "fleet", "telemetry", catalog, settings
    )
    again, created = ingest(
        str(write_frame(rounded, tmp_path / other)), "fleet", "telemetry", catalog, settings
    )
    assert (again.version, created) == (from_csv.version, False)


def test_ingest_stores_a_version(
    catalog: Catalog, tmp_path: Path, settings: Settings, rounded: pd.DataFrame
) -> None:
    path = write_frame(rounded, tmp_path / "fleet.csv.gz")
    manifest, created = ingest(
        str(path), "fleet", "telemetry", catalog, settings, licence="CC0-1.0", description="export"
    )
    assert created
    assert (manifest.source, manifest.licence, manifest.description, manifest.rows) == (
        str(path),
        "CC0-1.0",
        "export",
        len(rounded),
    )
    loaded, _ = catalog.load("fleet")
    same_values(loaded, canonical(rounded, TELEMETRY))


def test_ingest_from_s3_into_the_catalog(
    catalog: Catalog, s3_source: str, s3_settings: Settings, rounded: pd.DataFrame
) -> None:
    manifest, created = ingest(s3_source, "fleet", "telemetry", catalog, s3_settings)
    assert created
    assert (manifest.source, manifest.licence, manifest.rows) == (
        s3_source,
        "unknown",
        len(rounded),
    )
    same_values(catalog.load("fleet")[0], canonical(rounded, TELEMETRY))


def test_bad_input_writes_nothing(
    catalog: Catalog, tmp_path: Path, settings: Settings, rounded: pd.DataFrame
) -> None:
    ingest(
        str(write_frame(rounded.iloc[:10], tmp_path / "old.csv")),
        "fleet",
        "telemetry",
        catalog,
        settings,
    )
    before = snapshot(catalog.store)
    folder = tmp_path / "export"
    write_frame(rounded, folder / "a.csv")
    bad = rounded.copy()
    bad.loc[3, "memory_usage"] = 250.0
    write_frame(bad, folder / "b.csv")

    with pytest.raises(DatasetValidationError, match="0 <= memory_usage <= 100"):
        ingest(str(folder), "fleet", "telemetry", catalog, settings)
    with pytest.raises(DatasetValidationError, match="required column"):
        ingest(
            str(write_frame(rounded, folder / "a.csv")), "fleet", "metric-series", catalog, settings
        )
    with pytest.raises(ValueError, match="does not exist"):
        ingest(str(tmp_path / "none.csv"), "fleet", "telemetry", catalog, settings)
    with pytest.raises(ValueError, match="unknown dataset kind"):
        ingest(str(folder / "a.csv"), "fleet", "logs", catalog, settings)
    with pytest.raises(ValueError, match="must match"):
        ingest(str(folder / "a.csv"), "Fleet", "telemetry", catalog, settings)
    assert snapshot(catalog.store) == before
