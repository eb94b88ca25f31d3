"""The API against a real MLflow server holding small trained champions, and API keys.

The MLflow server, the champions and the keys live for the session; `client` is one app per test
module. A test that changes what an app or the registry holds (aliases, canaries, settings) puts
it back, or builds an app of its own."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from forewarn.api_keys import KeyStore
from forewarn.families import TrainingResult, get_family
from forewarn.forecasting.store import LATEST, PublishedRun, SeriesSummary, publish
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.stack import Supervisor
from forewarn.stack.components import mlflow_component
from forewarn.storage import open_store
from forewarn.tracking import CHAMPION, LoggedRun, Registry, RunRecord
from serving.main import create_app
from support import (
    CPU,
    MEMORY,
    POLICY,
    RAMP,
    STORED_STEPS,
    free_port,
    register_model,
    stored_forecast,
    wait_until_serving,
)

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


@pytest.fixture(scope="module")
def workload_champion(serving_settings: Settings) -> Iterator[LoggedRun]:
    """A `workload` version of `POLICY`, champion for the module (the alias removed after)."""
    registry = Registry(serving_settings)
    record = RunRecord("serving-workload", "serving-test", {}, {}, {"mase": 0.61})
    logged = registry.log_workload(POLICY, record)
    registry.set_alias("workload", CHAMPION, logged.version)
    yield logged
    registry.delete_alias("workload", CHAMPION)


@pytest.fixture(scope="module")
def published_run(serving_settings: Settings) -> Iterator[PublishedRun]:
    """A published forecast run of `CPU` (RAMP) and `MEMORY` (flat at 40), removed after."""
    store = open_store(serving_settings)
    frames = pd.concat(
        [stored_forecast(CPU, RAMP, 2.0), stored_forecast(MEMORY, np.full(STORED_STEPS, 40.0), 1.0)]
    )
    summary = SeriesSummary("auto_theta", ["auto_theta"], 0.62, 3600.0)
    run = publish(
        store, "serving-test-run", frames, ("workload-series", "v-test"),
        {CPU: summary, MEMORY: summary}, model_version="1",
    )  # fmt: skip
    yield run
    for key in (LATEST, run.forecasts_key):
        store.delete(key)
