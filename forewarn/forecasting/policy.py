"""How the `workload` champion forecasts a series it has never seen: a method per step.

A scheduled run chooses a model per series. For data that arrives with a request instead, the
champion's policy names, for each step it was trained on, the model its series chose most
often (ties: the lower mean backtest MASE). A request's series gets the method of the nearest
step; its intervals are calibrated on a short backtest of that method on the request's own
history, so they are in the series' units and as honest as the scheduled ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from forewarn.forecasting.backtest import (
    BacktestPlan,
    add_candidate,
    forecast_batch,
    history_at,
    start_backtest,
)
from forewarn.forecasting.candidates import FACTORIES, Forecast
from forewarn.forecasting.intervals import calibrate
from forewarn.forecasting.pipeline import SeriesForecast
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.selection import Choice, combine, model_forecasts

ON_THE_FLY_ORIGINS = 4  # a request's own backtest: enough errors to calibrate, cheap to run
ON_THE_FLY_MAX_POINTS = 2000  # each fit sees at most the latest points (bounds the cost)


@dataclass(frozen=True)
class StepMethod:
    """The model chosen for data of one step, and how it did there."""

    step_seconds: int
    model: str
    members: tuple[str, ...]  # candidates combined by their median (one: a single model)
    backtest_mase: float  # mean over the series of this step that chose it
    series: int  # how many series of this step chose it


@dataclass(frozen=True)
class WorkloadPolicy:
    """A method per step; `method_for` picks the nearest step's."""

    methods: tuple[StepMethod, ...]

    def method_for(self, step: pd.Timedelta) -> StepMethod:
        """The method of the step nearest to `step` (by ratio). ValueError when empty."""
        if not self.methods:
            raise ValueError("the workload policy has no method for any step")
        seconds = step.total_seconds()
        return min(self.methods, key=lambda m: abs(np.log(m.step_seconds / seconds)))

    def as_dict(self) -> dict[str, Any]:
        return {"methods": [asdict(method) for method in self.methods]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkloadPolicy:
        return cls(
            tuple(StepMethod(**(m | {"members": tuple(m["members"])})) for m in data["methods"])
        )


def policy_from(choices: dict[str, Choice], steps: dict[str, pd.Timedelta]) -> WorkloadPolicy:
    """Per step, the model its series chose most often (ties: lower mean backtest MASE)."""
    by_step: dict[int, list[Choice]] = {}
    for series_id, choice in choices.items():
        by_step.setdefault(int(steps[series_id].total_seconds()), []).append(choice)
    methods = []
    for seconds, group in sorted(by_step.items()):
        votes = Counter(choice.members for choice in group)
        scores = {
            members: float(np.mean([c.score for c in group if c.members == members]))
            for members in votes
        }
        members = min(votes, key=lambda m: (-votes[m], scores[m]))
        model = next(c.model for c in group if c.members == members)
        methods.append(StepMethod(seconds, model, members, scores[members], votes[members]))
    return WorkloadPolicy(tuple(methods))


def forecast_prepared(
    policy: WorkloadPolicy, series: PreparedSeries, horizon: int
) -> SeriesForecast:
    """Forecast a request's series with the policy's method for its step, intervals
    calibrated on a short backtest of that method on the series itself. ValueError when the
    series is too short for that backtest or the method fails on it."""
    method = policy.method_for(series.step)
    plan = BacktestPlan(horizon, ON_THE_FLY_ORIGINS, max_points=ON_THE_FLY_MAX_POINTS)
    backtest = start_backtest(series, plan)  # ValueError naming the points needed
    candidates = [FACTORIES[name]() for name in method.members]
    for candidate in candidates:
        add_candidate({series.series_id: backtest}, {series.series_id: series}, candidate, plan)
    if backtest.failures:
        raise ValueError(f"{method.model} cannot forecast this series: {backtest.failures}")
    past = model_forecasts(backtest, method.members)
    calibration = calibrate(backtest.errors(past))
    history = history_at(series, len(series.values), plan.max_points)
    latest = [forecast_batch(c, [history], horizon)[0] for c in candidates]
    failed = [str(result) for result in latest if isinstance(result, Exception)]
    if failed:
        raise ValueError(f"{method.model} cannot forecast this series: {failed}")
    mean = _combined(latest).mean
    return SeriesForecast(
        series.series_id,
        method.model,
        method.members,
        history.future_index(horizon),
        mean,
        calibration.bounds(mean),
        backtest.mase(past),
    )


def _combined(forecasts: Sequence[Forecast | Exception]) -> Forecast:
    usable = [f for f in forecasts if isinstance(f, Forecast)]
    return usable[0] if len(usable) == 1 else combine(usable)
