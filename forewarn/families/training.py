"""Fitting: the event booster with early stopping, the type booster, threshold and calibration."""

from __future__ import annotations

from typing import Any

import numpy as np
import xgboost as xgb

from forewarn.families.examples import Examples, TimeSplit
from forewarn.families.metrics import best_f1_threshold
from forewarn.families.model import EventModel, ModelFacts

HORIZON_FEATURE = "horizon_minutes"
CALIBRATION_BINS = 10
DEFAULT_ROUNDS = 400
DEFAULT_PARAMS: dict[str, Any] = {
    "eta": 0.08,
    "max_depth": 6,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "tree_method": "hist",
    "nthread": 2,
    "seed": 0,
}


def fit_event_model(family: str, split: TimeSplit, window: int, params: dict[str, Any],
                    rounds: int = DEFAULT_ROUNDS) -> EventModel:
    """Fit on `split.train`; stop early, calibrate and pick the F1 threshold on validation."""
    event = _fit_event(split, params, rounds)
    validation_scores = event.inplace_predict(split.validation.features)
    edges, counts = _calibration(validation_scores)
    classes, types = _fit_types(split.train, params, rounds // 2)
    facts = ModelFacts(
        family=family,
        feature_names=list(split.train.feature_names),
        horizons=sorted(int(h) for h in np.unique(split.train.horizons)),
        window=window,
        threshold=best_f1_threshold(split.validation.labels, validation_scores),
        calibration_edges=edges,
        calibration_counts=counts,
        type_classes=classes,
        feature_medians=np.median(split.train.features, axis=0).tolist(),
    )
    return EventModel(facts, event, types)


def _fit_event(split: TimeSplit, params: dict[str, Any], rounds: int) -> xgb.Booster:
    names = list(split.train.feature_names)
    monotone = tuple(1 if name == HORIZON_FEATURE else 0 for name in names)
    train = xgb.QuantileDMatrix(split.train.features, split.train.labels, feature_names=names)
    valid = xgb.DMatrix(split.validation.features, split.validation.labels, feature_names=names)
    settings = DEFAULT_PARAMS | params | {
        "objective": "binary:logistic",
        "eval_metric": ["logloss", "aucpr"],
        "monotone_constraints": str(monotone),
    }
    return xgb.train(settings, train, num_boost_round=rounds, evals=[(valid, "validation")],
                     early_stopping_rounds=40, verbose_eval=False)


def _fit_types(train: Examples, params: dict[str, Any],
               rounds: int) -> tuple[list[str], xgb.Booster | None]:
    rows = train.labels & (train.event_types != "")
    classes = sorted(set(train.event_types[rows].tolist()))
    if len(classes) < 2:
        return classes, None
    targets = np.searchsorted(classes, train.event_types[rows])
    matrix = xgb.QuantileDMatrix(train.features[rows], targets,
                                 feature_names=list(train.feature_names))
    settings = DEFAULT_PARAMS | params | {"objective": "multi:softprob",
                                          "num_class": len(classes)}
    return classes, xgb.train(settings, matrix, num_boost_round=rounds)


def _calibration(scores: np.ndarray) -> tuple[list[float], list[int]]:
    """Quantile bin edges of validation scores and how many scores fell in each bin."""
    quantiles = np.quantile(scores, np.linspace(0, 1, CALIBRATION_BINS + 1)) if len(scores) else []
    edges = np.unique(np.concatenate([[0.0], np.asarray(quantiles)[1:-1], [1.0]]))
    counts, _ = np.histogram(scores, bins=edges)
    return edges[:-1].tolist(), counts.tolist()
