"""Cache-aside reads with single-flight: local tier, then Redis, then one loader call per key.

Concurrent misses on one key in a process share one loader call; across processes a short
Redis lock makes the others wait for the first one's value. If Redis is down, or the
invalidation channel is (see `LocalCache.trusted`), the loader is called directly (slower,
still correct).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, cast

import orjson
from prometheus_client import Counter
from redis.asyncio import Redis

from cache import keys
from cache.client import REDIS_DOWN
from cache.local import LocalCache

log = logging.getLogger(__name__)

REQUESTS = Counter("movieverse_cache_requests_total", "Cache lookups by tier and result.", ["tier", "result"])
_counts: dict[tuple[str, str], int] = defaultdict(int)


def count(tier: str, result: str) -> None:
    """Count one lookup (cheap; handed to prometheus-client by `flush_counts`)."""
    _counts[(tier, result)] += 1


def flush_counts() -> None:
    """Hand the lookups counted since the last flush to prometheus-client."""
    pending = list(_counts.items())
    _counts.clear()
    for labels, n in pending:
        REQUESTS.labels(*labels).inc(n)
LOCK_MS = 5000
WAIT_STEP, WAIT_STEPS = 0.02, 100

Loader = Callable[[], Awaitable[Any]]


class Aside:
    """Serialised values under `mv:cache:` names, in two tiers, loaded once on a miss."""

    def __init__(self, redis: Redis, local: LocalCache, ttl: int) -> None:
        self.redis, self.local, self.ttl = redis, local, ttl
        self._flights: dict[str, asyncio.Future[bytes | None]] = {}

    def peek(self, name: str) -> tuple[bytes, str] | None:
        """The value in the local tier and its entity tag, without awaiting anything (the hot path)."""
        found = self.local.tagged(keys.cached(name))
        if found is not None:
            count("local", "hit")
        return found

    async def held(self, name: str) -> bool:
        """Whether a value is cached under the name, in either tier (False when that cannot be told)."""
        key = keys.cached(name)
        if not self.local.trusted:
            return False
        if self.local.get(key) is not None:
            return True
        try:
            return bool(await self.redis.exists(key))
        except REDIS_DOWN:
            return False

    async def get(self, name: str, loader: Loader, ttl: int | None = None) -> bytes | None:
        """The JSON bytes cached under the name, loading (and caching) them on a miss; None if absent."""
        key = keys.cached(name)
        if not self.local.trusted:
            count("redis", "untrusted")
            return _encode(await loader())
        value = self.local.get(key)
        if value is not None:
            count("local", "hit")
            return value
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            value = await self._fetch(key, loader, ttl or self.ttl)
            flight.set_result(value)
            return value
        except BaseException as exc:
            flight.set_exception(exc)
            flight.exception()
            raise
        finally:
            del self._flights[key]

    async def _stored(self, key: str) -> bytes | None:
        # Our client leaves replies undecoded (bytes), which redis-py's types cannot tell from str.
        return cast("bytes | None", await self.redis.get(key))

    async def _fetch(self, key: str, loader: Loader, ttl: int) -> bytes | None:
        try:
            value = await self._stored(key)
        except REDIS_DOWN:
            count("redis", "down")
            return _encode(await loader())
        if value is not None:
            count("redis", "hit")
            self.local.put(key, value, ttl)
            return value
        count("redis", "miss")
        value = await self._load_once(key, loader, ttl)
        if value is not None:
            self.local.put(key, value, ttl)
        return value

    async def _load_once(self, key: str, loader: Loader, ttl: int) -> bytes | None:
        lock = keys.lock(key)
        try:
            leader = await self.redis.set(lock, b"1", nx=True, px=LOCK_MS)
            if not leader:
                for _ in range(WAIT_STEPS):
                    await asyncio.sleep(WAIT_STEP)
                    value = await self._stored(key)
                    if value is not None:
                        return value
        except REDIS_DOWN:
            return _encode(await loader())
        value = _encode(await loader())
        try:
            if value is not None:
                await self.redis.set(key, value, ex=ttl)
            await self.redis.delete(lock)
        except REDIS_DOWN as exc:
            log.warning("could not cache %s: %s", key, exc)
        return value


def _encode(value: Any) -> bytes | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
