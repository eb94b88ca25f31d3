"""POST /predict/workload-forecast: a published forecast of a named series, or a forecast made
on the fly from the request's history with the `workload` champion's method.

Fitting takes up to seconds of CPU (statsforecast, Prophet): it runs in worker threads of its own
(at most `threads` at once), so the event loop and the threads of other routes stay free. Bad
input is refused before anything is counted, cached or captured."""

from __future__ import annotations

import os
import time
from typing import Any

import anyio
import anyio.to_thread

from forewarn.forecasting.policy import forecast_prepared
from forewarn.forecasting.preparation import PreparedSeries, prepare_series
from forewarn.forecasting.steps import default_horizon
from forewarn.schemas.workload import MetricPoint, WorkloadForecastRequest
from serving.capture import PredictionCapture
from serving.errors import APIError
from serving.metrics import Metrics
from serving.published_forecasts import PublishedForecasts
from serving.workload_policy import PolicyHolder
from serving.workload_response import Outcome, respond

HISTORY = "historical_data"  # the series id of a request's own history in messages
FORECAST_THREADS = max(1, (os.cpu_count() or 2) // 2)
UNREGISTERED = "unregistered"  # capture's model version for a run that registered none


class WorkloadService:
    """Answers workload forecast requests in both modes, counts and captures them."""

    def __init__(
        self,
        policies: PolicyHolder,
        forecasts: PublishedForecasts,
        capture: PredictionCapture,
        metrics: Metrics,
        threads: int = FORECAST_THREADS,
    ) -> None:
        self.policies, self.forecasts = policies, forecasts
        self.capture, self.metrics, self.threads = capture, metrics, threads
        self._limiter: anyio.CapacityLimiter | None = None

    async def answer(self, body: WorkloadForecastRequest, request_id: str) -> dict[str, Any]:
        """The response body; an `APIError` for what cannot be answered."""
        started = time.perf_counter()
        if self._limiter is None:  # made on the event loop that uses it
            self._limiter = anyio.CapacityLimiter(self.threads)
        try:
            answer, version = await anyio.to_thread.run_sync(
                self._answer, body, limiter=self._limiter
            )
        except Exception:
            self.metrics.prediction_errors.labels(self.policies.name).inc()
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        response = answer | {
            "request_id": request_id,
            "model_metadata": answer["model_metadata"]
            | {"processing_time_ms": round(elapsed_ms, 3)},
        }
        self.metrics.child(self.metrics.predictions, self.policies.name, version).inc()
        inputs = body.model_dump_json(exclude_none=True)
        self.capture.record(self.policies.name, version, request_id, inputs, response, elapsed_ms)
        return response

    def _answer(self, body: WorkloadForecastRequest) -> tuple[dict[str, Any], str]:
        """Blocking: the body without request id and timing, and the model version."""
        outcome = self._stored(body) if body.historical_data is None else self._on_the_fly(body)
        return respond(outcome, body.capacity_threshold), outcome.version or UNREGISTERED

    def _stored(self, body: WorkloadForecastRequest) -> Outcome:
        """The latest published forecast of `series_id`, cut to the horizon asked."""
        series_id = str(body.series_id)
        run = self.forecasts.latest_or_404()
        frame = self.forecasts.series(run, series_id)
        horizon = body.forecast_horizon or len(frame)
        if horizon > len(frame):
            raise APIError(
                400,
                "horizon_too_long",
                f"the stored forecast of {series_id!r} has {len(frame)} steps, not "
                f"{horizon}: ask for at most {len(frame)}, or send historical_data",
                {"forecast_horizon": horizon, "stored_steps": len(frame)},
            )
        summary = run.series[series_id]
        source = {
            "kind": "stored",
            "run_id": run.run_id,
            "created_at": run.created_at,
            "age_seconds": round(run.age_seconds(), 1),
            "dataset": run.dataset,
            "dataset_version": run.dataset_version,
        }
        return Outcome(
            series_id, frame.head(horizon), int(summary.step_seconds), summary.model,
            list(summary.members), summary.backtest_mase, run.model_version, source,
        )  # fmt: skip

    def _on_the_fly(self, body: WorkloadForecastRequest) -> Outcome:
        """The champion's method for the data's step, fitted on the request's history."""
        loaded = self.policies.current()
        series = prepared(body.historical_data or [])
        horizon = body.forecast_horizon or default_horizon(series.step)
        try:
            forecast = forecast_prepared(loaded.policy, series, horizon)
        except ValueError as error:
            raise refusal(error, "forecast_failed", 422) from error
        report = series.report
        source = {
            "kind": "on_the_fly",
            "history_points": report.points,
            "filled_points": report.interpolated_points + report.seasonal_filled_points,
        }
        return Outcome(
            None, forecast.to_frame(), int(series.step.total_seconds()), forecast.model,
            list(forecast.members), forecast.backtest_mase, loaded.version, source,
        )  # fmt: skip


def prepared(points: list[MetricPoint]) -> PreparedSeries:
    """The request's history on a regular grid; 400 naming what makes it unusable."""
    try:
        return prepare_series(
            HISTORY, [point.timestamp for point in points], [point.value for point in points]
        )
    except ValueError as error:
        raise refusal(error, "invalid_history", 400) from error


def refusal(error: ValueError, code: str, status: int) -> APIError:
    """The error for a history the forecasting core refused: too short is always the
    caller's (400); otherwise `code` with `status`."""
    message = str(error) if HISTORY in str(error) else f"series {HISTORY!r}: {error}"
    if "too short" in message:
        shorter = " or ask for a shorter forecast_horizon" if "backtest" in message else ""
        return APIError(400, "history_too_short", f"{message}: send more history{shorter}")
    return APIError(status, code, message)
