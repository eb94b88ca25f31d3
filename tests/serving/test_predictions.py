"""POST /v1/predict/*: the seed's bodies in, the champions' answers out. The single-prediction
routes are tested twice: answered by `serving.fast_path` and by the FastAPI routes.

One app per way of answering serves the whole module, so its response cache is shared: a test
that checks what is cached sends a body (system id) no other test sends. Tests that need other
settings (rate limits, batch size) build an app of their own."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from forewarn.settings import Settings
from forewarn.tracking import LoggedRun
from serving.main import create_app
from support import bottleneck_body, failure_body, wait_until_serving


@pytest.fixture(scope="module", params=[True, False], ids=["fast-path", "fastapi-route"])
def fast_predictions(request: pytest.FixtureRequest) -> bool:
    """Whether `serving.fast_path` answers the single predictions (else the FastAPI routes)."""
    return request.param


@pytest.fixture(scope="module")
def predict_client(
    serving_settings: Settings,
    champions: dict[str, LoggedRun],
    keys: dict[str, str],
    fast_predictions: bool,
) -> Iterator[TestClient]:
    """An app answering single predictions one way, with both champions loaded."""
    settings = serving_settings.model_copy(update={"fast_predictions": fast_predictions})
    with TestClient(create_app(settings)) as test_client:
        wait_until_serving(test_client)
        yield test_client


def test_bottleneck_answers_the_seed_request(
    predict_client: TestClient, keys: dict[str, str], champions: dict[str, LoggedRun]
) -> None:
    answer = predict_client.post(
        "/v1/predict/bottleneck",
        json=bottleneck_body(),
        headers={"X-API-Key": keys["predict"], "X-Request-ID": "req-seed-1"},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    prediction = body["prediction"]
    assert body["request_id"] == "req-seed-1" == answer.headers["X-Request-ID"]
    assert (
        0
        <= prediction["confidence_interval"]["lower"]
        <= prediction["bottleneck_probability"]
        <= prediction["confidence_interval"]["upper"]
        <= 1
    )
    assert prediction["predicted_resource"] in {"cpu", "memory", "disk", "agent_queue"}
    assert prediction["severity_score"] == round(10 * prediction["bottleneck_probability"], 2)
    meta = body["metadata"]
    assert meta["model_name"] == "bottleneck"
    assert meta["model_version"] == champions["bottleneck"].version
    assert abs(sum(meta["feature_importance"].values()) - 1) < 1e-6
    assert meta["cached"] is False and meta["processing_time_ms"] > 0
    assert body["recommendations"] and {"action", "description"} <= set(body["recommendations"][0])


def cache_hits(client: TestClient) -> float:
    """The response cache's hit counter, as `/v1/metrics` shows it."""
    for line in client.get("/v1/metrics").text.splitlines():
        if line.startswith('forewarn_response_cache_total{result="hit"}'):
            return float(line.split()[-1])
    return 0.0


def test_identical_requests_are_answered_from_the_cache(
    predict_client: TestClient, keys: dict[str, str]
) -> None:
    def ask() -> dict:
        return predict_client.post(
            "/v1/predict/bottleneck",
            json=bottleneck_body(system_id="asked-twice"),
            headers={"X-API-Key": keys["predict"]},
        ).json()

    hits = cache_hits(predict_client)
    first, second = ask(), ask()

    assert first["metadata"]["cached"] is False
    assert second["metadata"]["cached"] is True
    assert second["prediction"] == first["prediction"]
    assert second["request_id"] != first["request_id"]
    assert cache_hits(predict_client) == hits + 1


def test_failure_prevention_answers_every_horizon(
    predict_client: TestClient, keys: dict[str, str]
) -> None:
    answer = predict_client.post(
        "/v1/predict/failure-prevention",
        json=failure_body(),
        headers={"X-API-Key": keys["predict"]},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    horizons = [p["time_horizon"] for p in body["failure_predictions"]]
    probabilities = [p["failure_probability"] for p in body["failure_predictions"]]
    assert horizons == [15, 60, 240, 1440]
    assert probabilities == sorted(probabilities)
    assert body["system_health_score"] == round(1 - max(probabilities), 4)
    assert all(p["severity"] in {"low", "warning", "critical"} for p in body["failure_predictions"])


def test_out_of_range_input_gets_the_seed_400_body(
    predict_client: TestClient, keys: dict[str, str]
) -> None:
    body = bottleneck_body(prediction_horizon=500)
    body["features"]["cpu_utilization"][2] = 120

    answer = predict_client.post(
        "/v1/predict/bottleneck", json=body, headers={"X-API-Key": keys["predict"]}
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert "features.cpu_utilization.2" in error["details"]
    assert "prediction_horizon" in error["details"]
    assert answer.json()["request_id"] == answer.headers["X-Request-ID"]


def test_predictions_need_a_key_with_the_predict_scope(
    predict_client: TestClient, keys: dict[str, str]
) -> None:
    missing = predict_client.post("/v1/predict/bottleneck", json=bottleneck_body())
    wrong = predict_client.post(
        "/v1/predict/bottleneck", json=bottleneck_body(), headers={"X-API-Key": keys["reader"]}
    )
    bad = predict_client.post(
        "/v1/predict/bottleneck", json=bottleneck_body(), headers={"X-API-Key": "fw_notakey_000"}
    )

    assert missing.status_code == 401 and bad.status_code == 401
    assert wrong.status_code == 403 and "predict" in wrong.json()["error"]["message"]


def test_rate_limit_headers_and_429(
    serving_settings: Settings,
    champions: dict[str, LoggedRun],
    keys: dict[str, str],
    fast_predictions: bool,
) -> None:
    limits = {"basic": 3, "premium": 3, "enterprise": 3}
    settings = serving_settings.model_copy(
        update={"rate_limits": limits, "fast_predictions": fast_predictions}
    )
    with TestClient(create_app(settings)) as client:
        wait_until_serving(client)
        headers = {"X-API-Key": keys["predict"]}
        answers = [
            client.post("/v1/predict/bottleneck", json=bottleneck_body(), headers=headers)
            for _ in range(4)
        ]

    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    refused = answers[3]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"system_id": "x", "features": ', "body"),
        (b"", "body"),
        (
            json.dumps(bottleneck_body(features={"cpu_utilization": ["high"]})).encode(),
            "features.cpu_utilization.0",
        ),
    ],
)
def test_malformed_bodies_get_the_400_body(
    predict_client: TestClient, keys: dict[str, str], content: bytes, field: str
) -> None:
    answer = predict_client.post(
        "/v1/predict/bottleneck",
        content=content,
        headers={"X-API-Key": keys["predict"], "Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "validation_error"
    assert field in answer.json()["error"]["details"]


def test_the_fast_path_answers_as_the_fastapi_routes(
    serving_settings: Settings, champions: dict[str, LoggedRun], keys: dict[str, str]
) -> None:
    bad = bottleneck_body(prediction_horizon=0)
    calls = [
        ("/v1/predict/bottleneck", bottleneck_body(), keys["predict"]),
        ("/v1/predict/failure-prevention", failure_body(), keys["predict"]),
        ("/v1/predict/bottleneck", bad, keys["predict"]),
        ("/v1/predict/bottleneck", bottleneck_body(), keys["reader"]),
    ]
    seen = {}
    for fast in (True, False):
        settings = serving_settings.model_copy(update={"fast_predictions": fast})
        with TestClient(create_app(settings)) as client:
            wait_until_serving(client)
            answers = [
                client.post(path, json=body, headers={"X-API-Key": key})
                for path, body, key in calls
            ]
            scraped = client.get("/v1/metrics").text
        seen[fast] = [
            (a.status_code, _comparable(a.json()), _rate_limit_headers(a)) for a in answers
        ]
        assert (
            'forewarn_http_requests_total{method="POST",route="/predict/bottleneck",'
            'status="200"} 1.0'
        ) in scraped

    assert seen[True] == seen[False]
    assert [status for status, *_ in seen[True]] == [200, 200, 400, 403]


def _comparable(body: dict) -> dict:
    """A response without what differs between any two requests."""
    body.pop("request_id")
    body.get("metadata", {}).pop("processing_time_ms", None)
    return body


def _rate_limit_headers(answer: httpx.Response) -> list[str]:
    return sorted(name for name in answer.headers if name.startswith("x-ratelimit"))


def test_batch_answers_each_item_and_reports_bad_ones(
    client: TestClient, keys: dict[str, str]
) -> None:
    bad = bottleneck_body()
    bad["features"]["memory_usage"] = [150]
    items = [bottleneck_body(system_id="a"), bad, bottleneck_body(system_id="c")]

    answer = client.post(
        "/v1/predict/bottleneck/batch",
        json={"requests": items},
        headers={"X-API-Key": keys["predict"]},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["succeeded"], body["failed"]) == (2, 1)
    statuses = [item["status"] for item in body["results"]]
    assert statuses == ["ok", "error", "ok"]
    error = body["results"][1]["error"]
    assert error["code"] == "validation_error" and "features.memory_usage.0" in error["details"]
    assert body["results"][2]["result"]["request_id"] == f"{body['request_id']}-2"


def test_failure_batch_and_its_size_bound(
    serving_settings: Settings, champions: dict[str, LoggedRun], keys: dict[str, str]
) -> None:
    small = serving_settings.model_copy(update={"batch_max_items": 2})
    with TestClient(create_app(small)) as client:
        wait_until_serving(client)
        headers = {"X-API-Key": keys["predict"]}
        ok = client.post(
            "/v1/predict/failure-prevention/batch",
            json={"requests": [failure_body(), failure_body()]},
            headers=headers,
        )
        too_many = client.post(
            "/v1/predict/failure-prevention/batch",
            json={"requests": [failure_body()] * 3},
            headers=headers,
        )

    assert ok.status_code == 200 and ok.json()["succeeded"] == 2
    assert too_many.status_code == 413
    assert too_many.json()["error"]["code"] == "batch_too_large"


def read_events(client: TestClient, key: str, **params: object) -> list[dict]:
    with client.stream(
        "GET", "/v1/predict/stream", params=params, headers={"X-API-Key": key}
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in answer.iter_lines() if line.startswith("data: ")]
    return [json.loads(line.removeprefix("data: ")) for line in lines]


def test_stream_rescores_the_systems_last_inputs(client: TestClient, keys: dict[str, str]) -> None:
    headers = {"X-API-Key": keys["predict"]}
    before = read_events(client, keys["predict"], system_id="streamed", max_events=2)
    client.post(
        "/v1/predict/bottleneck", json=bottleneck_body(system_id="streamed"), headers=headers
    )

    after = read_events(
        client,
        keys["predict"],
        system_id="streamed",
        prediction_types=["bottleneck"],
        max_events=2,
        update_interval=1,
    )

    assert [e["event"] for e in before] == ["waiting", "waiting"]
    assert {e["type"] for e in before} == {"bottleneck", "failure_prevention"}
    assert [e["event"] for e in after] == ["prediction", "prediction"]
    assert 0 <= after[0]["probability"] <= 1
    assert after[0]["severity"] in {"low", "warning", "critical"}
