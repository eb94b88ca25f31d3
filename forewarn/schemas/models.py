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
        default=None, description="Why the champion is not the version served, if it failed.")
    versions: int


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    total: int
    page: int
    page_size: int


class StageRequest(BaseModel):
    version: str = Field(min_length=1, pattern=r"^\d+$")
    alias: Literal["champion", "challenger", "none"] = Field(
        description="The alias to move to this version; none removes its aliases.")
