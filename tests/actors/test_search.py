"""Search: typos, accents and prefixes find the film; exact beats prefix beats typo; served via a worker."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from stores import Stores
from stores.mongo import movies, search
from textfold import terms

MADE_UP = [
    {"_id": 9_000_001, "title": "Zorblax Quest", "year": 1990, "popularity": 1.0},
    {"_id": 9_000_002, "title": "Zorblaxian Tales", "year": 1991, "popularity": 50.0},
    {"_id": 9_000_003, "title": "Zorbiax Run", "year": 1992, "popularity": 99.0},
    {"_id": 9_000_004, "title": "Crème Brûlée Café", "year": 1993, "popularity": 5.0},
]


@pytest.fixture
async def made_up(stores: Stores) -> AsyncIterator[Any]:
    """Four films with invented titles, removed afterwards."""
    db = await stores.mongo()
    await movies.upsert_movies(db, [{**m, "genres": [], "genre_ids": [], "rating": {"average": 5, "votes": 1},
                                     "cast": [], "crew": [], "person_ids": []} for m in MADE_UP])
    yield db
    await db.movies.delete_many({"_id": {"$in": [m["_id"] for m in MADE_UP]}})


def test_index_terms_hold_words_prefixes_and_one_letter_deletions() -> None:
    found = set(terms("Titanic"))
    assert {"titanic", "ti", "tit", "titani", "~titanic", "~itanic", "~titnic", "~titani"} <= found
    assert "~cat" not in set(terms("Cat"))


def test_one_edit_means_insert_delete_substitute_or_swap() -> None:
    assert search.one_edit("titanic", "titnic") and search.one_edit("titanic", "titanicc")
    assert search.one_edit("titanic", "titenic") and not search.one_edit("titanic", "titanic")
    assert search.one_edit("titanic", "tiatnic")
    assert not search.one_edit("titanic", "tatinoc")


async def test_exact_beats_prefix_beats_typo_then_popularity(made_up: Any) -> None:
    hits = await search.search(made_up, "zorblax", ("movie",))
    assert [h.id for h in hits[:3]] == [9_000_001, 9_000_002, 9_000_003]


async def test_accents_and_case_do_not_matter(made_up: Any) -> None:
    for query in ("creme brulee", "CRÈME BRÛLÉE", "crème bru"):
        assert 9_000_004 in [h.id for h in await search.search(made_up, query, ("movie",))], query


async def test_a_typo_in_a_real_title_still_finds_the_film(stores: Stores, seeded: str) -> None:
    db = await stores.mongo()
    film = None
    async for doc in db.movies.find({}, {"words": 1}).sort([("popularity", -1)]):
        if any(len(w) >= 7 and w.isalpha() for w in doc["words"]):
            film = doc
            break
    assert film is not None
    word = next(w for w in film["words"] if len(w) >= 7 and w.isalpha())
    typo = word[0] + word[2] + word[1] + word[3:]
    hits = await search.search(db, typo, ("movie",))
    assert film["_id"] in [h.id for h in hits]


def wait_for(http: httpx.Client, url: str, **kwargs: Any) -> httpx.Response:
    """GET until it is not 202 (following the job when asked to wait)."""
    response = http.get(url, **kwargs)
    for _ in range(100):
        if response.status_code != 202:
            return response
        time.sleep(0.1)
        response = http.get(url, **kwargs)
    return response


def test_search_through_the_api_pages_people_and_movies(http: httpx.Client, seeded: str) -> None:
    movie = http.get("/api/movies/?sort=-votes&page_size=1").json()["results"][0]
    word = max(movie["title"].split(), key=len)
    body = wait_for(http, f"/api/search/?q={word}&type=movie").json()
    assert movie["id"] in [r["id"] for r in body["results"]]
    assert all(r["type"] == "movie" and "title" in r and "score" in r for r in body["results"])
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    person = http.get("/api/people/?page_size=1").json()["results"][0]
    people = wait_for(http, f"/api/search/?q={person['name']}&type=person").json()
    assert person["id"] in [r["id"] for r in people["results"]]
    for bad in ("", "?q=", "?q=%20%20", "?q=x&type=song", "?q=" + "a" * 300):
        assert http.get(f"/api/search/{bad}").status_code == 400, bad
