"""All MLflow access: logging training runs, the registry and its aliases, loading models.

This is the only module that talks to MlflowClient. It always goes through the tracking server
(`settings.mlflow_tracking_uri`), the one access mode under which artifacts load everywhere.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import pandas as pd
from matplotlib.figure import Figure
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from forewarn.families import EventModel, get_family
from forewarn.families.workload import WORKLOAD
from forewarn.forecasting.policy import WorkloadPolicy
from forewarn.settings import Settings
from forewarn.tracking.datasets import TRAINING, CatalogDataset
from forewarn.tracking.descriptions import Described, model_description, version_description
from forewarn.tracking.pyfunc import (
    MODEL_ARTIFACT,
    EventModelPyfunc,
    pip_requirements,
    signature,
)
from forewarn.tracking.workload import log_policy_model, read_policy

FLOW_RUN_TAG = "prefect.flow_run_id"  # links a training run to the Prefect flow run that made it


@dataclass(frozen=True)
class RunRecord:
    """What a training run logs besides its model."""

    experiment: str
    run_name: str
    tags: dict[str, str]
    params: dict[str, object]
    metrics: dict[str, float]
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # logged as CSV files
    dataset: CatalogDataset | None = None


@dataclass(frozen=True)
class LoggedRun:
    """A training run and the registered version it produced."""

    run_id: str
    model_name: str
    version: str


class Registry:
    """Tracking runs and registered models on one MLflow server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.uri = settings.mlflow_tracking_uri
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)

    def log_training(
        self,
        model: EventModel,
        experiment: str,
        run_name: str,
        tags: dict[str, str],
        params: dict[str, object],
        metrics: dict[str, float],
        figures: dict[str, Figure],
        dataset: CatalogDataset | None = None,
    ) -> LoggedRun:
        """Log one training run with its model and input dataset, and register the model as a
        new version. The run, the version and the registered model get descriptions."""
        record = RunRecord(experiment, run_name, tags, params, metrics, figures, dataset=dataset)
        family = get_family(model.facts.family)
        return self.log_run(family, record, lambda: _log_model(model))

    def log_workload(self, policy: WorkloadPolicy, record: RunRecord) -> LoggedRun:
        """Log a workload forecasting run and register its policy as a `workload` version."""
        return self.log_run(WORKLOAD, record, lambda: log_policy_model(policy))

    def log_run(
        self, family: Described, record: RunRecord, log_model: Callable[[], str]
    ) -> LoggedRun:
        """Log `record` in a run whose `log_model` registers a new version of `family`."""
        manifest = record.dataset.manifest if record.dataset else None
        about = version_description(family, record.metrics, manifest)
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_experiment(record.experiment)
        with mlflow.start_run(run_name=record.run_name, tags=record.tags, description=about) as run:
            _log_record(record)
            version = log_model()
        self.client.set_model_version_tag(family.name, version, "run_id", run.info.run_id)
        self.client.update_model_version(family.name, version, description=about)
        self.client.update_registered_model(family.name, description=model_description(family))
        return LoggedRun(run.info.run_id, family.name, version)

    def log_unregistered(self, record: RunRecord) -> str:
        """Log `record` in a run that registers nothing (a refresh); the run id."""
        mlflow.set_tracking_uri(self.uri)
        mlflow.set_experiment(record.experiment)
        with mlflow.start_run(run_name=record.run_name, tags=record.tags) as run:
            _log_record(record)
        return str(run.info.run_id)

    def load(self, name: str, version: str) -> EventModel:
        """Download a registered version (once; cached under the home folder) and load it."""
        folder = self._downloaded(name, version)
        return EventModel.load(next(folder.rglob(f"artifacts/{MODEL_ARTIFACT}")))

    def workload_policy(self, version: str) -> WorkloadPolicy:
        """The policy of a registered `workload` version."""
        return read_policy(self._downloaded(WORKLOAD.name, version))

    def _downloaded(self, name: str, version: str) -> Path:
        """A registered version's files, downloaded once under the home folder."""
        target = self.settings.home / "models" / name / version
        if not (target / "ready").exists():
            target.mkdir(parents=True, exist_ok=True)
            mlflow.set_tracking_uri(self.uri)
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{version}", dst_path=str(target)
            )
            (target / "ready").touch()
        return target

    def alias_version(self, name: str, alias: str) -> ModelVersion | None:
        """The version `alias` points at, or None."""
        try:
            return self.client.get_model_version_by_alias(name, alias)
        except MlflowException:
            return None

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version of a registered model (searches do not return aliases)."""
        return {k: str(v) for k, v in self.client.get_registered_model(name).aliases.items()}

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(name, alias, version)

    def delete_alias(self, name: str, alias: str) -> None:
        if self.alias_version(name, alias) is not None:
            self.client.delete_registered_model_alias(name, alias)

    def version(self, name: str, version: str) -> ModelVersion:
        return self.client.get_model_version(name, version)

    def versions(self, name: str) -> list[ModelVersion]:
        """Every version of `name`, newest first."""
        found = self.client.search_model_versions(f"name = '{name}'")
        return sorted(found, key=lambda v: int(v.version), reverse=True)

    def latest_version(self, name: str) -> ModelVersion:
        versions = self.versions(name)
        if not versions:
            raise LookupError(f"model {name!r} has no registered version")
        return versions[0]

    def model_names(self) -> list[str]:
        return sorted(m.name for m in self.client.search_registered_models())

    def tag_version(self, name: str, version: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(name, version, key, value)

    def tag_run(self, run_id: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_tag(run_id, key, value)

    def run_metrics(self, run_id: str) -> dict[str, float]:
        return dict(self.client.get_run(run_id).data.metrics)

    def run_tags(self, run_id: str) -> dict[str, str]:
        """A run's tags (the dataset a version saw is tagged on its training run)."""
        return dict(self.client.get_run(run_id).data.tags)


def _log_record(record: RunRecord) -> None:
    """Everything but the model, into the active run."""
    if record.dataset is not None:
        mlflow.log_input(record.dataset, context=TRAINING, tags=record.dataset.input_tags)
    mlflow.log_params({k: str(v) for k, v in record.params.items()})
    mlflow.log_metrics({k: v for k, v in record.metrics.items() if math.isfinite(v)})
    for stem, figure in record.figures.items():
        mlflow.log_figure(figure, f"plots/{stem}.png")
    with tempfile.TemporaryDirectory() as folder:
        for stem, table in record.tables.items():
            path = Path(folder) / f"{stem}.csv"
            table.to_csv(path, index=False)
            mlflow.log_artifact(str(path), "tables")


def _log_model(model: EventModel) -> str:
    """Log the pyfunc model in the active run and register it; the new version number."""
    with tempfile.TemporaryDirectory() as folder:
        saved = model.save(Path(folder) / MODEL_ARTIFACT)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=EventModelPyfunc(),
            artifacts={MODEL_ARTIFACT: str(saved)},
            pip_requirements=pip_requirements(),
            signature=signature(model.facts.feature_names),
            registered_model_name=model.facts.family,
        )
    return str(info.registered_model_version)
