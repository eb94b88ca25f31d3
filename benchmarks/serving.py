"""Serving benchmark: the same bottleneck champion served four ways, side by side, on loopback.

- `mlflow-1`, `mlflow-2`: `mlflow models serve --env-manager local` with 1 and 2 workers (what a
  user would otherwise run), given the model's feature row as `dataframe_split`;
- `minimal-1`: a FastAPI route that parses that feature row and calls `inplace_predict` (the naive
  ceiling of the stack: no auth, no windows turned into features, no explanation);
- `forewarn-1`: Forewarn's API with auth, rate limits, metrics, capture and micro-batching on,
  given the seed's request (raw metric windows), every request different (`system_id` counts up)
  so that the response cache never answers.

Each is driven by wrk with single-row requests at each concurrency after a warm-up, one server at a
time (they would otherwise share the 2 cores), and the ratios Forewarn / best MLflow and
Forewarn / minimal are printed. Run from the repository root:
`.venv/bin/python -m benchmarks.serving [--seconds 15] [--concurrency 1 8 32]` (needs wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import httpx
import numpy as np

from benchmarks.load import Measurement, drive, require_wrk
from forewarn.cli.examples import EXAMPLE_REQUEST
from forewarn.families import get_family
from forewarn.families.forecast import observation_rows
from forewarn.schemas.predictions import BottleneckRequest
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.stack import Component, Supervisor, client_environment
from forewarn.stack.components import api_component, mlflow_component
from forewarn.tracking import CHAMPION, Registry
from serving.auth import KeyStore
from serving.predictors import bottleneck_query

PYTHON = [sys.executable, "-m"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bottleneck_body(**changes: object) -> dict:
    """The seed's bottleneck request (the one `forewarn up` prints as a curl)."""
    return EXAMPLE_REQUEST | changes


def prepare(settings: Settings) -> tuple[str, list[float], list[str]]:
    """Train and register the champion; return a predict key, its feature row and names."""
    family = get_family("bottleneck")
    result = family.train(simulate(systems=8, days=14, seed=7))
    registry = Registry(settings)
    logged = registry.log_training(result.model, experiment="benchmark", run_name="bench",
                                   tags={}, params={}, metrics={}, figures={})
    registry.set_alias("bottleneck", CHAMPION, logged.version)
    result.model.save(settings.home / "bench-model")
    query = bottleneck_query(BottleneckRequest.model_validate(bottleneck_body()))
    row = observation_rows(family.spec, query.observation, np.array([30.0]))[0]
    key, _ = KeyStore(settings.api_keys_path).create("bench", ["predict"], tier="enterprise")
    return key, [float(v) for v in row], list(result.model.facts.feature_names)


def _environment(settings: Settings) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **client_environment(settings), "OMP_NUM_THREADS": "1", "PATH": path}


def mlflow_server(settings: Settings, workers: int) -> Component:
    port = free_port()
    return Component(
        name=f"mlflow-{workers}", env=_environment(settings), port=port,
        argv=[*PYTHON, "mlflow", "models", "serve", "-m", "models:/bottleneck@champion",
              "--env-manager", "local", "-w", str(workers), "-h", "127.0.0.1", "-p", str(port)],
        log_path=settings.logs_dir / f"mlflow-serve-{workers}.log",
        health_url=f"http://127.0.0.1:{port}/ping")


def minimal_server(settings: Settings) -> Component:
    port = free_port()
    env = _environment(settings) | {"FOREWARN_BENCH_MODEL": str(settings.home / "bench-model")}
    return Component(
        name="minimal-1", env=env, port=port,
        argv=[*PYTHON, "uvicorn", "benchmarks.minimal_app:app", "--host", "127.0.0.1", "--port",
              str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log"],
        log_path=settings.logs_dir / "minimal.log", health_url=f"http://127.0.0.1:{port}/ping")


def forewarn_server(settings: Settings) -> Component:
    limits = {"basic": 100, "premium": 1000, "enterprise": 10**9}
    return api_component(settings.model_copy(update={"api_port": free_port(),
                                                     "rate_limits": limits}))


def targets(settings: Settings, key: str, row: list[float], names: list[str]) -> list[tuple]:
    """(component, path, body, headers) for every way of serving."""
    frame = {"dataframe_split": {"columns": names, "data": [row]}}
    seed = bottleneck_body(system_id="bench-__N__")
    return [
        (mlflow_server(settings, 1), "/invocations", frame, {}),
        (mlflow_server(settings, 2), "/invocations", frame, {}),
        (minimal_server(settings), "/predict", {"features": row}, {}),
        (forewarn_server(settings), "/v1/predict/bottleneck", seed, {"X-API-Key": key}),
    ]


def wait_ready(url: str) -> None:
    """Forewarn answers /status before its models are loaded: wait for them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not httpx.get(f"{url}/v1/status").json()["ready"]:
        time.sleep(0.2)


def measure(settings: Settings, target: tuple, concurrencies: list[int], seconds: float,
            warmup: float) -> list[Measurement]:
    component, path, body, headers = target
    with Supervisor(settings, [component]):
        if component.name == "API":
            wait_ready(component.url)
        url = f"{component.url}{path}"
        name = "forewarn-1" if component.name == "API" else component.name
        drive(name, url, body, headers, max(concurrencies), warmup)
        return [drive(name, url, body, headers, c, seconds) for c in concurrencies]


def report(results: list[Measurement], concurrencies: list[int]) -> None:
    print(f"{'server':<12}{'conc':>6}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}")
    for m in results:
        print(f"{m.name:<12}{m.concurrency:>6}{m.requests_per_second:>10.0f}{m.p50_ms:>9.2f}"
              f"{m.p95_ms:>9.2f}{m.p99_ms:>9.2f}{m.errors:>8}")
    by = {(m.name, m.concurrency): m.requests_per_second for m in results}
    for c in concurrencies:
        best_mlflow = max(by.get(("mlflow-1", c), 0), by.get(("mlflow-2", c), 0)) or float("nan")
        forewarn = by.get(("forewarn-1", c), float("nan"))
        minimal = by.get(("minimal-1", c), float("nan"))
        print(f"concurrency {c}: forewarn/best mlflow = {forewarn / best_mlflow:.2f}x, "
              f"forewarn/minimal = {forewarn / minimal:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), mlflow_port=free_port(), prefect_port=free_port())
        with Supervisor(settings, [mlflow_component(settings)]):
            key, row, names = prepare(settings)
            results = [m for target in targets(settings, key, row, names)
                       for m in measure(settings, target, args.concurrency, args.seconds,
                                        args.warmup)]
    report(results, args.concurrency)
    out = Path(__file__).parent / "results" / f"serving-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps([asdict(m) for m in results], indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
