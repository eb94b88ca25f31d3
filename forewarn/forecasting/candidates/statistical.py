"""statsforecast's AutoETS, AutoTheta and MSTL (imported on first use: they pull in numba)."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from forewarn.forecasting.candidates.base import LEVELS, Forecast, History, LocalCandidate

MAX_ETS_SEASON = 24  # as forecast::ets: above it a seasonal ETS has too many states to fit


class _StatsForecastCandidate(LocalCandidate):
    """Fit a statsforecast model on the history divided by its mean absolute value (Theta's
    optimiser took 5x longer on values in the 100,000s), native intervals from the model."""

    @abstractmethod
    def model(self, history: History) -> Any:
        """The statsforecast model for this history (its season decided here)."""

    def forecast_one(self, history: History, horizon: int) -> Forecast:
        scale = float(np.abs(history.values).mean()) or 1.0
        result = self.model(history).forecast(
            y=history.values / scale, h=horizon, level=list(LEVELS)
        )
        native = {
            level: (scale * result[f"lo-{level}"], scale * result[f"hi-{level}"])
            for level in LEVELS
        }
        return Forecast(scale * np.asarray(result["mean"], np.float64), native)


class AutoETS(_StatsForecastCandidate):
    """Exponential smoothing, components chosen by AICc; seasonal when the season is at most
    MAX_ETS_SEASON steps (a 5-minute daily season of 288 costs ~40 s a fit and rarely wins)."""

    name = "auto_ets"

    def model(self, history: History) -> Any:
        from statsforecast.models import AutoETS as Model

        season = history.season if history.season <= MAX_ETS_SEASON else 1
        return Model(season_length=season)


class AutoTheta(_StatsForecastCandidate):
    """Theta models on the seasonally adjusted series (classical decomposition)."""

    name = "auto_theta"

    def model(self, history: History) -> Any:
        from statsforecast.models import AutoTheta as Model

        return Model(season_length=history.season)


class MSTL(_StatsForecastCandidate):
    """STL decomposition with every detected season, ETS on the trend; plain ETS without
    seasons. The trend and low-pass smoothers are evaluated every tenth of the shortest
    season and interpolated between (as R's stl does by default): a weekly season of 5-minute
    data took 11 s a fit, 0.5 s so."""

    name = "mstl"

    def model(self, history: History) -> Any:
        from statsforecast.models import MSTL as Model
        from statsforecast.models import AutoETS as Trend

        if not history.seasons:
            return Trend(model="ZZN")
        jump = max(1, -(-history.season // 10))
        return Model(
            season_length=list(history.seasons),
            trend_forecaster=Trend(model="ZZN"),
            stl_kwargs={"trend_jump": jump, "low_pass_jump": jump},
        )
