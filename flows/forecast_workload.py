"""Flow `forecast-workload`: forecast every series of a metric dataset, publish the forecasts,
and register the policy as a `workload` version behind the gate (scheduled hourly).

Per step, one task fits the global model across the step's series; then one task per series
backtests the local candidates, chooses and forecasts, fanned out by the task runner (threads,
or Dask with `FOREWARN_TASK_RUNNER=dask`). A series that fails is named in the run and left out.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.runner import task_runner
from forewarn.families.workload import WORKLOAD
from forewarn.forecasting import BacktestPlan, default_horizon
from forewarn.forecasting.candidates import FACTORIES
from forewarn.forecasting.jobs import SeriesOutcome, members_score
from forewarn.promotion import decide
from forewarn.settings import get_settings
from forewarn.tracking import CHAMPION, Registry
from tasks.datasets import load_dataset
from tasks.evaluation import apply_decision, publish_decision
from tasks.forecasting import (
    fit_global,
    forecast_one,
    local_candidates,
    log_workload,
    prepare,
    publish_forecasts,
    series_table,
)

CandidateName = Literal["seasonal_naive", "prophet", "auto_ets", "auto_theta", "mstl", "global_xgb"]


@flow(name="forecast-workload", log_prints=True, task_runner=task_runner())
def forecast_workload(
    dataset: str = WORKLOAD.dataset,
    dataset_version: str | None = None,
    horizon: int | None = None,
    series: list[str] | None = None,
    candidates: list[CandidateName] | None = None,
    origins: int = 6,
) -> dict[str, Any]:
    """Forecast `horizon` steps (default: per step, 6 hours to 2 weeks) of every series (or
    those in `series`) with the model each one's backtest chooses among `candidates`
    (default: all), publish the forecasts and gate the new policy against the champion's.
    The champion's own models always compete too: the gate compares on the same backtest."""
    frame, manifest = load_dataset(dataset, dataset_version)
    prepared = prepare(frame, series)
    names = list(dict.fromkeys([*(candidates or FACTORIES), *_champion_models()]))
    outcomes, failures = _forecast_all(prepared.series, names, horizon, origins)
    failures |= prepared.failures
    if not outcomes:
        raise RuntimeError(f"no series could be forecast: {failures}")
    params: dict[str, object] = {
        "candidates": ",".join(names),
        "horizon": horizon or "per step",
        "origins": origins,
        "series": len(prepared.series),
    }
    logged, _, metrics = log_workload(outcomes, prepared, failures, manifest, params)
    decision = _gate(outcomes, logged.version, metrics)
    published = publish_forecasts(outcomes, manifest, logged.version)
    create_table_artifact(
        table=[
            {str(k): v for k, v in row.items()}
            for row in series_table(outcomes, failures).fillna("").to_dict("records")
        ],
        key="workload-forecasts",
        description=f"workload v{logged.version}: held-out MASE {metrics['mase']:.3f} "
        f"(seasonal naive {metrics['baseline_mase']:.3f}); {decision.outcome}",
    )
    _log_summary(metrics, failures, decision.outcome, logged.version)
    return {
        "family": WORKLOAD.name,
        "run_id": logged.run_id,
        "version": logged.version,
        "dataset_version": manifest.version,
        "forecasts_run": published.run_id,
        "metrics": {
            "mase": metrics["mase"],
            "coverage_80": metrics["coverage_80"],
            "coverage_95": metrics["coverage_95"],
        },
        "baseline": {"mase": metrics["baseline_mase"]},
        "failures": failures,
        "decision": asdict(decision),
    }


def _forecast_all(
    series: list[Any], names: list[str], horizon: int | None, origins: int
) -> tuple[list[SeriesOutcome], dict[str, str]]:
    """One global-model task per step, then one task per series; failures by series id."""
    local = local_candidates(names)
    futures = []
    for step in sorted({s.step for s in series}):
        group = [s for s in series if s.step == step]
        plan = BacktestPlan(horizon or default_horizon(step), origins)
        fitted = fit_global.submit(group, plan) if "global_xgb" in names else None
        for item in group:
            # Prefect resolves the global model's future before the task runs.
            submitted = forecast_one.submit(item, plan, local, fitted)  # type: ignore[arg-type]
            futures.append((item.series_id, submitted))
    outcomes, failures = [], {}
    for series_id, future in futures:
        state = future.wait() or future.state
        if state.is_completed():
            outcomes.append(future.result())
        else:
            failures[series_id] = str(state.message or state.name)
    return outcomes, failures


def _champion_models() -> list[str]:
    """Every model the champion's policy uses, at any step (none before the first)."""
    registry = Registry(get_settings())
    champion = registry.alias_version(WORKLOAD.name, CHAMPION)
    if champion is None:
        return []
    policy = registry.workload_policy(champion.version)
    return [name for method in policy.methods for name in method.members]


def _gate(outcomes: list[SeriesOutcome], version: str, metrics: dict[str, float]) -> Any:
    """The gate on the same backtest: the champion's policy scored on these series' origins."""
    registry = Registry(get_settings())
    champion = registry.alias_version(WORKLOAD.name, CHAMPION)
    incumbent = None
    if champion is not None and champion.version != version:
        policy = registry.workload_policy(champion.version)
        scores = [members_score(o.backtest, policy.method_for(o.step).members) for o in outcomes]
        incumbent = {"mase": float(np.nanmean(scores))} if np.isfinite(scores).any() else None
    decision = decide(WORKLOAD.gate, metrics, incumbent)
    apply_decision(WORKLOAD.name, version, decision)
    publish_decision(
        WORKLOAD.name,
        version,
        champion.version if champion else None,
        decision,
        {"mase": metrics["mase"]},
        incumbent,
    )
    return decision


def _log_summary(
    metrics: dict[str, float], failures: dict[str, str], outcome: str, version: str
) -> None:
    logger = get_run_logger()
    logger.info(
        "workload v%s: held-out MASE %.3f (seasonal naive %.3f), coverage 80%% %.2f, 95%% %.2f; %s",
        version,
        metrics["mase"],
        metrics["baseline_mase"],
        metrics["coverage_80"],
        metrics["coverage_95"],
        outcome,
    )
    for series_id, why in failures.items():
        logger.warning("series %s failed: %s", series_id, why)
