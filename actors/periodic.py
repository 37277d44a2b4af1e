"""The periodic tasks the scheduler sends: rankings, the outbox relay, and the daily TMDB sync."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actors.outbox import drain_outboxes
from actors.rankings import rank_popular, rank_trending
from actors.tmdb import tmdb_sync
from actors.work import refresh
from cache import client as cache_client
from config import get_settings


@dataclass(frozen=True)
class Periodic:
    """A message to send every `every` seconds."""

    name: str
    every: int
    send: Callable[[], Any]


async def refresh_rankings(redis: Any, ttl: int) -> None:
    """Recompute popular and both trending windows."""
    await refresh(redis, rank_popular, "popular", {}, ttl)
    for window in ("day", "week"):
        await refresh(redis, rank_trending, "trending", {"window": window}, ttl)


def _send_rankings() -> None:
    settings = get_settings()

    async def go() -> None:
        redis = cache_client.connect(settings)
        try:
            await refresh_rankings(redis, settings.result_ttl_seconds)
        finally:
            await cache_client.close(redis)

    asyncio.run(go())


def _send_outbox_drain() -> None:
    drain_outboxes.send()


def _send_tmdb_sync() -> None:
    """The daily TMDB sync of recently changed films, when a TMDB key is configured."""
    settings = get_settings()
    if not settings.tmdb_api_key:
        return

    async def go() -> None:
        redis = cache_client.connect(settings)
        try:
            await refresh(redis, tmdb_sync, "tmdb-sync", {"since": None, "until": None}, settings.result_ttl_seconds)
        finally:
            await cache_client.close(redis)

    asyncio.run(go())


TASKS: list[Periodic] = [
    Periodic("rankings", 5 * 60, _send_rankings),
    Periodic("outbox", 10, _send_outbox_drain),
    Periodic("tmdb", 24 * 3600, _send_tmdb_sync),
]
