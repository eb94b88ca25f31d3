"""API keys, JWTs and scopes: the key store directly, tokens directly, and both through HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import stat
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from forewarn.api_keys import SCOPES, KeyStore, Principal
from forewarn.settings import Settings
from serving.auth import require, verify_jwt
from serving.errors import APIError, install_error_handlers
from serving.middleware import RequestIdMiddleware

SECRET = "a-test-signing-secret-of-forty-characters"
ISSUER, AUDIENCE = "https://auth.forewarn.test", "forewarn-api"
KEY_FORMAT = re.compile(r"fw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")
PredictPrincipal = Annotated[Principal, Depends(require("predict"))]
AdminPrincipal = Annotated[Principal, Depends(require("admin"))]


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    """The key RS256 tokens are signed with."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    """`rsa_key`'s public half, as the settings hold it."""
    return (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, public_pem: str) -> Settings:
    """Settings accepting HS256 and RS256 tokens of one issuer and audience."""
    return Settings(
        home=tmp_path_factory.mktemp("auth-home"),
        jwt_secret=SECRET,
        jwt_public_key=public_pem,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "ops-dashboard",
        "scope": "predict models:read",
        "tier": "premium",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def forge_hs256(payload: dict[str, Any], secret: bytes) -> str:
    """Sign by hand: PyJWT itself refuses a PEM key as an HMAC secret."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = ".".join(
        part(json.dumps(item).encode()) for item in ({"alg": "HS256", "typ": "JWT"}, payload)
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


# ---- key store ----


def test_created_key_verifies(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    key, record = store.create("ci", ["predict", "models:read"], tier="premium")
    assert KEY_FORMAT.fullmatch(key) and key[3:15] == record.key_id
    assert store.verify(key) == Principal(
        "ci", frozenset({"predict", "models:read"}), "premium", record.key_id
    )


def test_wrong_or_malformed_keys_fail(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    assert store.verify("fw_000000000000_" + "a" * 43) is None  # before any file exists
    key, _ = store.create("ci", ["predict"])
    wrong_secret = key[:16] + ("A" if key[16] != "A" else "B") + key[17:]
    for candidate in (wrong_secret, key[:-1], key + "x", "", "Bearer " + key, "fw_" + "0" * 60):
        assert store.verify(candidate) is None


def test_file_holds_only_hashes_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key, record = KeyStore(path).create("ci", ["predict"])
    text = path.read_text()
    assert key not in text and key[16:] not in text
    assert hashlib.sha256(key.encode()).hexdigest() in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(item.name for item in tmp_path.iterdir()) == ["keys.json", "keys.json.lock"]
    assert not hasattr(record, "sha256")


@pytest.mark.parametrize(
    ("scopes", "tier", "named"),
    [
        (["predict", "root"], "basic", "'root'"),
        ([], "basic", "scope"),
        (["predict"], "platinum", "'platinum'"),
    ],
)
def test_create_validates(tmp_path: Path, scopes: list[str], tier: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        KeyStore(tmp_path / "keys.json").create("ci", scopes, tier=tier)
    assert not (tmp_path / "keys.json").exists()


def test_key_created_elsewhere_is_seen_without_restart(tmp_path: Path) -> None:
    serving, cli = KeyStore(tmp_path / "keys.json"), KeyStore(tmp_path / "keys.json")
    first, _ = cli.create("first", ["predict"])
    assert serving.verify(first) is not None  # loads and caches the file
    second, _ = cli.create("second", ["admin"], tier="enterprise")
    principal = serving.verify(second)
    assert principal is not None and principal.allows("training")


def test_list_and_revoke(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    kept, kept_record = store.create("kept", ["predict"])
    revoked, revoked_record = store.create("revoked", ["datasets"])
    assert {record.key_id for record in store.list()} == {kept_record.key_id, revoked_record.key_id}
    store.revoke(revoked_record.key_id)
    assert store.verify(revoked) is None and store.verify(kept) is not None
    assert store.list() == [kept_record]
    with pytest.raises(KeyError):
        store.revoke(revoked_record.key_id)


# ---- tokens ----


def test_tokens_of_both_algorithms_verify(settings: Settings, rsa_key: rsa.RSAPrivateKey) -> None:
    hs = verify_jwt(jwt.encode(claims(), SECRET, algorithm="HS256"), settings)
    assert hs == Principal("ops-dashboard", frozenset({"predict", "models:read"}), "premium", None)
    token = jwt.encode(
        claims(scope=None, scopes=["training"], tier=None), rsa_key, algorithm="RS256"
    )
    assert verify_jwt(token, settings) == Principal(
        "ops-dashboard", frozenset({"training"}), "basic", None
    )


def invalid_tokens(rsa_key: rsa.RSAPrivateKey, public_pem: str) -> dict[str, tuple[str, str]]:
    """Each bad token and a fragment of the reason it must be refused with."""
    now = int(time.time())
    return {
        "expired": (jwt.encode(claims(exp=now - 10), SECRET, algorithm="HS256"), "expired"),
        "not yet valid": (
            jwt.encode(claims(nbf=now + 600), rsa_key, algorithm="RS256"),
            "not yet valid",
        ),
        "wrong issuer": (
            jwt.encode(claims(iss="https://evil.test"), SECRET, algorithm="HS256"),
            "issuer",
        ),
        "wrong audience": (
            jwt.encode(claims(aud="other-api"), SECRET, algorithm="HS256"),
            "audience",
        ),
        "no exp": (jwt.encode(claims(exp=None), SECRET, algorithm="HS256"), "exp"),
        "no sub": (jwt.encode(claims(sub=None), SECRET, algorithm="HS256"), "sub"),
        "wrong secret": (jwt.encode(claims(), SECRET + "x", algorithm="HS256"), "signature"),
        "alg none": (jwt.encode(claims(), None, algorithm="none"), "'none' is not accepted"),
        "public key as secret": (forge_hs256(claims(), public_pem.encode()), "signature"),
        "unknown tier": (jwt.encode(claims(tier="gold"), SECRET, algorithm="HS256"), "tier"),
        "garbage": ("not-a-token", "Invalid token"),
    }


def test_invalid_tokens_are_refused(
    settings: Settings, rsa_key: rsa.RSAPrivateKey, public_pem: str
) -> None:
    for case, (token, reason) in invalid_tokens(rsa_key, public_pem).items():
        with pytest.raises(APIError) as caught:
            verify_jwt(token, settings)
        assert (caught.value.status, caught.value.code) == (401, "invalid_token"), case
        assert reason.lower() in caught.value.message.lower(), (case, caught.value.message)


def test_hs256_is_refused_when_only_a_public_key_is_configured(
    settings: Settings, public_pem: str
) -> None:
    rsa_only = settings.model_copy(update={"jwt_secret": None})
    with pytest.raises(APIError, match="algorithm 'HS256' is not accepted"):
        verify_jwt(forge_hs256(claims(), public_pem.encode()), rsa_only)
    no_keys = rsa_only.model_copy(update={"jwt_public_key": None})
    with pytest.raises(APIError, match="not enabled"):
        verify_jwt(jwt.encode(claims(), SECRET, algorithm="HS256"), no_keys)


# ---- through HTTP ----


@pytest.fixture(scope="module")
def api_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[KeyStore, dict[str, str]]:
    """A key store and a key per role: predictor, reader, admin."""
    store = KeyStore(tmp_path_factory.mktemp("keys") / "keys.json")
    grants = {"predictor": ["predict"], "reader": ["models:read"], "admin": ["admin"]}
    return store, {name: store.create(name, scopes)[0] for name, scopes in grants.items()}


@pytest.fixture(scope="module")
def client(settings: Settings, api_keys: tuple[KeyStore, dict[str, str]]) -> TestClient:
    """A tiny app with one route per scope, guarded as the API guards its own."""
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    app.state.keys, app.state.settings = api_keys[0], settings

    @app.get("/predict")
    def predict(principal: PredictPrincipal) -> dict[str, str]:
        return {"subject": principal.subject, "tier": principal.tier}

    @app.get("/admin")
    def admin(principal: AdminPrincipal) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.get("/models", dependencies=[Depends(require("models:read"))])
    def models() -> dict[str, bool]:
        return {"ok": True}

    return TestClient(app)


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.json()["request_id"] == response.headers["X-Request-ID"]
    return response.json()["error"]


def test_missing_credentials(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}):
        response = client.get("/predict", headers=headers)
        assert error_of(response, 401)["code"] == "authentication_required"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_api_key(client: TestClient, api_keys: tuple[KeyStore, dict[str, str]]) -> None:
    key = api_keys[1]["predictor"]
    for bad in (key[:-2] + "zz", "nonsense"):
        response = client.get("/predict", headers={"X-API-Key": bad})
        assert error_of(response, 401)["code"] == "invalid_api_key"


def test_scopes_are_enforced(client: TestClient, api_keys: tuple[KeyStore, dict[str, str]]) -> None:
    keys = api_keys[1]
    ok = client.get("/predict", headers={"X-API-Key": keys["predictor"]})
    assert ok.status_code == 200 and ok.json() == {"subject": "predictor", "tier": "basic"}
    error = error_of(client.get("/predict", headers={"X-API-Key": keys["reader"]}), 403)
    assert error["code"] == "insufficient_scope" and "'predict'" in error["message"]
    assert error["details"] == {"required_scope": "predict", "granted_scopes": ["models:read"]}
    assert (
        error_of(client.get("/admin", headers={"X-API-Key": keys["predictor"]}), 403)["code"]
        == "insufficient_scope"
    )
    for path in ("/predict", "/admin", "/models"):
        assert client.get(path, headers={"X-API-Key": keys["admin"]}).status_code == 200


def test_bearer_tokens(client: TestClient, rsa_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    response = client.get("/models", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    expired = jwt.encode(claims(exp=int(time.time()) - 5), SECRET, algorithm="HS256")
    response = client.get("/models", headers={"Authorization": f"bearer {expired}"})
    assert error_of(response, 401)["code"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert (
        error_of(client.get("/admin", headers={"Authorization": f"Bearer {token}"}), 403)["code"]
        == "insufficient_scope"
    )


def test_openapi_documents_both_schemes(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["APIKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["JWT"]["scheme"] == "bearer"


def test_scopes_are_known() -> None:
    assert "admin" in SCOPES
    with pytest.raises(ValueError, match="'root'"):
        require("root")
    assert Principal("x", frozenset({"admin"}), "basic", None).allows("datasets")
    assert not Principal("x", frozenset({"predict"}), "basic", None).allows("models:write")
