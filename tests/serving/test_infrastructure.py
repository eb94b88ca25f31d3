"""/v1/infrastructure/status: components up or down, the models served, host facts."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from forewarn.settings import Settings
from serving.main import create_app


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_status_reports_components_models_and_host(
    client: TestClient, keys: dict[str, str], serving_settings: Settings
) -> None:
    answer = client.get("/v1/infrastructure/status", headers={"X-API-Key": keys["reader"]})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    components = body["components"]
    assert components["mlflow"]["status"] == "up" and components["mlflow"]["version"]
    assert components["mlflow"]["url"] == serving_settings.mlflow_tracking_uri
    assert components["object_store"]["status"] == components["api"]["status"] == "up"
    assert components["prefect"]["status"] == "down"  # no Prefect server in these tests
    assert components["prefect"]["detail"]
    assert body["status"] == "degraded"
    assert body["models"]["ready"] is True
    assert set(body["models"]["versions"]) == {"bottleneck", "failure"}
    host = body["host"]
    assert host["cpu_count"] >= 1 and len(host["load_average"]) == 3
    assert 0 < host["memory_available_bytes"] <= host["memory_total_bytes"]
    assert 0 < host["disk_free_bytes"] <= host["disk_total_bytes"]


def test_a_component_that_never_answers_is_down_within_the_timeout(
    serving_settings: Settings, keys: dict[str, str], silent_port: int
) -> None:
    settings = serving_settings.model_copy(update={"prefect_port": silent_port})
    with TestClient(create_app(settings)) as client:
        began = time.monotonic()
        answer = client.get("/v1/infrastructure/status", headers={"X-API-Key": keys["admin"]})
        took = time.monotonic() - began

    assert answer.status_code == 200
    assert answer.json()["components"]["prefect"]["status"] == "down"
    assert took < 4


def test_status_needs_the_models_read_scope(client: TestClient, keys: dict[str, str]) -> None:
    anonymous = client.get("/v1/infrastructure/status")
    predictor = client.get("/v1/infrastructure/status", headers={"X-API-Key": keys["predict"]})

    assert anonymous.status_code == 401
    assert predictor.status_code == 403
