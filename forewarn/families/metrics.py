"""Held-out metrics: ranking quality, the decision at a threshold, per horizon."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from forewarn.families.examples import Examples

HEADLINE = ("roc_auc", "pr_auc", "f1", "precision", "recall")


def classification(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """ROC-AUC, PR-AUC, and F1/precision/recall of `scores >= threshold`; NaN for one class."""
    labels = np.asarray(labels, dtype=bool)
    decided = np.asarray(scores) >= threshold
    true_positive = float(np.sum(decided & labels))
    precision = true_positive / max(float(decided.sum()), 1.0)
    recall = true_positive / max(float(labels.sum()), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < labels.sum() < len(labels)
    return {
        "roc_auc": float(roc_auc_score(labels, scores)) if both else float("nan"),
        "pr_auc": float(average_precision_score(labels, scores)) if both else float("nan"),
        "f1": f1,
        "precision": precision,
        "recall": recall,
    }


def by_horizon(examples: Examples, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Metrics per horizon (`roc_auc_h15`, ...) and their mean over horizons (`roc_auc`, ...)."""
    results: dict[str, float] = {}
    per_metric: dict[str, list[float]] = {name: [] for name in HEADLINE}
    for horizon in np.unique(examples.horizons):
        rows = examples.horizons == horizon
        metrics = classification(examples.labels[rows], scores[rows], threshold)
        for name, value in metrics.items():
            results[f"{name}_h{int(horizon)}"] = value
            per_metric[name].append(value)
    results |= {name: float(np.nanmean(values)) for name, values in per_metric.items()}
    results["positive_rate"] = float(np.mean(examples.labels))
    return results


def best_f1_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold with the highest F1 (0.5 when the labels hold one class)."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return 0.5
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])
