"""Fitting: the event and type boosters, each stopped early on validation and cut back to its
best round (the rounds after it would only cost time per prediction), then the threshold and
calibration."""

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
PATIENCE = 40  # rounds without a better validation score before stopping
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


def fit_event_model(
    family: str, split: TimeSplit, window: int, params: dict[str, Any], rounds: int = DEFAULT_ROUNDS
) -> EventModel:
    """Fit on `split.train`; stop early, calibrate and pick the F1 threshold on validation."""
    event = _fit_event(split, params, rounds)
    validation_scores = event.inplace_predict(split.validation.features)
    edges, counts = _calibration(validation_scores)
    classes, types = _fit_types(split, params, max(1, rounds // 2))
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
    settings = (
        DEFAULT_PARAMS
        | params
        | {
            "objective": "binary:logistic",
            "eval_metric": ["logloss", "aucpr"],
            "monotone_constraints": str(monotone),
        }
    )
    return _train_to_best(settings, train, valid, rounds)


def _fit_types(
    split: TimeSplit, params: dict[str, Any], rounds: int
) -> tuple[list[str], xgb.Booster | None]:
    """Which type the coming event has, learnt from the positive rows that name one."""
    train_rows = _typed(split.train)
    classes = sorted(set(split.train.event_types[train_rows].tolist()))
    if len(classes) < 2:
        return classes, None
    names = list(split.train.feature_names)
    matrix = xgb.QuantileDMatrix(
        split.train.features[train_rows],
        np.searchsorted(classes, split.train.event_types[train_rows]),
        feature_names=names,
    )
    settings = (
        DEFAULT_PARAMS
        | params
        | {"objective": "multi:softprob", "num_class": len(classes), "eval_metric": "mlogloss"}
    )
    valid_rows = _typed(split.validation) & np.isin(split.validation.event_types, classes)
    if not valid_rows.any():
        return classes, xgb.train(settings, matrix, num_boost_round=rounds)
    valid = xgb.DMatrix(
        split.validation.features[valid_rows],
        np.searchsorted(classes, split.validation.event_types[valid_rows]),
        feature_names=names,
    )
    return classes, _train_to_best(settings, matrix, valid, rounds)


def _typed(examples: Examples) -> np.ndarray:
    return np.asarray(examples.labels & (examples.event_types != ""))


def _train_to_best(
    settings: dict[str, Any], train: xgb.DMatrix, valid: xgb.DMatrix, rounds: int
) -> xgb.Booster:
    """Boost until the validation score (the last eval metric) stops improving, and keep only
    the rounds up to the best one."""
    stop = xgb.callback.EarlyStopping(rounds=PATIENCE, save_best=True)
    return xgb.train(
        settings,
        train,
        num_boost_round=rounds,
        evals=[(valid, "validation")],
        callbacks=[stop],
        verbose_eval=False,
    )


def _calibration(scores: np.ndarray) -> tuple[list[float], list[int]]:
    """Quantile bin edges of validation scores and how many scores fell in each bin."""
    quantiles = np.quantile(scores, np.linspace(0, 1, CALIBRATION_BINS + 1)) if len(scores) else []
    edges = np.unique(np.concatenate([[0.0], np.asarray(quantiles)[1:-1], [1.0]]))
    counts, _ = np.histogram(scores, bins=edges)
    return edges[:-1].tolist(), counts.tolist()
