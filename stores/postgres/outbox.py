"""The PostgreSQL outbox: follow-up messages committed with the write that caused them."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from stores.outbox import Message
from stores.postgres import Pool

STORE = "postgres"


async def add(conn: asyncpg.Connection | Pool, actor: str, kwargs: dict[str, Any]) -> Message:
    """Record one message: inside the caller's transaction on a connection, or on its own on the pool."""
    outbox_id = await conn.fetchval("INSERT INTO outbox (actor, args) VALUES ($1, $2::jsonb) RETURNING id",
                                    actor, orjson.dumps(kwargs).decode())
    return Message(STORE, int(outbox_id), actor, kwargs)


async def pending(pool: Pool, older_than_seconds: float, limit: int = 500) -> list[Message]:
    """Messages not yet sent, oldest first."""
    rows = await pool.fetch(
        "SELECT id, actor, args FROM outbox WHERE created_at < now() - make_interval(secs => $1)"
        " ORDER BY id LIMIT $2", older_than_seconds, limit,
    )
    return [Message(STORE, int(r["id"]), r["actor"], orjson.loads(r["args"])) for r in rows]


async def remove(pool: Pool, ids: list[int]) -> None:
    """Forget messages that were sent."""
    if ids:
        await pool.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)
