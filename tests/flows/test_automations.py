"""Zombie flow runs: a flow run whose process dies without a word ends Crashed, not Running.

The test harness's server runs the event, trigger and action services (they run in ephemeral
servers too), so the real mechanism is exercised: a flow run in its own process emits its
heartbeats, is SIGKILLed, and the automation marks it Crashed once the heartbeats stop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TypeVar
from uuid import UUID, uuid4

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.events.schemas.automations import Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.settings import (
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    get_current_settings,
    temporary_settings,
)

from flows.automations import (
    HEARTBEAT_EVENT,
    ZOMBIE_AUTOMATION,
    ensure_zombie_automation,
    zombie_automation,
)
from forewarn.settings import Settings
from forewarn.stack import client_environment
from forewarn.stack.components import FLOW_HEARTBEAT_S

T = TypeVar("T")

# A flow that runs until it is killed, tagged so that only this test's automation watches it.
LINGER = """
import sys, time
from prefect import flow, tags

@flow(name="linger")
def linger() -> None:
    time.sleep(600)

with tags(sys.argv[1]):
    linger()
"""


def wait_for(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout:g} s")


@pytest.fixture
def client(stack: Settings) -> Iterator[SyncPrefectClient]:
    with get_client(sync_client=True) as prefect:
        yield prefect


def running_run(client: SyncPrefectClient, tag: str) -> FlowRun | None:
    tagged = FlowRunFilter(tags=FlowRunFilterTags(all_=[tag]))
    runs = client.read_flow_runs(flow_run_filter=tagged)
    return next((run for run in runs if run.state and run.state.is_running()), None)


def heartbeat_of(client: SyncPrefectClient, run_id: UUID) -> bool | None:
    wanted = EventFilter(
        event=EventNameFilter(name=[HEARTBEAT_EVENT]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{run_id}"]),
    )
    return True if client.read_events(filter=wanted, limit=1).events else None


def crashed(client: SyncPrefectClient, run_id: UUID) -> StateType | None:
    state = client.read_flow_run(run_id).state
    return state.type if state is not None and state.is_final() else None


def test_a_killed_flow_run_ends_crashed(stack: Settings, client: SyncPrefectClient) -> None:
    tag = f"zombie-{uuid4().hex[:8]}"
    automation = zombie_automation(timedelta(seconds=10), name=f"{ZOMBIE_AUTOMATION} ({tag})")
    automation.trigger.match_related = ResourceSpecification(  # type: ignore[union-attr]
        {"prefect.resource.id": f"prefect.tag.{tag}", "prefect.resource.role": "tag"}
    )
    automation_id = client.create_automation(automation)
    env = {
        **os.environ,
        **client_environment(stack),
        "PREFECT_API_URL": str(get_current_settings().api.url),
    }  # the harness's server
    process = subprocess.Popen([sys.executable, "-c", LINGER, tag], env=env)
    try:
        run = wait_for(lambda: running_run(client, tag), 60, "running flow run")
        wait_for(lambda: heartbeat_of(client, run.id), 30, "heartbeat")
        process.kill()
        process.wait()

        assert wait_for(lambda: crashed(client, run.id), 60, "final state") == StateType.CRASHED
        state = client.read_flow_run(run.id).state
        assert state is not None and "heartbeat" in (state.message or "")
    finally:
        process.kill()
        client.delete_automation(automation_id)


def test_the_runner_keeps_one_automation_sized_by_its_heartbeat(
    stack: Settings, client: SyncPrefectClient
) -> None:
    assert client_environment(stack)["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == str(FLOW_HEARTBEAT_S)
    try:
        first = ensure_zombie_automation(heartbeat_s=60)
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: FLOW_HEARTBEAT_S}):
            again = ensure_zombie_automation()  # what deployments/serve.py does at start

        [automation] = client.read_automations_by_name(ZOMBIE_AUTOMATION)
        assert first == again == automation.id
        trigger = automation.trigger
        assert trigger.within == timedelta(seconds=3 * FLOW_HEARTBEAT_S)  # type: ignore[union-attr]
        assert trigger.posture == Posture.Proactive  # type: ignore[union-attr]
        assert trigger.after == {HEARTBEAT_EVENT}  # type: ignore[union-attr]
        assert automation.actions[0].state == StateType.CRASHED  # type: ignore[union-attr]
    finally:
        for found in client.read_automations_by_name(ZOMBIE_AUTOMATION):
            client.delete_automation(found.id)
