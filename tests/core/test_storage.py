"""The object store contract, run against the local folder and against S3 (moto over HTTP)."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from forewarn import storage
from forewarn.settings import Settings
from forewarn.storage import (
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    StorageError,
    StorageUnavailable,
    list_uri,
    open_store,
    read_uri,
)

INVALID_KEYS = ["", "/abs", "a/../b", "..", "a\\b", "a/", "a//b", "./a", ".tmp/x", "a/.hidden"]


@pytest.fixture
def down_settings(tmp_path: Path) -> Settings:
    """Settings pointing at a loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return Settings(
        home=tmp_path,
        s3_endpoint=f"127.0.0.1:{port}",
        s3_access_key="test",
        s3_secret_key="testsecret",
    )


# --- the contract, for both stores ---


def test_bytes_round_trip(store: ObjectStore) -> None:
    payload = bytes(range(256)) * 3
    store.put_bytes("raw/blob.bin", payload)
    store.put_bytes("raw/empty.bin", b"")
    assert store.get_bytes("raw/blob.bin") == payload
    assert store.get_bytes("raw/empty.bin") == b""


def test_parquet_round_trip(store: ObjectStore) -> None:
    df = pd.DataFrame(
        {
            "host": ["a", "b", "c"],
            "cpu": [0.5, 0.25, 1.0],
            "n": [1, 2, 3],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"], utc=True),
        }
    )
    store.put_parquet("datasets/metrics/v1/data.parquet", df)
    pd.testing.assert_frame_equal(store.get_parquet("datasets/metrics/v1/data.parquet"), df)


def test_json_round_trip_sorted_indented_datetimes_as_str(store: ObjectStore) -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    store.put_json("manifest.json", {"rows": 3, "created_at": when, "a": [1, 2]})
    assert store.get_json("manifest.json") == {"a": [1, 2], "created_at": str(when), "rows": 3}
    text = store.get_bytes("manifest.json").decode()
    assert text == json.dumps({"a": [1, 2], "created_at": str(when), "rows": 3}, indent=2)
    assert text.index('"a"') < text.index('"created_at"') < text.index('"rows"')


def test_exists(store: ObjectStore) -> None:
    assert not store.exists("x/y")
    store.put_bytes("x/y", b"1")
    assert store.exists("x/y")
    assert not store.exists("x"), "a folder-like prefix is not an object"
    store.delete("x/y")
    assert not store.exists("x/y")


def test_list_is_sorted_and_filters_by_prefix(store: ObjectStore) -> None:
    assert store.list() == []
    for key in ["b/2", "a/10", "ab", "a/2/x", "a/1"]:
        store.put_bytes(key, key.encode())
    assert store.list() == ["a/1", "a/10", "a/2/x", "ab", "b/2"]
    assert store.list("a/") == ["a/1", "a/10", "a/2/x"]
    assert store.list("a") == ["a/1", "a/10", "a/2/x", "ab"]
    assert store.list("a/1") == ["a/1", "a/10"]
    assert store.list("a/2/") == ["a/2/x"]
    assert store.list("zzz/") == []


def test_delete(store: ObjectStore) -> None:
    store.delete("never/written")  # missing key, even in an empty store: no error
    store.put_bytes("k/1", b"1")
    store.put_bytes("k/2", b"2")
    store.delete("k/1")
    store.delete("k/1")
    assert store.list() == ["k/2"]
    with pytest.raises(ObjectNotFound):
        store.get_bytes("k/1")


def test_overwrite_replaces_the_object(store: ObjectStore) -> None:
    store.put_bytes("k", b"first, longer value")
    store.put_bytes("k", b"second")
    assert store.get_bytes("k") == b"second"
    assert store.list() == ["k"]


def test_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    store.put_bytes("present", b"1")
    with pytest.raises(ObjectNotFound, match="nope/missing") as info:
        store.get_bytes("nope/missing")
    assert isinstance(info.value, KeyError) and isinstance(info.value, StorageError)
    assert info.value.key == "nope/missing"
    with pytest.raises(KeyError):
        store.get_json("nope/missing")


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_raise_value_error(store: ObjectStore, key: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: store.put_bytes(key, b"1"),
        lambda: store.get_bytes(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.uri(key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"invalid object key .*: must") as info:
            call()
        assert repr(key) in str(info.value)
    assert store.list() == []


@pytest.mark.parametrize("prefix", ["/a", "../", "a\\", "a/../", ".tmp/"])
def test_invalid_prefixes_raise_value_error(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid key prefix"):
        store.list(prefix)


def test_check_passes_on_a_working_store(store: ObjectStore) -> None:
    store.check()
    assert store.list() == []  # the probe leaves nothing behind


# --- local store ---


def test_local_uri_is_the_file(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    store.put_bytes("a/b.txt", b"hi")
    uri = store.uri("a/b.txt")
    assert uri == (tmp_path / "store" / "a" / "b.txt").resolve().as_uri()
    assert Path(uri.removeprefix("file://")).read_bytes() == b"hi"


def test_local_leftover_temp_file_is_invisible(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("data/x.bin", b"complete")
    # A writer killed mid-overwrite leaves a partial temp file behind.
    (tmp_path / ".tmp").mkdir(exist_ok=True)
    (tmp_path / ".tmp" / "tmpkilled.part").write_bytes(b"comp")
    (tmp_path / "data" / ".hidden").mkdir()
    (tmp_path / "data" / ".hidden" / "y.bin").write_bytes(b"?")
    assert store.list() == ["data/x.bin"]
    assert store.list("data/") == ["data/x.bin"]
    assert store.get_bytes("data/x.bin") == b"complete"
    with pytest.raises(ValueError):
        store.get_bytes(".tmp/tmpkilled.part")


def test_local_write_goes_through_temp_and_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("k", b"old")
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        assert Path(dst).read_bytes() == b"old", "the target must be untouched until the rename"
        renames.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(storage.local.os, "replace", spy)
    store.put_bytes("k", b"new")
    [(src, dst)] = renames
    assert Path(src).parent == tmp_path / ".tmp" and Path(dst) == tmp_path / "k"
    assert store.get_bytes("k") == b"new"
    assert list((tmp_path / ".tmp").iterdir()) == [], "no temp file is left behind"


def test_local_failed_write_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("k", b"old")

    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.local.os, "fsync", fail)
    with pytest.raises(StorageError, match="No space left"):
        store.put_bytes("k", b"new")
    with pytest.raises(StorageError):
        store.put_bytes("fresh", b"new")
    assert store.get_bytes("k") == b"old"
    assert store.list() == ["k"]
    assert list((tmp_path / ".tmp").iterdir()) == []


def test_local_key_clashing_with_a_folder_is_a_storage_error(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes("a/b", b"1")
    with pytest.raises(StorageError, match="'a'"):
        store.put_bytes("a", b"2")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("a")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("a/b/c")
    store.delete("a")
    assert store.list() == ["a/b"]


def test_local_check_fails_when_root_is_unusable(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(StorageUnavailable, match="file"):
        LocalObjectStore(tmp_path / "file").check()


# --- S3 store ---


def test_s3_bucket_is_created_on_first_write_only(s3_settings: Settings) -> None:
    store = open_store(s3_settings)
    assert isinstance(store, S3ObjectStore) and store.bucket == s3_settings.s3_bucket
    assert store.list() == [] and not store.exists("k")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("k")
    store.delete("k")
    assert not store.client.bucket_exists(store.bucket), "reads must not create the bucket"
    store.put_bytes("k", b"1")
    assert store.client.bucket_exists(store.bucket)
    assert store.uri("k") == f"s3://{store.bucket}/k"


def test_s3_large_object_is_one_put_not_multipart(s3_settings: Settings) -> None:
    store = open_store(s3_settings)
    assert isinstance(store, S3ObjectStore)
    payload = os.urandom(6 * 1024 * 1024)  # above minio's 5 MiB multipart threshold
    store.put_bytes("big.bin", payload)
    assert "-" not in store.client.stat_object(store.bucket, "big.bin").etag
    assert store.get_bytes("big.bin") == payload


@pytest.mark.parametrize("op", ["put_bytes", "get_bytes", "exists", "list", "delete", "check"])
def test_s3_down_server_fails_fast(down_settings: Settings, op: str) -> None:
    store = open_store(down_settings)
    calls: dict[str, Callable[[], object]] = {
        "put_bytes": lambda: store.put_bytes("k", b"1"),
        "get_bytes": lambda: store.get_bytes("k"),
        "exists": lambda: store.exists("k"),
        "list": lambda: store.list(),
        "delete": lambda: store.delete("k"),
        "check": lambda: store.check(),
    }
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as info:
        calls[op]()
    assert time.monotonic() - started < 5
    assert down_settings.s3_endpoint in str(info.value)
    assert "Connection refused" in str(info.value) or "Max retries" in str(info.value)


def test_read_uri_and_list_uri_use_any_bucket(s3_settings: Settings) -> None:
    other = s3_settings.model_copy(update={"s3_bucket": s3_settings.s3_bucket + "-raw"})
    source = open_store(other)
    for key in ["in/b.csv", "in/a.csv", "in/sub/c.csv", "out/d.csv"]:
        source.put_bytes(key, key.encode())
    bucket = other.s3_bucket
    assert read_uri(f"s3://{bucket}/in/sub/c.csv", s3_settings) == b"in/sub/c.csv"
    assert list_uri(f"s3://{bucket}/in/", s3_settings) == [
        f"s3://{bucket}/in/a.csv",
        f"s3://{bucket}/in/b.csv",
        f"s3://{bucket}/in/sub/c.csv",
    ]
    assert len(list_uri(f"s3://{bucket}", s3_settings)) == 4
    assert list_uri(f"s3://{bucket}/nothing/", s3_settings) == []
    with pytest.raises(ObjectNotFound, match=r"in/zzz\.csv"):
        read_uri(f"s3://{bucket}/in/zzz.csv", s3_settings)
    with pytest.raises(ObjectNotFound):
        read_uri("s3://no-such-bucket-here/x", s3_settings)


@pytest.mark.parametrize(
    "uri",
    [
        "file:///tmp/x",
        "/tmp/x",
        "s3://",
        "s3:///key",
        "s3://bucket",
        "s3://bucket/",
        "http://host/bucket/key",
    ],
)
def test_read_uri_rejects_non_object_uris(s3_settings: Settings, uri: str) -> None:
    with pytest.raises(ValueError):
        read_uri(uri, s3_settings)


@pytest.mark.parametrize("uri", ["file:///tmp/x", "s3://", "gs://bucket/x"])
def test_list_uri_rejects_other_schemes(s3_settings: Settings, uri: str) -> None:
    with pytest.raises(ValueError, match="s3://"):
        list_uri(uri, s3_settings)


def test_open_store_is_local_without_an_endpoint(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, s3_endpoint=None)
    store = open_store(settings)
    assert isinstance(store, LocalObjectStore) and store.root == settings.store_dir
    with pytest.raises(ValueError, match="FOREWARN_S3_ENDPOINT"):
        read_uri("s3://bucket/key", settings)


def test_prepare_creates_the_bucket_before_any_write(s3_settings: Settings) -> None:
    store = open_store(s3_settings)
    assert isinstance(store, S3ObjectStore)
    store.prepare()
    store.prepare()  # idempotent
    assert store.client.bucket_exists(store.bucket) and store.list() == []


def test_prepare_creates_the_local_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "new" / "root")
    store.prepare()
    assert store.root.is_dir() and store.list() == []
