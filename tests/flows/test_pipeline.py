"""The whole lifecycle on small data, and the gate's outcomes, against real servers."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from flows.pipeline import pipeline
from flows.train import train_bottleneck
from forewarn.families import FAMILIES, Gate, get_family
from forewarn.families.bottleneck import BottleneckFamily
from forewarn.families.workload import WORKLOAD
from forewarn.provenance import git_commit
from forewarn.settings import Settings
from forewarn.tracking import CHALLENGER, CHAMPION, Registry
from forewarn.tracking.descriptions import Described
from tasks.datasets import catalog


@pytest.fixture(scope="module")
def first_run(stack: Settings) -> list[dict[str, Any]]:
    """The pipeline over every family; the tests below check each family's summary."""
    summaries = pipeline(family="all")
    assert [s["family"] for s in summaries] == [
        *FAMILIES,
        WORKLOAD.name,
    ]  # none looped over nothing
    return summaries


def family_of(name: str) -> Described:
    return WORKLOAD if name == WORKLOAD.name else get_family(name)


def test_pipeline_crowns_a_champion_per_family_that_passes_its_gate(
    stack: Settings, first_run: list[dict[str, Any]]
) -> None:
    registry = Registry(stack)
    for summary in first_run:
        family = summary["family"]
        champion = registry.alias_version(family, CHAMPION)
        gate = family_of(family).gate
        assert summary["decision"]["outcome"] == CHAMPION, summary["decision"]
        assert champion is not None and champion.version == summary["version"]
        assert gate.clears(summary["metrics"][gate.metric])


def test_telemetry_models_beat_their_threshold_baselines(first_run: list[dict[str, Any]]) -> None:
    for summary in first_run:
        if summary["family"] in ("bottleneck", "failure"):
            assert summary["metrics"]["pr_auc"] > summary["baseline"]["pr_auc"] + 0.1


def test_training_runs_carry_data_code_and_family_tags(
    stack: Settings, first_run: list[dict[str, Any]]
) -> None:
    registry = Registry(stack)
    for summary in first_run:
        run = registry.client.get_run(summary["run_id"])
        tags = run.data.tags
        assert tags["family"] == summary["family"]
        assert tags["dataset.version"] == summary["dataset_version"]
        assert len(tags["dataset.sha256"]) == 64
        assert tags["git.commit"] == git_commit()
        assert len(tags["prefect.flow_run_id"]) == 36  # the training flow run that logged it
        assert tags["gate.outcome"] == CHAMPION
        artifacts = {a.path for a in registry.client.list_artifacts(run.info.run_id, "plots")}
        if summary["family"] == WORKLOAD.name:
            assert {"mase", "baseline_mase", "coverage_80", "coverage_95"} <= set(run.data.metrics)
            assert any(path.startswith("plots/forecast-") for path in artifacts)
        else:
            assert {"roc_auc", "baseline_roc_auc", "pr_auc", "f1"} <= set(run.data.metrics)
            assert "plots/pr_curve.png" in artifacts


def test_training_runs_log_their_catalog_dataset_as_input(
    stack: Settings, first_run: list[dict[str, Any]]
) -> None:
    registry = Registry(stack)
    for summary in first_run:
        run = registry.client.get_run(summary["run_id"])
        [logged] = run.inputs.dataset_inputs
        manifest = catalog().manifest(
            family_of(summary["family"]).dataset, summary["dataset_version"]
        )
        dataset = logged.dataset
        assert (dataset.name, dataset.digest) == (manifest.name, manifest.version)
        assert json.loads(dataset.profile)["num_rows"] == manifest.rows
        assert json.loads(dataset.source)["uri"].endswith(
            f"/{manifest.name}/{manifest.version}/data.parquet"
        )
        columns = json.loads(dataset.schema)["mlflow_colspec"]
        assert [c["name"] for c in columns] == list(manifest.schema)
        tags = {tag.key: tag.value for tag in logged.tags}
        assert tags == {"mlflow.data.context": "training", "dataset.sha256": manifest.sha256}


def test_model_and_versions_are_described_from_their_family(
    stack: Settings, first_run: list[dict[str, Any]]
) -> None:
    registry = Registry(stack)
    for summary in first_run:
        family = family_of(summary["family"])
        described = registry.client.get_registered_model(family.name).description
        assert " ".join(inspect.getdoc(family).split()) in described  # the class docstring
        assert f"`{family.dataset}`" in described and f"`{family.gate.metric}`" in described
        assert f"{family.gate.threshold:g}" in described
        version = registry.version(family.name, summary["version"]).description
        assert f"`{family.dataset}@{summary['dataset_version']}`" in version
        assert f"{summary['metrics'][family.gate.metric]:.3f}" in version
        run = registry.client.get_run(summary["run_id"])
        assert run.data.tags["mlflow.note.content"] == version  # the run page's description


def test_registered_model_loads_natively_and_predicts(
    stack: Settings, first_run: list[dict[str, Any]]
) -> None:
    summary = next(s for s in first_run if s["family"] == "bottleneck")
    model = Registry(stack).load("bottleneck", summary["version"])

    assert model.facts.family == "bottleneck"
    assert model.facts.metrics["roc_auc"] == pytest.approx(summary["metrics"]["roc_auc"])


def test_failed_gate_leaves_the_champion_untouched(
    stack: Settings, first_run: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(stack)
    before = registry.alias_version("bottleneck", CHAMPION).version
    monkeypatch.setattr(BottleneckFamily, "gate", Gate(metric="roc_auc", threshold=0.999))

    candidate = train_bottleneck(dataset="telemetry-sim")  # judges its version on its own
    decision = candidate["decision"]

    assert decision["outcome"] == "rejected" and decision["version"] == candidate["version"]
    assert "misses the threshold" in decision["reason"]
    assert registry.alias_version("bottleneck", CHAMPION).version == before
    tags = registry.version("bottleneck", candidate["version"]).tags
    assert tags["gate.outcome"] == "rejected" and tags["gate.threshold"] == "0.999"
    assert registry.client.get_run(candidate["run_id"]).data.tags["gate.outcome"] == "rejected"


def test_worse_candidate_becomes_challenger_not_champion(
    stack: Settings, first_run: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = Registry(stack)
    before = registry.alias_version("bottleneck", CHAMPION).version
    monkeypatch.setattr(BottleneckFamily, "gate", Gate(metric="roc_auc", threshold=0.5))

    weak = train_bottleneck(dataset="telemetry-sim", max_depth=1, rounds=1)
    decision = weak["decision"]

    assert decision["outcome"] == CHALLENGER, decision
    assert decision["champion"] > decision["candidate"]
    assert registry.alias_version("bottleneck", CHAMPION).version == before
    assert registry.alias_version("bottleneck", CHALLENGER).version == weak["version"]
