"""The platform at a glance: its components up or down, the models served, the host's resources."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable
from pathlib import Path

import httpx
from fastapi import APIRouter, Request

from forewarn.schemas.infrastructure import (
    ComponentStatus,
    HostFacts,
    InfrastructureStatus,
    ServedModels,
)
from forewarn.settings import Settings
from forewarn.storage import ObjectStore
from serving.api.deps import ModelReader, ModelsDep, SettingsDep, StoreDep

router = APIRouter(prefix="/infrastructure", tags=["infrastructure"])
CHECK_TIMEOUT_S = 2.0


async def _within_timeout(url: str, check: Awaitable[ComponentStatus]) -> ComponentStatus:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except TimeoutError:
        return ComponentStatus(
            status="down", url=url, detail=f"no answer within {CHECK_TIMEOUT_S:g} s"
        )


async def _http_component(url: str, health_url: str, version_url: str) -> ComponentStatus:
    """Up when `health_url` answers 200; with the version `version_url` reports."""
    try:
        async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_S) as client:
            health = await client.get(health_url)
            if health.status_code != 200:
                return ComponentStatus(status="down", url=url, detail=f"HTTP {health.status_code}")
            version = await client.get(version_url)
    except httpx.HTTPError as error:
        return ComponentStatus(status="down", url=url, detail=f"{type(error).__name__}: {error}")
    reported = version.text.strip().strip('"') if version.status_code == 200 else None
    return ComponentStatus(status="up", url=url, version=reported or None)


async def _store_component(store: ObjectStore, url: str) -> ComponentStatus:
    try:
        await asyncio.to_thread(store.check)
    except Exception as error:  # any failure of the store is what this check reports
        return ComponentStatus(status="down", url=url, detail=f"{type(error).__name__}: {error}")
    return ComponentStatus(status="up", url=url)


def _store_url(settings: Settings) -> str:
    if settings.uses_s3:
        scheme = "https" if settings.s3_secure else "http"
        return f"{scheme}://{settings.s3_endpoint}/{settings.s3_bucket}"
    return settings.store_dir.as_uri()


def _meminfo() -> dict[str, int]:
    """/proc/meminfo in bytes; empty where there is none."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return {}
    values: dict[str, int] = {}
    for line in lines:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return values


def _host(settings: Settings) -> HostFacts:
    memory = _meminfo()
    folder = settings.home
    while not folder.exists():
        folder = folder.parent
    disk = shutil.disk_usage(folder)
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return HostFacts(
        cpu_count=os.cpu_count(),
        load_average=load,
        memory_total_bytes=memory.get("MemTotal"),
        memory_available_bytes=memory.get("MemAvailable"),
        disk_path=str(folder),
        disk_total_bytes=disk.total,
        disk_free_bytes=disk.free,
    )


@router.get("/status", response_model=InfrastructureStatus)
async def infrastructure_status(
    request: Request, _: ModelReader, settings: SettingsDep, models: ModelsDep, store: StoreDep
) -> InfrastructureStatus:
    """Each component up or down (checks of 2 s at most), the models served, the host."""
    prefect_api, mlflow = settings.prefect_api_url, settings.mlflow_tracking_uri
    prefect_ui, store_url = prefect_api.removesuffix("/api"), _store_url(settings)
    prefect_status, mlflow_status, store_status = await asyncio.gather(
        _within_timeout(
            prefect_ui,
            _http_component(prefect_ui, f"{prefect_api}/health", f"{prefect_api}/admin/version"),
        ),
        _within_timeout(mlflow, _http_component(mlflow, f"{mlflow}/health", f"{mlflow}/version")),
        _within_timeout(store_url, _store_component(store, store_url)),
    )
    components = {
        "api": ComponentStatus(status="up", url=settings.api_url, version=request.app.version),
        "prefect": prefect_status,
        "mlflow": mlflow_status,
        "object_store": store_status,
    }
    cache = models.status()
    healthy = cache.ready and all(c.status == "up" for c in components.values())
    return InfrastructureStatus(
        status="healthy" if healthy else "degraded",
        components=components,
        models=ServedModels(
            ready=cache.ready, versions=cache.models, errors=cache.errors, canaries=cache.canaries
        ),
        host=await asyncio.to_thread(_host, settings),
    )
