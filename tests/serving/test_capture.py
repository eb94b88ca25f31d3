"""Prediction capture: rows land as Parquet, survive a failing store, are counted when dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from forewarn.settings import Settings
from forewarn.storage import LocalObjectStore, ObjectStore, open_store
from serving.capture import PredictionCapture
from serving.metrics import Metrics
from support import free_port


def capture_into(
    store: ObjectStore, metrics: Metrics, buffer_rows: int = 1000
) -> PredictionCapture:
    return PredictionCapture(
        store, metrics, batch_rows=50, flush_seconds=60, buffer_rows=buffer_rows
    )


def record(capture: PredictionCapture, count: int, family: str = "bottleneck") -> None:
    for i in range(count):
        capture.record(
            family, "3", f"req-{family}-{i}", json.dumps({"cpu": [i]}), {"p": i / count}, 1.5
        )


def captured(store: ObjectStore) -> pd.DataFrame:
    keys = store.list("captures/")
    return pd.concat([store.get_parquet(k) for k in keys], ignore_index=True)


def test_every_row_lands_as_parquet_across_a_clean_shutdown(tmp_path: Path) -> None:
    store, metrics = LocalObjectStore(tmp_path), Metrics()
    capture = capture_into(store, metrics)
    capture.start()
    record(capture, 120)
    record(capture, 7, family="failure")
    capture.close()

    frame = captured(store)
    assert len(frame) == 127 and frame["request_id"].is_unique
    assert set(frame["family"]) == {"bottleneck", "failure"}
    assert all(
        k.startswith(("captures/bottleneck/date=", "captures/failure/date="))
        for k in store.list("captures/")
    )
    assert json.loads(frame.loc[0, "inputs"]) == {"cpu": [0]}
    assert metrics.captured._value.get() == 127 and capture.pending() == 0


def test_a_failing_store_keeps_rows_for_the_next_flush(tmp_path: Path) -> None:
    dead = Settings(
        home=tmp_path, s3_endpoint=f"127.0.0.1:{free_port()}", s3_access_key="k", s3_secret_key="s"
    )
    metrics = Metrics()
    capture = capture_into(open_store(dead), metrics)
    record(capture, 10)

    assert capture.flush() == 0
    assert capture.pending() == 10

    capture.store = LocalObjectStore(tmp_path / "recovered")
    assert capture.flush() == 10
    assert len(captured(capture.store)) == 10


def test_a_full_buffer_drops_the_oldest_rows_and_counts_them(tmp_path: Path) -> None:
    metrics = Metrics()
    capture = capture_into(LocalObjectStore(tmp_path), metrics, buffer_rows=5)
    record(capture, 8)
    capture.flush()

    assert metrics.dropped._value.get() == 3
    assert list(captured(capture.store)["request_id"]) == [
        f"req-bottleneck-{i}" for i in range(3, 8)
    ]
