"""Driving a server with wrk: one JSON POST, optionally with a counter spliced into the body so
that no two requests are identical (no response cache can answer them)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
local body = [==[%(body)s]==]
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, (body:gsub("__N__", tostring(counter))))
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors))
end
"""


@dataclass(frozen=True)
class Measurement:
    """One wrk run."""

    name: str
    concurrency: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (Debian)")


def drive(name: str, url: str, body: object, headers: dict[str, str], concurrency: int,
          seconds: float) -> Measurement:
    """POST `body` (its "__N__" replaced by a request counter) for `seconds` at `concurrency`."""
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = LUA % {"headers": lines, "body": json.dumps(body)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "post.lua"
        path.write_text(script)
        threads = min(concurrency, 2)
        done = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d",
                               f"{max(1, round(seconds))}s", "-s", str(path), url],
                              capture_output=True,
                              text=True, check=True)
    found = re.search(r"^RESULT (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$", done.stdout, re.M)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    count, duration, p50, p95, p99, errors = found.groups()
    return Measurement(name, concurrency, int(count) / float(duration), float(p50), float(p95),
                       float(p99), int(errors))
