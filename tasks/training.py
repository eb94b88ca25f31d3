"""Tasks that fit a family and record the run in MLflow."""

from __future__ import annotations

from typing import Any

import pandas as pd
from prefect import task
from prefect.runtime import flow_run

from forewarn.catalog import Manifest
from forewarn.families import TrainingResult, get_family
from forewarn.provenance import git_commit
from forewarn.reports import training_figures
from forewarn.settings import get_settings
from forewarn.tracking import FLOW_RUN_TAG, CatalogDataset, LoggedRun, Registry
from tasks.datasets import data_uri
from tasks.retry import IO_RETRIES


@task(name="fit-and-evaluate")
def fit_and_evaluate(family: str, frame: pd.DataFrame, params: dict[str, Any]) -> TrainingResult:
    """Time-ordered split, fit, and held-out evaluation against the baseline."""
    return get_family(family).train(frame, params)


@task(name="log-and-register", **IO_RETRIES)
def log_and_register(
    family: str, result: TrainingResult, manifest: Manifest, params: dict[str, Any]
) -> LoggedRun:
    """Log params, metrics, plots, the dataset and the model to MLflow; register a version."""
    evaluation = result.evaluation
    metrics = evaluation.model | {f"baseline_{k}": v for k, v in evaluation.baseline.items()}
    tags = manifest.tags | {
        "git.commit": git_commit(),
        "family": family,
        FLOW_RUN_TAG: str(flow_run.id or ""),
    }
    logged_params = (
        params
        | {f"rows_{k}": v for k, v in result.split_sizes.items()}
        | {"window": result.model.facts.window, "horizons": result.model.facts.horizons}
    )
    return Registry(get_settings()).log_training(
        result.model,
        experiment=family,
        run_name=f"train-{family}-{manifest.version}",
        tags=tags,
        params=logged_params,
        metrics=metrics,
        figures=training_figures(result.model, evaluation),
        dataset=CatalogDataset(manifest, data_uri(manifest)),
    )
