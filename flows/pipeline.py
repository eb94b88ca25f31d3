"""Flow `pipeline`: ingest -> train -> evaluate -> promote, for one family or all of them
(the `workload` family: ingest -> forecast-workload, which gates its own version).

Each training flow judges its own version (the `evaluate-model` subflow), so the pipeline
collects the decisions from the training flows' results rather than evaluating again.

With `ingest_bundled`, each family's bundled dataset is ingested first (a no-op when its content
is already stored), so a fresh stack bootstraps itself with one run of this flow.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow, get_run_logger

from flows.forecast_workload import forecast_workload
from flows.ingest_dataset import ingest_dataset
from flows.runner import task_runner
from flows.train import TRAINING_FLOWS
from forewarn.bundled import bundled_dataset
from forewarn.families import FAMILIES, get_family
from forewarn.families.workload import WORKLOAD
from forewarn.settings import get_settings

FamilyChoice = Literal["all", "bottleneck", "failure", "incident", "workload"]


@flow(name="pipeline", log_prints=True, task_runner=task_runner())
def pipeline(family: FamilyChoice = "all", ingest_bundled: bool = True) -> list[dict[str, Any]]:
    """Run the whole lifecycle per family; returns each family's metrics and gate decision."""
    families = [*FAMILIES, WORKLOAD.name] if family == "all" else [family]
    datasets = {name: _dataset_of(name) for name in families}
    if ingest_bundled:
        for dataset in sorted(set(datasets.values())):
            _ingest_bundled(dataset)
    summaries = [
        forecast_workload(dataset=datasets[name])
        if name == WORKLOAD.name
        else TRAINING_FLOWS[name](dataset=datasets[name])
        for name in families
    ]
    for summary in summaries:
        get_run_logger().info(
            "%s v%s: %s", summary["family"], summary["version"], summary["decision"]["outcome"]
        )
    return summaries


def _dataset_of(family: str) -> str:
    return WORKLOAD.dataset if family == WORKLOAD.name else get_family(family).dataset


def _ingest_bundled(name: str) -> dict[str, Any]:
    bundled = bundled_dataset(get_settings(), name)
    return ingest_dataset(
        source=str(bundled.path),
        name=bundled.name,
        kind=bundled.kind,
        licence=bundled.licence,
        description=bundled.description,
    )
