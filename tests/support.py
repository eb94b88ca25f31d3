"""Small helpers shared by test modules (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

import socket
import time

from fastapi.testclient import TestClient

from forewarn.families import TrainingResult
from forewarn.settings import Settings
from forewarn.tracking import CHAMPION, LoggedRun, Registry


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bottleneck_body(**changes: object) -> dict:
    body = {
        "system_id": "prod-cluster-01", "prediction_horizon": 30, "confidence_level": 0.95,
        "features": {"cpu_utilization": [65.2, 72.1, 68.5], "memory_usage": [78.9, 82.3, 80.1],
                     "disk_io": [1200, 1350, 1275], "network_io": [850, 920, 890],
                     "agent_queue_depth": 15, "active_tasks": 8},
        "context": {"timestamp": "2026-01-07T10:00:00Z", "deployment_version": "v2.1.3"},
    }
    return body | changes


def failure_body() -> dict:
    return {
        "system_id": "prod-cluster-01",
        "monitoring_data": {
            "error_rates": [0.001, 0.002, 0.003, 0.002], "response_times": [45, 52, 68, 71],
            "resource_exhaustion_indicators": {"disk_space_remaining": 0.15,
                                               "connection_pool_utilization": 0.89,
                                               "thread_pool_utilization": 0.92},
            "anomaly_scores": [0.1, 0.2, 0.4, 0.6]},
        "time_horizons": [15, 60, 240, 1440], "severity_threshold": 0.7,
    }


def wait_until_serving(client: TestClient, timeout: float = 30.0) -> None:
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
    logged = registry.log_training(result.model, experiment=f"serving-{family}",
                                   run_name="serving-test", tags={}, params={},
                                   metrics=result.evaluation.model, figures={})
    if champion:
        registry.set_alias(family, CHAMPION, logged.version)
    return logged
