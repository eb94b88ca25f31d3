"""Session-wide test environment: a private Forewarn home, no stray settings, quiet OpenMP;
and the `integration` marker on every test that starts a server.

Set before anything reads settings: every test process gets its own home folder, so tests never
touch a developer's `.forewarn/` or a running stack.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

for name in [n for n in os.environ if n.startswith(("FOREWARN_", "MLFLOW_", "PREFECT_"))]:
    del os.environ[name]
SESSION_HOME = Path(tempfile.mkdtemp(prefix="forewarn-tests-"))
os.environ |= {
    "FOREWARN_HOME": str(SESSION_HOME),
    "PREFECT_HOME": str(SESSION_HOME / "prefect"),
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "OMP_WAIT_POLICY": "PASSIVE",  # XGBoost's OpenMP threads must not spin beside the servers
}


# Fixtures that start a server on the loopback (MLflow, Prefect, moto's S3, Redis, `forewarn up`).
# A test using one, directly or through other fixtures, is marked `integration`; `make test-fast`
# leaves those out. A new server fixture belongs here.
SERVER_FIXTURES = frozenset(
    {"serving_settings", "s3_server", "redis_url", "stack", "running_stack"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a server fixture as `integration`."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
