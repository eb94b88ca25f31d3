"""Flow `forecast-workload`: forecast every series of a metric dataset, publish the forecasts,
and register the policy as a `workload` version behind the gate (scheduled hourly).

Per step, one task fits the global model across the step's series; then one task per series
backtests the local candidates, chooses and forecasts, fanned out by the task runner (threads,
or Dask with `FOREWARN_TASK_RUNNER=dask`). A series that fails is named in the run and left out.

Choosing is the expensive part (a rolling-origin backtest of every candidate), and an hourly
run rarely has cause to choose again, so each run stores its choices next to its forecasts and
the next run refreshes: it only refits each series' chosen members on the latest history (the
global one once per step), intervals from the stored calibration, and logs a refresh run in
MLflow without registering a version or gating (the champion did not change). `reselect=None`
chooses again for a series with no stored choice, for a different step or horizon, or when the
stored choices are older than a day or were made on another dataset (a newer version of the
same dataset only brings new points to refit on); True always, False never when a choice is
stored. Series chosen again in a refresh run go through the full path.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any, Literal

import numpy as np
from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture

from flows.runner import task_runner
from forewarn.catalog import Manifest
from forewarn.families.workload import WORKLOAD
from forewarn.forecasting import BacktestPlan, default_horizon
from forewarn.forecasting.candidates import FACTORIES, GlobalBoosted
from forewarn.forecasting.jobs import SeriesOutcome, members_score
from forewarn.forecasting.pipeline import SeriesForecast
from forewarn.forecasting.policy import WorkloadPolicy
from forewarn.forecasting.refresh import fits_plan
from forewarn.forecasting.store import StoredChoice
from forewarn.promotion import Decision, decide
from forewarn.settings import get_settings
from forewarn.tracking import CHAMPION, LoggedRun, Registry
from tasks.datasets import load_dataset
from tasks.evaluation import apply_decision, publish_decision
from tasks.forecasting import (
    fit_global,
    forecast_one,
    local_candidates,
    log_refresh,
    log_workload,
    prepare,
    publish_forecasts,
    refit_global,
    refresh_one,
    reusable,
    series_table,
    stored,
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
    reselect: bool | None = None,
) -> dict[str, Any]:
    """Forecast `horizon` steps (default: per step, 6 hours to 2 weeks) of every series (or
    those in `series`) with the model each one's backtest chooses among `candidates`
    (default: all), publish the forecasts and gate the new policy against the champion's.
    The champion's own models always compete too: the gate compares on the same backtest.
    Series whose stored choice is reused (`reselect`, see the module) are only refreshed."""
    started = time.perf_counter()
    frame, manifest = load_dataset(dataset, dataset_version)
    prepared = prepare(frame, series)
    kept, published_version = _kept_choices(prepared.series, manifest, horizon, reselect)
    refreshed, failures = _refresh_all([s for s in prepared.series if s.series_id in kept], kept)
    full = [s for s in prepared.series if s.series_id not in kept]
    champion = _champion() if full else None  # read once: its models compete, then it is gated
    champion_models = (
        [m for method in champion[1].methods for m in method.members] if champion else []
    )
    names = list(dict.fromkeys([*(candidates or FACTORIES), *champion_models]))
    outcomes, full_failures = _forecast_all(full, names, horizon, origins) if full else ([], {})
    failures |= full_failures | prepared.failures
    if not outcomes and not refreshed:
        raise RuntimeError(f"no series could be forecast: {failures}")
    kept = {f.series_id: kept[f.series_id] for f in refreshed}
    if not outcomes:
        seconds = time.perf_counter() - started
        run_id = log_refresh(len(refreshed), seconds, failures, manifest)
        return _publish_refresh(refreshed, kept, failures, manifest, published_version, run_id)
    params: dict[str, object] = {
        "candidates": ",".join(names),
        "horizon": horizon or "per step",
        "origins": origins,
        "series": len(prepared.series),
        "refreshed": len(refreshed),
    }
    logged, _, metrics = log_workload(outcomes, prepared, failures, manifest, params, kept)
    decision = _gate(outcomes, logged.version, metrics, champion)
    return _publish_full(outcomes, refreshed, kept, failures, manifest, logged, metrics, decision)


def _kept_choices(
    series: list[Any], manifest: Manifest, horizon: int | None, reselect: bool | None
) -> tuple[dict[str, StoredChoice], str | None]:
    """The stored choices to refresh, by series id (see the module), and their version."""
    if reselect is True:
        return {}, None
    kept, version = reusable(manifest)
    return {
        s.series_id: kept[s.series_id]
        for s in series
        if fits_plan(kept.get(s.series_id), s, horizon or default_horizon(s.step))
    }, version


def _publish_full(
    outcomes: list[SeriesOutcome],
    refreshed: list[SeriesForecast],
    kept: dict[str, StoredChoice],
    failures: dict[str, str],
    manifest: Manifest,
    logged: LoggedRun,
    metrics: dict[str, float],
    decision: Decision,
) -> dict[str, Any]:
    """Publish every forecast with the choices, and say what the gate decided."""
    forecasts = [*refreshed, *(o.forecast for o in outcomes)]
    choices = kept | {o.series_id: stored(o) for o in outcomes}
    published = publish_forecasts(forecasts, choices, manifest, logged.version)
    create_table_artifact(
        table=_rows(series_table(outcomes, failures)),
        key="workload-forecasts",
        description=f"workload v{logged.version}: held-out MASE {metrics['mase']:.3f} "
        f"(seasonal naive {metrics['baseline_mase']:.3f}); {decision.outcome}"
        + (f"; {len(refreshed)} series refreshed" if refreshed else ""),
    )
    _log_summary(metrics, failures, decision.outcome, logged.version)
    return {
        "family": WORKLOAD.name,
        "mode": "full",
        "run_id": logged.run_id,
        "version": logged.version,
        "dataset_version": manifest.version,
        "forecasts_run": published.run_id,
        "refreshed": sorted(kept),
        "metrics": {key: metrics[key] for key in ("mase", "coverage_80", "coverage_95")},
        "baseline": {"mase": metrics["baseline_mase"]},
        "failures": failures,
        "decision": asdict(decision),
    }


def _publish_refresh(
    refreshed: list[SeriesForecast],
    kept: dict[str, StoredChoice],
    failures: dict[str, str],
    manifest: Manifest,
    version: str | None,
    run_id: str,
) -> dict[str, Any]:
    """Publish a refresh run's forecasts under the version they came from, and say so."""
    published = publish_forecasts(refreshed, kept, manifest, version)
    rows = [{"series_id": f.series_id, "model": f.model, "members": "+".join(f.members)}
            for f in refreshed]  # fmt: skip
    rows += [{"series_id": series_id, "error": why} for series_id, why in failures.items()]
    create_table_artifact(
        table=[{k: str(v) for k, v in row.items()} for row in rows],
        key="workload-forecasts",
        description=f"refresh: {len(refreshed)} series refitted with their stored choices "
        f"(workload v{version}, nothing registered)",
    )
    logger = get_run_logger()
    logger.info("refresh: %d series refitted, %d failed", len(refreshed), len(failures))
    for series_id, why in failures.items():
        logger.warning("series %s failed: %s", series_id, why)
    return {
        "family": WORKLOAD.name,
        "mode": "refresh",
        "run_id": run_id,
        "version": version,
        "dataset_version": manifest.version,
        "forecasts_run": published.run_id,
        "refreshed": sorted(kept),
        "failures": failures,
        "decision": None,
    }


def _rows(table: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in table.fillna("").to_dict("records")]


def _refresh_all(
    series: list[Any], kept: dict[str, StoredChoice]
) -> tuple[list[SeriesForecast], dict[str, str]]:
    """Per step, one task refits the global model where chosen; then one task per series."""
    futures = []
    for step in sorted({s.step for s in series}):
        group = [s for s in series if s.step == step]
        users = [s for s in group if GlobalBoosted.name in kept[s.series_id].choice.members]
        fitted = refit_global.submit(users, kept[users[0].series_id].horizon) if users else None
        using = {s.series_id for s in users}
        for item in group:
            found = fitted if item.series_id in using else None
            submitted = refresh_one.submit(item, kept[item.series_id], found)  # type: ignore[arg-type]
            futures.append((item.series_id, submitted))
    return _collect(futures)


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
    return _collect(futures)


def _collect(futures: list[tuple[str, PrefectFuture[Any]]]) -> tuple[list[Any], dict[str, str]]:
    """Each future's result, or why its series failed (by series id)."""
    results, failures = [], {}
    for series_id, future in futures:
        state = future.wait() or future.state
        if state.is_completed():
            results.append(future.result())
        else:
            failures[series_id] = str(state.message or state.name)
    return results, failures


def _champion() -> tuple[str, WorkloadPolicy] | None:
    """The champion's version and policy (None before the first)."""
    registry = Registry(get_settings())
    champion = registry.alias_version(WORKLOAD.name, CHAMPION)
    if champion is None:
        return None
    return champion.version, registry.workload_policy(champion.version)


def _gate(
    outcomes: list[SeriesOutcome],
    version: str,
    metrics: dict[str, float],
    champion: tuple[str, WorkloadPolicy] | None,
) -> Decision:
    """The gate on the same backtest: the champion's policy scored on these series' origins."""
    incumbent = None
    if champion is not None and champion[0] != version:
        policy = champion[1]
        scores = [members_score(o.backtest, policy.method_for(o.step).members) for o in outcomes]
        incumbent = {"mase": float(np.nanmean(scores))} if np.isfinite(scores).any() else None
    decision = decide(WORKLOAD.gate, metrics, incumbent)
    apply_decision(WORKLOAD.name, version, decision)
    publish_decision(
        WORKLOAD.name,
        version,
        champion[0] if champion else None,
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
