"""Small helpers shared by test modules (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import gzip
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from forewarn.catalog.kinds import TELEMETRY
from forewarn.families import TrainingResult
from forewarn.forecasting.policy import StepMethod, WorkloadPolicy
from forewarn.settings import Settings
from forewarn.storage import ObjectStore
from forewarn.tracking import CHAMPION, LoggedRun, Registry

TELEMETRY_COLUMNS = [c.name for c in TELEMETRY.columns]
FLEET_SOURCE = "/data/fleet.csv"  # where the catalog tests say their frames come from


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bottleneck_body(**changes: object) -> dict:
    """The seed's bottleneck request, with `changes` to its top-level fields."""
    body = {
        "system_id": "prod-cluster-01",
        "prediction_horizon": 30,
        "confidence_level": 0.95,
        "features": {
            "cpu_utilization": [65.2, 72.1, 68.5],
            "memory_usage": [78.9, 82.3, 80.1],
            "disk_io": [1200, 1350, 1275],
            "network_io": [850, 920, 890],
            "agent_queue_depth": 15,
            "active_tasks": 8,
        },
        "context": {"timestamp": "2026-01-07T10:00:00Z", "deployment_version": "v2.1.3"},
    }
    return body | changes


def failure_body() -> dict:
    """The seed's failure-prevention request."""
    return {
        "system_id": "prod-cluster-01",
        "monitoring_data": {
            "error_rates": [0.001, 0.002, 0.003, 0.002],
            "response_times": [45, 52, 68, 71],
            "resource_exhaustion_indicators": {
                "disk_space_remaining": 0.15,
                "connection_pool_utilization": 0.89,
                "thread_pool_utilization": 0.92,
            },
            "anomaly_scores": [0.1, 0.2, 0.4, 0.6],
        },
        "time_horizons": [15, 60, 240, 1440],
        "severity_threshold": 0.7,
    }


def wait_until_serving(client: TestClient, timeout: float = 30.0) -> None:
    """Wait until the app has loaded every model it serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/v1/status").json()["ready"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"models not loaded: {client.get('/v1/status').json()}")


def register_model(settings: Settings, result: TrainingResult, champion: bool) -> LoggedRun:
    """Log and register a trained model as a new version, optionally as champion."""
    registry = Registry(settings)
    family = result.model.facts.family
    logged = registry.log_training(
        result.model,
        experiment=f"serving-{family}",
        run_name="serving-test",
        tags={},
        params={},
        metrics=result.evaluation.model,
        figures={},
    )
    if champion:
        registry.set_alias(family, CHAMPION, logged.version)
    return logged


# --- dataset files and stores (the catalog tests) ---


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` in the format its file name says (anything else: a file of no data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith((".csv", ".csv.gz")):
        frame.to_csv(path, index=False)
    elif name.endswith((".jsonl", ".ndjson", ".jsonl.gz")):
        text = frame.to_json(orient="records", lines=True, date_format="iso")
        path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    else:
        path.write_text("not data")
    return path


def same_values(actual: pd.DataFrame, expected: pd.DataFrame, exact: bool = True) -> None:
    """Equal frames, whatever the timestamp resolution; JSON readers compared to 1e-12."""
    actual = actual.assign(timestamp=actual["timestamp"].dt.as_unit("ns"))
    expected = expected.assign(timestamp=expected["timestamp"].dt.as_unit("ns"))
    if exact:
        pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    else:
        pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=1e-12)


def metric_frame(series: str = "a", rows: int = 10, step: str = "5min") -> pd.DataFrame:
    """A metric series of `rows` evenly spaced values 0, 1, 2, ..., outside any incident."""
    stamps = pd.date_range("2026-02-01", periods=rows, freq=step, tz="UTC")
    return pd.DataFrame(
        {
            "series_id": series,
            "timestamp": stamps,
            "value": np.arange(rows, dtype=float),
            "in_incident": 0,
        }
    )


def snapshot(store: ObjectStore) -> dict[str, bytes]:
    """Every object of the store, to compare before and after."""
    return {key: store.get_bytes(key) for key in store.list()}


# --- workload forecasting (the serving tests): a champion policy, histories of a known shape,
# and the published run of two series of one system ---

WORKLOAD_URL = "/v1/predict/workload-forecast"
FORECAST_SYSTEM = "forecast-cluster-01"
CPU, MEMORY = f"{FORECAST_SYSTEM}/cpu_utilization", f"{FORECAST_SYSTEM}/memory_usage"
HISTORY_START = pd.Timestamp("2026-03-01", tz="UTC")
POLICY = WorkloadPolicy(
    (
        StepMethod(300, "seasonal_naive", ("seasonal_naive",), 0.95, 2),
        StepMethod(3600, "auto_theta", ("auto_theta",), 0.61, 5),
    )
)
STORED_STEPS = 24
Z80, Z95 = 1.2816, 1.96


def hourly(days: int, level: float, slope: float = 0.0, seed: int = 0) -> np.ndarray:
    """A daily cycle (amplitude 1) around a line ending at `level`, with a little noise."""
    hours = np.arange(24 * days)
    trend = level - slope * (hours[-1] - hours)
    noise = np.random.default_rng(seed).normal(0, 0.3, hours.size)
    return trend + np.sin(2 * np.pi * hours / 24) + noise


def points(values: np.ndarray, step: str = "1h") -> list[dict[str, Any]]:
    stamps = pd.date_range(HISTORY_START, periods=len(values), freq=step)
    return [
        {"timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": float(v)}
        for t, v in zip(stamps, values, strict=True)
    ]


def stored_forecast(series_id: str, mean: np.ndarray, sigma: float) -> pd.DataFrame:
    """A published forecast with normal 80/95 % bands of scale `sigma`."""
    return pd.DataFrame(
        {
            "timestamp": pd.date_range("2026-04-01", periods=len(mean), freq="1h", tz="UTC"),
            "series_id": series_id,
            "model": "auto_theta",
            "mean": mean,
            "lower_80": mean - Z80 * sigma,
            "upper_80": mean + Z80 * sigma,
            "lower_95": mean - Z95 * sigma,
            "upper_95": mean + Z95 * sigma,
        }
    )


RAMP = np.linspace(70.0, 93.0, STORED_STEPS)  # CPU % rising 1 point an hour
