"""Predictions from the champions of the bottleneck and failure families."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from forewarn.schemas.optimization import OptimizationRequest, OptimizationResponse
from forewarn.schemas.predictions import (
    BatchRequest,
    BatchResponse,
    BottleneckRequest,
    BottleneckResponse,
    FailureRequest,
    FailureResponse,
)
from forewarn.schemas.workload import WorkloadForecastRequest, WorkloadForecastResponse
from serving.api.deps import (
    ForecastsDep,
    ModelsDep,
    Predictor,
    ServiceDep,
    SettingsDep,
    WorkloadDep,
)
from serving.batch import answer_batch
from serving.errors import APIError
from serving.optimizer import optimize
from serving.predictors import BOTTLENECK, FAILURE, Responder
from serving.streaming import STREAM_TYPES, prediction_events

router = APIRouter(prefix="/predict", tags=["predictions"])
# The single-prediction routes (paths as `router` has them): request model and responder.
# `serving.fast_path` answers them the same way before FastAPI's routing, unless turned off.
SINGLE_PREDICTIONS: dict[str, tuple[type[BaseModel], Responder]] = {
    "/predict/bottleneck": (BottleneckRequest, BOTTLENECK),
    "/predict/failure-prevention": (FailureRequest, FAILURE),
}


@router.post("/bottleneck", response_model=BottleneckResponse)
async def predict_bottleneck(
    body: BottleneckRequest, request: Request, _: Predictor, service: ServiceDep
) -> dict[str, Any]:
    """Probability of a bottleneck within the horizon, its resource, timing and drivers."""
    return await service.serve_batched(body, request.state.request_id, BOTTLENECK)


@router.post("/failure-prevention", response_model=FailureResponse)
async def predict_failure(
    body: FailureRequest, request: Request, _: Predictor, service: ServiceDep
) -> dict[str, Any]:
    """Probability of failure per horizon, its likely type and contributing factors."""
    return await service.serve_batched(body, request.state.request_id, FAILURE)


def _batch(
    body: BatchRequest,
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    kind: type[BottleneckRequest | FailureRequest],
    responder: Responder,
) -> BatchResponse:
    if len(body.requests) > settings.batch_max_items:
        raise APIError(
            413,
            "batch_too_large",
            f"a batch holds at most {settings.batch_max_items} requests, not {len(body.requests)}",
        )
    request_id = request.state.request_id
    results = answer_batch(service, kind, body.requests, request_id, responder)
    succeeded = sum(item.status == "ok" for item in results)
    return BatchResponse(
        request_id=request_id, succeeded=succeeded, failed=len(results) - succeeded, results=results
    )


@router.post("/bottleneck/batch", response_model=BatchResponse)
def predict_bottleneck_batch(
    body: BatchRequest, request: Request, _: Predictor, service: ServiceDep, settings: SettingsDep
) -> BatchResponse:
    """Many bottleneck requests at once; each item gets its result or its own error."""
    return _batch(body, request, service, settings, BottleneckRequest, BOTTLENECK)


@router.post("/failure-prevention/batch", response_model=BatchResponse)
def predict_failure_batch(
    body: BatchRequest, request: Request, _: Predictor, service: ServiceDep, settings: SettingsDep
) -> BatchResponse:
    """Many failure-prevention requests at once; each item gets its result or its own error."""
    return _batch(body, request, service, settings, FailureRequest, FAILURE)


@router.post(
    "/workload-forecast",
    response_model=WorkloadForecastResponse,
    responses={
        400: {"description": "Invalid, unsorted, duplicated or too short history."},
        404: {"description": "No workload champion, no published forecast, unknown series."},
        422: {"description": "The champion's method cannot forecast this history."},
    },
)
async def predict_workload(
    body: WorkloadForecastRequest, request: Request, _: Predictor, workload: WorkloadDep
) -> dict[str, Any]:
    """The next steps of a metric with 80 and 95 % intervals, the model used and its backtest
    MASE, and (given `capacity_threshold`) when the load may cross it and how likely. Send
    `historical_data` to forecast on the fly with the `workload` champion's method, or name a
    `series_id` to read the latest forecast of the scheduled flow `forecast-workload`."""
    return await workload.answer(body, request.state.request_id)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_predictions(
    request: Request,
    _: Predictor,
    service: ServiceDep,
    system_id: Annotated[str, Query(min_length=1, max_length=200)],
    prediction_types: Annotated[
        list[Literal["bottleneck", "failure_prevention"]] | None,
        Query(description="Default: every type."),
    ] = None,
    update_interval: Annotated[float, Query(ge=1, le=3600)] = 30.0,
    max_events: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> StreamingResponse:
    """Server-Sent Events: the system's last inputs scored again every `update_interval`
    seconds by the current champion of each requested type."""
    kinds = list(dict.fromkeys(prediction_types or STREAM_TYPES))
    events = prediction_events(request, service, system_id, kinds, update_interval, max_events)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.post("/resource-optimization", response_model=OptimizationResponse)
def optimize_resources(
    body: OptimizationRequest,
    request: Request,
    _: Predictor,
    models: ModelsDep,
    forecasts: ForecastsDep,
) -> dict[str, Any]:
    """An allocation that meets the objectives and constraints at the forecast peak, solved
    with SLSQP over a stated utilisation model, with alternatives and their trade-offs. Where
    the latest `forecast-workload` run forecast the system's utilisation (series
    `<system_id>/cpu_utilization`, ...), the peak of its upper 80 % band is the peak."""
    return {"request_id": request.state.request_id} | optimize(body, models, forecasts)
