"""Recommendations never include a reviewed film and change with new reviews; similar movies are related."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actors.test_search import wait_for
from tests.conftest import account


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
