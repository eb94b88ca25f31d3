"""Bottleneck: will a resource saturate within the horizon, which one, and when."""

from __future__ import annotations

from forewarn.families.base import Gate
from forewarn.families.telemetry import TelemetryFamily, TelemetrySpec

BOTTLENECK_METRICS = ("cpu_utilization", "memory_usage", "disk_io", "network_io")


class BottleneckFamily(TelemetryFamily):
    """XGBoost over windows of the seed's bottleneck inputs, queue depth, tasks and calendar."""

    name = "bottleneck"
    gate = Gate(metric="roc_auc", threshold=0.85)
    spec = TelemetrySpec(
        event="bottleneck",
        type_column="next_bottleneck_resource",
        window_metrics=BOTTLENECK_METRICS,
        level_metrics=("agent_queue_depth", "active_tasks"),
        calendar=True,
        horizons=(15, 30, 60, 240),
        risk_direction={
            "cpu_utilization": 1,
            "memory_usage": 1,
            "disk_io": 1,
            "network_io": 1,
            "agent_queue_depth": 1,
        },
        optional=frozenset({"disk_io", "network_io", "agent_queue_depth", "active_tasks"}),
    )
