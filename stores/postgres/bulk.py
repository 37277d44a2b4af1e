"""Bulk writes for seeding: COPY into a staging table, then one idempotent INSERT ... SELECT."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stores.postgres import Pool

COLUMNS = ("id", "username", "email", "password_hash", "is_admin", "date_joined")


async def upsert_users(pool: Pool, rows: Sequence[dict[str, Any]]) -> int:
    """Insert seed users that are not there yet (by id, username or email); returns how many were new."""
    if not rows:
        return 0
    records = [tuple(row[name] for name in COLUMNS) for row in rows]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "CREATE TEMP TABLE seed_users (LIKE users INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        await conn.copy_records_to_table("seed_users", records=records, columns=COLUMNS)
        status = await conn.execute(
            """
            INSERT INTO users (id, username, email, password_hash, is_admin, date_joined)
            SELECT s.id, s.username, s.email, s.password_hash, s.is_admin, s.date_joined
            FROM seed_users s
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.id)
              AND NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.username) = lower(s.username))
              AND NOT EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(s.email))
            ON CONFLICT DO NOTHING
            """
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('users', 'id'),"
            " GREATEST((SELECT COALESCE(max(id), 0) FROM users), 1))"
        )
    return int(status.split()[-1])


async def user_ids(pool: Pool, usernames: Sequence[str]) -> dict[str, int]:
    """The ids of the given usernames (case-insensitive), keyed by the name as given."""
    wanted = {name.lower(): name for name in usernames}
    rows = await pool.fetch(
        "SELECT id, lower(username) AS name FROM users WHERE lower(username) = ANY($1::text[])",
        list(wanted),
    )
    return {wanted[row["name"]]: int(row["id"]) for row in rows}
