"""Resource allocation: the cheapest allocation that keeps each resource's utilisation under
the forecast peak load within a healthy range, weighed by the caller's objectives.

The model is deliberately simple and stated: each resource's demand at peak is its current
utilisation times the current allocation times the forecast peak-to-now load ratio; performance
falls as peak utilisation passes the knee (70%) and reaches 0 at saturation; reliability is the
smallest headroom left at peak; cost is linear in unit prices. SLSQP solves the weighted
objective under the caller's constraints; integer units are then rounded up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

KNEE = 0.7
DEFAULT_UNIT_COSTS = {"cpu_cores": 1.0, "memory_gb": 0.125, "gpu_count": 10.0, "storage_gb": 0.01}


@dataclass(frozen=True)
class Problem:
    """What is allocated now, how loaded it will be, and what the caller values."""

    current: Mapping[str, float]  # resource -> units allocated now
    utilisation: Mapping[str, float]  # resource -> peak utilisation fraction at current units
    weights: Mapping[str, float]  # minimize_cost, maximize_performance, maintain_reliability
    max_cost_increase: float
    min_performance: float
    unit_costs: Mapping[str, float]


@dataclass(frozen=True)
class Plan:
    """An allocation and what it is expected to do."""

    allocation: dict[str, float]
    cost_change: float
    performance: float
    reliability: float
    feasible: bool


def performance(utilisation: np.ndarray) -> float:
    """1 while every resource stays under the knee, falling to 0 at saturation."""
    excess = np.clip((utilisation - KNEE) / (1 - KNEE), 0, 1)
    return float(np.prod(1 - excess**2))


def evaluate(problem: Problem, units: np.ndarray) -> Plan:
    names = list(problem.current)
    now = np.array([problem.current[n] for n in names], dtype=float)
    demand = now * np.array([problem.utilisation[n] for n in names])
    prices = np.array([problem.unit_costs.get(n, 0.0) for n in names])
    utilisation = demand / np.maximum(units, 1e-9)
    cost_now = float(prices @ now) or 1.0
    cost_change = float(prices @ (units - now)) / cost_now
    perf = performance(utilisation)
    reliability = float(np.clip(1 - utilisation.max(initial=0), 0, 1))
    feasible = (
        cost_change <= problem.max_cost_increase + 1e-9 and perf >= problem.min_performance - 1e-9
    )
    return Plan(
        dict(zip(names, units.tolist(), strict=True)), cost_change, perf, reliability, feasible
    )


def solve(problem: Problem) -> Plan:
    """The best allocation for the weighted objectives, rounded up to whole units."""
    names = list(problem.current)
    now = np.array([problem.current[n] for n in names], dtype=float)
    w = problem.weights

    def objective(units: np.ndarray) -> float:
        plan = evaluate(problem, units)
        return (
            w.get("minimize_cost", 0.0) * plan.cost_change
            - w.get("maximize_performance", 0.0) * plan.performance
            - w.get("maintain_reliability", 0.0) * plan.reliability
        )

    constraints = [
        {
            "type": "ineq",
            "fun": lambda u: problem.max_cost_increase - evaluate(problem, u).cost_change,
        },
        {
            "type": "ineq",
            "fun": lambda u: evaluate(problem, u).performance - problem.min_performance,
        },
    ]
    bounds = [(max(0.25 * n, 0.0), max(4.0 * n, 1.0)) if n > 0 else (0.0, 0.0) for n in now]
    result = minimize(
        objective,
        now,
        method="SLSQP",
        bounds=bounds,
        constraints=constraints,
        options={"maxiter": 200, "ftol": 1e-6},
    )
    units = np.ceil(np.maximum(result.x, 0) - 1e-6)
    return evaluate(problem, np.where(now > 0, units, 0.0))
