"""The steps every prediction shares: pick the served model, answer from the response cache or
the family, stamp the request id and timing, count it, capture it."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict, deque
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel

from serving.batcher import Job, MicroBatcher, answer_all
from serving.capture import PredictionCapture
from serving.errors import APIError
from serving.metrics import Metrics
from serving.model_cache import LoadedModel, ModelCache
from serving.predictors import Responder
from serving.response_cache import ResponseCache

RECENT = 10_000  # latencies kept per family for percentiles
LATEST_INPUTS = 10_000  # systems whose last request the stream endpoint can re-score


class Lookup(NamedTuple):
    """What a request finds before it is answered."""

    loaded: LoadedModel
    key: tuple[str, str, str]  # response-cache key: family, model version, inputs
    inputs: str  # the request as JSON text
    cached: dict[str, Any] | None  # the cached answer, None when there is none


@dataclass
class Counts:
    """Requests a family answered and refused in this process."""

    served: int = 0
    failed: int = 0


class PredictionService:
    """Serves predictions of any family given a function that answers one request."""

    def __init__(
        self,
        models: ModelCache,
        responses: ResponseCache,
        capture: PredictionCapture,
        metrics: Metrics,
    ) -> None:
        self.models, self.responses, self.capture, self.metrics = (
            models,
            responses,
            capture,
            metrics,
        )
        self.batcher = MicroBatcher()
        self._latencies: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=RECENT))
        self._counts: dict[str, Counts] = defaultdict(Counts)
        # (family, system) -> (request model, request JSON): text rather than models, whose
        # many small objects would lengthen every full garbage collection
        self._latest: OrderedDict[tuple[str, str], tuple[type[BaseModel], str]] = OrderedDict()
        self._lock = threading.Lock()

    def latest(self, family: str, system_id: str) -> BaseModel | None:
        """The last request `system_id` sent for `family` (what a stream re-scores)."""
        with self._lock:
            found = self._latest.get((family, system_id))
        return None if found is None else found[0].model_validate_json(found[1])

    def _remember(self, family: str, body: BaseModel, inputs: str) -> None:
        system_id = getattr(body, "system_id", None)
        if system_id is None:
            return
        with self._lock:
            self._latest[(family, system_id)] = (type(body), inputs)
            self._latest.move_to_end((family, system_id))
            while len(self._latest) > LATEST_INPUTS:
                self._latest.popitem(last=False)

    def measurements(self, family: str) -> dict[str, Any]:
        """This process's requests, errors and latency percentiles (recent) for `family`."""
        with self._lock:
            counts = self._counts[family]
            served, failed = counts.served, counts.failed
            recent = np.asarray(self._latencies[family])
        percentiles = (
            dict(zip(("p50", "p95", "p99"), np.percentile(recent, [50, 95, 99]), strict=True))
            if recent.size
            else {}
        )
        total = served + failed
        return {
            "requests": total,
            "errors": failed,
            "error_rate": failed / total if total else 0.0,
            "latency_ms": {k: round(float(v), 3) for k, v in percentiles.items()},
            "latency_window": int(recent.size),
        }

    def _failed(self, family: str) -> None:
        self.metrics.prediction_errors.labels(family).inc()
        self._count(family, None)

    def _count(self, family: str, elapsed_ms: float | None) -> None:
        with self._lock:
            if elapsed_ms is None:
                self._counts[family].failed += 1
            else:
                self._counts[family].served += 1
                self._latencies[family].append(elapsed_ms)

    def serve(self, body: BaseModel, request_id: str, responder: Responder) -> dict[str, Any]:
        """The response body for `body`, answered alone (cached when seen before)."""
        answer = self.serve_many([body], [request_id], responder)[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def serve_many(
        self, bodies: list[BaseModel], request_ids: list[str], responder: Responder
    ) -> list[dict[str, Any] | Exception]:
        """Responses for many requests, those not cached forecast together; a request the
        model refuses gets its own error (an `APIError`) in its place."""
        started = time.perf_counter()
        lookups = [self._lookup(responder.family, body) for body in bodies]
        missed = [i for i, lookup in enumerate(lookups) if lookup.cached is None]
        fresh = dict(
            zip(
                missed,
                answer_all([Job(responder, lookups[i].loaded, bodies[i]) for i in missed]),
                strict=True,
            )
        )
        return [
            self._settle(responder.family, body, request_id, lookup, fresh.get(index), started)
            for index, (body, request_id, lookup) in enumerate(
                zip(bodies, request_ids, lookups, strict=True)
            )
        ]

    async def serve_batched(
        self, body: BaseModel, request_id: str, responder: Responder
    ) -> dict[str, Any]:
        """As `serve`, but concurrent requests are answered together by the micro-batcher."""
        started = time.perf_counter()
        lookup = self._lookup(responder.family, body)
        fresh: dict[str, Any] | Exception | None = None
        if lookup.cached is None:
            try:
                fresh = await self.batcher.submit(responder, lookup.loaded, body)
            except Exception as error:  # settled below like any other failed prediction
                fresh = error
        result = self._settle(responder.family, body, request_id, lookup, fresh, started)
        if isinstance(result, Exception):
            raise result
        return result

    def _settle(
        self,
        family: str,
        body: BaseModel,
        request_id: str,
        lookup: Lookup,
        fresh: dict[str, Any] | Exception | None,
        started: float,
    ) -> dict[str, Any] | Exception:
        """The response to one request from its cached or fresh answer (a fresh one is
        cached), or the error it gets."""
        loaded, key, inputs, cached = lookup
        answer = cached if cached is not None else fresh
        assert answer is not None, "a request missing from the cache is answered"
        if isinstance(answer, Exception):
            return self._failure(family, answer)
        if cached is None:
            self.responses.put(key, answer)
        return self._finish(
            family, body, inputs, request_id, loaded, answer, cached is not None, started
        )

    def _lookup(self, family: str, body: BaseModel) -> Lookup:
        """The served model, the cache key, the request as JSON text, and a cached answer."""
        loaded = self.models.get(family)
        inputs = body.model_dump_json()
        key = (family, loaded.version, inputs)
        return Lookup(loaded, key, inputs, self.responses.get(key))

    def _failure(self, family: str, error: Exception) -> Exception:
        """Count a failed prediction; inputs the schema admits but the model cannot use are
        the caller's error (422), other errors stay what they are."""
        self._failed(family)
        if not isinstance(error, ValueError):
            return error
        failure = APIError(422, "invalid_input", str(error))
        failure.__cause__ = error
        return failure

    def _finish(
        self,
        family: str,
        body: BaseModel,
        inputs: str,
        request_id: str,
        loaded: LoadedModel,
        answer: dict[str, Any],
        cached: bool,
        started: float,
    ) -> dict[str, Any]:
        """Stamp, count, remember and capture one answered request."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        response = answer | {
            "request_id": request_id,
            "metadata": answer["metadata"]
            | {"processing_time_ms": round(elapsed_ms, 3), "cached": cached},
        }
        self.metrics.child(self.metrics.predictions, family, loaded.version).inc()
        self._count(family, elapsed_ms)
        self._remember(family, body, inputs)
        self.capture.record(family, loaded.version, request_id, inputs, response, elapsed_ms)
        return response
