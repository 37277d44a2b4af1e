"""The TMDB sync's queries: films and people linked by `tmdb_id`, fresh ids (`allocate`), and the credits kept both
ways; every write logged in the changes feed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import UpdateOne

from stores.mongo import changes
from stores.mongo.bulk import DIGEST, digest
from stores.mongo.database import Database
from textfold import sort_key


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
    await changes.log(db, "person", [doc["_id"] for doc in docs], changes.CREATED)
    await db.people.insert_many(docs, ordered=False)


SYNC_STAMPS = frozenset({"synced_at"})  # when it was synced says nothing about the film


def _content(doc: dict[str, Any]) -> str:
    return digest({key: value for key, value in doc.items() if key not in SYNC_STAMPS})


async def put_film(db: Database, doc: dict[str, Any], before: dict[str, Any] | None) -> None:
    """Write a (prepared) film over the one with its id (`before`, as read), or add it; the changes feed hears
    of it unless it held just that already."""
    if before is None or _content(before) != _content(doc):
        await changes.log(db, "movie", [doc["_id"]], changes.CHANGED if before else changes.CREATED)
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
    touched = old | set(after["person_ids"])
    if ops:  # a film that did not change changes none of its people's credits
        await changes.log(db, "person", touched if before is None or _content(before) != _content(after)
                          else old ^ set(after["person_ids"]), changes.CHANGED)
        await db.people.bulk_write(ops, ordered=True)
    return touched
