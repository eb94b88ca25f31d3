"""The object store: one small key/value interface over a local folder or MinIO/S3.

Keys are `/`-separated relative paths (`datasets/metrics/v1/data.parquet`). Writes are atomic:
a reader or a listing sees the old object or the new one, never a half-written one.
"""

from __future__ import annotations

import abc
import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import MAX_PART_SIZE, MIN_PART_SIZE

from forewarn.settings import Settings

_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket"})


class StorageError(Exception):
    """Any failure of the object store."""


class ObjectNotFound(StorageError, KeyError):
    """The key names no object in the store."""

    def __init__(self, key: str, store: object) -> None:
        super().__init__(f"object {key!r} not found in {store!r}")
        self.key = key

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class StorageUnavailable(StorageError):
    """The backend cannot be reached (server down, folder not writable)."""


def _broken_rule(key: str) -> str | None:
    """The first key rule that `key` breaks, or None."""
    segments = key.split("/")
    rules = {
        "must not be empty": not key,
        "must not contain backslashes": "\\" in key,
        "must be relative (no leading '/')": key.startswith("/"),
        "must name an object, not a folder (no trailing '/')": key.endswith("/"),
        "must not contain empty, '.' or '..' segments": any(s in ("", ".", "..") for s in segments),
        "must not have segments starting with '.' (hidden names are reserved)": any(
            s.startswith(".") for s in segments
        ),
    }
    return next((rule for rule, broken in rules.items() if broken), None)


def _check_key(key: str) -> str:
    if rule := _broken_rule(key):
        raise ValueError(f"invalid object key {key!r}: {rule}")
    return key


def _check_prefix(prefix: str) -> str:
    """A prefix follows the key rules, except that it may be empty or end with '/'."""
    if prefix and (rule := _broken_rule(prefix + "_")):
        raise ValueError(f"invalid key prefix {prefix!r}: {rule}")
    return prefix


class ObjectStore(abc.ABC):
    """Bytes under keys, plus Parquet and JSON helpers."""

    @abc.abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically, replacing any previous object."""

    @abc.abstractmethod
    def get_bytes(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if there is none."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Sorted full keys of all objects whose key starts with `prefix`."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable if the backend cannot be reached."""

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """Where the object lives, as a URI (`file://...` or `s3://bucket/key`)."""

    @abc.abstractmethod
    def prepare(self) -> None:
        """Create the root folder or bucket, so that other writers (MLflow) can use it too."""

    def put_parquet(self, key: str, df: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        df.to_parquet(buffer)
        self.put_bytes(key, buffer.getvalue())

    def get_parquet(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(io.BytesIO(self.get_bytes(key)))

    def put_json(self, key: str, obj: Any) -> None:
        """Store `obj` as indented JSON with sorted keys; datetimes and the like become str."""
        self.put_bytes(key, json.dumps(obj, sort_keys=True, indent=2, default=str).encode())

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))


class LocalObjectStore(ObjectStore):
    """Objects as files under `root`; temp files live in the hidden `root/.tmp/`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self._tmp_dir = self.root / ".tmp"

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            tmp = self._write_temp(data)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as exc:
            raise StorageError(f"cannot write {key!r} in {self!r}: {exc}") from exc

    def _write_temp(self, data: bytes) -> str:
        """Write `data` to a new fsynced file in the hidden temp folder; return its path."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._tmp_dir, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), 0o644)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key, self) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[str]:
        start = self.root / _check_prefix(prefix).rpartition("/")[0]
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            folder = Path(dirpath).relative_to(self.root)
            for name in filenames:
                key = (folder / name).as_posix()
                if not name.startswith(".") and key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        with contextlib.suppress(IsADirectoryError, NotADirectoryError):  # no object there
            self._path(key).unlink(missing_ok=True)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Probe by creating (and removing) a temp file under the root."""
        try:
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self._tmp_dir):
                pass
        except OSError as exc:
            raise StorageUnavailable(f"object store at {self.root} is unavailable: {exc}") from exc

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()


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
            if exc.code in _MISSING_CODES and on_missing == "ignore":
                return
            if exc.code in _MISSING_CODES and on_missing == "not_found":
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
        _check_key(key)
        self._ensure_bucket()
        part_size = min(max(len(data), MIN_PART_SIZE), MAX_PART_SIZE)
        with self._errors(key):
            self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), part_size=part_size
            )

    def get_bytes(self, key: str) -> bytes:
        return self._read(_check_key(key))

    def _read(self, key: str) -> bytes:
        with self._errors(key, on_missing="not_found"):
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def exists(self, key: str) -> bool:
        with self._errors(_check_key(key), on_missing="ignore"):
            self.client.stat_object(self.bucket, key)
            return True
        return False  # reached only when the key or bucket is missing

    def list(self, prefix: str = "") -> list[str]:
        return self._keys(_check_prefix(prefix))

    def _keys(self, prefix: str) -> list[str]:
        with self._errors(prefix, on_missing="ignore"):
            objects = self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
            return sorted(o.object_name for o in objects if not o.object_name.endswith("/"))
        return []  # reached only when the bucket is missing

    def delete(self, key: str) -> None:
        with self._errors(_check_key(key), on_missing="ignore"):
            self.client.remove_object(self.bucket, key)

    def prepare(self) -> None:
        self._ensure_bucket()

    def check(self) -> None:
        with self._errors():
            self.client.bucket_exists(self.bucket)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{_check_key(key)}"


def _minio_client(settings: Settings) -> Minio:
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


def open_store(settings: Settings) -> ObjectStore:
    """The platform's object store: S3 when an endpoint is configured, else the local folder."""
    if settings.uses_s3:
        return S3ObjectStore(_minio_client(settings), settings.s3_bucket)
    return LocalObjectStore(settings.store_dir)


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
    return S3ObjectStore(_minio_client(settings), bucket)._read(key)


def list_uri(uri: str, settings: Settings) -> list[str]:
    """Sorted `s3://bucket/key` URIs of all objects whose key starts with the URI's prefix."""
    bucket, prefix = _split_s3_uri(uri)
    keys = S3ObjectStore(_minio_client(settings), bucket)._keys(prefix)
    return [f"s3://{bucket}/{key}" for key in keys]
