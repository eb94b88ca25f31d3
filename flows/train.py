"""Training flows, one per family: load a dataset version, split by time, fit, evaluate on the
held-out tail against the baseline, log everything to MLflow, register a version, and end by
judging that version against the champion (the `evaluate-model` subflow), so that every version
carries a gate decision."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.evaluate_model import FamilyName, evaluate_model
from flows.runner import task_runner
from tasks.datasets import load_dataset
from tasks.training import fit_and_evaluate, log_and_register


def run_training(
    family: FamilyName, dataset: str, dataset_version: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """The steps every training flow shares; returns the run, version, headline metrics and the
    gate's decision."""
    frame, manifest = load_dataset(dataset, dataset_version)
    result = fit_and_evaluate(family, frame, params)
    logged = log_and_register(family, result, manifest, params)
    model, baseline = result.evaluation.model, result.evaluation.baseline
    get_run_logger().info(
        "%s v%s on %s@%s: ROC-AUC %.3f (baseline %.3f), PR-AUC %.3f (baseline %.3f)",
        family,
        logged.version,
        dataset,
        manifest.version,
        model["roc_auc"],
        baseline["roc_auc"],
        model["pr_auc"],
        baseline["pr_auc"],
    )
    decision = evaluate_model(family, version=logged.version, dataset_version=manifest.version)
    return {
        "family": family,
        "run_id": logged.run_id,
        "version": logged.version,
        "dataset_version": manifest.version,
        "metrics": model,
        "baseline": baseline,
        "decision": decision,
    }


def _params(max_depth: int, eta: float, rounds: int) -> dict[str, Any]:
    return {"max_depth": max_depth, "eta": eta, "rounds": rounds}


@flow(name="train-bottleneck", log_prints=True, task_runner=task_runner())
def train_bottleneck(
    dataset: str = "telemetry-sim",
    dataset_version: str | None = None,
    max_depth: int = 6,
    eta: float = 0.08,
    rounds: int = 400,
) -> dict[str, Any]:
    """Bottleneck within 15-240 minutes, its resource and timing, from telemetry windows."""
    return run_training("bottleneck", dataset, dataset_version, _params(max_depth, eta, rounds))


@flow(name="train-failure", log_prints=True, task_runner=task_runner())
def train_failure(
    dataset: str = "telemetry-sim",
    dataset_version: str | None = None,
    max_depth: int = 6,
    eta: float = 0.08,
    rounds: int = 400,
) -> dict[str, Any]:
    """Failure within 15-1440 minutes and its type, from error, latency and exhaustion signals."""
    return run_training("failure", dataset, dataset_version, _params(max_depth, eta, rounds))


@flow(name="train-incident", log_prints=True, task_runner=task_runner())
def train_incident(
    dataset: str = "real-incidents",
    dataset_version: str | None = None,
    max_depth: int = 4,
    eta: float = 0.05,
    rounds: int = 300,
) -> dict[str, Any]:
    """Early warning of incident windows on single real metrics (NAB, Microsoft)."""
    return run_training("incident", dataset, dataset_version, _params(max_depth, eta, rounds))


TRAINING_FLOWS = {
    "bottleneck": train_bottleneck,
    "failure": train_failure,
    "incident": train_incident,
}
