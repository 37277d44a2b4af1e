"""Genres: a small fixed collection with stable ids and a count of their movies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import UpdateOne

from stores.mongo import changes
from stores.mongo.database import Database
from textfold import fold


async def upsert_genres(db: Database, genres: Sequence[tuple[int, str]]) -> int:
    """Insert or rename genres by id, keeping their movie counts; returns how many there are."""
    held = {doc["_id"]: doc.get("name") async for doc in db.genres.find({"_id": {"$in": [g for g, _ in genres]}},
                                                                        {"name": 1})}
    await changes.log(db, "genre", [gid for gid, _ in genres if gid not in held], changes.CREATED)
    await changes.log(db, "genre", [gid for gid, name in genres if gid in held and held[gid] != name], changes.CHANGED)
    ops = [
        UpdateOne({"_id": gid}, {"$set": {"name": name, "name_key": fold(name)},
                                 "$setOnInsert": {"movie_count": 0}}, upsert=True)
        for gid, name in genres
    ]
    if ops:
        await db.genres.bulk_write(ops, ordered=False)
    return len(ops)


async def refresh_counts(db: Database) -> None:
    """Recount every genre's movies (one indexed count per genre)."""
    async for genre in db.genres.find({}, {"_id": 1}):
        count = await db.movies.count_documents({"genre_ids": genre["_id"]})
        await db.genres.update_one({"_id": genre["_id"]}, {"$set": {"movie_count": count}})


async def list_genres(db: Database) -> list[dict[str, Any]]:
    """Every genre, by id."""
    return [doc async for doc in db.genres.find({}, {"name_key": 0}).sort("_id", 1)]


async def get_genre(db: Database, genre_id: int) -> dict[str, Any] | None:
    """One genre, or None."""
    return await db.genres.find_one({"_id": genre_id}, {"name_key": 0})


async def by_name(db: Database, name: str) -> dict[str, Any] | None:
    """The genre with that name, ignoring case and accents, or None."""
    return await db.genres.find_one({"name_key": fold(name)}, {"name_key": 0})


async def existing_ids(db: Database, genre_ids: Sequence[int]) -> set[int]:
    """Which of the given ids are genres."""
    return {doc["_id"] async for doc in db.genres.find({"_id": {"$in": list(genre_ids)}}, {"_id": 1})}
