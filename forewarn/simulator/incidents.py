"""Incidents and near-misses: when they happen and what each type does to the signals.

Every incident builds up, stays active, then recovers. Build-ups are shaped so that the signal
crosses its threshold (see `labels`) at about the end of the build-up and escalates in the active
phase; near-misses follow the same path but stop at 45-75% of the build-up and recover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forewarn.simulator.schema import INCIDENT_TYPES, MINUTES_PER_DAY, Signals

NEAR_MISS_RATIO = 0.3  # near-misses per real incident
NEAR_MISS_REACH = (0.45, 0.75)  # share of the build-up a near-miss goes through
NEAR_MISS_PLATEAU = (5, 30)  # minutes a near-miss holds its level before recovering
COOLDOWN = (30, 120)  # quiet minutes after each event
ACTIVE_RAMP = 0.7  # share of the active phase over which an incident escalates to its peak
PRONENESS_CV = 0.7  # spread (coefficient of variation) of incident rates between systems
TYPE_MIX_CONCENTRATION = 1.0  # Dirichlet over types per system: lower = fewer, recurring types


@dataclass(frozen=True)
class Effect:
    """How one incident type moves one metric.

    A "level" effect moves the metric from its normal value towards `build` by the end of the
    build-up (along progress**power), then towards `active`; a "scale" effect multiplies the
    normal value by those factors instead. Each incident draws a point in the (low, high) ranges.
    """

    metric: str
    mode: Literal["level", "scale"]
    build: tuple[float, float]
    active: tuple[float, float]
    power: float = 1.0
    bursts: float = 0.0  # size of occasional random bursts on top (latency spikes)

    def apply(
        self, normal: np.ndarray, phase: Phase, sel: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """The metric's values at the selected minutes of the phase."""
        build, peak = (
            low + (high - low) * phase.intensity[sel] for low, high in (self.build, self.active)
        )
        ramp, escalation = phase.x[sel] ** self.power, phase.y[sel]
        if self.mode == "level":
            moved = normal + (build - normal) * ramp + (peak - build) * escalation
        else:
            moved = normal * (1 + (build - 1) * ramp + (peak - build) * escalation)
        if self.bursts:
            burst = (rng.random(moved.shape) < 0.15) * rng.exponential(self.bursts, moved.shape)
            moved = moved * (1 + ramp * burst)
        return np.asarray(normal + phase.r[sel] * (moved - normal))


@dataclass(frozen=True)
class Spec:
    """Phase lengths in minutes (drawn uniformly) and effects of one incident type."""

    buildup: tuple[int, int]
    active: tuple[int, int]
    recovery: tuple[int, int]
    effects: tuple[Effect, ...]


SPECS: dict[str, Spec] = {
    "memory_leak": Spec((90, 240), (20, 70), (5, 20), (
        Effect("memory_usage", "level", (93.5, 94.5), (101.5, 103.0)),
        Effect("response_time_ms", "scale", (1.4, 1.6), (2.0, 3.0), 2.0),
        Effect("error_rate", "scale", (1.5, 2.5), (5.0, 12.0), 3.0),
        Effect("cpu_utilization", "scale", (1.1, 1.15), (1.2, 1.3), 2.0),
    )),
    "disk_filling": Spec((60, 240), (20, 90), (20, 60), (
        Effect("disk_space_remaining", "level", (0.05, 0.07), (-0.06, -0.03)),
        Effect("disk_io", "level", (5400.0, 5700.0), (5800.0, 7000.0), 1.5),
        Effect("response_time_ms", "scale", (1.1, 1.3), (1.5, 2.5), 2.0),
        Effect("error_rate", "scale", (1.0, 1.5), (3.0, 10.0), 3.0),
    )),
    "traffic_surge": Spec((30, 120), (20, 120), (20, 60), (
        Effect("network_io", "scale", (2.5, 3.0), (3.2, 4.5), 2.0),
        Effect("cpu_utilization", "level", (98.5, 99.5), (100.5, 102.0), 2.0),
        Effect("agent_queue_depth", "level", (90.0, 110.0), (150.0, 300.0), 3.0),
        Effect("active_tasks", "scale", (2.0, 2.5), (3.0, 4.0), 2.0),
        Effect("response_time_ms", "scale", (1.6, 2.0), (2.5, 4.0), 3.0),
        Effect("error_rate", "scale", (1.5, 2.0), (3.0, 6.0), 2.0),
        Effect("thread_pool_utilization", "level", (0.7, 0.75), (0.7, 0.75)),
    )),
    "connection_pool_exhaustion": Spec((45, 180), (20, 90), (10, 40), (
        Effect("connection_pool_utilization", "level", (0.96, 0.975), (1.05, 1.1), 1.5),
        Effect("response_time_ms", "scale", (2.0, 2.5), (3.0, 6.0), 2.0),
        Effect("error_rate", "scale", (2.0, 3.0), (5.0, 12.0), 3.0),
        Effect("active_tasks", "scale", (1.2, 1.4), (1.4, 1.8), 2.0),
    )),
    "thread_pool_exhaustion": Spec((45, 180), (20, 90), (10, 40), (
        Effect("thread_pool_utilization", "level", (0.94, 0.96), (1.05, 1.1)),
        Effect("agent_queue_depth", "level", (95.0, 110.0), (150.0, 300.0), 2.0),
        Effect("active_tasks", "scale", (1.6, 2.0), (2.0, 2.5), 1.5),
        Effect("response_time_ms", "scale", (1.5, 1.8), (2.5, 4.0), 2.0),
        Effect("error_rate", "scale", (1.5, 2.5), (4.0, 8.0), 3.0),
    )),
    "error_storm": Spec((30, 90), (20, 60), (10, 30), (
        Effect("error_rate", "level", (0.11, 0.12), (0.15, 0.5), 2.0),
        Effect("response_time_ms", "scale", (1.8, 2.2), (3.0, 6.0), 2.0, bursts=1.5),
    )),
}  # fmt: skip


@dataclass(frozen=True)
class Phase:
    """Where each minute covered by an event sits in it; flat arrays, one entry per minute."""

    cell: np.ndarray  # flat index into the (systems, minutes) grid
    kind: np.ndarray  # index into INCIDENT_TYPES
    intensity: np.ndarray  # the event's draw in [0, 1] within its effects' ranges
    x: np.ndarray  # build-up progress, 0 -> 1 (a near-miss stops at its reach)
    y: np.ndarray  # escalation during the active phase, 0 -> 1 (0 for near-misses)
    r: np.ndarray  # 1 until recovery starts, then down to 0
    building: np.ndarray  # in the build-up or active phase (not recovering)


def schedule(
    rng: np.random.Generator, systems: int, minutes: int, incidents_per_day: float
) -> pd.DataFrame:
    """Incidents and near-misses: Poisson counts per system, random types, never overlapping.

    Systems differ: each has its own incident rate (mean `incidents_per_day`; some systems are
    flaky) and its own mix of incident types (a leaky service leaks again).

    One row per event: system, kind (index into INCIDENT_TYPES), real, reach (share of the
    build-up gone through), buildup, ramp (minutes of build-up gone through), active, recovery,
    length (ramp + active + recovery), intensity, start (minute of the build-up's start).
    """
    proneness = rng.gamma(1 / PRONENESS_CV**2, PRONENESS_CV**2, systems)
    rate = (1 + NEAR_MISS_RATIO) * incidents_per_day * minutes / MINUTES_PER_DAY * proneness
    system = np.repeat(np.arange(systems), rng.poisson(rate))
    mix = np.cumsum(rng.dirichlet(np.full(len(INCIDENT_TYPES), TYPE_MIX_CONCENTRATION), systems), 1)
    kind = (rng.random((len(system), 1)) > mix[system, :-1]).sum(axis=1)
    real = rng.random(len(system)) >= NEAR_MISS_RATIO / (1 + NEAR_MISS_RATIO)
    reach = np.where(real, 1.0, rng.uniform(*NEAR_MISS_REACH, len(system)))
    events = pd.DataFrame({"system": system, "kind": kind, "real": real, "reach": reach})
    for part in ("buildup", "active", "recovery"):
        low, high = np.array([getattr(SPECS[name], part) for name in INCIDENT_TYPES]).T
        events[part] = rng.integers(low[kind], high[kind] + 1)
    plateau = rng.integers(*NEAR_MISS_PLATEAU, len(system))
    events["active"] = np.where(real, events["active"], plateau)
    events["ramp"] = np.ceil(events["reach"] * events["buildup"]).astype(int)
    events["length"] = events["ramp"] + events["active"] + events["recovery"]
    events["intensity"] = rng.random(len(system))
    footprint = events["length"] + rng.integers(*COOLDOWN, len(system))
    return _place(rng, events, footprint, minutes)


def _place(
    rng: np.random.Generator, events: pd.DataFrame, footprint: pd.Series, minutes: int
) -> pd.DataFrame:
    """Start times spreading each system's events uniformly; events that cannot fit are dropped."""
    fits = footprint.groupby(events["system"]).cumsum() <= minutes
    events, footprint = events[fits].reset_index(drop=True), footprint[fits].reset_index(drop=True)
    ends = footprint.groupby(events["system"]).cumsum()
    free = minutes - footprint.groupby(events["system"]).transform("sum")
    slack = np.floor(rng.random(len(events)) * free.to_numpy())
    slack = slack[np.lexsort((slack, events["system"].to_numpy()))]
    return events.assign(start=(slack + ends - footprint).astype(int))


def phases(events: pd.DataFrame, systems: int, minutes: int) -> Phase:
    """The phase of every minute that an event covers."""
    first = (events["system"] * minutes + events["start"]).to_numpy()
    cell = np.arange(systems * minutes)
    event = np.searchsorted(first, cell, side="right") - 1
    cell, event = cell[event >= 0], event[event >= 0]
    elapsed = cell - first[event]
    ev = {name: column.to_numpy()[event] for name, column in events.items()}
    inside = elapsed < ev["length"]
    ev, cell, elapsed = {k: v[inside] for k, v in ev.items()}, cell[inside], elapsed[inside]
    after_ramp = elapsed - ev["ramp"]
    return Phase(
        cell=cell,
        kind=ev["kind"],
        intensity=ev["intensity"],
        x=np.minimum(elapsed / ev["buildup"], ev["reach"]),
        y=np.clip(after_ramp / (ACTIVE_RAMP * ev["active"]), 0, 1) * ev["real"],
        r=1 - np.clip((after_ramp - ev["active"]) / ev["recovery"], 0, 1),
        building=after_ramp < ev["active"],
    )


def apply_incidents(rng: np.random.Generator, clean: Signals, phase: Phase) -> np.ndarray:
    """Moves the clean signals in place; returns the incident type per minute (-1: none)."""
    for kind, name in enumerate(INCIDENT_TYPES):
        sel = phase.kind == kind
        for effect in SPECS[name].effects:
            values = clean[effect.metric]
            values.flat[phase.cell[sel]] = effect.apply(
                values.flat[phase.cell[sel]], phase, sel, rng
            )
    incident = np.full(clean["cpu_utilization"].shape, -1)
    incident.flat[phase.cell[phase.building]] = phase.kind[phase.building]
    return incident
