"""Account guards in MySQL: one row per author, taken by every write of theirs and by the purge.

A deleted account's purge first commits a tombstone (`deleted = 1`) on the row, then deletes
what the account wrote. Every write by a user locks the same row inside its own transaction
and refuses to go on past a tombstone. The row lock orders the two: a write that got the lock
first has committed before the tombstone, so the purge that follows deletes it; a write that
comes after sees the tombstone. Nothing written for an account can outlive its purge.
"""

from __future__ import annotations

from typing import Any

from errors import Unauthorized
from stores.mysql import Pool, transaction


async def guard(cur: Any, user_id: int) -> None:
    """Lock the author's guard row inside the caller's transaction; 401 if the account was deleted."""
    await cur.execute("INSERT INTO account_guards (user_id) VALUES (%s) ON DUPLICATE KEY UPDATE user_id = user_id",
                      (user_id,))
    await cur.execute("SELECT deleted FROM account_guards WHERE user_id = %s FOR UPDATE", (user_id,))
    row = await cur.fetchone()
    if row is not None and int(row[0]):
        raise Unauthorized("Your account was deleted.")


async def bury(pool: Pool, user_id: int) -> None:
    """Commit the account's tombstone: from now on no write of theirs gets through."""
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO account_guards (user_id, deleted, deleted_at) VALUES (%s, 1, UTC_TIMESTAMP(6))"
            " ON DUPLICATE KEY UPDATE deleted = 1, deleted_at = COALESCE(deleted_at, UTC_TIMESTAMP(6))",
            (user_id,),
        )


async def buried(pool: Pool, user_id: int) -> bool:
    """Whether the account has a tombstone."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT deleted FROM account_guards WHERE user_id = %s", (user_id,))
        row = await cur.fetchone()
    return row is not None and bool(int(row[0]))
