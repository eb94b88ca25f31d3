"""POST /predict/resource-optimization: requests into `forewarn.optimization` problems, plans
into the seed's response shape, plus the bottleneck champion's risk when metrics are given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from forewarn.optimization import DEFAULT_UNIT_COSTS, Plan, Problem, evaluate, solve
from forewarn.schemas.optimization import OptimizationRequest
from forewarn.schemas.predictions import BottleneckRequest
from serving.model_cache import ModelCache
from serving.predictors import bottleneck_outlook
from serving.published_forecasts import PublishedForecasts
from serving.utilisation_forecasts import ForecastPeak, forecast_peaks

ALTERNATIVES = {
    "cost_optimized": (
        {"minimize_cost": 1.0},
        "Lowest cost that still meets the performance floor; less headroom for surprises",
    ),
    "performance_optimized": (
        {"maximize_performance": 1.0, "maintain_reliability": 0.5},
        "Most headroom the cost ceiling allows; costs more",
    ),
}


ASSUMED_UTILISATION = 0.7


def assumptions(
    body: OptimizationRequest, published: Mapping[str, ForecastPeak] | None = None
) -> list[str]:
    """What the request leaves open, said in the response rather than hidden; where a
    published forecast gave a resource's peak, which one."""
    published = published or {}
    notes = [peak.note(resource) for resource, peak in published.items()]
    rest = [r for r in body.current_allocation if r not in published]
    if body.workload_forecast is None and rest:
        of = f" of {', '.join(rest)}" if published else ""
        notes.append(f"no workload forecast: today's utilisation{of} is taken as the peak")
    unknown = [r for r in rest if r not in body.current_utilization]
    if unknown and body.workload_forecast is None:
        notes.append(
            f"utilisation of {', '.join(unknown)} unknown: assumed "
            f"{ASSUMED_UTILISATION:.0%} at peak"
        )
    return notes


def _peaks(
    body: OptimizationRequest, published: Mapping[str, ForecastPeak] | None = None
) -> dict[str, float]:
    load = body.workload_forecast.predicted_load if body.workload_forecast else [1.0]
    growth = max(load) / max(load[0], 1e-6)
    fallback = max(load) if body.workload_forecast else ASSUMED_UTILISATION
    forecast = {resource: peak.peak for resource, peak in (published or {}).items()}
    return {
        r: forecast[r]
        if r in forecast
        else min(body.current_utilization[r] * growth, 1.5)
        if r in body.current_utilization
        else fallback
        for r in body.current_allocation
    }


def problem(
    body: OptimizationRequest,
    weights: dict[str, float] | None = None,
    published: Mapping[str, ForecastPeak] | None = None,
) -> Problem:
    utilisation = _peaks(body, published)
    current = {str(name): units for name, units in body.current_allocation.items()}
    return Problem(
        current=current,
        utilisation=utilisation,
        weights=weights or body.objectives.model_dump(),
        max_cost_increase=body.constraints.max_cost_increase,
        min_performance=body.constraints.min_performance_level,
        unit_costs=DEFAULT_UNIT_COSTS | dict(body.unit_costs),
    )


def _steps(problem_: Problem, plan: Plan) -> list[dict[str, Any]]:
    cost_now = sum(problem_.unit_costs.get(r, 0) * u for r, u in problem_.current.items()) or 1
    now = np.array(list(problem_.current.values()), dtype=float)
    baseline = evaluate(problem_, now).performance
    steps: list[dict[str, Any]] = []
    for resource, units in plan.allocation.items():
        delta = units - problem_.current[resource]
        if abs(delta) < 1e-9:
            continue
        verb = "increase" if delta > 0 else "reduce"
        steps.append(
            {
                "step": len(steps) + 1,
                "action": f"{verb}_{resource}",
                "details": f"{problem_.current[resource]:g} -> {units:g} {resource}",
                "cost_impact": round(problem_.unit_costs.get(resource, 0) * delta / cost_now, 4),
                "expected_impact": round(_alone(problem_, now, resource, units) - baseline, 4),
            }
        )
    return steps


def _alone(problem_: Problem, now: np.ndarray, resource: str, units: float) -> float:
    """Modelled performance when only `resource` moves to `units`."""
    changed = now.copy()
    changed[list(problem_.current).index(resource)] = units
    return evaluate(problem_, changed).performance


def optimize(
    body: OptimizationRequest, models: ModelCache, forecasts: PublishedForecasts | None = None
) -> dict[str, Any]:
    """The response body, without request id; peaks from the published forecasts of the
    system's utilisation where `forecasts` has them."""
    published = (
        forecast_peaks(body.system_id, body.current_allocation, forecasts) if forecasts else {}
    )
    base = problem(body, published=published)
    now = evaluate(base, np.array(list(base.current.values()), dtype=float))
    plan = solve(base)
    alternatives = []
    for name, (weights, trade_offs) in ALTERNATIVES.items():
        other = solve(problem(body, weights, published))
        alternatives.append(
            {
                "name": name,
                "allocation": other.allocation,
                "cost_change": round(other.cost_change, 4),
                "performance_impact": round(other.performance - plan.performance, 4),
                "trade_offs": trade_offs,
            }
        )
    steps = _steps(base, plan)
    return {
        "system_id": body.system_id,
        "optimization": {
            "recommended_allocation": plan.allocation,
            "scaling_strategy": "vertical" if steps else "none",
            "implementation_plan": steps,
            "expected_outcomes": {
                "cost_change": round(plan.cost_change, 4),
                "performance_improvement": round(plan.performance - now.performance, 4),
                "reliability_impact": round(plan.reliability - now.reliability, 4),
            },
            "feasible": plan.feasible,
        },
        "alternatives": alternatives,
        "bottleneck_risk": _risk(body, models),
        "assumptions": assumptions(body, published),
    }


def _risk(body: OptimizationRequest, models: ModelCache) -> dict[str, Any] | None:
    if body.features is None:
        return None
    loaded = models.get("bottleneck")
    request = BottleneckRequest(system_id=body.system_id, features=body.features)
    answer = bottleneck_outlook(loaded, request).forecasts[0]
    return {
        "probability": answer.probability,
        "predicted_resource": answer.likely_type,
        "model_version": loaded.version,
    }
