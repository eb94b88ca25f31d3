"""The naive ceiling of this stack: one FastAPI route that parses a feature row and calls
`Booster.inplace_predict` on it (no auth, no metrics, no features computed from windows).

Run by `benchmarks/serving.py` as `uvicorn benchmarks.minimal_app:app`, with
`FOREWARN_BENCH_MODEL` naming a folder saved by `EventModel.save`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel

from forewarn.families import EventModel

model = EventModel.load(Path(os.environ["FOREWARN_BENCH_MODEL"]))
app = FastAPI()


class Row(BaseModel):
    features: list[float]


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/predict")
def predict(row: Row) -> dict[str, float]:
    features = np.asarray(row.features, dtype=np.float32)[None, :]
    return {"probability": float(model.event.inplace_predict(features)[0])}
