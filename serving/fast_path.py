"""The two single-prediction routes, answered without FastAPI's per-request machinery.

Dependency resolution and response-model validation cost more CPU per request than the
prediction itself, so this middleware answers `POST /v1/predict/bottleneck` and
`/v1/predict/failure-prevention` with the same steps and the same functions as those FastAPI
routes (`admit`, the request models, `PredictionService.serve_batched`, the app's error
handlers). The routes stay the documented contract in OpenAPI and answer instead when
`FOREWARN_FAST_PREDICTIONS=false`; the tests run against both. It sits inside the request-id and
metrics middlewares, which see every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pydantic_core
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from serving.api.deps import admit
from serving.errors import APIError
from serving.predictors import Responder


@dataclass(frozen=True)
class Target:
    """A route answered here: the FastAPI route that documents it, its request model, and how
    to answer it."""

    route: BaseRoute
    kind: type[BaseModel]
    responder: Responder


class PredictionFastPath:
    """Answers POSTs to `routes` (full paths) directly; everything else passes through."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, Target]) -> None:
        self.app, self.routes = app, dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = (
            self.routes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if target is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = target.route  # what FastAPI would set: the metrics label it
        request = Request(scope, receive)
        response = await _answer(request, target.kind, target.responder)
        await response(scope, receive, send)


async def _answer(request: Request, kind: type[BaseModel], responder: Responder) -> Response:
    """What the FastAPI route would answer, errors included."""
    try:
        _, headers = admit(request, "predict")
        body = _parsed(kind, await request.body())
        answer = await request.app.state.predictions.serve_batched(
            body, request.state.request_id, responder
        )
    except (APIError, RequestValidationError) as error:
        handler = request.app.exception_handlers[type(error)]
        error_response: Response = await handler(request, error)
        return error_response
    return Response(pydantic_core.to_json(answer), media_type="application/json", headers=headers)


def _parsed(kind: type[BaseModel], raw: bytes) -> BaseModel:
    """The body as `kind`, or the validation error FastAPI would raise (located in the body)."""
    try:
        return kind.model_validate_json(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from error
