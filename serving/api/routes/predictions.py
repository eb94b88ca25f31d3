"""Predictions from the champions of the bottleneck and failure families."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from forewarn.schemas.predictions import (
    BottleneckRequest,
    BottleneckResponse,
    FailureRequest,
    FailureResponse,
)
from serving.api.deps import Predictor, ServiceDep
from serving.predictors import respond_bottleneck, respond_failure

router = APIRouter(prefix="/predict", tags=["predictions"])


@router.post("/bottleneck", response_model=BottleneckResponse)
def predict_bottleneck(body: BottleneckRequest, request: Request, _: Predictor,
                       service: ServiceDep) -> dict[str, Any]:
    """Probability of a bottleneck within the horizon, its resource, timing and drivers."""
    return service.serve("bottleneck", body, request.state.request_id, respond_bottleneck)


@router.post("/failure-prevention", response_model=FailureResponse)
def predict_failure(body: FailureRequest, request: Request, _: Predictor,
                    service: ServiceDep) -> dict[str, Any]:
    """Probability of failure per horizon, its likely type and contributing factors."""
    return service.serve("failure", body, request.state.request_id, respond_failure)
