"""Retry policy shared by tasks that do I/O: retry what a retry can fix, nothing else."""

from __future__ import annotations

from typing import Any

from mlflow.exceptions import MlflowException
from requests.exceptions import RequestException

from forewarn.storage import StorageUnavailable

TRANSIENT = (StorageUnavailable, ConnectionError, TimeoutError, RequestException, MlflowException)


def is_transient(task: Any, task_run: Any, state: Any) -> bool:
    """True when the failure was an unreachable service (bad input is never retried)."""
    return isinstance(state.result(raise_on_failure=False), TRANSIENT)


IO_RETRIES: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": [2, 10],
    "retry_condition_fn": is_transient,
}
