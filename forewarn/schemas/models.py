"""Bodies of the model registry endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ModelVersionPublic(BaseModel):
    version: str
    aliases: list[str]
    gate_outcome: str | None = Field(description="champion, challenger or rejected.")
    gate_reason: str | None
    dataset: str | None = Field(description="name@version of the training data.")
    run_id: str | None
    created_at: int = Field(description="Milliseconds since the epoch.")


class ModelPublic(BaseModel):
    name: str
    latest_version: str | None
    aliases: dict[str, str] = Field(description="Alias -> version.")
    serving_version: str | None = Field(description="Version loaded in this API process.")
    serving_error: str | None = Field(
        default=None, description="Why the champion is not the version served, if it failed."
    )
    versions: int


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    total: int
    page: int
    page_size: int


class StageRequest(BaseModel):
    version: str = Field(min_length=1, pattern=r"^\d+$")
    alias: Literal["champion", "challenger", "none"] = Field(
        description="The alias to move to this version; none removes its aliases."
    )


class DeployRequest(BaseModel):
    version: str = Field(pattern=r"^\d+$")
    canary_percentage: float = Field(
        default=100.0,
        ge=0,
        le=100,
        description="Share of requests this version answers beside the champion; 0 removes it.",
    )


class DeploymentPublic(BaseModel):
    model: str
    champion_version: str | None = Field(description="What the other requests get.")
    canary_version: str | None
    canary_percentage: float


class RegisterRequest(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    run_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="MLflow run holding the model.")
    artifact_path: str = Field(default="model", pattern=r"^[A-Za-z0-9._/-]{1,200}$")
    description: str | None = Field(default=None, max_length=2000)
