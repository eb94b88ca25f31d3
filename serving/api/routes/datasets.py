"""The dataset catalog over HTTP: upload (validated, content-addressed), list, inspect, delete.

An upload goes through the same core functions as the `ingest-dataset` flow: parse, validate
against its kind, then `Catalog.add`, which writes nothing new for content it already holds."""

from __future__ import annotations

import contextlib
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from mlflow.exceptions import MlflowException

from forewarn.catalog import Catalog, DatasetNotFound, DatasetValidationError, Manifest, get_kind
from forewarn.catalog.catalog import NAME_PATTERN
from forewarn.catalog.sources import SUFFIXES, parse
from forewarn.catalog.validation import validate
from forewarn.schemas.datasets import (
    DatasetDetailPublic,
    DatasetKindName,
    DatasetPublic,
    DatasetsPublic,
    DatasetUploadPublic,
    DatasetVersionPublic,
    QualitySummary,
)
from forewarn.tracking import Registry
from serving.api.deps import DatasetUser, RegistryDep, StoreDep
from serving.errors import APIError
from serving.uploads import LimitedBodyRoute

# Every route here caps its request body at settings.upload_max_bytes (only the upload has one).
router = APIRouter(prefix="/datasets", tags=["datasets"], route_class=LimitedBodyRoute)
DatasetId = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}(@[0-9a-f]{1,64})?$",
        description="`name` (the dataset: its newest version, or all of them) or `name@version`.",
    ),
]


def _fields(manifest: Manifest) -> dict[str, Any]:
    """What every public view of a version says, from its manifest."""
    quality = manifest.quality
    return {
        "dataset_id": f"{manifest.name}@{manifest.version}",
        "name": manifest.name,
        "version": manifest.version,
        "sha256": manifest.sha256,
        "kind": manifest.kind,
        "rows": manifest.rows,
        "source": manifest.source,
        "licence": manifest.licence,
        "description": manifest.description,
        "created_at": manifest.created_at,
        "quality": QualitySummary(
            series=quality["series"],
            gaps=quality["gaps"]["count"],
            missing_steps=quality["gaps"]["missing_steps"],
            duplicates=quality["duplicates"]["count"],
        ),
    }


def _split(dataset_id: str) -> tuple[str, str | None]:
    """`name@version` as (name, version); a bare `name` as (name, None)."""
    name, _, version = dataset_id.partition("@")
    return name, version or None


def _versions(catalog: Catalog, dataset_id: str) -> tuple[list[Manifest], list[Manifest]]:
    """Every version of the dataset and those `dataset_id` names, both newest first; 404 when
    it names none."""
    name, version = _split(dataset_id)
    versions = catalog.versions(name)[::-1]
    chosen = [m for m in versions if version in (None, m.version)]
    if not chosen:
        raise APIError(404, "dataset_not_found", f"no dataset {dataset_id!r}")
    return versions, chosen


def _filename(upload: UploadFile) -> str:
    """The upload's base file name; 400 unless its suffix is one the catalog can parse."""
    filename = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not filename.endswith(SUFFIXES):
        raise APIError(
            400,
            "unsupported_format",
            f"file name {filename!r} must end with one of {', '.join(SUFFIXES)}",
        )
    return filename


def _json_safe(sample: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Offending rows with NaN and infinities as text (JSON has neither)."""
    return [
        {k: str(v) if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
        for row in sample
    ]


def _validated(filename: str, data: bytes, kind: str) -> pd.DataFrame:
    """The file parsed and checked against its kind; 400 naming what is wrong."""
    try:
        return validate(parse(filename, data), get_kind(kind), filename)
    except DatasetValidationError as error:
        details = {
            "file": error.source,
            "column": error.column,
            "rule": error.rule,
            "sample": _json_safe(error.sample),
            "rows": error.row_count,
        }
        raise APIError(400, "dataset_invalid", str(error), details) from error
    except ValueError as error:  # unparseable bytes; the message names the file
        raise APIError(400, "dataset_unreadable", str(error)) from error


def _trained_on(registry: Registry, name: str, versions: set[str]) -> list[dict[str, str]]:
    """Registered model versions whose training data is one of `versions` of `name`."""
    try:
        registered = [(m, v) for m in registry.model_names() for v in registry.versions(m)]
    except MlflowException as error:
        raise APIError(
            503,
            "registry_unavailable",
            f"MLflow: {error.message}; cannot tell which models use {name}, so nothing was deleted",
        ) from error
    return [
        {
            "model": model,
            "version": version.version,
            "dataset": f"{name}@{version.tags['dataset.version']}",
        }
        for model, version in registered
        if version.tags.get("dataset.name") == name
        and version.tags.get("dataset.version") in versions
    ]


@router.post(
    "/upload",
    response_model=DatasetUploadPublic,
    status_code=201,
    responses={
        200: {"model": DatasetUploadPublic, "description": "Identical content was already stored."},
        413: {"description": "The request body is larger than `upload_max_bytes`."},
    },
)
def upload_dataset(
    _: DatasetUser,
    store: StoreDep,
    response: Response,
    file: Annotated[UploadFile, File(description=f"One of {', '.join(SUFFIXES)}.")],
    name: Annotated[str, Form(pattern=NAME_PATTERN.pattern)],
    kind: Annotated[DatasetKindName, Form()],
    licence: Annotated[str, Form(min_length=1, max_length=200)] = "unknown",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> DatasetUploadPublic:
    """Validate a file against its kind and store it as a new version (201), or return the
    version already holding identical content (200). Invalid data is refused (400, naming the
    column, the rule and sample rows) and nothing is written."""
    filename = _filename(file)
    frame = _validated(filename, file.file.read(), kind)
    manifest, created = Catalog(store).add(
        frame, name, kind, source=f"upload:{filename}", licence=licence, description=description
    )
    if not created:
        response.status_code = 200
    return DatasetUploadPublic(**_fields(manifest), created=created)


@router.get("", response_model=DatasetsPublic)
def list_datasets(
    _: DatasetUser,
    store: StoreDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DatasetsPublic:
    """Datasets by name, each as its newest version with its number of versions, paginated."""
    catalog = Catalog(store)
    names = catalog.names()
    chosen = names[(page - 1) * page_size : page * page_size]
    listed = [versions for versions in map(catalog.versions, chosen) if versions]
    data = [DatasetPublic(**_fields(v[-1]), version_count=len(v)) for v in listed]
    return DatasetsPublic(data=data, total=len(names), page=page, page_size=page_size)


@router.get("/{dataset_id}", response_model=DatasetDetailPublic)
def read_dataset(dataset_id: DatasetId, _: DatasetUser, store: StoreDep) -> DatasetDetailPublic:
    """One version (`name@version`, or the newest for `name`) and every version of the dataset,
    newest first."""
    versions, chosen = _versions(Catalog(store), dataset_id)
    return DatasetDetailPublic(
        **_fields(chosen[0]), versions=[DatasetVersionPublic(**_fields(m)) for m in versions]
    )


@router.delete("/{dataset_id}", status_code=204)
def delete_dataset(
    dataset_id: DatasetId,
    _: DatasetUser,
    store: StoreDep,
    registry: RegistryDep,
    force: bool = False,
) -> None:
    """Delete one version (`name@version`) or every version (`name`). Refused (409) while a
    registered model version was trained on it, unless forced."""
    catalog = Catalog(store)
    doomed = _versions(catalog, dataset_id)[1]
    name = doomed[0].name
    users = [] if force else _trained_on(registry, name, {m.version for m in doomed})
    if users:
        trained = ", ".join(f"{u['model']} v{u['version']} ({u['dataset']})" for u in users)
        raise APIError(
            409,
            "dataset_in_use",
            f"{dataset_id} trained registered models: {trained}; pass force=true "
            "to delete it anyway",
            {"models": users},
        )
    for manifest in doomed:
        with contextlib.suppress(DatasetNotFound):  # deleted meanwhile: gone all the same
            catalog.delete(name, manifest.version)
