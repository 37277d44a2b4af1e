"""The TMDB sync's queries: films and people linked by `tmdb_id`, fresh ids, and the credits kept both ways."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ReturnDocument, UpdateOne

from stores.mongo.bulk import DIGEST
from stores.mongo.database import Database
from textfold import sort_key


async def allocate(db: Database, name: str, count: int, base: int) -> int:
    """The first of `count` fresh ids of the counter `name`, which starts past `base`."""
    await db.counters.update_one({"_id": name}, {"$max": {"seq": base}}, upsert=True)
    counter = await db.counters.find_one_and_update({"_id": name}, {"$inc": {"seq": count}},
                                                    return_document=ReturnDocument.AFTER)
    assert counter is not None, "upserted just before"
    return int(counter["seq"]) - count + 1


async def linked_film(db: Database, tmdb_id: int) -> dict[str, Any] | None:
    """Our film linked to a TMDB film, or None."""
    return await db.movies.find_one({"tmdb_id": tmdb_id})


async def unlinked_film(db: Database, titles: Iterable[str], year: int) -> dict[str, Any] | None:
    """A film linked to no TMDB film, with one of the titles and a year at most one off, or None."""
    for title in titles:
        async for doc in db.movies.find({"title_sort": sort_key(title)}):
            if doc.get("tmdb_id") is None and doc.get("year") is not None and abs(doc["year"] - year) <= 1:
                return doc
    return None


async def linked_people(db: Database, tmdb_ids: list[int]) -> dict[int, int]:
    """Our person id of each of these TMDB people we know."""
    return {doc["tmdb_id"]: doc["_id"] async for doc in db.people.find({"tmdb_id": {"$in": tmdb_ids}},
                                                                        {"tmdb_id": 1})}


async def add_people(db: Database, docs: list[dict[str, Any]]) -> None:
    """Insert new (prepared) people."""
    await db.people.insert_many(docs, ordered=False)


async def put_film(db: Database, doc: dict[str, Any]) -> None:
    """Write a (prepared) film over the one with its id, or add it."""
    await db.movies.replace_one({"_id": doc["_id"]}, doc, upsert=True)


async def relink(db: Database, before: dict[str, Any] | None, after: dict[str, Any]) -> set[int]:
    """Make each person's credits agree with the film's new cast and crew; the people touched."""
    movie_id = after["_id"]
    old = set((before or {}).get("person_ids") or [])
    ops = [UpdateOne({"_id": pid}, {"$pull": {"credits.cast": {"movie_id": movie_id},
                                              "credits.crew": {"movie_id": movie_id}},
                                    "$unset": {DIGEST: ""}})
           for pid in old | set(after["person_ids"])]
    base = {"movie_id": movie_id, "title": after["title"], "year": after.get("year")}
    for credit in after["cast"]:
        ops.append(UpdateOne({"_id": credit["person_id"]},
                             {"$push": {"credits.cast": dict(base, character=credit["character"])}}))
    for credit in after["crew"]:
        ops.append(UpdateOne({"_id": credit["person_id"]}, {"$push": {"credits.crew": dict(
            base, job=credit["job"], department=credit["department"])}}))
    if ops:
        await db.people.bulk_write(ops, ordered=True)
    return old | set(after["person_ids"])
