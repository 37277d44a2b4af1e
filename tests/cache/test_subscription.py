"""The one reconnecting subscription: messages reach the listener, and a lost connection is told and taken up again."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from redis.asyncio import Redis

from cache import keys, subscription
from cache.client import database
from config import Settings


async def _until(check: Any, seconds: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return bool(check())


async def test_a_listener_hears_messages_and_is_told_when_the_subscription_is_lost_and_back(
        settings: Settings) -> None:
    name = f"test-subscription-{uuid.uuid4().hex}"
    client_name = f"probe-{uuid.uuid4().hex[:12]}"
    listening = Redis.from_url(str(settings.redis_url), client_name=client_name)
    talking = Redis.from_url(str(settings.redis_url))
    events: list[str] = []

    async def subscribed() -> None:
        events.append("subscribed")

    follow = asyncio.create_task(subscription.follow(
        listening, name, heard=lambda data: events.append(data.decode()), subscribed=subscribed,
        lost=lambda exc: events.append("lost"), pause=0.1))
    try:
        channel = keys.channel(name, database(talking))
        assert await _until(lambda: events == ["subscribed"])
        await talking.publish(channel, b"first")
        assert await _until(lambda: events == ["subscribed", "first"])
        for client in await talking.client_list(_type="pubsub"):
            if client.get("name") == client_name:
                await talking.client_kill_filter(_id=client["id"])
        assert await _until(lambda: events[2:] == ["lost", "subscribed"])
        await talking.publish(channel, b"second")
        assert await _until(lambda: events[-1] == "second")
    finally:
        follow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follow
        await listening.aclose()
        await talking.aclose()
