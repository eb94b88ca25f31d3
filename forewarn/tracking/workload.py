"""The MLflow face of a `workload` version: its policy as a pyfunc model.

`mlflow.pyfunc.load_model("models:/workload@champion").predict(frame, params={"horizon": 24})`
forecasts every series of a frame (`timestamp`, `value`, optional `series_id`) the way the API
does for data sent with a request. Forewarn's API reads the policy file directly.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc.model import PythonModel

from forewarn.families.workload import WORKLOAD
from forewarn.forecasting.policy import WorkloadPolicy, forecast_prepared
from forewarn.forecasting.preparation import prepare_series
from forewarn.tracking.pyfunc import pip_requirements

POLICY_ARTIFACT = "policy.json"
DEFAULT_HORIZON = 24


class WorkloadPyfunc(PythonModel):
    """Input: `timestamp`, `value` (and `series_id` for several series); output: the forecast
    rows (timestamp, series_id, model, mean, lower/upper 80 and 95 %)."""

    def load_context(self, context: Any) -> None:
        path = Path(context.artifacts[POLICY_ARTIFACT])
        self.policy = WorkloadPolicy.from_dict(json.loads(path.read_text()))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        horizon = int((params or {}).get("horizon", DEFAULT_HORIZON))
        frame = model_input if "series_id" in model_input else model_input.assign(series_id="")
        forecasts = []
        for series_id, rows in frame.groupby("series_id", sort=True):
            prepared = prepare_series(str(series_id), rows["timestamp"], rows["value"])
            forecasts.append(forecast_prepared(self.policy, prepared, horizon).to_frame())
        return pd.concat(forecasts, ignore_index=True)


def log_policy_model(policy: WorkloadPolicy) -> str:
    """Log the policy as a pyfunc model in the active run and register it; the new version."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / POLICY_ARTIFACT
        path.write_text(json.dumps(policy.as_dict(), indent=2))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=WorkloadPyfunc(),
            artifacts={POLICY_ARTIFACT: str(path)},
            pip_requirements=pip_requirements(("prophet", "statsforecast")),
            registered_model_name=WORKLOAD.name,
        )
    return str(info.registered_model_version)


def read_policy(folder: Path) -> WorkloadPolicy:
    """The policy in a downloaded `workload` model folder."""
    return WorkloadPolicy.from_dict(json.loads(next(folder.rglob(POLICY_ARTIFACT)).read_text()))
