"""Driving one server with wrk: a Lua script that POSTs a JSON body (optionally different on every
request), and the parsing of the one summary line its `done()` prints.

wrk must be on PATH (Debian: `apt-get install -y wrk`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from string import Template
from typing import Any

VARY_MARKER = "__REQUEST__"  # replaced by a unique id per request when `Load.vary` is set
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")  # status: HTTP status >= 400

# $-placeholders are filled by Python; the rest is Lua. Each wrk thread runs its own Lua state:
# `setup` gives each thread a number, so that ids stay unique across threads, and `run` keeps
# them unique across runs (the server's response cache lives longer than one run).
LUA = Template(r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
$headers
local body = [==[$body]==]
local vary = $vary
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

if not vary then
  wrk.body = body
else
  function request()
    counter = counter + 1
    local id = "$run-" .. thread_number .. "-" .. counter
    return wrk.format(nil, nil, nil, (body:gsub("$marker", id)))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%.1f p95_us=%.1f p99_us=%.1f max_us=%.1f "
    .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
""")
RESULT = re.compile(r"^RESULT (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Load:
    """What every request of a run looks like."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    vary: bool = False  # replace VARY_MARKER in the body by a unique id on every request


@dataclass(frozen=True)
class Measurement:
    """One measured wrk run against one server."""

    name: str
    concurrency: int
    threads: int
    seconds: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"error_count": self.error_count}


def require_wrk() -> None:
    """Exit with how to install wrk when it is missing."""
    if shutil.which("wrk") is None:
        raise SystemExit(
            "benchmarks/serving.py needs the HTTP load generator wrk, which is not "
            "on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y wrk`; "
            "macOS: `brew install wrk`) and run again."
        )


def lua_script(load: Load, run: str) -> str:
    """The wrk script for `load`; `run` makes this run's varying ids unlike any other run's."""
    headers = "\n".join(
        f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in load.headers.items()
    )
    return LUA.substitute(
        headers=headers,
        body=json.dumps(load.body),
        run=run,
        vary="true" if load.vary else "false",
        marker=VARY_MARKER,
    )


def run_wrk(url: str, script: str, concurrency: int, seconds: int) -> str:
    """Run wrk once; its standard output."""
    threads = min(concurrency, 2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "load.lua"
        path.write_text(script)
        argv = [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(path),
            url,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def parse(name: str, concurrency: int, output: str) -> Measurement:
    """The Measurement in wrk's output (the line our `done()` printed)."""
    found = RESULT.search(output)
    if found is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{output}")
    values = {k: float(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    seconds = values["duration_us"] / 1e6
    return Measurement(
        name=name,
        concurrency=concurrency,
        threads=min(concurrency, 2),
        seconds=round(seconds, 3),
        requests=int(values["requests"]),
        requests_per_second=values["requests"] / seconds,
        p50_ms=values["p50_us"] / 1000,
        p95_ms=values["p95_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        errors={kind: int(values[kind]) for kind in ERROR_KINDS},
    )


def drive(
    name: str, base_url: str, load: Load, concurrency: int, seconds: int, run: str
) -> Measurement:
    """Send `load` to `base_url` for `seconds` over `concurrency` keep-alive connections."""
    output = run_wrk(base_url + load.path, lua_script(load, run), concurrency, seconds)
    return parse(name, concurrency, output)
