"""Rating statistics of MovieVerse users' reviews, per movie."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson

from stores.mysql import Pool
from timestamps import micros


async def rating_stats(pool: Pool, movie_ids: list[int]) -> dict[int, dict[str, Any]]:
    """`{movie_id: {average, count, histogram}}` for the movies that have any reviews."""
    if not movie_ids:
        return {}
    marks = ", ".join(["%s"] * len(movie_ids))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT movie_id, review_count, rating_sum, histogram FROM rating_stats"
            f" WHERE movie_id IN ({marks})",
            tuple(movie_ids),
        )
        rows = await cur.fetchall()
    found: dict[int, dict[str, Any]] = {}
    for movie_id, count, total, histogram in rows:
        if count:
            found[int(movie_id)] = {
                "average": round(total / count, 2),
                "count": int(count),
                "histogram": orjson.loads(histogram),
            }
    return found


LOCK_SECONDS = 30  # how long a refresh waits for another refresh of the same movie


@contextlib.asynccontextmanager
async def refreshing(pool: Pool, movie_id: int) -> AsyncIterator[Callable[[], Awaitable[dict[str, Any]]]]:
    """Refreshes of one movie's statistics, one at a time: yields `refresh` under a lock on the movie.

    Refreshes run concurrently (a review's follow-up, a purge), and each reads the reviews, then
    writes: without the lock an older read could be written last, in MySQL and in whatever the
    caller copies the figures into while it holds the lock, and keep a deleted review counted.
    With it, the last refresh reads after the last change and is the last to write.
    """
    async with pool.acquire() as conn, conn.cursor() as cur:
        name = f"movieverse:rating-stats:{movie_id}"
        await cur.execute("SELECT GET_LOCK(%s, %s)", (name, LOCK_SECONDS))
        (held,) = await cur.fetchone()
        if held != 1:
            raise TimeoutError(f"the statistics of movie {movie_id} stayed locked for {LOCK_SECONDS} s")
        try:
            yield lambda: _refresh(cur, movie_id)
        finally:
            await cur.execute("SELECT RELEASE_LOCK(%s)", (name,))
            await cur.fetchall()


async def _refresh(cur: Any, movie_id: int) -> dict[str, Any]:
    """Recompute one movie's statistics from its reviews; returns them with their `version`.

    The version is MySQL's clock read before the reviews are: a recount with a later version read
    the reviews later, so copies of the figures (the films' documents) keep the highest version."""
    await cur.execute("SELECT UTC_TIMESTAMP(6)")
    (moment,) = await cur.fetchone()
    await cur.execute("SELECT rating, COUNT(*) FROM reviews WHERE movie_id = %s GROUP BY rating", (movie_id,))
    histogram = [0] * 10
    for rating, n in await cur.fetchall():
        histogram[int(rating) - 1] = int(n)
    count = sum(histogram)
    total = sum((i + 1) * n for i, n in enumerate(histogram))
    if count == 0:
        await cur.execute("DELETE FROM rating_stats WHERE movie_id = %s", (movie_id,))
    else:
        await cur.execute(
            "INSERT INTO rating_stats (movie_id, review_count, rating_sum, histogram, updated_at)"
            " VALUES (%s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE"
            " review_count = VALUES(review_count), rating_sum = VALUES(rating_sum),"
            " histogram = VALUES(histogram), updated_at = VALUES(updated_at)",
            (movie_id, count, total, orjson.dumps(histogram).decode(), moment),
        )
    return {"average": round(total / count, 2) if count else None, "count": count, "histogram": histogram,
            "version": micros(moment)}
