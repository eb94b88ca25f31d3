"""Tasks of the `forecast-workload` flow: prepare, fit the global model, forecast each series,
publish the forecasts, and record the run in MLflow."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
from forewarn.forecasting.candidates import FACTORIES, GlobalBoosted
from forewarn.forecasting.jobs import GlobalResult, SeriesOutcome, forecast_series, global_forecasts
from forewarn.forecasting.plots import forecast_figure
from forewarn.forecasting.policy import WorkloadPolicy, policy_from
from forewarn.forecasting.store import PublishedRun, SeriesSummary, publish
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
    outcomes: Sequence[SeriesOutcome], manifest: Manifest, version: str | None
) -> PublishedRun:
    """The forecasts as Parquet under this run's folder, then the `latest` pointer."""
    frame = pd.concat([o.forecast.to_frame() for o in outcomes], ignore_index=True)
    summaries = {
        o.series_id: SeriesSummary(
            o.choice.model, list(o.choice.members), o.choice.score, o.step.total_seconds()
        )
        for o in outcomes
    }
    run_id = str(flow_run.id or f"local-{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S}")
    store = open_store(get_settings())
    return publish(store, run_id, frame, (manifest.name, manifest.version), summaries, version)


@task(name="log-and-register", cache_policy=NO_CACHE, **IO_RETRIES)
def log_workload(
    outcomes: Sequence[SeriesOutcome],
    prepared: PreparedFrame,
    failures: dict[str, str],
    manifest: Manifest,
    params: dict[str, object],
) -> tuple[LoggedRun, WorkloadPolicy, dict[str, float]]:
    """Metrics, a plot per series, the per-series table and the dataset into MLflow; the
    policy registered as a new `workload` version."""
    steps = {o.series_id: o.step for o in outcomes}
    policy = policy_from({o.series_id: o.choice for o in outcomes}, steps)
    metrics = run_metrics(outcomes) | {"failed_series": float(len(failures))}
    by_id = {s.series_id: s for s in prepared.series}
    worst = sorted(outcomes, key=lambda o: -o.held_out.get("selected", 0.0))[:PLOTTED]
    record = RunRecord(
        experiment=WORKLOAD.name,
        run_name=f"forecast-workload-{manifest.version}",
        tags=manifest.tags
        | {
            "git.commit": git_commit(),
            "family": WORKLOAD.name,
            FLOW_RUN_TAG: str(flow_run.id or ""),
        },
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


def _stem(series_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in series_id)[-80:]
