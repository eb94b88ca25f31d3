"""Workload forecasting accuracy on the bundled real series (datasets/workload-series).

    .venv/bin/python benchmarks/forecasting.py [--series SUBSTRING] [--origins 8]

Every candidate is backtested from the same rolling origins on every series (one plan per
step: horizon `default_horizon(step)`, origins spaced by the horizon). The earlier half of
the origins chooses each series' model; the later half, which selection never saw, is what
is reported, so the selected model's score is not flattered. Intervals at a held-out origin
are calibrated on the errors of all origins before it (as a scheduled run would have them).

Prints per series: held-out mean MASE of Forewarn's selected model, seasonal naive, Prophet
with defaults and AutoETS, the selected model's 80/95 % interval coverage, and the issue's
ratios; then the selection rules and interval methods compared, and fit cost by length.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forewarn.forecasting import (
    BacktestPlan,
    Candidate,
    Forecast,
    SelectionRule,
    SeriesBacktest,
    calibrate,
    coverage,
    default_horizon,
    make_candidates,
    model_forecasts,
    prepare_frame,
    run_backtest,
    select,
)
from forewarn.forecasting.backtest import history_at
from forewarn.forecasting.preparation import PreparedSeries
from forewarn.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "datasets/workload-series/workload_series.csv.gz"
ANCHORS = ("seasonal_naive", "prophet", "auto_ets")
RULES = {
    "median of all but the worst": SelectionRule(),
    "median of all": SelectionRule(drop_worst=0),
    "single best": SelectionRule(combine=False),
    "median, unless one is 10% better": SelectionRule(single_margin=0.1),
    "median, unless one is 25% better": SelectionRule(single_margin=0.25),
}
CHOSEN_RULE = "median of all but the worst"  # decided by the rule comparison printed below
LEVELS = (80, 95)


def backtest_all(series: Sequence[PreparedSeries], origins: int) -> dict[str, SeriesBacktest]:
    """Every candidate on every series, one plan (and one global model) per step."""
    results: dict[str, SeriesBacktest] = {}
    for step in sorted({s.step for s in series}):
        group = [s for s in series if s.step == step]
        plan = BacktestPlan(default_horizon(step), origins)
        started = time.perf_counter()
        results |= run_backtest(group, make_candidates(), plan)
        print(
            f"step {step}: {len(group)} series, horizon {plan.horizon}, "
            f"{time.perf_counter() - started:.0f} s"
        )
    return results


def split(backtest: SeriesBacktest) -> tuple[list[int], list[int]]:
    """Earlier origins (selection) and later ones (held out, scored)."""
    count = len(backtest.ends)
    return list(range(count // 2)), list(range(count // 2, count))


def held_out_coverage(
    backtest: SeriesBacktest, forecasts: Sequence[Forecast], level: int, native: bool = False
) -> float:
    """Mean coverage over the held-out origins of conformal intervals calibrated on every
    earlier origin (or of the model's native intervals)."""
    errors = backtest.errors(forecasts)
    scores = []
    for o in split(backtest)[1]:
        mean = forecasts[o].mean
        bounds = forecasts[o].native if native else calibrate(errors[:o], (level,)).bounds(mean)
        lower, upper = bounds[level]
        scores.append(coverage(backtest.actuals[o], lower, upper, backtest.observed[o]))
    return float(np.nanmean(scores))


def evaluate(backtest: SeriesBacktest, rule: SelectionRule) -> dict[str, object]:
    """One row of the table: held-out MASE of the selected model and anchors, coverage."""
    early, late = split(backtest)
    choice = select(backtest, early, rule)
    forecasts = model_forecasts(backtest, choice.members)
    row: dict[str, object] = {
        "series": backtest.series_id,
        "model": choice.model,
        "forewarn": backtest.mase(forecasts, late),
    }
    for name in ANCHORS:
        row[name] = backtest.mase(backtest.forecasts[name], late)
    for level in LEVELS:
        row[f"cov{level}"] = held_out_coverage(backtest, forecasts, level)
    return row


def accuracy_table(backtests: dict[str, SeriesBacktest]) -> pd.DataFrame:
    table = pd.DataFrame([evaluate(b, RULES[CHOSEN_RULE]) for b in backtests.values()])
    anchor = table[["seasonal_naive", "prophet"]].min(axis=1)
    table["vs_best_anchor"] = table["forewarn"] / anchor
    return table


def print_accuracy(table: pd.DataFrame) -> None:
    shown = table.assign(series=table["series"].str.slice(-38))
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"\nmean held-out MASE: forewarn {table['forewarn'].mean():.3f}, seasonal naive "
        f"{table['seasonal_naive'].mean():.3f}, prophet {table['prophet'].mean():.3f}, "
        f"auto_ets {table['auto_ets'].mean():.3f}"
    )
    ratio = table["vs_best_anchor"]
    print(
        f"forewarn / min(seasonal naive, prophet): median {ratio.median():.3f}, mean "
        f"{ratio.mean():.3f}; <= 0.85 on {(ratio <= 0.85).sum()}/{len(ratio)} series, "
        f"<= 1.0 on {(ratio <= 1.0).sum()}/{len(ratio)}"
    )
    ets = table["forewarn"].mean() / table["auto_ets"].mean()
    print(
        f"forewarn / auto_ets (mean MASE): {ets:.3f}; better on "
        f"{(table['forewarn'] <= table['auto_ets']).sum()}/{len(table)} series"
    )
    for level in LEVELS:
        cov = table[f"cov{level}"]
        print(
            f"coverage {level}%: mean {100 * cov.mean():.1f}, within +-5 points on "
            f"{(abs(100 * cov - level) <= 5).sum()}/{len(cov)} series"
        )
    print("models chosen:", table["model"].value_counts().to_dict())


def compare_rules(backtests: dict[str, SeriesBacktest]) -> None:
    """Mean held-out MASE under each selection rule, and of each candidate alone."""
    print("\nselection rules (held-out mean MASE over all series):")
    for name, rule in RULES.items():
        rows = [evaluate(b, rule) for b in backtests.values()]
        scores = [float(row["forewarn"]) for row in rows]
        ratios = [
            float(row["forewarn"]) / min(float(row["seasonal_naive"]), float(row["prophet"]))
            for row in rows
        ]
        within = sum(r <= 0.85 for r in ratios)
        print(
            f"  {name:<34} {np.mean(scores):.3f}  (<= 0.85 x best anchor on {within}/{len(rows)})"
        )
    for name in make_candidate_names():
        scores = [
            b.mase(b.forecasts[name], split(b)[1])
            for b in backtests.values()
            if name in b.forecasts
        ]
        print(f"  always {name:<11} {np.mean(scores):.3f} ({len(scores)} series)")


def compare_intervals(backtests: dict[str, SeriesBacktest]) -> None:
    """Held-out coverage of conformal versus native intervals, per candidate."""
    print("\nheld-out coverage (mean over series), conformal vs the model's native intervals:")
    for name in make_candidate_names():
        cells = []
        for level in LEVELS:
            for native in (False, True):
                values = [
                    held_out_coverage(b, b.forecasts[name], level, native)
                    for b in backtests.values()
                    if b.forecasts[name][0].native or not native
                ]
                label = f"{'native' if native else 'conformal'} {level}%"
                cells.append(
                    f"{label} {100 * np.mean(values):5.1f}" if values else f"{label}     -"
                )
        print(f"  {name:<15}" + "  ".join(cells))


def make_candidate_names() -> list[str]:
    return [c.name for c in make_candidates()]


def cost_by_length(series: PreparedSeries, lengths: Sequence[int]) -> None:
    """Seconds for one fit and forecast of each candidate on the latest `length` points."""
    horizon = default_horizon(series.step)
    print(
        f"\nfit + forecast seconds by history length ({series.series_id}, "
        f"horizon {horizon}; fits see at most {BacktestPlan(horizon).max_points} points):"
    )
    candidates: list[Candidate] = make_candidates()
    print("  length " + " ".join(f"{c.name:>14}" for c in candidates))
    for length in lengths:
        history = history_at(series, len(series.values), length)
        cells = []
        for candidate in candidates:
            started = time.perf_counter()
            candidate.forecast([history], horizon)
            cells.append(f"{time.perf_counter() - started:14.2f}")
        print(f"  {length:>6} " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default="", help="only series whose id contains this")
    parser.add_argument("--origins", type=int, default=8)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    frame = pd.read_csv(DATA)
    prepared = prepare_frame(
        frame[frame["series_id"].str.contains(args.series, regex=False)], skip_invalid=True
    )
    for series_id, error in prepared.failures.items():
        print(f"skipped {series_id}: {error}")
    backtests = backtest_all(prepared.series, args.origins)
    print_accuracy(accuracy_table(backtests))
    compare_rules(backtests)
    compare_intervals(backtests)
    longest = max(prepared.series, key=lambda s: len(s.values))
    cost_by_length(longest, [500, 1000, 2000, 4000, 8000])


if __name__ == "__main__":
    main()
