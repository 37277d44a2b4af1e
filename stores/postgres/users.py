"""User accounts: create, find, list, change, delete (with the follow-up work in the same transaction)."""

from __future__ import annotations

from typing import Any

import asyncpg

from errors import Conflict
from stores.outbox import Message
from stores.postgres import Pool, outbox

PUBLIC = "id, username, date_joined"
FULL = ("id, username, email, password_hash, is_admin, date_joined, password_changed_at, token_stamp,"
        " library_public")
NEW_STAMP = "replace(gen_random_uuid()::text, '-', '')"


def _conflict(exc: asyncpg.UniqueViolationError) -> Conflict:
    field = "email" if "email" in (exc.constraint_name or "") else "username"
    return Conflict(f"That {field} is already taken.", errors={field: ["Already taken."]})


async def count(pool: Pool) -> int:
    """How many accounts there are."""
    return int(await pool.fetchval("SELECT count(*) FROM users"))


async def create_user(pool: Pool, username: str, email: str, password_hash: str,
                      followups: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], list[Message]]:
    """Insert an account and its follow-up messages (each given the new user_id) in one transaction;
    409 on a duplicate."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                f"INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING {FULL}",
                username, email, password_hash,
            )
        except asyncpg.UniqueViolationError as exc:
            raise _conflict(exc) from exc
        user = dict(row)
        messages = await _queue(conn, followups, {"user_id": user["id"]})
    return user, messages


async def _queue(conn: asyncpg.Connection, followups: list[tuple[str, dict[str, Any]]],
                 extra: dict[str, Any]) -> list[Message]:
    return [await outbox.add(conn, actor, {**kwargs, **extra}) for actor, kwargs in followups]


async def get_user(pool: Pool, user_id: int) -> dict[str, Any] | None:
    """An account by id (every column), or None."""
    row = await pool.fetchrow(f"SELECT {FULL} FROM users WHERE id = $1", user_id)
    return None if row is None else dict(row)


async def find_login(pool: Pool, login: str) -> dict[str, Any] | None:
    """An account by username or email, ignoring case, or None."""
    row = await pool.fetchrow(
        f"SELECT {FULL} FROM users WHERE lower(username) = lower($1) OR lower(email) = lower($1) LIMIT 1", login
    )
    return None if row is None else dict(row)


async def find_email(pool: Pool, email: str) -> dict[str, Any] | None:
    """An account by email, ignoring case, or None."""
    row = await pool.fetchrow(f"SELECT {FULL} FROM users WHERE lower(email) = lower($1)", email)
    return None if row is None else dict(row)


async def list_users(pool: Pool, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page of public fields) by id."""
    rows = await pool.fetch(f"SELECT {PUBLIC} FROM users ORDER BY id LIMIT $1 OFFSET $2", limit, skip)
    return await count(pool), [dict(r) for r in rows]


async def update_user(pool: Pool, user_id: int, *, email: str | None = None,
                      password_hash: str | None = None, rehash_only: bool = False,
                      library_public: bool | None = None) -> dict[str, Any]:
    """Change the email, the password and/or whether the library is public.

    A new password (unless rehash_only) gives the account a new token stamp, revoking every
    access token issued before, and deletes its unused reset tokens.
    """
    sets: list[str] = []
    args: list[int | str | bool] = [user_id]
    if library_public is not None:
        args.append(library_public)
        sets.append(f"library_public = ${len(args)}")
    if email is not None:
        args.append(email)
        sets.append(f"email = ${len(args)}")
    if password_hash is not None:
        args.append(password_hash)
        sets.append(f"password_hash = ${len(args)}")
        if not rehash_only:
            sets.append(f"password_changed_at = clock_timestamp(), token_stamp = {NEW_STAMP}")
    try:
        async with pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(f"UPDATE users SET {', '.join(sets)} WHERE id = $1 RETURNING {FULL}", *args)
            if password_hash is not None and not rehash_only:
                await conn.execute("DELETE FROM password_resets WHERE user_id = $1", user_id)
    except asyncpg.UniqueViolationError as exc:
        raise _conflict(exc) from exc
    return dict(row)


async def delete_user(pool: Pool, user_id: int, followups: list[tuple[str, dict[str, Any]]]) -> list[Message]:
    """Delete an account and queue its follow-up messages (each given the user_id) in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM users WHERE id = $1", user_id)
        return await _queue(conn, followups, {"user_id": user_id})

