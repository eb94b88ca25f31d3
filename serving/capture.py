"""Prediction capture: every prediction appended to a bounded buffer and written to the object
store as Parquet by size and time, and on shutdown, so drift analysis can compare production
inputs with training data. A failing store never fails a request: writes are retried on the next
flush; when the buffer is full the oldest rows are dropped and counted."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pydantic_core

from forewarn.storage import ObjectStore, StorageError
from serving.metrics import Metrics

log = logging.getLogger(__name__)
PREFIX = "captures"


class PredictionCapture:
    """Buffers prediction rows and flushes them as Parquet files, one per family and flush."""

    def __init__(
        self,
        store: ObjectStore,
        metrics: Metrics,
        batch_rows: int,
        flush_seconds: float,
        buffer_rows: int,
    ) -> None:
        self.store, self.metrics = store, metrics
        self.batch_rows, self.flush_seconds = batch_rows, flush_seconds
        self._rows: deque[tuple[int, dict[str, Any]]] = deque()  # (sequence number, row)
        self._sequence = 0
        self._capacity = buffer_rows
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(
        self,
        family: str,
        version: str,
        request_id: str,
        inputs: str,
        outputs: dict[str, Any],
        latency_ms: float,
    ) -> None:
        """Queue one prediction: `inputs` as the request's JSON text, `outputs` as JSON-ready
        values (both stored as JSON text: their shapes vary)."""
        row = {
            "family": family,
            "model_version": version,
            "request_id": request_id,
            "captured_at": datetime.now(UTC),
            "latency_ms": latency_ms,
            "inputs": inputs,
            "outputs": pydantic_core.to_json(outputs).decode(),
        }
        with self._lock:
            if len(self._rows) >= self._capacity:
                self._rows.popleft()
                self.metrics.dropped.inc()
            self._sequence += 1
            self._rows.append((self._sequence, row))
            full = len(self._rows) >= self.batch_rows
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write every buffered row; on a storage error keep them for the next try."""
        with self._flush_lock:
            with self._lock:
                batch = list(self._rows)
            if not batch:
                return 0
            try:
                self._write(pd.DataFrame([row for _, row in batch]))
            except StorageError as error:
                log.warning("capture flush failed, keeping %d rows: %s", len(batch), error)
                return 0
            last = batch[-1][0]
            with self._lock:  # rows dropped meanwhile were already counted; keep newer ones
                while self._rows and self._rows[0][0] <= last:
                    self._rows.popleft()
            self.metrics.captured.inc(len(batch))
            return len(batch)

    def _write(self, frame: pd.DataFrame) -> None:
        stamp = datetime.now(UTC)
        for family, rows in frame.groupby("family", sort=True):
            key = (
                f"{PREFIX}/{family}/date={stamp:%Y-%m-%d}/"
                f"{stamp:%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"
            )
            self.store.put_parquet(key, rows.reset_index(drop=True))

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def start(self) -> None:
        """Flush in the background every `flush_seconds`, or sooner when a batch is full."""

        def run() -> None:
            while not self._stop.is_set():
                self._wake.wait(self.flush_seconds)
                self._wake.clear()
                self.flush()

        self._thread = threading.Thread(target=run, name="prediction-capture", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the background flusher and write what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
