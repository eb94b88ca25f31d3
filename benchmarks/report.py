"""The serving benchmark's output: a table, the ratios, and a JSON file of everything.

With several rounds (each server measured once per round, the servers in turn), the table shows
each run with the median requests/s, and each ratio is the median of the rounds' ratios: the
runs of one round are minutes apart, so slow drifts of a shared machine's speed cancel out."""

from __future__ import annotations

import json
import os
import platform
import time
from argparse import Namespace
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from benchmarks.load import Measurement


@dataclass
class Outcome:
    """What measuring one server gave."""

    name: str
    workers: int
    measurements: list[Measurement] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


HEADER = f"{'server':<12}{'conc':>6}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors"


def table(outcomes: list[Outcome]) -> list[str]:
    """One line per measured run; runs with errors say so."""
    lines = [HEADER]
    for outcome in outcomes:
        if outcome.error:
            lines.append(f"{outcome.name:<12}  FAILED: {outcome.error.splitlines()[0]}")
        for m in outcome.measurements:
            errors = (
                "0"
                if not m.error_count
                else f"{m.error_count} !! "
                + ", ".join(f"{kind} {count}" for kind, count in m.errors.items() if count)
            )
            lines.append(
                f"{m.name:<12}{m.concurrency:>6}{m.requests_per_second:>10,.0f}"
                f"{m.p50_ms:>9.2f}{m.p95_ms:>9.2f}{m.p99_ms:>9.2f}  {errors}"
            )
    return lines


def _by_name(outcomes: list[Outcome]) -> dict[tuple[str, int], Measurement]:
    return {(m.name, m.concurrency): m for o in outcomes for m in o.measurements}


def ratios(outcomes: list[Outcome], concurrencies: list[int]) -> list[dict[str, Any]]:
    """Per concurrency and Forewarn worker count: Forewarn / best MLflow and / minimal-N."""
    runs, found = _by_name(outcomes), []
    for concurrency in concurrencies:
        mlflow = [
            runs[k] for k in (("mlflow-1", concurrency), ("mlflow-2", concurrency)) if k in runs
        ]
        best = max(mlflow, key=lambda m: m.requests_per_second, default=None)
        for workers in (1, 2):
            forewarn = runs.get((f"forewarn-{workers}", concurrency))
            if forewarn is None:
                continue
            minimal = runs.get((f"minimal-{workers}", concurrency))
            found.append(
                {
                    "concurrency": concurrency,
                    "forewarn": forewarn.name,
                    "best_mlflow": best.name if best else None,
                    "vs_best_mlflow": _ratio(forewarn, best),
                    "minimal": minimal.name if minimal else None,
                    "vs_minimal": _ratio(forewarn, minimal),
                    "with_errors": any(
                        m is not None and m.error_count for m in (forewarn, best, minimal)
                    ),
                }
            )
    return found


def _ratio(numerator: Measurement, denominator: Measurement | None) -> float | None:
    if denominator is None or denominator.requests_per_second == 0:
        return None
    return round(numerator.requests_per_second / denominator.requests_per_second, 2)


def median_outcomes(rounds: list[list[Outcome]]) -> list[Outcome]:
    """Per server, at each concurrency, the run with the median requests/s over the rounds
    (the upper one of an even count)."""
    merged = []
    for per_round in zip(*rounds, strict=True):
        runs: dict[int, list[Measurement]] = defaultdict(list)
        for outcome in per_round:
            for m in outcome.measurements:
                runs[m.concurrency].append(m)
        middle = [
            sorted(found, key=lambda m: m.requests_per_second)[len(found) // 2]
            for found in runs.values()
        ]
        error = next((o.error for o in per_round if o.error), None)
        merged.append(
            Outcome(per_round[0].name, per_round[0].workers, middle, per_round[0].notes, error)
        )
    return merged


def median_ratios(rounds: list[list[Outcome]], concurrencies: list[int]) -> list[dict[str, Any]]:
    """`ratios` of the median runs, each ratio replaced by the median of the rounds' ratios,
    with the rounds' own values alongside."""
    each = [ratios(outcomes, concurrencies) for outcomes in rounds]
    found = ratios(median_outcomes(rounds), concurrencies)
    for row in found:
        same = [
            r
            for per_round in each
            for r in per_round
            if (r["concurrency"], r["forewarn"]) == (row["concurrency"], row["forewarn"])
        ]
        for key in ("vs_best_mlflow", "vs_minimal"):
            values = [r[key] for r in same if r[key] is not None]
            row[key] = round(median(values), 2) if values else None
            row[f"{key}_rounds"] = values
        row["with_errors"] = any(r["with_errors"] for r in same)
    return found


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def render(rounds: list[list[Outcome]], concurrencies: list[int]) -> str:
    """The table, the ratios and any notes, for the terminal."""
    outcomes = median_outcomes(rounds)
    lines = ["", *table(outcomes), ""]
    for r in median_ratios(rounds, concurrencies):
        flag = "  (a run in this ratio had errors)" if r["with_errors"] else ""
        spread = (
            f"  (rounds: {_listed(r['vs_best_mlflow_rounds'])} / {_listed(r['vs_minimal_rounds'])})"
            if len(rounds) > 1
            else ""
        )
        lines.append(
            f"c={r['concurrency']:<3} {r['forewarn']}: {_times(r['vs_best_mlflow'])} "
            f"the best MLflow ({r['best_mlflow'] or 'not run'}), "
            f"{_times(r['vs_minimal'])} {r['minimal'] or 'minimal (not run)'}"
            f"{spread}{flag}"
        )
    notes = [
        f"{o.name}: {key} = {value}"
        for o in outcomes
        for key, value in o.notes.items()
        if key in ("probability", "response_cache_hits", "tcp_nodelay")
    ]
    busy = {o.name: o.notes.get("busy_cores_before") for o in outcomes}
    notes.append(f"cores busy before each server started (others' load): {busy}")
    every = [o for outcomes_of_round in rounds for o in outcomes_of_round]
    flawed = [f"{m.name} c={m.concurrency}" for o in every for m in o.measurements if m.error_count]
    failed = sorted({o.name for o in every if o.error})
    if flawed or failed:
        notes.append(
            f"WARNING: runs with errors (not valid measurements): {flawed or 'none'}; "
            f"servers that failed: {failed or 'none'}"
        )
    answers = {o.notes["probability"] for o in every if "probability" in o.notes}
    if len(answers) > 1:
        notes.append(f"WARNING: the servers answered different probabilities: {sorted(answers)}")
    return "\n".join([*lines, "", *notes])


def _listed(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) or "n/a"


def write_results(
    folder: Path,
    rounds: list[list[Outcome]],
    args: Namespace,
    started: float,
    model: dict[str, Any],
) -> Path:
    """Everything measured, as JSON in `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    path = folder / f"serving-{stamp}.json"
    document = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "arguments": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "model": model,
        "servers": [
            {
                "round": index,
                "name": o.name,
                "workers": o.workers,
                "error": o.error,
                "notes": o.notes,
            }
            for index, outcomes in enumerate(rounds)
            for o in outcomes
        ],
        "measurements": [
            m.as_json() | {"round": index}
            for index, outcomes in enumerate(rounds)
            for o in outcomes
            for m in o.measurements
        ],
        "ratios": median_ratios(rounds, args.concurrency),
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
