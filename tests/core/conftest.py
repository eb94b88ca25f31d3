"""Fixtures for the core tests: an S3 server (moto, over real HTTP) and settings pointing at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from moto.server import ThreadedMotoServer

from forewarn.settings import Settings
from forewarn.storage import LocalObjectStore, ObjectStore, open_store


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


REAL_INCIDENTS = (
    Path(__file__).resolve().parents[2] / "datasets/real-incidents/real_incidents.csv.gz"
)
# A few short real series: two NAB ones with incident windows (5-minute steps), one Microsoft
# latency series (1-hour steps, 720 rows).
REAL_SERIES = (
    "nab/realAWSCloudwatch/ec2_cpu_utilization_24ae8d",
    "nab/realKnownCause/rogue_agent_key_hold",
    "ms/middle-tier-api-dependency-latency/outbound-01",
)


@pytest.fixture(scope="session")
def real_incidents() -> pd.DataFrame:
    """A few series of the bundled real-incidents file, raw as read from the CSV (copy to edit)."""
    frame = pd.read_csv(REAL_INCIDENTS)
    return frame[frame["series_id"].isin(REAL_SERIES)].reset_index(drop=True)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """Each object-store contract test runs on the local store and on S3 (moto, over HTTP: the
    S3 server is requested at run time, so that case carries the `integration` mark itself)."""
    if request.param == "local":
        return LocalObjectStore(tmp_path / "store")
    return open_store(request.getfixturevalue("s3_settings"))
