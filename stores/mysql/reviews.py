"""Reviews."""

from __future__ import annotations

from stores.mysql import Pool


async def count(pool: Pool) -> int:
    """How many reviews there are."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM reviews")
        row = await cur.fetchone()
    return int(row[0])
