"""MLflow: training runs, the model registry and its aliases."""

from forewarn.tracking.registry import (
    ALIASES,
    CHALLENGER,
    CHAMPION,
    FLOW_RUN_TAG,
    LoggedRun,
    Registry,
)

__all__ = ["ALIASES", "CHALLENGER", "CHAMPION", "FLOW_RUN_TAG", "LoggedRun", "Registry"]
