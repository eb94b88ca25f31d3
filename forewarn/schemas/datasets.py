"""Bodies of the dataset catalog endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# The names of the catalog's kinds (forewarn.catalog.kinds.KINDS; a test keeps both equal).
DatasetKindName = Literal["telemetry", "metric-series", "workload-series"]


class QualitySummary(BaseModel):
    series: int = Field(description="Distinct series (systems or metric ids).")
    gaps: int = Field(description="Steps longer than 1.5x the series' usual step.")
    missing_steps: int = Field(description="Steps missing inside those gaps.")
    duplicates: int = Field(description="Repeated timestamps within a series.")


class DatasetVersionPublic(BaseModel):
    dataset_id: str = Field(description="name@version.")
    name: str
    version: str = Field(description="Start of the content hash: identical data, same version.")
    sha256: str
    kind: str
    rows: int
    source: str = Field(description="Where the data came from (`upload:<file>` for uploads).")
    licence: str
    description: str
    created_at: str = Field(description="ISO 8601, UTC.")
    quality: QualitySummary


class DatasetUploadPublic(DatasetVersionPublic):
    created: bool = Field(description="False when identical content was already stored.")


class DatasetPublic(DatasetVersionPublic):
    """A dataset as its newest version, with how many versions it has."""

    version_count: int


class DatasetDetailPublic(DatasetVersionPublic):
    """One version (the newest unless asked for) and every version of its dataset."""

    versions: list[DatasetVersionPublic] = Field(description="Newest first.")


class DatasetsPublic(BaseModel):
    data: list[DatasetPublic]
    total: int
    page: int
    page_size: int
