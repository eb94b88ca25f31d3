"""Property-based: every operation of /openapi.json, fed generated input, never answers 500,
and every error it does answer comes in the one envelope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from forewarn.settings import Settings
from forewarn.tracking import CHAMPION, LoggedRun, Registry
from serving.main import create_app
from support import wait_until_serving

# Dependencies that may be down here (no Prefect server in this module) answer 502/503 by design.
DEPENDENCY_CODES = {
    "orchestrator_unavailable",
    "deployment_missing",
    "registry_unavailable",
    "model_not_ready",
    "model_load_failed",
}
# The prediction stream sends `max_events` (unbounded when absent), at least a second apart.
STREAM = "GET /v1/predict/stream"
SHORT_STREAM = {"max_events": 2, "update_interval": 1}


@pytest.fixture(scope="module")
def api_schema(
    serving_settings: Settings, champions: dict[str, LoggedRun]
) -> Iterator[schemathesis.schemas.BaseSchema]:
    """The app's OpenAPI schema, with the app running; champions restored after."""
    app = create_app(serving_settings)
    with TestClient(app) as client:
        wait_until_serving(client)
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    registry = Registry(serving_settings)  # generated /stage calls may have moved aliases
    for name, logged in champions.items():
        registry.set_alias(name, CHAMPION, logged.version)


def shorten_stream(case: schemathesis.Case) -> None:
    """Cut a generated stream to two events a second apart (it ran minutes otherwise); values
    the API must refuse (too small, of the wrong type) are kept."""
    if case.operation.label != STREAM:
        return
    case.query = dict(case.query or {})
    for name, short in SHORT_STREAM.items():
        value = case.query.get(name)
        if value is None or (
            isinstance(value, int | float) and not isinstance(value, bool) and value > short
        ):
            case.query[name] = short


def check_operation(operation: schemathesis.APIOperation, key: str) -> None:
    """Generated requests for one operation never get a 500, and errors use the envelope."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: schemathesis.Case) -> None:
        case.headers = {**(case.headers or {}), "X-API-Key": key}
        shorten_stream(case)
        response = case.call()
        assert response.status_code != 500, f"{operation.label}: {response.text}"
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error", "request_id"}, body
            assert response.status_code < 500 or body["error"]["code"] in DEPENDENCY_CODES

    check()


def test_no_generated_input_causes_a_server_error(
    api_schema: schemathesis.schemas.BaseSchema, keys: dict[str, str]
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        check_operation(operation, keys["admin"])
