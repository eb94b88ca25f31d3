"""Prometheus instruments of the API, in a registry of their own (one per app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Metrics:
    """Every instrument the service updates."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    _children: dict[tuple[int, tuple[str, ...]], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "forewarn_http_requests_total",
            "HTTP requests.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "forewarn_http_request_duration_seconds",
            "Request latency.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.predictions = Counter(
            "forewarn_predictions_total", "Predictions served.", ["model", "version"], registry=r
        )
        self.prediction_errors = Counter(
            "forewarn_prediction_errors_total",
            "Predictions refused or failed.",
            ["model"],
            registry=r,
        )
        self.cache = Counter(
            "forewarn_response_cache_total", "Response cache lookups.", ["result"], registry=r
        )
        self.model_loads = Counter(
            "forewarn_model_loads_total", "Model loads.", ["model", "outcome"], registry=r
        )
        self.model_memory = Gauge(
            "forewarn_model_memory_bytes",
            "Bytes of loaded models.",
            ["model", "version"],
            registry=r,
        )
        self.captured = Counter(
            "forewarn_captured_rows_total", "Prediction rows written.", registry=r
        )
        self.dropped = Counter(
            "forewarn_dropped_rows_total",
            "Prediction rows dropped because the capture buffer was full.",
            registry=r,
        )

    def child(self, metric: MetricWrapperBase, *labels: str) -> Any:
        """`metric.labels(*labels)`, looked up once per label set (`labels` validates and
        locks on every call: a cost on the hot path). Not for children that get removed."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found
