"""Training jobs: flow runs of the deployments `train-<family>/train-<family>` in Prefect.

A job is one Prefect flow run; its id is the flow run's id. Prefect is imported inside the
functions: the API starts without it and pays its import (~1 s) on the first training request.
Each call opens its own client on `settings.prefect_api_url` under temporary Prefect settings (a
context variable: the process environment is untouched), with a 10 s timeout, one retry and no
connection retries, so that an orchestrator that is down answers 503 at once.

Metrics: the training flows do not persist their result, so a completed job's metrics come from
MLflow: the run of the family's experiment tagged with the job's flow run id.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
from mlflow.entities import Run
from mlflow.exceptions import MlflowException

from forewarn.catalog import Catalog, DatasetNotFound
from forewarn.schemas.training import (
    JobStatus,
    TrainingJobPublic,
    TrainingJobsPublic,
    TrainingParameters,
    TrainingProgress,
)
from forewarn.settings import Settings
from forewarn.storage import ObjectStore
from forewarn.tracking import FLOW_RUN_TAG, Registry
from serving.errors import APIError

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import FlowRun

log = logging.getLogger(__name__)

FAMILIES = ("bottleneck", "failure", "incident")
# The training flow's tasks, then its gate (the evaluation subflow, a task run of the parent).
STEPS = ("load-dataset", "fit-and-evaluate", "log-and-register", "evaluate-model")
REQUEST_TIMEOUT_S = 10.0
STATUS_OF_STATE: dict[str, JobStatus] = {
    "SCHEDULED": "pending",
    "PENDING": "pending",
    "PAUSED": "pending",
    "RUNNING": "running",
    "CANCELLING": "cancelling",
    "COMPLETED": "completed",
    "FAILED": "failed",
    "CRASHED": "failed",
    "CANCELLED": "cancelled",
}
FINAL: set[JobStatus] = {"completed", "failed", "cancelled"}


def deployment_name(family: str) -> str:
    return f"train-{family}/train-{family}"


def _status(run: FlowRun) -> JobStatus:
    return STATUS_OF_STATE.get(run.state_type.value if run.state_type else "", "pending")


def _job_uuid(job_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(job_id)
    except ValueError:
        raise _not_found(job_id) from None


def _not_found(job_id: object) -> APIError:
    return APIError(404, "job_not_found", f"no training job {job_id}")


class TrainingJobs:
    """Start, list, read and cancel training jobs; one Prefect client per call."""

    def __init__(self, settings: Settings, registry: Registry, store: ObjectStore) -> None:
        self.settings, self.registry, self.store = settings, registry, store
        self.ui_url = settings.prefect_api_url.removesuffix("/api")

    @asynccontextmanager
    async def _prefect(self) -> AsyncIterator[PrefectClient]:
        """A client on this API's Prefect; unreachable or failing Prefect becomes a 503."""
        from prefect.client.orchestration import get_client
        from prefect.settings import (
            PREFECT_API_REQUEST_TIMEOUT,
            PREFECT_API_URL,
            PREFECT_CLIENT_MAX_RETRIES,
            temporary_settings,
        )

        url = self.settings.prefect_api_url
        updates = {
            PREFECT_API_URL: url,
            PREFECT_API_REQUEST_TIMEOUT: REQUEST_TIMEOUT_S,
            PREFECT_CLIENT_MAX_RETRIES: 1,
        }
        # Prefect sets 3 connection retries on its default transport: 1.5 s per refused call.
        transport = httpx.AsyncHTTPTransport(retries=0)
        try:
            with temporary_settings(updates=updates):
                async with get_client(httpx_settings={"transport": transport}) as client:
                    yield client
        except httpx.TransportError as error:
            raise APIError(
                503, "orchestrator_unavailable", f"Prefect at {url} is unreachable: {error!r}"
            ) from error
        except httpx.HTTPStatusError as error:
            if error.response.status_code < 500:
                raise
            raise APIError(
                503,
                "orchestrator_unavailable",
                f"Prefect at {url} failed: HTTP {error.response.status_code}",
            ) from error

    async def create(self, family: str, parameters: TrainingParameters) -> TrainingJobPublic:
        """Start a flow run of the family's deployment with the parameters given."""
        from prefect.exceptions import ObjectNotFound

        if parameters.dataset is not None:
            await asyncio.to_thread(self._check_dataset, parameters)
        name = deployment_name(family)
        async with self._prefect() as client:
            try:
                deployment = await client.read_deployment_by_name(name)
            except ObjectNotFound as error:
                raise APIError(
                    503,
                    "deployment_missing",
                    f"Prefect has no deployment {name}: the flow runner registers it, "
                    "so it must be running (`forewarn up`)",
                    {"deployment": name},
                ) from error
            run = await client.create_flow_run_from_deployment(
                deployment.id, parameters=parameters.model_dump(exclude_none=True)
            )
        return self._public(run, family)

    def _check_dataset(self, parameters: TrainingParameters) -> None:
        try:
            Catalog(self.store).manifest(str(parameters.dataset), parameters.dataset_version)
        except DatasetNotFound as error:
            raise APIError(404, "dataset_not_found", str(error)) from error

    async def recent(
        self, limit: int, offset: int, family: str | None, status: JobStatus | None
    ) -> TrainingJobsPublic:
        """Jobs newest first (by expected start), optionally of one family or status."""
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        async with self._prefect() as client:
            families = await self._families(client)
            chosen = [i for i, f in families.items() if family in (None, f)]
            if not chosen:
                return TrainingJobsPublic(jobs=[], total=0, limit=limit, offset=offset)
            filters: dict[str, Any] = {
                "deployment_filter": DeploymentFilter(id=DeploymentFilterId(any_=chosen))
            }
            if status is not None:
                types = [StateType(t) for t, s in STATUS_OF_STATE.items() if s == status]
                filters["flow_run_filter"] = FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=types))
                )
            runs = await client.read_flow_runs(
                **filters, sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=limit, offset=offset
            )
            total = await client.count_flow_runs(**filters)
        jobs = [
            self._public(run, families[run.deployment_id])
            for run in runs
            if run.deployment_id is not None
        ]  # every run matched a deployment filter
        return TrainingJobsPublic(jobs=jobs, total=total, limit=limit, offset=offset)

    async def get(self, job_id: str) -> TrainingJobPublic:
        """One job with its progress, and its metrics once completed."""
        run_id = _job_uuid(job_id)
        async with self._prefect() as client:
            run, family = await self._read(client, run_id)
            return await self._detailed(client, run, family)

    async def cancel(self, job_id: str) -> TrainingJobPublic:
        """Ask Prefect to cancel the run (a run not started yet is cancelled at once)."""
        from prefect.states import Cancelling

        run_id = _job_uuid(job_id)
        async with self._prefect() as client:
            run, family = await self._read(client, run_id)
            if (status := _status(run)) in FINAL:
                raise APIError(409, "job_finished", f"training job {run_id} is already {status}")
            await client.set_flow_run_state(run_id, Cancelling(message="cancelled via the API"))
            return await self._detailed(client, await client.read_flow_run(run_id), family)

    async def _families(self, client: PrefectClient) -> dict[uuid.UUID, str]:
        """Deployment id -> family, for the training deployments Prefect knows."""
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterName,
            FlowFilter,
            FlowFilterName,
        )

        names = [f"train-{family}" for family in FAMILIES]
        flows = await client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(any_=names)))
        flow_names = {flow.id: flow.name for flow in flows}
        deployments = await client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
        )
        return {
            d.id: d.name.removeprefix("train-")
            for d in deployments
            if flow_names.get(d.flow_id) == d.name
        }

    async def _read(self, client: PrefectClient, run_id: uuid.UUID) -> tuple[FlowRun, str]:
        """The flow run and its family; 404 unless it is a run of a training deployment."""
        from prefect.exceptions import ObjectNotFound

        try:
            run = await client.read_flow_run(run_id)
        except ObjectNotFound as error:
            raise _not_found(run_id) from error
        deployment = run.deployment_id
        family = None if deployment is None else (await self._families(client)).get(deployment)
        if family is None:
            raise _not_found(run_id)
        return run, family

    async def _detailed(
        self, client: PrefectClient, run: FlowRun, family: str
    ) -> TrainingJobPublic:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
        from prefect.client.schemas.objects import StateType

        job = self._public(run, family)
        tasks = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        done = {t.name.rsplit("-", 1)[0] for t in tasks if t.state_type == StateType.COMPLETED}
        current = next((s for s in STEPS if s not in done), None)
        job.progress = TrainingProgress(
            step=sum(step in done for step in STEPS),
            total=len(STEPS),
            current_step=current if run.start_time and job.status != "completed" else None,
        )
        if job.status == "completed":
            await asyncio.to_thread(self._add_metrics, job, run)
        return job

    def _add_metrics(self, job: TrainingJobPublic, run: FlowRun) -> None:
        """The metrics, run and version that the job logged to MLflow; None while unknown."""
        try:
            logged = self._mlflow_run(job.family, run)
            versions = (
                self.registry.client.search_model_versions(f"run_id = '{logged.info.run_id}'")
                if logged
                else []
            )
        except MlflowException as error:
            log.warning("metrics of training job %s unavailable: %s", job.job_id, error)
            return
        if logged is not None:
            job.metrics, job.mlflow_run_id = dict(logged.data.metrics), logged.info.run_id
            job.model_version = versions[0].version if versions else None

    def _mlflow_run(self, family: str, run: FlowRun) -> Run | None:
        """The run of the family's experiment that this flow run logged (by its tag)."""
        client = self.registry.client
        experiment = client.get_experiment_by_name(family)
        if experiment is None:
            return None
        query = f"tags.`{FLOW_RUN_TAG}` = '{run.id}'"
        found = client.search_runs([experiment.experiment_id], query, max_results=1)
        return found[0] if found else None

    def _public(self, run: FlowRun, family: str) -> TrainingJobPublic:
        return TrainingJobPublic(
            job_id=str(run.id),
            name=run.name,
            status=_status(run),
            state=run.state_name or "Unknown",
            family=family,
            parameters=run.parameters,
            created_at=run.created,
            started_at=run.start_time,
            finished_at=run.end_time,
            prefect_url=f"{self.ui_url}/runs/flow-run/{run.id}",
        )
