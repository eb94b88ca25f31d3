"""The Prefect automation that ends zombie flow runs, created by the flow runner at start.

A flow run whose process is killed (OOM killer, SIGKILL, a lost machine) cannot report its end,
so it would stay Running forever. Every flow run emits a `prefect.flow-run.heartbeat` event every
`PREFECT_FLOWS_HEARTBEAT_FREQUENCY` seconds (the stack sets it for all its processes); this
automation, a proactive trigger on their absence, marks a run Crashed when neither a heartbeat nor
any other event of that run (a state change) follows a heartbeat within `MISSED_HEARTBEATS`
intervals. It is Prefect's "detect zombie flows" recipe, applied idempotently by name.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.settings import get_current_settings

ZOMBIE_AUTOMATION = "Crash zombie flow runs"
HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
MISSED_HEARTBEATS = 3


def zombie_automation(within: timedelta, name: str = ZOMBIE_AUTOMATION) -> AutomationCore:
    """Crash any flow run that has been silent for `within` after one of its heartbeats."""
    return AutomationCore(
        name=name,
        description=f"Marks a flow run Crashed when nothing follows a heartbeat within {within}.",
        trigger=EventTrigger(
            after={HEARTBEAT_EVENT},
            # any event of the same run: heartbeats, and every state (custom names included)
            expect={"prefect.flow-run.*"},
            match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=within,
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat or state change for {within}: its process is gone.",
            )
        ],
    )


def ensure_zombie_automation(heartbeat_s: int | None = None) -> UUID | None:
    """Create the automation, or update it in place (the heartbeat may have changed); its id.

    `heartbeat_s` defaults to this process's heartbeat setting; with heartbeats off there is
    nothing to size the window by, and nothing is created (None).
    """
    heartbeat_s = heartbeat_s or get_current_settings().flows.heartbeat_frequency
    if heartbeat_s is None:
        return None
    wanted = zombie_automation(timedelta(seconds=heartbeat_s * MISSED_HEARTBEATS))
    with get_client(sync_client=True) as client:
        existing = client.read_automations_by_name(wanted.name)
        if not existing:
            return client.create_automation(wanted)
        client.update_automation(existing[0].id, wanted)
        return existing[0].id
