"""A size limit on request bodies, enforced while they stream in rather than once spooled.

FastAPI parses a multipart body before the route (and its dependencies) run, so a limit checked
in the route would come after the whole upload sat on disk. `LimitedBodyRoute` refuses a declared
Content-Length above `settings.upload_max_bytes` before reading anything, and stops reading as soon
as the bytes received pass it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive


def too_large(limit: int) -> HTTPException:
    """413, rendered by the error handlers as `payload_too_large`."""
    return HTTPException(413, f"the request body exceeds the upload limit of {limit} bytes")


def capped(receive: Receive, limit: int) -> Receive:
    """`receive`, raising 413 once the body's bytes so far pass `limit`."""
    seen = 0

    async def receive_capped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise too_large(limit)  # an HTTPException: FastAPI re-raises it as it is
        return message

    return receive_capped


class LimitedBodyRoute(APIRoute):
    """A route whose request body may hold at most `settings.upload_max_bytes` bytes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit: int = request.app.state.settings.upload_max_bytes
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large(limit)
            return await handler(Request(request.scope, capped(request.receive, limit)))

        return limited
