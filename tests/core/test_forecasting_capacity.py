"""Capacity early warning on a forecast with a known crossing."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from forewarn.forecasting import capacity_warning, exceedance

TIMES = pd.date_range("2024-01-01", periods=10, freq="1h", tz="UTC")
MEAN = np.linspace(60.0, 87.0, 10)  # CPU % rising 3 points an hour
BANDS = {80: (MEAN - 4, MEAN + 4), 95: (MEAN - 8, MEAN + 8)}


def test_first_crossing_of_the_upper_band() -> None:
    warning = capacity_warning(TIMES, MEAN, BANDS, threshold=85.0)
    # upper 95 = 68, 71, ..., 95: first >= 85 at 87 (the seventh step, mean 78)
    assert (warning.steps_ahead, warning.crossing) == (7, TIMES[6])
    # 7 points above the mean, between the 80 % (4) and 95 % (8) edges: 10 % -> 2.5 %
    assert warning.probability == pytest.approx(0.1 - 0.075 * 3 / 4)
    assert warning.peak_at == TIMES[-1] and warning.peak_probability > 0.5
    at80 = capacity_warning(TIMES, MEAN, BANDS, threshold=85.0, level=80)
    assert at80.steps_ahead == 8  # upper 80: 81, 85 at the eighth step


def test_no_crossing_within_the_horizon() -> None:
    warning = capacity_warning(TIMES, MEAN, BANDS, threshold=99.0)
    assert warning.crossing is None and warning.steps_ahead is None
    assert warning.probability == 0.0 and warning.peak_probability < 0.025


def test_probability_reads_the_bands_as_quantiles() -> None:
    mean = np.full(5, 50.0)
    bands = {80: (mean - 10, mean + 10), 95: (mean - 20, mean + 20)}
    for threshold, expected in [(50, 0.5), (55, 0.3), (60, 0.1), (70, 0.025), (40, 0.9)]:
        assert exceedance(mean, bands, threshold) == pytest.approx(np.full(5, expected))
    beyond = exceedance(mean, bands, 80.0)[0]  # normal tail: 1.5 x the 95 % half-width
    assert beyond == pytest.approx(1 - NormalDist().cdf(1.5 * NormalDist().inv_cdf(0.975)))


def test_level_must_be_a_band() -> None:
    with pytest.raises(ValueError, match="level must be 80 or 95"):
        capacity_warning(TIMES, MEAN, BANDS, threshold=85.0, level=90)
