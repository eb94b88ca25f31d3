"""The object store: one small key/value interface over a local folder or MinIO/S3.

Keys are `/`-separated relative paths (`datasets/metrics/v1/data.parquet`). Writes are atomic:
a reader or a listing sees the old object or the new one, never a half-written one.
"""

from __future__ import annotations

from forewarn.settings import Settings
from forewarn.storage.base import ObjectNotFound, ObjectStore, StorageError, StorageUnavailable
from forewarn.storage.local import LocalObjectStore
from forewarn.storage.s3 import S3ObjectStore, list_uri, minio_client, read_uri

__all__ = [
    "LocalObjectStore",
    "ObjectNotFound",
    "ObjectStore",
    "S3ObjectStore",
    "StorageError",
    "StorageUnavailable",
    "list_uri",
    "open_store",
    "read_uri",
]


def open_store(settings: Settings) -> ObjectStore:
    """The platform's object store: S3 when an endpoint is configured, else the local folder."""
    if settings.uses_s3:
        return S3ObjectStore(minio_client(settings), settings.s3_bucket)
    return LocalObjectStore(settings.store_dir)
