"""Bodies of the prediction endpoints, shaped after the intelligence-layer seed.

Where the seed shows a field no model here computes (e.g. the expected impact of an action), the
field is left out or documented as derived, rather than invented."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Percent = Annotated[float, Field(ge=0, le=100)]
NonNegative = Annotated[float, Field(ge=0, le=1e9)]  # bounded: features are float32
Fraction = Annotated[float, Field(ge=0, le=1)]
Window = Field(min_length=1, max_length=1440, description="Values at 1-minute steps, oldest first.")
ExactExplanation = Field(
    default=False,
    description="Explain with exact TreeSHAP values instead of Saabas path "
    "attributions: some 30 times dearer; on held-out simulated windows with a probability above "
    "0.3 the two name the same top input 89-100% of the time.",
)


class BottleneckFeatures(BaseModel):
    """Recent metrics of the system; windows are best given as the last 15 minutes (the model
    was trained on 15-minute windows). Omitted optional inputs are replaced by their training
    medians and listed in `metadata.imputed_inputs`: give them for the best answer."""

    model_config = ConfigDict(extra="forbid")
    cpu_utilization: list[Percent] = Window
    memory_usage: list[Percent] = Window
    disk_io: list[NonNegative] | None = Field(default=None, min_length=1, max_length=1440)
    network_io: list[NonNegative] | None = Field(default=None, min_length=1, max_length=1440)
    agent_queue_depth: NonNegative | None = None
    active_tasks: NonNegative | None = None


class PredictionContext(BaseModel):
    """Where and when; `timestamp` (default: now) drives the time-of-day features."""

    timestamp: datetime | None = None
    time_of_day: str | None = Field(default=None, description="Informational; not a feature.")
    day_of_week: str | None = Field(default=None, description="Informational; not a feature.")
    deployment_version: str | None = None


class BottleneckRequest(BaseModel):
    system_id: str = Field(min_length=1, max_length=200)
    prediction_horizon: int = Field(default=30, ge=1, le=240, description="Minutes ahead.")
    confidence_level: float = Field(default=0.95, gt=0.5, lt=1)
    features: BottleneckFeatures
    context: PredictionContext = Field(default_factory=PredictionContext)
    exact_explanation: bool = ExactExplanation


class ConfidenceInterval(BaseModel):
    lower: float
    upper: float


class BottleneckPrediction(BaseModel):
    bottleneck_probability: float
    time_to_bottleneck: float | None = Field(
        description="Minutes until a bottleneck is more likely than not, interpolated "
        "between the trained horizons (15, 30, 60, 240); null when not within "
        "240 minutes."
    )
    predicted_resource: str | None = Field(description="cpu, memory, disk or agent_queue.")
    resource_probabilities: dict[str, float]
    severity_score: float = Field(description="10 x bottleneck_probability (0-10).")
    confidence_interval: ConfidenceInterval

    @property
    def probability(self) -> float:
        """Shortcut to `bottleneck_probability` (the seed SDK's name)."""
        return self.bottleneck_probability


class Recommendation(BaseModel):
    action: str
    description: str


class PredictionMetadata(BaseModel):
    model_name: str
    model_version: str
    feature_importance: dict[str, float] = Field(
        description="Share of this prediction's explanation per input: Saabas path "
        "attributions, or exact TreeSHAP when the request sets "
        "`exact_explanation`."
    )
    imputed_inputs: list[str] = Field(
        default_factory=list, description="Inputs left out and replaced by training medians."
    )
    processing_time_ms: float
    cached: bool


class BottleneckResponse(BaseModel):
    request_id: str
    system_id: str
    prediction: BottleneckPrediction
    recommendations: list[Recommendation]
    metadata: PredictionMetadata

    @property
    def probability(self) -> float:
        """Shortcut to `prediction.bottleneck_probability` (the seed SDK's name)."""
        return self.prediction.bottleneck_probability

    @property
    def time_to_bottleneck(self) -> float | None:
        return self.prediction.time_to_bottleneck


class ExhaustionIndicators(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disk_space_remaining: Fraction
    connection_pool_utilization: Fraction
    thread_pool_utilization: Fraction


class MonitoringData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    error_rates: list[Fraction] = Window
    response_times: list[NonNegative] = Window
    resource_exhaustion_indicators: ExhaustionIndicators
    anomaly_scores: list[Fraction] = Window


class FailureRequest(BaseModel):
    system_id: str = Field(min_length=1, max_length=200)
    monitoring_data: MonitoringData
    time_horizons: list[Annotated[int, Field(ge=1, le=1440)]] = Field(
        default=[15, 60, 240, 1440], min_length=1, max_length=8
    )
    severity_threshold: float = Field(default=0.7, ge=0, le=1)
    exact_explanation: bool = ExactExplanation


class FailurePrediction(BaseModel):
    time_horizon: int
    failure_probability: float
    confidence_interval: ConfidenceInterval
    predicted_failure_type: str | None
    failure_type_probabilities: dict[str, float]
    severity: str = Field(
        description="critical above severity_threshold, warning above half of it, else low."
    )
    contributing_factors: dict[str, float]


class FailureResponse(BaseModel):
    request_id: str
    system_id: str
    failure_predictions: list[FailurePrediction]
    time_to_failure: float | None = Field(
        description="Minutes until a failure is more likely than not; null beyond a day."
    )
    system_health_score: float = Field(description="1 - the largest failure probability.")
    metadata: PredictionMetadata


class BatchRequest(BaseModel):
    """Up to the configured number of requests of one kind, answered item by item."""

    requests: list[dict[str, Any]] = Field(min_length=1)


class ItemError(BaseModel):
    code: str
    message: str
    details: Any = None


class BatchItem(BaseModel):
    index: int
    status: Literal["ok", "error"]
    result: dict[str, Any] | None = None
    error: ItemError | None = None


class BatchResponse(BaseModel):
    request_id: str
    succeeded: int
    failed: int
    results: list[BatchItem]


class StreamEvent(BaseModel):
    """One Server-Sent Event of GET /predict/stream."""

    event: Literal["prediction", "waiting", "error"]
    type: Literal["bottleneck", "failure_prevention"]
    system_id: str
    probability: float | None = None
    severity: str | None = None
    model_version: str | None = None
    response: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
