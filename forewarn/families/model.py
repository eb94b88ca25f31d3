"""The fitted model every family produces: an event booster, an optional type booster, and the
facts needed to serve them (features, horizons, decision threshold, calibration for intervals).

Prediction uses XGBoost's native `inplace_predict` on numpy arrays: no DMatrix, no pandas.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import xgboost as xgb

EVENT_FILE, TYPE_FILE, META_FILE = "event.ubj", "type.ubj", "model.json"


@dataclass
class ModelFacts:
    """Everything about a fitted model except its boosters."""

    family: str
    feature_names: list[str]
    horizons: list[int]
    window: int
    threshold: float
    calibration_edges: list[float]
    calibration_counts: list[int]
    type_classes: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    feature_medians: list[float] = field(default_factory=list)  # stand-ins for missing inputs


class EventModel:
    """Probability that an event starts within a horizon, the likely type, and why."""

    def __init__(self, facts: ModelFacts, event: xgb.Booster, types: xgb.Booster | None) -> None:
        self.facts, self.event, self.types = facts, event, types
        for booster in (event, types):
            if booster is not None:
                booster.set_param({"nthread": 1})

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(event within the row's horizon) for each feature row."""
        return self.event.inplace_predict(np.asarray(features, dtype=np.float32))

    def type_probabilities(self, features: np.ndarray) -> np.ndarray:
        """Rows x classes probabilities of which type the next event is (empty without types)."""
        if self.types is None:
            return np.zeros((len(features), 0))
        return self.types.inplace_predict(np.asarray(features, dtype=np.float32))

    def contributions(self, features: np.ndarray, exact: bool = False) -> np.ndarray:
        """Per-feature contributions to the event log-odds (rows x features, bias dropped).

        By default Saabas path attributions (XGBoost's `approx_contribs`: each split's change
        of the expected score credited to its feature), some 30 times cheaper than the exact
        TreeSHAP values that `exact` asks for; both sum to the same log-odds.
        """
        # Columns are in `facts.feature_names` order by construction (`feature_rows`): naming
        # them again and validating the names would double the cost of a small batch.
        matrix = xgb.DMatrix(np.asarray(features, dtype=np.float32), nthread=1)
        return self.event.predict(
            matrix, pred_contribs=True, approx_contribs=not exact, validate_features=False
        )[:, :-1]

    def interval(
        self, probability: np.ndarray, confidence: float | np.ndarray = 0.95
    ) -> np.ndarray:
        """A Wilson interval around each probability (rows x 2), at one confidence for all rows
        or one per row.

        Its width comes from how many validation examples the model scored in the same
        calibration bin: sparse regions of the score get wide intervals.
        """
        p = np.asarray(probability, dtype=np.float64)
        edges = np.asarray(self.facts.calibration_edges)
        counts = np.asarray(self.facts.calibration_counts, dtype=np.float64)
        n = np.maximum(
            counts[np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(counts) - 1)], 1.0
        )
        levels, rows = np.unique(np.broadcast_to(confidence, p.shape), return_inverse=True)
        z = np.array([NormalDist().inv_cdf(0.5 + level / 2) for level in levels])[rows]
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return np.column_stack([np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)])

    def save(self, folder: Path) -> Path:
        """Write the boosters (UBJSON) and the facts (JSON) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        self.event.save_model(folder / EVENT_FILE)
        if self.types is not None:
            self.types.save_model(folder / TYPE_FILE)
        (folder / META_FILE).write_text(json.dumps(asdict(self.facts), indent=2))
        return folder

    @classmethod
    def load(cls, folder: Path) -> EventModel:
        """Read a model written by `save`."""
        facts = ModelFacts(**json.loads((folder / META_FILE).read_text()))
        event = xgb.Booster(model_file=str(folder / EVENT_FILE))
        type_path = folder / TYPE_FILE
        types = xgb.Booster(model_file=str(type_path)) if type_path.exists() else None
        return cls(facts, event, types)
