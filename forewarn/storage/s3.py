"""Objects in MinIO/S3 through the `minio` client, and reads of any `s3://` URI."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Literal

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import MAX_PART_SIZE, MIN_PART_SIZE

from forewarn.settings import Settings
from forewarn.storage.base import (
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StorageUnavailable,
    check_key,
    check_prefix,
)

MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket"})


class S3ObjectStore(ObjectStore):
    """Objects in one S3 bucket through the `minio` client; the bucket is made on first write."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.endpoint = client._base_url.host  # minio exposes no public accessor
        self._bucket_ready = False

    def __repr__(self) -> str:
        return f"S3ObjectStore('s3://{self.bucket}' at {self.endpoint})"

    @contextlib.contextmanager
    def _errors(
        self, key: str = "", on_missing: Literal["not_found", "ignore", "fail"] = "fail"
    ) -> Iterator[None]:
        """Translate minio/urllib3 errors; a missing key or bucket is handled per `on_missing`."""
        try:
            yield
        except S3Error as exc:
            if exc.code in MISSING_CODES and on_missing == "ignore":
                return
            if exc.code in MISSING_CODES and on_missing == "not_found":
                raise ObjectNotFound(key, self) from exc
            raise StorageError(f"{self!r} failed on {key!r}: {exc.code}: {exc.message}") from exc
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            cause = f"{type(exc).__name__}: {exc}"
            raise StorageUnavailable(f"S3 at {self.endpoint} is unavailable: {cause}") from exc

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:  # lost a race with another writer
                    if exc.code != "BucketAlreadyOwnedByYou":
                        raise
        self._bucket_ready = True

    def put_bytes(self, key: str, data: bytes) -> None:
        """One PUT (multipart only above 5 GiB): the object appears whole or not at all."""
        check_key(key)
        self._ensure_bucket()
        part_size = min(max(len(data), MIN_PART_SIZE), MAX_PART_SIZE)
        with self._errors(key):
            self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), part_size=part_size
            )

    def get_bytes(self, key: str) -> bytes:
        return self._read(check_key(key))

    def _read(self, key: str) -> bytes:
        with self._errors(key, on_missing="not_found"):
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def exists(self, key: str) -> bool:
        with self._errors(check_key(key), on_missing="ignore"):
            self.client.stat_object(self.bucket, key)
            return True
        return False  # reached only when the key or bucket is missing

    # Defined before `list`, which shadows the builtin in the class body from there on.
    def _keys(self, prefix: str) -> list[str]:
        with self._errors(prefix, on_missing="ignore"):
            objects = self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
            return sorted(o.object_name for o in objects if not o.object_name.endswith("/"))
        return []  # reached only when the bucket is missing

    def list(self, prefix: str = "") -> list[str]:
        return self._keys(check_prefix(prefix))

    def delete(self, key: str) -> None:
        with self._errors(check_key(key), on_missing="ignore"):
            self.client.remove_object(self.bucket, key)

    def prepare(self) -> None:
        self._ensure_bucket()

    def check(self) -> None:
        with self._errors():
            self.client.bucket_exists(self.bucket)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{check_key(key)}"


def minio_client(settings: Settings) -> Minio:
    """A minio client for the configured endpoint that fails in seconds when the server is down."""
    if not settings.s3_endpoint:
        raise ValueError("S3 is not configured: set FOREWARN_S3_ENDPOINT (host:port)")
    secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    http = urllib3.PoolManager(
        maxsize=10,
        timeout=urllib3.Timeout(connect=2, read=30),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=secret,
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=http,
    )


def _split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket:
        raise ValueError(f"not an s3://bucket/... URI: {uri!r}")
    return bucket, key


def read_uri(uri: str, settings: Settings) -> bytes:
    """The bytes of the object at `s3://bucket/key`, in any bucket of the configured endpoint."""
    bucket, key = _split_s3_uri(uri)
    if not key or key.endswith("/"):
        raise ValueError(f"URI names no object: {uri!r}")
    return S3ObjectStore(minio_client(settings), bucket)._read(key)


def list_uri(uri: str, settings: Settings) -> list[str]:
    """Sorted `s3://bucket/key` URIs of all objects whose key starts with the URI's prefix."""
    bucket, prefix = _split_s3_uri(uri)
    keys = S3ObjectStore(minio_client(settings), bucket)._keys(prefix)
    return [f"s3://{bucket}/{key}" for key in keys]
