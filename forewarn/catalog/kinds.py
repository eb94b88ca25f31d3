"""Dataset kinds: the schema every dataset of a kind must satisfy.

A kind names its series key, its time column and its columns with type and range. Validation
(`forewarn.catalog.validation`) checks frames against these rules before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from forewarn.schemas.datasets import DatasetKindName

ColumnType = Literal["float", "int", "bool", "str", "timestamp"]
KindName = DatasetKindName  # flows and the API offer the kinds' names as a choice


@dataclass(frozen=True)
class Column:
    """One column of a kind: its type, whether it must be present, and its allowed range."""

    name: str
    type: ColumnType
    required: bool = True
    min: float | None = None
    max: float | None = None
    nullable: bool = False


@dataclass(frozen=True)
class DatasetKind:
    """A schema shared by datasets of one kind."""

    name: str
    series_key: str
    time_column: str
    columns: tuple[Column, ...]
    description: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _fraction(name: str) -> Column:
    return Column(name, "float", min=0.0, max=1.0)


def _non_negative(name: str) -> Column:
    return Column(name, "float", min=0.0)


TELEMETRY = DatasetKind(
    name="telemetry",
    series_key="system_id",
    time_column="timestamp",
    description="Per-system infrastructure metrics at a regular step, optionally with labels.",
    columns=(
        Column("timestamp", "timestamp"),
        Column("system_id", "str"),
        Column("cpu_utilization", "float", min=0.0, max=100.0),
        Column("memory_usage", "float", min=0.0, max=100.0),
        _non_negative("disk_io"),
        _non_negative("network_io"),
        _non_negative("agent_queue_depth"),
        _non_negative("active_tasks"),
        _fraction("error_rate"),
        Column("response_time_ms", "float", min=0.0),
        _fraction("disk_space_remaining"),
        _fraction("connection_pool_utilization"),
        _fraction("thread_pool_utilization"),
        Column("anomaly_score", "float", required=False, min=0.0, max=1.0),
    ),
)

METRIC_SERIES = DatasetKind(
    name="metric-series",
    series_key="series_id",
    time_column="timestamp",
    description="Single real metrics, one series per id, with incident windows marked.",
    columns=(
        Column("series_id", "str"),
        Column("timestamp", "timestamp"),
        Column("value", "float"),
        Column("in_incident", "int", min=0, max=1),
    ),
)

WORKLOAD_SERIES = DatasetKind(
    name="workload-series",
    series_key="series_id",
    time_column="timestamp",
    description="Metric series to forecast, one per id, at any step. Empty values, gaps and "
    "duplicate timestamps are allowed: forecasting resamples and reports them. Other columns "
    "are kept as exogenous inputs.",
    columns=(
        Column("timestamp", "timestamp"),
        Column("series_id", "str"),
        Column("value", "float", nullable=True),
    ),
)

KINDS: dict[str, DatasetKind] = {
    kind.name: kind for kind in (TELEMETRY, METRIC_SERIES, WORKLOAD_SERIES)
}


def get_kind(name: str) -> DatasetKind:
    """The kind called `name`, or a ValueError listing the known kinds."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown dataset kind {name!r}; known kinds: {sorted(KINDS)}") from None
