"""Datasets: kinds, validation, sources and the versioned catalog."""

from forewarn.catalog.catalog import Catalog, DatasetNotFound, Manifest
from forewarn.catalog.ingest import ingest
from forewarn.catalog.kinds import KINDS, DatasetKind, get_kind
from forewarn.catalog.validation import DatasetValidationError

__all__ = [
    "KINDS",
    "Catalog",
    "DatasetKind",
    "DatasetNotFound",
    "DatasetValidationError",
    "Manifest",
    "get_kind",
    "ingest",
]
