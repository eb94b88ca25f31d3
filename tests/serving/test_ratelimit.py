"""Token buckets: in memory on a fake clock, in a real Redis when one is installed, and the 429."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from forewarn.settings import Settings
from serving.errors import install_error_handlers
from serving.middleware import RequestIdMiddleware
from serving.ratelimit import (
    MemoryRateLimiter,
    RateDecision,
    RateLimiter,
    RedisRateLimiter,
    limiter_from_settings,
    rate_limit_headers,
    rate_limited_error,
)
from support import free_port


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A clock that stands still until told."""
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> MemoryRateLimiter:
    """An in-memory limiter on the fake clock."""
    return MemoryRateLimiter(clock=clock)


def test_exactly_limit_requests_pass(limiter: MemoryRateLimiter) -> None:
    decisions = [limiter.hit("key", 5) for _ in range(6)]
    assert [decision.allowed for decision in decisions] == [True] * 5 + [False]
    assert [decision.remaining for decision in decisions] == [4, 3, 2, 1, 0, 0]
    refused = decisions[-1]
    assert refused.retry_after == 12  # one token every 60/5 seconds
    assert refused.reset_after == pytest.approx(60.0) and refused.limit == 5
    assert decisions[0].retry_after == 0 and decisions[0].reset_after == pytest.approx(12.0)


def test_tokens_refill_continuously(limiter: MemoryRateLimiter, clock: FakeClock) -> None:
    for _ in range(60):
        assert limiter.hit("key", 60).allowed
    clock.advance(0.5)
    half = limiter.hit("key", 60)
    assert not half.allowed and half.retry_after == 1
    clock.advance(0.5)
    assert limiter.hit("key", 60).allowed
    clock.advance(3600)
    assert sum(limiter.hit("key", 60).allowed for _ in range(61)) == 60


def test_refill_survives_float_rounding(limiter: MemoryRateLimiter, clock: FakeClock) -> None:
    for _ in range(100):
        limiter.hit("key", 100)
    clock.advance(0.6)  # exactly one token at 100/60 a second
    assert limiter.hit("key", 100).allowed
    assert not limiter.hit("key", 100).allowed


def test_keys_are_independent(limiter: MemoryRateLimiter) -> None:
    for _ in range(3):
        limiter.hit("tenant-a", 3)
    assert not limiter.hit("tenant-a", 3).allowed
    assert limiter.hit("tenant-b", 3).remaining == 2


def test_idle_full_buckets_are_forgotten(limiter: MemoryRateLimiter, clock: FakeClock) -> None:
    limiter.hit("idle", 10)
    clock.advance(50)
    for _ in range(10):
        limiter.hit("busy", 10)
    assert len(limiter) == 2
    clock.advance(11)  # a minute since the last sweep: "idle" is full again, "busy" is not
    limiter.hit("other", 10)
    assert len(limiter) == 2
    assert limiter.hit("idle", 10).remaining == 9
    assert not limiter.hit("busy", 10).remaining


def test_memory_limiter_is_thread_safe(limiter: MemoryRateLimiter) -> None:
    allowed: list[bool] = []

    def burst() -> None:
        allowed.extend(limiter.hit("shared", 1000).allowed for _ in range(200))

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 1000  # the fake clock stands still: no refill


def test_zero_limit_is_refused(limiter: MemoryRateLimiter) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        limiter.hit("key", 0)


def test_headers() -> None:
    decision = RateDecision(True, 100, 42, 34.8, 0)
    headers = rate_limit_headers(decision)
    assert headers["X-RateLimit-Limit"] == "100" and headers["X-RateLimit-Remaining"] == "42"
    assert abs(int(headers["X-RateLimit-Reset"]) - (time.time() + 34.8)) <= 1.5


def test_rate_limited_error() -> None:
    error = rate_limited_error(RateDecision(False, 100, 0, 59.4, 1))
    assert (error.status, error.code, error.message) == (
        429,
        "rate_limit_exceeded",
        "Request rate limit exceeded",
    )
    assert set(error.details) == {"retry_after", "limit", "remaining", "reset_time"}
    assert (error.details["retry_after"], error.details["limit"]) == (1, 100)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", error.details["reset_time"])
    assert error.headers["Retry-After"] == "1" and error.headers["X-RateLimit-Remaining"] == "0"


def test_429_envelope_through_http(limiter: MemoryRateLimiter) -> None:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        decision = limiter.hit("caller", 2)
        if not decision.allowed:
            raise rate_limited_error(decision)
        return {"ok": True}

    client = TestClient(app)
    assert [client.get("/ping").status_code for _ in range(2)] == [200, 200]
    response = client.get("/ping")
    assert response.status_code == 429
    body = response.json()
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert body["error"]["details"]["retry_after"] == 30
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert response.headers["Retry-After"] == "30" and response.headers["X-RateLimit-Limit"] == "2"


def test_limiter_from_settings(tmp_path: Path) -> None:
    assert isinstance(limiter_from_settings(Settings(home=tmp_path)), MemoryRateLimiter)
    shared = limiter_from_settings(Settings(home=tmp_path, redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(shared, RedisRateLimiter)


def test_unreachable_redis_lets_requests_through() -> None:
    limiter: RateLimiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0")
    started = time.perf_counter()
    decisions = [limiter.hit("key", 1) for _ in range(3)]
    assert all(decision.allowed for decision in decisions)
    assert time.perf_counter() - started < 2.0


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free port (skips when none is installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed; RedisRateLimiter needs a real Redis")
    import redis

    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path_factory.mktemp("redis")),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, "redis did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_redis_limiter(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    decisions = [limiter.hit("tenant-a", 5) for _ in range(6)]
    assert [decision.remaining for decision in decisions] == [4, 3, 2, 1, 0, 0]
    assert not decisions[-1].allowed and decisions[-1].retry_after >= 11
    assert limiter.hit("tenant-b", 5).allowed
    ttl = limiter._client.ttl("forewarn:ratelimit:tenant-a")
    assert 0 < ttl <= 61


def test_redis_limiter_refills_and_is_atomic(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    allowed: list[bool] = []

    def burst() -> None:
        allowed.extend(limiter.hit("shared", 600).allowed for _ in range(200))

    started = time.monotonic()
    threads = [threading.Thread(target=burst) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refilled = (time.monotonic() - started) * 10  # 600 a minute
    assert 600 <= sum(allowed) <= 600 + refilled + 1
    time.sleep(0.25)
    assert limiter.hit("shared", 600).allowed
