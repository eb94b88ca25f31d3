"""The benchmark's champion: trained, registered and aliased in MLflow like any other, and the
seed's bottleneck request turned into the feature row the pyfunc and minimal servers take."""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forewarn.api_keys import KeyStore
from forewarn.families import get_family
from forewarn.families.examples import naive_utc
from forewarn.families.telemetry import feature_rows
from forewarn.schemas.predictions import BottleneckRequest
from forewarn.settings import PROJECT_ROOT, Settings
from forewarn.simulator import simulate
from forewarn.tracking import CHAMPION, Registry
from serving.predictors import bottleneck_query

FAMILY = "bottleneck"


@dataclass(frozen=True)
class Champion:
    """The registered model every server answers with, and what the load sends it."""

    version: str
    api_key: str
    feature_names: list[str]
    row: list[float]  # the seed request's features, as the family computes them
    folder: Path  # the champion saved for the minimal app

    @property
    def frame(self) -> dict[str, Any]:
        """The row as `mlflow models serve` takes it (pyfunc `dataframe_split`)."""
        return {"dataframe_split": {"columns": self.feature_names, "data": [self.row]}}


def seed_request() -> dict[str, Any]:
    """The seed's bottleneck request, as the tests send it (tests/support.py)."""
    spec = importlib.util.spec_from_file_location("support", PROJECT_ROOT / "tests" / "support.py")
    assert spec is not None and spec.loader is not None
    support = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():  # it imports Starlette's TestClient, which warns
        warnings.simplefilter("ignore")
        spec.loader.exec_module(support)
    return support.bottleneck_body()


def feature_row(body: dict[str, Any]) -> list[float]:
    """The feature row Forewarn computes for `body` at its horizon (the family's own code)."""
    spec = get_family(FAMILY).spec
    request = BottleneckRequest.model_validate(body)
    observation = bottleneck_query(request).observation
    windows = {
        m: np.asarray([observation.windows[m]], dtype=np.float64) for m in spec.window_metrics
    }
    levels = {m: np.array([float(observation.levels[m])]) for m in spec.level_metrics}
    stamps = naive_utc(pd.DatetimeIndex([observation.timestamp]))
    rows = feature_rows(spec, windows, levels, stamps, np.array([request.prediction_horizon]))
    return [float(value) for value in rows[0]]


def prepare(settings: Settings) -> Champion:
    """Train, log, register and alias the champion; create an enterprise API key."""
    result = get_family(FAMILY).train(simulate(systems=8, days=14, seed=7))
    registry = Registry(settings)
    logged = registry.log_training(
        result.model,
        experiment="serving-benchmark",
        run_name="serving-benchmark",
        tags={},
        params={},
        metrics={},
        figures={},
    )
    registry.set_alias(FAMILY, CHAMPION, logged.version)
    folder = registry.load(FAMILY, logged.version).save(settings.home / "minimal-model")
    key, _ = KeyStore(settings.api_keys_path).create("benchmark", ["predict"], tier="enterprise")
    return Champion(
        logged.version,
        key,
        list(result.model.facts.feature_names),
        feature_row(seed_request()),
        folder,
    )
