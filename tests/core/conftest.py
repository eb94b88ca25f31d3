"""Fixtures for the core tests: an S3 server (moto, over real HTTP) and settings pointing at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from forewarn.settings import Settings


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A moto S3 server on a free loopback port; yields its `host:port` endpoint."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(tmp_path: Path, s3_server: str) -> Settings:
    """Settings using the moto server, with a bucket of its own for each test."""
    return Settings(
        home=tmp_path,
        s3_endpoint=s3_server,
        s3_access_key="test",
        s3_secret_key="testsecret",
        s3_bucket=f"test-{uuid.uuid4().hex[:12]}",
    )
