"""MLflow: training runs, the model registry and its aliases."""

from forewarn.tracking.registry import ALIASES, CHALLENGER, CHAMPION, LoggedRun, Registry

__all__ = ["ALIASES", "CHALLENGER", "CHAMPION", "LoggedRun", "Registry"]
