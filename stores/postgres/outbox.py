"""The PostgreSQL outbox: follow-up messages committed with the write that caused them."""

from __future__ import annotations

from typing import Any

import orjson

from stores.postgres import Pool


async def pending(pool: Pool, older_than_seconds: float, limit: int = 500) -> list[tuple[int, str, dict[str, Any]]]:
    """Messages not yet sent, oldest first."""
    rows = await pool.fetch(
        "SELECT id, actor, args FROM outbox WHERE created_at < now() - make_interval(secs => $1)"
        " ORDER BY id LIMIT $2", older_than_seconds, limit,
    )
    return [(int(r["id"]), r["actor"], orjson.loads(r["args"])) for r in rows]


async def remove(pool: Pool, ids: list[int]) -> None:
    """Forget messages that were sent."""
    if ids:
        await pool.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", ids)


async def add(pool: Pool, actor: str, args: dict[str, Any]) -> int:
    """Record one message on its own (a request whose only effect is its follow-up); returns its id."""
    return int(await pool.fetchval("INSERT INTO outbox (actor, args) VALUES ($1, $2::jsonb) RETURNING id",
                                   actor, orjson.dumps(args).decode()))
