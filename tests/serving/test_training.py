"""/v1/training/jobs*: training jobs as flow runs of a real Prefect server.

No flow runner runs here: the deployments are registered through the Prefect client, so the runs
the API creates stay Scheduled until a test moves them on as a runner would (states, task runs,
and the MLflow run a training flow logs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from mlflow.tracking import MlflowClient
from prefect import __version__ as prefect_version
from prefect import task
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Completed, Running

from forewarn.settings import Settings
from forewarn.stack import Supervisor
from forewarn.stack.components import prefect_component
from forewarn.tracking import FLOW_RUN_TAG
from serving.main import create_app
from support import free_port

DEPLOYED = ("bottleneck", "failure")  # no train-incident deployment: the 503 case


@contextmanager
def prefect_client(settings: Settings) -> Iterator[SyncPrefectClient]:
    with (
        temporary_settings(updates={PREFECT_API_URL: settings.prefect_api_url}),
        get_client(sync_client=True) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def api_settings(
    serving_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The serving settings, with a Prefect server of its own (its database in another home)."""
    settings = serving_settings.model_copy(update={"prefect_port": free_port()})
    server = settings.model_copy(update={"home": tmp_path_factory.mktemp("training-prefect")})
    with Supervisor(server, [prefect_component(server)]), prefect_client(settings) as client:
        for name in [f"train-{family}" for family in DEPLOYED] + ["pipeline"]:
            client.create_deployment(client.create_flow_from_name(name), name=name)
        yield settings


@pytest.fixture(scope="module")
def api(api_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    """The app against this module's Prefect server, as admin."""
    with TestClient(create_app(api_settings), headers={"X-API-Key": keys["admin"]}) as test_client:
        yield test_client


def start(api: TestClient, family: str = "bottleneck", **parameters: object) -> dict:
    answer = api.post("/v1/training/jobs", json={"family": family, "parameters": parameters})
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_starting_a_job_creates_a_flow_run_of_the_deployment(
    api: TestClient, api_settings: Settings
) -> None:
    job = start(api, rounds=50, eta=0.1, max_depth=3)

    with prefect_client(api_settings) as client:
        run = client.read_flow_run(uuid.UUID(job["job_id"]))
        deployment = client.read_deployment(run.deployment_id)
    assert deployment.name == "train-bottleneck"
    assert run.parameters == job["parameters"] == {"rounds": 50, "eta": 0.1, "max_depth": 3}
    assert (job["status"], job["state"], job["family"]) == ("pending", "Scheduled", "bottleneck")
    ui = api_settings.prefect_api_url.removesuffix("/api")
    assert job["prefect_url"] == f"{ui}/runs/flow-run/{job['job_id']}"
    assert job["created_at"] and job["started_at"] is None


def test_jobs_are_listed_newest_first_and_filtered(api: TestClient, api_settings: Settings) -> None:
    older, newer = start(api, "bottleneck"), start(api, "failure")
    with prefect_client(api_settings) as client:
        client.set_flow_run_state(uuid.UUID(newer["job_id"]), Running(), force=True)

    listing = api.get("/v1/training/jobs", params={"limit": 2}).json()
    failures = api.get("/v1/training/jobs", params={"family": "failure"}).json()
    running = api.get("/v1/training/jobs", params={"status": "running"}).json()

    assert [j["job_id"] for j in listing["jobs"]] == [newer["job_id"], older["job_id"]]
    assert listing["total"] >= 2 and listing["limit"] == 2
    assert {j["family"] for j in failures["jobs"]} == {"failure"}
    assert newer["job_id"] in {j["job_id"] for j in running["jobs"]}
    assert {j["status"] for j in running["jobs"]} == {"running"}


def test_a_job_reports_its_progress_through_the_task_runs(
    api: TestClient, api_settings: Settings
) -> None:
    job = start(api)
    pending = api.get(f"/v1/training/jobs/{job['job_id']}").json()
    with prefect_client(api_settings) as client:
        run_id = uuid.UUID(job["job_id"])
        client.set_flow_run_state(run_id, Running(), force=True)
        for key, (name, state) in enumerate(
            [("load-dataset", Completed()), ("fit-and-evaluate", Running())]
        ):
            client.create_task_run(
                task(name=name)(lambda: None), run_id, str(key), name=f"{name}-0", state=state
            )

    running = api.get(f"/v1/training/jobs/{job['job_id']}").json()

    assert pending["progress"] == {"step": 0, "total": 4, "current_step": None}
    assert running["status"] == "running" and running["started_at"] is not None
    assert running["progress"] == {"step": 1, "total": 4, "current_step": "fit-and-evaluate"}


def test_a_completed_job_reports_the_metrics_its_training_run_logged(
    api: TestClient, api_settings: Settings
) -> None:
    job = start(api)
    mlflow = MlflowClient(api_settings.mlflow_tracking_uri)
    with prefect_client(api_settings) as client:
        client.set_flow_run_state(uuid.UUID(job["job_id"]), Running(), force=True)
        experiment = mlflow.get_experiment_by_name("bottleneck")
        experiment_id = (
            experiment.experiment_id if experiment else mlflow.create_experiment("bottleneck")
        )
        mlflow.create_run(
            experiment_id, run_name="train-bottleneck-other", tags={FLOW_RUN_TAG: str(uuid.uuid4())}
        )  # another job's run
        logged = mlflow.create_run(
            experiment_id,
            run_name="train-bottleneck-0123456789ab",
            tags={FLOW_RUN_TAG: job["job_id"]},
        )
        mlflow.log_metric(logged.info.run_id, "roc_auc", 0.91)
        client.set_flow_run_state(uuid.UUID(job["job_id"]), Completed(), force=True)

    done = api.get(f"/v1/training/jobs/{job['job_id']}").json()
    cancel = api.post(f"/v1/training/jobs/{job['job_id']}/cancel")

    assert done["status"] == "completed" and done["finished_at"] is not None
    assert done["metrics"] == {"roc_auc": 0.91}
    assert done["mlflow_run_id"] == logged.info.run_id
    assert done["progress"]["current_step"] is None
    assert cancel.status_code == 409
    assert cancel.json()["error"]["code"] == "job_finished"


def test_cancelling_a_queued_job_cancels_it_and_a_running_one_asks_it_to_stop(
    api: TestClient, api_settings: Settings
) -> None:
    queued, started = start(api), start(api)
    with prefect_client(api_settings) as client:
        client.set_flow_run_state(uuid.UUID(started["job_id"]), Running(), force=True)

    cancelled = api.post(f"/v1/training/jobs/{queued['job_id']}/cancel")
    cancelling = api.post(f"/v1/training/jobs/{started['job_id']}/cancel")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelling.json()["status"] == "cancelling"


def test_unknown_malformed_and_foreign_ids_are_404(api: TestClient, api_settings: Settings) -> None:
    with prefect_client(api_settings) as client:
        pipeline = client.read_deployment_by_name("pipeline/pipeline")
        foreign = client.create_flow_run_from_deployment(pipeline.id)

    for job_id in [str(uuid.uuid4()), "not-a-uuid", str(foreign.id)]:
        read = api.get(f"/v1/training/jobs/{job_id}")
        cancel = api.post(f"/v1/training/jobs/{job_id}/cancel")
        assert (read.status_code, cancel.status_code) == (404, 404), job_id
        assert read.json()["error"]["code"] == "job_not_found"


def test_a_missing_deployment_is_503_naming_it(api: TestClient) -> None:
    answer = api.post("/v1/training/jobs", json={"family": "incident"})

    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "deployment_missing"
    assert "train-incident/train-incident" in error["message"]
    assert "forewarn up" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"family": "nope"},
        {"family": "bottleneck", "parameters": {"rounds": 0}},
        {"family": "bottleneck", "parameters": {"eta": "fast"}},
        {"family": "bottleneck", "parameters": {"learning_rate": 0.1}},
        {"family": "bottleneck", "parameters": {"dataset_version": "0123456789ab"}},
    ],
)
def test_invalid_requests_are_400(api: TestClient, body: dict) -> None:
    answer = api.post("/v1/training/jobs", json=body)

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "validation_error"


def test_an_unknown_dataset_is_404(api: TestClient) -> None:
    answer = api.post(
        "/v1/training/jobs",
        json={"family": "bottleneck", "parameters": {"dataset": "no-such-data"}},
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "dataset_not_found"


def test_training_needs_a_key_with_the_training_scope(
    api: TestClient, keys: dict[str, str]
) -> None:
    anonymous = api.get("/v1/training/jobs", headers={"X-API-Key": ""})
    predictor = api.post(
        "/v1/training/jobs", json={"family": "bottleneck"}, headers={"X-API-Key": keys["predict"]}
    )

    assert anonymous.status_code == 401
    assert predictor.status_code == 403


def test_prefect_down_is_503(serving_settings: Settings, keys: dict[str, str]) -> None:
    down = serving_settings.model_copy(update={"prefect_port": free_port()})
    with TestClient(create_app(down), headers={"X-API-Key": keys["admin"]}) as client:
        listing = client.get("/v1/training/jobs")
        started = client.post("/v1/training/jobs", json={"family": "bottleneck"})
        read = client.get(f"/v1/training/jobs/{uuid.uuid4()}")

    for answer in (listing, started, read):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "orchestrator_unavailable"


def test_infrastructure_status_sees_this_prefect_server(
    api: TestClient, api_settings: Settings
) -> None:
    prefect = api.get("/v1/infrastructure/status").json()["components"]["prefect"]

    assert prefect["status"] == "up"
    assert prefect["url"] == api_settings.prefect_api_url.removesuffix("/api")
    assert prefect["version"] == prefect_version
