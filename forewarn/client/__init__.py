"""Forewarn's Python SDK: `Client` and `AsyncClient`, and the exceptions they raise."""

from forewarn.client.asynchronous import AsyncClient
from forewarn.client.errors import (
    AuthenticationError,
    ForewarnError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from forewarn.client.sync import Client

__all__ = [
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "ForewarnError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
]
