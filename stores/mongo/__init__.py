"""MongoDB: movie, genre and people metadata and app settings, over PyMongo's async API."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from config import Settings
from stores.mongo import changes
from stores.mongo.database import Database
from stores.mongo.indexes import ensure_indexes

__all__ = ["Database", "close", "connect", "ensure_schema", "ping"]


async def connect(settings: Settings) -> Database:
    """Open a client and return the configured database (default name `movieverse`).

    Every write waits for MONGO_WRITE_CONCERN; as a keyword it wins over a `w=` in MONGO_URL. Reads keep
    the driver's defaults.
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_url.reveal(),
        w=settings.mongo_write_concern,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        maxPoolSize=50,
        appname="movieverse",
    )
    return client.get_default_database("movieverse")


async def close(db: Database) -> None:
    """Close the client behind the database."""
    await db.client.close()


async def ensure_schema(db: Database) -> None:
    """Create every collection index that is missing, and bring the changes feed's counter up to the feed; safe to
    run again."""
    await ensure_indexes(db)
    await changes.resume_counter(db)


async def ping(db: Database) -> None:
    """Ask the server for a round trip."""
    await db.command("ping")
