"""Rolling-origin backtest: every candidate forecasts from several origins at the end of each
series, fitted only on the data before the origin; errors are kept per origin and step ahead.

Origins are counted from the end (origin -1 is the latest), so that a batch of series of
different lengths shares them, and a global candidate is fitted once per origin on all series.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forewarn.forecasting.candidates.base import Candidate, Forecast, History
from forewarn.forecasting.metrics import mase, mase_scale
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.steps import detect_seasons


@dataclass(frozen=True)
class BacktestPlan:
    """Where the origins lie and how much history each fit sees (one plan for all series)."""

    horizon: int
    origins: int = 8
    spacing: int | None = None  # steps between origins; default: the horizon
    max_points: int = 5000  # each fit sees at most the latest points (bounds the cost)
    min_fit_points: int = 48  # the earliest fit needs at least this much history

    def ends(self, length: int) -> list[int]:
        """End (exclusive) of the history at each origin, oldest first. ValueError when the
        series is too short for even one origin."""
        spacing = self.spacing or self.horizon
        needed = max(self.min_fit_points, 2 * self.horizon) + self.horizon
        count = min(self.origins, 1 + (length - needed) // spacing) if length >= needed else 0
        if count < 1:
            raise ValueError(
                f"too short: {length} points, a backtest of {self.horizon} steps "
                f"ahead needs at least {needed}"
            )
        last = length - self.horizon
        return [last - spacing * k for k in range(count - 1, -1, -1)]


def history_at(series: PreparedSeries, end: int, max_points: int) -> History:
    """The series' history before position `end` (at most `max_points` of it)."""
    begin = max(0, end - max_points)
    values = series.values[begin:end]
    return History(
        series.series_id,
        values,
        series.start + begin * series.step,
        series.step,
        detect_seasons(series.step, len(values)),
    )


@dataclass
class SeriesBacktest:
    """The backtest of one series: actuals per origin, and each candidate's forecasts."""

    series_id: str
    ends: list[int]
    actuals: np.ndarray  # origins x horizon
    observed: np.ndarray  # origins x horizon, bool
    scales: np.ndarray  # MASE scale of the history at each origin
    forecasts: dict[str, list[Forecast]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # fit + forecast time, all origins
    failures: dict[str, str] = field(default_factory=dict)  # candidate -> error message

    def errors(self, forecasts: Sequence[Forecast]) -> np.ndarray:
        """actual - forecast per origin and step ahead; NaN where the actual was not observed."""
        means = np.vstack([f.mean for f in forecasts])
        return np.where(self.observed, self.actuals - means, np.nan)

    def mase(self, forecasts: Sequence[Forecast], origins: Sequence[int] | None = None) -> float:
        """Mean over the chosen origins (indices into `ends`) of the per-origin MASE."""
        chosen = range(len(self.ends)) if origins is None else origins
        scores = [
            mase(self.actuals[o], forecasts[o].mean, self.scales[o], self.observed[o])
            for o in chosen
        ]
        return float(np.nanmean(scores))


def start_backtest(series: PreparedSeries, plan: BacktestPlan) -> SeriesBacktest:
    """The empty backtest of `series`: origins, actuals and scales, no forecasts yet."""
    ends = plan.ends(len(series.values))
    window = [slice(end, end + plan.horizon) for end in ends]
    season = min(detect_seasons(series.step, min(ends[0], plan.max_points)), default=1)
    scales = [
        mase_scale(
            series.values[max(0, e - plan.max_points) : e],
            season,
            series.observed[max(0, e - plan.max_points) : e],
        )
        for e in ends
    ]
    return SeriesBacktest(
        series.series_id,
        ends,
        np.vstack([series.values[w] for w in window]),
        np.vstack([series.observed[w] for w in window]),
        np.array(scales),
    )


def run_backtest(
    series: Sequence[PreparedSeries], candidates: Sequence[Candidate], plan: BacktestPlan
) -> dict[str, SeriesBacktest]:
    """Backtest every candidate on every series; a candidate that fails on a series is
    recorded in that series' `failures` and left out of its selection."""
    by_id = {s.series_id: s for s in series}
    backtests = {s.series_id: start_backtest(s, plan) for s in series}
    for candidate in candidates:
        add_candidate(backtests, by_id, candidate, plan)
    return backtests


def add_candidate(
    backtests: dict[str, SeriesBacktest],
    series: dict[str, PreparedSeries],
    candidate: Candidate,
    plan: BacktestPlan,
) -> None:
    """Run one candidate at every origin (origin -1 is the latest for every series)."""
    depth = max(len(b.ends) for b in backtests.values())
    for back in range(depth, 0, -1):
        ids = [
            i
            for i, b in backtests.items()
            if len(b.ends) >= back and candidate.name not in b.failures
        ]
        histories = [history_at(series[i], backtests[i].ends[-back], plan.max_points) for i in ids]
        batches = [histories] if candidate.is_global else [[h] for h in histories]
        for batch in batches:
            started = time.perf_counter()
            results = forecast_batch(candidate, batch, plan.horizon)
            share = (time.perf_counter() - started) / len(batch)
            for history, result in zip(batch, results, strict=True):
                _record(backtests[history.series_id], candidate.name, result, share)


def _record(
    backtest: SeriesBacktest, name: str, result: Forecast | Exception, seconds: float
) -> None:
    if isinstance(result, Exception):
        backtest.failures[name] = f"{type(result).__name__}: {result}"
        backtest.forecasts.pop(name, None)
        return
    backtest.forecasts.setdefault(name, []).append(result)
    backtest.seconds[name] = backtest.seconds.get(name, 0.0) + seconds


def forecast_batch(
    candidate: Candidate, histories: Sequence[History], horizon: int
) -> list[Forecast | Exception]:
    """The candidate's forecasts, clipped at zero for series that never went below it (counts,
    utilisation). When a batch fails, each history alone, so that one bad series fails alone."""
    try:
        results: list[Forecast | Exception] = list(candidate.forecast(histories, horizon))
    except Exception as error:
        if len(histories) == 1:
            return [error]
        results = [_single(candidate, history, horizon) for history in histories]
    return [_clip(h, r) for h, r in zip(histories, results, strict=True)]


def _single(candidate: Candidate, history: History, horizon: int) -> Forecast | Exception:
    try:
        return candidate.forecast([history], horizon)[0]
    except Exception as error:
        return error


def _clip(history: History, result: Forecast | Exception) -> Forecast | Exception:
    if isinstance(result, Exception):
        return result
    if not np.isfinite(result.mean).all():
        return ValueError("the forecast has NaN or infinite values")
    if history.values.min() < 0:
        return result
    native = {k: (np.maximum(lo, 0), np.maximum(hi, 0)) for k, (lo, hi) in result.native.items()}
    return Forecast(np.maximum(result.mean, 0), native)
