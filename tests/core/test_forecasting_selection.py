"""Backtest, selection and the whole run: the chosen model beats the baseline where it should,
and failures stay with their series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from forecasting_series import prepared

from forewarn.forecasting import (
    ENSEMBLE,
    BacktestPlan,
    Choice,
    Forecast,
    History,
    SelectionRule,
    model_forecasts,
    run_backtest,
    select,
)
from forewarn.forecasting.backtest import SeriesBacktest
from forewarn.forecasting.candidates import AutoETS, BoostingConfig, GlobalBoosted, SeasonalNaive
from forewarn.forecasting.jobs import forecast_series

PLAN = BacktestPlan(horizon=24, origins=4)
NAMES = ("seasonal_naive", "auto_ets", "global_xgb")


@pytest.fixture(scope="module")
def noisy() -> dict[str, SeriesBacktest]:
    """A noisy daily cycle: repeating yesterday repeats its noise, a fitted model does not."""
    series = [prepared(f"s{i}", days=21, noise=1.0, seed=i) for i in range(2)]
    boosted = GlobalBoosted(BoostingConfig(trees=100))
    return run_backtest(series, [SeasonalNaive(), AutoETS(), boosted], PLAN)


def test_selected_model_beats_seasonal_naive_on_held_out_origins(
    noisy: dict[str, SeriesBacktest],
) -> None:
    for backtest in noisy.values():
        choice = select(backtest, origins=[0, 1])
        assert "seasonal_naive" not in choice.members
        chosen = backtest.mase(model_forecasts(backtest, choice.members), [2, 3])
        assert chosen < 0.85 * backtest.mase(backtest.forecasts["seasonal_naive"], [2, 3])


def test_default_model_is_the_median_of_all_but_the_worst(noisy: dict[str, SeriesBacktest]) -> None:
    backtest = noisy["s0"]
    choice = select(backtest)
    worst = max(NAMES, key=choice.mase.__getitem__)
    assert choice.model == ENSEMBLE and set(choice.members) == set(NAMES) - {worst}
    expected = np.mean([backtest.forecasts[n][0].mean for n in choice.members], axis=0)
    np.testing.assert_allclose(model_forecasts(backtest, choice.members)[0].mean, expected)
    single = select(backtest, rule=SelectionRule(combine=False))
    assert single.members == (single.model,) and single.score == min(choice.mase[n] for n in NAMES)


def test_choice_reads_back_from_its_dict(noisy: dict[str, SeriesBacktest]) -> None:
    choice = select(noisy["s1"])
    again = Choice.from_dict(choice.as_dict())
    assert (again.model, again.members, again.mase) == (choice.model, choice.members, choice.mase)
    np.testing.assert_array_equal(again.calibration.profile, choice.calibration.profile)
    assert again.calibration.multipliers == choice.calibration.multipliers


class FailsOn:
    """A local candidate that raises on one series."""

    name, is_global = "flaky", False

    def __init__(self, series_id: str) -> None:
        self.series_id = series_id

    def forecast(self, histories: Sequence[History], horizon: int) -> list[Forecast]:
        if any(h.series_id == self.series_id for h in histories):
            raise RuntimeError("diverged")
        return [Forecast(np.full(horizon, h.values[-1])) for h in histories]


def test_failing_candidate_fails_alone() -> None:
    series = [prepared("a", days=10), prepared("b", days=10)]
    backtests = run_backtest(series, [SeasonalNaive(), FailsOn("b")], PLAN)
    assert backtests["b"].failures == {"flaky": "RuntimeError: diverged"}
    assert "flaky" not in backtests["b"].forecasts and len(backtests["a"].forecasts["flaky"]) == 4
    assert select(backtests["b"]).members == ("seasonal_naive",)


def test_a_series_job_forecasts_and_a_too_short_series_is_refused_by_name() -> None:
    plan = BacktestPlan(horizon=12, origins=3)
    with pytest.raises(ValueError, match=r"series 'tiny': too short: 48 points"):
        forecast_series(prepared("tiny", days=2), plan, ["auto_ets"], SelectionRule())
    outcome = forecast_series(prepared("web", days=14), plan, ["auto_ets"], SelectionRule())
    frame = outcome.forecast.to_frame()
    assert list(frame.columns) == [
        "timestamp",
        "series_id",
        "model",
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    choice = outcome.choice
    assert len(frame) == 12 and choice.score == pytest.approx(choice.mase[choice.model])
    assert {"selected", "seasonal_naive", "coverage_80", "coverage_95"} <= set(outcome.held_out)


def test_a_clearly_better_single_model_is_not_diluted_by_the_median(
    noisy: dict[str, SeriesBacktest],
) -> None:
    for backtest in noisy.values():
        median = select(backtest, origins=[0, 1])
        best = min(median.mase[name] for name in backtest.forecasts)
        eager = select(backtest, origins=[0, 1], rule=SelectionRule(single_margin=1e-9))
        strict = select(backtest, origins=[0, 1], rule=SelectionRule(single_margin=0.99))
        assert strict.members == median.members  # no single model is 99 % better
        if best < median.score:
            assert len(eager.members) == 1 and eager.score == best
        else:
            assert eager.members == median.members
