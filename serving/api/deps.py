"""Dependencies as `Annotated` aliases, so route signatures read like prose.

No `from __future__ import annotations` here: FastAPI must see the closure's dependency in
`limited`'s signature as an object, not as a string it cannot resolve."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from forewarn.api_keys import Principal
from forewarn.settings import Settings
from forewarn.storage import ObjectStore
from forewarn.tracking import Registry
from serving.auth import ApiKeyHeader, BearerHeader, authorize, known_scope
from serving.metrics import Metrics
from serving.model_cache import ModelCache
from serving.prediction_service import PredictionService
from serving.published_forecasts import PublishedForecasts
from serving.ratelimit import rate_limit_headers, rate_limited_error
from serving.workload_service import WorkloadService


def _state(name: str) -> Callable[[Request], Awaitable[object]]:
    async def read(request: Request) -> object:  # async: no thread-pool hop per request
        return getattr(request.app.state, name)

    return read


SettingsDep = Annotated[Settings, Depends(_state("settings"))]
RegistryDep = Annotated[Registry, Depends(_state("registry"))]
ModelsDep = Annotated[ModelCache, Depends(_state("models"))]
ServiceDep = Annotated[PredictionService, Depends(_state("predictions"))]
MetricsDep = Annotated[Metrics, Depends(_state("metrics"))]
StoreDep = Annotated[ObjectStore, Depends(_state("store"))]
WorkloadDep = Annotated[WorkloadService, Depends(_state("workload"))]
ForecastsDep = Annotated[PublishedForecasts, Depends(_state("forecasts"))]


def admit(request: Request, scope: str) -> tuple[Principal, dict[str, str]]:
    """Authenticate with `scope`, then spend one token of the caller's rate limit (on the event
    loop: the in-memory limiter takes microseconds, Redis one loopback round trip). The caller
    and the rate-limit headers; 401, 403 or 429 as an `APIError`."""
    principal = authorize(request, scope)
    settings: Settings = request.app.state.settings
    limit = settings.rate_limits.get(principal.tier, settings.rate_limits["basic"])
    decision = request.app.state.limiter.hit(principal.key_id or principal.subject, limit)
    if not decision.allowed:
        raise rate_limited_error(decision)
    return principal, rate_limit_headers(decision)


def limited(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits the caller with `scope` (one level of dependencies for both:
    each level costs time on every request)."""
    known_scope(scope)

    async def check(
        request: Request, response: Response, _key: ApiKeyHeader, _bearer: BearerHeader
    ) -> Principal:
        principal, headers = admit(request, scope)
        response.headers.update(headers)
        return principal

    return check


Predictor = Annotated[Principal, Depends(limited("predict"))]
ModelReader = Annotated[Principal, Depends(limited("models:read"))]
ModelWriter = Annotated[Principal, Depends(limited("models:write"))]
DatasetUser = Annotated[Principal, Depends(limited("datasets"))]
Trainer = Annotated[Principal, Depends(limited("training"))]
