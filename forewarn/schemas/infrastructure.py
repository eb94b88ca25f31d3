"""Body of the infrastructure status endpoint."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ComponentStatus(BaseModel):
    status: Literal["up", "down"]
    url: str = Field(description="Where the component is reached (a UI, an API, a bucket).")
    version: str | None = None
    detail: str | None = Field(default=None, description="Why it is down.")


class ServedModels(BaseModel):
    ready: bool = Field(description="Every served family has a model loaded.")
    versions: dict[str, str] = Field(description="Family -> version this API process serves.")
    errors: dict[str, str] = Field(description="Family -> why its champion failed to load.")
    canaries: dict[str, dict[str, float | str]] = Field(
        description="Family -> canary version and its share of the requests."
    )


class HostFacts(BaseModel):
    """The machine this API runs on; None where the platform does not tell (not Linux)."""

    cpu_count: int | None
    load_average: list[float] | None = Field(description="Over 1, 5 and 15 minutes.")
    memory_total_bytes: int | None
    memory_available_bytes: int | None
    disk_path: str = Field(description="The folder measured: the Forewarn home.")
    disk_total_bytes: int
    disk_free_bytes: int


class InfrastructureStatus(BaseModel):
    status: Literal["healthy", "degraded"] = Field(
        description="healthy: every component up and every served model loaded."
    )
    components: dict[str, ComponentStatus]
    models: ServedModels
    host: HostFacts
