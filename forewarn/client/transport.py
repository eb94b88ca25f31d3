"""Sending a call with the SDK's retry policy: 429 (after Retry-After) and 503 are retried with
exponential backoff; so are connection failures. Anything else is raised at once."""

from __future__ import annotations

from typing import TypeVar

import httpx

from forewarn.client.calls import Call
from forewarn.client.errors import ForewarnError, RateLimitError, ServerError, error_from_response

T = TypeVar("T")
MAX_WAIT_SECONDS = 30.0


def auth_headers(api_key: str | None, token: str | None) -> dict[str, str]:
    headers = {"User-Agent": "forewarn-sdk"}
    if api_key:
        headers["X-API-Key"] = api_key
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def outcome(call: Call[T], response: httpx.Response) -> T:
    """The parsed answer, or the error the response stands for."""
    if response.is_success:
        return call.parse(response.json())
    raise error_from_response(response)


def connection_error(error: httpx.TransportError) -> ForewarnError:
    return ServerError(f"cannot reach the Forewarn API: {error}", status=None, code="unreachable")


def retry_delay(error: ForewarnError, attempt: int, backoff: float) -> float | None:
    """Seconds to wait before retrying after `error`, or None when it is not retried."""
    if isinstance(error, RateLimitError):
        return min(max(error.retry_after, backoff * 2.0**attempt), MAX_WAIT_SECONDS)
    if error.status == 503 or error.code == "unreachable":
        return min(backoff * 2.0**attempt, MAX_WAIT_SECONDS)
    return None
