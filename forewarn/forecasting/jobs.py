"""The scheduled forecast as independent jobs: one per step for the global model, then one per
series, so that a task runner can fan the series out and a series that fails fails alone.

Each series' model is chosen on the earlier half of its origins and scored on the later half,
which the choice never saw (`held_out`: what the gate and MLflow report); the forecast that is
published is then made by the model chosen on every origin, calibrated on all their errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forewarn.forecasting.backtest import (
    BacktestPlan,
    SeriesBacktest,
    add_candidate,
    forecast_batch,
    history_at,
    start_backtest,
)
from forewarn.forecasting.candidates import BASELINE, Candidate, Forecast, make_candidates
from forewarn.forecasting.candidates.base import LEVELS
from forewarn.forecasting.intervals import calibrate
from forewarn.forecasting.metrics import coverage
from forewarn.forecasting.pipeline import SeriesForecast, chosen_forecast
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.selection import Choice, SelectionRule, combine, model_forecasts, select

GlobalResult = tuple[list[Forecast], Forecast]  # backtest forecasts per origin, latest forecast


@dataclass(frozen=True)
class SeriesOutcome:
    """One series' backtest, its chosen model, the held-out scores and the new forecast."""

    series_id: str
    step: pd.Timedelta
    backtest: SeriesBacktest
    choice: Choice
    held_out: dict[str, float]  # MASE per candidate and `selected`; `coverage_80`, `_95`
    forecast: SeriesForecast


def split_origins(count: int) -> tuple[list[int], list[int]]:
    """Earlier origins (to choose a model) and later ones (held out to score the choice)."""
    return list(range(count // 2)), list(range(count // 2, count))


def global_forecasts(
    series: Sequence[PreparedSeries], plan: BacktestPlan, candidate: Candidate
) -> dict[str, GlobalResult]:
    """A global candidate fitted across `series` at every origin and at their ends; series
    too short for the plan, or that it failed on, are left out (they fail alone later)."""
    backtests: dict[str, SeriesBacktest] = {}
    for item in series:
        try:
            backtests[item.series_id] = start_backtest(item, plan)
        except ValueError:
            continue
    usable = {s.series_id: s for s in series if s.series_id in backtests}
    if not usable:
        return {}
    add_candidate(backtests, usable, candidate, plan)
    histories = [history_at(s, len(s.values), plan.max_points) for s in usable.values()]
    latest = forecast_batch(candidate, histories, plan.horizon)
    return {
        series_id: (backtests[series_id].forecasts[candidate.name], forecast)
        for series_id, forecast in zip(usable, latest, strict=True)
        if candidate.name in backtests[series_id].forecasts and isinstance(forecast, Forecast)
    }


def forecast_series(
    series: PreparedSeries,
    plan: BacktestPlan,
    local: Sequence[str],
    rule: SelectionRule,
    global_results: dict[str, GlobalResult] | None = None,
) -> SeriesOutcome:
    """Backtest the `local` candidates on one series (with any global candidate's forecasts),
    choose, score the choice on held-out origins, and forecast from the series' end.
    ValueError naming the series when it is too short or no candidate could forecast it."""
    try:
        backtest = start_backtest(series, plan)
    except ValueError as error:
        raise ValueError(f"series {series.series_id!r}: {error}") from error
    candidates = make_candidates(local)
    for candidate in candidates:
        add_candidate({series.series_id: backtest}, {series.series_id: series}, candidate, plan)
    for name, (past, _) in (global_results or {}).items():
        backtest.forecasts[name] = past
    choice = select(backtest, rule=rule)
    latest = _latest(series, plan, candidates, choice, global_results or {})
    mean = combine(latest).mean if len(latest) > 1 else latest[0].mean
    history = history_at(series, len(series.values), plan.max_points)
    forecast = chosen_forecast(history, choice, mean)
    held_out = held_out_scores(backtest, rule)
    return SeriesOutcome(series.series_id, series.step, backtest, choice, held_out, forecast)


def held_out_scores(backtest: SeriesBacktest, rule: SelectionRule) -> dict[str, float]:
    """MASE on the later origins of every candidate and of the model chosen on the earlier
    ones, and the coverage there of intervals calibrated on the earlier errors."""
    early, late = split_origins(len(backtest.ends))
    scores = {name: backtest.mase(f, late) for name, f in backtest.forecasts.items()}
    if not early:  # one origin: nothing to choose on apart from what is scored
        return scores | {"selected": scores.get(BASELINE, float("nan"))}
    chosen = select(backtest, early, rule)
    forecasts = model_forecasts(backtest, chosen.members)
    calibration = calibrate(backtest.errors(forecasts)[early])
    scores["selected"] = backtest.mase(forecasts, late)
    for level in LEVELS:
        cover = []
        for origin in late:
            lower, upper = calibration.bounds(forecasts[origin].mean)[level]
            actual, seen = backtest.actuals[origin], backtest.observed[origin]
            cover.append(coverage(actual, lower, upper, seen))
        scores[f"coverage_{level}"] = float(np.nanmean(cover))
    return scores


def _latest(
    series: PreparedSeries,
    plan: BacktestPlan,
    candidates: Sequence[Candidate],
    choice: Choice,
    global_results: dict[str, GlobalResult],
) -> list[Forecast]:
    """Each chosen member's forecast from the series' end (global ones are already made)."""
    history = history_at(series, len(series.values), plan.max_points)
    forecasts = []
    for name in choice.members:
        if name in global_results:
            forecasts.append(global_results[name][1])
            continue
        candidate = next(c for c in candidates if c.name == name)
        result = forecast_batch(candidate, [history], plan.horizon)[0]
        if isinstance(result, Exception):
            raise ValueError(f"series {series.series_id!r}: {name} failed: {result}")
        forecasts.append(result)
    return forecasts


def members_score(backtest: SeriesBacktest, members: Sequence[str]) -> float:
    """Held-out MASE of a fixed model (members combined) on one series' later origins; NaN
    when one of them was not backtested there."""
    if any(name not in backtest.forecasts for name in members):
        return float("nan")
    _, late = split_origins(len(backtest.ends))
    return backtest.mase(model_forecasts(backtest, members), late)
