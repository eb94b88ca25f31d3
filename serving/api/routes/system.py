"""Health, status and Prometheus metrics. Public by default: the app factory adds an auth
dependency to these routers when `public_health` / `public_metrics` are off."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from serving.api.deps import MetricsDep, ModelsDep, SettingsDep

router = APIRouter(tags=["system"])
metrics_router = APIRouter(tags=["system"])
CHECK_TIMEOUT = 2.0


class ComponentHealth(BaseModel):
    status: Literal["up", "down"]
    detail: str | None = None


class Health(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    components: dict[str, ComponentHealth]


async def _http_check(url: str) -> ComponentHealth:
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT) as client:
            answer = await client.get(url)
        if answer.status_code == 200:
            return ComponentHealth(status="up")
        return ComponentHealth(status="down", detail=f"HTTP {answer.status_code}")
    except httpx.HTTPError as error:
        return ComponentHealth(status="down", detail=f"{type(error).__name__}: {error}")


async def _store_check(request: Request) -> ComponentHealth:
    try:
        await asyncio.wait_for(asyncio.to_thread(request.app.state.store.check), CHECK_TIMEOUT)
        return ComponentHealth(status="up")
    except Exception as error:  # any failure of the store is what this check reports
        return ComponentHealth(status="down", detail=f"{type(error).__name__}: {error}")


@router.get("/health", response_model=Health)
async def health(
    request: Request, response: Response, settings: SettingsDep, models: ModelsDep
) -> Health:
    """healthy: everything answers; degraded: serving, with something missing; unhealthy: no
    model can serve (503)."""
    cache = models.status()
    mlflow, store, prefect = await asyncio.gather(
        _http_check(f"{settings.mlflow_tracking_uri}/health"),
        _store_check(request),
        _http_check(f"{settings.prefect_api_url}/health"),
    )
    errors = "; ".join(f"{k}: {v}" for k, v in cache.errors.items()) or None
    components = {
        "model_cache": ComponentHealth(
            status="up" if cache.ready and not errors else "down", detail=errors
        ),
        "mlflow": mlflow,
        "object_store": store,
        "prefect": prefect,
    }
    if not cache.models:
        status = "unhealthy"
        response.status_code = 503
    else:
        status = "healthy" if all(c.status == "up" for c in components.values()) else "degraded"
    return Health(status=status, components=components)


@router.get("/status")
def status(request: Request, models: ModelsDep) -> dict[str, Any]:
    """Uptime and the models this process serves; `workload`: the version of the forecasting
    champion on-the-fly forecasts use, and why none serves when none does."""
    cache = models.status()
    version, detail = request.app.state.workload.policies.status()
    return {
        "service": "forewarn-api",
        "version": request.app.version,
        "uptime_seconds": round(time.time() - request.app.state.started_at, 1),
        "models": cache.models,
        "ready": cache.ready,
        "model_errors": cache.errors,
        "workload": {"version": version, "detail": detail},
    }


@metrics_router.get("/metrics", response_class=Response)
def metrics(registry: MetricsDep) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
