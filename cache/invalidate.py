"""Invalidation: drop exactly the cached entries a change affects, in Redis and in every process."""

from __future__ import annotations

from redis.asyncio import Redis

from cache import keys


def movie_keys(movie_id: int) -> list[str]:
    """The cache-aside entries that hold one movie's data."""
    return [keys.cached(keys.movie_entry(movie_id))]


async def movie_changed(redis: Redis, movie_id: int) -> None:
    """Forget everything cached about one movie, and tell the in-process tiers to do the same."""
    await entries_changed(redis, [keys.movie_entry(movie_id)])


async def entries_changed(redis: Redis, names: list[str]) -> None:
    """Forget the named cache-aside entries (e.g. `movie:5`, `person:9`) here and in every process."""
    if names:
        cached = [keys.cached(name) for name in names]
        await redis.delete(*cached)
        await redis.publish(keys.INVALIDATE_CHANNEL, " ".join(cached))


CATALOGUE = "catalogue"


async def catalogue_changed(redis: Redis) -> None:
    """Say that films or people changed in bulk: in-process copies of the catalogue load it again
    once the changes have stopped (cached pages are left alone; `everything` drops them at the end)."""
    await redis.publish(keys.INVALIDATE_CHANNEL, CATALOGUE)


async def everything(redis: Redis) -> int:
    """Forget every cached read and search result (after a bulk load); returns how many entries went."""
    removed = 0
    for pattern in (keys.cached("*"), keys.result(keys.work_key_pattern("search"))):
        async for name in redis.scan_iter(match=pattern, count=1000):
            removed += await redis.delete(name)
    await redis.publish(keys.INVALIDATE_CHANNEL, "*")
    return removed


async def recommendations_changed(redis: Redis, user_id: int) -> None:
    """Forget a user's cached recommendations (their next request recomputes them)."""
    await redis.delete(keys.result(keys.recommendations(user_id)))
