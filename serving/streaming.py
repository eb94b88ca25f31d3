"""Server-Sent Events of predictions for one system: at each interval, the last inputs the
system sent for each prediction type are scored again by the current champion (which may have
moved since). Until a system has sent inputs, its events say so instead of inventing any."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from serving.errors import APIError
from serving.prediction_service import PredictionService
from serving.predictors import BOTTLENECK, FAILURE, Responder

STREAM_TYPES: dict[str, tuple[str, Responder]] = {
    "bottleneck": ("/v1/predict/bottleneck", BOTTLENECK),
    "failure_prevention": ("/v1/predict/failure-prevention", FAILURE),
}


def severity(probability: float) -> str:
    return "critical" if probability >= 0.7 else "warning" if probability >= 0.35 else "low"


def _summary(kind: str, response: dict[str, Any]) -> dict[str, Any]:
    if kind == "bottleneck":
        probability = response["prediction"]["bottleneck_probability"]
    else:
        probability = max(p["failure_probability"] for p in response["failure_predictions"])
    return {
        "probability": probability,
        "severity": severity(probability),
        "model_version": response["metadata"]["model_version"],
        "response": response,
    }


def _event(
    service: PredictionService, kind: str, system_id: str, request_id: str
) -> dict[str, Any]:
    path, responder = STREAM_TYPES[kind]
    facts = {"type": kind, "system_id": system_id}
    body = service.latest(responder.family, system_id)
    if body is None:
        return facts | {
            "event": "waiting",
            "message": f"no inputs from {system_id!r} yet: POST them to {path}",
        }
    try:
        return (
            facts
            | {"event": "prediction"}
            | _summary(kind, service.serve(body, request_id, responder))
        )
    except APIError as error:
        return facts | {"event": "error", "code": error.code, "message": error.message}


async def prediction_events(
    request: Request,
    service: PredictionService,
    system_id: str,
    kinds: list[str],
    interval: float,
    max_events: int | None,
) -> AsyncIterator[str]:
    """`event: <prediction|waiting|error>` / `data: <json>` records until the client leaves."""
    sent = 0
    while True:
        for kind in kinds:
            event = await run_in_threadpool(
                _event, service, kind, system_id, f"{request.state.request_id}-{sent}"
            )
            yield f"event: {event['event']}\ndata: {json.dumps(event)}\n\n"
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        if await request.is_disconnected():
            return
        await asyncio.sleep(interval)
