"""The store's contract (see the package docstring): errors, the rules of keys, and the
`ObjectStore` interface every store implements."""

from __future__ import annotations

import abc
import io
import json
from typing import Any

import pandas as pd


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


def check_key(key: str) -> str:
    if rule := _broken_rule(key):
        raise ValueError(f"invalid object key {key!r}: {rule}")
    return key


def check_prefix(prefix: str) -> str:
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
