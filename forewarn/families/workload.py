"""Workload: the next hours or days of any metric series, with 80 % and 95 % intervals.

Unlike the event families this is not one booster: each series gets the model that forecast it
best from several rolling origins (`forewarn.forecasting`), and a version is the policy that
forecasts series it has not seen. The gate is the mean MASE against seasonal naive.
"""

from __future__ import annotations

from typing import ClassVar

from forewarn.families.base import Gate


class WorkloadFamily:
    """Per series, the lowest backtest MASE among seasonal naive, Prophet, AutoETS, AutoTheta,
    MSTL and a global XGBoost over lags and calendar features, or the median of the best;
    intervals calibrated on the backtest's own errors."""

    name: ClassVar[str] = "workload"
    dataset: ClassVar[str] = "workload-series"
    kind: ClassVar[str] = "workload-series"
    # MASE below 1: better than seasonal naive on average; a champion is not lost to noise.
    gate: ClassVar[Gate] = Gate("mase", threshold=1.0, tolerance=0.02, higher_is_better=False)


WORKLOAD = WorkloadFamily()
