"""Request ids as a pure ASGI middleware (BaseHTTPMiddleware would cost a task per request)."""

from __future__ import annotations

import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("latin-1")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def new_request_id() -> str:
    """A fresh request id: `req_` and 16 hex digits."""
    return f"req_{os.urandom(8).hex()}"


def _incoming_id(scope: Scope) -> str | None:
    """The caller's `X-Request-ID`, when it is a safe 1-128 character token."""
    for name, value in scope.get("headers", ()):
        if name == _HEADER_KEY:
            text = value.decode("latin-1")
            return text if _VALID_ID.fullmatch(text) else None
    return None


class RequestIdMiddleware:
    """Puts the request id in `request.state.request_id` and on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        header = (_HEADER_KEY, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                kept = [pair for pair in headers if pair[0].lower() != _HEADER_KEY]
                message = {**message, "headers": [*kept, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)
