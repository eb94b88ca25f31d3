"""Tasks over the dataset catalog."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
from prefect import task

from forewarn.catalog import Catalog, Manifest
from forewarn.catalog.ingest import read_validated
from forewarn.settings import get_settings
from forewarn.storage import open_store
from tasks.retry import IO_RETRIES


def catalog() -> Catalog:
    """The catalog in the configured object store."""
    return Catalog(open_store(get_settings()))


def data_uri(manifest: Manifest) -> str:
    """Where a version's data lies in the object store (`file://...` or `s3://...`)."""
    return catalog().data_uri(manifest.name, manifest.version)


@task(name="read-and-validate", **IO_RETRIES)
def read_and_validate(source: str, kind: str) -> pd.DataFrame:
    """Read every file of `source` and check it against the rules of `kind`."""
    return read_validated(source, kind, get_settings())


@task(name="store-dataset-version", **IO_RETRIES)
def store_version(
    frame: pd.DataFrame, name: str, kind: str, source: str, licence: str, description: str
) -> dict[str, Any]:
    """Write the version (data, then manifest) unless identical content is already stored."""
    manifest, created = catalog().add(frame, name, kind, source, licence, description)
    return asdict(manifest) | {"created": created}


@task(name="load-dataset", **IO_RETRIES)
def load_dataset(name: str, version: str | None) -> tuple[pd.DataFrame, Manifest]:
    """The data and manifest of a version (the newest when `version` is None)."""
    return catalog().load(name, version)
