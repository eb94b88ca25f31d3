"""The error envelope and request ids, on a tiny app built with the serving layer's pieces."""

from __future__ import annotations

import logging
import re
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from serving.errors import APIError, install_error_handlers
from serving.middleware import RequestIdMiddleware

GENERATED_ID = re.compile(r"req_[0-9a-f]{16}")
Percent = Annotated[float, Field(ge=0, le=100)]


class Features(BaseModel):
    cpu_utilization: list[Percent]


class PredictRequest(BaseModel):
    features: Features
    prediction_horizon: int = Field(ge=1, le=240)


def build_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    @app.post("/predict")
    def predict(body: PredictRequest) -> dict[str, int]:
        return {"points": len(body.features.cpu_utilization)}

    @app.get("/conflict")
    def conflict() -> None:
        raise APIError(409, "conflict", "Already there", {"name": "cpu"}, {"X-Extra": "yes"})

    @app.post("/upload")
    def upload() -> None:
        raise APIError(413, "payload_too_large", "Upload exceeds 10 bytes")

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(418)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    """A client of the tiny app, returning 500s instead of raising."""
    return TestClient(build_app(), raise_server_exceptions=False)


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_valid_request_passes(client: TestClient) -> None:
    body = {"features": {"cpu_utilization": [1, 2.5]}, "prediction_horizon": 30}
    response = client.post("/predict", json=body)
    assert response.status_code == 200
    assert response.json() == {"points": 2}


def test_validation_error_names_each_field(client: TestClient) -> None:
    body = {"features": {"cpu_utilization": [65.2, 72.1, 168.5]}, "prediction_horizon": 0}
    envelope = assert_envelope(client.post("/predict", json=body), 400, "validation_error")
    assert envelope["error"]["message"] == "Invalid request"
    details = envelope["error"]["details"]
    assert set(details) == {"features.cpu_utilization.2", "prediction_horizon"}
    assert "100" in details["features.cpu_utilization.2"]
    assert "1" in details["prediction_horizon"]


def test_missing_field_and_wrong_type(client: TestClient) -> None:
    body = {"features": {"cpu_utilization": ["high"]}}
    details = assert_envelope(client.post("/predict", json=body), 400, "validation_error")["error"][
        "details"
    ]
    assert details["prediction_horizon"] == "Field required"
    assert "features.cpu_utilization.0" in details


def test_malformed_json_is_a_body_error(client: TestClient) -> None:
    response = client.post(
        "/predict", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    details = assert_envelope(response, 400, "validation_error")["error"]["details"]
    assert list(details) == ["body"]


def test_api_error_keeps_status_details_and_headers(client: TestClient) -> None:
    response = client.get("/conflict")
    envelope = assert_envelope(response, 409, "conflict")
    assert envelope["error"] == {
        "code": "conflict",
        "message": "Already there",
        "details": {"name": "cpu"},
    }
    assert response.headers["X-Extra"] == "yes"


def test_payload_too_large(client: TestClient) -> None:
    envelope = assert_envelope(client.post("/upload"), 413, "payload_too_large")
    assert envelope["error"]["details"] is None


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_envelope(client.get("/nowhere"), 404, "not_found")
    response = client.get("/predict")
    assert_envelope(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"


def test_other_http_errors_get_a_generic_code(client: TestClient) -> None:
    envelope = assert_envelope(client.get("/teapot"), 418, "http_418")
    assert envelope["error"]["message"]


def test_internal_error_hides_the_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="serving.errors"):
        response = client.get("/boom", headers={"X-Request-ID": "trace-500"})
    envelope = assert_envelope(response, 500, "internal_error")
    assert envelope["error"]["message"] == "Internal server error"
    assert response.headers.get_list("X-Request-ID") == ["trace-500"]
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "trace-500" in caplog.text and "hunter2" in caplog.text


def test_request_id_is_echoed(client: TestClient) -> None:
    response = client.get("/nowhere", headers={"X-Request-ID": "client.id-42_a"})
    assert response.headers["X-Request-ID"] == "client.id-42_a"
    assert response.json()["request_id"] == "client.id-42_a"


@pytest.mark.parametrize("sent", [None, "", "has spaces", "x" * 129, "semi;colon"])
def test_request_id_is_generated_when_absent_or_unsafe(
    client: TestClient, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = client.post("/predict", json={}, headers=headers)
    second = client.post("/predict", json={}, headers=headers)
    assert GENERATED_ID.fullmatch(first.headers["X-Request-ID"])
    assert first.json()["request_id"] == first.headers["X-Request-ID"]
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_success_responses_carry_the_request_id(client: TestClient) -> None:
    body = {"features": {"cpu_utilization": [1]}, "prediction_horizon": 5}
    response = client.post("/predict", json=body, headers={"X-Request-ID": "ok-1"})
    assert response.headers.get_list("X-Request-ID") == ["ok-1"]
