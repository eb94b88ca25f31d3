"""Scale of the `forecast-workload` flow: refresh and full runs against a Prophet loop.

    .venv/bin/python benchmarks/forecasting_scale.py [--counts 10,100] [--lengths 0.5,1]
        [--candidates seasonal_naive,auto_ets,global_xgb] [--reps 3] [--no-dask]

Series are windows of the bundled real series (datasets/workload-series): the hourly
`outbound-*` ones (720 points) and the 5-minute NAB `realAWSCloudwatch` ones (~4,000 points),
taken in turn; the k-th copy of a base is its window of `length x` the base's length (capped at
2,000 points) ending k*step_shift points before the base's end, renamed `bench/<base>-w<k>`,
so steps, lengths and shapes stay real. Each size is ingested as its own dataset and run
through the flow, with a real Prefect server and MLflow (as tests/flows/conftest.py starts
them): full (`reselect=True`, which also stores the choices), then refresh (`reselect=None`),
on the thread runner and on a local Dask cluster of 2 single-threaded workers; against a
sequential loop fitting Prophet (defaults) per series for the same horizon. Times are the
median of `--reps` (full: one run).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from forewarn.forecasting import default_horizon, prepare_frame
from forewarn.settings import PROJECT_ROOT, get_settings

DATA = PROJECT_ROOT / "datasets/workload-series/workload_series.csv.gz"
BASES = ("/outbound-", "realAWSCloudwatch/")
MAX_WINDOW = 2000
SHIFT = 24  # points between two windows of the same base


def bench_frame(count: int, scale: float) -> pd.DataFrame:
    """`count` windows of the bundled real series (see the module docstring)."""
    data = pd.read_csv(DATA, parse_dates=["timestamp"])
    bases = sorted(i for i in data["series_id"].unique() if any(b in i for b in BASES))
    parts = []
    for n in range(count):
        base, copy = bases[n % len(bases)], n // len(bases)
        rows = data[data["series_id"] == base].sort_values("timestamp")
        size = int(min(len(rows), MAX_WINDOW) * scale)
        end = len(rows) - copy * SHIFT
        window = rows.iloc[max(0, end - size) : end].copy()
        window["series_id"] = f"bench/{base.rsplit('/', 1)[-1]}-w{copy}"
        parts.append(window)
    return pd.concat(parts, ignore_index=True)


def prophet_loop(frame: pd.DataFrame) -> None:
    """Prophet with defaults fitted per series, forecasting the flow's horizon."""
    from prophet import Prophet

    for series in prepare_frame(frame).series:
        history = pd.DataFrame(
            {
                "ds": pd.date_range(series.start, periods=len(series.values), freq=series.step),
                "y": series.values,
            }
        )
        history["ds"] = history["ds"].dt.tz_localize(None)
        model = Prophet().fit(history)
        future = model.make_future_dataframe(default_horizon(series.step), freq=series.step)
        model.predict(future)


def timed(run: Callable[[], object], reps: int) -> float:
    """Median wall seconds of `reps` calls."""
    seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


@contextmanager
def stack() -> Iterator[None]:
    """MLflow and a Prefect test server, as the flow tests start them."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    from forewarn.stack import Supervisor
    from forewarn.stack.components import mlflow_component

    home = tempfile.mkdtemp(prefix="forewarn-scale-")
    os.environ |= {"FOREWARN_HOME": home, "FOREWARN_MLFLOW_PORT": "5987"}
    get_settings.cache_clear()
    supervisor = Supervisor(get_settings(), [mlflow_component(get_settings())])
    supervisor.start()
    try:
        with prefect_test_harness(server_startup_timeout=120):
            os.environ["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # for Dask workers
            yield
    finally:
        supervisor.stop()


def measure(
    count: int, scale: float, candidates: list[str], reps: int, dask: bool
) -> dict[str, float]:
    """Wall seconds of each way of forecasting `count` series of `scale` x the base length."""
    from prefect_dask.task_runners import DaskTaskRunner

    from flows.forecast_workload import forecast_workload
    from flows.ingest_dataset import ingest_dataset

    frame = bench_frame(count, scale)
    name = f"bench-{count}-{int(scale * 100)}"
    path = Path(tempfile.mkdtemp()) / "series.csv"
    frame.to_csv(path, index=False)
    ingest_dataset(source=str(path), name=name, kind="workload-series", licence="MIT")
    flows = {"threads": forecast_workload}
    if dask:
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
        flows["dask"] = forecast_workload.with_options(task_runner=runner)
    row = {"points": float(frame.groupby("series_id").size().mean())}
    for runner_name, flow in flows.items():
        kwargs = {"dataset": name, "candidates": candidates}
        row[f"full_{runner_name}"] = timed(lambda: flow(**kwargs, reselect=True), 1)  # noqa: B023
        row[f"refresh_{runner_name}"] = timed(lambda: flow(**kwargs), reps)  # noqa: B023
    row["prophet_loop"] = timed(lambda: prophet_loop(frame), 1 if count > 10 else reps)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="10,100")
    parser.add_argument("--lengths", default="0.5,1")
    parser.add_argument("--candidates", default="seasonal_naive,auto_ets,global_xgb")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    rows = []
    with stack():
        for count in map(int, args.counts.split(",")):
            for scale in map(float, args.lengths.split(",")):
                row = measure(count, scale, args.candidates.split(","), args.reps, not args.no_dask)
                rows.append({"series": count, "length x": scale} | row)
    table = pd.DataFrame(rows)
    for column in [c for c in table.columns if c.startswith(("full_", "refresh_"))]:
        table[f"{column}/prophet"] = table[column] / table["prophet_loop"]
    print(f"candidates: {args.candidates}; target: refresh/prophet <= 0.6")
    print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
