"""Labels read off the generated signals: episodes, onsets and what happens within each horizon.

A bottleneck or failure of a kind is on while its rule holds; runs shorter than PERSIST minutes
(benign spikes, noise) do not count and runs less than MERGE_GAP minutes apart are one episode.
The onset is the first minute of an episode.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from forewarn.simulator.schema import HORIZONS, Signals

PERSIST = 5
MERGE_GAP = 30

Rule = Callable[[Signals], np.ndarray]
BOTTLENECK_RULES: dict[str, Rule] = {
    "cpu": lambda s: (s["cpu_utilization"] >= 95) & (s["agent_queue_depth"] >= 30),
    "memory": lambda s: s["memory_usage"] >= 92,
    "disk": lambda s: s["disk_io"] >= 5000,
    "agent_queue": lambda s: (s["agent_queue_depth"] >= 80) & (s["thread_pool_utilization"] >= 0.9),
}
FAILURE_RULES: dict[str, Rule] = {
    "out_of_memory": lambda s: s["memory_usage"] >= 99,
    "disk_space_exhaustion": lambda s: s["disk_space_remaining"] < 0.02,
    "connection_pool_exhaustion": lambda s: s["connection_pool_utilization"] >= 0.99,
    "thread_pool_exhaustion": lambda s: s["thread_pool_utilization"] >= 0.99,
    "service_outage": lambda s: s["error_rate"] >= 0.1,
}


def episodes(condition: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(onset, on) masks of the episodes of a (systems, minutes) condition."""
    systems, minutes = condition.shape
    edges = np.diff(np.pad(condition.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    keep = ends - starts >= PERSIST
    rows, starts, ends = rows[keep], starts[keep], ends[keep]
    first = np.ones(len(rows), bool)
    first[1:] = (rows[1:] != rows[:-1]) | (starts[1:] - ends[:-1] >= MERGE_GAP)
    last = np.roll(first, -1)  # first[0] is True, so the last run always closes an episode
    onset = np.zeros((systems, minutes), bool)
    onset[rows[first], starts[first]] = True
    change = np.zeros((systems, minutes + 1), np.int8)
    change[rows[first], starts[first]] = 1
    change[rows[last], ends[last]] = -1
    return onset, np.cumsum(change[:, :minutes], axis=1) > 0


def onsets(signals: Signals, rules: dict[str, Rule]) -> tuple[np.ndarray, np.ndarray]:
    """(kind of onset per minute as an index into rules, -1 for none; any episode on)."""
    shape = signals["cpu_utilization"].shape
    kind, on = np.full(shape, -1), np.zeros(shape, bool)
    for index, rule in reversed(list(enumerate(rules.values()))):  # the first rule wins ties
        onset, active = episodes(rule(signals))
        kind[onset] = index
        on |= active
    return kind, on


def horizon_labels(kind: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Minutes to the next onset strictly after each minute and its kind, within max(HORIZONS)."""
    minutes = kind.shape[1]
    clock = np.arange(minutes)
    never = minutes + max(HORIZONS) + 1
    at = np.where(kind >= 0, clock, never)
    upcoming = np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1]
    following = np.concatenate([upcoming[:, 1:], np.full((len(kind), 1), never)], axis=1)
    wait = following - clock
    seen = wait <= max(HORIZONS)
    next_kind = np.take_along_axis(kind, np.minimum(following, minutes - 1), axis=1)
    return {
        "minutes": np.where(seen, wait, np.nan),
        "next": np.where(seen, np.asarray(names, dtype=object)[next_kind], ""),
    }
