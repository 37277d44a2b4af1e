"""The MySQL outbox: follow-up messages committed with the review write that caused them."""

from __future__ import annotations

from typing import Any

import aiomysql
import orjson

from stores.mysql import Pool
from stores.outbox import Message

STORE = "mysql"


async def add(cur: aiomysql.Cursor, actor: str, kwargs: dict[str, Any]) -> Message:
    """Record one message inside the caller's transaction."""
    await cur.execute("INSERT INTO outbox (actor, args) VALUES (%s, %s)", (actor, orjson.dumps(kwargs).decode()))
    return Message(STORE, int(cur.lastrowid), actor, kwargs)


async def pending(pool: Pool, older_than_seconds: float, limit: int = 500) -> list[Message]:
    """Messages not yet sent, oldest first."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT id, actor, args FROM outbox WHERE created_at < UTC_TIMESTAMP(6) - INTERVAL %s SECOND"
            " ORDER BY id LIMIT %s", (older_than_seconds, limit),
        )
        rows = await cur.fetchall()
    return [Message(STORE, int(i), actor, orjson.loads(args)) for i, actor, args in rows]


async def remove(pool: Pool, ids: list[int]) -> None:
    """Forget messages that were sent."""
    if ids:
        marks = ", ".join(["%s"] * len(ids))
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(f"DELETE FROM outbox WHERE id IN ({marks})", tuple(ids))
