"""One error envelope for every failure: `{"error": {code, message, details}, "request_id"}`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from serving.middleware import HEADER, new_request_id

log = logging.getLogger(__name__)

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
_SOURCES = {"body", "query", "path", "header", "cookie"}


class APIError(Exception):
    """An error a route raises on purpose; rendered as the envelope with its status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, dict(headers or {})


def request_id_of(request: Request) -> str:
    """The id the middleware gave this request, or a fresh one outside it."""
    request_id = getattr(request.state, "request_id", None)
    if request_id is None:
        request_id = request.state.request_id = new_request_id()
    return request_id


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The envelope as a JSON response."""
    body = {
        "error": {"code": code, "message": message, "details": details},
        "request_id": request_id_of(request),
    }
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def validation_details(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each invalid field's dotted location (`features.cpu_utilization.2`) to its message."""
    details: dict[str, str] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if error.get("type") == "json_invalid":
            location = ["body"]
        elif len(location) > 1 and location[0] in _SOURCES:
            location = location[1:]
        field = ".".join(location) or "request"
        message = str(error.get("msg", "invalid"))
        details[field] = f"{details[field]}; {message}" if field in details else message
    return details


async def _api_error(request: Request, error: APIError) -> JSONResponse:
    """An error raised on purpose, as its own status and code."""
    return error_response(
        request, error.status, error.code, error.message, error.details, error.headers
    )


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """Invalid input: 400 with each bad field's message."""
    return error_response(
        request,
        400,
        "validation_error",
        "Invalid request",
        validation_details(list(error.errors())),
    )


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    """Starlette's own errors (unknown route, wrong method, ...)."""
    status = error.status_code
    code = HTTP_CODES.get(status, f"http_{status}")
    detail = error.detail
    message = detail if isinstance(detail, str) and detail else f"HTTP {status}"
    details = None if isinstance(detail, str) else detail
    return error_response(request, status, code, message, details, error.headers)


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    """Anything else: 500, logged with the request id, never a traceback in the body."""
    request_id = request_id_of(request)
    log.error(
        "unhandled error in %s %s (request %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=error,
    )
    # Sent by Starlette's outermost middleware, past RequestIdMiddleware: set the header here.
    return error_response(
        request, 500, "internal_error", "Internal server error", headers={HEADER: request_id}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can produce as the envelope."""
    # Starlette types every handler as taking `Exception`; each here takes the class it is for.
    app.add_exception_handler(APIError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
