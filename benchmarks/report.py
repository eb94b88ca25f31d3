"""The serving benchmark's output: a table, the ratios, and a JSON file of everything."""

from __future__ import annotations

import json
import os
import platform
import time
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
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
            errors = "0" if not m.error_count else f"{m.error_count} !! " + ", ".join(
                f"{kind} {count}" for kind, count in m.errors.items() if count)
            lines.append(f"{m.name:<12}{m.concurrency:>6}{m.requests_per_second:>10,.0f}"
                         f"{m.p50_ms:>9.2f}{m.p95_ms:>9.2f}{m.p99_ms:>9.2f}  {errors}")
    return lines


def _by_name(outcomes: list[Outcome]) -> dict[tuple[str, int], Measurement]:
    return {(m.name, m.concurrency): m for o in outcomes for m in o.measurements}


def ratios(outcomes: list[Outcome], concurrencies: list[int]) -> list[dict[str, Any]]:
    """Per concurrency and Forewarn worker count: Forewarn / best MLflow and / minimal-N."""
    runs, found = _by_name(outcomes), []
    for concurrency in concurrencies:
        mlflow = [runs[k] for k in (("mlflow-1", concurrency), ("mlflow-2", concurrency))
                  if k in runs]
        best = max(mlflow, key=lambda m: m.requests_per_second, default=None)
        for workers in (1, 2):
            forewarn = runs.get((f"forewarn-{workers}", concurrency))
            if forewarn is None:
                continue
            minimal = runs.get((f"minimal-{workers}", concurrency))
            found.append({
                "concurrency": concurrency, "forewarn": forewarn.name,
                "best_mlflow": best.name if best else None,
                "vs_best_mlflow": _ratio(forewarn, best),
                "minimal": minimal.name if minimal else None,
                "vs_minimal": _ratio(forewarn, minimal),
                "with_errors": any(m is not None and m.error_count
                                   for m in (forewarn, best, minimal)),
            })
    return found


def _ratio(numerator: Measurement, denominator: Measurement | None) -> float | None:
    if denominator is None or denominator.requests_per_second == 0:
        return None
    return round(numerator.requests_per_second / denominator.requests_per_second, 2)


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def render(outcomes: list[Outcome], concurrencies: list[int]) -> str:
    """The table, the ratios and any notes, for the terminal."""
    lines = ["", *table(outcomes), ""]
    for r in ratios(outcomes, concurrencies):
        flag = "  (a run in this ratio had errors)" if r["with_errors"] else ""
        lines.append(f"c={r['concurrency']:<3} {r['forewarn']}: {_times(r['vs_best_mlflow'])} "
                     f"the best MLflow ({r['best_mlflow'] or 'not run'}), "
                     f"{_times(r['vs_minimal'])} {r['minimal'] or 'minimal (not run)'}{flag}")
    notes = [f"{o.name}: {key} = {value}" for o in outcomes for key, value in o.notes.items()
             if key in ("probability", "response_cache_hits", "tcp_nodelay")]
    busy = {o.name: o.notes.get("busy_cores_before") for o in outcomes}
    notes.append(f"cores busy before each server started (others' load): {busy}")
    flawed = [f"{m.name} c={m.concurrency}" for o in outcomes for m in o.measurements
              if m.error_count]
    failed = [o.name for o in outcomes if o.error]
    if flawed or failed:
        notes.append(f"WARNING: runs with errors (not valid measurements): {flawed or 'none'}; "
                     f"servers that failed: {failed or 'none'}")
    answers = {o.notes["probability"] for o in outcomes if "probability" in o.notes}
    if len(answers) > 1:
        notes.append(f"WARNING: the servers answered different probabilities: {sorted(answers)}")
    return "\n".join([*lines, "", *notes])


def write_results(folder: Path, outcomes: list[Outcome], args: Namespace, started: float,
                  model: dict[str, Any]) -> Path:
    """Everything measured, as JSON in `folder`; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    path = folder / f"serving-{stamp}.json"
    document = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "arguments": vars(args),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "model": model,
        "servers": [{"name": o.name, "workers": o.workers, "error": o.error, "notes": o.notes}
                    for o in outcomes],
        "measurements": [m.as_json() for o in outcomes for m in o.measurements],
        "ratios": ratios(outcomes, args.concurrency),
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
