"""Bulk writes for seeding: COPY of the rows that are not there yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from stores.postgres import Pool

COLUMNS = ("id", "username", "email", "password_hash", "is_admin", "date_joined")


async def upsert_users(pool: Pool, rows: Sequence[dict[str, Any]]) -> int:
    """Insert seed users that are not there yet (by id, username or email); returns how many were new.

    The rows whose id, username or email is already taken are dropped first (one indexed lookup),
    and the rest are COPYed straight into the table. Should a concurrent writer take one of
    their names in between, the COPY fails as a whole and the rows go through an
    `INSERT ... ON CONFLICT DO NOTHING` instead.
    """
    if not rows:
        return 0
    async with pool.acquire() as conn:
        taken = await conn.fetch(
            "SELECT id, lower(username) AS username, lower(email) AS email FROM users"
            " WHERE id = ANY($1::bigint[]) OR lower(username) = ANY($2::text[]) OR lower(email) = ANY($3::text[])",
            [row["id"] for row in rows], [row["username"].lower() for row in rows],
            [row["email"].lower() for row in rows],
        )
        ids = {record["id"] for record in taken}
        names = {record["username"] for record in taken} | {record["email"] for record in taken}
        fresh = [row for row in rows
                 if row["id"] not in ids and row["username"].lower() not in names and row["email"].lower() not in names]
        if not fresh:
            return 0
        records = [tuple(row[name] for name in COLUMNS) for row in fresh]
        try:
            async with conn.transaction():
                await conn.copy_records_to_table("users", records=records, columns=COLUMNS)
                await _follow_ids(conn)
            return len(records)
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
                *[[row[name] for row in fresh] for name in COLUMNS],
            )
            await _follow_ids(conn)
        return int(status.split()[-1])


async def _follow_ids(conn: asyncpg.Connection) -> None:
    """Move the id sequence past the highest id, so later sign-ups do not collide with seeded ids."""
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST((SELECT COALESCE(max(id), 0) FROM users), 1))"
    )


async def user_ids(pool: Pool, usernames: Sequence[str]) -> dict[str, int]:
    """The ids of the given usernames (case-insensitive), keyed by the name as given."""
    wanted = {name.lower(): name for name in usernames}
    rows = await pool.fetch(
        "SELECT id, lower(username) AS name FROM users WHERE lower(username) = ANY($1::text[])",
        list(wanted),
    )
    return {wanted[row["name"]]: int(row["id"]) for row in rows}
