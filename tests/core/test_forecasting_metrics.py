"""MASE, coverage and conformal interval calibration on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.forecasting import calibrate, coverage, mase, mase_scale


def test_mase_on_a_hand_example() -> None:
    history = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    scale = mase_scale(history, season=2)  # |3-1|, |4-2|, |5-3|, |6-4|: all 2
    assert scale == 2.0
    assert mase(np.array([7.0, 8.0]), np.array([6.0, 10.0]), scale) == pytest.approx(0.75)


def test_mase_scores_observed_points_only() -> None:
    observed = np.array([True, False, True])
    history_mask = np.array([True, True, False, True, True])  # pairs with index 2 unusable
    assert mase_scale(np.array([0.0, 5.0, 9.0, 1.0, 3.0]), 2, history_mask) == 4.0  # |1 - 5|
    assert mase(np.array([1.0, 50.0, 3.0]), np.array([0.0, 0.0, 0.0]), 2.0, observed) == 1.0


def test_constant_history_has_unit_scale() -> None:
    assert mase_scale(np.full(10, 4.0), season=3) == 1.0


def test_coverage_counts_points_inside_the_band() -> None:
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    inside = coverage(
        actual, np.zeros(4), np.array([2.0, 2.0, 2.0, 5.0]), np.array([True, True, True, False])
    )
    assert inside == pytest.approx(2 / 3)


def test_conformal_quantiles_use_the_finite_sample_rank() -> None:
    errors = np.arange(-10.0, 9.0)[:, None]  # 19 origins, one step ahead; sum |e| = 91
    calibration = calibrate(errors, levels=(80,))
    assert calibration.profile.tolist() == [pytest.approx(91 / 19)]
    # |e| sorted: 0, 1, 1, 2, 2, ..., 8, 8, 9, 10; the rank ceil(20 * 0.8) = 16 holds 8
    assert calibration.multipliers[80] == pytest.approx(8 / (91 / 19))
    lower, upper = calibration.bounds(np.array([100.0]))[80]
    assert (lower[0], upper[0]) == (pytest.approx(92.0), pytest.approx(108.0))


def test_calibrated_bands_are_nested_and_widen_with_the_horizon() -> None:
    rng = np.random.default_rng(1)
    errors = rng.standard_normal((6, 12)) * np.sqrt(np.arange(1, 13))
    errors[2, 5] = np.nan  # an unobserved actual
    calibration = calibrate(errors)
    assert np.all(np.diff(calibration.profile) >= 0)
    mean = np.linspace(10, 20, 12)
    bands = calibration.bounds(mean)
    assert np.all(bands[95][0] <= bands[80][0]) and np.all(bands[80][0] <= mean)
    assert np.all(mean <= bands[80][1]) and np.all(bands[80][1] <= bands[95][1])


def test_calibration_needs_an_observed_error() -> None:
    with pytest.raises(ValueError, match="no observed backtest errors"):
        calibrate(np.full((2, 3), np.nan))
