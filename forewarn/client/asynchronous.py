"""The asyncio SDK client: the same methods as `Client`, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from forewarn.client import calls
from forewarn.client.calls import Call
from forewarn.client.errors import ForewarnError, error_from_response
from forewarn.client.sync import DEFAULT_URL, FORECAST_TIMEOUT
from forewarn.client.transport import auth_headers, connection_error, outcome, retry_delay
from forewarn.schemas.models import ModelPublic, ModelsPublic, ModelVersionPublic
from forewarn.schemas.optimization import OptimizationResponse
from forewarn.schemas.predictions import BottleneckResponse, FailureResponse, StreamEvent
from forewarn.schemas.workload import Direction, WorkloadForecastResponse

T = TypeVar("T")


class AsyncClient:
    """Forewarn's HTTP API for asyncio applications."""

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
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, headers=auth_headers(api_key, token)
        )

    async def _run(self, call: Call[T]) -> T:
        for attempt in range(self.max_retries + 1):
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    json=call.json,
                    params=dict(call.params),
                    timeout=httpx.USE_CLIENT_DEFAULT if call.timeout is None else call.timeout,
                )
                return outcome(call, response)
            except httpx.TransportError as error:
                failure: ForewarnError = connection_error(error)
            except ForewarnError as error:
                failure = error
            delay = retry_delay(failure, attempt, self.backoff)
            if delay is None or attempt == self.max_retries:
                raise failure
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def predict_bottleneck(
        self,
        system_id: str,
        features: Mapping[str, Any],
        horizon_minutes: int = 30,
        confidence_level: float = 0.95,
        context: Mapping[str, Any] | None = None,
    ) -> BottleneckResponse:
        """POST /predict/bottleneck."""
        return await self._run(
            calls.predict_bottleneck(
                system_id, features, horizon_minutes, confidence_level, context
            )
        )

    async def predict_failure(
        self,
        system_id: str,
        monitoring_data: Mapping[str, Any],
        time_horizons: Sequence[int] = (15, 60, 240, 1440),
        severity_threshold: float = 0.7,
    ) -> FailureResponse:
        """POST /predict/failure-prevention."""
        return await self._run(
            calls.predict_failure(system_id, monitoring_data, time_horizons, severity_threshold)
        )

    async def batch_predict_bottlenecks(
        self, requests: Sequence[Mapping[str, Any]]
    ) -> list[calls.BatchResult]:
        """POST /predict/bottleneck/batch: each item's prediction or error, in order."""
        return await self._run(calls.batch_predict_bottlenecks(requests))

    async def stream_predictions(
        self,
        system_id: str,
        prediction_types: Sequence[str] = ("bottleneck", "failure_prevention"),
        update_interval: float = 30.0,
        max_events: int | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """GET /predict/stream as an async iterator of events."""
        params = calls.stream_params(system_id, prediction_types, update_interval, max_events)
        async with self._http.stream(
            "GET", "/predict/stream", params=params, timeout=None
        ) as answer:
            if not answer.is_success:
                await answer.aread()
                raise error_from_response(answer)
            async for line in answer.aiter_lines():
                if (event := calls.stream_event(line)) is not None:
                    yield event

    async def optimize_resources(
        self,
        system_id: str,
        current_allocation: Mapping[str, float],
        objectives: Mapping[str, float] | None = None,
        **options: Any,
    ) -> OptimizationResponse:
        """POST /predict/resource-optimization (options: workload_forecast, constraints,
        current_utilization, unit_costs, features)."""
        return await self._run(
            calls.optimize_resources(system_id, current_allocation, objectives, options)
        )

    async def forecast_workload(
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
        return await self._run(call)

    async def list_models(
        self, name_contains: str | None = None, page: int = 1, page_size: int = 20
    ) -> ModelsPublic:
        """GET /models."""
        return await self._run(calls.list_models(name_contains, page, page_size))

    async def get_model(self, name: str) -> ModelPublic:
        """GET /models/{name}."""
        return await self._run(calls.get_model(name))

    async def model_versions(self, name: str) -> list[ModelVersionPublic]:
        """GET /models/{name}/versions."""
        return await self._run(calls.model_versions(name))

    async def stage_model(self, name: str, version: str | int, alias: str) -> ModelPublic:
        """POST /models/{name}/stage."""
        return await self._run(calls.stage_model(name, str(version), alias))

    async def health(self) -> dict[str, Any]:
        """GET /health."""
        return await self._run(calls.health())

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
