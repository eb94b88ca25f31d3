"""Every candidate forecasts h steps, and with its calibrated intervals the bands are ordered."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from forecasting_series import prepared

from forewarn.forecasting import (
    BacktestPlan,
    History,
    forecast_chosen,
    history_at,
    make_candidates,
    run_backtest,
    select,
)
from forewarn.forecasting.candidates import FACTORIES
from forewarn.forecasting.candidates.naive import seasonal_naive

HORIZON = 12
PLAN = BacktestPlan(HORIZON, origins=3)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_candidate_forecasts_with_ordered_calibrated_intervals(name: str) -> None:
    series = [prepared("a", days=14, seed=1), prepared("b", days=14, seed=2, level=50.0)]
    candidate = FACTORIES[name]()
    backtests = run_backtest(series, [candidate], PLAN)
    assert all(not b.failures for b in backtests.values())
    choices = {i: select(b) for i, b in backtests.items()}
    forecasts, failures = forecast_chosen(series, choices, [candidate], HORIZON)
    assert not failures
    for forecast in forecasts.values():
        assert forecast.model == name and len(forecast.mean) == HORIZON
        (low95, high95), (low80, high80) = forecast.bounds[95], forecast.bounds[80]
        assert np.all(low95 <= low80) and np.all(low80 <= forecast.mean)
        assert np.all(forecast.mean <= high80) and np.all(high80 <= high95)
        assert forecast.timestamps[0] == series[0].index[-1] + series[0].step
    assert abs(forecasts["b"].mean.mean() - 50) < 3  # each series at its own level


def test_seasonal_naive_repeats_the_last_season() -> None:
    assert seasonal_naive(np.arange(10.0), 4, 6).tolist() == [6, 7, 8, 9, 6, 7]


def test_history_sees_only_the_past_and_its_own_seasons() -> None:
    series = prepared("a", days=14)
    history: History = history_at(series, 24 * 3, max_points=24 * 5)
    assert len(history.values) == 72 and history.seasons == (24,)
    assert history.future_index(2)[0] == series.index[72]
    assert history_at(series, len(series.values), 24 * 5).start == series.index[24 * 9]


def test_unknown_candidate_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown candidate\(s\) \['arima'\]"):
        make_candidates(["arima"])
    assert [c.name for c in make_candidates(["mstl"])] == ["seasonal_naive", "mstl"]


def test_importing_the_core_loads_no_heavy_library() -> None:
    code = (
        "import sys, forewarn.forecasting; print(sorted(m for m in ('prophet', "
        "'statsforecast', 'xgboost', 'prefect', 'fastapi') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
