"""Plots a training run logs to MLflow: feature importance, PR curves, confusion matrix, and
warnings over a series. Figures are built without pyplot: no global state, no display."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve

from forewarn.families import Evaluation, EventModel

TOP_FEATURES = 20


def feature_importance(model: EventModel) -> Figure:
    """Total gain of the event booster's most useful features."""
    gains = model.event.get_score(importance_type="total_gain")
    top = sorted(gains.items(), key=lambda item: item[1])[-TOP_FEATURES:]
    figure = Figure(figsize=(7, 0.3 * len(top) + 1.2))
    axis = figure.subplots()
    axis.barh([name for name, _ in top], [gain for _, gain in top], color="#3b75af")
    axis.set_xlabel("total gain")
    axis.set_title(f"{model.facts.family}: feature importance")
    figure.tight_layout()
    return figure


def pr_curves(evaluation: Evaluation) -> Figure:
    """Precision-recall of the model and of the baseline on the held-out tail."""
    figure = Figure(figsize=(5.5, 4.5))
    axis = figure.subplots()
    labels = evaluation.test.labels
    for name, scores in (("model", evaluation.scores), ("baseline", evaluation.baseline_scores)):
        if labels.any():
            precision, recall, _ = precision_recall_curve(labels, scores)
            axis.plot(recall, precision, label=name)
    axis.set(xlabel="recall", ylabel="precision", title="held-out precision-recall")
    axis.legend()
    figure.tight_layout()
    return figure


def confusion(evaluation: Evaluation, threshold: float) -> Figure:
    """Counts of decisions at the model's threshold against the truth, all horizons pooled."""
    truth = evaluation.test.labels
    decided = evaluation.scores >= threshold
    counts = np.array(
        [
            [np.sum(~truth & ~decided), np.sum(~truth & decided)],
            [np.sum(truth & ~decided), np.sum(truth & decided)],
        ]
    )
    figure = Figure(figsize=(4.5, 4))
    axis = figure.subplots()
    axis.imshow(counts, cmap="Blues")
    for (row, column), count in np.ndenumerate(counts):
        axis.text(column, row, f"{count:,}", ha="center", va="center")
    axis.set_xticks([0, 1], ["no alarm", "alarm"])
    axis.set_yticks([0, 1], ["no event", "event"])
    axis.set_title(f"threshold {threshold:.3f}")
    figure.tight_layout()
    return figure


def warnings_over_series(evaluation: Evaluation, threshold: float) -> Figure:
    """Model probability over the held-out rows of the series with the most events."""
    test = evaluation.test
    series_ids, positives = np.unique(test.series[test.labels], return_counts=True)
    chosen = series_ids[np.argmax(positives)] if len(series_ids) else test.series[0]
    rows = (test.series == chosen) & (test.horizons == test.horizons.min())
    figure = Figure(figsize=(9, 3.5))
    axis = figure.subplots()
    axis.plot(test.timestamps[rows], evaluation.scores[rows], lw=0.8, label="P(event)")
    axis.fill_between(
        test.timestamps[rows],
        0,
        test.labels[rows].astype(float),
        alpha=0.25,
        color="tab:red",
        step="mid",
        label="event ahead",
    )
    axis.axhline(threshold, color="black", ls="--", lw=0.8, label="alarm threshold")
    axis.set_title(f"warnings over {chosen}")
    axis.legend(loc="upper left")
    figure.tight_layout()
    return figure


def training_figures(model: EventModel, evaluation: Evaluation) -> dict[str, Figure]:
    """Every plot a training run logs, by file stem."""
    threshold = model.facts.threshold
    return {
        "feature_importance": feature_importance(model),
        "pr_curve": pr_curves(evaluation),
        "confusion_matrix": confusion(evaluation, threshold),
        "warnings_over_series": warnings_over_series(evaluation, threshold),
    }
