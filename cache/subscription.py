"""One reconnecting subscription to a pub/sub channel, the loop every listener in a process runs.

Redis forgets a subscriber whose connection drops, and what is published meanwhile is lost to
it. `follow` subscribes again after a pause, for as long as it runs, and tells the listener each
time the subscription is up (again) and each time it is lost, so the listener can stop trusting
what it holds and catch up on what it may not have heard (drop its copies, ask for a reload).

On a Redis Cluster the subscription is one connection to the node that the channel's name hashes
to (the cluster client's pub/sub): a PUBLISH on any node, a script's included, reaches every node.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from redis.asyncio import Redis

from cache import keys
from cache.client import REDIS_DOWN, database, is_cluster


async def follow(
    redis: Redis,
    name: str,
    *,
    heard: Callable[[bytes], None],
    subscribed: Callable[[], Awaitable[None]],
    lost: Callable[[Exception], None],
    pause: float,
    alongside: Callable[[], Coroutine[Any, Any, None]] | None = None,
    running: Callable[[], bool] = lambda: True,
) -> None:
    """Take every message of the channel `name` (of this client's database) until cancelled.

    `subscribed` runs once the subscription is up, before any message is taken (a Redis error it
    raises counts as a lost subscription); `alongside`, if given, runs as a task while it is up.
    """
    channel = keys.channel(name, database(redis))
    while running():
        try:
            if is_cluster(redis):
                await redis.initialize()  # the node of the channel's slot must be known before subscribing
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                await subscribed()
                beside = asyncio.create_task(alongside()) if alongside is not None else None
                try:
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            heard(message["data"])
                finally:
                    if beside is not None:
                        beside.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await beside
        except asyncio.CancelledError:
            raise
        except REDIS_DOWN as exc:
            lost(exc)
            await asyncio.sleep(pause)
