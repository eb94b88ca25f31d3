"""`forewarn flow run NAME --param k=v`: through the Prefect API when the stack runs."""

from __future__ import annotations

from typing import Annotated

import typer

from forewarn.cli.common import console, fail, parse_params, require_stack, use_stack

FLOW_NAMES = ("ingest-dataset", "train-bottleneck", "train-failure", "train-incident",
              "evaluate-model", "pipeline")

app = typer.Typer(help="Run Prefect flows.", no_args_is_help=True)


@app.command("ls")
def list_flows() -> None:
    """The flows Forewarn serves as deployments."""
    for name in FLOW_NAMES:
        console.print(name)


@app.command("run")
def run_flow(
    name: str,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="key=value (JSON).")
                     ] = None,
    local: Annotated[bool, typer.Option(help="Run here instead of in the flow runner.")] = False,
) -> None:
    """Run flow NAME with parameters and wait for it to finish."""
    if name not in FLOW_NAMES:
        fail(f"unknown flow {name!r}; flows: {', '.join(FLOW_NAMES)}")
    params = parse_params(param or [])
    if local:
        use_stack()
        _run_locally(name, params)
        return
    require_stack()
    from prefect.deployments import run_deployment

    with console.status(f"running {name} through the Prefect API..."):
        run = run_deployment(f"{name}/{name}", parameters=params)
    state = run.state
    console.print(f"flow run {run.name}: {state.name if state else 'unknown'}")
    if state is None or not state.is_completed():
        raise typer.Exit(1)


def _run_locally(name: str, params: dict) -> None:
    from flows.evaluate_model import evaluate_model
    from flows.ingest_dataset import ingest_dataset
    from flows.pipeline import pipeline
    from flows.train import TRAINING_FLOWS

    flows = {"ingest-dataset": ingest_dataset, "evaluate-model": evaluate_model,
             "pipeline": pipeline} | {f"train-{k}": v for k, v in TRAINING_FLOWS.items()}
    console.print(flows[name](**params))
