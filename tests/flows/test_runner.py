"""The task runner every flow uses follows the settings."""

from __future__ import annotations

import pytest
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner

from flows.runner import task_runner
from forewarn.settings import get_settings


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    def apply(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


def test_threads_by_default(settings_env) -> None:
    settings_env(FOREWARN_MAX_WORKERS="3")
    runner = task_runner()
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 3


def test_dask_when_configured(settings_env) -> None:
    settings_env(FOREWARN_TASK_RUNNER="dask", FOREWARN_DASK_ADDRESS="tcp://127.0.0.1:8786")
    runner = task_runner()
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://127.0.0.1:8786"
