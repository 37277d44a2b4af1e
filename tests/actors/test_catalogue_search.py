"""The catalogue index searches like the MongoDB lookup but finds every match, and follows every change."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from actors.catalogue import Catalogue, Films, People
from actors.catalogue.follower import Follower
from actors.lifecycle import Resources
from cache import invalidate, keys
from cache.client import database
from config import Settings
from stores import Stores
from stores.mongo import movies, search
from stores.mongo.search import Doc
from textfold import words

FILMS = [
    {"_id": 9_100_001, "title": "Quixotrel Harbour", "year": 1971, "popularity": 12.0},
    {"_id": 9_100_002, "title": "Quixotrels", "year": 1972, "popularity": 40.0},
]


def film(doc: dict[str, Any]) -> dict[str, Any]:
    """A made-up film document with the fields the read API expects."""
    return {**doc, "genres": [], "genre_ids": [], "rating": {"average": 5, "votes": 1}, "cast": [], "crew": [],
            "person_ids": []}


@pytest.fixture
async def db(stores: Stores) -> AsyncIterator[Any]:
    """The test catalogue; the made-up films are removed afterwards."""
    mongo = await stores.mongo()
    yield mongo
    await mongo.movies.delete_many({"_id": {"$in": [f["_id"] for f in FILMS]}})


async def queries(db: Any) -> list[str]:
    """Queries of every kind drawn from the seeded titles and names: words, prefixes, typos, several words."""
    found: list[str] = []
    async for doc in db.movies.find({"words.0": {"$exists": True}}, {"title": 1, "words": 1}).sort("_id", 1).limit(60):
        word = max(doc["words"], key=len)
        found += [doc["title"], word, word[:3], " ".join(doc["words"][:2])]
        if len(word) >= 5:
            found += [word[0] + word[2] + word[1] + word[3:], word[:-1] + "x", word + "s"]
    async for doc in db.people.find({"words.0": {"$exists": True}}, {"name": 1, "words": 1}).sort("_id", 1).limit(30):
        found += [doc["name"], doc["words"][-1][:4], doc["words"][0][1:]]
    return [*found, "the", "a", "lo", "zzzzzz", "Amélie", "l'avventura"]


async def test_the_copy_finds_every_match_and_all_that_mongodb_finds(db: Any, seeded: str) -> None:
    memory = await Catalogue.load(db)
    assert memory.sizes()["movie"] == await db.movies.count_documents({})
    everything = {kind: [Doc.of(doc) async for doc in db[collection].find({}, search.FIELDS[collection])]
                  for kind, collection in search.COLLECTIONS}
    asked = await queries(db)
    assert len(asked) > 300
    for query in asked:
        for kinds in (("movie",), ("person",), ("movie", "person")):
            found = memory.search(query, kinds)
            every = search.rank(words(query)[:8], [(kind, everything[kind]) for kind in kinds])
            assert found == every, (query, kinds)
            looked_up = await search.search(db, query, kinds)
            assert set(looked_up) <= set(found), (query, kinds)


async def test_a_refreshed_copy_sees_new_renamed_and_removed_films(db: Any, seeded: str) -> None:
    memory = await Catalogue.load(db)
    await movies.upsert_movies(db, [film(f) for f in FILMS])
    assert memory.search("quixotrel", ("movie",)) == []
    ids = {"movie": {f["_id"] for f in FILMS}}
    await memory.refresh(db, ids)
    for query in ("quixotrel", "quixotrl", "quixo harb", "QUIXOTRELS"):
        assert memory.search(query, ("movie",)) == await search.search(db, query, ("movie",)), query
    assert [h.id for h in memory.search("quixotrel", ("movie",))] == [9_100_001, 9_100_002]

    await movies.upsert_movies(db, [film({**FILMS[0], "title": "Vorpalique Harbour"})])
    await db.movies.delete_one({"_id": FILMS[1]["_id"]})
    await memory.refresh(db, ids)
    assert memory.search("quixotrel", ("movie",)) == []
    assert [h.id for h in memory.search("vorpalique", ("movie",))] == [9_100_001]
    assert memory.changes == 1, "a film added and removed since the load leaves nothing behind"

    await db.movies.delete_one({"_id": FILMS[0]["_id"]})
    await memory.refresh(db, ids)
    assert memory.changes == 0, "documents back to their loaded versions leave the overlay"


async def test_the_follower_loads_then_takes_published_changes(db: Any, redis: Any, settings: Settings,
                                                               seeded: str) -> None:
    res = Resources(settings, Stores(settings), redis)
    follower = Follower()
    follower.quiet = 1.0
    try:
        follower.start(res)
        await until(lambda: follower.current is not None)
        assert follower.current is not None and follower.current.search("quixotrel", ("movie",)) == []

        await movies.upsert_movies(db, [film(f) for f in FILMS])
        await invalidate.entries_changed(redis, [keys.movie_entry(f["_id"]) for f in FILMS])
        await until(lambda: follower.current is not None and follower.current.changes == 2)
        assert [h.id for h in follower.current.search("quixotrel", ("movie",))] == [9_100_001, 9_100_002]

        loaded = follower.current
        await redis.publish(keys.channel(keys.INVALIDATE, database(redis)), "*")
        await until(lambda: follower.current is None)  # MongoDB answers until the new load is in
        await until(lambda: follower.current is not None and follower.current is not loaded)
        assert follower.current.changes == 0
        assert [h.id for h in follower.current.search("quixotrel", ("movie",))] == [9_100_001, 9_100_002]
    finally:
        for task in res.background:
            task.cancel()
        await asyncio.gather(*res.background, return_exceptions=True)
        await res.stores.close()


async def until(condition: Any, seconds: float = 20.0) -> None:
    """Wait (without blocking the loop) until the condition holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_worker_finds_a_film_added_while_it_runs(db: Any, redis: Any, http: httpx.Client,
                                                         seeded: str) -> None:
    await movies.upsert_movies(db, [film(FILMS[0])])
    await invalidate.entries_changed(redis, [keys.movie_entry(FILMS[0]["_id"])])
    for _ in range(100):
        response = http.get("/api/search/", params={"q": f"quixotrel harbour {time.time_ns()}", "type": "movie"})
        body = http.get("/api/search/", params={"q": "quixotrel harb", "type": "movie"})
        assert response.status_code in (200, 202)
        if body.status_code == 200 and body.json()["results"]:
            break
        await redis.delete(keys.result(keys.work_key("search", {"q": "quixotrel harb", "type": "movie"})))
        await asyncio.sleep(0.1)
    assert [r["id"] for r in body.json()["results"]] == [9_100_001]


def test_a_rare_film_sharing_a_common_word_is_found_beyond_the_mongodb_candidate_limit() -> None:
    common = [Doc(i, f"Commonplace Story {i}", 2000, ("commonplace", "story", str(i)), 100.0) for i in range(6000)]
    rare = Doc(7_000_000, "Commonplace Rarity", 1950, ("commonplace", "rarity"), 0.1)
    assert len(common) > search.candidate_limit(search.anchor_terms(["commonplace", "rarity"])[1])
    docs = [{"_id": d.id, "title": d.label, "year": d.year, "words": d.words, "popularity": d.popularity}
            for d in [*common, rare]]
    memory = Catalogue(Films.of(docs), People.of([]))
    assert [h.id for h in memory.search("commonplace rarity", ("movie",))] == [7_000_000]
    assert [h.id for h in memory.search("commonplace rarty", ("movie",))] == [7_000_000]
    assert [h.id for h in memory.search("commonplace rar", ("movie",))] == [7_000_000]
    assert len(memory.search("commonplace", ("movie",))) == 1000
