"""A member's whole library at once: what the account purge removes."""

from __future__ import annotations

from stores.mysql import Pool, transaction

TABLES = ("shelf_items", "diary_entries")


async def delete_user_library(pool: Pool, user_id: int) -> int:
    """Delete a member's shelves, diary and lists (with their items) in one transaction; how many rows went."""
    removed = 0
    async with transaction(pool) as cur:
        for table in TABLES:
            await cur.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
            removed += cur.rowcount
        await cur.execute("DELETE list_items FROM list_items JOIN lists ON lists.id = list_items.list_id"
                          " WHERE lists.user_id = %s", (user_id,))
        removed += cur.rowcount
        await cur.execute("DELETE FROM lists WHERE user_id = %s", (user_id,))
        removed += cur.rowcount
    return removed


async def holdings(pool: Pool, user_id: int) -> int:
    """How many rows of the member's library there are (shelves, diary, lists)."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT (SELECT COUNT(*) FROM shelf_items WHERE user_id = %s)"
                          " + (SELECT COUNT(*) FROM diary_entries WHERE user_id = %s)"
                          " + (SELECT COUNT(*) FROM lists WHERE user_id = %s)", (user_id, user_id, user_id))
        return int((await cur.fetchone())[0])
