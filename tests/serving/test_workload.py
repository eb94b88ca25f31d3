"""POST /v1/predict/workload-forecast in both modes, its capacity warning and its refusals,
against the session's real MLflow server, with a `workload` champion and a published run."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from forewarn.forecasting.policy import WorkloadPolicy, forecast_prepared
from forewarn.forecasting.store import LATEST, PublishedRun
from forewarn.settings import Settings
from forewarn.storage import open_store
from forewarn.tracking import CHAMPION, LoggedRun, Registry
from serving import workload_service
from serving.errors import APIError
from serving.main import create_app
from serving.metrics import Metrics
from serving.workload_policy import PolicyHolder
from support import (
    CPU,
    MEMORY,
    POLICY,
    RAMP,
    STORED_STEPS,
    WORKLOAD_URL,
    Z95,
    hourly,
    points,
)  # fmt: skip


@pytest.fixture(scope="module")
def served(
    client: TestClient, workload_champion: LoggedRun, published_run: PublishedRun
) -> TestClient:
    """The module's app once it serves the workload champion."""
    deadline = time.monotonic() + 30
    while client.get("/v1/status").json()["workload"]["version"] != workload_champion.version:
        assert time.monotonic() < deadline, client.get("/v1/status").json()["workload"]
        time.sleep(0.1)
    return client


def post(client: TestClient, key: str, body: dict[str, Any]) -> Any:
    return client.post(WORKLOAD_URL, json=body, headers={"X-API-Key": key})


def assert_ordered_intervals(answer: dict[str, Any]) -> None:
    for point in answer["forecast"]["time_series"]:
        lower95, upper95 = point["interval_95"]
        lower80, upper80 = point["confidence_interval"]
        assert lower95 <= lower80 <= point["predicted_load"] <= upper80 <= upper95, point


def test_on_the_fly_forecast_with_a_known_crossing(
    served: TestClient, keys: dict[str, str], workload_champion: LoggedRun
) -> None:
    values = hourly(days=14, level=80.0, slope=0.2)  # crosses 85 about 25 hours ahead
    horizon = 48
    hours = np.arange(1, horizon + 1) + 24 * 14 - 1
    truth = 80.0 + 0.2 * np.arange(1, horizon + 1) + np.sin(2 * np.pi * hours / 24)
    crossing = int(np.argmax(truth >= 85)) + 1  # steps ahead
    body = {
        "historical_data": points(values),
        "forecast_horizon": horizon,
        "capacity_threshold": {"value": 85},
    }
    answer = post(served, keys["predict"], body)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert len(result["forecast"]["time_series"]) == horizon
    assert result["forecast"]["step_seconds"] == 3600
    assert_ordered_intervals(result)
    metadata = result["model_metadata"]
    assert metadata["model"] == "auto_theta" and metadata["members"] == ["auto_theta"]
    assert metadata["model_version"] == workload_champion.version
    assert 0 < metadata["backtest_mase"] < 1.5
    assert result["source"] == {
        "kind": "on_the_fly", "history_points": 336, "filled_points": 0,
        "run_id": None, "created_at": None, "age_seconds": None,
        "dataset": None, "dataset_version": None,
    }  # fmt: skip
    warning = result["capacity_warning"]
    assert warning["crosses"] and warning["steps_ahead"] < crossing
    assert warning["probability_at_crossing"] < 0.5 < warning["peak_probability"]
    assert warning["first_likely"] is not None
    first_likely = pd.Timestamp(warning["first_likely"])
    steps_to_likely = (first_likely - pd.Timestamp(warning["first_crossing"])) / pd.Timedelta("1h")
    assert warning["steps_ahead"] + steps_to_likely <= crossing + 6
    peaks = result["forecast"]["peak_periods"]
    assert peaks and peaks[0]["peak_load"] == max(
        p["predicted_load"] for p in result["forecast"]["time_series"]
    )


def test_a_flat_series_far_below_the_threshold_gets_no_warning(
    served: TestClient, keys: dict[str, str]
) -> None:
    body = {
        "historical_data": points(hourly(days=10, level=40.0)),
        "capacity_threshold": {"value": 85},
    }
    answer = post(served, keys["predict"], body)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert len(result["forecast"]["time_series"]) == 24  # a day of hourly steps by default
    warning = result["capacity_warning"]
    assert not warning["crosses"] and warning["first_crossing"] is None
    assert warning["first_likely"] is None and warning["peak_probability"] < 0.01


def test_stored_forecast_of_a_series_with_its_run_and_age(
    served: TestClient, keys: dict[str, str], published_run: PublishedRun
) -> None:
    body = {"series_id": CPU, "forecast_horizon": 16, "capacity_threshold": {"value": 85}}
    answer = post(served, keys["predict"], body)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["series_id"] == CPU and len(result["forecast"]["time_series"]) == 16
    assert_ordered_intervals(result)
    source = result["source"]
    assert (source["kind"], source["run_id"], source["dataset"]) == (
        "stored",
        published_run.run_id,
        "workload-series",
    )
    assert 0 <= source["age_seconds"] < 600
    metadata = result["model_metadata"]
    assert (metadata["model"], metadata["backtest_mase"], metadata["model_version"]) == (
        "auto_theta",
        0.62,
        "1",
    )
    expected = int(np.argmax(RAMP + Z95 * 2.0 >= 85)) + 1  # the 95 % band reaches 85 here
    warning = result["capacity_warning"]
    assert warning["crosses"] and warning["steps_ahead"] == expected
    whole = post(served, keys["predict"], {"series_id": MEMORY}).json()
    assert len(whole["forecast"]["time_series"]) == STORED_STEPS
    assert whole["capacity_warning"] is None


def test_capacity_warning_below_a_floor(served: TestClient, keys: dict[str, str]) -> None:
    body = {"series_id": CPU, "capacity_threshold": {"value": 72, "direction": "below"}}
    warning = post(served, keys["predict"], body).json()["capacity_warning"]

    assert warning["direction"] == "below" and warning["steps_ahead"] == 1
    assert warning["probability_at_crossing"] > 0.8  # the ramp starts at 70, under 72
    assert warning["peak_at"] == warning["first_crossing"]


def test_a_slow_forecast_leaves_the_event_loop_free(
    served: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*args: Any) -> Any:
        time.sleep(1.5)
        return forecast_prepared(*args)

    monkeypatch.setattr(workload_service, "forecast_prepared", slow)
    with ThreadPoolExecutor(1) as pool:
        forecast = pool.submit(post, served, keys["predict"], {"historical_data": HISTORY})
        time.sleep(0.3)
        started = time.perf_counter()
        status = served.get("/v1/status")
        waited = time.perf_counter() - started
        assert not forecast.done()
        assert forecast.result().status_code == 200

    assert status.status_code == 200 and waited < 0.5


def test_policy_holder_follows_the_alias_and_keeps_a_policy_that_loads() -> None:
    champion: list[str | None] = [None]
    loads: list[str] = []

    def load(version: str) -> WorkloadPolicy:
        loads.append(version)
        if version == "3":
            raise OSError("artifact missing")
        return POLICY

    holder = PolicyHolder(load, lambda: champion[0], Metrics())
    with pytest.raises(APIError) as missing:
        holder.current()
    champion[0] = "1"
    holder.sync()
    first = holder.current()
    holder.sync()  # same version: not loaded again
    champion[0] = "2"
    holder.sync()
    champion[0] = "3"
    holder.sync()  # fails to load: version 2 keeps serving

    assert missing.value.status == 404 and missing.value.code == "model_not_found"
    assert first.version == "1" and loads == ["1", "2", "3"]
    assert holder.current().version == "2"
    assert holder.status() == ("2", "version 3 failed to load: artifact missing")


def shuffled(index: int) -> list[dict[str, Any]]:
    data = points(hourly(days=5, level=50.0))
    data[index], data[index - 1] = data[index - 1], data[index]
    return data


def repeated(index: int) -> list[dict[str, Any]]:
    data = points(hourly(days=5, level=50.0))
    data[index]["timestamp"] = data[index - 1]["timestamp"]
    return data


HISTORY = points(hourly(days=5, level=50.0))
REFUSED = {
    "too short to backtest": (
        {"historical_data": HISTORY[:40]}, 400, "history_too_short", "too short: 40 points"
    ),
    "too few points": ({"historical_data": HISTORY[:8]}, 400, "history_too_short", "8 obs"),
    "horizon beyond the history": (
        {"historical_data": HISTORY, "forecast_horizon": 100}, 400, "history_too_short", "at least"
    ),
    "unsorted": ({"historical_data": shuffled(6)}, 400, "validation_error", "point 6"),
    "duplicate": ({"historical_data": repeated(7)}, 400, "validation_error", "point 7"),
    "unsupported step": (
        {"historical_data": points(np.arange(30.0), step="21D")}, 400, "invalid_history",
        "not a supported step",
    ),
    "both sources": (
        {"historical_data": HISTORY, "series_id": CPU}, 400, "validation_error", "both were given"
    ),
    "no source": ({"forecast_horizon": 24}, 400, "validation_error", "neither was given"),
    "the seed's agent fields": (
        {"series_id": CPU, "agent_types": ["ml-engineer"]}, 400, "validation_error", "Extra input"
    ),
    "too many points": (
        {"historical_data": points(np.zeros(20_001), step="1min")}, 400, "validation_error",
        "at most 20000",
    ),
    "unknown series": ({"series_id": "nowhere/cpu"}, 404, "series_not_found", "has 2 series"),
    "horizon beyond the stored forecast": (
        {"series_id": CPU, "forecast_horizon": 48}, 400, "horizon_too_long", "has 24 steps"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_bad_input_is_refused_and_changes_nothing(
    served: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    body, status, code, words = REFUSED[case]
    captured: list[Any] = []
    monkeypatch.setattr(served.app.state.capture, "record", lambda *a: captured.append(a))
    cached = served.app.state.forecasts._cached

    answer = post(served, keys["predict"], body)

    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert words in json.dumps(error), error
    assert captured == [] and served.app.state.forecasts._cached is cached


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "null"])
def test_non_finite_values_are_refused_naming_the_point(
    served: TestClient, keys: dict[str, str], bad: str
) -> None:
    data = [dict(point) for point in HISTORY]
    data[3]["value"] = 12345.5
    text = json.dumps({"historical_data": data}).replace("12345.5", bad)
    answer = served.post(
        WORKLOAD_URL,
        content=text,
        headers={"X-API-Key": keys["predict"], "Content-Type": "application/json"},
    )

    assert answer.status_code == 400, answer.text
    assert "historical_data.3.value" in answer.json()["error"]["details"]


def test_no_champion_and_nothing_published_answer_404(
    serving_settings: Settings,
    keys: dict[str, str],
    workload_champion: LoggedRun,
    published_run: PublishedRun,
) -> None:
    registry, store = Registry(serving_settings), open_store(serving_settings)
    registry.delete_alias("workload", CHAMPION)
    store.delete(LATEST)
    try:
        with TestClient(create_app(serving_settings)) as fresh:
            on_the_fly = post(fresh, keys["predict"], {"historical_data": HISTORY})
            stored_series = post(fresh, keys["predict"], {"series_id": CPU})
            status = fresh.get("/v1/status").json()["workload"]
    finally:
        registry.set_alias("workload", CHAMPION, workload_champion.version)
        store.put_json(LATEST, asdict(published_run))

    assert on_the_fly.status_code == 404 and stored_series.status_code == 404
    assert on_the_fly.json()["error"]["code"] == "model_not_found"
    assert "workload" in on_the_fly.json()["error"]["message"]
    assert stored_series.json()["error"]["code"] == "forecast_not_found"
    assert status == {"version": None, "detail": "no version holds the champion alias"}
