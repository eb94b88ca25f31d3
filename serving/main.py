"""The FastAPI application factory: `uvicorn --factory serving.main:create_app`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig

from forewarn.api_keys import KeyStore
from forewarn.settings import Settings, get_settings
from forewarn.storage import open_store
from forewarn.tracking import Registry
from serving.api.routes import datasets, infrastructure, models, predictions, system, training
from serving.auth import require
from serving.capture import PredictionCapture
from serving.errors import install_error_handlers
from serving.fast_path import PredictionFastPath, Target
from serving.metrics import Metrics
from serving.middleware import RequestIdMiddleware
from serving.model_cache import ModelCache
from serving.observability import MetricsMiddleware
from serving.prediction_service import PredictionService
from serving.published_forecasts import PublishedForecasts
from serving.ratelimit import limiter_from_settings
from serving.response_cache import ResponseCache
from serving.workload_policy import PolicyHolder
from serving.workload_service import WorkloadService

SERVED_FAMILIES = ["bottleneck", "failure"]
RESPONSE_CACHE_ENTRIES = 10_000
# The service's telemetry is its Prometheus `/v1/metrics`; FastAPI's OpenTelemetry hooks would
# otherwise look up the global providers on every request.
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; models load in the background once it starts (health: degraded)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Forewarn API",
        version="0.1.0",
        lifespan=_lifespan,
        description="Predictions of infrastructure trouble, and the models behind them.",
        telemetry=NO_OPENTELEMETRY,
    )
    _attach_state(app, settings)
    if settings.fast_predictions:
        app.add_middleware(PredictionFastPath, routes=_fast_routes())
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    guard = [Depends(require("models:read"))]
    app.include_router(
        system.router, prefix="/v1", dependencies=[] if settings.public_health else guard
    )
    app.include_router(
        system.metrics_router, prefix="/v1", dependencies=[] if settings.public_metrics else guard
    )
    app.include_router(predictions.router, prefix="/v1")
    app.include_router(models.router, prefix="/v1")
    app.include_router(datasets.router, prefix="/v1")
    app.include_router(training.router, prefix="/v1")
    app.include_router(infrastructure.router, prefix="/v1")
    return app


def _fast_routes() -> dict[str, Target]:
    """The single-prediction routes by full path, for `PredictionFastPath`."""
    documented = {getattr(route, "path", None): route for route in predictions.router.routes}
    return {
        f"/v1{path}": Target(documented[path], kind, responder)
        for path, (kind, responder) in predictions.SINGLE_PREDICTIONS.items()
    }


def _attach_state(app: FastAPI, settings: Settings) -> None:
    metrics = Metrics()
    store = open_store(settings)
    registry = Registry(settings)
    model_cache = ModelCache.from_registry(registry, SERVED_FAMILIES, metrics)
    capture = PredictionCapture(
        store,
        metrics,
        settings.capture_batch_rows,
        settings.capture_flush_seconds,
        settings.capture_buffer_rows,
    )
    state = app.state
    state.settings, state.metrics, state.store, state.registry = settings, metrics, store, registry
    state.models, state.capture = model_cache, capture
    state.keys, state.limiter = KeyStore(settings.api_keys_path), limiter_from_settings(settings)
    state.predictions = PredictionService(
        model_cache, ResponseCache(RESPONSE_CACHE_ENTRIES, metrics), capture, metrics
    )
    state.forecasts = PublishedForecasts(store)
    state.workload = WorkloadService(
        PolicyHolder.from_registry(registry, metrics), state.forecasts, capture, metrics
    )
    state.started_at = time.time()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    state.models.start(state.settings.model_poll_seconds)
    state.workload.policies.start(state.settings.model_poll_seconds)
    state.capture.start()
    yield
    state.models.stop()
    state.workload.policies.stop()
    state.capture.close()
