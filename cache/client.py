"""The Redis connection, one pool per process."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from config import Settings


def script(source: bytes) -> AsyncScript:
    """A Lua script, bound to a client at each call (`client=`), loaded into Redis on first use."""
    unbound: Any = None
    return AsyncScript(unbound, source)


def connect(settings: Settings) -> Redis:
    """Create a client for the configured Redis (connections open lazily)."""
    return Redis.from_url(
        settings.redis_url.reveal(),
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=15,
        max_connections=200,
        retry_on_timeout=False,
    )


async def close(redis: Redis) -> None:
    """Close the client and its pool."""
    await redis.aclose()


async def ping(redis: Redis) -> None:
    """Ask Redis for a round trip."""
    await redis.ping()


def database(redis: Redis) -> int:
    """The database number the client works in (0 unless its URL names another)."""
    return int(redis.connection_pool.connection_kwargs.get("db") or 0)
