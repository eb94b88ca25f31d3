"""Flow tests run against real servers: one Prefect test harness and one MLflow tracking server
per session, with small bundled datasets so a whole pipeline takes seconds."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from forewarn.settings import PROJECT_ROOT, Settings, get_settings
from forewarn.simulator import simulate
from forewarn.stack import Supervisor
from forewarn.stack.components import mlflow_component
from support import free_port


def write_small_bundle(folder: Path) -> Path:
    """A bundled.json with a week of simulated telemetry, all the real incident series (incident
    windows are too rare for a subset to train a model that passes its gate) and two real
    hourly series to forecast."""
    (folder / "telemetry-sim").mkdir(parents=True)
    (folder / "real-incidents").mkdir()
    (folder / "workload-series").mkdir()
    workload = pd.read_csv(PROJECT_ROOT / "datasets/workload-series/workload_series.csv.gz")
    chosen = workload["series_id"].str.endswith(("/outbound-01", "/outbound-02"))
    workload[chosen].to_csv(folder / "workload-series/workload_series.csv.gz", index=False)
    simulate(systems=4, days=7, seed=3).to_parquet(folder / "telemetry-sim/telemetry.parquet")
    shutil.copy(
        PROJECT_ROOT / "datasets/real-incidents/real_incidents.csv.gz",
        folder / "real-incidents/real_incidents.csv.gz",
    )
    entries = json.loads((PROJECT_ROOT / "datasets/bundled.json").read_text())
    (folder / "bundled.json").write_text(json.dumps(entries))
    return folder


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A real MLflow server and a Prefect test harness; settings point every client at them."""
    bundle = write_small_bundle(tmp_path_factory.mktemp("bundle"))
    os.environ |= {"FOREWARN_MLFLOW_PORT": str(free_port()), "FOREWARN_DATASETS_DIR": str(bundle)}
    get_settings.cache_clear()
    settings = get_settings()
    supervisor = Supervisor(settings, [mlflow_component(settings)])
    supervisor.start()
    try:
        with prefect_test_harness(server_startup_timeout=120):
            yield settings
    finally:
        supervisor.stop()
