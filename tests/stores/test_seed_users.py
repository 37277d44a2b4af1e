"""Seeded users: COPYed when new, skipped when their id, username or email is taken, never duplicated,
and no id handed out before is handed out again."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from stores import Stores
from stores.postgres import bulk


def user(user_id: int, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "email": f"{name}@example.com", "password_hash": "x",
            "is_admin": False, "date_joined": datetime(2025, 1, 1, tzinfo=UTC)}


@pytest.fixture
async def ids(stores: Stores) -> AsyncIterator[list[int]]:
    """A block of user ids far above the ones the tests use, removed afterwards."""
    pool = await stores.postgres()
    base = 50_000_000 + uuid.uuid4().int % 1_000_000 * 10
    block = list(range(base, base + 10))
    yield block
    await pool.execute("DELETE FROM users WHERE id = ANY($1::bigint[])", block)


async def test_new_users_are_written_once(stores: Stores, ids: list[int]) -> None:
    pool = await stores.postgres()
    tag = uuid.uuid4().hex[:8]
    rows = [user(i, f"seed_{tag}_{n}") for n, i in enumerate(ids[:3])]
    assert await bulk.upsert_users(pool, rows) == 3
    assert await bulk.upsert_users(pool, rows) == 0
    stored = await pool.fetch("SELECT id, username FROM users WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    assert [(r["id"], r["username"]) for r in stored] == [(r["id"], r["username"]) for r in rows]
    next_id = await pool.fetchval("SELECT nextval(pg_get_serial_sequence('users', 'id'))")
    assert next_id > ids[2]


async def test_a_taken_username_or_email_skips_only_that_row(stores: Stores, ids: list[int]) -> None:
    pool = await stores.postgres()
    tag = uuid.uuid4().hex[:8]
    assert await bulk.upsert_users(pool, [user(ids[0], f"Taken_{tag}")]) == 1
    clash_name = user(ids[1], f"taken_{tag}")
    clash_email = dict(user(ids[2], f"other_{tag}"), email=f"TAKEN_{tag}@example.com")
    fine = user(ids[3], f"fine_{tag}")
    assert await bulk.upsert_users(pool, [clash_name, clash_email, fine]) == 1
    stored = await pool.fetch("SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    assert [r["id"] for r in stored] == [ids[0], ids[3]]


async def test_a_clash_inside_the_batch_falls_back_to_skipping_rows(stores: Stores, ids: list[int]) -> None:
    pool = await stores.postgres()
    tag = uuid.uuid4().hex[:8]
    rows = [user(ids[0], f"twin_{tag}"), user(ids[1], f"TWIN_{tag}"), user(ids[2], f"single_{tag}")]
    assert await bulk.upsert_users(pool, rows) == 2
    stored = await pool.fetch("SELECT id FROM users WHERE id = ANY($1::bigint[]) ORDER BY id", ids)
    assert [r["id"] for r in stored] == [ids[0], ids[2]]


async def test_a_seed_after_a_deletion_never_hands_out_the_deleted_accounts_id_again(stores: Stores,
                                                                                     ids: list[int]) -> None:
    pool = await stores.postgres()
    tag = uuid.uuid4().hex[:8]
    assert await bulk.upsert_users(pool, [user(ids[5], f"gone_{tag}")]) == 1
    await pool.execute("DELETE FROM users WHERE id = $1", ids[5])
    assert await bulk.upsert_users(pool, [user(ids[0], f"kept_{tag}")]) == 1
    next_id = await pool.fetchval("SELECT nextval(pg_get_serial_sequence('users', 'id'))")
    assert next_id > ids[5]
