"""GET/POST /v1/models*: the registry over HTTP, and serving that follows alias moves.

The module shares one app and the session's registry: a test that moves an alias or deploys a
canary puts it back even when it fails."""

from __future__ import annotations

import time

import httpx
from fastapi.testclient import TestClient

from forewarn.families import TrainingResult
from forewarn.settings import Settings
from forewarn.tracking import CHAMPION, LoggedRun, Registry
from support import bottleneck_body, register_model


def served_version(client: TestClient, keys: dict[str, str], system: str) -> str:
    answer = client.post(
        "/v1/predict/bottleneck",
        json=bottleneck_body(system_id=system),
        headers={"X-API-Key": keys["predict"]},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["metadata"]["model_version"]


def test_list_and_read_models(
    client: TestClient, keys: dict[str, str], champions: dict[str, LoggedRun]
) -> None:
    headers = {"X-API-Key": keys["reader"]}
    listing = client.get("/v1/models", params={"name_contains": "bottle"}, headers=headers)
    one = client.get("/v1/models/failure", headers=headers)
    versions = client.get("/v1/models/failure/versions", headers=headers)

    assert listing.status_code == 200
    assert [m["name"] for m in listing.json()["data"]] == ["bottleneck"]
    assert one.json()["aliases"][CHAMPION] == one.json()["serving_version"]
    assert versions.json()[-1]["version"] == "1"


def test_unknown_model_is_404_with_the_envelope(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.get("/v1/models/no-such-model", headers={"X-API-Key": keys["reader"]})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "model_not_found"


def test_staging_needs_write_scope(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.post(
        "/v1/models/bottleneck/stage",
        json={"version": "1", "alias": "none"},
        headers={"X-API-Key": keys["reader"]},
    )
    assert answer.status_code == 403


def test_moving_the_alias_serves_the_new_version_without_restart(
    client: TestClient,
    keys: dict[str, str],
    serving_settings: Settings,
    trained: dict[str, TrainingResult],
    champions: dict[str, LoggedRun],
) -> None:
    registry = Registry(serving_settings)
    before = served_version(client, keys, "swap-before")
    newer = register_model(serving_settings, trained["bottleneck"], champion=False)

    try:
        staged = client.post(
            "/v1/models/bottleneck/stage",
            json={"version": newer.version, "alias": "champion"},
            headers={"X-API-Key": keys["writer"]},
        )
        after = served_version(client, keys, "swap-after")
    finally:
        registry.set_alias("bottleneck", CHAMPION, before)  # moved back outside the API
    deadline = time.monotonic() + 10
    while served_version(client, keys, "swap-poll") != before and time.monotonic() < deadline:
        time.sleep(0.2)

    assert staged.status_code == 200, staged.text
    assert staged.json()["serving_version"] == newer.version
    assert after == newer.version != before
    assert served_version(client, keys, "swap-poll-done") == before


def test_a_version_that_fails_to_load_leaves_the_old_one_serving(
    client: TestClient,
    keys: dict[str, str],
    serving_settings: Settings,
    champions: dict[str, LoggedRun],
) -> None:
    registry = Registry(serving_settings)
    good = served_version(client, keys, "broken-before")
    broken = registry.client.create_model_version(
        "bottleneck",
        source=f"runs:/{champions['bottleneck'].run_id}/no-such-model",
        run_id=champions["bottleneck"].run_id,
    )

    try:
        staged = client.post(
            "/v1/models/bottleneck/stage",
            json={"version": broken.version, "alias": "champion"},
            headers={"X-API-Key": keys["writer"]},
        )
        health = client.get("/v1/health").json()
        serving = served_version(client, keys, "broken-after")
        client.post(
            "/v1/models/bottleneck/stage",
            json={"version": good, "alias": "champion"},
            headers={"X-API-Key": keys["writer"]},
        )
        recovered = client.get("/v1/health").json()
    finally:
        registry.set_alias("bottleneck", CHAMPION, good)

    assert serving == good
    assert staged.json()["serving_version"] == good
    assert (
        health["status"] in {"degraded", "healthy"}
        and "failed to load" in health["components"]["model_cache"]["detail"]
    )
    assert "failed to load" not in str(recovered["components"]["model_cache"])


def test_model_metrics_join_service_measurements_and_training_metrics(
    client: TestClient, keys: dict[str, str]
) -> None:
    def read() -> httpx.Response:
        return client.get("/v1/models/bottleneck/metrics", headers={"X-API-Key": keys["reader"]})

    before = read().json()["service"]["requests"]
    served_version(client, keys, "metrics-1")
    served_version(client, keys, "metrics-2")

    answer = read()

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["service"]["requests"] == before + 2 and body["service"]["error_rate"] == 0
    assert set(body["service"]["latency_ms"]) == {"p50", "p95", "p99"}
    assert "roc_auc" in body["training"]


def test_drift_is_404_until_a_report_exists(client: TestClient, keys: dict[str, str]) -> None:
    headers = {"X-API-Key": keys["reader"]}
    missing = client.get("/v1/models/bottleneck/drift", headers=headers)
    client.app.state.store.put_json("drift/bottleneck/latest.json", {"psi": {"cpu": 0.02}})
    found = client.get("/v1/models/bottleneck/drift", headers=headers)
    client.app.state.store.delete("drift/bottleneck/latest.json")

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "drift_report_not_found"
    assert found.json() == {"psi": {"cpu": 0.02}}


def test_register_deploy_as_canary_and_withdraw(
    client: TestClient, keys: dict[str, str], champions: dict[str, LoggedRun]
) -> None:
    writer = {"X-API-Key": keys["writer"]}
    run_id = champions["bottleneck"].run_id
    missing_run = client.post(
        "/v1/models/register", headers=writer, json={"name": "bottleneck", "run_id": "0" * 32}
    )
    registered = client.post(
        "/v1/models/register", headers=writer, json={"name": "bottleneck", "run_id": run_id}
    )
    assert missing_run.status_code == 404 and registered.status_code == 201, registered.text
    version = registered.json()["version"]
    champion = client.get("/v1/models/bottleneck", headers={"X-API-Key": keys["reader"]}).json()[
        "serving_version"
    ]

    try:
        deployed = client.post(
            "/v1/models/bottleneck/deploy",
            headers=writer,
            json={"version": version, "canary_percentage": 100},
        )
        canary_answer = served_version(client, keys, "canary-on")
    finally:
        withdrawn = client.post(
            "/v1/models/bottleneck/deploy",
            headers=writer,
            json={"version": version, "canary_percentage": 0},
        )

    assert deployed.json() == {
        "model": "bottleneck",
        "champion_version": champion,
        "canary_version": version,
        "canary_percentage": 100.0,
    }
    assert canary_answer == version
    assert withdrawn.json()["canary_version"] is None
    assert served_version(client, keys, "canary-off") == champion


def test_delete_is_refused_for_a_champion_unless_forced(
    client: TestClient, keys: dict[str, str], champions: dict[str, LoggedRun]
) -> None:
    writer = {"X-API-Key": keys["writer"]}
    created = client.post(
        "/v1/models/register",
        headers=writer,
        json={"name": "throwaway", "run_id": champions["failure"].run_id},
    )
    version = created.json()["version"]
    client.post(
        "/v1/models/throwaway/stage", headers=writer, json={"version": version, "alias": "champion"}
    )

    refused = client.delete("/v1/models/throwaway", headers=writer)
    forced = client.delete("/v1/models/throwaway", params={"force": True}, headers=writer)
    gone = client.get("/v1/models/throwaway", headers={"X-API-Key": keys["reader"]})

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "model_is_champion"
    assert forced.status_code == 204
    assert gone.status_code == 404
