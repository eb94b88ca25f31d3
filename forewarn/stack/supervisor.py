"""The supervisor: starts components in order, waits for their health, stops them in reverse.

Each child leads its own process group, so stopping a component also stops what it spawned
(uvicorn workers). A state file, `<home>/stack.json`, tells other processes the stack is up.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import httpx

from forewarn.settings import Settings
from forewarn.stack.components import PREFECT_SERVER, Component, check_ports
from forewarn.stack.process import log_tail, pid_alive, spawn, stop_group

log = logging.getLogger("forewarn.stack")

HTTP_TIMEOUT_S = 2.0
POLL_S = 0.25
SETTLE_S = 1.0  # a component without a health URL is "up" once it has lived this long


class StackError(RuntimeError):
    """A component failed to start; carries its name, the reason and its log tail."""

    def __init__(self, component: Component, reason: str, tail: str) -> None:
        self.component = component.name
        self.reason = reason
        self.log_tail = tail
        super().__init__(f"{component.name} {reason}; last lines of {component.log_path}:\n{tail}")


@dataclass
class _Child:
    component: Component
    process: subprocess.Popen[bytes]
    ready_in_s: float | None = None


def state_path(settings: Settings) -> Path:
    """Where a running stack describes itself."""
    return settings.home / "stack.json"


def _healthy(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(url).status_code == 200
    except httpx.HTTPError:
        return False


class Supervisor:
    """Runs components as child process groups; a context manager that starts and stops them."""

    def __init__(self, settings: Settings, components: Iterable[Component]) -> None:
        self.settings = settings
        self.components = list(components)
        self._children: list[_Child] = []
        self._started_at: str | None = None
        self._wrote_state = False

    @property
    def running(self) -> bool:
        return bool(self._children)

    def start(self, timeout: float = 120.0) -> None:
        """Start every component in order, each within `timeout` seconds of its launch.

        Raises `PortInUseError` before starting anything, or `StackError` after stopping all.
        """
        if self._children:
            raise RuntimeError("the stack is already started")
        check_ports(self.components)
        self._started_at = datetime.now(UTC).isoformat(timespec="seconds")
        for component in self.components:
            self._launch(component, timeout)
        self._write_state()

    def add(self, component: Component, timeout: float = 120.0) -> None:
        """Start one more component now (or at `start` if not started); it stops first."""
        if not self._children:
            self.components.append(component)
            return
        check_ports([component])
        self.components.append(component)
        self._launch(component, timeout)
        self._write_state()

    def _launch(self, component: Component, timeout: float) -> None:
        """Spawn one component and wait for it; on failure stop all and raise `StackError`."""
        log.info("starting %s", component.name)
        began = time.monotonic()
        child = _Child(component, spawn(component))
        self._children.append(child)
        reason = self._wait_ready(child, began + timeout, timeout)
        if reason is not None:
            self.stop()
            raise StackError(component, reason, log_tail(component.log_path))
        child.ready_in_s = round(time.monotonic() - began, 2)
        log.info("%s is up in %.1f s", component.name, child.ready_in_s)

    def _wait_ready(self, child: _Child, deadline: float, timeout: float) -> str | None:
        """Poll until healthy; the reason for failure, or None once ready."""
        url = child.component.health_url
        settled = time.monotonic() + SETTLE_S
        with httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False) as http:
            while True:
                code = child.process.poll()
                if code is not None:
                    return f"exited with code {code} while starting"
                if _healthy(http, url) if url else time.monotonic() >= settled:
                    return None
                if time.monotonic() >= deadline:
                    return f"did not become healthy within {timeout:g} s"
                time.sleep(POLL_S)

    def stop(self, timeout_each: float = 15.0) -> None:
        """Stop components in reverse order: SIGTERM the group, then SIGKILL. Idempotent."""
        while self._children:
            child = self._children.pop()
            log.info("stopping %s", child.component.name)
            if not stop_group(child.process, timeout_each):
                log.warning(
                    "%s outlived SIGTERM by %g s: killed", child.component.name, timeout_each
                )
        if self._wrote_state:
            state_path(self.settings).unlink(missing_ok=True)
            self._wrote_state = False

    def dead(self) -> dict[str, int]:
        """Components whose process has exited, with their exit codes."""
        codes = {child.component.name: child.process.poll() for child in self._children}
        return {name: code for name, code in codes.items() if code is not None}

    def pids(self) -> dict[str, int]:
        """Running components' process ids (each is also its process group id)."""
        return {child.component.name: child.process.pid for child in self._children}

    def urls(self) -> dict[str, str]:
        """Component name -> URL to open, for components with a port."""
        return {c.name: c.url for c in self.components if c.url is not None}

    def ready_times(self) -> dict[str, float]:
        """Seconds each running component took from launch to healthy."""
        return {c.component.name: c.ready_in_s for c in self._children if c.ready_in_s is not None}

    def state(self) -> dict[str, Any]:
        """What `stack.json` holds: pids, ports, urls and start time."""
        return {
            "supervisor_pid": os.getpid(),
            "started_at": self._started_at,
            "urls": self.urls(),
            "components": [
                {
                    "name": child.component.name,
                    "pid": child.process.pid,
                    "port": child.component.port,
                    "url": child.component.url,
                    "health_url": child.component.health_url,
                    "log": str(child.component.log_path),
                    "ready_in_s": child.ready_in_s,
                }
                for child in self._children
            ],
        }

    def _write_state(self) -> None:
        path = state_path(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.state(), indent=2))
        temporary.replace(path)
        self._wrote_state = True

    def __enter__(self) -> Supervisor:
        if not self._children:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _state_is_live(state: dict[str, Any]) -> bool:
    """All recorded pids run and the recorded Prefect server answers its health check."""
    components = state["components"]
    pids = [state["supervisor_pid"], *(c["pid"] for c in components)]
    health = next((c["health_url"] for c in components if c["name"] == PREFECT_SERVER), None)
    if health is None or not all(pid_alive(int(pid)) for pid in pids):
        return False
    with httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False) as http:
        return _healthy(http, health)


def find_running_stack(settings: Settings) -> dict[str, Any] | None:
    """The state of a live stack under `settings.home`; removes a stale state file."""
    path = state_path(settings)
    state: dict[str, Any] | None
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        state = None
    try:
        if state is not None and _state_is_live(state):
            return state
    except (KeyError, TypeError, ValueError):
        pass
    path.unlink(missing_ok=True)
    return None


def run_until_signal(supervisor: Supervisor, poll_interval: float = 1.0) -> int:
    """Block until SIGINT/SIGTERM or a child's death, then stop the stack in order.

    Returns the exit code for the CLI: 0 after a signal, 1 when a component died on its own.
    """
    requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s: stopping the stack", signal.Signals(signum).name)
        requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not requested.wait(poll_interval):
            dead = supervisor.dead()
            if dead:
                for name, code in dead.items():
                    log.error("%s exited unexpectedly with code %s: stopping the stack", name, code)
                return 1
        return 0
    finally:
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
