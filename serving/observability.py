"""Per-request Prometheus measurements as a pure ASGI middleware (cheaper than BaseHTTPMiddleware).
Routes are labelled by their template (`/v1/models/{name}`), never by raw paths."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.metrics import Metrics


class MetricsMiddleware:
    """Counts requests by route, method and status, and times them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            metrics = self.metrics
            metrics.child(metrics.requests, route, method, str(status)).inc()
            metrics.child(metrics.latency, route, method).observe(time.perf_counter() - started)
