"""A member's whole library at once: what the account purge removes."""

from __future__ import annotations

from stores.mysql import Pool, outbox, transaction
from stores.outbox import LIBRARY_CHANGED, Message

TABLES = ("shelf_items", "diary_entries")


async def delete_user_library(pool: Pool, user_id: int) -> tuple[int, Message | None]:
    """Delete a member's shelves, diary and lists (with their items) in one transaction; (how many rows went,
    the follow-up naming the films whose library counts moved, committed with the deletions)."""
    removed = 0
    async with transaction(pool) as cur:
        await cur.execute("SELECT DISTINCT movie_id FROM shelf_items WHERE user_id = %s UNION"
                          " SELECT list_items.movie_id FROM list_items JOIN lists ON lists.id = list_items.list_id"
                          " WHERE lists.user_id = %s AND lists.public = 1", (user_id, user_id))
        counted = sorted(int(r[0]) for r in await cur.fetchall())
        for table in TABLES:
            await cur.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
            removed += cur.rowcount
        await cur.execute("DELETE list_items FROM list_items JOIN lists ON lists.id = list_items.list_id"
                          " WHERE lists.user_id = %s", (user_id,))
        removed += cur.rowcount
        await cur.execute("DELETE FROM lists WHERE user_id = %s", (user_id,))
        removed += cur.rowcount
        message = (await outbox.add(cur, LIBRARY_CHANGED, {"user_id": user_id, "movie_ids": counted})
                   if counted else None)
    return removed, message


async def holdings(pool: Pool, user_id: int) -> int:
    """How many rows of the member's library there are (shelves, diary, lists)."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT (SELECT COUNT(*) FROM shelf_items WHERE user_id = %s)"
                          " + (SELECT COUNT(*) FROM diary_entries WHERE user_id = %s)"
                          " + (SELECT COUNT(*) FROM lists WHERE user_id = %s)", (user_id, user_id, user_id))
        return int((await cur.fetchone())[0])


async def count(pool: Pool) -> int:
    """How many library rows there are in all: shelf rows, diary entries, lists and their items."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT (SELECT COUNT(*) FROM shelf_items) + (SELECT COUNT(*) FROM diary_entries)"
                          " + (SELECT COUNT(*) FROM lists) + (SELECT COUNT(*) FROM list_items)")
        return int((await cur.fetchone())[0])
