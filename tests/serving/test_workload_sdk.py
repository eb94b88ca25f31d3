"""The SDK's workload forecasts against the real API under uvicorn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from forewarn.client import AsyncClient, Client, NotFoundError, ValidationError
from forewarn.forecasting.store import PublishedRun
from forewarn.schemas.workload import WorkloadForecastResponse
from forewarn.settings import Settings
from forewarn.stack import Supervisor, api_component
from forewarn.tracking import LoggedRun
from support import CPU, free_port, hourly, points


@pytest.fixture(scope="module")
def api_url(
    serving_settings: Settings, workload_champion: LoggedRun, published_run: PublishedRun
) -> Iterator[str]:
    """The API under uvicorn, serving the workload champion."""
    settings = serving_settings.model_copy(update={"api_port": free_port()})
    url = f"{settings.api_url}/v1"
    with Supervisor(settings, [api_component(settings)]), Client(url) as client:
        deadline = time.monotonic() + 60
        while client.status()["workload"]["version"] != workload_champion.version:
            assert time.monotonic() < deadline, client.status()
            time.sleep(0.1)
        yield url


def test_sdk_forecasts_in_both_modes(api_url: str, keys: dict[str, str]) -> None:
    history = [
        (pd.Timestamp(point["timestamp"]).to_pydatetime(), point["value"])
        for point in points(hourly(days=14, level=80.0, slope=0.2))
    ]

    async def on_the_fly() -> Any:
        async with AsyncClient(api_url, api_key=keys["predict"]) as client:
            return await client.forecast_workload(
                historical_data=history, forecast_horizon=36, capacity_threshold=85
            )

    fresh = asyncio.run(on_the_fly())
    with Client(api_url, api_key=keys["predict"], max_retries=0) as client:
        stored_answer = client.forecast_workload(CPU, capacity_threshold=72, direction="below")
        with pytest.raises(NotFoundError) as unknown:
            client.forecast_workload("nowhere/cpu")
        with pytest.raises(ValidationError) as unsorted:
            client.forecast_workload(historical_data=history[::-1])

    assert isinstance(fresh, WorkloadForecastResponse) and fresh.source.kind == "on_the_fly"
    assert len(fresh.forecast.time_series) == 36 and fresh.capacity_warning is not None
    assert fresh.capacity_warning.crosses and fresh.model_metadata.model == "auto_theta"
    assert stored_answer.source.run_id == "serving-test-run"
    assert stored_answer.capacity_warning and stored_answer.capacity_warning.steps_ahead == 1
    assert unknown.value.code == "series_not_found"
    assert "point 1" in unsorted.value.details["historical_data"]
