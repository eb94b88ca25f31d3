"""A bounded LRU cache of prediction responses for identical requests to the same model version.
Moving an alias changes the version in the key, so a swap never serves a stale answer.

Values are kept as JSON bytes: one object per entry instead of dozens of dicts, lists and
floats, which the garbage collector would otherwise walk in every full collection (long pauses
under load)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any

import pydantic_core

from serving.metrics import Metrics


class ResponseCache:
    """(family, model version, canonical request) -> response payload, for `ttl` seconds (the
    time-of-day features of requests without a timestamp move on)."""

    def __init__(self, capacity: int, metrics: Metrics, ttl: float = 60.0) -> None:
        self.capacity, self.metrics, self.ttl = capacity, metrics, ttl
        self._entries: OrderedDict[tuple[str, str, str], tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        with self._lock:
            expires, value = self._entries.get(key, (0.0, None))
            if value is not None and expires < time.monotonic():
                del self._entries[key]
                value = None
            if value is not None:
                self._entries.move_to_end(key)
        self.metrics.child(self.metrics.cache, "hit" if value is not None else "miss").inc()
        return None if value is None else json.loads(value)

    def put(self, key: tuple[str, str, str], value: dict[str, Any]) -> None:
        stored = pydantic_core.to_json(value)
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, stored)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
