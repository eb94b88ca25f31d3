"""The model registry over HTTP: list, inspect, move aliases (serving follows at once)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from forewarn.schemas.models import (
    DeploymentPublic,
    DeployRequest,
    ModelPublic,
    ModelsPublic,
    ModelVersionPublic,
    RegisterRequest,
    StageRequest,
)
from forewarn.tracking import Registry
from serving.api.deps import (
    ModelReader,
    ModelsDep,
    ModelWriter,
    RegistryDep,
    ServiceDep,
    StoreDep,
)
from serving.errors import APIError
from serving.model_cache import ModelCache

router = APIRouter(prefix="/models", tags=["models"])
ModelName = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", description="A registered model's name."),
]


@dataclass(frozen=True)
class Registered:
    """A registered model's versions (newest first) and aliases."""

    versions: list[ModelVersion]
    aliases: dict[str, str]

    def aliases_of(self, version: str) -> list[str]:
        return sorted(a for a, v in self.aliases.items() if v == version)


def _registered(registry: Registry, name: str) -> Registered:
    try:
        versions = registry.versions(name)
        aliases = registry.aliases(name) if versions else {}
    except MlflowException as error:
        raise APIError(503, "registry_unavailable", f"MLflow: {error.message}") from error
    if not versions:
        raise APIError(404, "model_not_found", f"no registered model named {name!r}")
    return Registered(versions, aliases)


def _public(name: str, registered: Registered, models: ModelCache) -> ModelPublic:
    versions, aliases = registered.versions, registered.aliases
    cache = models.status()
    return ModelPublic(
        name=name,
        latest_version=versions[0].version,
        aliases=aliases,
        serving_version=cache.models.get(name),
        serving_error=cache.errors.get(name),
        versions=len(versions),
    )


def _version_public(version: ModelVersion, aliases: list[str]) -> ModelVersionPublic:
    tags = version.tags
    dataset = (
        f"{tags['dataset.name']}@{tags['dataset.version']}"
        if "dataset.name" in tags and "dataset.version" in tags
        else None
    )
    return ModelVersionPublic(
        version=version.version,
        aliases=aliases,
        gate_outcome=tags.get("gate.outcome"),
        gate_reason=tags.get("gate.reason"),
        dataset=dataset,
        run_id=tags.get("run_id") or version.run_id,
        created_at=version.creation_timestamp,
    )


@router.get("", response_model=ModelsPublic)
def list_models(
    _: ModelReader,
    registry: RegistryDep,
    models: ModelsDep,
    name_contains: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ModelsPublic:
    """Registered models, filtered by name and paginated."""
    names = [n for n in registry.model_names() if not name_contains or name_contains in n]
    chosen = names[(page - 1) * page_size : page * page_size]
    data = [_public(n, _registered(registry, n), models) for n in chosen]
    return ModelsPublic(data=data, total=len(names), page=page, page_size=page_size)


@router.get("/{name}", response_model=ModelPublic)
def read_model(
    name: ModelName, _: ModelReader, registry: RegistryDep, models: ModelsDep
) -> ModelPublic:
    """One model: its aliases and the version this process serves."""
    return _public(name, _registered(registry, name), models)


@router.get("/{name}/versions", response_model=list[ModelVersionPublic])
def list_versions(
    name: ModelName, _: ModelReader, registry: RegistryDep
) -> list[ModelVersionPublic]:
    """Every version, newest first, with the gate's decision and its training data."""
    registered = _registered(registry, name)
    return [_version_public(v, registered.aliases_of(v.version)) for v in registered.versions]


@router.post("/{name}/stage", response_model=ModelPublic)
def stage(
    name: ModelName, body: StageRequest, _: ModelWriter, registry: RegistryDep, models: ModelsDep
) -> ModelPublic:
    """Move an alias to a version; a moved champion is served at once."""
    registered = _registered(registry, name)
    if all(v.version != body.version for v in registered.versions):
        raise APIError(404, "version_not_found", f"{name} has no version {body.version}")
    if body.alias == "none":
        for alias in registered.aliases_of(body.version):
            registry.delete_alias(name, alias)
    else:
        registry.set_alias(name, body.alias, body.version)
    if name in models.families:
        with contextlib.suppress(APIError):  # a failed load is reported in serving_error
            models.sync(name)
    return _public(name, _registered(registry, name), models)


@router.get("/{name}/metrics")
def model_metrics(
    name: ModelName, _: ModelReader, registry: RegistryDep, models: ModelsDep, service: ServiceDep
) -> dict[str, Any]:
    """This process's measurements of the model (requests, errors, latency percentiles over
    recent requests) and the held-out metrics its serving version logged at training."""
    registered = _registered(registry, name)
    serving = models.status().models.get(name) or registered.aliases.get("champion")
    version = next((v for v in registered.versions if v.version == serving), None)
    run_id = version.tags.get("run_id") or version.run_id if version else None
    training = registry.run_metrics(run_id) if run_id else {}
    return {
        "model": name,
        "version": serving,
        "service": service.measurements(name),
        "training": training,
    }


@router.get("/{name}/drift")
def model_drift(name: ModelName, _: ModelReader, store: StoreDep) -> dict[str, Any]:
    """The latest drift report of the model, written by the drift analysis flow."""
    key = f"drift/{name}/latest.json"
    if not store.exists(key):
        raise APIError(
            404,
            "drift_report_not_found",
            f"no drift report for {name!r} yet: the drift analysis flow writes {key}",
        )
    report: dict[str, Any] = store.get_json(key)
    return report


@router.post("/register", response_model=ModelVersionPublic, status_code=201)
def register(body: RegisterRequest, _: ModelWriter, registry: RegistryDep) -> ModelVersionPublic:
    """Register the model a run logged as a new version (no alias: the gate or /stage moves
    aliases)."""
    try:
        registry.client.get_run(body.run_id)
    except MlflowException as error:
        raise APIError(404, "run_not_found", f"no MLflow run {body.run_id}") from error
    if body.name not in registry.model_names():
        registry.client.create_registered_model(body.name)
    version = registry.client.create_model_version(
        body.name,
        source=f"runs:/{body.run_id}/{body.artifact_path}",
        run_id=body.run_id,
        description=body.description,
    )
    registry.tag_version(body.name, version.version, {"run_id": body.run_id})
    return _version_public(registry.version(body.name, version.version), [])


@router.post("/{name}/deploy", response_model=DeploymentPublic)
def deploy(
    name: ModelName, body: DeployRequest, _: ModelWriter, registry: RegistryDep, models: ModelsDep
) -> DeploymentPublic:
    """Load a version into this process beside the champion, for a share of the traffic."""
    if name not in models.families:
        raise APIError(404, "model_not_served", f"{name!r} is not a served model family")
    registered = _registered(registry, name)
    if all(v.version != body.version for v in registered.versions):
        raise APIError(404, "version_not_found", f"{name} has no version {body.version}")
    models.deploy_canary(name, body.version, body.canary_percentage / 100)
    cache = models.status()
    canary = cache.canaries.get(name, {})
    return DeploymentPublic(
        model=name,
        champion_version=cache.models.get(name),
        canary_version=canary.get("version"),
        canary_percentage=float(canary.get("share", 0.0)) * 100,
    )


@router.delete("/{name}", status_code=204)
def delete_model(
    name: ModelName, _: ModelWriter, registry: RegistryDep, models: ModelsDep, force: bool = False
) -> None:
    """Delete a registered model and all its versions; refused while it has a champion,
    unless forced."""
    registered = _registered(registry, name)
    if "champion" in registered.aliases and not force:
        raise APIError(
            409,
            "model_is_champion",
            f"{name} v{registered.aliases['champion']} is champion and may be "
            "serving; pass force=true to delete it anyway",
        )
    registry.client.delete_registered_model(name)
    models.unload(name)
