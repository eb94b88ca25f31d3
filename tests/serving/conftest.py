"""The API against a real MLflow server holding small trained champions, and API keys.

The MLflow server, the champions and the keys live for the session; `client` is one app per test
module. A test that changes what an app or the registry holds (aliases, canaries, settings) puts
it back, or builds an app of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from forewarn.api_keys import KeyStore
from forewarn.families import TrainingResult, get_family
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.stack import Supervisor
from forewarn.stack.components import mlflow_component
from forewarn.tracking import LoggedRun
from serving.main import create_app
from support import free_port, register_model, wait_until_serving

SERVED = ("bottleneck", "failure")


@pytest.fixture(scope="session")
def serving_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of a private home whose MLflow server runs for the whole session."""
    settings = Settings(
        home=tmp_path_factory.mktemp("serving-home"),
        mlflow_port=free_port(),
        prefect_port=free_port(),
        model_poll_seconds=0.5,
        capture_flush_seconds=0.2,
    )
    with Supervisor(settings, [mlflow_component(settings)]):
        yield settings


@pytest.fixture(scope="session")
def trained() -> dict[str, TrainingResult]:
    """Small bottleneck and failure models (no server: the batcher tests use them directly)."""
    frame = simulate(systems=4, days=7, seed=3)
    return {name: get_family(name).train(frame, {"rounds": 80}) for name in SERVED}


@pytest.fixture(scope="session")
def champions(
    serving_settings: Settings, trained: dict[str, TrainingResult]
) -> dict[str, LoggedRun]:
    """The trained models, registered and made their families' champions."""
    return {name: register_model(serving_settings, trained[name], champion=True) for name in SERVED}


@pytest.fixture(scope="session")
def keys(serving_settings: Settings) -> dict[str, str]:
    """An enterprise-tier API key per role: predict, reader, writer and admin."""
    store = KeyStore(serving_settings.api_keys_path)
    scopes = {
        "predict": ["predict"],
        "reader": ["models:read"],
        "writer": ["models:write"],
        "admin": ["admin"],
    }
    return {
        name: store.create(name, granted, tier="enterprise")[0] for name, granted in scopes.items()
    }


@pytest.fixture(scope="module")
def client(
    serving_settings: Settings, champions: dict[str, LoggedRun], keys: dict[str, str]
) -> Iterator[TestClient]:
    """The app with its lifespan running and both champions loaded, shared by a module."""
    with TestClient(create_app(serving_settings)) as test_client:
        wait_until_serving(test_client)
        yield test_client
