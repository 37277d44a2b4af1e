"""The Redis connection, one pool per process: a single Redis, or a Redis Cluster.

A cluster is chosen by `REDIS_CLUSTER=true` or a `redis+cluster://` URL; its client routes each
command to the node that holds the key's slot, and a script or transaction to the node of its
keys' one slot (cache/keys.py gives keys used together one hash tag). SCAN and FLUSHDB go to
every primary.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import redis as sync_redis
import redis.cluster as sync_cluster
from redis.asyncio import Redis, RedisCluster
from redis.commands.core import AsyncScript
from redis.crc import key_slot
from redis.exceptions import RedisClusterException, RedisError

from cache import keys
from config import Settings

# What a Redis that cannot answer raises: redis-py's errors, its cluster client's own (which are not RedisError:
# a cluster with no node reachable, a slot no node serves) and the socket's.
REDIS_DOWN = (RedisError, RedisClusterException, OSError)
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def script(source: bytes) -> AsyncScript:
    """A Lua script, bound to a client at each call (`client=`), loaded into Redis on first use."""
    unbound: Any = None
    return AsyncScript(unbound, source)


def clustered(settings: Settings) -> bool:
    """Whether the configured Redis is a cluster."""
    return settings.redis_cluster or urlsplit(settings.redis_url.reveal()).scheme in CLUSTER_SCHEMES


def server_url(settings: Settings) -> str:
    """The configured URL as redis-py reads it (a `+cluster` scheme becomes the plain one)."""
    url = settings.redis_url.reveal()
    parts = urlsplit(url)
    if parts.scheme in CLUSTER_SCHEMES:
        return urlunsplit(parts._replace(scheme=CLUSTER_SCHEMES[parts.scheme]))
    return url


def connect(settings: Settings) -> Redis:
    """Create a client for the configured Redis or Redis Cluster (connections open lazily).

    A cluster client is typed as `Redis`: it answers the same commands, and the few things that differ
    (its database, pub/sub routing) are asked through this module.
    """
    timeouts: dict[str, Any] = {"socket_timeout": 2.0, "socket_connect_timeout": 1.0, "health_check_interval": 15}
    if clustered(settings):
        return cast(Redis, RedisCluster.from_url(server_url(settings), max_connections=200, **timeouts))
    return Redis.from_url(server_url(settings), max_connections=200, retry_on_timeout=False, **timeouts)


def connect_sync(settings: Settings, **options: Any) -> sync_redis.Redis:
    """A blocking client for the configured Redis or Redis Cluster (for processes without an event loop)."""
    if clustered(settings):
        return cast(sync_redis.Redis, sync_cluster.RedisCluster.from_url(server_url(settings), **options))
    return sync_redis.Redis.from_url(server_url(settings), **options)


def is_cluster(redis: Redis) -> bool:
    """Whether the client talks to a Redis Cluster."""
    return isinstance(redis, RedisCluster)


def slot(redis: Redis, key: str) -> int:
    """The hash slot of a key on a cluster; 0 for every key on one Redis (where a script may touch any)."""
    return key_slot(key.encode()) if is_cluster(redis) else 0


def separate(settings: Settings) -> bool:
    """Whether the configured namespace is not the default one: a database other than 0, or on a cluster
    (database 0 only) a REDIS_PREFIX. Tests and benchmarks empty theirs, and never the default."""
    if clustered(settings):
        return bool(settings.redis_prefix)
    return urlsplit(settings.redis_url.reveal()).path.strip("/") not in ("", "0")


async def clear(redis: Redis) -> None:
    """Empty this namespace: the database on a single Redis; on a cluster, every key under the prefix
    (on every primary)."""
    if not is_cluster(redis):
        await redis.flushdb()
        return
    async for name in redis.scan_iter(match=f"{keys.PREFIX}*", count=1000):
        await redis.delete(name)


def clear_sync(settings: Settings) -> None:
    """`clear`, for a process without an event loop."""
    client = connect_sync(settings)
    try:
        if not clustered(settings):
            client.flushdb()
            return
        for name in client.scan_iter(match=f"{keys.PREFIX}*", count=1000):
            client.delete(name)
    finally:
        client.close()


async def close(redis: Redis) -> None:
    """Close the client and its pool."""
    await redis.aclose()


async def ping(redis: Redis) -> None:
    """Ask Redis for a round trip."""
    await redis.ping()


def database(redis: Redis) -> int:
    """The database number the client works in (0 unless its URL names another; always 0 on a cluster)."""
    return 0 if is_cluster(redis) else int(redis.connection_pool.connection_kwargs.get("db") or 0)
