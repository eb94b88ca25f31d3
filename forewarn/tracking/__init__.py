"""MLflow: training runs and their datasets, the model registry and its aliases."""

from forewarn.tracking.aliases import ALIASES, CHALLENGER, CHAMPION
from forewarn.tracking.datasets import CatalogDataset
from forewarn.tracking.registry import FLOW_RUN_TAG, LoggedRun, Registry, RunRecord

__all__ = [
    "ALIASES",
    "CHALLENGER",
    "CHAMPION",
    "FLOW_RUN_TAG",
    "CatalogDataset",
    "LoggedRun",
    "Registry",
    "RunRecord",
]
