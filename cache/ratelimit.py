"""Counters in Redis that decide atomically: a failure is reserved before the work it guards.

Two uses share them. Throttles (login, password checks, registration, reset requests) reserve
one attempt against every named counter in one script, and are refused when any is at its
limit; a success gives its reservation back, so only failures stay counted. Concurrent
attempts cannot all pass a check made before any of them is counted. Work limits (anonymous
requests that reach a store or a worker) count every request in a fixed window.

When Redis is down, both are skipped: requests keep working (argon2 still slows guessing).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from cache import keys
from cache.client import REDIS_DOWN, script

# KEYS: the counters. ARGV: the window in seconds, then each counter's limit.
# If any counter is at its limit: {0, seconds until the latest of those resets}. Else each is raised: {1, 0}.
_RESERVE = script(b"""
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return {0, wait} end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return {1, 0}
""")

# KEYS: the counters. Gives back one reservation on each that still holds one.
_RELEASE = script(b"""
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
""")

# Counts one request on the counter `key` in a fixed window of `window` seconds: its count, milliseconds to reset.
SPEND_FUNCTION = b"""
local function spend(key, window)
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, window * 1000) end
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, window * 1000)
    left = window * 1000
  end
  return count, left
end
"""
# KEYS: the counter. ARGV: the window in seconds. Counts one request: {count, milliseconds until reset}.
_SPEND = script(SPEND_FUNCTION + b"""
local count, left = spend(KEYS[1], tonumber(ARGV[1]))
return {count, left}
""")


async def reserve(redis: Redis, limits: dict[str, int], window: int) -> int:
    """Reserve one attempt on every named counter; 0 when reserved, else seconds to wait (nothing reserved)."""
    try:
        allowed, wait = await _RESERVE(keys=[keys.counter(name) for name in limits],
                                       args=[window, *limits.values()], client=redis)
    except REDIS_DOWN:
        return 0
    return 0 if allowed else max(1, int(wait))


async def release(redis: Redis, names: list[str]) -> None:
    """Give back the reservation of an attempt that succeeded."""
    try:
        await _RELEASE(keys=[keys.counter(name) for name in names], client=redis)
    except REDIS_DOWN:
        return


@dataclass(frozen=True)
class Quota:
    """Where a client stands in its window: what the RateLimit-* headers say."""

    limit: int
    remaining: int
    reset: int

    @property
    def exceeded(self) -> bool:
        """Whether this request went beyond the limit."""
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        """The RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers."""
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(max(0, self.remaining)),
                "RateLimit-Reset": str(self.reset)}


@dataclass(frozen=True)
class Allowance:
    """A windowed limit on one counter: `limit` requests every `window` seconds."""

    name: str
    limit: int
    window: int

    @property
    def key(self) -> str:
        """The counter's Redis key."""
        return keys.counter(self.name)

    def quota(self, count: int, left_ms: int) -> Quota:
        """Where the counter stands after a request was counted: `count` so far, `left_ms` to the reset."""
        return Quota(self.limit, self.limit - int(count), max(1, -(-int(left_ms) // 1000)))


async def spend(redis: Redis, allowance: Allowance) -> Quota | None:
    """Count one request against a windowed limit; None when Redis cannot say."""
    try:
        count, left_ms = await _SPEND(keys=[allowance.key], args=[allowance.window], client=redis)
    except REDIS_DOWN:
        return None
    return allowance.quota(count, left_ms)
