"""Co-rating queries for item-based collaborative filtering: who liked what together."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from stores.mysql import Pool

LIKED = 7


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


async def liked_together(pool: Pool, liked: Sequence[int], exclude_user: int | None,
                         limit: int = 300) -> dict[int, int]:
    """Movies liked by people who liked any of `liked`: {movie: how many such people}."""
    if not liked:
        return {}
    user_clause = "AND r1.user_id <> %s" if exclude_user is not None else ""
    args: list[object] = [*liked, LIKED]
    if exclude_user is not None:
        args.append(exclude_user)
    args += [LIKED, limit]
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT r2.movie_id, COUNT(DISTINCT r2.user_id) AS together FROM reviews r1"
            " JOIN reviews r2 ON r2.user_id = r1.user_id AND r2.movie_id <> r1.movie_id"
            f" WHERE r1.movie_id IN ({_marks(liked)}) AND r1.rating >= %s {user_clause} AND r2.rating >= %s"
            " GROUP BY r2.movie_id ORDER BY together DESC, r2.movie_id LIMIT %s",
            tuple(args),
        )
        return {int(m): int(n) for m, n in await cur.fetchall()}


async def like_counts(pool: Pool, movie_ids: Sequence[int]) -> dict[int, int]:
    """How many reviews of each movie are likes (7 or more), from the rating statistics."""
    if not movie_ids:
        return {}
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT movie_id, histogram FROM rating_stats WHERE movie_id IN ({_marks(movie_ids)})",
                          tuple(movie_ids))
        return {int(m): sum(orjson.loads(h)[LIKED - 1 :]) for m, h in await cur.fetchall()}


async def liked_with_each(pool: Pool, liked: Sequence[int], candidates: Sequence[int],
                          exclude_user: int | None) -> dict[int, dict[int, int]]:
    """For each candidate, how many people liked it with each of `liked`: {candidate: {liked film: people}}."""
    if not liked or not candidates:
        return {}
    user_clause = "AND r1.user_id <> %s" if exclude_user is not None else ""
    args: list[object] = [*liked, *candidates, LIKED, LIKED]
    if exclude_user is not None:
        args.append(exclude_user)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT r2.movie_id, r1.movie_id, COUNT(*) FROM reviews r1"
            " JOIN reviews r2 ON r2.user_id = r1.user_id AND r2.movie_id <> r1.movie_id"
            f" WHERE r1.movie_id IN ({_marks(liked)}) AND r2.movie_id IN ({_marks(candidates)})"
            f" AND r1.rating >= %s AND r2.rating >= %s {user_clause} GROUP BY r2.movie_id, r1.movie_id",
            tuple(args),
        )
        found: dict[int, dict[int, int]] = {}
        for candidate, source, people in await cur.fetchall():
            found.setdefault(int(candidate), {})[int(source)] = int(people)
        return found
