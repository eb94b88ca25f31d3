"""Serve every Forewarn flow as a Prefect deployment from one process (started by `forewarn up`).

Schedules: the whole pipeline retrains nightly at 02:00 UTC and `forecast-workload` refreshes
the forecasts hourly; every other deployment runs on demand (from the UI, `forewarn flow run
NAME`, or the API). At start it also creates (or updates) the automation that marks flow runs
Crashed once their heartbeats stop (flows/automations.py).
"""

from __future__ import annotations

import os

from prefect import serve

from flows import served_flows
from flows.automations import ensure_zombie_automation
from flows.pipeline import pipeline
from forewarn.settings import PROJECT_ROOT

NIGHTLY = "0 2 * * *"
HOURLY = "0 * * * *"
SCHEDULED = {"forecast-workload": HOURLY}  # deployment name -> cron


def main() -> None:
    """Register the deployments and run their flow runs until stopped."""
    os.chdir(PROJECT_ROOT)  # entrypoints are recorded relative to the project root
    ensure_zombie_automation()
    deployments = [f.to_deployment(name=f.name, cron=SCHEDULED.get(f.name)) for f in served_flows()]
    deployments.append(
        pipeline.to_deployment(name="nightly", cron=NIGHTLY, parameters={"family": "all"})
    )
    # `to_deployment` is sync-compatible: called from sync code it returns the deployment itself.
    serve(*deployments, limit=2, print_starting_message=True)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
