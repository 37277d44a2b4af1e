"""MySQL (MariaDB): reviews, rating statistics and members' libraries (shelves, diary, lists), over aiomysql."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

import aiomysql
import pymysql
from aiomysql import Pool

from config import Settings


@asynccontextmanager
async def transaction(pool: Pool) -> AsyncIterator[aiomysql.Cursor]:
    """A cursor inside one transaction: committed when the block ends, rolled back if it raises."""
    async with pool.acquire() as conn:
        await conn.begin()
        try:
            async with conn.cursor() as cur:
                yield cur
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise

SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS reviews (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        movie_id BIGINT UNSIGNED NOT NULL,
        user_id BIGINT UNSIGNED NOT NULL,
        username VARCHAR(30) NOT NULL,
        rating TINYINT UNSIGNED NOT NULL,
        title VARCHAR(200) NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        UNIQUE KEY reviews_user_movie (user_id, movie_id),
        KEY reviews_movie_created (movie_id, created_at),
        KEY reviews_movie_rating (movie_id, rating),
        KEY reviews_created (created_at),
        KEY reviews_rating (rating, created_at),
        CONSTRAINT reviews_rating_range CHECK (rating BETWEEN 1 AND 10)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    # The diary entry a review is of (the author's own, of the same film); cleared when that entry is deleted.
    # Added to databases made before reviews could point at one.
    "ALTER TABLE reviews ADD COLUMN IF NOT EXISTS diary_entry_id BIGINT UNSIGNED NULL",
    "ALTER TABLE reviews ADD INDEX IF NOT EXISTS reviews_diary_entry (diary_entry_id)",
    """
    CREATE TABLE IF NOT EXISTS rating_stats (
        movie_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        review_count INT UNSIGNED NOT NULL,
        rating_sum INT UNSIGNED NOT NULL,
        histogram JSON NOT NULL,
        updated_at DATETIME(6) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS account_guards (
        user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        deleted TINYINT(1) NOT NULL DEFAULT 0,
        deleted_at DATETIME(6) NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS shelf_items (
        user_id BIGINT UNSIGNED NOT NULL,
        shelf VARCHAR(16) NOT NULL,
        movie_id BIGINT UNSIGNED NOT NULL,
        added_at DATETIME(6) NOT NULL,
        PRIMARY KEY (user_id, shelf, movie_id),
        KEY shelf_items_added (user_id, shelf, added_at),
        KEY shelf_items_movie (movie_id, shelf)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS diary_entries (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        user_id BIGINT UNSIGNED NOT NULL,
        movie_id BIGINT UNSIGNED NOT NULL,
        watched_on DATE NOT NULL,
        rating TINYINT UNSIGNED NULL,
        rewatch TINYINT(1) NOT NULL DEFAULT 0,
        note TEXT NOT NULL,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY diary_user_watched (user_id, watched_on, id),
        KEY diary_user_movie (user_id, movie_id, watched_on),
        CONSTRAINT diary_rating_range CHECK (rating IS NULL OR rating BETWEEN 1 AND 10)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS lists (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        user_id BIGINT UNSIGNED NOT NULL,
        name VARCHAR(100) NOT NULL,
        description TEXT NOT NULL,
        public TINYINT(1) NOT NULL DEFAULT 1,
        ranked TINYINT(1) NOT NULL DEFAULT 0,
        item_count INT UNSIGNED NOT NULL DEFAULT 0,
        created_at DATETIME(6) NOT NULL,
        updated_at DATETIME(6) NOT NULL,
        KEY lists_user_created (user_id, created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS list_items (
        list_id BIGINT UNSIGNED NOT NULL,
        position INT UNSIGNED NOT NULL,
        movie_id BIGINT UNSIGNED NOT NULL,
        note VARCHAR(500) NOT NULL DEFAULT '',
        PRIMARY KEY (list_id, position),
        UNIQUE KEY list_items_movie (list_id, movie_id),
        KEY list_items_by_movie (movie_id, list_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
    """
    CREATE TABLE IF NOT EXISTS outbox (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        actor VARCHAR(100) NOT NULL,
        args JSON NOT NULL,
        created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    """,
]


def _params(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "db": parts.path.lstrip("/") or "movieverse",
    }


def database_name(settings: Settings) -> str:
    """The name of the configured database."""
    return str(_params(settings.mysql_url.reveal())["db"])


async def connect(settings: Settings, *, minsize: int = 1, maxsize: int = 10) -> Pool:
    """Open a connection pool to the configured database."""
    return await aiomysql.create_pool(
        **_params(settings.mysql_url.reveal()),
        minsize=minsize,
        maxsize=maxsize,
        charset="utf8mb4",
        autocommit=True,
        pool_recycle=300,
        connect_timeout=10,
    )


async def close(pool: Pool) -> None:
    """Close the pool, waiting for connections in use."""
    pool.close()
    await pool.wait_closed()


async def ensure_schema(pool: Pool) -> None:
    """Create every table and index that is missing; safe to run again."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pymysql.Warning)
            for statement in SCHEMA:
                await cur.execute(statement)


async def ping(pool: Pool) -> None:
    """Run the cheapest query there is."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT 1")
        await cur.fetchone()
