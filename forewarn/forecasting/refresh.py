"""The cheap refresh of a scheduled forecast: each series' stored choice refitted on its latest
history, with no backtest (intervals from the stored calibration). A global member is fitted
once per step over the series that use it, then handed to each series' job as a fixed result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from forewarn.forecasting.backtest import BacktestPlan, forecast_batch, history_at
from forewarn.forecasting.candidates import (
    Candidate,
    Forecast,
    GlobalBoosted,
    History,
    make_candidates,
)
from forewarn.forecasting.pipeline import SeriesForecast, forecast_chosen
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.store import PublishedRun, StoredChoice

MAX_POINTS = BacktestPlan(1).max_points  # the same history a full run's forecast sees
RESELECT_AFTER_SECONDS = 24 * 3600.0  # stored choices older than this are chosen again


@dataclass
class Precomputed:
    """A candidate whose forecast was already made (a global model fitted once per step)."""

    name: str
    result: Forecast | Exception
    is_global: bool = False

    def forecast(self, histories: Sequence[History], horizon: int) -> list[Forecast]:
        if isinstance(self.result, Exception):
            raise self.result
        return [self.result for _ in histories]


def reusable_choices(
    run: PublishedRun | None,
    stored: Mapping[str, StoredChoice],
    dataset: tuple[str, str],
    now: datetime | None = None,
) -> Mapping[str, StoredChoice]:
    """The stored choices a run may reuse: none when there is no run, it is older than
    `RESELECT_AFTER_SECONDS`, or it was made from another dataset. A newer version of the same
    dataset is what an hourly refresh is for (new points), so it does not force a reselection."""
    if run is None or run.dataset != dataset[0]:
        return {}
    return stored if run.age_seconds(now or datetime.now(UTC)) < RESELECT_AFTER_SECONDS else {}


def fits_plan(stored: StoredChoice | None, series: PreparedSeries, horizon: int) -> bool:
    """Whether a stored choice was made for this series' step and this horizon."""
    return (
        stored is not None
        and stored.step_seconds == series.step.total_seconds()
        and stored.horizon == horizon
    )


def refresh_global(
    series: Sequence[PreparedSeries], horizon: int
) -> dict[str, Forecast | Exception]:
    """The global model fitted once across `series` (those of one step that use it), by id."""
    histories = [history_at(s, len(s.values), MAX_POINTS) for s in series]
    results = forecast_batch(GlobalBoosted(), histories, horizon)
    return {s.series_id: result for s, result in zip(series, results, strict=True)}


def refresh_series(
    series: PreparedSeries,
    stored: StoredChoice,
    fixed: Mapping[str, Forecast | Exception] | None = None,
) -> SeriesForecast:
    """Refit one series' chosen members (those in `fixed` are already made) on its latest
    history and forecast the stored horizon. ValueError naming the series when one fails."""
    members = [name for name in stored.choice.members if name not in (fixed or {})]
    candidates: list[Candidate] = [
        c for c in make_candidates(members) if c.name in stored.choice.members
    ]
    candidates += [Precomputed(name, result) for name, result in (fixed or {}).items()]
    forecasts, failures = forecast_chosen(
        [series], {series.series_id: stored.choice}, candidates, stored.horizon, MAX_POINTS
    )
    if failures:
        raise ValueError(failures[series.series_id])
    return forecasts[series.series_id]
