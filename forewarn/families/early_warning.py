"""Event-level judgement of an early-warning model on real series: how many incident windows it
warned about, how early, and how many false alarms per day it raised outside windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.families.examples import Examples, naive_utc


def window_starts(in_incident: np.ndarray) -> np.ndarray:
    """Indices where an incident window begins."""
    flags = np.asarray(in_incident, dtype=bool)
    return np.flatnonzero(flags & ~np.concatenate([[False], flags[:-1]]))


def warning_metrics(
    test: Examples, alarms: np.ndarray, frame: pd.DataFrame, horizon_steps: int
) -> dict[str, float]:
    """Warned-window share, median lead (minutes) and false alarms per day on the test rows.

    A window counts as warned when an alarm fires within `horizon_steps` steps before it
    starts; the lead is the time from the first such alarm to the start. Any other alarm
    episode (a run of consecutive alarms) is a false alarm.
    """
    leads: list[float] = []
    windows = false_alarms = alarm_rows = 0
    days = 0.0
    for series_id, rows in frame.groupby("series_id", sort=False):
        mine = test.series == series_id
        if not mine.any():
            continue
        times = pd.DatetimeIndex(naive_utc(rows["timestamp"]))
        step = pd.Series(times).diff().median()
        starts = times[window_starts(rows["in_incident"].to_numpy())]
        starts = starts[starts > test.timestamps[mine].min()]
        series_leads, series_false = _series_warnings(
            pd.DatetimeIndex(test.timestamps[mine]), alarms[mine], starts, step, horizon_steps
        )
        windows += len(starts)
        leads += series_leads
        false_alarms += series_false
        alarm_rows += int(alarms[mine].sum())
        days += mine.sum() * step.total_seconds() / 86400.0
    return {
        "windows": float(windows),
        "windows_warned": len(leads) / windows if windows else float("nan"),
        "median_lead_minutes": float(np.median(leads)) if leads else float("nan"),
        "false_alarms_per_day": false_alarms / days if days else float("nan"),
        "alarm_share": alarm_rows / len(test) if len(test) else float("nan"),
    }


def _series_warnings(
    times: pd.DatetimeIndex,
    alarms: np.ndarray,
    starts: pd.DatetimeIndex,
    step: pd.Timedelta,
    horizon_steps: int,
) -> tuple[list[float], int]:
    """Lead times (minutes) of warned windows, and the number of false alarms."""
    reach = step * horizon_steps
    leads: list[float] = []
    excused = np.zeros(len(times), dtype=bool)
    for start in starts:
        before = (times >= start - reach) & (times < start)
        excused |= before
        if (before & alarms).any():
            leads.append((start - times[before & alarms].min()).total_seconds() / 60.0)
    return leads, _count_false_alarms(alarms & ~excused, horizon_steps)


def _count_false_alarms(false: np.ndarray, horizon_steps: int) -> int:
    """Runs of alarms, each counted once per started horizon it lasts."""
    edges = np.diff(np.concatenate([[0], false.astype(np.int8), [0]]))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return int(np.ceil(lengths / horizon_steps).sum())
