"""The MLflow pyfunc face of an EventModel, so `mlflow models serve` and `mlflow.pyfunc.load_model`
work on every registered version. Forewarn's own serving loads the boosters natively instead."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema

from forewarn.families.model import EventModel

MODEL_ARTIFACT = "model"


def pip_requirements(extra: tuple[str, ...] = ()) -> list[str]:
    """Exact pins of what loading the model needs (MLflow's inference is slow and wrong here)."""
    names = ("mlflow", "xgboost-cpu", "numpy", "pandas", "scikit-learn", *extra)
    return [f"{name}=={version(name)}" for name in names]


def signature(feature_names: list[str]) -> ModelSignature:
    """Float32 feature columns in, one probability out."""
    inputs = Schema([ColSpec("float", name) for name in feature_names])
    return ModelSignature(inputs=inputs, outputs=Schema([ColSpec("double", "probability")]))


class EventModelPyfunc(PythonModel):
    """Input: a frame of feature columns (including `horizon_minutes`); output: probabilities."""

    def load_context(self, context: Any) -> None:
        self.model = EventModel.load(Path(context.artifacts[MODEL_ARTIFACT]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.Series:
        columns = self.model.facts.feature_names
        missing = [name for name in columns if name not in model_input.columns]
        if missing:
            raise ValueError(f"input lacks feature columns: {missing}")
        features = model_input[columns].to_numpy(dtype="float32")
        return pd.Series(self.model.probability(features), name="probability")
