"""Bodies of the training-job endpoints: a job is one Prefect flow run of a training deployment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Family = Literal["bottleneck", "failure", "incident"]
JobStatus = Literal["pending", "running", "completed", "failed", "cancelling", "cancelled"]


class TrainingParameters(BaseModel):
    """The training flow's parameters; an omitted one takes the flow's default."""

    model_config = ConfigDict(extra="forbid")
    dataset: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
        description="Catalog dataset (default: the family's own).",
    )
    dataset_version: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{12}$",
        description="Version of `dataset` (default: the newest).",
    )
    max_depth: int | None = Field(default=None, ge=1, le=16, description="XGBoost tree depth.")
    eta: float | None = Field(default=None, gt=0, le=1, description="XGBoost learning rate.")
    rounds: int | None = Field(default=None, ge=1, le=5000, description="Boosting rounds.")

    @model_validator(mode="after")
    def _version_names_its_dataset(self) -> TrainingParameters:
        if self.dataset_version is not None and self.dataset is None:
            raise ValueError("dataset_version needs dataset")
        return self


class TrainingJobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    family: Family
    parameters: TrainingParameters = Field(default_factory=TrainingParameters)


class TrainingProgress(BaseModel):
    step: int = Field(description="Steps finished, of `total`.")
    total: int
    current_step: str | None = Field(
        description="The step running, or the one that stopped the job; None before the start "
        "and after success."
    )


class TrainingJobPublic(BaseModel):
    job_id: str = Field(description="The Prefect flow run id.")
    name: str = Field(description="The flow run's name in the Prefect UI.")
    status: JobStatus
    state: str = Field(description="Prefect's state name (e.g. Scheduled, Late, Crashed).")
    family: Family
    parameters: dict[str, Any] = Field(description="Parameters given; the others are defaults.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    prefect_url: str = Field(description="The flow run in the Prefect UI.")
    progress: TrainingProgress | None = Field(default=None, description="Only on single jobs.")
    metrics: dict[str, float] | None = Field(
        default=None, description="Held-out metrics of the model trained, once completed."
    )
    mlflow_run_id: str | None = None
    model_version: str | None = Field(default=None, description="The version registered.")


class TrainingJobsPublic(BaseModel):
    jobs: list[TrainingJobPublic] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int
