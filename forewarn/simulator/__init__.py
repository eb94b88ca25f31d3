"""Deterministic synthetic telemetry of a fleet, labelled for the bottleneck and failure models.

`simulate` returns one row per system per minute: the METRICS, an `anomaly_score`, the incident
building up or active, whether a bottleneck or failure is on, and for each of HORIZONS whether
one starts within it. Incidents build up before they cross their thresholds; near-misses build
up and recover; benign spikes are high but brief. Labels are read off the generated signals (see
`labels`), so they agree with the data. One extra day past the end is simulated and dropped, so
labels near the end still see what follows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.simulator.anomaly import anomaly_score
from forewarn.simulator.incidents import apply_incidents, phases, schedule
from forewarn.simulator.labels import BOTTLENECK_RULES, FAILURE_RULES, horizon_labels, onsets
from forewarn.simulator.schema import (
    BOTTLENECK_RESOURCES,
    FAILURE_TYPES,
    HORIZONS,
    INCIDENT_TYPES,
    METRICS,
    MINUTES_PER_DAY,
    PRECISION,
    Signals,
)
from forewarn.simulator.signals import add_noise, add_spikes, baseline, clip

LABEL_COLUMNS: tuple[str, ...] = (
    "in_bottleneck",
    "in_failure",
    *(f"bottleneck_within_{h}" for h in HORIZONS),
    *(f"failure_within_{h}" for h in HORIZONS),
    "next_bottleneck_resource",
    "minutes_to_bottleneck",
    "next_failure_type",
    "minutes_to_failure",
)

__all__ = [
    "BOTTLENECK_RESOURCES",
    "FAILURE_TYPES",
    "HORIZONS",
    "INCIDENT_TYPES",
    "LABEL_COLUMNS",
    "METRICS",
    "anomaly_score",
    "simulate",
]


def simulate(
    systems: int = 8,
    days: int = 14,
    seed: int = 0,
    start: str = "2026-01-05",
    incidents_per_day: float = 1.5,
) -> pd.DataFrame:
    """Telemetry and labels of `systems` systems over `days` days from `start` (UTC), per minute.

    `incidents_per_day` is the mean number of real incidents per system per day; near-misses
    come on top (30% as many). The same arguments always give the same frame.
    """
    if systems < 1 or days < 1 or incidents_per_day < 0:
        raise ValueError("systems and days must be >= 1 and incidents_per_day >= 0")
    rng = np.random.default_rng(seed)
    clock = pd.date_range(
        start, periods=(days + 1) * MINUTES_PER_DAY, freq="min", tz="UTC", unit="ns"
    )
    signals = baseline(rng, clock, systems)
    events = schedule(rng, systems, len(clock), incidents_per_day)
    incident = apply_incidents(rng, signals, phases(events, systems, len(clock)))
    signals = clip(add_spikes(rng, add_noise(rng, signals)))
    signals = {name: np.round(values, PRECISION[name]) for name, values in signals.items()}
    visible = days * MINUTES_PER_DAY
    frame = pd.DataFrame(
        {
            "timestamp": clock[np.tile(np.arange(visible), systems)],
            "system_id": np.repeat([f"sys-{i:02d}" for i in range(systems)], visible),
        }
        | {metric: signals[metric][:, :visible].ravel() for metric in METRICS}
    )
    frame["anomaly_score"] = _anomaly(signals, visible)
    incident_names = np.array(("", *INCIDENT_TYPES), dtype=object)
    frame["incident_type"] = incident_names[incident[:, :visible].ravel() + 1]
    return pd.concat([frame, _labels(signals, visible)], axis=1)


def _anomaly(signals: Signals, visible: int) -> np.ndarray:
    """The anomaly score of each system's response times and error rates."""
    series = (signals["response_time_ms"][:, :visible], signals["error_rate"][:, :visible])
    return np.concatenate(
        [anomaly_score(np.column_stack(pair)) for pair in zip(*series, strict=True)]
    )


def _labels(signals: Signals, visible: int) -> pd.DataFrame:
    """In-bottleneck/failure flags, horizon flags, next kind and minutes to it, per row."""
    columns: dict[str, np.ndarray] = {}
    for event, rules, next_name in (
        ("bottleneck", BOTTLENECK_RULES, "next_bottleneck_resource"),
        ("failure", FAILURE_RULES, "next_failure_type"),
    ):
        kind, on = onsets(signals, rules)
        ahead = {k: v[:, :visible].ravel() for k, v in horizon_labels(kind, tuple(rules)).items()}
        columns[f"in_{event}"] = on[:, :visible].ravel()
        columns |= {f"{event}_within_{h}": ahead["minutes"] <= h for h in HORIZONS}
        columns[next_name], columns[f"minutes_to_{event}"] = ahead["next"], ahead["minutes"]
    return pd.DataFrame(columns)[list(LABEL_COLUMNS)]
