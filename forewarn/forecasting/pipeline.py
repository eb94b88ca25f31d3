"""The whole job for a batch of prepared series: backtest every candidate, choose each series'
model, and forecast from the end of each series with calibrated intervals.

Series are grouped by step (one plan and one global model per step). A series that cannot be
backtested (too short) or whose every candidate failed is reported in `failures`, and the
rest go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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
from forewarn.forecasting.candidates import Bounds, Candidate, Forecast, History, make_candidates
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.selection import Choice, SelectionRule, combine, select
from forewarn.forecasting.steps import default_horizon

DEFAULT_RULE = SelectionRule()


@dataclass(frozen=True)
class SeriesForecast:
    """The forecast of one series from its end, with the model that made it."""

    series_id: str
    model: str
    members: tuple[str, ...]
    timestamps: pd.DatetimeIndex
    mean: np.ndarray
    bounds: dict[int, Bounds]  # level -> (lower, upper), calibrated
    backtest_mase: float

    def to_frame(self) -> pd.DataFrame:
        """One row per step: timestamp, series_id, model, mean, lower_80, upper_80, ..."""
        columns = {
            "timestamp": self.timestamps,
            "series_id": self.series_id,
            "model": self.model,
            "mean": self.mean,
        }
        for level, (lower, upper) in sorted(self.bounds.items()):
            columns |= {f"lower_{level}": lower, f"upper_{level}": upper}
        return pd.DataFrame(columns)


@dataclass
class WorkloadRun:
    """Everything a run produced, per series id."""

    backtests: dict[str, SeriesBacktest] = field(default_factory=dict)
    choices: dict[str, Choice] = field(default_factory=dict)
    forecasts: dict[str, SeriesForecast] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # series id -> why it has none


def forecast_workload(
    series: Sequence[PreparedSeries],
    horizon: int | None = None,
    candidates: Sequence[str] | None = None,
    origins: int = 8,
    rule: SelectionRule = DEFAULT_RULE,
) -> WorkloadRun:
    """Backtest, select and forecast every series; `horizon` defaults per step."""
    run = WorkloadRun()
    for step_series in _by_step(series).values():
        plan = BacktestPlan(horizon or default_horizon(step_series[0].step), origins)
        usable = _start(step_series, plan, run)
        models = make_candidates(candidates)
        for candidate in models if usable else []:
            add_candidate(run.backtests, usable, candidate, plan)
        for series_id in usable:
            _choose(run, series_id, rule)
        chosen = [s for i, s in usable.items() if i in run.choices]
        forecasts, failures = forecast_chosen(
            chosen, run.choices, models, plan.horizon, plan.max_points
        )
        run.forecasts |= forecasts
        run.failures |= failures
    return run


def _by_step(series: Sequence[PreparedSeries]) -> dict[pd.Timedelta, list[PreparedSeries]]:
    groups: dict[pd.Timedelta, list[PreparedSeries]] = {}
    for item in series:
        groups.setdefault(item.step, []).append(item)
    return groups


def _start(
    series: Sequence[PreparedSeries], plan: BacktestPlan, run: WorkloadRun
) -> dict[str, PreparedSeries]:
    """Start each series' backtest; too-short ones go to `failures`."""
    usable = {}
    for item in series:
        try:
            run.backtests[item.series_id] = start_backtest(item, plan)
            usable[item.series_id] = item
        except ValueError as error:
            run.failures[item.series_id] = f"series {item.series_id!r}: {error}"
    return usable


def _choose(run: WorkloadRun, series_id: str, rule: SelectionRule) -> None:
    try:
        run.choices[series_id] = select(run.backtests[series_id], rule=rule)
    except ValueError as error:
        run.failures[series_id] = str(error)


def forecast_chosen(
    series: Sequence[PreparedSeries],
    choices: Mapping[str, Choice],
    candidates: Sequence[Candidate],
    horizon: int,
    max_points: int = 5000,
) -> tuple[dict[str, SeriesForecast], dict[str, str]]:
    """Fit each series' chosen model on its latest history and forecast `horizon` steps, with
    the choice's calibrated bands (clipped at zero where the history never went below). A
    global candidate is fitted once on every series in `series`, local ones only where chosen.
    Returns the forecasts, and why a series has none (a member failed on this history)."""
    histories = {s.series_id: history_at(s, len(s.values), max_points) for s in series}
    outputs = _member_forecasts(histories, choices, candidates, horizon)
    forecasts, failures = {}, {}
    for series_id, history in histories.items():
        choice = choices[series_id]
        members = [outputs[series_id][name] for name in choice.members]
        errors = [str(m) for m in members if isinstance(m, Exception)]
        if errors:
            failures[series_id] = f"series {series_id!r}: {'; '.join(errors)}"
            continue
        mean = combine([m for m in members if isinstance(m, Forecast)]).mean
        floor = 0.0 if history.values.min() >= 0 else -np.inf
        bounds = {
            level: (np.maximum(lower, floor), np.maximum(upper, floor))
            for level, (lower, upper) in choice.calibration.bounds(mean).items()
        }
        forecasts[series_id] = SeriesForecast(
            series_id, choice.model, choice.members, history.future_index(horizon), mean,
            bounds, choice.score,
        )  # fmt: skip
    return forecasts, failures


def _member_forecasts(
    histories: Mapping[str, History],
    choices: Mapping[str, Choice],
    candidates: Sequence[Candidate],
    horizon: int,
) -> dict[str, dict[str, Forecast | Exception]]:
    """Per series, the forecast of each candidate its choice combines."""
    outputs: dict[str, dict[str, Forecast | Exception]] = {i: {} for i in histories}
    for candidate in candidates:
        wanted = [i for i in histories if candidate.name in choices[i].members]
        batch = list(histories) if candidate.is_global and wanted else wanted
        results = forecast_batch(candidate, [histories[i] for i in batch], horizon)
        for series_id, result in zip(batch, results, strict=True):
            outputs[series_id][candidate.name] = result
    return outputs
