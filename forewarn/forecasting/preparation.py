"""Turn one raw metric series (timestamps and values as ingested) into a regular series.

Sorts, infers the step, merges points that fall on one grid cell (mean), and treats gaps
(`forewarn.forecasting.gaps`). Nothing is dropped or filled silently: every change is counted
in a `PreparationReport`, which goes into the dataset manifest. Bad input raises ValueError
naming the series and the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from forewarn.forecasting.gaps import GapOutcome, GapRules, treat_gaps
from forewarn.forecasting.steps import infer_step, nanoseconds, natural_periods

WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class PreparationRules:
    """The rules applied to every series (chosen once, never per series)."""

    min_points: int = 20  # observations needed after merging and trimming
    short_gap_points: int = 3  # runs up to max(this, period / 12) are interpolated linearly
    max_gap: pd.Timedelta = WEEK  # history before a longer gap is dropped
    min_observed_fraction: float = 0.5  # below it the grid is mostly invented: refuse


@dataclass(frozen=True)
class PreparationReport:
    """What preparation did to one series; `as_dict()` is JSON-ready for the manifest."""

    series_id: str
    step_seconds: int
    rows: int  # rows received
    missing_values: int  # rows with a NaN value, dropped before resampling
    unsorted_rows: int  # rows whose timestamp is earlier than the row before
    duplicate_timestamps: int  # rows repeating an earlier timestamp (merged by mean)
    off_grid_rows: int  # rows moved to the nearest grid point
    merged_rows: int  # rows merged into a grid point another row already held
    gaps: int  # runs of missing grid points that were filled
    interpolated_points: int
    seasonal_filled_points: int
    dropped_points: int  # observed points dropped before a gap longer than `max_gap`
    longest_gap_points: int
    points: int  # grid points kept
    observed_points: int
    start: str  # ISO 8601 UTC of the first kept point
    end: str

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


@dataclass(frozen=True)
class PreparedSeries:
    """A regular series: values on the grid `start + i * step`, and which were observed."""

    series_id: str
    start: pd.Timestamp
    step: pd.Timedelta
    values: np.ndarray  # float64, no NaN
    observed: np.ndarray  # bool, same length
    report: PreparationReport

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=len(self.values), freq=self.step)


Timestamps = pd.Series | pd.DatetimeIndex | np.ndarray | Sequence[object]
Values = pd.Series | np.ndarray | Sequence[object]
DEFAULT_RULES = PreparationRules()


def prepare_series(
    series_id: str, timestamps: Timestamps, values: Values, rules: PreparationRules = DEFAULT_RULES
) -> PreparedSeries:
    """Regularise one series; ValueError naming `series_id` when it cannot be used."""
    try:
        return _prepare(series_id, timestamps, values, rules)
    except ValueError as error:
        raise ValueError(f"series {series_id!r}: {error}") from None


def _prepare(
    series_id: str, timestamps: Timestamps, values: Values, rules: PreparationRules
) -> PreparedSeries:
    times, numbers = _clean(timestamps, values)
    unsorted = int((np.diff(nanoseconds(times)) < 0).sum())
    missing = int(np.isnan(numbers).sum())
    times, numbers = times[~np.isnan(numbers)], numbers[~np.isnan(numbers)]
    _require(len(times), rules.min_points, "observations")
    order = np.argsort(nanoseconds(times), kind="stable")
    times, numbers = times[order], numbers[order]
    step = infer_step(times)
    cells, start = _cells(times, step)
    grid = _grid_means(cells, numbers)
    period = min(natural_periods(step), default=1)
    short = max(rules.short_gap_points, period // 12)
    outcome = treat_gaps(grid, GapRules(short, period, int(rules.max_gap / step)))
    _require(int(outcome.observed.sum()), rules.min_points, "observations after gaps")
    _require_observed(outcome, rules.min_observed_fraction)
    first = start + outcome.first_kept * step
    counts = {
        "missing_values": missing,
        "unsorted_rows": unsorted,
        "duplicate_timestamps": int(times.duplicated().sum()),
        "off_grid_rows": int((times != start + cells * step).sum()),
        "merged_rows": len(cells) - len(np.unique(cells)),
    }
    report = _report(series_id, step, len(numbers) + missing, counts, outcome, first)
    return PreparedSeries(series_id, first, step, outcome.values, outcome.observed, report)


def _clean(timestamps: Timestamps, values: Values) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """UTC nanosecond timestamps and float values; ValueError for unparseable or infinite."""
    parsed = pd.to_datetime(pd.Series(timestamps), utc=True, errors="coerce", format="mixed")
    times = pd.DatetimeIndex(parsed)
    raw = pd.Series(values)
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    if len(times) != len(numbers):
        raise ValueError(f"{len(times)} timestamps but {len(numbers)} values")
    unparsed = np.asarray(parsed.isna(), bool)
    if unparsed.any():
        raise ValueError(f"{int(unparsed.sum())} missing or unparseable timestamp(s)")
    bad = np.isinf(numbers) | (np.isnan(numbers) & raw.notna().to_numpy())
    if bad.any():
        first = times[np.flatnonzero(bad)[0]]
        raise ValueError(f"{int(bad.sum())} infinite or non-numeric value(s), first at {first}")
    return times.as_unit("ns"), numbers


def _cells(times: pd.DatetimeIndex, step: pd.Timedelta) -> tuple[np.ndarray, pd.Timestamp]:
    """Grid cell of each timestamp, on the grid whose phase most timestamps share."""
    step_ns, stamps = step.value, nanoseconds(times)
    phases, counts = np.unique(stamps % step_ns, return_counts=True)
    phase = int(phases[counts.argmax()])
    cells = np.round((stamps - phase) / step_ns).astype(np.int64)
    start = pd.Timestamp(int(cells[0] * step_ns + phase), tz="UTC")
    return cells - cells[0], start


def _grid_means(cells: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Mean value per grid cell from the first to the last; NaN where a cell has none."""
    sums = np.bincount(cells, weights=numbers)
    counts = np.bincount(cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def _require(count: int, minimum: int, what: str) -> None:
    if count < minimum:
        raise ValueError(f"too short: {count} {what}, at least {minimum} needed")


def _require_observed(outcome: GapOutcome, minimum: float) -> None:
    fraction = float(outcome.observed.mean())
    if fraction < minimum:
        raise ValueError(
            f"only {fraction:.0%} of the grid is observed (at least {minimum:.0%} "
            "needed): the step is finer than the data; aggregate it first"
        )


def _report(
    series_id: str,
    step: pd.Timedelta,
    rows: int,
    counts: dict[str, int],
    outcome: GapOutcome,
    first: pd.Timestamp,
) -> PreparationReport:
    end = first + (len(outcome.values) - 1) * step
    return PreparationReport(
        series_id=series_id,
        step_seconds=int(step.total_seconds()),
        rows=rows,
        **counts,
        gaps=outcome.gaps,
        interpolated_points=outcome.interpolated,
        seasonal_filled_points=outcome.seasonal_filled,
        dropped_points=outcome.dropped_observed,
        longest_gap_points=outcome.longest_gap,
        points=len(outcome.values),
        observed_points=int(outcome.observed.sum()),
        start=first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        end=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


@dataclass(frozen=True)
class PreparedFrame:
    """Every series of a long frame, prepared; the ones that could not be, with why."""

    series: list[PreparedSeries]
    failures: dict[str, str]  # series id -> the ValueError's message

    def reports(self) -> dict[str, dict[str, int | str]]:
        """The preparation report of each prepared series, for the manifest."""
        return {s.series_id: s.report.as_dict() for s in self.series}


def prepare_frame(
    frame: pd.DataFrame,
    rules: PreparationRules = DEFAULT_RULES,
    skip_invalid: bool = False,
    series_key: str = "series_id",
    time_column: str = "timestamp",
    value_column: str = "value",
) -> PreparedFrame:
    """Prepare each series of a long frame (`timestamp, series_id, value`). The first bad
    series raises its ValueError, unless `skip_invalid`: then it is listed in `failures`."""
    prepared, failures = [], {}
    for series_id, rows in frame.groupby(series_key, sort=True):
        try:
            prepared.append(
                prepare_series(
                    str(series_id),
                    rows[time_column].to_numpy(),
                    rows[value_column].to_numpy(),
                    rules,
                )
            )
        except ValueError as error:
            if not skip_invalid:
                raise
            failures[str(series_id)] = str(error)
    return PreparedFrame(prepared, failures)
