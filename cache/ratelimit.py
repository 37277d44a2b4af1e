"""Attempt counters in Redis: too many failures in a window means 429 until the window passes."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from cache import keys


async def blocked_for(redis: Redis, limits: dict[str, int]) -> int:
    """Seconds until the first of the named counters that reached its limit resets; 0 if none did.

    When Redis is down, throttling is skipped (logins keep working; argon2 still slows guessing).
    """
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for name in limits:
                pipe.get(keys.counter(name))
                pipe.ttl(keys.counter(name))
            values = await pipe.execute()
    except (RedisError, OSError):
        return 0
    wait = 0
    for limit, count, ttl in zip(limits.values(), values[::2], values[1::2], strict=True):
        if count is not None and int(count) >= limit:
            wait = max(wait, int(ttl) if ttl and ttl > 0 else 1)
    return wait


async def fail(redis: Redis, names: list[str], window: int) -> None:
    """Count one failed attempt against each named counter."""
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.incr(keys.counter(name))
                pipe.expire(keys.counter(name), window, nx=True)
            await pipe.execute()
    except (RedisError, OSError):
        return


async def reset(redis: Redis, name: str) -> None:
    """Clear a counter (after a success)."""
    try:
        await redis.delete(keys.counter(name))
    except (RedisError, OSError):
        return
