"""Bulk writes for seeding: batched multi-row upserts and one-statement rating aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stores.mysql import Pool
from timestamps import micros

# The space after VALUES matters: aiomysql only batches executemany when it sees `VALUES (`.
UPSERT_REVIEWS = (
    "INSERT INTO reviews (movie_id, user_id, username, rating, title, body, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON DUPLICATE KEY UPDATE rating = VALUES(rating), title = VALUES(title), body = VALUES(body),"
    " created_at = VALUES(created_at), updated_at = VALUES(updated_at)"
)

REFRESH_ALL_STATS = """
INSERT INTO rating_stats (movie_id, review_count, rating_sum, histogram, updated_at)
SELECT movie_id, COUNT(*), SUM(rating),
       JSON_ARRAY(SUM(rating = 1), SUM(rating = 2), SUM(rating = 3), SUM(rating = 4), SUM(rating = 5),
                  SUM(rating = 6), SUM(rating = 7), SUM(rating = 8), SUM(rating = 9), SUM(rating = 10)),
       %s
FROM reviews GROUP BY movie_id
ON DUPLICATE KEY UPDATE review_count = VALUES(review_count), rating_sum = VALUES(rating_sum),
    histogram = VALUES(histogram), updated_at = VALUES(updated_at)
"""

BATCH = 5000


async def upsert_reviews(pool: Pool, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or update reviews by (user, movie) in batches of one transaction each; returns the row count."""
    records = [
        (
            row["movie_id"], row["user_id"], row["username"], row["rating"], row["title"], row["body"],
            _naive(row["created_at"]), _naive(row["updated_at"]),
        )
        for row in rows
    ]
    async with pool.acquire() as conn:
        for start in range(0, len(records), BATCH):
            await conn.begin()
            try:
                async with conn.cursor() as cur:
                    await cur.executemany(UPSERT_REVIEWS, records[start : start + BATCH])
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
    return len(records)


async def refresh_all_stats(pool: Pool) -> int:
    """Recompute every movie's rating statistics from the reviews in one statement; returns its version.

    The version is MySQL's clock read before the statement reads the reviews (see ratings._refresh)."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT UTC_TIMESTAMP(6)")
        (moment,) = await cur.fetchone()
        await cur.execute(REFRESH_ALL_STATS, (moment,))
        await cur.execute(
            "DELETE FROM rating_stats WHERE movie_id NOT IN (SELECT DISTINCT movie_id FROM reviews)"
        )
    return micros(moment)


async def all_stats(pool: Pool) -> dict[int, tuple[float | None, int, int]]:
    """`{movie_id: (average, count, version)}` of every film with reviews."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT movie_id, review_count, rating_sum, updated_at FROM rating_stats WHERE review_count > 0")
        rows = await cur.fetchall()
    return {int(movie_id): (round(total / count, 2), int(count), micros(moment))
            for movie_id, count, total, moment in rows}


def _naive(moment: Any) -> Any:
    """MySQL DATETIME has no zone: store UTC wall-clock time."""
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) is not None else moment
