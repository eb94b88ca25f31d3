"""Window features shared by training and serving.

Every feature of a time `t` is computed from the window of values ending at `t` (inclusive) by
the same function, whether the windows come from a request or from a sliding view over a training
series. Training therefore cannot see the future and cannot drift from serving.
"""

from __future__ import annotations

import numpy as np

WINDOW_STATS = ("last", "mean", "std", "min", "max", "slope")


def window_stats(windows: np.ndarray) -> dict[str, np.ndarray]:
    """Statistics of each row of `windows` (shape: rows x window length, oldest first).

    `slope` is the least-squares slope per step; windows of one value have slope and std 0.
    """
    windows = np.asarray(windows, dtype=np.float64)
    steps = np.arange(windows.shape[1], dtype=np.float64)
    centred = steps - steps.mean()
    denominator = float((centred**2).sum()) or 1.0
    mean = windows.mean(axis=1)
    return {
        "last": windows[:, -1],
        "mean": mean,
        "std": windows.std(axis=1),
        "min": windows.min(axis=1),
        "max": windows.max(axis=1),
        "slope": (windows - mean[:, None]) @ centred / denominator,
    }


def sliding_windows(values: np.ndarray, length: int) -> np.ndarray:
    """Windows of `length` ending at every index; the first ones are padded with the first value."""
    values = np.asarray(values, dtype=np.float64)
    padded = np.concatenate([np.full(length - 1, values[0]), values])
    return np.lib.stride_tricks.sliding_window_view(padded, length)


def calendar_features(timestamps: np.ndarray) -> dict[str, np.ndarray]:
    """Time of day and day of week (UTC) as points on circles, plus a weekend flag.

    `timestamps` are naive UTC datetime64 values; plain numpy keeps this cheap per request.
    """
    stamps = np.asarray(timestamps, dtype="datetime64[m]")
    days = stamps.astype("datetime64[D]")
    minute_of_day = (stamps - days).astype(np.float64)
    day = ((days.astype(np.int64) + 3) % 7).astype(np.float64)  # 1970-01-01 was a Thursday
    return {
        "time_of_day_sin": np.sin(2 * np.pi * minute_of_day / 1440.0),
        "time_of_day_cos": np.cos(2 * np.pi * minute_of_day / 1440.0),
        "day_of_week_sin": np.sin(2 * np.pi * day / 7.0),
        "day_of_week_cos": np.cos(2 * np.pi * day / 7.0),
        "is_weekend": (day >= 5).astype(np.float64),
    }
