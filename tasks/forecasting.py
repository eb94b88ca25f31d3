"""Tasks of the `forecast-workload` flow: prepare, fit the global model, forecast each series
(in full, or refreshing its stored choice), publish the forecasts, and record the run in
MLflow."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from forewarn.catalog import Manifest
from forewarn.families.workload import WORKLOAD
from forewarn.forecasting import (
    BacktestPlan,
    PreparedFrame,
    PreparedSeries,
    SelectionRule,
    prepare_frame,
)
from forewarn.forecasting.candidates import FACTORIES, Forecast, GlobalBoosted
from forewarn.forecasting.jobs import GlobalResult, SeriesOutcome, forecast_series, global_forecasts
from forewarn.forecasting.pipeline import SeriesForecast
from forewarn.forecasting.plots import forecast_figure
from forewarn.forecasting.policy import WorkloadPolicy, policy_from
from forewarn.forecasting.refresh import (
    refresh_global,
    refresh_series,
    reusable_choices,
)
from forewarn.forecasting.store import (
    PublishedRun,
    SeriesSummary,
    StoredChoice,
    latest,
    publish,
    stored_choices,
)
from forewarn.provenance import git_commit
from forewarn.settings import get_settings
from forewarn.storage import open_store
from forewarn.tracking import FLOW_RUN_TAG, CatalogDataset, LoggedRun, Registry, RunRecord
from tasks.datasets import data_uri
from tasks.retry import IO_RETRIES

RULE = SelectionRule()  # chosen once for every series by the benchmark's rule comparison
PLOTTED = 12  # series drawn in MLflow per run (the worst held-out MASE first)


# Inputs are whole series: nothing to gain from hashing them for a cache.
@task(name="prepare-series", cache_policy=NO_CACHE)
def prepare(frame: pd.DataFrame, series: Sequence[str] | None) -> PreparedFrame:
    """Regular series from the dataset (only `series` when given); a series that cannot be
    prepared is reported in `failures`."""
    if series:
        unknown = sorted(set(series) - set(frame["series_id"].astype(str)))
        if unknown:
            raise ValueError(
                f"unknown series {unknown}; the dataset has {frame['series_id'].nunique()}"
            )
        frame = frame[frame["series_id"].astype(str).isin(series)]
    return prepare_frame(frame)


@task(name="fit-global-model", cache_policy=NO_CACHE)
def fit_global(group: list[PreparedSeries], plan: BacktestPlan) -> dict[str, GlobalResult]:
    """The global gradient-boosted model across a group of series of one step, by series."""
    return global_forecasts(group, plan, GlobalBoosted())


@task(name="forecast-series", cache_policy=NO_CACHE)
def forecast_one(
    series: PreparedSeries,
    plan: BacktestPlan,
    local: list[str],
    global_by_series: dict[str, GlobalResult] | None,
) -> SeriesOutcome:
    """Backtest, choose and forecast one series (it fails alone)."""
    found = (global_by_series or {}).get(series.series_id)
    return forecast_series(
        series, plan, local, RULE, {GlobalBoosted.name: found} if found else None
    )


@task(name="stored-choices", cache_policy=NO_CACHE, **IO_RETRIES)
def reusable(manifest: Manifest) -> tuple[dict[str, StoredChoice], str | None]:
    """The latest run's stored choices if this run may reuse them (same dataset version, fresh
    enough), and the model version that run published under."""
    store = open_store(get_settings())
    run = latest(store)
    if run is None:
        return {}, None
    kept = reusable_choices(run, stored_choices(store, run), (manifest.name, manifest.version))
    return dict(kept), run.model_version


@task(name="refit-global-model", cache_policy=NO_CACHE)
def refit_global(group: list[PreparedSeries], horizon: int) -> dict[str, Forecast | Exception]:
    """The global model refitted across the series of one step whose choice uses it."""
    return refresh_global(group, horizon)


@task(name="refresh-series", cache_policy=NO_CACHE)
def refresh_one(
    series: PreparedSeries,
    stored: StoredChoice,
    global_by_series: dict[str, Forecast | Exception] | None,
) -> SeriesForecast:
    """Refit one series' stored choice on its latest history and forecast (it fails alone)."""
    found = (global_by_series or {}).get(series.series_id)
    return refresh_series(series, stored, {GlobalBoosted.name: found} if found else None)


def local_candidates(candidates: Sequence[str]) -> list[str]:
    """The candidates fitted per series (the global one is fitted per step)."""
    return [name for name in candidates if not getattr(FACTORIES[name], "is_global", False)]


def run_metrics(outcomes: Sequence[SeriesOutcome]) -> dict[str, float]:
    """Mean held-out scores over the series: the gate's `mase`, the baseline's, coverage."""

    def mean(key: str) -> float:
        values = [o.held_out.get(key, math.nan) for o in outcomes]
        return float(np.nanmean(values)) if values else math.nan

    metrics = {"mase": mean("selected"), "baseline_mase": mean("seasonal_naive")}
    metrics |= {f"coverage_{level}": mean(f"coverage_{level}") for level in (80, 95)}
    for name in FACTORIES:
        metrics[f"mase_{name}"] = mean(name)
    return metrics | {"series": float(len(outcomes))}


def series_table(outcomes: Sequence[SeriesOutcome], failures: dict[str, str]) -> pd.DataFrame:
    """One row per series: the chosen model, its held-out scores, or why it failed."""
    rows = [
        {
            "series_id": o.series_id,
            "step": str(o.step),
            "model": o.choice.model,
            "members": "+".join(o.choice.members),
            **{k: round(v, 4) for k, v in o.held_out.items()},
        }
        for o in outcomes
    ]
    rows += [{"series_id": series_id, "error": why} for series_id, why in failures.items()]
    return pd.DataFrame(rows)


@task(name="publish-forecasts", cache_policy=NO_CACHE, **IO_RETRIES)
def publish_forecasts(
    forecasts: Sequence[SeriesForecast],
    choices: Mapping[str, StoredChoice],
    manifest: Manifest,
    version: str | None,
) -> PublishedRun:
    """The forecasts as Parquet and the choices that made them under this run's folder, then
    the `latest` pointer."""
    frame = pd.concat([f.to_frame() for f in forecasts], ignore_index=True)
    summaries = {
        f.series_id: SeriesSummary(
            f.model, list(f.members), f.backtest_mase, choices[f.series_id].step_seconds
        )
        for f in forecasts
    }
    run_id = str(flow_run.id or f"local-{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S}")
    store = open_store(get_settings())
    kept = {f.series_id: choices[f.series_id] for f in forecasts}
    dataset = (manifest.name, manifest.version)
    return publish(store, run_id, frame, dataset, summaries, version, choices=kept)


def stored(outcome: SeriesOutcome) -> StoredChoice:
    """What a full run keeps of a series' choice for later refreshes."""
    return StoredChoice(outcome.choice, outcome.step.total_seconds(), len(outcome.forecast.mean))


@task(name="log-refresh", cache_policy=NO_CACHE, **IO_RETRIES)
def log_refresh(
    refreshed: int, seconds: float, failures: dict[str, str], manifest: Manifest
) -> str:
    """A refresh run in MLflow (nothing registered: the champion did not change); its id."""
    record = RunRecord(
        experiment=WORKLOAD.name,
        run_name=f"refresh-workload-{manifest.version}",
        tags=_tags(manifest) | {"mode": "refresh"},
        params={"mode": "refresh"},
        metrics={
            "series_refreshed": float(refreshed),
            "seconds": seconds,
            "failed_series": float(len(failures)),
        },
        dataset=CatalogDataset(manifest, data_uri(manifest)),
    )
    return Registry(get_settings()).log_unregistered(record)


@task(name="log-and-register", cache_policy=NO_CACHE, **IO_RETRIES)
def log_workload(
    outcomes: Sequence[SeriesOutcome],
    prepared: PreparedFrame,
    failures: dict[str, str],
    manifest: Manifest,
    params: dict[str, object],
    kept: Mapping[str, StoredChoice] | None = None,
) -> tuple[LoggedRun, WorkloadPolicy, dict[str, float]]:
    """Metrics, a plot per series, the per-series table and the dataset into MLflow; the
    policy (of these series' choices and the `kept` ones) registered as a new version."""
    kept = kept or {}
    steps = {i: pd.Timedelta(seconds=c.step_seconds) for i, c in kept.items()}
    steps |= {o.series_id: o.step for o in outcomes}
    choices = {i: c.choice for i, c in kept.items()} | {o.series_id: o.choice for o in outcomes}
    policy = policy_from(choices, steps)
    metrics = run_metrics(outcomes) | {"failed_series": float(len(failures))}
    by_id = {s.series_id: s for s in prepared.series}
    worst = sorted(outcomes, key=lambda o: -o.held_out.get("selected", 0.0))[:PLOTTED]
    record = RunRecord(
        experiment=WORKLOAD.name,
        run_name=f"forecast-workload-{manifest.version}",
        tags=_tags(manifest),
        params=params,
        metrics=metrics,
        figures={
            f"forecast-{_stem(o.series_id)}": forecast_figure(by_id[o.series_id], o) for o in worst
        },
        tables={"series": series_table(outcomes, failures)},
        dataset=CatalogDataset(manifest, data_uri(manifest)),
    )
    logged = Registry(get_settings()).log_workload(policy, record)
    return logged, policy, metrics


def _tags(manifest: Manifest) -> dict[str, str]:
    return manifest.tags | {
        "git.commit": git_commit(),
        "family": WORKLOAD.name,
        FLOW_RUN_TAG: str(flow_run.id or ""),
    }


def _stem(series_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in series_id)[-80:]
