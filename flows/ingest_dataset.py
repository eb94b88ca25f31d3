"""Flow `ingest-dataset`: validate a source and store it as a content-addressed version."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.runner import task_runner
from forewarn.catalog.kinds import KindName
from tasks.datasets import read_and_validate, store_version


@flow(name="ingest-dataset", log_prints=True, task_runner=task_runner())
def ingest_dataset(
    source: str,
    name: str,
    kind: KindName = "telemetry",
    licence: str = "unknown",
    description: str = "",
) -> dict[str, Any]:
    """Ingest a local file or folder, or an s3:// URI (CSV, Parquet, JSON Lines).

    Bad input fails the run with a message naming the file, column, rule and sample rows, and
    writes nothing. Identical content returns the existing version.
    """
    frame = read_and_validate(source, kind)
    manifest = store_version(frame, name, kind, source, licence, description)
    quality = manifest["quality"]
    state = "new version" if manifest["created"] else "unchanged; existing version"
    get_run_logger().info(
        "%s %s: %s (%d rows, %d series, %d gaps, %d duplicate timestamps)",
        name,
        manifest["version"],
        state,
        manifest["rows"],
        quality["series"],
        quality["gaps"]["count"],
        quality["duplicates"]["count"],
    )
    return manifest
