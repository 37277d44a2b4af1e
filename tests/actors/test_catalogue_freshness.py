"""A film or person changed by a TMDB sync or a seed shows in lists within 2 s of the change's announcement,
cached pages included."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cache import invalidate, keys
from config import load
from stores import Stores
from stores.mongo import movies
from stores.mongo import people as mongo_people

FRESH_SECONDS = 2.0
NEW_FILM, NEW_PERSON = 9_300_001, 9_300_002


def film(doc: dict[str, Any]) -> dict[str, Any]:
    """A made-up film document with the fields the read API expects."""
    return movies.prepare({"genres": [], "genre_ids": [], "rating": {"average": 5.0, "votes": 1}, "cast": [],
                           "crew": [], "person_ids": [], "year": 1999, "popularity": 1.0, **doc})


def ids(http: httpx.Client, url: str) -> list[int]:
    """The ids on a list page."""
    response = http.get(url)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["results"]]


def shows_within(check: Callable[[], bool], seconds: float = FRESH_SECONDS) -> float:
    """How long until the check held (fails past `seconds`)."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < seconds, f"not in the lists {seconds} s after the announcement"
        time.sleep(0.05)
    return time.monotonic() - began


def index_answers(http: httpx.Client, redis_url: str) -> bool:
    """Whether an uncached list page was answered by a worker's catalogue index."""
    import redis as sync_redis

    cache = sync_redis.Redis.from_url(redis_url)
    size = 1 + time.monotonic_ns() % 97
    http.get(f"/api/movies/?page_size={size}&sort=-year")
    version = int(cache.get(keys.CATALOGUE_VERSION) or 0)
    work = {"f": {}, "sort": "-year", "skip": 0, "limit": size, "ttl": load().cache_ttl_seconds, "v": version}
    return bool(cache.exists(keys.result(keys.work_key("movies", work))))


@pytest.fixture
async def db(stores: Stores, redis: Any, http: httpx.Client, seeded: str, settings: Any) -> Any:
    """The test catalogue with the index loaded; the made-up film and person are removed afterwards."""
    deadline = time.monotonic() + 120
    while not index_answers(http, settings.redis_url.reveal()):
        assert time.monotonic() < deadline, "the catalogue index never answered"
        time.sleep(0.5)
    mongo = await stores.mongo()
    yield mongo
    await mongo.movies.delete_many({"_id": NEW_FILM})
    await mongo.people.delete_many({"_id": NEW_PERSON})
    await invalidate.entries_changed(redis, [keys.movie_entry(NEW_FILM), keys.person_entry(NEW_PERSON)])


async def test_new_changed_and_removed_films_and_people_show_in_cached_lists_within_2_s(
    db: Any, redis: Any, http: httpx.Client
) -> None:
    top = "/api/movies/?page_size=3"
    named = "/api/movies/?q=zorbulent&page_size=7"
    person = "/api/people/?q=quendralyn&page_size=4"
    for url in (top, named, person):  # cached before each change
        ids(http, url)
    assert NEW_FILM not in ids(http, top) and ids(http, named) == [] and ids(http, person) == []
    taken: dict[str, float] = {}

    await db.movies.insert_one(film({"_id": NEW_FILM, "title": "Zorbulent Nights", "popularity": 10_000.0}))
    await invalidate.entries_changed(redis, [keys.movie_entry(NEW_FILM)])
    taken["new film"] = shows_within(lambda: ids(http, named) == [NEW_FILM] and ids(http, top)[0] == NEW_FILM)

    await db.movies.update_one({"_id": NEW_FILM}, {"$set": {"popularity": 0.0}})
    await invalidate.entries_changed(redis, [keys.movie_entry(NEW_FILM)])
    taken["changed film"] = shows_within(lambda: NEW_FILM not in ids(http, top))

    await db.movies.delete_one({"_id": NEW_FILM})
    await invalidate.entries_changed(redis, [keys.movie_entry(NEW_FILM)])
    taken["removed film"] = shows_within(lambda: ids(http, named) == [])

    await db.people.insert_one(mongo_people.prepare({"_id": NEW_PERSON, "name": "Quendralyn Oaks",
                                                     "popularity": 1.0}))
    await invalidate.entries_changed(redis, [keys.person_entry(NEW_PERSON)])
    taken["new person"] = shows_within(lambda: ids(http, person) == [NEW_PERSON])

    await db.people.update_one({"_id": NEW_PERSON}, {"$set": mongo_people.prepare(
        {"_id": NEW_PERSON, "name": "Marlowe Oaks", "popularity": 1.0})})
    await invalidate.entries_changed(redis, [keys.person_entry(NEW_PERSON)])
    taken["renamed person"] = shows_within(lambda: ids(http, person) == [])
    assert all(seconds < FRESH_SECONDS for seconds in taken.values()), taken


async def test_a_bulk_change_as_a_seed_announces_it_shows_in_cached_lists_within_2_s(
    db: Any, redis: Any, http: httpx.Client
) -> None:
    named = "/api/movies/?q=brindlequist&page_size=5"
    assert ids(http, named) == []
    await db.movies.insert_one(film({"_id": NEW_FILM, "title": "Brindlequist"}))
    await invalidate.catalogue_changed(redis)
    shows_within(lambda: ids(http, named) == [NEW_FILM])
