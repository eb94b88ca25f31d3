"""Choose each series' model from its backtest, and calibrate that model's intervals.

The rule is the same for every series (`SelectionRule`). By default the model is the median
of every candidate but the worst on the backtest: on the bundled real series, picking each
series' single best candidate from a few origins lost to combining them (held-out mean MASE
0.84 against 0.69; benchmarks/forecasting.py prints the comparison), because the best of six
on four origins is mostly luck, while a median cancels the candidates' independent misses.
The benchmark chooses the origins so that selection never sees the origins it is scored on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forewarn.forecasting.backtest import SeriesBacktest
from forewarn.forecasting.candidates.base import Forecast
from forewarn.forecasting.intervals import IntervalCalibration, calibrate

ENSEMBLE = "ensemble"


@dataclass(frozen=True)
class SelectionRule:
    """How a model is chosen (once for all series)."""

    combine: bool = True  # the median of the candidates; False: the single best
    drop_worst: int = 1  # candidates left out of the median, worst backtest MASE first
    single_margin: float = 0.0  # > 0: the best single model wins when its MASE is this
    # fraction below the median's (a clearly better model is not diluted)


@dataclass(frozen=True)
class Choice:
    """The model chosen for one series, its backtest scores and its interval calibration."""

    series_id: str
    model: str  # a candidate's name, or ENSEMBLE
    members: tuple[str, ...]  # candidates whose forecasts are combined (just `model` if single)
    mase: dict[str, float]  # mean MASE over the selection origins, per candidate and model
    calibration: IntervalCalibration

    @property
    def score(self) -> float:
        """The chosen model's backtest MASE."""
        return self.mase[self.model]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (for MLflow or the object store); `from_dict` reads it back, so that a
        later run can refit the chosen model without backtesting again."""
        return {
            "series_id": self.series_id,
            "model": self.model,
            "members": list(self.members),
            "mase": self.mase,
            "calibration": self.calibration.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        return cls(
            data["series_id"],
            data["model"],
            tuple(data["members"]),
            dict(data["mase"]),
            IntervalCalibration.from_dict(data["calibration"]),
        )


def combine(forecasts: Sequence[Forecast]) -> Forecast:
    """The median of several forecasts (the mean of two); no native intervals."""
    return Forecast(np.median(np.vstack([f.mean for f in forecasts]), axis=0))


def model_forecasts(backtest: SeriesBacktest, members: Sequence[str]) -> list[Forecast]:
    """Per origin, the forecast of a single candidate or the combination of several."""
    if len(members) == 1:
        return backtest.forecasts[members[0]]
    per_origin = zip(*(backtest.forecasts[m] for m in members), strict=True)
    return [combine(list(group)) for group in per_origin]


def select(
    backtest: SeriesBacktest,
    origins: Sequence[int] | None = None,
    rule: SelectionRule = SelectionRule(),
) -> Choice:
    """The model for this series from its backtest at `origins` (default: all), calibrated
    on the errors of its own forecasts there. ValueError when every candidate failed."""
    scores = {
        name: backtest.mase(forecasts, origins) for name, forecasts in backtest.forecasts.items()
    }
    ranked = sorted((n for n, s in scores.items() if np.isfinite(s)), key=scores.__getitem__)
    if not ranked:
        raise ValueError(
            f"series {backtest.series_id!r}: no candidate produced a forecast ({backtest.failures})"
        )
    members = tuple(ranked[: max(2, len(ranked) - rule.drop_worst)])
    model = ENSEMBLE if rule.combine and len(members) > 1 else ranked[0]
    members = members if model == ENSEMBLE else (model,)
    forecasts = model_forecasts(backtest, members)
    scores[model] = backtest.mase(forecasts, origins)
    margin = rule.single_margin
    if model == ENSEMBLE and margin > 0 and scores[ranked[0]] < (1 - margin) * scores[ENSEMBLE]:
        model, members = ranked[0], (ranked[0],)
        forecasts = model_forecasts(backtest, members)
    chosen = list(range(len(backtest.ends))) if origins is None else list(origins)
    return Choice(
        backtest.series_id, model, members, scores, calibrate(backtest.errors(forecasts)[chosen])
    )
