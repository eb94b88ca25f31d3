"""Submitting a flow run to a real Prefect server: coerced values pass the deployment's parameter
schema, and what Prefect refuses is one line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from prefect.deployments import run_deployment
from prefect.testing.utilities import prefect_test_harness

from flows.evaluate_model import evaluate_model
from forewarn.cli.flow_params import coerce_params
from forewarn.cli.flows import submit_run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def deployed() -> Iterator[None]:
    """A temporary Prefect server with an `evaluate-model` deployment (no worker runs it)."""
    with prefect_test_harness(server_startup_timeout=120):
        evaluate_model.to_deployment(name=evaluate_model.name).apply()
        yield


def test_coerced_values_pass_the_deployment_schema(deployed: None) -> None:
    params = coerce_params(evaluate_model, ["family=bottleneck", "version=2"])
    run = run_deployment("evaluate-model/evaluate-model", parameters=params, timeout=0)
    assert run.parameters == {"family": "bottleneck", "version": "2"}


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        (
            "evaluate-model",
            {"family": "bottleneck", "version": 2},
            "error: Prefect did not run evaluate-model: 409 Conflict: Error creating flow run: "
            "Validation failed for field 'version'.",
        ),
        ("pipeline", {}, "error: Prefect has no deployment pipeline/pipeline"),
    ],
)
def test_refusals_are_one_line(
    deployed: None,
    capsys: pytest.CaptureFixture[str],
    name: str,
    params: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(typer.Exit) as exited:
        submit_run(name, params)
    output = capsys.readouterr().out
    assert exited.value.exit_code == 1
    assert output.startswith(message) and output.count("\n") == 1, output
