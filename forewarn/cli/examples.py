"""What `forewarn up` hands a new user: a local admin key and a curl that works."""

from __future__ import annotations

import json
import os
import shlex

from forewarn.api_keys import KeyStore
from forewarn.settings import Settings

EXAMPLE_REQUEST = {
    "system_id": "prod-cluster-01",
    "prediction_horizon": 30,
    "features": {
        "cpu_utilization": [65.2, 72.1, 68.5],
        "memory_usage": [78.9, 82.3, 80.1],
        "disk_io": [1200, 1350, 1275],
        "network_io": [850, 920, 890],
        "agent_queue_depth": 15,
        "active_tasks": 8,
    },
}


def bootstrap_key(settings: Settings) -> str:
    """The local stack's admin key, created on first use and kept in a 0600 file of the home
    folder (like a credentials file); the key store itself holds only its hash."""
    path = settings.home / "bootstrap-api-key"
    if path.exists():
        return path.read_text().strip()
    key, _ = KeyStore(settings.api_keys_path).create("bootstrap", ["admin"], tier="enterprise")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def example_curl(settings: Settings, key: str) -> str:
    """A bottleneck prediction as a copy-paste command."""
    return " ".join(
        [
            "curl -s",
            f"{settings.api_url}/v1/predict/bottleneck",
            "-H",
            shlex.quote(f"X-API-Key: {key}"),
            "-H",
            shlex.quote("Content-Type: application/json"),
            "-d",
            shlex.quote(json.dumps(EXAMPLE_REQUEST)),
        ]
    )
