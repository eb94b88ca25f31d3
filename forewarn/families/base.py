"""The contract every model family fulfils, and the training/evaluation it shares.

A family knows its dataset kind, how to turn a dataset into labelled examples (the same feature
code serving uses), its baseline, its gate, and how to judge a model on held-out data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from forewarn.families.examples import Examples, TimeSplit, split_by_time
from forewarn.families.metrics import best_f1_threshold, by_horizon
from forewarn.families.model import EventModel
from forewarn.families.training import DEFAULT_ROUNDS, fit_event_model


@dataclass(frozen=True)
class Gate:
    """A model is promoted when `metric` clears `threshold` (at least it, or below it for an
    error such as MASE) and it is no worse than the champion by more than `tolerance`."""

    metric: str
    threshold: float
    tolerance: float = 0.01
    higher_is_better: bool = True

    def clears(self, score: float) -> bool:
        """Whether `score` passes the absolute threshold (NaN never does)."""
        if self.higher_is_better:
            return score >= self.threshold
        return score < self.threshold

    def worse_than(self, score: float, champion: float) -> bool:
        """Whether `score` is worse than the champion's beyond the tolerance."""
        if self.higher_is_better:
            return score < champion - self.tolerance
        return score > champion + self.tolerance

    @property
    def requirement(self) -> str:
        """The threshold in words: `at least 0.85`, `below 1`."""
        return f"{'at least' if self.higher_is_better else 'below'} {self.threshold:g}"


class Baseline(ABC):
    """A simple rule the model must beat, scored like a model (higher = more likely)."""

    @abstractmethod
    def score(self, examples: Examples) -> np.ndarray: ...


@dataclass(frozen=True)
class Evaluation:
    """Held-out metrics of a model and of the family's baseline on the same rows."""

    model: dict[str, float]
    baseline: dict[str, float]
    test_rows: int
    scores: np.ndarray
    baseline_scores: np.ndarray
    test: Examples


@dataclass(frozen=True)
class TrainingResult:
    """A fitted model, its held-out evaluation and the sizes of each split."""

    model: EventModel
    evaluation: Evaluation
    split_sizes: dict[str, int]


class Family(ABC):
    """One kind of prediction: its data, features, baseline, gate and evaluation."""

    name: ClassVar[str]
    dataset: ClassVar[str]
    kind: ClassVar[str]
    gate: ClassVar[Gate]
    window: ClassVar[int]
    stride: ClassVar[int]
    embargo_minutes: ClassVar[float]
    test_fraction: ClassVar[float] = 0.2

    @abstractmethod
    def examples(self, frame: pd.DataFrame, stride: int) -> Examples:
        """Labelled feature rows from a dataset of this family's kind."""

    @abstractmethod
    def baseline(self, train: Examples) -> Baseline:
        """The simple rule, fitted on training rows only."""

    def split(self, frame: pd.DataFrame) -> TimeSplit:
        """The time-ordered split every training and evaluation of this family uses."""
        return split_by_time(
            self.examples(frame, self.stride),
            self.embargo_minutes,
            test_fraction=self.test_fraction,
        )

    def train(self, frame: pd.DataFrame, params: dict[str, Any] | None = None) -> TrainingResult:
        """Fit on the older part of `frame` and evaluate on its held-out tail."""
        booster_params = dict(params or {})
        rounds = int(booster_params.pop("rounds", DEFAULT_ROUNDS))
        split = self.split(frame)
        model = fit_event_model(self.name, split, self.window, booster_params, rounds)
        validation_scores = model.probability(split.validation.features)
        model.facts.threshold = self.choose_threshold(split.validation, validation_scores, frame)
        evaluation = self.evaluate(model, frame, split)
        model.facts.metrics = evaluation.model
        sizes = {
            "train": len(split.train),
            "validation": len(split.validation),
            "test": len(split.test),
        }
        return TrainingResult(model, evaluation, sizes)

    def evaluate(
        self, model: EventModel, frame: pd.DataFrame, split: TimeSplit | None = None
    ) -> Evaluation:
        """Metrics of `model` and the baseline on the held-out tail of `frame`."""
        split = split or self.split(frame)
        baseline = self.baseline(split.train)
        baseline_threshold = self.choose_threshold(
            split.validation, baseline.score(split.validation), frame
        )
        scores = model.probability(split.test.features)
        baseline_scores = baseline.score(split.test)
        return Evaluation(
            model=self.score(split.test, scores, model.facts.threshold, frame),
            baseline=self.score(split.test, baseline_scores, baseline_threshold, frame),
            test_rows=len(split.test),
            scores=scores,
            baseline_scores=baseline_scores,
            test=split.test,
        )

    def choose_threshold(
        self, validation: Examples, scores: np.ndarray, frame: pd.DataFrame
    ) -> float:
        """The alarm threshold, picked on validation rows: the best F1 by default."""
        return best_f1_threshold(validation.labels, scores)

    def score(
        self, test: Examples, scores: np.ndarray, threshold: float, frame: pd.DataFrame
    ) -> dict[str, float]:
        """Held-out metrics of `scores` at `threshold` (families may add their own)."""
        return by_horizon(test, scores, threshold) | {"threshold": threshold}
