"""`forewarn up` as a user runs it: a real process starting real servers on free ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forewarn.simulator import simulate
from forewarn.stack.process import group_members, pid_alive
from support import bottleneck_body, free_port

FOREWARN = [sys.executable, "-m", "forewarn.cli.main"]


def forewarn(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*FOREWARN, *args], env=environment, text=True, capture_output=True, timeout=240
    )


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return os.environ | {
        "FOREWARN_HOME": str(tmp_path / "home"),
        "FOREWARN_PREFECT_PORT": str(free_port()),
        "FOREWARN_MLFLOW_PORT": str(free_port()),
        "FOREWARN_API_PORT": str(free_port()),
    }


def wait_for_output(process: subprocess.Popen, log: Path, text: str, timeout: float) -> str:
    """Poll the process's output file until it holds `text`; return the output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if text in log.read_text():
            break
        time.sleep(0.3)
    output = log.read_text()
    assert text in output, output
    return output


@pytest.fixture
def running_stack(environment: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen]:
    with (tmp_path / "up.log").open("w") as log:
        process = subprocess.Popen(
            [*FOREWARN, "up", "--no-bootstrap"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_up_serves_both_uis_refuses_a_second_stack_and_stops_cleanly(
    running_stack: subprocess.Popen, environment: dict[str, str], tmp_path: Path
) -> None:
    output = wait_for_output(running_stack, tmp_path / "up.log", "Forewarn is ready", 180)
    prefect = f"http://127.0.0.1:{environment['FOREWARN_PREFECT_PORT']}"
    mlflow = f"http://127.0.0.1:{environment['FOREWARN_MLFLOW_PORT']}"
    assert prefect in output and mlflow in output
    assert httpx.get(f"{prefect}/api/health").status_code == 200
    assert httpx.get(f"{mlflow}/health").status_code == 200
    api = f"http://127.0.0.1:{environment['FOREWARN_API_PORT']}"
    key = (Path(environment["FOREWARN_HOME"]) / "bootstrap-api-key").read_text().strip()
    assert f"curl -s {api}/v1/predict/bottleneck -H 'X-API-Key: {key}'" in output
    no_model_yet = httpx.post(
        f"{api}/v1/predict/bottleneck", headers={"X-API-Key": key}, json=bottleneck_body()
    )
    assert no_model_yet.status_code == 503
    assert no_model_yet.json()["error"]["code"] == "model_not_ready"
    deployments = httpx.post(f"{prefect}/api/deployments/filter", json={}).json()
    by_name = {d["name"]: d for d in deployments}
    assert {"pipeline", "nightly", "ingest-dataset", "forecast-workload"} <= set(by_name)
    [hourly] = by_name["forecast-workload"]["schedules"]
    assert hourly["schedule"]["cron"] == "0 * * * *" and hourly["active"]
    state = json.loads((Path(environment["FOREWARN_HOME"]) / "stack.json").read_text())
    children = {pid for c in state["components"] for pid in group_members(c["pid"])}
    assert len(state["components"]) == 4 and len(children) >= 4

    second = subprocess.run(
        [*FOREWARN, "up"], env=environment, text=True, capture_output=True, timeout=60
    )
    assert second.returncode == 0 and "already running" in second.stdout

    source = tmp_path / "tiny.csv"
    simulate(systems=1, days=1, seed=1).to_csv(source, index=False)
    ran = forewarn(
        environment,
        "flow",
        "run",
        "ingest-dataset",
        "-p",
        f"source={source}",
        "-p",
        "name=tiny-telemetry",
    )
    assert ran.returncode == 0 and "Completed" in ran.stdout, ran.stdout + ran.stderr
    assert "tiny-telemetry" in forewarn(environment, "datasets", "ls").stdout

    running_stack.send_signal(signal.SIGTERM)
    assert running_stack.wait(timeout=60) == 0
    assert not [pid for pid in children if pid_alive(pid)]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{prefect}/api/health")


def test_up_names_the_taken_port_and_its_setting(environment: dict[str, str]) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(environment["FOREWARN_MLFLOW_PORT"])))
        squatter.listen()
        result = subprocess.run(
            [*FOREWARN, "up"], env=environment, text=True, capture_output=True, timeout=60
        )
    assert result.returncode == 2
    assert environment["FOREWARN_MLFLOW_PORT"] in result.stdout
    assert "FOREWARN_MLFLOW_PORT" in result.stdout
