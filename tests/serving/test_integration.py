"""The real API under uvicorn on a free port, against a real MLflow server, driven by the SDK."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from forewarn.api_keys import KeyStore
from forewarn.client import (
    AsyncClient,
    AuthenticationError,
    Client,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from forewarn.settings import Settings
from forewarn.stack import Supervisor, api_component
from forewarn.tracking import LoggedRun
from support import bottleneck_body, failure_body, free_port

ALLOCATION = {"cpu_cores": 64, "memory_gb": 256}


@pytest.fixture(scope="module")
def api_url(serving_settings: Settings, champions: dict[str, LoggedRun]) -> Iterator[str]:
    """The API under uvicorn, its models loaded; basic-tier keys get 2 requests a minute."""
    settings = serving_settings.model_copy(
        update={
            "api_port": free_port(),
            "rate_limits": {"basic": 2, "premium": 1000, "enterprise": 10000},
        }
    )
    with Supervisor(settings, [api_component(settings)]), Client(f"{settings.api_url}/v1") as c:
        deadline = time.monotonic() + 30
        while not c.status()["ready"] and time.monotonic() < deadline:
            time.sleep(0.1)
        yield f"{settings.api_url}/v1"


def test_seed_sdk_example_runs_with_names_adapted(api_url: str, keys: dict[str, str]) -> None:
    async def main() -> None:
        client = AsyncClient(api_key=keys["predict"], base_url=api_url)
        prediction = await client.predict_bottleneck(
            system_id="prod-cluster-01",
            features={
                "cpu_utilization": [65.2, 72.1, 68.5],
                "memory_usage": [78.9, 82.3, 80.1],
                "disk_io": [1200, 1350, 1275],
            },
            horizon_minutes=30,
        )
        assert 0 <= prediction.probability <= 1
        assert prediction.time_to_bottleneck is None or prediction.time_to_bottleneck > 0
        assert prediction.metadata.imputed_inputs == [
            "network_io",
            "agent_queue_depth",
            "active_tasks",
        ]

        optimization = await client.optimize_resources(
            system_id="prod-cluster-01",
            current_allocation=ALLOCATION,
            objectives={"minimize_cost": 0.3, "maximize_performance": 0.7},
        )
        # No forecast, no utilisation: 70% is assumed, said rather than hidden, and kept.
        assert any("assumed 70%" in note for note in optimization.assumptions)
        assert optimization.recommendations == []
        assert optimization.optimization.recommended_allocation == ALLOCATION
        hot = await client.optimize_resources(
            system_id="prod-cluster-01",
            current_allocation=ALLOCATION,
            objectives={"minimize_cost": 0.3, "maximize_performance": 0.7},
            current_utilization={"cpu_cores": 0.95, "memory_gb": 0.5},
        )
        await client.close()

        allocation = hot.optimization.recommended_allocation
        assert allocation["cpu_cores"] > 64
        assert {step.action for step in hot.recommendations} >= {"increase_cpu_cores"}
        for step in hot.recommendations:  # each step says which way its resource moves
            verb, resource = step.action.split("_", 1)
            grows = allocation[resource] > ALLOCATION[resource]
            assert verb == ("increase" if grows else "reduce"), step
            assert (step.cost_impact > 0) == grows, step

    asyncio.run(main())


def test_sync_client_predicts_and_reads_the_registry(
    api_url: str, keys: dict[str, str], champions: dict[str, LoggedRun]
) -> None:
    body = bottleneck_body()
    with Client(api_url, api_key=keys["admin"]) as client:
        bottleneck = client.predict_bottleneck(
            body["system_id"], body["features"], horizon_minutes=60
        )
        failure = client.predict_failure("prod-cluster-01", failure_body()["monitoring_data"])
        models = client.list_models()

    assert bottleneck.metadata.model_version == champions["bottleneck"].version
    assert [p.time_horizon for p in failure.failure_predictions] == [15, 60, 240, 1440]
    assert {m.name for m in models.data} >= {"bottleneck", "failure"}


def test_errors_arrive_as_typed_exceptions(api_url: str, keys: dict[str, str]) -> None:
    body = bottleneck_body()
    body["features"]["memory_usage"] = [101.0]
    with Client(api_url, api_key=keys["admin"], max_retries=0) as client:
        with pytest.raises(ValidationError) as invalid:
            client.predict_bottleneck(body["system_id"], body["features"])
        with pytest.raises(NotFoundError):
            client.get_model("no-such-model")
    with (
        Client(api_url, api_key="fw_wrong_key", max_retries=0) as stranger,
        pytest.raises(AuthenticationError) as refused,
    ):
        stranger.list_models()

    assert "features.memory_usage.0" in invalid.value.details
    assert refused.value.status == 401 and refused.value.request_id


def test_rate_limit_error_carries_retry_after(api_url: str, serving_settings: Settings) -> None:
    key, _ = KeyStore(serving_settings.api_keys_path).create("basic-user", ["predict"])
    body = bottleneck_body()
    with Client(api_url, api_key=key, max_retries=0) as client:
        for _ in range(2):
            client.predict_bottleneck(body["system_id"], body["features"])
        with pytest.raises(RateLimitError) as limited:
            client.predict_bottleneck(body["system_id"], body["features"])

    assert limited.value.retry_after >= 1 and limited.value.status == 429


def test_seed_batch_and_streaming_examples_run(api_url: str, keys: dict[str, str]) -> None:
    features = bottleneck_body()["features"]
    batch_requests = [{"system_id": f"cluster-{i:02d}", "features": features} for i in range(1, 11)]
    batch_requests[3] = {"system_id": "cluster-04", "features": {"cpu_utilization": [200]}}

    async def main() -> tuple[list, list]:
        client = AsyncClient(api_key=keys["predict"], base_url=api_url)
        batch_results = await client.batch_predict_bottlenecks(batch_requests)
        events = [
            event
            async for event in client.stream_predictions(
                system_id="cluster-01",
                prediction_types=["bottleneck", "failure_prevention"],
                update_interval=1,
                max_events=2,
            )
        ]
        await client.close()
        return batch_results, events

    batch_results, events = asyncio.run(main())

    answered = [r for r in batch_results if r.prediction]
    assert [r.index for r in batch_results] == list(range(10))
    assert batch_results[3].prediction is None
    assert batch_results[3].error.code == "validation_error"
    assert len(answered) == 9  # each its own request's answer, the same for the same features
    assert [r.prediction.system_id for r in answered] == [r.system_id for r in answered]
    assert len({r.prediction.probability for r in answered}) == 1
    bottleneck, failure = events
    assert (bottleneck.type, bottleneck.event) == ("bottleneck", "prediction")
    assert (failure.type, failure.event) == ("failure_prevention", "waiting")
