"""Recommendations start from what you like (reviews, favourites, rated diary entries), never offer a film you
watched or mean to watch, name the film each comes from and follow your library; similar movies are related."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx

from cache import keys
from tests.actors.test_search import wait_for
from tests.conftest import account

LIBRARY_WRITES = ("watchlist", "favorites", "diary")


def test_recommendations_exclude_reviewed_films_and_follow_new_reviews(http: httpx.Client, seeded: str) -> None:
    user = account(http, "recs")
    popular = http.get("/api/movies/?sort=-votes&page_size=8").json()["results"]
    for movie in popular[:6]:
        assert http.post("/api/reviews/", headers=user["headers"],
                         json={"movie_id": movie["id"], "rating": 9, "body": "Loved it."}).status_code == 201
    first = wait_for(http, "/api/users/me/recommendations/", headers=user["headers"])
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert results, "a user with six liked films gets recommendations"
    reviewed = {m["id"] for m in popular[:6]}
    assert not reviewed & {r["id"] for r in results}
    assert all(r["reason"] and r["score"] >= 0 for r in results)
    top = results[0]["id"]
    assert http.post("/api/reviews/", headers=user["headers"],
                     json={"movie_id": top, "rating": 3, "body": "Not for me."}).status_code == 201
    for _ in range(50):
        again = wait_for(http, "/api/users/me/recommendations/", headers=user["headers"]).json()["results"]
        if top not in {r["id"] for r in again}:
            break
        import time

        time.sleep(0.1)
    assert top not in {r["id"] for r in again}


def _library(http: httpx.Client, user: dict[str, Any], films: list[dict[str, Any]]) -> dict[str, set[int]]:
    """Two favourites, a diary entry rated 9 and one rated 4, a review rated 3 and three films on the watchlist."""
    headers = user["headers"]
    for movie in films[:2]:
        assert http.put(f"/api/users/me/favorites/{movie['id']}/", headers=headers).status_code == 204
    for movie, rating in ((films[2], 9), (films[3], 4)):
        logged = http.post("/api/users/me/diary/", headers=headers,
                           json={"movie_id": movie["id"], "watched_on": date.today().isoformat(), "rating": rating})
        assert logged.status_code == 201, logged.text
    assert http.post("/api/reviews/", headers=headers,
                     json={"movie_id": films[4]["id"], "rating": 3, "body": "Not for me."}).status_code == 201
    added = http.post("/api/users/me/watchlist/", headers=headers, json={"movie_ids": [m["id"] for m in films[5:8]]})
    assert added.status_code == 200, added.text
    return {"liked": {m["id"] for m in films[:3]}, "watched": {m["id"] for m in films[2:5]},
            "watchlist": {m["id"] for m in films[5:8]}, "favorites": {m["id"] for m in films[:2]}}


def test_recommendations_start_from_favourites_and_rated_diary_entries_and_skip_watched_and_watchlisted_films(
    http: httpx.Client, seeded: str
) -> None:
    user = account(http, "libkeen")
    films = http.get("/api/movies/?sort=-votes&page_size=8").json()["results"]
    library = _library(http, user, films)
    titles = {m["id"]: m["title"] for m in films}
    answer = wait_for(http, "/api/users/me/recommendations/", headers=user["headers"])
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert results, "favourites and a rated diary entry are likes enough to recommend from"
    offered = {r["id"] for r in results}
    assert not offered & (library["watched"] | library["watchlist"] | library["favorites"])
    for result in results:
        source = result["because"]
        assert source is not None and source["id"] in library["liked"], result
        assert source["title"] == titles[source["id"]]
        assert result["reason"] == f"Because you liked {titles[source['id']]}"


async def test_a_library_write_drops_the_cached_recommendations(http: httpx.Client, seeded: str, redis: Any) -> None:
    user = account(http, "libmoves")
    films = http.get("/api/movies/?sort=-votes&page_size=3").json()["results"]
    for movie in films:
        assert http.put(f"/api/users/me/favorites/{movie['id']}/", headers=user["headers"]).status_code == 204
    cached = keys.result(keys.recommendations(user["id"]))
    for write in LIBRARY_WRITES:
        answer = wait_for(http, "/api/users/me/recommendations/", headers=user["headers"])
        assert answer.status_code == 200, answer.text
        assert await redis.exists(cached), "the answer is cached"
        target = answer.json()["results"][0]["id"]
        if write == "diary":
            done = http.post("/api/users/me/diary/", headers=user["headers"],
                             json={"movie_id": target, "watched_on": date.today().isoformat()})
            assert done.status_code == 201, done.text
        else:
            assert http.put(f"/api/users/me/{write}/{target}/", headers=user["headers"]).status_code == 204
        for _ in range(100):
            if not await redis.exists(cached):
                break
            await asyncio.sleep(0.1)
        assert not await redis.exists(cached), f"a {write} write drops the cached recommendations"
        again = wait_for(http, "/api/users/me/recommendations/", headers=user["headers"])
        assert target not in {r["id"] for r in again.json()["results"]}


def test_recommendations_need_a_token(http: httpx.Client) -> None:
    assert http.get("/api/users/me/recommendations/").status_code == 401


async def test_similar_movies_share_genres_or_people_and_never_the_movie_itself(
    http: httpx.Client, seeded: str, stores: Any
) -> None:
    movie = http.get("/api/movies/?genre=4&sort=-votes&page_size=1").json()["results"][0]
    body = wait_for(http, f"/api/movies/{movie['id']}/similar/").json()
    assert body["results"] and movie["id"] not in [r["id"] for r in body["results"]]
    db = await stores.mongo()
    source = await db.movies.find_one({"_id": movie["id"]})
    for result in body["results"][:5]:
        other = await db.movies.find_one({"_id": result["id"]})
        related = set(other["genre_ids"]) & set(source["genre_ids"]) or set(other["person_ids"]) & set(
            source["person_ids"])
        assert related or result["reason"] == "Liked by the same people"
    assert http.get("/api/movies/999999999/similar/").status_code == 404
