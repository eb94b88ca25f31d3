"""The naive ceiling of this stack: one FastAPI route that parses the feature row in MLflow's
`dataframe_split` JSON with a pydantic model and calls `Booster.inplace_predict` on it.

No auth, no rate limits, no metrics, no capture, no features computed from raw metric windows,
no explanation: what is left is the web framework, JSON parsing and one XGBoost call. The route
is `async`, so the prediction runs on the event loop rather than in a thread pool.

`benchmarks/launch.py minimal_app:app` runs it; `MINIMAL_MODEL_DIR` names a folder written by
Forewarn's `EventModel.save` (its event booster and feature names).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import xgboost as xgb
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from forewarn.families.model import EVENT_FILE, META_FILE

FOLDER = Path(os.environ["MINIMAL_MODEL_DIR"])
FEATURES: list[str] = json.loads((FOLDER / META_FILE).read_text())["feature_names"]
booster = xgb.Booster(model_file=str(FOLDER / EVENT_FILE))
booster.set_param({"nthread": 1})  # one thread per online predictor (see ../shared/STACK.md)

app = FastAPI(title="minimal XGBoost endpoint")


class Split(BaseModel):
    columns: list[str]
    data: list[list[float]]


class Frame(BaseModel):
    dataframe_split: Split


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/invocations")
async def invocations(frame: Frame) -> dict[str, list[float]]:
    """The same request and response shapes as `mlflow models serve`."""
    if frame.dataframe_split.columns != FEATURES:
        raise HTTPException(400, f"columns must be {FEATURES}")
    rows = np.asarray(frame.dataframe_split.data, dtype=np.float32)
    return {"predictions": booster.inplace_predict(rows).tolist()}
