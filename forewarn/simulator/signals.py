"""Healthy behaviour of a fleet: baselines, seasonality, deployments, backups, noise, spikes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forewarn.simulator.schema import MINUTES_PER_DAY, Signals

WEEKEND_LOAD = 0.6
SMOOTH_WINDOW = 30  # minutes over which the slow noise wanders
DEPLOY_GAP_DAYS = (2.0, 4.0)
SPIKE_CELL = 10  # at most one benign spike per 10-minute cell, so two never touch
SPIKE_MAX_MINUTES = 4  # shorter than labels.PERSIST: a spike alone never makes an onset
SPIKES_PER_DAY = 6.0
BACKUP_START_HOURS = (1.0, 5.0)  # each system's nightly backup starts at its own time in here
BACKUP_MINUTES = (30, 90)
BACKUP_JITTER = 15  # minutes the start moves from night to night

# Per-system parameters, drawn uniformly from these ranges.
PARAMS: dict[str, tuple[float, float]] = {
    "load": (0.85, 1.15),
    "cpu0": (8.0, 18.0),
    "cpu1": (30.0, 45.0),
    "mem0": (40.0, 62.0),
    "net0": (1000.0, 1350.0),
    "disk0": (850.0, 1150.0),
    "queue0": (3.0, 8.0),
    "tasks0": (20.0, 45.0),
    "err0": (0.0015, 0.003),
    "rt0": (38.0, 50.0),
    "rt1": (12.0, 22.0),
    "space0": (0.35, 0.8),
    "space_per_day": (0.005, 0.015),
    "conn0": (0.15, 0.3),
    "thread0": (0.15, 0.3),
    "backup_io": (1.5, 2.2),
    "backup_cpu": (15.0, 30.0),
}
# Metric -> (kind, white sd, slow sd). "add": in the metric's units; "mul": log-normal sd;
# "count": a Poisson draw around the clean value.
NOISE: dict[str, tuple[str, float, float]] = {
    "cpu_utilization": ("add", 1.5, 1.5),
    "memory_usage": ("add", 0.3, 1.0),
    "disk_io": ("mul", 0.05, 0.03),
    "network_io": ("mul", 0.05, 0.04),
    "agent_queue_depth": ("count", 0.0, 0.0),
    "active_tasks": ("count", 0.0, 0.0),
    "error_rate": ("mul", 0.3, 0.15),
    "response_time_ms": ("mul", 0.06, 0.04),
    "disk_space_remaining": ("add", 0.001, 0.003),
    "connection_pool_utilization": ("add", 0.015, 0.02),
    "thread_pool_utilization": ("add", 0.015, 0.02),
}
BOUNDS: dict[str, tuple[float, float]] = {
    "cpu_utilization": (0.0, 100.0),
    "memory_usage": (0.0, 100.0),
    "disk_io": (0.0, np.inf),
    "network_io": (0.0, np.inf),
    "agent_queue_depth": (0.0, np.inf),
    "active_tasks": (0.0, np.inf),
    "error_rate": (0.0, 1.0),
    "response_time_ms": (1.0, np.inf),
    "disk_space_remaining": (0.0, 1.0),
    "connection_pool_utilization": (0.0, 1.0),
    "thread_pool_utilization": (0.0, 1.0),
}


def load_profile(clock: pd.DatetimeIndex) -> np.ndarray:
    """Relative demand per minute: busy business hours, about 0.6x on weekends."""
    hour = clock.hour.to_numpy() + clock.minute.to_numpy() / 60
    business = _sigmoid((hour - 8.5) / 0.75) * _sigmoid((18.5 - hour) / 1.0)
    weekly = np.where(clock.day_of_week.to_numpy() >= 5, WEEKEND_LOAD, 1.0)
    return np.asarray((0.3 + 0.7 * business) * weekly)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Unit-variance noise that wanders over about SMOOTH_WINDOW minutes (a moving sum)."""
    rows, cols = shape
    sums = np.cumsum(rng.standard_normal((rows, cols + SMOOTH_WINDOW)), axis=1)
    return np.asarray((sums[:, SMOOTH_WINDOW:] - sums[:, :-SMOOTH_WINDOW]) / np.sqrt(SMOOTH_WINDOW))


def deployments(
    rng: np.random.Generator, systems: int, minutes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Deployments every 2-4 days: (segment index, minutes since the last one), both (S, T)."""
    low, high = (days * MINUTES_PER_DAY for days in DEPLOY_GAP_DAYS)
    count = int((minutes + high) // low) + 2
    gaps = rng.uniform(low, high, (systems, count))
    times = np.cumsum(gaps, axis=1) - gaps[:, :1] - rng.uniform(0, high, (systems, 1))
    minute = np.arange(minutes)
    segment = (times[:, :, None] <= minute).sum(axis=1) - 1
    return segment, minute - np.take_along_axis(times, segment, axis=1)


def backups(rng: np.random.Generator, clock: pd.DatetimeIndex, systems: int) -> np.ndarray:
    """1.0 while a system's nightly backup runs, else 0.0; shape (systems, minutes)."""
    day = (clock.normalize() - clock[0].normalize()).days.to_numpy()
    usual = rng.uniform(*BACKUP_START_HOURS, (systems, 1)) * 60
    starts = usual + rng.uniform(-BACKUP_JITTER, BACKUP_JITTER, (systems, day[-1] + 1))
    since = (clock.hour * 60 + clock.minute).to_numpy() - starts[:, day]
    return ((since >= 0) & (since < rng.integers(*BACKUP_MINUTES, (systems, 1)))).astype(float)


def _steps(rng: np.random.Generator, segment: np.ndarray, sd: float) -> np.ndarray:
    """A level per deployment segment: the step a deployment makes, bounded to +-2 sd."""
    levels = np.clip(rng.normal(0, sd, (segment.shape[0], segment.max() + 1)), -2 * sd, 2 * sd)
    return np.take_along_axis(levels, segment, axis=1)


def baseline(rng: np.random.Generator, clock: pd.DatetimeIndex, systems: int) -> Signals:
    """Noise-free signals of healthy systems; cpu, queue, tasks and latency follow the load.

    Nightly backups raise disk and network i/o and cpu without being trouble.
    """
    shape = (systems, len(clock))
    p = {name: rng.uniform(low, high, (systems, 1)) for name, (low, high) in PARAMS.items()}
    load = p["load"] * load_profile(clock) * (1 + 0.06 * smooth_noise(rng, shape))
    segment, since = deployments(rng, systems, len(clock))
    backup = backups(rng, clock, systems)
    cpu = p["cpu0"] + p["cpu1"] * load + p["backup_cpu"] * backup
    return {
        "cpu_utilization": cpu + _steps(rng, segment, 2.0),
        "memory_usage": p["mem0"] + 6 * load + _steps(rng, segment, 4.0),
        "disk_io": p["disk0"] * (0.8 + 0.35 * load) * (1 + p["backup_io"] * backup),
        "network_io": p["net0"] * (0.7 + 0.45 * load) * (1 + 0.5 * backup),
        "agent_queue_depth": p["queue0"] * load**2 + 0.5,
        "active_tasks": p["tasks0"] * load + 2,
        "error_rate": p["err0"] * (0.8 + 0.5 * load),
        "response_time_ms": p["rt0"] + p["rt1"] * load + _steps(rng, segment, 4.0),
        "disk_space_remaining": p["space0"] - p["space_per_day"] * since / MINUTES_PER_DAY,
        "connection_pool_utilization": p["conn0"] + 0.25 * load,
        "thread_pool_utilization": p["thread0"] + 0.3 * load,
    }


def add_noise(rng: np.random.Generator, clean: Signals) -> Signals:
    """Observed signals: clean values plus white and slowly wandering noise."""
    return {metric: _noisy(rng, values, *NOISE[metric]) for metric, values in clean.items()}


def _noisy(
    rng: np.random.Generator, values: np.ndarray, kind: str, white: float, slow: float
) -> np.ndarray:
    if kind == "count":
        return np.asarray(rng.poisson(np.maximum(values, 0)), dtype=float)
    noise = white * rng.standard_normal(values.shape) + slow * smooth_noise(rng, values.shape)
    return np.asarray(values * np.exp(noise) if kind == "mul" else values + noise)


def add_spikes(rng: np.random.Generator, signals: Signals) -> Signals:
    """Benign spikes of 1-4 minutes: high cpu and queue, or high errors and latency."""
    systems, minutes = signals["cpu_utilization"].shape
    shape = (systems, -(-minutes // SPIKE_CELL), 1)
    happens = rng.random(shape) < SPIKES_PER_DAY * SPIKE_CELL / MINUTES_PER_DAY
    offset = rng.integers(0, SPIKE_CELL - SPIKE_MAX_MINUTES, shape)
    length = rng.integers(1, SPIKE_MAX_MINUTES + 1, shape)
    on = happens & (np.arange(SPIKE_CELL) >= offset) & (np.arange(SPIKE_CELL) < offset + length)
    busy = rng.random(shape) < 0.5
    strength = np.broadcast_to(rng.random(shape), on.shape).reshape(systems, -1)[:, :minutes]
    cpu_on, err_on = ((on & flag).reshape(systems, -1)[:, :minutes] for flag in (busy, ~busy))
    cpu, queue = signals["cpu_utilization"], signals["agent_queue_depth"]
    errors, latency = signals["error_rate"], signals["response_time_ms"]
    return signals | {
        "cpu_utilization": np.where(cpu_on, np.maximum(cpu, 85 + 14 * strength), cpu),
        "agent_queue_depth": queue + cpu_on * np.round(10 + 30 * strength),
        "error_rate": np.where(err_on, np.maximum(errors, 0.03 + 0.27 * strength), errors),
        "response_time_ms": latency * (1 + err_on * (0.5 + 1.5 * strength)),
    }


def clip(signals: Signals) -> Signals:
    """Signals bounded to their metrics' ranges."""
    return {metric: np.clip(values, *BOUNDS[metric]) for metric, values in signals.items()}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))
