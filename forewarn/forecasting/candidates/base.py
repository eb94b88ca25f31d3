"""The candidate protocol: given histories up to an origin, forecast the next `horizon` steps.

A candidate takes a batch of histories so that a global model (one fit across many series)
and local models (one fit per series) share one interface; local ones loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from forewarn.forecasting.steps import mase_season

LEVELS: tuple[int, ...] = (80, 95)  # interval confidence levels, in percent


@dataclass(frozen=True)
class History:
    """A regular series up to a forecast origin (filled, no NaN), with its seasonal periods."""

    series_id: str
    values: np.ndarray
    start: pd.Timestamp
    step: pd.Timedelta
    seasons: tuple[int, ...]  # in steps, shortest first; detected on this history

    @property
    def season(self) -> int:
        """The shortest season (1 when none): the seasonal naive's and MASE's period."""
        return mase_season(self.seasons)

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=len(self.values), freq=self.step)

    def future_index(self, horizon: int) -> pd.DatetimeIndex:
        first = self.start + len(self.values) * self.step
        return pd.date_range(first, periods=horizon, freq=self.step)


Bounds = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Forecast:
    """Point forecast for the next steps, and the model's own intervals where it has them."""

    mean: np.ndarray
    native: dict[int, Bounds] = field(default_factory=dict)  # level -> (lower, upper)


class Candidate(Protocol):
    """Anything that forecasts a batch of histories."""

    name: str
    is_global: bool  # fitted across the batch (else each history alone)

    def forecast(self, histories: Sequence[History], horizon: int) -> list[Forecast]:
        """One forecast of `horizon` steps per history, fitted on that history only (or, for
        a global candidate, on all of them)."""
        ...


class LocalCandidate(ABC):
    """A candidate fitted on each series alone."""

    name: str
    is_global = False

    def forecast(self, histories: Sequence[History], horizon: int) -> list[Forecast]:
        return [self.forecast_one(history, horizon) for history in histories]

    @abstractmethod
    def forecast_one(self, history: History, horizon: int) -> Forecast:
        """Fit on `history` and forecast `horizon` steps."""
