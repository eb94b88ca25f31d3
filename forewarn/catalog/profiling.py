"""What a manifest says about its data: column statistics, gaps and duplicate timestamps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forewarn.catalog.kinds import DatasetKind

EXAMPLES = 5


def column_statistics(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per-column summary: numeric moments, time range, or the most frequent values."""
    return {str(name): _describe(frame[name]) for name in frame.columns}


def _describe(values: pd.Series) -> dict[str, Any]:
    stats: dict[str, Any] = {"dtype": str(values.dtype), "nulls": int(values.isna().sum())}
    if pd.api.types.is_datetime64_any_dtype(values):
        return stats | {"min": str(values.min()), "max": str(values.max())}
    if pd.api.types.is_bool_dtype(values):
        return stats | {"true_fraction": float(values.mean())} if len(values) else stats
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        return stats | {
            "min": float(numbers.min()),
            "max": float(numbers.max()),
            "mean": float(numbers.mean()),
            "std": float(numbers.std()),
            "p50": float(numbers.median()),
        }
    counts = values.value_counts()
    top = {str(k): int(v) for k, v in counts.head(EXAMPLES).items()}
    return stats | {"distinct": len(counts), "top": top}


def time_quality(frame: pd.DataFrame, kind: DatasetKind) -> dict[str, Any]:
    """Gaps (steps longer than 1.5x the series' usual step) and duplicate timestamps, per series."""
    gaps: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    steps: dict[str, float] = {}
    for series_id, series in frame.groupby(kind.series_key, sort=True):
        times = pd.Series(pd.to_datetime(series[kind.time_column])).sort_values()
        deltas = times.diff().dt.total_seconds().to_numpy()[1:]
        positive = deltas[deltas > 0]
        step = float(np.median(positive)) if positive.size else 0.0
        steps[str(series_id)] = step / 60.0
        duplicates += _duplicates(series_id, times)
        if step > 0:
            gaps += _gaps(series_id, times, deltas, step)
    return {
        "series": len(steps),
        "step_minutes": steps,
        "gaps": {
            "count": len(gaps),
            "missing_steps": sum(g["missing_steps"] for g in gaps),
            "examples": gaps[:EXAMPLES],
        },
        "duplicates": {"count": len(duplicates), "examples": duplicates[:EXAMPLES]},
    }


def _gaps(
    series_id: Any, times: pd.Series, deltas: np.ndarray, step: float
) -> list[dict[str, Any]]:
    found = np.flatnonzero(deltas > 1.5 * step)
    stamps = times.to_numpy()
    return [
        {
            "series": str(series_id),
            "after": str(pd.Timestamp(stamps[i])),
            "before": str(pd.Timestamp(stamps[i + 1])),
            "missing_steps": int(np.rint(deltas[i] / step)) - 1,
        }
        for i in found
    ]


def _duplicates(series_id: Any, times: pd.Series) -> list[dict[str, Any]]:
    repeated = times[times.duplicated(keep="first")]
    return [{"series": str(series_id), "timestamp": str(t)} for t in repeated.unique()]


def series_preparation(frame: pd.DataFrame, kind: DatasetKind) -> dict[str, Any]:
    """For series to forecast: per series, what resampling onto its step will merge, fill and
    drop (counted, never silent), and the series that cannot be prepared, with why."""
    from forewarn.forecasting.preparation import prepare_frame  # only this kind needs it

    if kind.name != "workload-series":
        return {}
    prepared = prepare_frame(frame)
    return {"preparation": {"series": prepared.reports(), "failures": prepared.failures}}
