"""Run an ASGI app in N uvicorn worker processes that share one port through SO_REUSEPORT.

    python benchmarks/launch.py --port 8000 --workers 2 [--factory] module:app

(modules are looked up from the repository root: `benchmarks.minimal_app:app`).

Why not `uvicorn --workers N`: ../shared/STACK.md records that its multi-worker mode lost
TCP_NODELAY on accepted sockets (every keep-alive request then waits ~40 ms for a delayed ACK).
Measured again here with uvicorn 0.54: it happens with the asyncio loop (TCP_NODELAY off on every
connection, 42 ms per request), not with uvloop. Rather than depend on that, each worker here is
a plain single-process uvicorn server on its own listening socket (SO_REUSEPORT, TCP_NODELAY
set; the kernel spreads connections over the workers), and a protocol class checks TCP_NODELAY
on every accepted connection, sets it where it is missing and logs the counts at shutdown
("TCP_NODELAY: N connections, M had it off"), which the benchmark reports. Otherwise the options
are those of Forewarn's `api_component`: uvloop, httptools, no access log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import traceback
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PR_SET_PDEATHSIG = 1  # prctl option: a signal for this process when its parent dies
STOPPED = (0, -signal.SIGTERM, -signal.SIGINT)  # uvicorn re-raises the signal that stopped it
NODELAY_LINE = "TCP_NODELAY: {accepted} connections, {fixed} had it off"


class NoDelayHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, making sure every accepted socket has TCP_NODELAY."""

    accepted = 0
    fixed = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        type(self).accepted += 1
        if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            type(self).fixed += 1
        super().connection_made(transport)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other workers may bind too (uvicorn listens on it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


class Server(uvicorn.Server):
    """uvicorn's server, saying at shutdown how many connections lacked TCP_NODELAY (uvicorn
    re-raises the stop signal once `run` returns, so this cannot wait until then)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets=sockets)
        line = NODELAY_LINE.format(accepted=NoDelayHttpTools.accepted, fixed=NoDelayHttpTools.fixed)
        print(f"[worker {os.getpid()}] {line}", flush=True)


def serve(app: str, factory: bool, host: str, port: int) -> bool:
    """One worker: a single-process uvicorn server on its own SO_REUSEPORT socket. Whether it
    started."""
    config = uvicorn.Config(
        app,
        factory=factory,
        host=host,
        port=port,
        loop="uvloop",
        http=NoDelayHttpTools,
        access_log=False,
    )
    server = Server(config)
    server.run(sockets=[listening_socket(host, port)])
    return server.started


def start_workers(args: argparse.Namespace) -> list[int]:
    """Fork the workers (before anything loads the app); their process ids."""
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # die with the parent
                code = 0 if serve(args.app, args.factory, args.host, args.port) else 3
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        children.append(pid)
    return children


def supervise(children: list[int]) -> int:
    """Wait for the workers; when one fails, stop the others. The first failure's status.

    SIGTERM and SIGINT reach the workers directly (they share this process group, which is what
    the benchmark signals), so this process ignores them rather than signal the workers twice
    (a second signal makes uvicorn skip the app's shutdown)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status, remaining = 0, set(children)
    while remaining:
        pid, wait_status = os.wait()
        remaining.discard(pid)
        code = os.waitstatus_to_exitcode(wait_status)  # -N: killed by signal N
        if code not in STOPPED and status == 0:  # a worker failed: stop the others
            status = code
            for other in remaining:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(other, signal.SIGTERM)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="module:attribute (a factory with --factory)")
    parser.add_argument("--factory", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.*`, `serving.*`
    sys.exit(supervise(start_workers(args)))


if __name__ == "__main__":
    main()
