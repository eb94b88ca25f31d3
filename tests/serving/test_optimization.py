"""POST /v1/predict/resource-optimization and the solver under it."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from forewarn.forecasting.store import PublishedRun
from forewarn.optimization import DEFAULT_UNIT_COSTS, Problem, evaluate, performance, solve
from support import CPU, FORECAST_SYSTEM, MEMORY, RAMP, Z80, bottleneck_body

SEED_REQUEST = {
    "system_id": "prod-cluster-01",
    "current_allocation": {"cpu_cores": 64, "memory_gb": 256, "gpu_count": 4, "storage_gb": 1000},
    "workload_forecast": {
        "predicted_load": [0.65, 0.78, 0.82, 0.69],
        "peak_hours": ["09:00", "14:00", "19:00"],
        "agent_distribution": {"backend-staff": 0.4, "other": 0.6},
    },
    "objectives": {"minimize_cost": 0.3, "maximize_performance": 0.4, "maintain_reliability": 0.3},
    "constraints": {
        "max_cost_increase": 0.15,
        "min_performance_level": 0.95,
        "availability_requirement": 0.999,
    },
}


def hot_problem(**changes: object) -> Problem:
    facts = {
        "current": {"cpu_cores": 64.0, "memory_gb": 256.0},
        "utilisation": {"cpu_cores": 0.9, "memory_gb": 0.6},
        "weights": {"minimize_cost": 0.3, "maximize_performance": 0.7},
        "max_cost_increase": 0.3,
        "min_performance": 0.95,
        "unit_costs": DEFAULT_UNIT_COSTS,
    }
    return Problem(**(facts | changes))


def test_performance_is_whole_below_the_knee_and_zero_at_saturation() -> None:
    assert performance(np.array([0.5, 0.7])) == 1.0
    assert performance(np.array([1.0, 0.2])) == 0.0
    assert 0 < performance(np.array([0.85])) < 1


def test_solver_relieves_the_hot_resource_within_the_cost_ceiling() -> None:
    problem = hot_problem()
    plan = solve(problem)

    assert plan.feasible
    assert plan.allocation["cpu_cores"] > 64
    assert plan.cost_change <= 0.3 + 1e-9 and plan.performance >= 0.95
    assert all(float(u).is_integer() for u in plan.allocation.values())


def test_an_impossible_ceiling_is_reported_as_infeasible() -> None:
    plan = solve(hot_problem(max_cost_increase=-0.5))
    assert not plan.feasible
    assert evaluate(hot_problem(), np.array([64.0, 256.0])).performance < 0.95


def test_seed_request_gets_a_plan_alternatives_and_bottleneck_risk(
    client: TestClient, keys: dict[str, str]
) -> None:
    body = SEED_REQUEST | {
        "current_utilization": {"cpu_cores": 0.8, "memory_gb": 0.75},
        "features": bottleneck_body()["features"],
    }

    answer = client.post(
        "/v1/predict/resource-optimization", json=body, headers={"X-API-Key": keys["predict"]}
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    optimization = result["optimization"]
    assert set(optimization["recommended_allocation"]) == set(SEED_REQUEST["current_allocation"])
    assert optimization["expected_outcomes"]["cost_change"] <= 0.15 + 1e-9
    assert [a["name"] for a in result["alternatives"]] == [
        "cost_optimized",
        "performance_optimized",
    ]
    assert (
        result["alternatives"][0]["cost_change"]
        <= optimization["expected_outcomes"]["cost_change"] + 1e-9
    )
    assert 0 <= result["bottleneck_risk"]["probability"] <= 1
    steps = optimization["implementation_plan"]
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))


def test_unknown_resources_are_refused(client: TestClient, keys: dict[str, str]) -> None:
    body = SEED_REQUEST | {"current_allocation": {"quantum_bits": 5}}
    answer = client.post(
        "/v1/predict/resource-optimization", json=body, headers={"X-API-Key": keys["predict"]}
    )
    assert answer.status_code == 400
    assert any(k.startswith("current_allocation") for k in answer.json()["error"]["details"])


def test_optimizer_takes_the_peak_from_published_forecasts(
    client: TestClient, keys: dict[str, str], published_run: PublishedRun
) -> None:
    body = {"system_id": FORECAST_SYSTEM, "current_allocation": {"cpu_cores": 64, "memory_gb": 256}}
    answer = client.post(
        "/v1/predict/resource-optimization", json=body, headers={"X-API-Key": keys["predict"]}
    )
    elsewhere = client.post(
        "/v1/predict/resource-optimization",
        json=body | {"system_id": "no-forecast-cluster"},
        headers={"X-API-Key": keys["predict"]},
    )

    assert answer.status_code == 200, answer.text
    notes = answer.json()["assumptions"]
    assert len(notes) == 2 and all("published forecast" in note for note in notes)
    assert f"cpu_cores peak utilisation {(RAMP[-1] + Z80 * 2) / 100:.0%}" in notes[0]
    assert CPU in notes[0] and MEMORY in notes[1]
    assert answer.json()["optimization"]["recommended_allocation"]["cpu_cores"] > 64
    assert any("assumed 70%" in note for note in elsewhere.json()["assumptions"])
