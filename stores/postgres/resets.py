"""Password-reset tokens: only their hash is stored; each is single-use and expires."""

from __future__ import annotations

import hashlib
from typing import Any

from stores.outbox import SEND_PASSWORD_RESET_EMAIL, Message
from stores.postgres import Pool, outbox
from stores.postgres.users import NEW_STAMP


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_reset(pool: Pool, user_id: int, token: str, ttl_seconds: int,
                       email_args: dict[str, Any]) -> Message:
    """Store a token and queue its email in one transaction; returns the email's message."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO password_resets (token_hash, user_id, expires_at)"
            " VALUES ($1, $2, now() + make_interval(secs => $3))",
            digest(token), user_id, ttl_seconds,
        )
        return await outbox.add(conn, SEND_PASSWORD_RESET_EMAIL, email_args)


async def consume(pool: Pool, token: str, password_hash: str) -> int | None:
    """Burn a valid token and set its user's new password in one transaction; the user id, or None."""
    async with pool.acquire() as conn, conn.transaction():
        user_id = await conn.fetchval(
            "UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL"
            " AND expires_at > now() RETURNING user_id",
            digest(token),
        )
        if user_id is None:
            return None
        await conn.execute(
            "UPDATE users SET password_hash = $2, password_changed_at = clock_timestamp(),"
            f" token_stamp = {NEW_STAMP} WHERE id = $1",
            user_id, password_hash,
        )
        await conn.execute("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL", user_id)
        return int(user_id)
