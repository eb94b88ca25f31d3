"""Peak utilisation of a system's resources from the latest published workload forecasts.

Convention: the scheduled flow `forecast-workload` forecasts a system's utilisation in series
named `<system_id>/<metric>`, in percent (0-100) like Forewarn's telemetry; the metric names of
each optimised resource are in `RESOURCE_METRICS` (e.g. `prod-cluster-01/cpu_utilization` for
`cpu_cores`). A resource's peak is the highest upper 80 % bound over the forecast's horizon."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from forewarn.storage import StorageError
from serving.errors import APIError
from serving.published_forecasts import PublishedForecasts

log = logging.getLogger(__name__)
RESOURCE_METRICS: dict[str, tuple[str, ...]] = {
    "cpu_cores": ("cpu_utilization", "cpu_cores"),
    "memory_gb": ("memory_usage", "memory_utilization", "memory_gb"),
    "gpu_count": ("gpu_utilization", "gpu_count"),
    "storage_gb": ("disk_usage", "storage_utilization", "storage_gb"),
}
MAX_PEAK = 1.5  # as for peaks scaled from today's utilisation


@dataclass(frozen=True)
class ForecastPeak:
    """A resource's forecast peak utilisation (a fraction) and the forecast it comes from."""

    series_id: str
    peak: float
    steps: int
    run_id: str
    age_seconds: float

    def note(self, resource: str) -> str:
        """The assumption the peak stands for, as the response says it."""
        return (
            f"{resource} peak utilisation {self.peak:.0%} is the upper 80% band of the "
            f"published forecast of {self.series_id} over its {self.steps} steps (run "
            f"{self.run_id}, {self.age_seconds / 60:.0f} min old)"
        )


def forecast_peaks(
    system_id: str, resources: Iterable[str], forecasts: PublishedForecasts
) -> dict[str, ForecastPeak]:
    """The peak of each resource the latest run forecast for `system_id` (none when no run
    was published or the store cannot be read: the caller then assumes as before)."""
    try:
        run = forecasts.latest()
        if run is None:
            return {}
        peaks = {}
        for resource in resources:
            names = (f"{system_id}/{metric}" for metric in RESOURCE_METRICS.get(resource, ()))
            series_id = next((name for name in names if name in run.series), None)
            if series_id is None:
                continue
            frame = forecasts.series(run, series_id)
            peak = min(max(float(frame["upper_80"].max()) / 100, 0.0), MAX_PEAK)
            peaks[resource] = ForecastPeak(
                series_id, peak, len(frame), run.run_id, run.age_seconds()
            )
        return peaks
    except (StorageError, APIError) as error:
        log.warning("published forecasts unreadable, optimising without them: %s", error)
        return {}
