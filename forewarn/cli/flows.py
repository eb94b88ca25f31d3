"""`forewarn flow ls|run`: the flows, and running one through the Prefect API (or here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.table import Table
from rich.text import Text

from forewarn.cli.common import console, fail, require_stack, use_stack
from forewarn.cli.flow_params import (
    ParameterError,
    all_flows,
    coerce_params,
    flow_parameters,
    summary,
)

if TYPE_CHECKING:
    import httpx
    from prefect.client.schemas.objects import FlowRun

    from forewarn.cli.flow_params import AnyFlow

app = typer.Typer(help="Prefect flows: list them, run one.", no_args_is_help=True)


@app.command("ls")
def list_flows() -> None:
    """Every flow with its parameters (type = default) and what it does."""
    table = Table("flow", "parameters", "description")
    for name, flow in all_flows().items():
        lines = [p.describe() for p in flow_parameters(flow)]
        table.add_row(name, Text("\n".join(lines)), summary(flow))  # Text: no markup in types
    console.print(table)


@app.command("run")
def run_flow(
    name: str,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value, converted to the parameter's type."),
    ] = None,
    local: Annotated[bool, typer.Option(help="Run here instead of in the flow runner.")] = False,
) -> None:
    """Run flow NAME with parameters and wait for it to finish."""
    use_stack()  # before Prefect is imported: it reads its API URL once, at import
    flow = _flow(name)
    try:
        params = coerce_params(flow, param or [])
    except ParameterError as error:
        fail(str(error), 2)
    if local:
        console.print(flow(**params))
        return
    require_stack()
    run = submit_run(name, params)
    state = run.state
    console.print(f"flow run {run.name}: {state.name if state else 'unknown'}")
    if state is None or not state.is_completed():
        raise typer.Exit(1)


def _flow(name: str) -> AnyFlow:
    """The flow called `name`, or a clear exit listing the flows."""
    flows = all_flows()
    if name not in flows:
        fail(f"unknown flow {name!r}; flows: {', '.join(flows)}", 2)
    return flows[name]


def submit_run(name: str, params: dict[str, Any]) -> FlowRun:
    """Run the flow's deployment and wait for it; one line, not a traceback, when Prefect
    refuses it or cannot be reached."""
    import httpx
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        with console.status(f"running {name} through the Prefect API..."):
            run = run_deployment(f"{name}/{name}", parameters=params)
    except ObjectNotFound:
        fail(f"Prefect has no deployment {name}/{name}; is the flow runner up? (forewarn status)")
    except httpx.HTTPError as error:
        fail(f"Prefect did not run {name}: {http_error_line(error)}")
    return cast("FlowRun", run)  # called from sync code, Prefect's dispatch returns the run


def http_error_line(error: httpx.HTTPError) -> str:
    """An HTTP error as one line: the status and the server's `detail` when it sent one."""
    import httpx

    if not isinstance(error, httpx.HTTPStatusError):
        return f"{type(error).__name__}: {error}"
    response = error.response
    try:
        body = response.json()
    except ValueError:
        body = response.text
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return " ".join(f"{response.status_code} {response.reason_phrase}: {detail}".split())
