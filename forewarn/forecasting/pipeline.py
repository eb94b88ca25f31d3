"""Forecasts from chosen models: refit each series' chosen members on its latest history and
forecast with the choice's calibrated bands (`forewarn.forecasting.jobs` chooses them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forewarn.forecasting.backtest import (
    forecast_batch,
    history_at,
)
from forewarn.forecasting.candidates import Bounds, Candidate, Forecast, History
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.forecasting.selection import Choice, combine


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
        forecasts[series_id] = chosen_forecast(history, choice, mean)
    return forecasts, failures


def chosen_forecast(history: History, choice: Choice, mean: np.ndarray) -> SeriesForecast:
    """`mean` from the end of `history` with the choice's calibrated bands, clipped at zero
    where the history never went below it (counts, utilisation)."""
    floor = 0.0 if history.values.min() >= 0 else -np.inf
    bounds = {
        level: (np.maximum(lower, floor), np.maximum(upper, floor))
        for level, (lower, upper) in choice.calibration.bounds(mean).items()
    }
    timestamps = history.future_index(len(mean))
    return SeriesForecast(
        history.series_id, choice.model, choice.members, timestamps, mean, bounds, choice.score
    )


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
