"""Ingestion: read a source, validate every file against its kind, store one version."""

from __future__ import annotations

import pandas as pd

from forewarn.catalog.catalog import Catalog, Manifest
from forewarn.catalog.kinds import get_kind
from forewarn.catalog.sources import read_source
from forewarn.catalog.validation import validate
from forewarn.settings import Settings


def read_validated(source: str, kind: str, settings: Settings) -> pd.DataFrame:
    """All files of `source`, each validated (errors name the file), as one frame."""
    dataset_kind = get_kind(kind)
    files = read_source(source, settings)
    frames = [validate(f.frame, dataset_kind, f.location) for f in files]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def ingest(
    source: str,
    name: str,
    kind: str,
    catalog: Catalog,
    settings: Settings,
    licence: str = "unknown",
    description: str = "",
) -> tuple[Manifest, bool]:
    """Validate `source` and store it as a version of `name`; nothing is written on bad input."""
    frame = read_validated(source, kind, settings)
    return catalog.add(frame, name, kind, source=source, licence=licence, description=description)
