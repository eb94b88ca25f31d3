"""Prefect flows, one per file; `served_flows` lists those deployed by `deployments/serve.py`."""

from __future__ import annotations

from typing import Any

from prefect import Flow


def served_flows() -> list[Flow[..., Any]]:
    """Every flow served as a deployment named like the flow (the CLI runs them by name)."""
    from flows.evaluate_model import evaluate_model
    from flows.forecast_workload import forecast_workload
    from flows.ingest_dataset import ingest_dataset
    from flows.pipeline import pipeline
    from flows.train import TRAINING_FLOWS

    return [ingest_dataset, *TRAINING_FLOWS.values(), evaluate_model, forecast_workload, pipeline]
