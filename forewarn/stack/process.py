"""Process-group plumbing: spawn a component in its own session, stop its whole group.

Zombies count as gone: where PID 1 does not reap orphans, an exited grandchild stays a zombie
forever, and `os.killpg(pgid, 0)` would still succeed on it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from forewarn.stack.components import Component

PROC = Path("/proc")
KILL_WAIT_S = 5.0
POLL_S = 0.1


def spawn(component: Component) -> subprocess.Popen[bytes]:
    """Start `component` as the leader of a new session, output appended to its log."""
    for folder in (*component.folders, component.log_path.parent):
        folder.mkdir(parents=True, exist_ok=True)
    with component.log_path.open("ab") as log:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"=== {stamp} forewarn starts {component.name}: {component.argv}\n".encode())
        log.flush()
        return subprocess.Popen(
            component.argv,
            env=component.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def pid_alive(pid: int) -> bool:
    """Whether `pid` runs (zombies excluded where /proc exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if not PROC.is_dir():
        return True
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group `pgid`."""
    if not PROC.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    members = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _wait_group(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Reap the leader and wait until its group is empty; False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        process.poll()
        if not group_members(process.pid):
            process.poll()
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def stop_group(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """SIGTERM the group led by `process`, then SIGKILL it after `timeout`.

    Returns False when SIGKILL was needed.
    """
    _signal_group(process.pid, signal.SIGTERM)
    if _wait_group(process, timeout):
        return True
    _signal_group(process.pid, signal.SIGKILL)
    _wait_group(process, KILL_WAIT_S)
    return False


def log_tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a log file ('' when it is missing)."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 64 * 1024))
            data = log.read()
    except OSError:
        return ""
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])
