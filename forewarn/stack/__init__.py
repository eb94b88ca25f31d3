"""The embedded stack: the Prefect and MLflow servers as supervised child processes."""

from forewarn.stack.components import (
    API_SERVER,
    FLOW_RUNNER,
    MLFLOW_SERVER,
    PREFECT_SERVER,
    Component,
    PortInUseError,
    api_component,
    check_ports,
    client_environment,
    flow_runner_component,
    server_components,
)
from forewarn.stack.supervisor import (
    StackError,
    Supervisor,
    find_running_stack,
    run_until_signal,
    state_path,
)

__all__ = [
    "API_SERVER",
    "FLOW_RUNNER",
    "MLFLOW_SERVER",
    "PREFECT_SERVER",
    "Component",
    "PortInUseError",
    "StackError",
    "Supervisor",
    "api_component",
    "check_ports",
    "client_environment",
    "find_running_stack",
    "flow_runner_component",
    "run_until_signal",
    "server_components",
    "state_path",
]
