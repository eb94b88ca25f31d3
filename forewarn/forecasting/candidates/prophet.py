"""Prophet with its defaults (the model card's library). Imported on first use only: the import
alone costs about a second and pulls in cmdstanpy."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from forewarn.forecasting.candidates.base import LEVELS, Forecast, History, LocalCandidate


@cache
def _prophet_class() -> Any:
    """Prophet's model class, with its chatty loggers quieted (cmdstanpy sets up its logger on
    first use, so it is set up here and then turned down)."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)  # "plotly failed": not used
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    get_logger().setLevel(logging.WARNING)
    return Prophet


class Prophet(LocalCandidate):
    """Prophet() as a user would call it; native intervals from its predictive samples."""

    name = "prophet"

    def forecast_one(self, history: History, horizon: int) -> Forecast:
        model = _prophet_class()()
        frame = pd.DataFrame({"ds": history.index.tz_localize(None), "y": history.values})
        model.fit(frame)
        future = pd.DataFrame({"ds": history.future_index(horizon).tz_localize(None)})
        mean = model.predict(future)["yhat"].to_numpy(np.float64)
        samples = model.predictive_samples(future)["yhat"]
        native = {
            level: (
                np.quantile(samples, 0.5 - level / 200, axis=1),
                np.quantile(samples, 0.5 + level / 200, axis=1),
            )
            for level in LEVELS
        }
        return Forecast(mean, native)
