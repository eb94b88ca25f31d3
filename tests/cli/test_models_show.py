"""`forewarn models show` rows against a real MLflow server: aliases from the registered model,
the dataset from the training run's tags, creation times in UTC minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from forewarn.catalog import Catalog, Manifest
from forewarn.cli.models import utc_minutes, version_rows
from forewarn.families import get_family
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.stack import Supervisor
from forewarn.stack.components import mlflow_component
from forewarn.storage import open_store
from forewarn.tracking import CHALLENGER, CHAMPION, Registry
from support import free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        home=tmp_path_factory.mktemp("models-home"),
        mlflow_port=free_port(),
        prefect_port=free_port(),
    )
    with Supervisor(settings, [mlflow_component(settings)]):
        yield settings


@pytest.fixture(scope="module")
def manifest(settings: Settings) -> Manifest:
    frame = simulate(systems=4, days=7, seed=3)
    stored, _ = Catalog(open_store(settings)).add(
        frame, "cli-telemetry", "telemetry", source="test", licence="MIT"
    )
    return stored


@pytest.fixture(scope="module")
def registry(settings: Settings, manifest: Manifest) -> Registry:
    """Two versions of `bottleneck` trained on `manifest`, tagged as the training task tags them:
    the dataset on the run; v1 champion, v2 challenger with the gate's tags on the version."""
    registry = Registry(settings)
    frame, _ = Catalog(open_store(settings)).load(manifest.name, manifest.version)
    result = get_family("bottleneck").train(frame, {"rounds": 20})
    for _ in range(2):
        registry.log_training(
            result.model,
            experiment="cli-models",
            run_name="cli-test",
            tags=manifest.tags,
            params={},
            metrics={},
            figures={},
        )
    registry.set_alias("bottleneck", CHAMPION, "1")
    registry.set_alias("bottleneck", CHALLENGER, "2")
    registry.tag_version("bottleneck", "2", {"gate.outcome": CHALLENGER, "gate.reason": "close"})
    return registry


def test_rows_show_aliases_dataset_gate_and_utc_time(
    registry: Registry, manifest: Manifest
) -> None:
    rows = version_rows(registry, "bottleneck")
    dataset = f"cli-telemetry@{manifest.version}"
    assert [row[:5] for row in rows] == [
        ("2", CHALLENGER, CHALLENGER, "close", dataset),
        ("1", CHAMPION, "-", "-", dataset),
    ]
    for row, version in zip(rows, registry.versions("bottleneck"), strict=True):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[5])
        assert row[5] == utc_minutes(version.creation_timestamp)


def test_unknown_model_has_no_rows(registry: Registry) -> None:
    assert version_rows(registry, "no-such-model") == []


def test_times_are_utc() -> None:
    assert utc_minutes(0) == "1970-01-01 00:00"
    assert utc_minutes(1_767_781_800_000) == "2026-01-07 10:30"
