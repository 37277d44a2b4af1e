"""User accounts."""

from __future__ import annotations

from stores.postgres import Pool


async def count(pool: Pool) -> int:
    """How many accounts there are."""
    return int(await pool.fetchval("SELECT count(*) FROM users"))
