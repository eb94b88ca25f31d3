"""Token-bucket rate limits per caller: in this process, or shared by every replica in Redis.

A bucket holds the tier's per-minute limit and refills continuously at limit/60 tokens a second;
each request spends one token."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from forewarn.settings import Settings
from serving.errors import APIError

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0  # an idle bucket is full again within a minute, so it can be forgotten
_EPSILON = 1e-9  # float refills (0.6 s x 100/60) must not miss a whole token by a rounding error
_REDIS_PREFIX = "forewarn:ratelimit:"
REDIS_RETRY_SECONDS = 5.0
_REDIS_SCRIPT = """
local limit = tonumber(ARGV[1])
local rate = limit / 60
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or limit
local at = tonumber(bucket[2]) or now
tokens = math.min(limit, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((limit - tokens) / rate) + 1)
return {allowed, tostring(tokens)}
"""


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one request against its bucket."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the bucket is full again
    retry_after: int  # whole seconds until one token is back; 0 when allowed


class RateLimiter(Protocol):
    """Spends one token of `key`'s bucket of capacity `limit` per minute."""

    def hit(self, key: str, limit: int) -> RateDecision:
        """Spend a token if there is one, and say what is left."""
        ...


def _check_limit(limit: int) -> None:
    """Refuse a capacity that could never let a request through."""
    if limit < 1:
        raise ValueError(f"a rate limit must be at least 1 request per minute, not {limit}")


def _refilled(tokens: float, elapsed: float, limit: int) -> float:
    """A bucket's tokens after `elapsed` seconds of refill."""
    return min(float(limit), tokens + max(0.0, elapsed) * limit / 60)


def _decision(allowed: bool, tokens: float, limit: int) -> RateDecision:
    """The decision, given the tokens left once this request was counted."""
    rate = limit / 60
    retry_after = 0 if allowed else max(1, math.ceil((1 - tokens) / rate))
    return RateDecision(
        allowed,
        limit,
        max(0, int(tokens + _EPSILON)),
        max(0.0, (limit - tokens) / rate),
        retry_after,
    )


class MemoryRateLimiter:
    """Buckets in this process's memory: thread-safe, idle full buckets are dropped."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float, int]] = {}  # tokens, at, limit
        self._swept_at = clock()

    def __len__(self) -> int:
        """How many buckets are held."""
        return len(self._buckets)

    def hit(self, key: str, limit: int) -> RateDecision:
        """Spend a token of `key`'s bucket if there is one."""
        _check_limit(limit)
        with self._lock:
            now = self._clock()
            self._sweep(now)
            tokens, at, _ = self._buckets.get(key, (float(limit), now, limit))
            tokens = _refilled(tokens, now - at, limit)
            allowed = tokens >= 1 - _EPSILON
            if allowed:
                tokens = max(0.0, tokens - 1)
            self._buckets[key] = (tokens, now, limit)
        return _decision(allowed, tokens, limit)

    def _sweep(self, now: float) -> None:
        """Once a minute, forget the buckets that have refilled completely."""
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if _refilled(bucket[0], now - bucket[1], bucket[2]) < bucket[2]
        }


class RedisRateLimiter:
    """Buckets in Redis hashes (tokens, at) with expiry, shared by every replica.

    Each hit is one Lua script run by EVALSHA, so it is atomic; time is Redis's own clock. When
    Redis cannot be reached, requests are let through rather than failed (logged once), and Redis
    is tried again only after `REDIS_RETRY_SECONDS`, so an outage adds no latency."""

    def __init__(self, url: str) -> None:
        import redis  # only deployments that share limits across replicas need it
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._client = redis.Redis.from_url(
            url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 1)
        )
        self._script = self._client.register_script(_REDIS_SCRIPT)
        self._unavailable: type[Exception] = redis.RedisError
        self._down_until = 0.0  # monotonic time of the next try while Redis is down; 0 when up

    def hit(self, key: str, limit: int) -> RateDecision:
        """Spend a token of `key`'s bucket in Redis if there is one."""
        _check_limit(limit)
        if time.monotonic() < self._down_until:
            return RateDecision(True, limit, limit, 0.0, 0)
        try:
            allowed, tokens = self._script(keys=[_REDIS_PREFIX + key], args=[limit])
        except self._unavailable as error:
            if not self._down_until:
                log.warning("rate limits off: Redis is unreachable (%s)", error)
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return RateDecision(True, limit, limit, 0.0, 0)
        if self._down_until:
            log.warning("rate limits back on: Redis is reachable again")
            self._down_until = 0.0
        return _decision(bool(allowed), float(tokens), limit)


def limiter_from_settings(settings: Settings) -> RateLimiter:
    """Redis when `redis_url` is set (limits shared by replicas), else this process's memory."""
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url)
    return MemoryRateLimiter()


def _reset_epoch(decision: RateDecision) -> int:
    """Epoch seconds at which the bucket is full again."""
    return math.ceil(time.time() + decision.reset_after)


def _headers(decision: RateDecision, reset_epoch: int) -> dict[str, str]:
    """The `X-RateLimit-*` headers."""
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(reset_epoch),
    }


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    """`X-RateLimit-Limit`, `-Remaining` and `-Reset` (epoch seconds when full again)."""
    return _headers(decision, _reset_epoch(decision))


def rate_limited_error(decision: RateDecision) -> APIError:
    """429 rate_limit_exceeded with `Retry-After`, the rate-limit headers and their details."""
    reset_epoch = _reset_epoch(decision)
    reset_time = datetime.fromtimestamp(reset_epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    details = {
        "retry_after": decision.retry_after,
        "limit": decision.limit,
        "remaining": decision.remaining,
        "reset_time": reset_time,
    }
    headers = {"Retry-After": str(decision.retry_after), **_headers(decision, reset_epoch)}
    return APIError(429, "rate_limit_exceeded", "Request rate limit exceeded", details, headers)
