"""Follow-up work of account, review and library writes: purge a deleted account, refresh what a review or a
library change touched."""

from __future__ import annotations

import asyncio

import dramatiq

from actors.broker import DEFAULT
from actors.lifecycle import Resources, resources
from actors.rankings import rank_trending
from actors.work import refresh
from cache import invalidate, keys
from cache.client import REDIS_DOWN
from stores.mongo import movies
from stores.mysql import accounts, library, ratings, reviews
from stores.outbox import LIBRARY_CHANGED, PURGE_ACCOUNT, REVIEW_CHANGED
from stores.profiles import delete_profile

TRENDING_DEBOUNCE = 30


async def _movie_changed(res: Resources, movie_id: int) -> None:
    """Recount the film's reviews, copy the figures into its document (lists sort by them), drop its caches.

    Both under the film's refresh lock, so the last recount is also the last copy."""
    async with ratings.refreshing(await res.stores.mysql(), movie_id) as recount:
        stats = await recount()
        await movies.set_user_ratings(await res.stores.mongo(),
                                      {movie_id: (stats["average"], stats["count"], stats["version"])})
    await invalidate.movie_changed(res.redis, movie_id, catalogue=False)


async def _refresh_trending(res: Resources) -> None:
    """Queue trending for recomputation, at most once per debounce window."""
    try:
        if await res.redis.set(keys.debounce("trending"), "1", nx=True, ex=TRENDING_DEBOUNCE):
            for window in ("day", "week"):
                await refresh(res.redis, rank_trending, "trending", {"window": window}, res.settings.result_ttl_seconds)
    except REDIS_DOWN:
        return


@dramatiq.actor(actor_name=REVIEW_CHANGED, queue_name=DEFAULT, max_retries=20, time_limit=120_000)
async def review_changed(movie_id: int, user_id: int) -> None:
    """A review was written, changed or deleted: refresh the movie's stats and caches, trending, recommendations."""
    res = await resources()
    await _movie_changed(res, movie_id)
    await invalidate.recommendations_changed(res.redis, user_id)
    await _refresh_trending(res)


@dramatiq.actor(actor_name=LIBRARY_CHANGED, queue_name=DEFAULT, max_retries=20, time_limit=60_000)
async def library_changed(user_id: int, movie_ids: list[int] | None = None) -> None:
    """A member's library changed: drop their cached recommendations, and the cached details of the films
    whose library counts moved (`movie_ids`)."""
    res = await resources()
    await invalidate.recommendations_changed(res.redis, user_id)
    if movie_ids:
        await invalidate.movies_changed(res.redis, movie_ids)


@dramatiq.actor(actor_name=PURGE_ACCOUNT, queue_name=DEFAULT, max_retries=50, min_backoff=1000,
                max_backoff=600_000, time_limit=600_000)
async def purge_account(user_id: int, second_pass: bool = False) -> None:
    """Remove a deleted account's reviews, library and profile; retried until done (every step is idempotent).

    The tombstone comes first, so no review or library write of theirs can land after the deletions below. The
    Firebase emulator has no transactions to order a profile write against it, so a second
    pass, `PURGE_SECOND_PASS_SECONDS` later, deletes the profile (and any review) again.
    """
    res = await resources()
    pool = await res.stores.mysql()
    await accounts.bury(pool, user_id)
    queued = await reviews.delete_user_reviews(pool, user_id)
    for followup in queued:
        await _movie_changed(res, followup.kwargs["movie_id"])
        await res.stores.forget_sent([followup])
    _, moved = await library.delete_user_library(pool, user_id)
    if moved is not None:
        await invalidate.movies_changed(res.redis, moved.kwargs["movie_ids"])
        await res.stores.forget_sent([moved])
    await delete_profile(await res.stores.firebase(), user_id)
    await invalidate.recommendations_changed(res.redis, user_id)
    if queued:
        await _refresh_trending(res)
    if not second_pass:
        await asyncio.to_thread(purge_account.send_with_options, args=(user_id, True),
                                delay=int(res.settings.purge_second_pass_seconds * 1000))
