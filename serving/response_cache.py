"""A bounded LRU cache of prediction responses for identical requests to the same model version.
Moving an alias changes the version in the key, so a swap never serves a stale answer."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from serving.metrics import Metrics


class ResponseCache:
    """(family, model version, canonical request) -> response payload, for `ttl` seconds (the
    time-of-day features of requests without a timestamp move on)."""

    def __init__(self, capacity: int, metrics: Metrics, ttl: float = 60.0) -> None:
        self.capacity, self.metrics, self.ttl = capacity, metrics, ttl
        self._entries: OrderedDict[tuple[str, str, str], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Any | None:
        with self._lock:
            expires, value = self._entries.get(key, (0.0, None))
            if value is not None and expires < time.monotonic():
                del self._entries[key]
                value = None
            if value is not None:
                self._entries.move_to_end(key)
        self.metrics.child(self.metrics.cache, "hit" if value is not None else "miss").inc()
        return value

    def put(self, key: tuple[str, str, str], value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
