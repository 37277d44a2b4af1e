"""The MongoDB indexes: every filter and sort of the read API is backed by one."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

from stores.mongo import changes
from stores.mongo.database import Database

INDEXES: dict[str, list[IndexModel]] = {
    "movies": [
        IndexModel([("popularity", DESCENDING), ("_id", ASCENDING)], name="popularity"),
        IndexModel([("rating.average", DESCENDING), ("_id", ASCENDING)], name="rating"),
        IndexModel([("rating.votes", DESCENDING), ("_id", ASCENDING)], name="votes"),
        IndexModel([("year", DESCENDING), ("_id", ASCENDING)], name="year"),
        IndexModel([("title_sort", ASCENDING), ("_id", ASCENDING)], name="title"),
        IndexModel([("runtime", DESCENDING), ("_id", ASCENDING)], name="runtime"),
        IndexModel([("user_rating.average", DESCENDING), ("_id", ASCENDING)], name="user_rating"),
        IndexModel([("user_rating.count", DESCENDING), ("_id", ASCENDING)], name="reviews"),
        IndexModel([("gross.worldwide", DESCENDING), ("_id", ASCENDING)], name="gross"),
        IndexModel([("rotten_tomatoes", DESCENDING), ("_id", ASCENDING)], name="rotten_tomatoes"),
        IndexModel([("genre_ids", ASCENDING), ("popularity", DESCENDING)], name="genre_popularity"),
        IndexModel([("person_ids", ASCENDING), ("year", DESCENDING)], name="person_year"),
        IndexModel([("mpaa", ASCENDING), ("popularity", DESCENDING)], name="mpaa_popularity"),
        IndexModel([("tokens", ASCENDING)], name="tokens"),
        IndexModel([("tmdb_id", ASCENDING)], name="tmdb_id", sparse=True),
    ],
    "people": [
        IndexModel([("popularity", DESCENDING), ("_id", ASCENDING)], name="popularity"),
        IndexModel([("tokens", ASCENDING)], name="tokens"),
        IndexModel([("name_sort", ASCENDING)], name="name"),
    ],
    "genres": [
        IndexModel([("name_key", ASCENDING)], name="name_key", unique=True),
    ],
    "settings": [],
    "changes": changes.INDEXES,
}


async def ensure_indexes(db: Database) -> None:
    """Create the collections' indexes (create_indexes is a no-op for existing ones)."""
    existing: set[str] = set(await db.list_collection_names())
    for name, models in INDEXES.items():
        if name not in existing:
            await db.create_collection(name)
        if models:
            await db[name].create_indexes(models)

