"""A seed chunk writes to MongoDB only the documents that are missing or differ from what it gives.

So a seed run over an unfinished (or finished) one of the same data writes almost nothing to MongoDB,
while a document another writer changed since (a TMDB sync goes through `prepare`) is written again.
"""

from __future__ import annotations

import uuid
from typing import Any

from stores import Stores
from stores.mongo import bulk, movies, people, tmdb


def film(movie_id: int, title: str) -> dict[str, Any]:
    return movies.prepare({"_id": movie_id, "title": title, "year": 1999, "genres": ["Drama"], "genre_ids": [3],
                           "person_ids": [], "cast": [], "crew": []})


async def test_a_second_put_of_the_same_films_writes_nothing_and_a_changed_one_is_replaced(stores: Stores) -> None:
    db = await stores.mongo()
    base = 91_000_000 + uuid.uuid4().int % 100_000 * 100
    ids = list(range(base, base + 6))
    try:
        assert await bulk.put_documents(db, "movies", [film(i, f"Film {i}") for i in ids]) == 6
        first = {doc["_id"]: doc["updated_at"] async for doc in db.movies.find({"_id": {"$in": ids}})}

        again = [film(i, f"Film {i}") for i in ids]
        again[2] = film(ids[2], "Renamed")
        assert await bulk.put_documents(db, "movies", again) == 1
        now = {doc["_id"]: doc async for doc in db.movies.find({"_id": {"$in": ids}})}
        assert now[ids[2]]["title"] == "Renamed"
        assert {i: now[i]["updated_at"] for i in ids if i != ids[2]} == {i: first[i] for i in ids if i != ids[2]}

        # Another writer (as the TMDB sync does) replaces a film through prepare: its digest is gone.
        changed = movies.prepare(dict(now[ids[4]], title="Synced"))
        await tmdb.put_film(db, changed, now[ids[4]])
        assert bulk.DIGEST not in (await db.movies.find_one({"_id": ids[4]}))
        assert await bulk.put_documents(db, "movies", [film(i, f"Film {i}") for i in ids]) == 2
        assert (await db.movies.find_one({"_id": ids[4]}))["title"] == f"Film {ids[4]}"
        assert bulk.DIGEST not in (await movies.get_movie(db, ids[0]) or {})
    finally:
        await db.movies.delete_many({"_id": {"$in": ids}})


async def test_people_relinked_by_a_sync_are_written_again_by_the_next_seed(stores: Stores) -> None:
    db = await stores.mongo()
    base = 70_000_000 + uuid.uuid4().int % 100_000 * 100  # clear of every seeded person, real ones included
    ids = list(range(base, base + 3))
    docs = [{"_id": i, "name": f"Person {i}", "popularity": 1.0,
             "credits": {"cast": [{"movie_id": 5, "title": "x", "year": 1999, "character": "y"}], "crew": []}}
            for i in ids]
    try:
        assert await bulk.put_documents(db, "people", docs, people.prepare) == 3
        assert await bulk.put_documents(db, "people", docs, people.prepare) == 0
        await tmdb.relink(db, {"person_ids": [ids[1]]}, {"_id": 5, "title": "x", "year": 1999, "person_ids": [],
                                                          "cast": [], "crew": []})
        relinked = await db.people.find_one({"_id": ids[1]})
        assert relinked["credits"]["cast"] == [] and bulk.DIGEST not in relinked
        assert await bulk.put_documents(db, "people", docs, people.prepare) == 1
        assert len((await db.people.find_one({"_id": ids[1]}))["credits"]["cast"]) == 1
        assert bulk.DIGEST not in (await people.get_person(db, ids[0]) or {})
    finally:
        await db.people.delete_many({"_id": {"$in": ids}})
