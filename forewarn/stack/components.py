"""What the embedded stack runs: the Prefect and MLflow servers, described as subprocesses.

Nothing here imports Prefect or MLflow: they are started with `sys.executable -m ...` and
checked over HTTP. `client_environment` holds what any other process needs to reach them.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from forewarn.settings import PROJECT_ROOT, Settings

PREFECT_SERVER = "Prefect server"
MLFLOW_SERVER = "MLflow server"
PYTHON_M = (sys.executable, "-m")
# Seconds between flow run heartbeats in every process of the stack (Prefect's default is 180):
# the flow runner's zombie automation crashes a run after three missed ones (flows/automations.py).
FLOW_HEARTBEAT_S = 30


class PortInUseError(RuntimeError):
    """A component's port is already taken by another program."""


@dataclass(frozen=True)
class Component:
    """One long-running child process of the stack and how to tell it is ready."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    health_url: str | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    port_setting: str | None = None
    folders: tuple[Path, ...] = ()

    @property
    def url(self) -> str | None:
        """Where a person opens it (None for components without a port)."""
        return f"http://{self.host}:{self.port}" if self.port is not None else None


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every set field of `settings` as a `FOREWARN_*` variable, so children read the same."""
    prefix = settings.model_config.get("env_prefix", "FOREWARN_")
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, dict | list):
            value = json.dumps(value)  # pydantic-settings reads complex values as JSON
        env[f"{prefix}{name.upper()}"] = str(value)
    return env


def s3_environment(settings: Settings) -> dict[str, str]:
    """The variables MLflow's S3 artifact store reads; empty without S3."""
    if not settings.uses_s3:
        return {}
    scheme = "https" if settings.s3_secure else "http"
    env = {
        "MLFLOW_S3_ENDPOINT_URL": f"{scheme}://{settings.s3_endpoint}",
        "AWS_DEFAULT_REGION": settings.s3_region,
    }
    if settings.s3_access_key is not None:
        env["AWS_ACCESS_KEY_ID"] = settings.s3_access_key
    if settings.s3_secret_key is not None:
        env["AWS_SECRET_ACCESS_KEY"] = settings.s3_secret_key.get_secret_value()
    return env


def client_environment(settings: Settings) -> dict[str, str]:
    """What a client process (flow runner, API, notebook) needs to talk to the stack."""
    return {
        **settings_environment(settings),
        "PREFECT_API_URL": settings.prefect_api_url,
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(FLOW_HEARTBEAT_S),
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        **s3_environment(settings),
    }


def sqlite_folder(url: str) -> Path | None:
    """The folder a SQLite URL's database file lives in; None for other databases."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path).parent


def prefect_component(settings: Settings) -> Component:
    """The Prefect API server and UI."""
    port = settings.prefect_port
    env = {
        **os.environ,
        **settings_environment(settings),
        "PREFECT_HOME": str(settings.prefect_home),
        "PREFECT_API_URL": settings.prefect_api_url,
        "PREFECT_UI_API_URL": settings.prefect_api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": settings.prefect_db_url,
    }
    folders = [settings.prefect_home, sqlite_folder(settings.prefect_db_url)]
    return Component(
        name=PREFECT_SERVER,
        argv=[
            *(*PYTHON_M, "prefect", "server", "start"),
            *("--host", settings.host, "--port", str(port)),
        ],
        env=env,
        log_path=settings.logs_dir / "prefect-server.log",
        health_url=f"http://{settings.host}:{port}/api/health",
        host=settings.host,
        port=port,
        port_setting="FOREWARN_PREFECT_PORT",
        folders=tuple(folder for folder in folders if folder is not None),
    )


def mlflow_component(settings: Settings) -> Component:
    """The MLflow tracking server, which also proxies the artifacts."""
    port = settings.mlflow_port
    env = {
        **os.environ,
        **settings_environment(settings),
        **s3_environment(settings),
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    folder = sqlite_folder(settings.mlflow_backend_uri)
    return Component(
        name=MLFLOW_SERVER,
        argv=[
            *PYTHON_M,
            *("mlflow", "server", "--host", settings.host, "--port", str(port), "--workers", "1"),
            *("--backend-store-uri", settings.mlflow_backend_uri),
            *("--artifacts-destination", settings.mlflow_artifacts_destination),
        ],
        env=env,
        log_path=settings.logs_dir / "mlflow-server.log",
        health_url=f"http://{settings.host}:{port}/health",
        host=settings.host,
        port=port,
        port_setting="FOREWARN_MLFLOW_PORT",
        folders=(folder,) if folder is not None else (),
    )


def server_components(settings: Settings) -> list[Component]:
    """The servers of the embedded stack, in start order."""
    return [prefect_component(settings), mlflow_component(settings)]


def port_is_free(host: str, port: int) -> bool:
    """Whether a listening socket could be bound on host:port right now."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def check_ports(components: list[Component]) -> None:
    """Raise `PortInUseError` for the first component whose port is taken."""
    for component in components:
        if component.port is None or port_is_free(component.host, component.port):
            continue
        fix = "choose a free port"
        if component.port_setting:
            fix = f"set {component.port_setting} to a free port"
        raise PortInUseError(
            f"port {component.port} ({component.name}) is already in use by another program; {fix}"
        )


FLOW_RUNNER = "Flow runner"


def flow_runner_component(settings: Settings) -> Component:
    """The process that serves every flow as a Prefect deployment and executes their runs."""
    return Component(
        name=FLOW_RUNNER,
        argv=[sys.executable, str(PROJECT_ROOT / "deployments" / "serve.py")],
        env={**os.environ, **client_environment(settings)},
        log_path=settings.logs_dir / "flow-runner.log",
    )


API_SERVER = "API"


def api_component(settings: Settings) -> Component:
    """The prediction API under uvicorn (uvloop + httptools, no access log: both cost CPU per
    request). One OpenMP thread per predictor: XGBoost threads spinning on 2 cores cost more
    than they give for single-row predictions."""
    return Component(
        name=API_SERVER,
        argv=[
            *PYTHON_M,
            "uvicorn",
            "--factory",
            "serving.main:create_app",
            "--host",
            settings.host,
            "--port",
            str(settings.api_port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
        ],
        # MLflow's client retries for minutes by default: an API answers 503 in seconds instead.
        env={
            **os.environ,
            **client_environment(settings),
            "OMP_NUM_THREADS": "1",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
        },
        log_path=settings.logs_dir / "api.log",
        health_url=f"{settings.api_url}/v1/status",
        host=settings.host,
        port=settings.api_port,
        port_setting="FOREWARN_API_PORT",
    )
