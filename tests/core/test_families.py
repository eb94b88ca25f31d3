"""Model families: examples, the time split, metrics, early warning, the event model, the gate."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forewarn.families import FAMILIES, EventModel, Gate, TrainingResult, get_family
from forewarn.families.early_warning import warning_metrics, window_starts
from forewarn.families.examples import Examples, split_by_time
from forewarn.families.incident import starts_within
from forewarn.families.metrics import HEADLINE, best_f1_threshold, by_horizon, classification
from forewarn.families.model import ModelFacts
from forewarn.families.training import HORIZON_FEATURE
from forewarn.promotion import Decision, decide
from forewarn.simulator import simulate

# --- helpers ---


def make_examples(
    series: list[str],
    timestamps: list[pd.Timestamp] | np.ndarray,
    labels: np.ndarray | None = None,
    horizons: np.ndarray | None = None,
) -> Examples:
    """Examples whose single feature is the row's position, to follow rows through."""
    count = len(series)
    return Examples(
        features=np.arange(count, dtype=np.float32)[:, None],
        labels=np.zeros(count, bool) if labels is None else np.asarray(labels, bool),
        horizons=np.full(count, 15) if horizons is None else np.asarray(horizons),
        timestamps=pd.DatetimeIndex(timestamps).to_numpy(dtype="datetime64[ns]"),
        series=np.asarray(series),
        event_types=np.full(count, ""),
        feature_names=("position",),
    )


def interleaved() -> Examples:
    """Series `a` every minute for 200 minutes; `b` every 2 minutes for 100 minutes, later."""
    a = [("a", pd.Timestamp("2026-01-01") + pd.Timedelta(minutes=i)) for i in range(200)]
    b = [("b", pd.Timestamp("2026-01-01 01:00") + pd.Timedelta(minutes=2 * i)) for i in range(50)]
    rows = sorted(a + b, key=lambda r: (r[1], r[0]))
    return make_examples([r[0] for r in rows], [r[1] for r in rows])


# --- examples and the time split ---


def test_subset_and_concat() -> None:
    examples = make_examples(
        ["a", "b", "a", "b"],
        pd.date_range("2026-01-01", periods=4, freq="min"),
        labels=np.array([1, 0, 0, 1]),
        horizons=np.array([15, 15, 60, 60]),
    )
    first = examples.subset(examples.series == "a")
    assert len(first) == 2
    assert first.features[:, 0].tolist() == [0, 2]
    assert first.labels.tolist() == [True, False]
    assert first.horizons.tolist() == [15, 60]
    assert first.timestamps.tolist() == examples.timestamps[[0, 2]].tolist()
    assert first.feature_names == ("position",)
    second = examples.subset(examples.series == "b")
    joined = Examples.concat([second, first])
    assert joined.features[:, 0].tolist() == [1, 3, 0, 2]
    assert joined.series.tolist() == ["b", "b", "a", "a"]
    assert joined.labels.tolist() == [False, True, True, False]
    assert joined.feature_names == ("position",)
    assert len(examples.subset(np.zeros(4, bool))) == 0


@pytest.mark.parametrize("embargo", [0.0, 10.0])
def test_split_by_time(embargo: float) -> None:
    examples = interleaved()
    split = split_by_time(examples, embargo, test_fraction=0.2, validation_fraction=0.15)
    parts = (split.train, split.validation, split.test)
    positions = np.concatenate([p.features[:, 0] for p in parts])
    assert len(set(positions)) == len(positions)  # no row in two parts
    for part in parts:
        assert (np.diff(part.features[:, 0]) > 0).all()  # rows keep their order

    gap = np.timedelta64(int(embargo * 60), "s")
    for name in ("a", "b"):
        times = examples.timestamps[examples.series == name]
        start, span = times.min(), times.max() - times.min()
        validation_start = start + span * 0.65
        test_start = start + span * 0.8
        train, validation, test = (p.timestamps[p.series == name] for p in parts)
        assert train.max() < validation.min() <= validation.max() < test.min()
        assert train.max() <= validation_start - gap
        assert validation.min() > validation_start
        assert validation.max() <= test_start - gap
        assert test.min() > test_start
        assert test.max() == times.max()
        assert train.min() == times.min()
        # Exactly the embargoed rows (and the boundaries themselves) are dropped.
        dropped = ((times > validation_start - gap) & (times <= validation_start)) | (
            (times > test_start - gap) & (times <= test_start)
        )
        assert len(train) + len(validation) + len(test) == len(times) - dropped.sum()
        if embargo:
            assert dropped.sum() >= 2 * embargo / (1 if name == "a" else 2)


def test_family_split_drops_rows_whose_labels_cross_the_boundary(small: pd.DataFrame) -> None:
    family = get_family("bottleneck")
    split = family.split(small)
    embargo = pd.Timedelta(minutes=family.embargo_minutes)
    assert family.embargo_minutes == 240.0
    for system in ("sys-00", "sys-01", "sys-02"):
        train = split.train.timestamps[split.train.series == system]
        validation = split.validation.timestamps[split.validation.series == system]
        test = split.test.timestamps[split.test.series == system]
        assert validation.min() - train.max() > embargo
        assert test.min() - validation.max() > embargo


# --- metrics ---


LABELS = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8])


def test_classification_on_a_toy_case() -> None:
    metrics = classification(LABELS, SCORES, threshold=0.35)
    assert set(metrics) == set(HEADLINE)
    assert metrics["roc_auc"] == pytest.approx(0.75)  # 3 of 4 positive/negative pairs ordered
    assert metrics["pr_auc"] == pytest.approx(0.5 * 1.0 + 0.5 * 2 / 3)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == 1.0
    assert metrics["f1"] == pytest.approx(0.8)
    strict = classification(LABELS, SCORES, threshold=0.5)
    assert (strict["precision"], strict["recall"], strict["f1"]) == (1.0, 0.5, pytest.approx(2 / 3))
    silent = classification(LABELS, SCORES, threshold=0.9)
    assert (silent["precision"], silent["recall"], silent["f1"]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("labels", [[0, 0, 0, 0], [1, 1, 1, 1]])
def test_one_class_labels_give_nan_auc(labels: list[int]) -> None:
    metrics = classification(np.array(labels), SCORES, threshold=0.35)
    assert math.isnan(metrics["roc_auc"])
    assert math.isnan(metrics["pr_auc"])
    assert 0.0 <= metrics["f1"] <= 1.0


def test_by_horizon() -> None:
    examples = make_examples(
        ["a"] * 8,
        pd.date_range("2026-01-01", periods=8, freq="min"),
        labels=np.r_[LABELS, [0, 1, 1, 1]],
        horizons=np.r_[[15] * 4, [60] * 4],
    )
    scores = np.r_[SCORES, [0.2, 0.9, 0.8, 0.7]]
    metrics = by_horizon(examples, scores, threshold=0.35)
    per_horizon = {f"{name}_h{h}" for name in HEADLINE for h in (15, 60)}
    assert set(metrics) == per_horizon | set(HEADLINE) | {"positive_rate"}
    assert metrics["roc_auc_h15"] == pytest.approx(0.75)
    assert metrics["roc_auc_h60"] == 1.0
    assert metrics["roc_auc"] == pytest.approx((0.75 + 1.0) / 2)
    assert metrics["recall"] == 1.0
    assert metrics["positive_rate"] == 5 / 8


def test_by_horizon_skips_nan_in_the_mean() -> None:
    examples = make_examples(
        ["a"] * 8,
        pd.date_range("2026-01-01", periods=8, freq="min"),
        labels=np.r_[LABELS, [0, 0, 0, 0]],
        horizons=np.r_[[15] * 4, [60] * 4],
    )
    metrics = by_horizon(examples, np.r_[SCORES, SCORES], threshold=0.35)
    assert math.isnan(metrics["roc_auc_h60"])
    assert metrics["roc_auc"] == pytest.approx(0.75)


def test_best_f1_threshold() -> None:
    # F1 at each cut: 0.1 -> 0.67, 0.35 -> 0.8, 0.4 -> 0.5, 0.8 -> 0.67.
    assert best_f1_threshold(LABELS, SCORES) == 0.35
    assert best_f1_threshold(np.zeros(4), SCORES) == 0.5
    assert best_f1_threshold(np.ones(4), SCORES) == 0.5


# --- early warning ---


STEP = pd.Timedelta(minutes=5)


def incident_frame(flags: np.ndarray, series: str = "s") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": series,
            "timestamp": pd.date_range("2026-03-01", periods=len(flags), freq=STEP, tz="UTC"),
            "value": 0.0,
            "in_incident": np.asarray(flags, dtype=int),
        }
    )


def outside_windows(frame: pd.DataFrame) -> Examples:
    """Like the incident family: every row outside incident windows."""
    keep = frame["in_incident"].to_numpy() == 0
    return make_examples(frame["series_id"][keep].tolist(), frame["timestamp"][keep])


def test_window_starts() -> None:
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1, 0])
    assert window_starts(flags).tolist() == [0, 4, 6]


def test_warning_metrics_on_a_hand_built_series() -> None:
    flags = np.zeros(120, int)
    flags[40:45] = 1
    flags[80:85] = 1
    frame = incident_frame(flags)
    test = outside_windows(frame)
    when = frame["timestamp"][frame["in_incident"] == 0].reset_index(drop=True)
    alarms = np.zeros(len(test), bool)
    position = {t: i for i, t in enumerate(when)}
    for row in (37, 38, 39, 10):  # 3 steps before the first window; one far from any
        alarms[position[frame["timestamp"][row]]] = True

    metrics = warning_metrics(test, alarms, frame, horizon_steps=12)
    assert metrics["windows"] == 2.0
    assert metrics["windows_warned"] == 0.5
    assert metrics["median_lead_minutes"] == 3 * 5.0
    days = len(test) * 5 / 1440
    assert metrics["false_alarms_per_day"] == pytest.approx(1 / days)
    assert metrics["alarm_share"] == pytest.approx(4 / len(test))


def test_alarm_long_before_a_window_is_false() -> None:
    flags = np.zeros(60, int)
    flags[40:45] = 1
    frame = incident_frame(flags)
    test = outside_windows(frame)
    alarms = np.zeros(len(test), bool)
    alarms[40 - 13] = True  # 13 steps ahead, beyond the 12-step horizon
    metrics = warning_metrics(test, alarms, frame, horizon_steps=12)
    assert metrics["windows_warned"] == 0.0
    assert math.isnan(metrics["median_lead_minutes"])
    assert metrics["false_alarms_per_day"] == pytest.approx(1 / (len(test) * 5 / 1440))
    alarms[40 - 12] = True
    warned = warning_metrics(test, alarms, frame, horizon_steps=12)
    assert warned["windows_warned"] == 1.0
    assert warned["median_lead_minutes"] == 60.0


def test_always_on_alarm_counts_once_per_horizon() -> None:
    frame = incident_frame(np.zeros(100, int))
    test = outside_windows(frame)
    metrics = warning_metrics(test, np.ones(len(test), bool), frame, horizon_steps=12)
    assert metrics["windows"] == 0.0
    assert math.isnan(metrics["windows_warned"])
    assert metrics["alarm_share"] == 1.0
    assert metrics["false_alarms_per_day"] == pytest.approx(math.ceil(100 / 12) / (100 * 5 / 1440))
    single = warning_metrics(test, np.r_[np.ones(12, bool), np.zeros(88, bool)], frame, 12)
    assert single["false_alarms_per_day"] == pytest.approx(1 / (100 * 5 / 1440))


def test_warning_metrics_only_count_series_in_the_test_rows() -> None:
    flags = np.zeros(60, int)
    flags[30:35] = 1
    frame = pd.concat([incident_frame(flags, "s"), incident_frame(flags, "other")])
    test = outside_windows(frame[frame["series_id"] == "s"])
    alarms = np.zeros(len(test), bool)
    alarms[29] = True
    metrics = warning_metrics(test, alarms, frame, horizon_steps=12)
    assert (metrics["windows"], metrics["windows_warned"]) == (1.0, 1.0)
    assert metrics["median_lead_minutes"] == 5.0
    assert metrics["false_alarms_per_day"] == 0.0


def test_starts_within() -> None:
    flags = np.zeros(20, int)
    flags[10:13] = 1
    flags[0] = 1  # a window at the very start is never ahead of any row
    ahead = starts_within(flags, 3)
    assert ahead.shape == (20,)
    assert np.flatnonzero(ahead).tolist() == [7, 8, 9]
    assert np.flatnonzero(starts_within(flags, 1)).tolist() == [9]
    assert not starts_within(np.zeros(5, int), 3).any()


# --- training and the event model ---


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """Five days of three simulated systems."""
    return simulate(systems=3, days=5, seed=0)


@pytest.fixture(scope="module")
def trained(small: pd.DataFrame) -> TrainingResult:
    """A bottleneck model trained on `small`."""
    return get_family("bottleneck").train(small)


def test_families_are_known_by_name() -> None:
    assert set(FAMILIES) == {"bottleneck", "failure", "incident"}
    with pytest.raises(ValueError, match=r"unknown model family 'x'.*bottleneck"):
        get_family("x")


def test_bottleneck_model_beats_its_baseline(trained: TrainingResult) -> None:
    evaluation = trained.evaluation
    assert evaluation.model["roc_auc"] > 0.8
    assert evaluation.model["roc_auc"] > evaluation.baseline["roc_auc"]
    assert evaluation.test_rows == trained.split_sizes["test"] == len(evaluation.scores)
    assert min(trained.split_sizes.values()) > 1000
    facts = trained.model.facts
    assert facts.family == "bottleneck"
    assert facts.horizons == [15, 30, 60, 240]
    assert facts.window == 15
    assert facts.feature_names[-1] == HORIZON_FEATURE
    assert facts.metrics == evaluation.model
    assert 0.0 < facts.threshold < 1.0
    assert sum(facts.calibration_counts) == trained.split_sizes["validation"]


def test_boosters_keep_only_the_rounds_up_to_their_best(
    trained: TrainingResult, small: pd.DataFrame
) -> None:
    for booster in (trained.model.event, trained.model.types):
        assert booster is not None
        assert booster.num_boosted_rounds() == booster.best_iteration + 1

    tiny = get_family("bottleneck").train(small, {"rounds": 1})  # the type booster gets one too

    assert tiny.model.event.num_boosted_rounds() == 1
    assert tiny.model.types is not None and tiny.model.types.num_boosted_rounds() == 1


def test_model_save_load_round_trip(trained: TrainingResult, tmp_path: Path) -> None:
    model = trained.model
    features = trained.evaluation.test.features
    folder = model.save(tmp_path / "model")
    loaded = EventModel.load(folder)
    assert loaded.facts == model.facts
    np.testing.assert_array_equal(loaded.probability(features), model.probability(features))
    np.testing.assert_array_equal(loaded.probability(features), trained.evaluation.scores)
    np.testing.assert_array_equal(
        loaded.type_probabilities(features[:50]), model.type_probabilities(features[:50])
    )
    assert (model.types is None) == (loaded.types is None)


def test_interval_contains_the_probability_and_narrows_with_counts(trained: TrainingResult) -> None:
    model = trained.model
    probability = model.probability(trained.evaluation.test.features[:500]).astype(np.float64)
    interval = model.interval(probability)
    assert interval.shape == (500, 2)
    assert ((interval[:, 0] <= probability) & (probability <= interval[:, 1])).all()
    assert ((interval >= 0) & (interval <= 1)).all()
    richer = EventModel(
        dataclasses.replace(
            model.facts, calibration_counts=[10 * c for c in model.facts.calibration_counts]
        ),
        model.event,
        model.types,
    )
    wide = interval[:, 1] - interval[:, 0]
    narrow = richer.interval(probability)
    assert (narrow[:, 1] - narrow[:, 0] < wide).all()
    assert ((narrow[:, 0] <= probability) & (probability <= narrow[:, 1])).all()


def wilson(p: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval, written out from its textbook form."""
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return centre - half, centre + half


def test_interval_is_wilson_in_the_probability_bin(trained: TrainingResult) -> None:
    facts = ModelFacts(
        family="toy",
        feature_names=[],
        horizons=[],
        window=1,
        threshold=0.5,
        calibration_edges=[0.0, 0.3, 0.6],
        calibration_counts=[0, 100, 7],
    )
    model = EventModel(facts, trained.model.event, None)
    # 50 of 100: the textbook Wilson 95% interval [0.4038, 0.5962].
    np.testing.assert_allclose(model.interval(np.array([0.5]))[0], [0.4038, 0.5962], atol=1e-4)
    # Each probability takes the count of its bin; an empty bin counts as one example.
    probabilities = np.array([0.2, 0.45, 0.65, 0.99])
    expected = [wilson(0.2, 1), wilson(0.45, 100), wilson(0.65, 7), wilson(0.99, 7)]
    np.testing.assert_allclose(model.interval(probabilities), expected, atol=1e-6)
    wide = model.interval(np.array([0.45]), confidence=0.99)[0]
    assert wide[0] < expected[1][0] and wide[1] > expected[1][1]
    assert model.interval(np.array([0.0]))[0, 0] == 0.0
    assert model.interval(np.array([1.0]))[0, 1] == 1.0


def test_probability_never_falls_as_the_horizon_grows(trained: TrainingResult) -> None:
    model = trained.model
    column = model.facts.feature_names.index(HORIZON_FEATURE)
    rows = trained.evaluation.test.features[::7][:400].copy()
    curves = []
    for horizon in (1, 15, 20, 30, 45, 60, 120, 240, 1000):
        rows[:, column] = horizon
        curves.append(model.probability(rows))
    steps = np.diff(np.vstack(curves), axis=0)
    assert (steps >= 0).all()
    assert (steps > 0).any()


def test_contributions_explain_each_feature(trained: TrainingResult) -> None:
    model = trained.model
    rows = trained.evaluation.test.features[:100]
    contributions = model.contributions(rows)
    assert contributions.shape == (100, len(model.facts.feature_names))
    # With the bias dropped, contributions add up to the log-odds less one constant.
    log_odds = model.event.inplace_predict(rows, predict_type="margin")
    bias = log_odds - contributions.sum(axis=1)
    assert np.ptp(bias) < 1e-4
    assert np.ptp(log_odds) > 1.0
    assert (np.abs(contributions).sum(axis=0) > 0).sum() > 5


# --- the promotion gate ---


GATE = Gate(metric="roc_auc", threshold=0.85, tolerance=0.01)


def test_first_good_candidate_becomes_champion() -> None:
    decision = decide(GATE, {"roc_auc": 0.9}, None)
    assert decision.outcome == "champion"
    assert (decision.metric, decision.candidate, decision.threshold, decision.champion) == (
        "roc_auc",
        0.9,
        0.85,
        None,
    )
    assert "no champion yet" in decision.reason


def test_worse_than_champion_beyond_tolerance_is_challenger() -> None:
    decision = decide(GATE, {"roc_auc": 0.88}, {"roc_auc": 0.9})
    assert decision.outcome == "challenger"
    assert decision.champion == 0.9
    assert "worse than the champion's 0.9000" in decision.reason


@pytest.mark.parametrize("candidate", [0.895, 0.9, 0.95])
def test_within_tolerance_or_better_becomes_champion(candidate: float) -> None:
    decision = decide(GATE, {"roc_auc": candidate}, {"roc_auc": 0.9})
    assert decision.outcome == "champion"
    assert "champion has 0.9000" in decision.reason


@pytest.mark.parametrize(
    "metrics", [{"roc_auc": 0.84}, {"roc_auc": float("nan")}, {"pr_auc": 0.99}]
)
def test_below_threshold_or_unknown_is_rejected(metrics: dict[str, float]) -> None:
    decision = decide(GATE, metrics, {"roc_auc": 0.5})
    assert decision.outcome == "rejected"
    assert "misses the threshold (at least 0.85)" in decision.reason


def test_threshold_itself_passes() -> None:
    assert decide(GATE, {"roc_auc": 0.85}, None).outcome == "champion"


ERROR_GATE = Gate("mase", threshold=1.0, tolerance=0.02, higher_is_better=False)


@pytest.mark.parametrize(
    ("candidate", "champion", "outcome"),
    [
        (1.0, None, "rejected"),  # an error must be strictly below its threshold
        (1.3, 0.9, "rejected"),
        (0.95, 0.9, "challenger"),  # worse than the champion beyond the tolerance
        (0.91, 0.9, "champion"),  # within the tolerance
        (0.7, 0.9, "champion"),
        (0.99, None, "champion"),
    ],
)
def test_an_error_gate_prefers_lower_scores(
    candidate: float, champion: float | None, outcome: str
) -> None:
    incumbent = None if champion is None else {"mase": champion}
    decision = decide(ERROR_GATE, {"mase": candidate}, incumbent)
    assert decision.outcome == outcome


def test_champion_without_the_metric_does_not_block() -> None:
    decision = decide(GATE, {"roc_auc": 0.9}, {"pr_auc": 0.99})
    assert decision.outcome == "champion"
    assert math.isnan(decision.champion)  # type: ignore[arg-type]


def test_decision_as_tags() -> None:
    decision = decide(GATE, {"roc_auc": 0.88}, {"roc_auc": 0.9})
    tags = decision.as_tags()
    assert tags == {
        "gate.outcome": "challenger",
        "gate.reason": decision.reason,
        "gate.metric": "roc_auc",
        "gate.candidate": "0.88",
        "gate.threshold": "0.85",
        "gate.champion": "0.9",
    }
    assert decide(GATE, {"roc_auc": 0.9}, None).as_tags()["gate.champion"] == "None"
    assert Decision("rejected", "r", "m", 0.1, 0.2, None).as_tags()["gate.outcome"] == "rejected"
