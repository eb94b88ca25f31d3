"""The SDK's exceptions: one per kind of failure an application handles differently."""

from __future__ import annotations

from typing import Any

import httpx


class ForewarnError(Exception):
    """Any error answered by the API (or no answer at all)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.details, self.request_id = details, request_id


class ValidationError(ForewarnError):
    """The request was refused as invalid (400/422); `details` names the fields."""


class AuthenticationError(ForewarnError):
    """Missing or bad credentials (401), or a credential without the scope (403)."""


class NotFoundError(ForewarnError):
    """No such model, version or route (404)."""


class RateLimitError(ForewarnError):
    """Too many requests (429); `retry_after` says how many seconds to wait."""

    def __init__(self, *args: Any, retry_after: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(ForewarnError):
    """The service failed or is not ready (5xx)."""


def error_from_response(response: httpx.Response) -> ForewarnError:
    """The exception for a non-2xx response, read from the API's error envelope."""
    try:
        body = response.json()
        error = body.get("error", {}) if isinstance(body, dict) else {}
    except ValueError:
        body, error = {}, {}
    facts = {
        "status": response.status_code,
        "code": error.get("code"),
        "details": error.get("details"),
        "request_id": body.get("request_id"),
    }
    message = error.get("message") or response.reason_phrase or "request failed"
    status = response.status_code
    if status == 429:
        retry_after = float(response.headers.get("Retry-After", "1"))
        return RateLimitError(message, retry_after=retry_after, **facts)
    kind = {
        400: ValidationError,
        422: ValidationError,
        401: AuthenticationError,
        403: AuthenticationError,
        404: NotFoundError,
    }.get(status)
    if kind is None:
        kind = ServerError if status >= 500 else ForewarnError
    return kind(message, **facts)
