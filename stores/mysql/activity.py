"""Recent review activity: what people reviewed, and how well, in a time window."""

from __future__ import annotations

import math
from typing import TypedDict

from stores.mysql import Pool

TRENDING = """
SELECT movie_id,
       SUM((0.5 + rating / 10) * EXP(-TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(6)) * %s)) AS score,
       COUNT(*) AS reviews, AVG(rating) AS average
FROM reviews
WHERE created_at >= UTC_TIMESTAMP(6) - INTERVAL %s SECOND
GROUP BY movie_id
ORDER BY score DESC, movie_id
LIMIT %s
"""


class Trend(TypedDict):
    """A film's review activity in the window: its decayed score, its review count and their average rating."""

    movie_id: int
    score: float
    reviews: int
    average: float


async def trending(
    pool: Pool, window_seconds: int, half_life_hours: float, limit: int
) -> list[Trend]:
    """Movies by recent reviews, each weighted by its rating and halved every `half_life_hours`."""
    decay = math.log(2) / (half_life_hours * 3600)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(TRENDING, (decay, window_seconds, limit))
        rows = await cur.fetchall()
    return [
        {"movie_id": int(movie_id), "score": round(float(score), 4), "reviews": int(n),
         "average": round(float(avg), 2)}
        for movie_id, score, n, avg in rows
    ]
