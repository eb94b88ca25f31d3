"""Flow `forecast-workload` on small synthetic series, through a real Prefect harness and MLflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flows.forecast_workload import forecast_workload
from flows.ingest_dataset import ingest_dataset
from forewarn.forecasting.store import latest, series_forecast, stored_choices
from forewarn.settings import Settings
from forewarn.storage import open_store
from forewarn.tracking import CHAMPION, Registry
from tasks.datasets import catalog

FAST = ["seasonal_naive", "auto_ets", "global_xgb"]  # Prophet, Theta, MSTL: slower, same path
HOURS = 24 * 21


def _daily_series(series_id: str, level: float, seed: int) -> pd.DataFrame:
    """Three weeks of an hourly metric with a daily cycle, a trend and noise."""
    rng = np.random.default_rng(seed)
    hours = np.arange(HOURS)
    values = level + 15 * np.sin(2 * np.pi * hours / 24) + 0.02 * hours + rng.normal(0, 1.5, HOURS)
    timestamps = pd.date_range("2026-11-01", periods=HOURS, freq="h", tz="UTC")
    return pd.DataFrame({"timestamp": timestamps, "series_id": series_id, "value": values})


@pytest.fixture(scope="module")
def workload_dataset(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two forecastable series and one too short to backtest, ingested through the flow."""
    short = _daily_series("short", 10.0, 3).head(30)
    frame = pd.concat([_daily_series("api/cpu", 50.0, 1), _daily_series("db/cpu", 30.0, 2), short])
    path = Path(tmp_path_factory.mktemp("workload")) / "series.csv"
    frame.to_csv(path, index=False)
    ingest_dataset(source=str(path), name="flow-workload", kind="workload-series", licence="MIT")
    return "flow-workload"


@pytest.fixture(scope="module")
def first_run(workload_dataset: str) -> dict[str, Any]:
    return forecast_workload(dataset=workload_dataset, horizon=24, candidates=FAST, origins=4)


def test_the_manifest_reports_what_preparation_merges_fills_and_drops(
    workload_dataset: str,
) -> None:
    [manifest] = catalog().versions(workload_dataset)
    preparation = manifest.quality["preparation"]
    assert set(preparation["series"]) == {"api/cpu", "db/cpu", "short"}
    assert preparation["series"]["api/cpu"]["step_seconds"] == 3600
    assert preparation["series"]["api/cpu"]["points"] == HOURS
    assert preparation["series"]["short"]["points"] == 30  # regular, only too short to backtest
    assert preparation["failures"] == {}


def test_each_series_is_forecast_and_a_short_one_fails_alone(first_run: dict[str, Any]) -> None:
    assert set(first_run["failures"]) == {"short"}
    assert "short" in first_run["failures"]["short"]
    assert first_run["metrics"]["mase"] < first_run["baseline"]["mase"]
    assert 0.5 <= first_run["metrics"]["coverage_80"] <= 1.0


def test_forecasts_are_published_with_ordered_intervals(
    stack: Settings, first_run: dict[str, Any]
) -> None:
    store = open_store(stack)
    published = latest(store)
    assert published is not None and published.run_id == first_run["forecasts_run"]
    assert set(published.series) == {"api/cpu", "db/cpu"}
    assert f"run={published.run_id}" in published.forecasts_key
    rows = series_forecast(store, published, "api/cpu")
    assert len(rows) == 24
    ordered = ["lower_95", "lower_80", "mean", "upper_80", "upper_95"]
    assert (np.diff(rows[ordered].to_numpy(), axis=1) >= -1e-9).all()


def test_the_first_version_passes_the_gate_and_is_logged_with_plots(
    stack: Settings, first_run: dict[str, Any]
) -> None:
    registry = Registry(stack)
    champion = registry.alias_version("workload", CHAMPION)
    assert first_run["decision"]["outcome"] == "champion"
    assert champion is not None and champion.version == first_run["version"]
    run = registry.client.get_run(first_run["run_id"])
    assert run.data.metrics["mase"] == pytest.approx(first_run["metrics"]["mase"])
    artifacts = {a.path for a in registry.client.list_artifacts(first_run["run_id"], "plots")}
    assert {"plots/forecast-api_cpu.png", "plots/forecast-db_cpu.png"} <= artifacts
    policy = registry.workload_policy(first_run["version"])
    assert policy.method_for(pd.Timedelta(hours=1)).members


def test_a_second_run_refreshes_the_stored_choices_without_registering(
    stack: Settings, first_run: dict[str, Any], workload_dataset: str
) -> None:
    store = open_store(stack)
    before = latest(store)
    versions = len(Registry(stack).versions("workload"))
    second = forecast_workload(dataset=workload_dataset, horizon=24, candidates=FAST, origins=4)
    after = latest(store)
    assert second["mode"] == "refresh" and second["decision"] is None
    assert second["refreshed"] == ["api/cpu", "db/cpu"]
    assert len(Registry(stack).versions("workload")) == versions  # nothing registered
    assert Registry(stack).run_metrics(second["run_id"])["series_refreshed"] == 2
    assert before is not None and after is not None
    assert after.run_id == second["forecasts_run"] != before.run_id
    assert after.model_version == before.model_version == first_run["version"]
    for series_id in ("api/cpu", "db/cpu"):
        assert after.series[series_id].members == before.series[series_id].members
        assert len(series_forecast(store, after, series_id)) == 24
    assert set(stored_choices(store, after)) == {"api/cpu", "db/cpu"}


def test_a_second_run_is_gated_against_the_champion_on_the_same_backtest(
    stack: Settings, first_run: dict[str, Any], workload_dataset: str
) -> None:
    second = forecast_workload(
        dataset=workload_dataset,
        horizon=24,
        candidates=["seasonal_naive"],
        origins=4,
        reselect=True,
    )
    assert second["mode"] == "full" and second["refreshed"] == []
    decision = second["decision"]
    champion = Registry(stack).alias_version("workload", CHAMPION)
    assert np.isfinite(decision["champion"])  # its models competed, so it was scored here too
    assert decision["outcome"] in {"champion", "challenger"}
    assert ("champion has" in decision["reason"]) or (
        "worse than the champion" in decision["reason"]
    )
    expected = second["version"] if decision["outcome"] == "champion" else first_run["version"]
    assert champion is not None and champion.version == expected


def test_an_unknown_series_is_refused_by_name(workload_dataset: str) -> None:
    with pytest.raises(ValueError, match=r"unknown series \['nope'\]"):
        forecast_workload(dataset=workload_dataset, series=["nope"], candidates=FAST)
