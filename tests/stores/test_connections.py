"""Every store connects to its real server, applies its schema twice, and round-trips data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from config import Settings
from stores import Stores, firebase, mongo, mysql, postgres
from stores.migrate import migrate


async def test_migrating_twice_is_safe(settings: Settings) -> None:
    await migrate(settings)
    await migrate(settings)


async def test_postgres_round_trips_a_user_row(stores: Stores) -> None:
    pool = await stores.postgres()
    name = "rt_" + uuid.uuid4().hex[:12]
    async with pool.acquire() as conn, conn.transaction():
        user_id = await conn.fetchval(
            "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'x') RETURNING id",
            name, f"{name}@example.com",
        )
        row = await conn.fetchrow("SELECT username, date_joined FROM users WHERE id = $1", user_id)
        await conn.execute("DELETE FROM users WHERE id = $1", user_id)
    assert row["username"] == name
    assert row["date_joined"].tzinfo is not None


async def test_postgres_usernames_are_unique_case_insensitively(stores: Stores) -> None:
    import asyncpg
    import pytest

    pool = await stores.postgres()
    name = "Dup_" + uuid.uuid4().hex[:8]
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(
                "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'x')",
                name, f"{name}@a.example",
            )
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute(
                    "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, 'x')",
                    name.lower(), f"{name}@b.example",
                )
        finally:
            await tx.rollback()


async def test_mysql_round_trips_a_review_row_with_unicode(stores: Stores) -> None:
    pool = await stores.mysql()
    now = datetime.now(UTC).replace(tzinfo=None)
    user_id = 10_000_000 + uuid.uuid4().int % 1_000_000
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "INSERT INTO reviews (movie_id, user_id, username, rating, title, body, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (1, user_id, "tester", 9, "Zürich ✓", "Ünïcödé 🎬 body", now, now),
        )
        review_id = cur.lastrowid
        await cur.execute("SELECT title, body, rating FROM reviews WHERE id = %s", (review_id,))
        row = await cur.fetchone()
        await cur.execute("DELETE FROM reviews WHERE id = %s", (review_id,))
    assert row == ("Zürich ✓", "Ünïcödé 🎬 body", 9)


async def test_mongo_round_trips_a_document_and_has_the_read_indexes(stores: Stores) -> None:
    db = await stores.mongo()
    marker = uuid.uuid4().hex
    await db.settings.replace_one({"_id": marker}, {"_id": marker, "value": "Ωmega"}, upsert=True)
    found = await db.settings.find_one({"_id": marker})
    await db.settings.delete_one({"_id": marker})
    assert found == {"_id": marker, "value": "Ωmega"}
    names = {index["name"] async for index in await db.movies.list_indexes()}
    assert {"popularity", "rating", "votes", "year", "title", "genre_popularity", "tokens"} <= names


async def test_firebase_sets_updates_reads_and_deletes(stores: Stores) -> None:
    fb = await stores.firebase()
    path = f"/_tests/{uuid.uuid4().hex}"
    await fb.set(path, {"bio": "São Paulo ✓", "favorite_genres": [1, 4]})
    await fb.update(path, {"location": "Zürich"})
    value = await fb.get(path)
    await fb.delete(path)
    assert value == {"bio": "São Paulo ✓", "favorite_genres": [1, 4], "location": "Zürich"}
    assert await fb.get(path) is None


async def test_each_store_module_connects_and_closes_on_its_own(settings: Settings) -> None:
    pool = await postgres.connect(settings, max_size=1)
    await postgres.ping(pool)
    await postgres.close(pool)
    my = await mysql.connect(settings, maxsize=1)
    await mysql.ping(my)
    await mysql.close(my)
    db = await mongo.connect(settings)
    await mongo.ping(db)
    await mongo.close(db)
    fb = await firebase.connect(settings)
    await firebase.ping(fb)
    await firebase.close(fb)


async def test_postgres_schema_check_names_missing_tables(settings: Settings, stores: Stores) -> None:
    import asyncpg
    import pytest

    await postgres.check_schema(await stores.postgres())
    schema = "empty_" + uuid.uuid4().hex[:8]
    pool = await stores.postgres()
    await pool.execute(f"CREATE SCHEMA {schema}")
    try:
        empty = await asyncpg.create_pool(settings.postgres_url.reveal(), min_size=1, max_size=1,
                                          server_settings={"search_path": schema})
        try:
            with pytest.raises(asyncpg.UndefinedTableError):
                await postgres.check_schema(empty)
        finally:
            await empty.close()
    finally:
        await pool.execute(f"DROP SCHEMA {schema}")
