"""The task runner every flow uses, from settings: threads on one machine, Dask to fan out."""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from forewarn.settings import get_settings


def task_runner() -> TaskRunner[Any]:
    """`FOREWARN_TASK_RUNNER=dask` (and `FOREWARN_DASK_ADDRESS`) spreads tasks over Dask."""
    settings = get_settings()
    if settings.task_runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.max_workers)
