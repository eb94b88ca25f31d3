"""The synchronous SDK client."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from forewarn.client import calls
from forewarn.client.calls import Call
from forewarn.client.errors import ForewarnError, error_from_response
from forewarn.client.transport import auth_headers, connection_error, outcome, retry_delay
from forewarn.schemas.models import ModelPublic, ModelsPublic, ModelVersionPublic
from forewarn.schemas.optimization import OptimizationResponse
from forewarn.schemas.predictions import BottleneckResponse, FailureResponse, StreamEvent
from forewarn.schemas.workload import Direction, WorkloadForecastResponse

T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:8000/v1"
FORECAST_TIMEOUT = 60.0  # seconds: an on-the-fly forecast fits models


class Client:
    """Forewarn's HTTP API from Python: one method per endpoint, typed answers."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        api_key: str | None = None,
        token: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.max_retries, self.backoff = max_retries, backoff
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, headers=auth_headers(api_key, token)
        )

    def _run(self, call: Call[T]) -> T:
        for attempt in range(self.max_retries + 1):
            try:
                return outcome(
                    call,
                    self._http.request(
                        call.method,
                        call.path,
                        json=call.json,
                        params=dict(call.params),
                        timeout=httpx.USE_CLIENT_DEFAULT if call.timeout is None else call.timeout,
                    ),
                )
            except httpx.TransportError as error:
                failure: ForewarnError = connection_error(error)
            except ForewarnError as error:
                failure = error
            delay = retry_delay(failure, attempt, self.backoff)
            if delay is None or attempt == self.max_retries:
                raise failure
            time.sleep(delay)
        raise AssertionError("unreachable")

    def predict_bottleneck(
        self,
        system_id: str,
        features: Mapping[str, Any],
        horizon_minutes: int = 30,
        confidence_level: float = 0.95,
        context: Mapping[str, Any] | None = None,
    ) -> BottleneckResponse:
        """POST /predict/bottleneck."""
        return self._run(
            calls.predict_bottleneck(
                system_id, features, horizon_minutes, confidence_level, context
            )
        )

    def predict_failure(
        self,
        system_id: str,
        monitoring_data: Mapping[str, Any],
        time_horizons: Sequence[int] = (15, 60, 240, 1440),
        severity_threshold: float = 0.7,
    ) -> FailureResponse:
        """POST /predict/failure-prevention."""
        return self._run(
            calls.predict_failure(system_id, monitoring_data, time_horizons, severity_threshold)
        )

    def batch_predict_bottlenecks(
        self, requests: Sequence[Mapping[str, Any]]
    ) -> list[calls.BatchResult]:
        """POST /predict/bottleneck/batch: each item's prediction or error, in order."""
        return self._run(calls.batch_predict_bottlenecks(requests))

    def stream_predictions(
        self,
        system_id: str,
        prediction_types: Sequence[str] = ("bottleneck", "failure_prevention"),
        update_interval: float = 30.0,
        max_events: int | None = None,
    ) -> Iterator[StreamEvent]:
        """GET /predict/stream: events as they arrive (until `max_events`, or forever)."""
        params = calls.stream_params(system_id, prediction_types, update_interval, max_events)
        with self._http.stream("GET", "/predict/stream", params=params, timeout=None) as answer:
            if not answer.is_success:
                answer.read()
                raise error_from_response(answer)
            for line in answer.iter_lines():
                if (event := calls.stream_event(line)) is not None:
                    yield event

    def optimize_resources(
        self,
        system_id: str,
        current_allocation: Mapping[str, float],
        objectives: Mapping[str, float] | None = None,
        **options: Any,
    ) -> OptimizationResponse:
        """POST /predict/resource-optimization (options: workload_forecast, constraints,
        current_utilization, unit_costs, features)."""
        return self._run(
            calls.optimize_resources(system_id, current_allocation, objectives, options)
        )

    def forecast_workload(
        self,
        series_id: str | None = None,
        *,
        historical_data: Sequence[calls.Point] | None = None,
        forecast_horizon: int | None = None,
        capacity_threshold: float | None = None,
        direction: Direction = "above",
        timeout: float | None = FORECAST_TIMEOUT,
    ) -> WorkloadForecastResponse:
        """POST /predict/workload-forecast: the latest published forecast of `series_id`, or
        one made on the fly from `historical_data`; with `capacity_threshold`, when the load
        may cross it (`direction` above or below) and how likely."""
        call = calls.forecast_workload(
            series_id, historical_data, forecast_horizon, capacity_threshold, direction, timeout
        )
        return self._run(call)

    def list_models(
        self, name_contains: str | None = None, page: int = 1, page_size: int = 20
    ) -> ModelsPublic:
        """GET /models."""
        return self._run(calls.list_models(name_contains, page, page_size))

    def get_model(self, name: str) -> ModelPublic:
        """GET /models/{name}."""
        return self._run(calls.get_model(name))

    def model_versions(self, name: str) -> list[ModelVersionPublic]:
        """GET /models/{name}/versions."""
        return self._run(calls.model_versions(name))

    def stage_model(self, name: str, version: str | int, alias: str) -> ModelPublic:
        """POST /models/{name}/stage: move `alias` (champion, challenger, none)."""
        return self._run(calls.stage_model(name, str(version), alias))

    def health(self) -> dict[str, Any]:
        """GET /health."""
        return self._run(calls.health())

    def status(self) -> dict[str, Any]:
        """GET /status."""
        return self._run(calls.status())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
