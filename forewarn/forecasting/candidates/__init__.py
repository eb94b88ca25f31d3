"""The forecasting candidates, by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from forewarn.forecasting.candidates.base import (
    LEVELS,
    Bounds,
    Candidate,
    Forecast,
    History,
    LocalCandidate,
)
from forewarn.forecasting.candidates.gbm import BoostingConfig, GlobalBoosted
from forewarn.forecasting.candidates.naive import SeasonalNaive
from forewarn.forecasting.candidates.prophet import Prophet
from forewarn.forecasting.candidates.statistical import MSTL, AutoETS, AutoTheta

FACTORIES: dict[str, Callable[[], Candidate]] = {
    "seasonal_naive": SeasonalNaive,
    "prophet": Prophet,
    "auto_ets": AutoETS,
    "auto_theta": AutoTheta,
    "mstl": MSTL,
    "global_xgb": GlobalBoosted,
}
BASELINE = "seasonal_naive"


def make_candidates(names: Sequence[str] | None = None) -> list[Candidate]:
    """New candidates by name (default: all); ValueError naming unknown ones. The baseline
    is always included: the gate and MASE compare against it."""
    chosen = list(FACTORIES) if names is None else list(dict.fromkeys([BASELINE, *names]))
    unknown = [name for name in chosen if name not in FACTORIES]
    if unknown:
        raise ValueError(f"unknown candidate(s) {unknown}; known: {sorted(FACTORIES)}")
    return [FACTORIES[name]() for name in chosen]


__all__ = [
    "BASELINE",
    "FACTORIES",
    "LEVELS",
    "MSTL",
    "AutoETS",
    "AutoTheta",
    "BoostingConfig",
    "Bounds",
    "Candidate",
    "Forecast",
    "GlobalBoosted",
    "History",
    "LocalCandidate",
    "Prophet",
    "SeasonalNaive",
    "make_candidates",
]
