"""The scheduled flow's published workload forecasts, as the API reads them: the `latest`
pointer on every call (a small JSON object), each run's Parquet once (kept for the latest run
only, split by series)."""

from __future__ import annotations

import threading

import pandas as pd

from forewarn.forecasting import store as published
from forewarn.forecasting.store import PublishedRun
from forewarn.storage import ObjectStore
from serving.errors import APIError

SHOWN_SERIES = 20  # series named in a 404 for an unknown one


class PublishedForecasts:
    """Published runs and their per-series forecasts (rows in time order)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._cached: tuple[str, dict[str, pd.DataFrame]] | None = None  # run id, frames
        self._lock = threading.Lock()

    def latest(self) -> PublishedRun | None:
        """The newest published run, or None before the first. Blocking."""
        return published.latest(self.store)

    def latest_or_404(self) -> PublishedRun:
        run = self.latest()
        if run is None:
            raise APIError(
                404,
                "forecast_not_found",
                "no workload forecast has been published yet: run the forecast-workload flow, "
                "or send historical_data to forecast on the fly",
            )
        return run

    def series(self, run: PublishedRun, series_id: str) -> pd.DataFrame:
        """The run's forecast of `series_id`: 404 naming it and the series the run has."""
        frame = self._frames(run).get(series_id) if series_id in run.series else None
        if frame is None or frame.empty:
            known = sorted(run.series)
            shown = ", ".join(known[:SHOWN_SERIES]) + (" ..." if len(known) > SHOWN_SERIES else "")
            raise APIError(
                404,
                "series_not_found",
                f"series {series_id!r} is not in the latest forecast run {run.run_id}, which "
                f"has {len(known)} series: {shown or 'none'}",
                {"series_id": series_id, "run_id": run.run_id, "series_count": len(known)},
            )
        return frame

    def _frames(self, run: PublishedRun) -> dict[str, pd.DataFrame]:
        cached = self._cached
        if cached is not None and cached[0] == run.run_id:
            return cached[1]
        with self._lock:
            cached = self._cached
            if cached is None or cached[0] != run.run_id:
                frame = self.store.get_parquet(run.forecasts_key)
                frames = {
                    str(series_id): rows.sort_values("timestamp").reset_index(drop=True)
                    for series_id, rows in frame.groupby("series_id", sort=False)
                }
                cached = self._cached = (run.run_id, frames)
        return cached[1]
