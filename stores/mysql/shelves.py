"""Shelves: a member's watchlist and favourites, one row per film, each write with its follow-up.

Adding a film that is already there and removing one that is not change nothing and queue nothing,
so both are idempotent; a bulk add is one transaction, so it lands whole or not at all. A follow-up names
the films that came or went, whose cached details (with their library counts) it drops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stores.mysql import Pool, accounts, outbox, transaction
from stores.outbox import LIBRARY_CHANGED, Message
from timestamps import iso

SHELVES = ("watchlist", "favorites")


def _iso(moment: datetime) -> str:
    return iso(moment.replace(tzinfo=UTC))


async def add(pool: Pool, user_id: int, shelf: str, movie_ids: list[int]) -> tuple[int, Message | None]:
    """Put films on the shelf in one transaction; (how many were not there before, the follow-up if any)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    async with transaction(pool) as cur:
        await accounts.guard(cur, user_id)
        added = []
        for movie_id in movie_ids:
            if await put(cur, user_id, shelf, movie_id, now):
                added.append(movie_id)
        message = await outbox.add(cur, LIBRARY_CHANGED, {"user_id": user_id, "movie_ids": added}) if added else None
    return len(added), message


async def put(cur: Any, user_id: int, shelf: str, movie_id: int, added_at: datetime) -> bool:
    """Put one film on the shelf inside the caller's transaction (which holds the author's guard); whether it
    was not there before (a film already there keeps its date)."""
    await cur.execute(
        "INSERT INTO shelf_items (user_id, shelf, movie_id, added_at) VALUES (%s, %s, %s, %s)"
        " ON DUPLICATE KEY UPDATE movie_id = movie_id", (user_id, shelf, movie_id, added_at))
    return bool(cur.rowcount == 1)


async def remove(pool: Pool, user_id: int, shelf: str, movie_id: int) -> Message | None:
    """Take a film off the shelf; the follow-up if it was there."""
    async with transaction(pool) as cur:
        await accounts.guard(cur, user_id)
        await cur.execute("DELETE FROM shelf_items WHERE user_id = %s AND shelf = %s AND movie_id = %s",
                          (user_id, shelf, movie_id))
        if not cur.rowcount:
            return None
        return await outbox.add(cur, LIBRARY_CHANGED, {"user_id": user_id, "movie_ids": [movie_id]})


async def newest(pool: Pool, user_id: int, shelf: str, *, oldest_first: bool = False, skip: int = 0,
                 limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of `{movie_id, added_at}`), newest first unless `oldest_first`."""
    order = "ASC" if oldest_first else "DESC"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM shelf_items WHERE user_id = %s AND shelf = %s", (user_id, shelf))
        total = int((await cur.fetchone())[0])
        await cur.execute(
            "SELECT movie_id, added_at FROM shelf_items WHERE user_id = %s AND shelf = %s"
            f" ORDER BY added_at {order}, movie_id {order} LIMIT %s OFFSET %s", (user_id, shelf, limit, skip))
        rows = await cur.fetchall()
    return total, [{"movie_id": int(m), "added_at": _iso(a)} for m, a in rows]


async def everything(pool: Pool, user_id: int, shelf: str) -> dict[int, str]:
    """Every film on the shelf with when it was added."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT movie_id, added_at FROM shelf_items WHERE user_id = %s AND shelf = %s",
                          (user_id, shelf))
        return {int(m): _iso(a) for m, a in await cur.fetchall()}


async def holding(pool: Pool, user_id: int, movie_id: int) -> set[str]:
    """The shelves of the user that hold the film."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT shelf FROM shelf_items WHERE user_id = %s AND movie_id = %s", (user_id, movie_id))
        return {str(r[0]) for r in await cur.fetchall()}
