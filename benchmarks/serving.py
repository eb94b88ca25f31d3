"""Serving benchmark: one bottleneck champion served several ways, each driven by wrk on loopback.

What is compared (each server alone on the machine, one OpenMP thread, then stopped):
- `mlflow-1`, `mlflow-2`: `mlflow models serve --env-manager local` with 1 and 2 workers, what a
  user would otherwise run, given the seed request's feature row as `dataframe_split` JSON;
- `minimal-1`, `minimal-2`: `minimal_app.py`, a FastAPI route that parses that same JSON with
  pydantic and calls `Booster.inplace_predict`: the naive ceiling of this stack;
- `forewarn-1`, `forewarn-2`: Forewarn's API (`serving.main:create_app`) with auth (an
  enterprise API key), rate limits (raised so that they never throttle), metrics and prediction
  capture on, given the seed's bottleneck request (raw metric windows, from which it computes
  the features, the probability at the asked and the four trained horizons, the interval, the
  likely resource and the drivers). Every request carries a new `system_id`, so the response
  cache never answers: predictions are computed.
Minimal and Forewarn run under `launch.py` (SO_REUSEPORT workers, TCP_NODELAY checked on every
connection: the multi-worker pitfall of ../shared/STACK.md); MLflow as its CLI starts it (its
`uvicorn --workers 2` keeps TCP_NODELAY only because uvloop is installed: see launch.py).
Every server answers one request before the load: the same probability everywhere, or a warning.

Setup, in a temporary home: an MLflow server, the bottleneck family trained on
`simulate(systems=8, days=14, seed=7)`, logged, registered and aliased champion, an API key.
Each server gets a wrk warm-up then a measured run per concurrency (threads = min(c, 2)); with
`--rounds R` the servers are measured in turn R times (this machine's speed drifts by a factor of
two within minutes: ratios are taken within a round, then their median over the rounds).
Output: a table of requests/s, p50/p95/p99 and errors (per server and concurrency, the median
run), the ratios Forewarn / best MLflow and Forewarn / minimal per concurrency with each round's
values, and `benchmarks/results/serving-<time>.json`.

Run from the repository root (needs wrk; about 6-7 minutes with the defaults):
    .venv/bin/python benchmarks/serving.py [--seconds 15] [--warmup 3] [--rounds 1]
                                           [--concurrency 1 8 32] [--only mlflow-1 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and this file would shadow the
# `serving` package: the repository root goes first instead (`benchmarks.*` resolve from it).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.champion import FAMILY, Champion, prepare, seed_request
from benchmarks.load import VARY_MARKER, Load, Measurement, drive, require_wrk
from benchmarks.report import Outcome, render, write_results
from forewarn.settings import Settings
from forewarn.stack import Component, StackError, Supervisor, api_component, client_environment
from forewarn.stack.components import mlflow_component

HERE = Path(__file__).resolve().parent
LAUNCH = HERE / "launch.py"
RATE_LIMITS = {"basic": 100, "premium": 1000, "enterprise": 100_000_000}  # never throttles
NAMES = ["mlflow-1", "mlflow-2", "minimal-1", "minimal-2", "forewarn-1", "forewarn-2"]
STARTUP_LINE = "Application startup complete"  # uvicorn logs it once per worker
READY_TIMEOUT_S = 120.0
BUSY_WARNING = 0.2  # cores in use by others, between servers, worth a warning


@dataclass(frozen=True)
class Target:
    """One way of serving the champion."""

    name: str
    workers: int
    component: Component
    load: Load
    forewarn: bool = False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(settings: Settings) -> dict[str, str]:
    """A server's environment: the stack's client variables, one OpenMP thread, this venv."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **client_environment(settings), "OMP_NUM_THREADS": "1", "PATH": path}


def server(
    name: str, argv: list[str], env: dict[str, str], settings: Settings, port: int, health: str
) -> Component:
    return Component(
        name,
        argv,
        env,
        settings.logs_dir / f"{name}.log",
        health_url=f"http://127.0.0.1:{port}{health}",
        port=port,
    )


def launched(app: str, workers: int, port: int) -> list[str]:
    """The command that runs `app` in `workers` uvicorn processes under launch.py."""
    return [sys.executable, str(LAUNCH), app, "--port", str(port), "--workers", str(workers)]


def mlflow_target(settings: Settings, champion: Champion, workers: int) -> Target:
    port, name = free_port(), f"mlflow-{workers}"
    argv = [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "-m",
        f"models:/{FAMILY}@champion",
        "--env-manager",
        "local",
        "-w",
        str(workers),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
    ]
    component = server(name, argv, environment(settings), settings, port, "/ping")
    return Target(name, workers, component, Load("/invocations", champion.frame))


def minimal_target(settings: Settings, champion: Champion, workers: int) -> Target:
    port, name = free_port(), f"minimal-{workers}"
    env = environment(settings) | {"MINIMAL_MODEL_DIR": str(champion.folder)}
    argv = launched("benchmarks.minimal_app:app", workers, port)
    component = server(name, argv, env, settings, port, "/ping")
    return Target(name, workers, component, Load("/invocations", champion.frame))


def forewarn_target(settings: Settings, champion: Champion, workers: int) -> Target:
    """Forewarn's API with the environment and options `forewarn up` gives it, N workers."""
    port, name = free_port(), f"forewarn-{workers}"
    api = api_component(settings.model_copy(update={"api_port": port, "rate_limits": RATE_LIMITS}))
    argv = [*launched("serving.main:create_app", workers, port), "--factory"]
    component = replace(api, name=name, argv=argv, log_path=settings.logs_dir / f"{name}.log")
    body = seed_request() | {"system_id": f"bench-{VARY_MARKER}"}
    load = Load("/v1/predict/bottleneck", body, {"X-API-Key": champion.api_key}, vary=True)
    return Target(name, workers, component, load, forewarn=True)


BUILDERS = {"mlflow": mlflow_target, "minimal": minimal_target, "forewarn": forewarn_target}


def build(name: str, settings: Settings, champion: Champion) -> Target:
    """The target called `name` ("mlflow-2" and so on)."""
    kind, workers = name.rsplit("-", 1)
    return BUILDERS[kind](settings, champion, int(workers))


def wait_for_workers(target: Target) -> None:
    """Until every worker has started (the first one alone answers health checks, and wrk's
    keep-alive connections would all stay on it)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while target.component.log_path.read_text().count(STARTUP_LINE) < target.workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{target.name}: not all {target.workers} workers started")
        time.sleep(0.2)


def wait_for_models(url: str, workers: int) -> None:
    """Until Forewarn serves the champion: on every worker, as far as fresh connections (spread
    over the workers by the kernel) can tell."""
    wanted, streak = (1 if workers == 1 else 16), 0
    deadline = time.monotonic() + READY_TIMEOUT_S
    while streak < wanted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API at {url} never served {FAMILY!r}")
        loaded = FAMILY in httpx.get(f"{url}/v1/status", timeout=5).json()["models"]
        streak = streak + 1 if loaded else 0
        if not loaded:
            time.sleep(0.2)


def first_answer(target: Target) -> float:
    """One request, which must succeed: the probability answered (the same champion must give
    the same number through every server)."""
    body = json.loads(json.dumps(target.load.body).replace(VARY_MARKER, "first"))
    response = httpx.post(
        f"{target.component.url}{target.load.path}",
        json=body,
        headers=target.load.headers,
        timeout=30,
    )
    response.raise_for_status()
    answer = response.json()
    if target.forewarn:
        return answer["prediction"]["bottleneck_probability"]
    first = answer["predictions"][0]  # MLflow: {"probability": p} (a named Series); minimal: p
    return first["probability"] if isinstance(first, dict) else first


def cache_hits(url: str, workers: int) -> int:
    """Response-cache hits reported by the API's workers (the most any one reported)."""
    hits = 0
    for _ in range(4 * workers):  # fresh connections: the kernel picks the worker
        for line in httpx.get(f"{url}/v1/metrics", timeout=5).text.splitlines():
            if line.startswith('forewarn_response_cache_total{result="hit"}'):
                hits = max(hits, int(float(line.split()[-1])))
    return hits


def nodelay_lines(log_path: Path) -> list[str]:
    """What launch.py's workers said about TCP_NODELAY at exit."""
    return [
        line.split("] ", 1)[1]
        for line in log_path.read_text().splitlines()
        if "TCP_NODELAY:" in line
    ]


def run_load(target: Target, args: argparse.Namespace) -> list[Measurement]:
    """Warm-up then measured wrk run at each concurrency."""
    url, measured = target.component.url or "", []
    for concurrency in args.concurrency:
        if args.warmup > 0:
            drive(target.name, url, target.load, concurrency, args.warmup, f"w{concurrency}")
        result = drive(target.name, url, target.load, concurrency, args.seconds, f"m{concurrency}")
        print(
            f"  {result.name} c={concurrency}: {result.requests_per_second:,.0f} req/s, "
            f"p99 {result.p99_ms:.1f} ms, errors {result.error_count}",
            flush=True,
        )
        measured.append(result)
    return measured


def measure(target: Target, settings: Settings, args: argparse.Namespace) -> Outcome:
    """Start the target alone, load it, stop it; a failure is recorded, not raised."""
    outcome = Outcome(target.name, target.workers)
    outcome.notes["busy_cores_before"] = busy = busy_cores()
    print(f"{target.name}: starting", flush=True)
    if busy is not None and busy > BUSY_WARNING:
        print(f"  WARNING: {busy} cores busy before starting: another program competes", flush=True)
    try:
        with Supervisor(settings, [target.component]) as supervisor:
            wait_for_workers(target)
            if target.forewarn:
                wait_for_models(target.component.url or "", target.workers)
            outcome.notes["ready_in_s"] = supervisor.ready_times().get(target.name)
            outcome.notes["probability"] = round(first_answer(target), 6)
            outcome.measurements = run_load(target, args)
            if target.forewarn:
                outcome.notes["response_cache_hits"] = cache_hits(
                    target.component.url or "", target.workers
                )
    except (StackError, RuntimeError, httpx.HTTPError) as error:
        outcome.error = str(error)
        print(f"{target.name}: FAILED: {error}", flush=True)
    if target.component.argv[1] == str(LAUNCH):
        outcome.notes["tcp_nodelay"] = nodelay_lines(target.component.log_path)
    return outcome


def busy_cores(seconds: float = 1.0) -> float | None:
    """How many cores something was using over `seconds` (from /proc/stat; None elsewhere).
    Measured between servers: anything well above 0 means another program competes."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]  # idle, iowait
        return sum(values[:8]) - idle, sum(values[:8])

    try:
        busy_before, total_before = sample()
        time.sleep(seconds)
        busy_after, total_after = sample()
    except OSError:
        return None
    share = (busy_after - busy_before) / max(total_after - total_before, 1)
    return round(share * (os.cpu_count() or 1), 2)


def estimate_s(args: argparse.Namespace, names: list[str]) -> float:
    """Roughly how long a run takes: setup, server starts, wrk runs."""
    per_server = 5 + len(args.concurrency) * (args.warmup + args.seconds + 0.3)
    return 20 + args.rounds * len(names) * per_server


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the servers in turn this many times (medians)",
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=NAMES,
        default=NAMES,
        metavar="NAME",
        help=f"servers to measure, among {NAMES}",
    )
    return parser.parse_args()


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so that every server started is stopped."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main() -> None:
    args = parse_args()
    require_wrk()
    stop_on_sigterm()
    names = [name for name in NAMES if name in args.only]
    print(f"serving benchmark: {names}, about {estimate_s(args, names) / 60:.0f} min", flush=True)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="forewarn-bench-") as home:
        settings = Settings(
            _env_file=None, home=Path(home), mlflow_port=free_port(), prefect_port=free_port()
        )
        with Supervisor(settings, [mlflow_component(settings)]):
            champion = prepare(settings)
            print(f"champion: {FAMILY} v{champion.version}", flush=True)
            rounds = [
                [measure(build(name, settings, champion), settings, args) for name in names]
                for _ in range(args.rounds)
            ]
    print(render(rounds, args.concurrency))
    model = {"name": FAMILY, "version": champion.version, "features": champion.feature_names}
    path = write_results(HERE / "results", rounds, args, started, model)
    print(f"results: {path} ({time.time() - started:.0f} s in all)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every server started was stopped")
