"""Names shared by the simulator's modules and its users."""

from __future__ import annotations

import numpy as np

METRICS: tuple[str, ...] = (
    "cpu_utilization",
    "memory_usage",
    "disk_io",
    "network_io",
    "agent_queue_depth",
    "active_tasks",
    "error_rate",
    "response_time_ms",
    "disk_space_remaining",
    "connection_pool_utilization",
    "thread_pool_utilization",
)
HORIZONS: tuple[int, ...] = (15, 30, 60, 240, 1440)
BOTTLENECK_RESOURCES: tuple[str, ...] = ("cpu", "memory", "disk", "agent_queue")
FAILURE_TYPES: tuple[str, ...] = (
    "out_of_memory",
    "disk_space_exhaustion",
    "connection_pool_exhaustion",
    "thread_pool_exhaustion",
    "service_outage",
)
INCIDENT_TYPES: tuple[str, ...] = (
    "memory_leak",
    "disk_filling",
    "traffic_surge",
    "connection_pool_exhaustion",
    "thread_pool_exhaustion",
    "error_storm",
)
MINUTES_PER_DAY = 1440
# Decimals a monitoring agent would report; also keeps the bundled Parquet small.
PRECISION: dict[str, int] = {
    "cpu_utilization": 2,
    "memory_usage": 2,
    "disk_io": 1,
    "network_io": 1,
    "agent_queue_depth": 0,
    "active_tasks": 0,
    "error_rate": 5,
    "response_time_ms": 2,
    "disk_space_remaining": 5,
    "connection_pool_utilization": 4,
    "thread_pool_utilization": 4,
}

Signals = dict[str, np.ndarray]
"""Metric name -> array of shape (systems, minutes)."""
