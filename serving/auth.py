"""Who is calling: API keys (stored hashed) or JWTs, their scopes, and FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import jwt
from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

# The key store is core (the CLI uses it without FastAPI); its names stay importable from here.
from forewarn.api_keys import SCOPES, TIERS, KeyRecord, KeyStore, Principal
from forewarn.settings import Settings
from serving.errors import APIError

__all__ = [
    "SCOPES",
    "TIERS",
    "ApiKeyHeader",
    "BearerHeader",
    "KeyRecord",
    "KeyStore",
    "Principal",
    "authenticate",
    "authorize",
    "known_scope",
    "require",
    "verify_jwt",
]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="forewarn"'}


def _invalid_token(reason: str) -> APIError:
    """401 invalid_token with the reason."""
    return APIError(
        401,
        "invalid_token",
        f"Invalid token: {reason}",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _jwt_keys(settings: Settings) -> dict[str, str]:
    """Each accepted algorithm and its key: HS256 needs the secret, RS256 the public key."""
    keys = {}
    if settings.jwt_secret is not None:
        keys["HS256"] = settings.jwt_secret.get_secret_value()
    if settings.jwt_public_key:
        keys["RS256"] = settings.jwt_public_key
    return keys


def _principal_from(claims: dict[str, Any], settings: Settings) -> Principal:
    """The caller a verified token describes."""
    scopes = claims.get("scope", claims.get("scopes", []))
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise _invalid_token("scopes must be a space-separated string or a list of strings")
    tier = claims.get("tier", "basic")
    if not isinstance(tier, str) or tier not in settings.rate_limits:
        raise _invalid_token(f"unknown tier {tier!r}")
    return Principal(claims["sub"], frozenset(scopes), tier, None)


def verify_jwt(token: str, settings: Settings) -> Principal:
    """The principal of a valid JWT; 401 invalid_token with the reason otherwise."""
    keys = _jwt_keys(settings)
    if not keys:
        raise _invalid_token("bearer tokens are not enabled on this server")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm not in keys:
            raise _invalid_token(f"algorithm {algorithm!r} is not accepted")
        claims = jwt.decode(
            token,
            keys[algorithm],
            algorithms=[algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub"], "verify_aud": settings.jwt_audience is not None},
        )
    except jwt.InvalidTokenError as error:
        raise _invalid_token(str(error)) from error
    return _principal_from(claims, settings)


def authenticate(request: Request) -> Principal:
    """The caller, from `X-API-Key` or `Authorization: Bearer <jwt>`; 401 otherwise."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        principal: Principal | None = request.app.state.keys.verify(api_key)
        if principal is None:
            raise APIError(401, "invalid_api_key", "Invalid API key", headers=_CHALLENGE)
        return principal
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return verify_jwt(token.strip(), request.app.state.settings)
    raise APIError(
        401,
        "authentication_required",
        "Authentication required: send X-API-Key or Authorization: Bearer <token>",
        headers=_CHALLENGE,
    )


# Declared on each guarded route so that OpenAPI documents both ways in; `authenticate` decides.
_api_key_scheme = APIKeyHeader(name="X-API-Key", scheme_name="APIKey", auto_error=False)
_bearer_scheme = HTTPBearer(bearerFormat="JWT", scheme_name="JWT", auto_error=False)
ApiKeyHeader = Annotated[str | None, Security(_api_key_scheme)]
BearerHeader = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)]


def known_scope(scope: str) -> str:
    """`scope`, when it is one of SCOPES (checked where routes are declared)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
    return scope


def authorize(request: Request, scope: str) -> Principal:
    """The authenticated caller when it holds `scope`; 403 insufficient_scope otherwise."""
    principal = authenticate(request)
    if not principal.allows(scope):
        raise APIError(
            403,
            "insufficient_scope",
            f"This request needs the {scope!r} scope",
            {"required_scope": scope, "granted_scopes": sorted(principal.scopes)},
        )
    return principal


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the authenticated caller, or 403 insufficient_scope without `scope`."""
    known_scope(scope)

    async def authorized(request: Request, _key: ApiKeyHeader, _bearer: BearerHeader) -> Principal:
        return authorize(request, scope)

    return authorized
