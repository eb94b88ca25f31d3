"""A global gradient-boosted model: one XGBoost fitted across every series of the batch.

Direct multi-step: each training row is (origin, steps ahead) with the features of
`gbm_features`, so a forecast of h steps is one prediction of h rows and errors do not
compound as in a recursive model. Origins and steps are sampled (seeded) to bound the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from forewarn.forecasting.candidates.base import Forecast, History
from forewarn.forecasting.candidates.gbm_features import Normalised, feature_rows

if TYPE_CHECKING:
    from xgboost import Booster


@dataclass(frozen=True)
class BoostingConfig:
    """Sampling and booster settings, chosen once for every input."""

    origins_per_series: int = 96
    steps_per_origin: int = 24
    min_origin: int = 24  # the first origins have too little past to learn from
    trees: int = 300
    depth: int = 6
    learning_rate: float = 0.05
    threads: int = 1  # two OpenMP threads beside other work on 2 cores ran 5x slower
    seed: int = 0


class GlobalBoosted:
    """Fit one booster on samples of all histories, then forecast each of them."""

    name = "global_xgb"
    is_global = True

    def __init__(self, config: BoostingConfig | None = None) -> None:
        self.config = config or BoostingConfig()

    def forecast(self, histories: Sequence[History], horizon: int) -> list[Forecast]:
        series = [Normalised.of(history) for history in histories]
        booster = self._fit(series, horizon)
        ahead = np.arange(1, horizon + 1)
        forecasts = []
        for item in series:
            origins = np.full(horizon, len(item.history.values) - 1)
            predicted = booster.inplace_predict(feature_rows(item, origins, ahead))
            mean = item.level[-1] + item.scale * np.asarray(predicted, np.float64)
            forecasts.append(Forecast(mean))
        return forecasts

    def _fit(self, series: Sequence[Normalised], horizon: int) -> Booster:
        import xgboost

        rng = np.random.default_rng(self.config.seed)
        parts = [self._samples(item, horizon, rng) for item in series]
        features = np.concatenate([p[0] for p in parts])
        targets = np.concatenate([p[1] for p in parts])
        params = {
            "objective": "reg:absoluteerror",
            "max_depth": self.config.depth,
            "eta": self.config.learning_rate,
            "nthread": self.config.threads,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "seed": self.config.seed,
        }
        matrix = xgboost.DMatrix(features, label=targets)
        return xgboost.train(params, matrix, num_boost_round=self.config.trees)

    def _samples(
        self, item: Normalised, horizon: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sampled (origin, steps ahead) rows whose target lies inside the history."""
        last = len(item.history.values) - 2
        first = min(self.config.min_origin, last)
        origins = rng.integers(first, last + 1, size=self.config.origins_per_series)
        origins = np.repeat(origins, self.config.steps_per_origin)
        ahead = rng.integers(1, horizon + 1, size=len(origins))
        ahead = np.minimum(ahead, len(item.history.values) - 1 - origins)
        return feature_rows(item, origins, ahead), item.target(origins, ahead)
