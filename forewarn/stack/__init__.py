"""The embedded stack: the Prefect and MLflow servers as supervised child processes."""

from forewarn.stack.components import (
    FLOW_RUNNER,
    MLFLOW_SERVER,
    PREFECT_SERVER,
    Component,
    PortInUseError,
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
    "FLOW_RUNNER",
    "MLFLOW_SERVER",
    "PREFECT_SERVER",
    "Component",
    "PortInUseError",
    "StackError",
    "Supervisor",
    "check_ports",
    "client_environment",
    "find_running_stack",
    "flow_runner_component",
    "run_until_signal",
    "server_components",
    "state_path",
]
