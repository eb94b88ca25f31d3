"""Training jobs over HTTP: each job is a Prefect flow run of `train-<family>/train-<family>`,
executed by the flow runner of `forewarn up` (see `serving.training_jobs`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from forewarn.schemas.training import (
    Family,
    JobStatus,
    TrainingJobPublic,
    TrainingJobRequest,
    TrainingJobsPublic,
)
from serving.api.deps import Trainer
from serving.training_jobs import TrainingJobs

router = APIRouter(prefix="/training", tags=["training"])
JobId = Annotated[str, Path(description="The job's id: its Prefect flow run's id.")]


def _jobs(request: Request) -> TrainingJobs:
    state = request.app.state
    return TrainingJobs(state.settings, state.registry, state.store)


Jobs = Annotated[TrainingJobs, Depends(_jobs)]


@router.post("/jobs", response_model=TrainingJobPublic, status_code=202)
async def start_job(body: TrainingJobRequest, _: Trainer, jobs: Jobs) -> TrainingJobPublic:
    """Start training a family: a flow run of its deployment, queued for the flow runner."""
    return await jobs.create(body.family, body.parameters)


@router.get("/jobs", response_model=TrainingJobsPublic)
async def list_jobs(
    _: Trainer,
    jobs: Jobs,
    family: Family | None = None,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> TrainingJobsPublic:
    """Recent training jobs, newest first."""
    return await jobs.recent(limit, offset, family, status)


@router.get("/jobs/{job_id}", response_model=TrainingJobPublic)
async def read_job(job_id: JobId, _: Trainer, jobs: Jobs) -> TrainingJobPublic:
    """One job: status, progress through its steps, and its metrics once completed."""
    return await jobs.get(job_id)


@router.post("/jobs/{job_id}/cancel", response_model=TrainingJobPublic)
async def cancel_job(job_id: JobId, _: Trainer, jobs: Jobs) -> TrainingJobPublic:
    """Cancel a job that has not ended (409 once it has)."""
    return await jobs.cancel(job_id)
