"""The in-process tier: a small LRU of serialised responses, kept correct by Redis pub/sub.

Every process subscribes to the invalidation channel; a write anywhere publishes the keys it
changed and every process drops them. Entries also expire after a short TTL. The channel
also carries the catalogue version, which cached list pages put in their keys.

While the subscription is down, invalidations may be missed: the process stops trusting
its caches (`trusted` is False, the local tier is empty and reads go to the stores). When
the subscription is back it first drops every cache-aside entry in Redis, since a change
made during the outage could not delete them, and only then trusts the caches again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict

from redis.asyncio import Redis

from cache import invalidate, keys, subscription
from cache.client import REDIS_DOWN

log = logging.getLogger(__name__)


def etag(body: bytes) -> str:
    """A strong entity tag of a serialised body (RFC 9110, section 8.8.3): its digest, quoted."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


class LocalCache:
    """A bounded LRU with per-entry expiry; each entry keeps its body's entity tag, computed once."""

    def __init__(self, size: int = 4096, ttl: float = 30.0) -> None:
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
        self._task: asyncio.Task[None] | None = None
        self.trusted = False
        self.version = 0  # the catalogue version, as the invalidation channel last announced it
        self._stopping = False

    def get(self, key: str) -> bytes | None:
        """The fresh value under the key, or None."""
        found = self.tagged(key)
        return found[0] if found is not None else None

    def tagged(self, key: str) -> tuple[bytes, str] | None:
        """The fresh value under the key and its entity tag, or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value, tag = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return value, tag

    def put(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Keep a value, evicting the least recently used past the size (not while untrusted)."""
        if not self.trusted:
            return
        self._entries[key] = (time.monotonic() + min(ttl or self.ttl, self.ttl), value, etag(value))
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, names: list[str]) -> None:
        """Forget the named keys (`*`: everything) and take the catalogue version the message announces."""
        if names and names[-1].startswith(invalidate.VERSION):
            self.version = int(names.pop()[len(invalidate.VERSION):])
        if "*" in names:
            self._entries.clear()
            return
        for name in names:
            self._entries.pop(name, None)

    async def listen(self, redis: Redis) -> None:
        """Start following the invalidation channel in the background."""
        self._task = asyncio.create_task(self._follow(redis))

    async def stop(self) -> None:
        """Stop following the channel."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, *REDIS_DOWN):
                await self._task

    async def _follow(self, redis: Redis) -> None:
        lost = False

        async def subscribed() -> None:
            nonlocal lost
            if lost:
                removed = await invalidate.everything(redis)
                log.warning("cache invalidations are back; dropped %d cached entries", removed)
            self._entries.clear()
            self.version = await invalidate.catalogue_version(redis)
            self.trusted, lost = True, False

        def heard(data: bytes) -> None:
            self.drop(data.decode().split())

        def gone(exc: Exception) -> None:
            nonlocal lost
            if not lost:
                log.warning("cache invalidations lost (%s); reading from the stores until Redis is back", exc)
            self.trusted, lost = False, True
            self._entries.clear()

        await subscription.follow(redis, keys.INVALIDATE, heard=heard, subscribed=subscribed, lost=gone,
                                  pause=0.5, running=lambda: not self._stopping)
