"""The steps every prediction shares: pick the served model, answer from the response cache or
the family, stamp the request id and timing, count it, capture it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from serving.capture import PredictionCapture
from serving.metrics import Metrics
from serving.model_cache import LoadedModel, ModelCache
from serving.response_cache import ResponseCache

Responder = Callable[[LoadedModel, Any], dict[str, Any]]


class PredictionService:
    """Serves predictions of any family given a function that answers one request."""

    def __init__(self, models: ModelCache, responses: ResponseCache, capture: PredictionCapture,
                 metrics: Metrics) -> None:
        self.models, self.responses, self.capture, self.metrics = (
            models, responses, capture, metrics)

    def serve(self, family: str, body: BaseModel, request_id: str,
              respond: Responder) -> dict[str, Any]:
        """The response body for `body`, from cache when an identical request was answered."""
        started = time.perf_counter()
        loaded = self.models.get(family)
        key = (family, loaded.version, body.model_dump_json())
        answer = self.responses.get(key)
        cached = answer is not None
        if answer is None:
            try:
                answer = respond(loaded, body)
            except Exception:
                self.metrics.prediction_errors.labels(family).inc()
                raise
            self.responses.put(key, answer)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response = answer | {
            "request_id": request_id,
            "metadata": answer["metadata"] | {"processing_time_ms": round(elapsed_ms, 3),
                                              "cached": cached},
        }
        self.metrics.predictions.labels(family, loaded.version).inc()
        self.capture.record(family, loaded.version, request_id, body.model_dump(mode="json"),
                            response, elapsed_ms)
        return response
