"""What each SDK method sends and how its answer is read, shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from forewarn.schemas.models import ModelPublic, ModelsPublic, ModelVersionPublic
from forewarn.schemas.optimization import OptimizationResponse
from forewarn.schemas.predictions import (
    BatchResponse,
    BottleneckResponse,
    FailureResponse,
    ItemError,
    StreamEvent,
)
from forewarn.schemas.workload import Direction, WorkloadForecastResponse

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request and the parser of its JSON answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None  # seconds; None: the client's


def _model(kind: type[T]) -> Callable[[Any], T]:
    return TypeAdapter(kind).validate_python


def predict_bottleneck(
    system_id: str,
    features: Mapping[str, Any],
    horizon_minutes: int,
    confidence_level: float,
    context: Mapping[str, Any] | None,
) -> Call[BottleneckResponse]:
    body = {
        "system_id": system_id,
        "features": dict(features),
        "prediction_horizon": horizon_minutes,
        "confidence_level": confidence_level,
        "context": dict(context or {}),
    }
    return Call("POST", "/predict/bottleneck", _model(BottleneckResponse), json=body)


def predict_failure(
    system_id: str,
    monitoring_data: Mapping[str, Any],
    time_horizons: Sequence[int],
    severity_threshold: float,
) -> Call[FailureResponse]:
    body = {
        "system_id": system_id,
        "monitoring_data": dict(monitoring_data),
        "time_horizons": list(time_horizons),
        "severity_threshold": severity_threshold,
    }
    return Call("POST", "/predict/failure-prevention", _model(FailureResponse), json=body)


def list_models(name_contains: str | None, page: int, page_size: int) -> Call[ModelsPublic]:
    params = {"page": page, "page_size": page_size} | (
        {"name_contains": name_contains} if name_contains else {}
    )
    return Call("GET", "/models", _model(ModelsPublic), params=params)


def get_model(name: str) -> Call[ModelPublic]:
    return Call("GET", f"/models/{name}", _model(ModelPublic))


def model_versions(name: str) -> Call[list[ModelVersionPublic]]:
    return Call("GET", f"/models/{name}/versions", _model(list[ModelVersionPublic]))


def stage_model(name: str, version: str, alias: str) -> Call[ModelPublic]:
    return Call(
        "POST",
        f"/models/{name}/stage",
        _model(ModelPublic),
        json={"version": str(version), "alias": alias},
    )


def health() -> Call[dict[str, Any]]:
    return Call("GET", "/health", dict)


def status() -> Call[dict[str, Any]]:
    return Call("GET", "/status", dict)


@dataclass(frozen=True)
class BatchResult:
    """One item of a batch: its system, and its prediction or its error."""

    index: int
    system_id: str | None
    prediction: BottleneckResponse | None
    error: ItemError | None


def batch_predict_bottlenecks(requests: Sequence[Mapping[str, Any]]) -> Call[list[BatchResult]]:
    items = [dict(item) for item in requests]

    def parse(body: Any) -> list[BatchResult]:
        answer = BatchResponse.model_validate(body)
        return [
            BatchResult(
                index=item.index,
                system_id=items[item.index].get("system_id"),
                prediction=BottleneckResponse.model_validate(item.result) if item.result else None,
                error=item.error,
            )
            for item in answer.results
        ]

    return Call("POST", "/predict/bottleneck/batch", parse, json={"requests": items})


def stream_params(
    system_id: str, prediction_types: Sequence[str], update_interval: float, max_events: int | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "system_id": system_id,
        "prediction_types": list(prediction_types),
        "update_interval": update_interval,
    }
    return params | ({"max_events": max_events} if max_events else {})


def stream_event(line: str) -> StreamEvent | None:
    """The event on an SSE `data:` line (None for other lines)."""
    if not line.startswith("data: "):
        return None
    return StreamEvent.model_validate_json(line.removeprefix("data: "))


def optimize_resources(
    system_id: str,
    current_allocation: Mapping[str, float],
    objectives: Mapping[str, float] | None,
    options: Mapping[str, Any],
) -> Call[OptimizationResponse]:
    body = {
        "system_id": system_id,
        "current_allocation": dict(current_allocation),
        **({"objectives": dict(objectives)} if objectives else {}),
        **{k: v for k, v in options.items() if v is not None},
    }
    return Call("POST", "/predict/resource-optimization", _model(OptimizationResponse), json=body)


# A point of history: {"timestamp": ..., "value": ...} or (timestamp, value); datetimes are sent
# as ISO 8601 (without a zone: UTC).
Point = Mapping[str, Any] | tuple[Any, Any]


def forecast_workload(
    series_id: str | None,
    historical_data: Sequence[Point] | None,
    forecast_horizon: int | None,
    capacity_threshold: float | None,
    direction: Direction,
    timeout: float | None,
) -> Call[WorkloadForecastResponse]:
    body: dict[str, Any] = {"series_id": series_id, "forecast_horizon": forecast_horizon}
    if historical_data is not None:
        body["historical_data"] = [_point(point) for point in historical_data]
    if capacity_threshold is not None:
        body["capacity_threshold"] = {"value": capacity_threshold, "direction": direction}
    return Call(
        "POST",
        "/predict/workload-forecast",
        _model(WorkloadForecastResponse),
        json={key: value for key, value in body.items() if value is not None},
        timeout=timeout,
    )


def _point(point: Point) -> dict[str, Any]:
    timestamp, value = (point["timestamp"], point["value"]) if isinstance(point, Mapping) else point
    stamp = timestamp.isoformat() if isinstance(timestamp, datetime) else timestamp
    return {"timestamp": stamp, "value": None if value is None else float(value)}
