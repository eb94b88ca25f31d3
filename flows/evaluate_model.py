"""Flow `evaluate-model`: score a candidate version and the champion on the same held-out rows,
apply the family's gate, move the aliases, and record the decision."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from prefect import flow, get_run_logger

from flows.runner import task_runner
from forewarn.families import get_family
from forewarn.promotion import decide
from forewarn.settings import get_settings
from forewarn.tracking import CHAMPION, Registry
from tasks.datasets import load_dataset
from tasks.evaluation import apply_decision, publish_decision, score_version

FamilyName = Literal["bottleneck", "failure", "incident"]


@flow(name="evaluate-model", log_prints=True, task_runner=task_runner())
def evaluate_model(
    family: FamilyName,
    version: str | None = None,
    dataset_version: str | None = None,
) -> dict[str, Any]:
    """Gate `version` (default: the newest) against the champion on the dataset it was trained
    on (or `dataset_version`). A failed gate leaves the champion untouched."""
    registry = Registry(get_settings())
    candidate = registry.version(family, version) if version else registry.latest_version(family)
    champion = registry.alias_version(family, CHAMPION)
    dataset = candidate.tags.get("dataset.name") or get_family(family).dataset
    frame, manifest = load_dataset(
        dataset, dataset_version or candidate.tags.get("dataset.version")
    )
    scored = score_version.submit(family, candidate.version, frame)
    incumbent = None
    if champion is not None and champion.version != candidate.version:
        incumbent = score_version.submit(family, champion.version, frame).result()
    metrics = scored.result()
    decision = decide(get_family(family).gate, metrics, incumbent)
    apply_decision(family, candidate.version, decision)
    publish_decision(
        family,
        candidate.version,
        champion.version if champion else None,
        decision,
        metrics,
        incumbent,
    )
    get_run_logger().info(
        "%s v%s -> %s: %s", family, candidate.version, decision.outcome, decision.reason
    )
    return {
        "family": family,
        "version": candidate.version,
        "dataset_version": manifest.version,
        **asdict(decision),
    }
