"""/v1/datasets*: uploads validated and stored as content-addressed versions, listing, and
deletion guarded by the registered models trained on the data."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from forewarn.catalog import Catalog
from forewarn.catalog.kinds import TELEMETRY
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.storage import open_store
from forewarn.tracking import LoggedRun, Registry
from serving.main import create_app
from support import free_port

UPLOAD = "/v1/datasets/upload"


def telemetry(seed: int, rows: int = 120) -> pd.DataFrame:
    frame = simulate(systems=1, days=1, seed=seed).head(rows)
    return frame[[c.name for c in TELEMETRY.columns]]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def upload(
    client: TestClient, key: str, name: str, filename: str, data: bytes, kind: str = "telemetry"
) -> httpx.Response:
    return client.post(
        UPLOAD,
        files={"file": (filename, data)},
        data={"name": name, "kind": kind, "licence": "CC0-1.0"},
        headers={"X-API-Key": key},
    )


def stored_names(settings: Settings) -> list[str]:
    return Catalog(open_store(settings)).names()


@pytest.fixture
def admin(keys: dict[str, str]) -> dict[str, str]:
    """Headers carrying the admin's key."""
    return {"X-API-Key": keys["admin"]}


def test_upload_creates_a_version_and_identical_content_returns_it(
    client: TestClient, keys: dict[str, str]
) -> None:
    data = csv_bytes(telemetry(seed=1))

    first = upload(client, keys["admin"], "upload-twice", "metrics.csv", data)
    again = upload(client, keys["admin"], "upload-twice", "metrics.csv", data)

    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    assert body["rows"] == 120 and body["kind"] == "telemetry" and body["licence"] == "CC0-1.0"
    assert body["source"] == "upload:metrics.csv"
    assert body["quality"] == {"series": 1, "gaps": 0, "missing_steps": 0, "duplicates": 0}
    assert body["dataset_id"] == f"upload-twice@{body['version']}"
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["version"] == body["version"]


def test_parquet_and_json_lines_uploads(client: TestClient, keys: dict[str, str]) -> None:
    parquet = io.BytesIO()
    telemetry(seed=2).to_parquet(parquet)
    lines = telemetry(seed=3, rows=60).to_json(orient="records", lines=True, date_format="iso")

    from_parquet = upload(client, keys["admin"], "from-parquet", "m.parquet", parquet.getvalue())
    from_lines = upload(client, keys["admin"], "from-lines", "m.jsonl", lines.encode())

    assert from_parquet.status_code == 201, from_parquet.text
    assert from_lines.status_code == 201, from_lines.text
    assert (from_parquet.json()["rows"], from_lines.json()["rows"]) == (120, 60)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("cpu_utilization", 150.0, "0 <= cpu_utilization <= 100"),
        ("memory_usage", float("nan"), "values must not be empty"),  # NaN in the sample rows
    ],
)
def test_invalid_data_is_refused_and_nothing_is_stored(
    client: TestClient,
    keys: dict[str, str],
    serving_settings: Settings,
    column: str,
    value: float,
    rule: str,
) -> None:
    frame = telemetry(seed=4)
    frame.loc[3, column] = value
    before = stored_names(serving_settings)

    answer = upload(client, keys["admin"], "never-stored", "bad.csv", csv_bytes(frame))

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "dataset_invalid"
    details = error["details"]
    assert (details["file"], details["column"], details["rule"]) == ("bad.csv", column, rule)
    assert details["rows"] == 1 and details["sample"][0]["row"] == 3
    assert stored_names(serving_settings) == before


@pytest.mark.parametrize(
    ("fields", "filename", "code", "field"),
    [
        ({"kind": "logs"}, "m.csv", "validation_error", "kind"),
        ({"name": "Not A Name"}, "m.csv", "validation_error", "name"),
        ({}, "m.txt", "unsupported_format", None),
    ],
)
def test_unknown_kind_bad_name_and_unsupported_suffix_are_400(
    client: TestClient,
    admin: dict[str, str],
    fields: dict[str, str],
    filename: str,
    code: str,
    field: str | None,
) -> None:
    form = {"name": "fine-name", "kind": "telemetry"} | fields
    answer = client.post(
        UPLOAD, files={"file": (filename, csv_bytes(telemetry(seed=5)))}, data=form, headers=admin
    )

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    assert field is None or field in error["details"]


def test_a_body_above_the_limit_is_413_declared_or_streamed(
    serving_settings: Settings, admin: dict[str, str]
) -> None:
    app = create_app(serving_settings.model_copy(update={"upload_max_bytes": 1000}))
    client = TestClient(app)  # no lifespan: the datasets routes need no model loaded
    files = {"file": ("big.csv", csv_bytes(telemetry(seed=6)))}
    encoded = httpx.Request(
        "POST", "http://test", files=files, data={"name": "too-big", "kind": "telemetry"}
    )
    streamed_headers = admin | {"Content-Type": encoded.headers["Content-Type"]}

    declared = client.post(
        UPLOAD, files=files, data={"name": "too-big", "kind": "telemetry"}, headers=admin
    )
    streamed = client.post(UPLOAD, content=iter([encoded.read()]), headers=streamed_headers)

    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text
        assert answer.json()["error"]["code"] == "payload_too_large"
        assert "1000 bytes" in answer.json()["error"]["message"]
    assert "content-length" not in streamed.request.headers
    assert "too-big" not in stored_names(serving_settings)


def test_datasets_need_the_datasets_scope(client: TestClient, keys: dict[str, str]) -> None:
    listing = client.get("/v1/datasets", headers={"X-API-Key": keys["predict"]})
    uploaded = upload(client, keys["predict"], "no-scope", "m.csv", csv_bytes(telemetry(seed=7)))

    assert (listing.status_code, uploaded.status_code) == (403, 403)


def test_list_and_read_versions(
    client: TestClient, keys: dict[str, str], admin: dict[str, str]
) -> None:
    old = upload(client, keys["admin"], "two-versions", "a.csv", csv_bytes(telemetry(seed=8)))
    new = upload(client, keys["admin"], "two-versions", "b.csv", csv_bytes(telemetry(seed=9)))
    old_version, new_version = old.json()["version"], new.json()["version"]

    listing = client.get("/v1/datasets", params={"page_size": 100}, headers=admin).json()
    newest = client.get("/v1/datasets/two-versions", headers=admin).json()
    pinned = client.get(f"/v1/datasets/two-versions@{old_version}", headers=admin).json()

    item = next(d for d in listing["data"] if d["name"] == "two-versions")
    assert (item["version"], item["version_count"]) == (new_version, 2)
    assert listing["total"] >= 1 and listing["page"] == 1
    assert newest["version"] == new_version
    assert [v["version"] for v in newest["versions"]] == [new_version, old_version]
    assert pinned["version"] == old_version and len(pinned["versions"]) == 2
    for missing in ("no-such-dataset", "two-versions@ffffffffffff"):
        answer = client.get(f"/v1/datasets/{missing}", headers=admin)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "dataset_not_found"


def test_delete_is_refused_while_a_model_was_trained_on_it(
    client: TestClient,
    keys: dict[str, str],
    admin: dict[str, str],
    serving_settings: Settings,
    champions: dict[str, LoggedRun],
) -> None:
    stored = upload(client, keys["admin"], "trained-on", "m.csv", csv_bytes(telemetry(seed=10)))
    dataset_id = stored.json()["dataset_id"]
    registry, model_version = Registry(serving_settings), champions["failure"].version
    registry.tag_version(
        "failure",
        model_version,
        {"dataset.name": "trained-on", "dataset.version": stored.json()["version"]},
    )
    try:
        refused = [
            client.delete(f"/v1/datasets/{i}", headers=admin).status_code
            for i in (dataset_id, "trained-on")
        ]
        answer = client.delete(f"/v1/datasets/{dataset_id}", headers=admin)
        forced = client.delete(
            f"/v1/datasets/{dataset_id}", params={"force": "true"}, headers=admin
        )
    finally:
        for tag in ("dataset.name", "dataset.version"):
            registry.client.delete_model_version_tag("failure", model_version, tag)

    assert refused == [409, 409]
    assert answer.json()["error"]["code"] == "dataset_in_use"
    assert answer.json()["error"]["details"]["models"] == [
        {"model": "failure", "version": model_version, "dataset": dataset_id}
    ]
    assert forced.status_code == 204
    assert client.get(f"/v1/datasets/{dataset_id}", headers=admin).status_code == 404
    assert client.delete(f"/v1/datasets/{dataset_id}", headers=admin).status_code == 404


def test_deleting_an_unused_dataset_removes_every_version(
    client: TestClient, keys: dict[str, str], admin: dict[str, str], serving_settings: Settings
) -> None:
    for seed in (11, 12):
        upload(client, keys["admin"], "unused", "m.csv", csv_bytes(telemetry(seed=seed)))

    answer = client.delete("/v1/datasets/unused", headers=admin)

    assert answer.status_code == 204, answer.text
    assert "unused" not in stored_names(serving_settings)


def test_delete_answers_503_when_mlflow_is_unreachable(
    serving_settings: Settings,
    keys: dict[str, str],
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    client = TestClient(
        create_app(serving_settings.model_copy(update={"mlflow_port": free_port()}))
    )
    stored = upload(client, keys["admin"], "kept", "m.csv", csv_bytes(telemetry(seed=13)))

    answer = client.delete(f"/v1/datasets/{stored.json()['dataset_id']}", headers=admin)

    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "registry_unavailable"
    assert "kept" in stored_names(serving_settings)
