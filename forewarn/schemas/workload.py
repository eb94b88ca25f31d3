"""Bodies of POST /predict/workload-forecast, shaped after the intelligence-layer seed.

A request either sends a metric's recent history (`historical_data`: forecast on the fly with the
`workload` champion's method for data of that step) or names a series the scheduled flow
`forecast-workload` forecasts (`series_id`: answered from its latest published run). The seed's
agent fields (`agent_types`, `business_events`, ...) are left out: no model here computes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_POINTS = 20_000
MAX_HORIZON = 720
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Direction = Literal["above", "below"]
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


class MetricPoint(BaseModel):
    """One observation; a timestamp without a zone is taken as UTC."""

    model_config = ConfigDict(extra="forbid")
    timestamp: datetime
    value: Finite

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        stamp = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if not EARLIEST <= stamp <= LATEST:
            raise ValueError(f"timestamps lie between {EARLIEST:%Y} and {LATEST:%Y}")
        return stamp


class CapacityThreshold(BaseModel):
    """The limit to warn about, in the series' units (e.g. 85 for CPU at 85 %)."""

    model_config = ConfigDict(extra="forbid")
    value: Finite
    direction: Direction = Field(
        default="above", description="above: warn when the load may exceed it; below: fall under."
    )


class WorkloadForecastRequest(BaseModel):
    """Either `historical_data` or `series_id`, not both."""

    model_config = ConfigDict(extra="forbid")
    series_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="A series of the latest `forecast-workload` run, e.g. "
        "`prod-cluster-01/cpu_utilization`.",
    )
    historical_data: list[MetricPoint] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_POINTS,
        description="The metric's history at a regular step, oldest first: timestamps strictly "
        "increasing (no duplicates); gaps are filled and reported.",
    )
    forecast_horizon: int | None = Field(
        default=None,
        ge=1,
        le=MAX_HORIZON,
        description="Steps ahead. Default: the stored forecast's length (series_id), else a "
        "span for the data's step (6 hours below an hour, a day below a day, else two weeks).",
    )
    capacity_threshold: CapacityThreshold | None = None

    @field_validator("historical_data")
    @classmethod
    def _increasing(cls, points: list[MetricPoint] | None) -> list[MetricPoint] | None:
        """Refuse rather than merge: the first point not after the one before is named."""
        stamps = [point.timestamp for point in points or []]
        for index, (previous, current) in enumerate(pairwise(stamps), start=1):
            if current <= previous:
                problem = "repeats" if current == previous else "is earlier than"
                stamp = current.strftime("%Y-%m-%dT%H:%M:%SZ")
                raise ValueError(
                    f"timestamps must be strictly increasing: point {index} ({stamp}) "
                    f"{problem} point {index - 1}"
                )
        return points

    @model_validator(mode="after")
    def _one_source(self) -> WorkloadForecastRequest:
        if (self.series_id is None) == (self.historical_data is None):
            both = "both were given" if self.series_id is not None else "neither was given"
            raise ValueError(f"give either historical_data or series_id: {both}")
        return self


class ForecastPoint(BaseModel):
    timestamp: datetime
    predicted_load: float = Field(description="The point forecast.")
    confidence_interval: tuple[float, float] = Field(description="80 % interval [lower, upper].")
    interval_95: tuple[float, float] = Field(description="95 % interval [lower, upper].")


class PeakPeriod(BaseModel):
    """A run of steps whose forecast is in the top tenth of the horizon's."""

    start: datetime
    end: datetime
    peak_load: float


class ForecastBody(BaseModel):
    step_seconds: int
    time_series: list[ForecastPoint]
    peak_periods: list[PeakPeriod] = Field(
        description="Runs of consecutive steps at or above the 90th percentile of the point "
        "forecast, highest first (at most 5)."
    )


class CapacityWarning(BaseModel):
    """When the forecast may cross the threshold, and how likely it is past it."""

    threshold: float
    direction: Direction
    crosses: bool = Field(description="The 95 % band's outer edge reaches the threshold.")
    first_crossing: datetime | None = Field(description="The first step where it does.")
    steps_ahead: int | None = Field(description="That step's position (1: the next step).")
    probability_at_crossing: float = Field(description="P(past the threshold) at that step.")
    first_likely: datetime | None = Field(
        description="The first step where being past the threshold is at least 50 % likely."
    )
    peak_probability: float = Field(description="The highest P(past the threshold).")
    peak_at: datetime


class ForecastSource(BaseModel):
    """Where the forecast comes from: a published run of the scheduled flow, or the request."""

    kind: Literal["stored", "on_the_fly"]
    run_id: str | None = None
    created_at: datetime | None = None
    age_seconds: float | None = None
    dataset: str | None = None
    dataset_version: str | None = None
    history_points: int | None = Field(
        default=None, description="On the fly: points on the data's regular grid."
    )
    filled_points: int | None = Field(
        default=None, description="On the fly: missing grid points filled before forecasting."
    )


class WorkloadModelMetadata(BaseModel):
    model_name: str
    model_version: str | None = Field(
        description="The `workload` version: the champion (on the fly) or the run's."
    )
    model: str = Field(description="The forecasting model used, e.g. auto_theta or median(...).")
    members: list[str]
    backtest_mase: float | None = Field(
        description="Mean absolute scaled error on a rolling-origin backtest (below 1: better "
        "than seasonal naive)."
    )
    processing_time_ms: float


class WorkloadForecastResponse(BaseModel):
    request_id: str
    series_id: str | None
    forecast: ForecastBody
    capacity_warning: CapacityWarning | None = Field(
        description="Present when the request gave a capacity_threshold."
    )
    source: ForecastSource
    model_metadata: WorkloadModelMetadata
