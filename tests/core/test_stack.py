"""The embedded stack's supervisor, against the real Prefect and MLflow servers and toy servers.

The real servers start once for the module; the test that stops them comes last.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forewarn.settings import Settings
from forewarn.stack import (
    MLFLOW_SERVER,
    PREFECT_SERVER,
    Component,
    PortInUseError,
    StackError,
    Supervisor,
    client_environment,
    find_running_stack,
    run_until_signal,
    server_components,
    state_path,
)
from support import free_port

pytestmark = pytest.mark.integration

TOY_SERVER = """
import http.server, signal, sys
name, port, order = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def bye(signum, frame):
    with open(order, "a") as f:
        f.write(name + "\\n")
    sys.exit(0)

class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

signal.signal(signal.SIGTERM, bye)
print(name, "listening on", port, flush=True)
http.server.HTTPServer(("127.0.0.1", port), Ok).serve_forever()
"""


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def live_group_members(pgid: int) -> set[int]:
    """Non-zombie processes of a process group, read from /proc."""
    members = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            members.add(int(entry.name))
    return members


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def toy(name: str, settings: Settings, order: Path, port: int | None = None) -> Component:
    port = port or free_port()
    return Component(
        name=name,
        argv=[sys.executable, "-c", TOY_SERVER, name, str(port), str(order)],
        env=dict(os.environ),
        log_path=settings.logs_dir / f"{name}.log",
        health_url=f"http://127.0.0.1:{port}/",
        port=port,
        port_setting=f"FOREWARN_{name.upper()}_PORT",
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of a private home, with free ports for both servers."""
    return Settings(home=tmp_path, prefect_port=free_port(), mlflow_port=free_port())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    """The real Prefect and MLflow servers, started once for the module."""
    home = tmp_path_factory.mktemp("stack")
    settings = Settings(home=home, prefect_port=free_port(), mlflow_port=free_port())
    supervisor = Supervisor(settings, server_components(settings))
    supervisor.start(timeout=90)
    yield supervisor
    supervisor.stop()


def test_real_servers_answer_health(stack: Supervisor) -> None:
    settings = stack.settings
    assert set(stack.ready_times()) == {PREFECT_SERVER, MLFLOW_SERVER}
    prefect = httpx.get(f"{settings.prefect_api_url}/health", trust_env=False)
    mlflow = httpx.get(f"{settings.mlflow_tracking_uri}/health", trust_env=False)
    assert (prefect.status_code, mlflow.status_code) == (200, 200)
    assert stack.urls() == {
        PREFECT_SERVER: f"http://127.0.0.1:{settings.prefect_port}",
        MLFLOW_SERVER: f"http://127.0.0.1:{settings.mlflow_port}",
    }
    assert (settings.home / "prefect" / "prefect.db").exists()
    assert (settings.home / "mlflow" / "mlflow.db").exists()


def test_state_file_is_found(stack: Supervisor) -> None:
    assert state_path(stack.settings).exists()
    state = find_running_stack(stack.settings)
    assert state is not None
    assert {c["name"]: c["pid"] for c in state["components"]} == stack.pids()
    assert state["urls"] == stack.urls()
    assert state["supervisor_pid"] == os.getpid()


def test_stop_leaves_no_process_port_or_state(stack: Supervisor) -> None:
    settings = stack.settings
    groups = {pid: live_group_members(pid) for pid in stack.pids().values()}
    assert all(pid in members for pid, members in groups.items())
    assert len(groups[stack.pids()[MLFLOW_SERVER]]) >= 2  # mlflow + its uvicorn child
    stack.stop()
    stack.stop()  # idempotent
    assert not [pid for members in groups.values() for pid in members if alive(pid)]
    assert all(live_group_members(pgid) == set() for pgid in groups)
    assert port_free(settings.prefect_port) and port_free(settings.mlflow_port)
    assert not state_path(settings).exists()
    assert find_running_stack(settings) is None


def test_stale_state_file_is_removed(settings: Settings) -> None:
    path = state_path(settings)
    path.write_text('{"supervisor_pid": 999999999, "components": []}')
    assert find_running_stack(settings) is None
    assert not path.exists()


@pytest.mark.parametrize("taken", ["prefect_port", "mlflow_port"])
def test_port_in_use_starts_nothing(settings: Settings, taken: str) -> None:
    port = getattr(settings, taken)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        supervisor = Supervisor(settings, server_components(settings))
        with pytest.raises(PortInUseError) as error:
            supervisor.start()
    message = str(error.value)
    assert f"port {port} " in message and f"FOREWARN_{taken.upper()}" in message
    assert supervisor.pids() == {}
    assert not settings.logs_dir.exists() and not state_path(settings).exists()


def test_early_exit_stops_earlier_components(settings: Settings, tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    first = toy("first", settings, order)
    broken = Component(
        name="broken",
        argv=[sys.executable, "-c", "import sys; print('bad config here'); sys.exit(3)"],
        env=dict(os.environ),
        log_path=settings.logs_dir / "broken.log",
        health_url=f"http://127.0.0.1:{free_port()}/",
    )
    supervisor = Supervisor(settings, [first, broken])
    with pytest.raises(StackError) as error:
        supervisor.start(timeout=20)
    assert error.value.component == "broken"
    assert "exited with code 3" in str(error.value)
    assert "bad config here" in str(error.value)
    assert order.read_text().split() == ["first"]
    assert supervisor.pids() == {} and port_free(first.port or 0)


def test_unhealthy_component_times_out(settings: Settings) -> None:
    silent = Component(
        name="silent",
        argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        env=dict(os.environ),
        log_path=settings.logs_dir / "silent.log",
        health_url=f"http://127.0.0.1:{free_port()}/",
    )
    supervisor = Supervisor(settings, [silent])
    with pytest.raises(StackError, match="silent did not become healthy within 1 s"):
        supervisor.start(timeout=1)
    assert supervisor.pids() == {}


def test_stop_order_is_reverse_with_added_last(settings: Settings, tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    with Supervisor(settings, [toy("a", settings, order), toy("b", settings, order)]) as sup:
        assert list(sup.pids()) == ["a", "b"]
        sup.add(toy("c", settings, order))
        state = find_running_stack(settings)
        assert state is None  # no Prefect server in this stack
    assert order.read_text().split() == ["c", "b", "a"]


def test_run_until_signal_stops_on_sigterm(settings: Settings, tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    supervisor = Supervisor(settings, [toy("a", settings, order), toy("b", settings, order)])
    supervisor.start()
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert run_until_signal(supervisor, poll_interval=0.1) == 0
    assert order.read_text().split() == ["b", "a"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_run_until_signal_stops_when_a_child_dies(settings: Settings, tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    supervisor = Supervisor(settings, [toy("a", settings, order), toy("b", settings, order)])
    supervisor.start()
    os.killpg(supervisor.pids()["a"], signal.SIGKILL)
    started = time.monotonic()
    assert run_until_signal(supervisor, poll_interval=0.1) == 1
    assert time.monotonic() - started < 10
    assert order.read_text().split() == ["b"]
    assert supervisor.pids() == {}


def test_client_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(home=tmp_path, prefect_port=4300, s3_endpoint="minio:9000")
    env = client_environment(settings)
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"
    assert env["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:5000"
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["FOREWARN_HOME"] == str(tmp_path) and Path(env["FOREWARN_HOME"]).is_absolute()
    assert env["FOREWARN_PREFECT_PORT"] == "4300" and env["FOREWARN_S3_SECURE"] == "false"
    for name, value in env.items():  # a child reads these from its environment
        if name.startswith("FOREWARN_"):
            monkeypatch.setenv(name, value)
    assert Settings() == settings
