"""From API requests to family forecasts and back: the only serving code that knows the shapes
of both. Feature computation and prediction stay in the core (`forewarn.families`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forewarn.families import get_family
from forewarn.families.forecast import Forecast, Observation, Outlook, Query, forecast_many
from forewarn.families.telemetry import TelemetryFamily
from forewarn.schemas.predictions import (
    BottleneckPrediction,
    BottleneckRequest,
    ConfidenceInterval,
    FailurePrediction,
    FailureRequest,
    Recommendation,
)
from serving.model_cache import LoadedModel

# What operators usually do about each saturating resource: a lookup, not a model output.
RECOMMENDATIONS: dict[str, list[Recommendation]] = {
    "cpu": [
        Recommendation(
            action="scale_out", description="Add instances or CPU before the queue saturates"
        ),
        Recommendation(action="shed_load", description="Throttle or defer low-priority work"),
    ],
    "memory": [
        Recommendation(action="scale_memory", description="Raise the memory allocation"),
        Recommendation(
            action="restart_leaking_workers",
            description="Recycle the workers whose memory keeps growing",
        ),
    ],
    "disk": [
        Recommendation(action="reduce_io", description="Pause batch jobs and compactions"),
        Recommendation(action="free_disk_space", description="Rotate logs, prune temp data"),
    ],
    "agent_queue": [
        Recommendation(action="add_workers", description="Grow the worker/thread pool"),
        Recommendation(
            action="optimize_agent_allocation", description="Rebalance agents across queues"
        ),
    ],
}


def _family(name: str) -> TelemetryFamily:
    family = get_family(name)
    assert isinstance(family, TelemetryFamily)
    return family


def bottleneck_query(body: BottleneckRequest) -> Query:
    given = body.features.model_dump(exclude_none=True)
    spec = _family("bottleneck").spec
    observation = Observation(
        windows={m: given[m] for m in spec.window_metrics if m in given},
        levels={m: given[m] for m in spec.level_metrics if m in given},
        timestamp=body.context.timestamp,
    )
    return Query(
        observation, [body.prediction_horizon], body.confidence_level, body.exact_explanation
    )


def bottleneck_outlook(loaded: LoadedModel, body: BottleneckRequest) -> Outlook:
    return forecast_many(_family("bottleneck").spec, loaded.model, [bottleneck_query(body)])[0]


def bottleneck_prediction(outlook: Outlook) -> BottleneckPrediction:
    answer = outlook.forecasts[0]
    return BottleneckPrediction(
        bottleneck_probability=answer.probability,
        time_to_bottleneck=outlook.minutes_to_event,
        predicted_resource=answer.likely_type,
        resource_probabilities=answer.type_probabilities,
        severity_score=round(10 * answer.probability, 2),
        confidence_interval=_interval(answer),
    )


def failure_query(body: FailureRequest) -> Query:
    data = body.monitoring_data
    observation = Observation(
        windows={
            "error_rate": data.error_rates,
            "response_time_ms": data.response_times,
            "anomaly_score": data.anomaly_scores,
        },
        levels=data.resource_exhaustion_indicators.model_dump(),
    )
    return Query(observation, body.time_horizons, exact_explanation=body.exact_explanation)


def failure_predictions(outlook: Outlook, severity_threshold: float) -> list[FailurePrediction]:
    return [
        FailurePrediction(
            time_horizon=item.horizon,
            failure_probability=item.probability,
            confidence_interval=_interval(item),
            predicted_failure_type=item.likely_type,
            failure_type_probabilities=item.type_probabilities,
            severity=_severity(item.probability, severity_threshold),
            contributing_factors=item.drivers,
        )
        for item in outlook.forecasts
    ]


def _interval(item: Forecast) -> ConfidenceInterval:
    return ConfidenceInterval(lower=item.interval[0], upper=item.interval[1])


def _severity(probability: float, threshold: float) -> str:
    if probability >= threshold:
        return "critical"
    return "warning" if probability >= threshold / 2 else "low"


def _metadata(loaded: LoadedModel, outlook: Outlook) -> dict[str, Any]:
    return {
        "model_name": loaded.name,
        "model_version": loaded.version,
        "feature_importance": outlook.forecasts[0].drivers,
        "imputed_inputs": outlook.imputed,
    }


def bottleneck_answer(
    loaded: LoadedModel, body: BottleneckRequest, outlook: Outlook
) -> dict[str, Any]:
    """The body of a bottleneck response, without request id and timing."""
    prediction = bottleneck_prediction(outlook)
    actions = RECOMMENDATIONS.get(prediction.predicted_resource or "", [])
    return {
        "system_id": body.system_id,
        "prediction": prediction.model_dump(),
        "recommendations": [action.model_dump() for action in actions],
        "metadata": _metadata(loaded, outlook),
    }


def failure_answer(loaded: LoadedModel, body: FailureRequest, outlook: Outlook) -> dict[str, Any]:
    """The body of a failure-prevention response, without request id and timing."""
    predictions = failure_predictions(outlook, body.severity_threshold)
    worst = max(p.failure_probability for p in predictions)
    return {
        "system_id": body.system_id,
        "failure_predictions": [p.model_dump() for p in predictions],
        "time_to_failure": outlook.minutes_to_event,
        "system_health_score": round(1 - worst, 4),
        "metadata": _metadata(loaded, outlook),
    }


@dataclass(frozen=True)
class Responder:
    """How one family turns a request into a forecast query and a forecast into a response."""

    family: str
    query: Callable[[Any], Query]
    answer: Callable[[LoadedModel, Any, Outlook], dict[str, Any]]

    def respond(self, loaded: LoadedModel, body: Any) -> dict[str, Any]:
        """Answer one request on its own."""
        return self.respond_many(loaded, [body])[0]

    def respond_many(self, loaded: LoadedModel, bodies: list[Any]) -> list[dict[str, Any]]:
        """Answer several requests with one forecast call per booster."""
        outlooks = forecast_many(
            _family(self.family).spec, loaded.model, [self.query(body) for body in bodies]
        )
        return [
            self.answer(loaded, body, outlook)
            for body, outlook in zip(bodies, outlooks, strict=True)
        ]


BOTTLENECK = Responder("bottleneck", bottleneck_query, bottleneck_answer)
FAILURE = Responder("failure", failure_query, failure_answer)
