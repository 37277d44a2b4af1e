"""Rating statistics of MovieVerse users' reviews, per movie."""

from __future__ import annotations

from typing import Any

import orjson

from stores.mysql import Pool


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


async def refresh(pool: Pool, movie_id: int) -> dict[str, Any]:
    """Recompute one movie's statistics from its reviews, in one statement; returns them."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT rating, COUNT(*) FROM reviews WHERE movie_id = %s GROUP BY rating", (movie_id,)
        )
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
                " VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
                " review_count = VALUES(review_count), rating_sum = VALUES(rating_sum),"
                " histogram = VALUES(histogram), updated_at = VALUES(updated_at)",
                (movie_id, count, total, orjson.dumps(histogram).decode()),
            )
    return {"average": round(total / count, 2) if count else None, "count": count, "histogram": histogram}
