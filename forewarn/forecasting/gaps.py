"""Missing points on a regular grid: find the runs, drop history before a long one, fill the rest.

Rules (one set for every series, see `GapRules`):
- a run of at most `short` missing points is interpolated linearly;
- a longer run, up to `longest`, takes the value one period earlier (already filled where that
  was missing too), shifted linearly so that it meets both edges: a two-hour hole in a daily
  cycle keeps the cycle's shape instead of a straight line across it;
- a run longer than `longest` (a week by default) means the series stopped reporting for a
  whole cycle: the history before it is dropped (and counted), since filling it would invent
  a cycle, and the recent regime is what a forecast needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GapRules:
    """Gap lengths, in grid points, for one series."""

    short: int  # longest run interpolated linearly
    period: int  # the period copied into longer runs (1: none)
    longest: int  # longest run filled at all


@dataclass(frozen=True)
class GapOutcome:
    """The grid values after treatment, and what was done."""

    values: np.ndarray  # float64, no NaN
    observed: np.ndarray  # bool, True where the value was observed
    first_kept: int  # grid index of the first point kept (> 0 when history was dropped)
    gaps: int  # runs of missing points that were filled
    interpolated: int
    seasonal_filled: int
    dropped_observed: int  # observed points dropped before a long gap
    longest_gap: int


def missing_runs(observed: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of False in `observed`."""
    padded = np.concatenate(([True], observed, [True])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def treat_gaps(values: np.ndarray, rules: GapRules) -> GapOutcome:
    """Drop history before the last run longer than `rules.longest`, then fill every run."""
    observed = ~np.isnan(values)
    runs = missing_runs(observed)
    longest = max((b - a for a, b in runs), default=0)
    first = max((b for a, b in runs if b - a > max(rules.longest, rules.short)), default=0)
    kept, mask = values[first:].copy(), observed[first:]
    runs = [(a - first, b - first) for a, b in runs if a >= first]
    interpolated = seasonal = 0
    for start, stop in runs:
        if stop - start <= rules.short or start < rules.period:
            _fill_linear(kept, start, stop)
            interpolated += stop - start
        else:
            _fill_seasonal(kept, start, stop, rules.period)
            seasonal += stop - start
    return GapOutcome(
        kept, mask, first, len(runs), interpolated, seasonal, int(observed[:first].sum()), longest
    )


def _fill_linear(values: np.ndarray, start: int, stop: int) -> None:
    """Straight line between the observed neighbours of the run (which always exist)."""
    left, right = values[start - 1], values[stop]
    weights = np.arange(1, stop - start + 1) / (stop - start + 1)
    values[start:stop] = left + (right - left) * weights


def _fill_seasonal(values: np.ndarray, start: int, stop: int, period: int) -> None:
    """The values one period earlier, plus a ramp that closes the mismatch at both edges."""
    for index in range(start, stop):
        values[index] = values[index - period]
    before = values[start - 1] - values[start - 1 - period] if start > period else 0.0
    after = values[stop] - values[stop - period]
    weights = np.arange(1, stop - start + 1) / (stop - start + 1)
    values[start:stop] += before + (after - before) * weights
