"""Failure: will the system fail within each horizon, of which type, and what contributes."""

from __future__ import annotations

from forewarn.families.base import Gate
from forewarn.families.telemetry import TelemetryFamily, TelemetrySpec


class FailureFamily(TelemetryFamily):
    """XGBoost over the seed's failure-prevention inputs: windows of error rates, response
    times and anomaly scores, and the current resource-exhaustion indicators."""

    name = "failure"
    # The mean over horizons includes 1440 minutes, where most failures have not begun to build
    # up yet: ~0.8 is what the signal allows (0.99 at 15 minutes, 0.6 at a day).
    gate = Gate(metric="roc_auc", threshold=0.75)
    spec = TelemetrySpec(
        event="failure",
        type_column="next_failure_type",
        window_metrics=("error_rate", "response_time_ms", "anomaly_score"),
        level_metrics=(
            "disk_space_remaining",
            "connection_pool_utilization",
            "thread_pool_utilization",
        ),
        calendar=False,
        horizons=(15, 60, 240, 1440),
        risk_direction={
            "error_rate": 1,
            "response_time_ms": 1,
            "anomaly_score": 1,
            "disk_space_remaining": -1,
            "connection_pool_utilization": 1,
            "thread_pool_utilization": 1,
        },
    )
