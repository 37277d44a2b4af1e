"""Bulk writes for seeding: COPY when the rows are new, an idempotent INSERT when some are not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from stores.postgres import Pool

COLUMNS = ("id", "username", "email", "password_hash", "is_admin", "date_joined")


async def upsert_users(pool: Pool, rows: Sequence[dict[str, Any]]) -> int:
    """Insert seed users that are not there yet (by id, username or email); returns how many were new.

    Optimistic: the rows are COPYed straight into the table, which is all a first seed needs.
    If any id, username or email is taken (a re-run, or someone signed up with a demo name),
    the COPY fails as a whole and the rows go through `INSERT ... ON CONFLICT DO NOTHING`,
    which skips exactly the taken ones.
    """
    if not rows:
        return 0
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "users", records=[tuple(row[name] for name in COLUMNS) for row in rows], columns=COLUMNS
                )
                await _follow_ids(conn)
            return len(rows)
        except asyncpg.UniqueViolationError:
            pass
        async with conn.transaction():
            status = await conn.execute(
                """
                INSERT INTO users (id, username, email, password_hash, is_admin, date_joined)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[],
                                     $6::timestamptz[])
                ON CONFLICT DO NOTHING
                """,
                *[[row[name] for row in rows] for name in COLUMNS],
            )
            await _follow_ids(conn)
        return int(status.split()[-1])


async def _follow_ids(conn: asyncpg.Connection) -> None:
    """Move the id sequence past the highest id, so later sign-ups do not collide with seeded ids.

    Never backwards: an id handed out once (a deleted account's) keeps its tombstone, and would
    refuse every write of a new account that got it again.
    """
    await conn.execute(
        "SELECT setval(seq, GREATEST((SELECT COALESCE(max(id), 0) FROM users),"
        " COALESCE(pg_sequence_last_value(seq), 0), 1))"
        " FROM (SELECT pg_get_serial_sequence('users', 'id')::regclass AS seq) AS users_seq"
    )


async def user_ids(pool: Pool, usernames: Sequence[str]) -> dict[str, int]:
    """The ids of the given usernames (case-insensitive), keyed by the name as given."""
    wanted = {name.lower(): name for name in usernames}
    rows = await pool.fetch(
        "SELECT id, lower(username) AS name FROM users WHERE lower(username) = ANY($1::text[])",
        list(wanted),
    )
    return {wanted[row["name"]]: int(row["id"]) for row in rows}
