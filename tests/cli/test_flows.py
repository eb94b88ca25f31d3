"""`forewarn flow`: -p values coerced to the real flows' parameter types, one-line refusals, and
`flow ls` showing each flow's parameters. No Prefect server: nothing here submits a run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest
from prefect import Flow
from typer.testing import CliRunner

from flows.evaluate_model import evaluate_model
from flows.pipeline import pipeline
from flows.train import train_bottleneck
from forewarn.cli import app
from forewarn.cli.flow_params import ParameterError, all_flows, coerce_params
from forewarn.cli.flows import http_error_line

runner = CliRunner()


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """`flow run` points this process's clients at the stack through os.environ: undo that."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_every_flow_is_registered_under_its_prefect_name() -> None:
    flows = all_flows()
    assert {"ingest-dataset", "evaluate-model", "pipeline", "train-bottleneck"} <= set(flows)
    assert all(flow.name == name for name, flow in flows.items())


def test_values_take_the_declared_types() -> None:
    assert coerce_params(evaluate_model, ["family=bottleneck", "version=2"]) == {
        "family": "bottleneck",
        "version": "2",  # a str, as the flow declares: JSON would make it int 2 (HTTP 409)
    }
    trained = coerce_params(train_bottleneck, ["rounds=50", "eta=0.1", "dataset_version=null"])
    assert trained == {"rounds": 50, "eta": 0.1, "dataset_version": None}
    assert coerce_params(pipeline, ["ingest_bundled=false"]) == {"ingest_bundled": False}


@pytest.mark.parametrize(
    ("flow", "pairs", "message"),
    [
        (evaluate_model, ["version=2"], "parameter 'family' of evaluate-model is required"),
        (
            evaluate_model,
            ["family=gpu"],
            "parameter 'family' of evaluate-model expects 'bottleneck' | 'failure' | 'incident'; "
            "got 'gpu'",
        ),
        (
            train_bottleneck,
            ["rounds=many"],
            "parameter 'rounds' of train-bottleneck expects int; got 'many'",
        ),
        (pipeline, ["families=all"], "pipeline has no parameter 'families'"),
        (pipeline, ["family"], "--param 'family' must look like key=value"),
    ],
)
def test_bad_values_raise_one_clear_message(flow: Flow, pairs: list[str], message: str) -> None:
    with pytest.raises(ParameterError, match="^" + re.escape(message)):
        coerce_params(flow, pairs)


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate-model", "-p", "family=gpu"],
        ["evaluate-model", "-p", "version=2"],
        ["train-bottleneck", "-p", "nonsense=1"],
        ["pipeline", "--param", "family"],
        ["train-everything"],
    ],
)
@pytest.mark.usefixtures("restored_environment")
def test_flow_run_refuses_in_one_line_before_submitting(args: list[str]) -> None:
    result = runner.invoke(app, ["flow", "run", *args])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output and "not running" not in result.output


def test_http_errors_read_as_one_line() -> None:
    request = httpx.Request("POST", "http://prefect/api/deployments/x/create_flow_run")
    detail = "Validation failed for field 'version'.\nFailure reason: 2 is not valid"
    response = httpx.Response(409, json={"detail": detail}, request=request)
    error = httpx.HTTPStatusError("conflict", request=request, response=response)
    assert http_error_line(error) == (
        "409 Conflict: Validation failed for field 'version'. Failure reason: 2 is not valid"
    )
    refused = httpx.ConnectError("connection refused", request=request)
    assert http_error_line(refused) == "ConnectError: connection refused"


def test_flow_ls_shows_parameters_types_defaults_and_summaries() -> None:
    result = runner.invoke(app, ["flow", "ls"])
    assert result.exit_code == 0, result.output
    for text in (
        "evaluate-model",
        "family: 'bottleneck' | 'failure' | 'incident'",
        "version: str | None = None",
        "rounds: int = 400",
        "Run the whole lifecycle per family",
    ):
        assert text in result.output
