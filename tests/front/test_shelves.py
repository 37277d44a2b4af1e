"""Watchlist and favourites: idempotent adds and removals, all-or-nothing bulk adds, sorted pages, privacy."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from cache import keys
from tests.conftest import account
from textfold import sort_key

UNKNOWN = 999_999_999


@pytest.mark.parametrize("shelf", ["watchlist", "favorites"])
def test_adding_and_removing_a_film_is_204_either_way_and_404_for_an_unknown_film(
        http: httpx.Client, seeded: str, shelf: str) -> None:
    user = account(http, "shelf")
    url = f"/api/users/me/{shelf}/12/"
    assert http.put(url).status_code == 401
    assert [http.put(url, headers=user["headers"]).status_code for _ in range(2)] == [204, 204]
    page = http.get(f"/api/users/{user['id']}/{shelf}/").json()
    assert page["count"] == 1 and page["results"][0]["movie_id"] == 12
    assert page["results"][0]["movie"]["id"] == 12 and page["results"][0]["added_at"].endswith("Z")
    assert [http.delete(url, headers=user["headers"]).status_code for _ in range(2)] == [204, 204]
    assert http.get(f"/api/users/{user['id']}/{shelf}/").json()["count"] == 0
    for method in (http.put, http.delete):
        missing = method(f"/api/users/me/{shelf}/{UNKNOWN}/", headers=user["headers"])
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_the_watchlist_and_the_favourites_are_separate_shelves(http: httpx.Client, seeded: str) -> None:
    user = account(http, "two")
    assert http.put("/api/users/me/watchlist/30/", headers=user["headers"]).status_code == 204
    assert http.get(f"/api/users/{user['id']}/favorites/").json()["count"] == 0


def test_a_bulk_add_lands_whole_or_not_at_all_and_never_removes(http: httpx.Client, seeded: str) -> None:
    user = account(http, "bulk")
    assert http.put("/api/users/me/watchlist/40/", headers=user["headers"]).status_code == 204
    added = http.post("/api/users/me/watchlist/", headers=user["headers"], json={"movie_ids": [41, 42, 40, 41]})
    assert added.status_code == 200, added.text
    assert added.json() == {"added": 2, "movie_ids": [40, 41, 42]}
    again = http.post("/api/users/me/watchlist/", headers=user["headers"], json={"movie_ids": [42, 41]})
    assert again.json()["added"] == 0
    refused = http.post("/api/users/me/watchlist/", headers=user["headers"], json={"movie_ids": [43, UNKNOWN]})
    assert refused.status_code == 422 and str(UNKNOWN) in refused.json()["errors"]["movie_ids"][0]
    ids = {item["movie_id"] for item in http.get(f"/api/users/{user['id']}/watchlist/").json()["results"]}
    assert ids == {40, 41, 42}


@pytest.mark.parametrize("body", [{"movie_ids": list(range(1, 102))}, {"movie_ids": []}, {"movie_ids": [1, "2"]},
                                  {"movie_ids": [0]}, {"movie_ids": 5}, {}, {"movie_ids": [1], "extra": 1}])
def test_a_bulk_add_of_bad_ids_or_over_100_is_422_and_adds_nothing(http: httpx.Client, seeded: str,
                                                                    body: dict[str, Any]) -> None:
    user = account(http, "badbulk")
    response = http.post("/api/users/me/favorites/", headers=user["headers"], json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"]
    assert http.get(f"/api/users/{user['id']}/favorites/").json()["count"] == 0


def test_a_shelf_is_newest_first_paginated_and_sorts_by_the_films_fields(http: httpx.Client, seeded: str) -> None:
    user = account(http, "sorter")
    films = [50, 51, 52, 53, 54]
    for movie_id in films:
        assert http.put(f"/api/users/me/watchlist/{movie_id}/", headers=user["headers"]).status_code == 204
    base = f"/api/users/{user['id']}/watchlist/"
    newest = http.get(base).json()
    assert [item["movie_id"] for item in newest["results"]] == films[::-1]
    oldest = http.get(base, params={"sort": "added_at", "page_size": 2, "page": 2}).json()
    assert [item["movie_id"] for item in oldest["results"]] == [52, 53]
    assert oldest["count"] == 5 and "page=3" in oldest["next"] and "page=1" in oldest["previous"]
    assert http.get(base, params={"page": 4, "page_size": 2}).status_code == 404
    movies = {m: http.get(f"/api/movies/{m}/").json() for m in films}
    titles = [item["movie"]["title"] for item in http.get(base, params={"sort": "title"}).json()["results"]]
    assert titles == sorted((movies[m]["title"] for m in films), key=sort_key)
    years = [item["movie"]["year"] for item in http.get(base, params={"sort": "-year"}).json()["results"]]
    assert years == sorted(years, reverse=True) and len(years) == 5
    ratings = [item["movie"]["rating"]["average"] for item in
               http.get(base, params={"sort": "rating", "page_size": 3}).json()["results"]]
    assert ratings == sorted(movies[m]["rating"]["average"] for m in films)[:3]
    assert http.get(base, params={"sort": "popularity"}).status_code == 400
    page = http.get(base, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_a_private_library_is_404_to_others_and_shown_to_its_owner(http: httpx.Client, seeded: str) -> None:
    owner, other = account(http, "private"), account(http, "peek")
    assert http.put("/api/users/me/favorites/60/", headers=owner["headers"]).status_code == 204
    changed = http.patch("/api/users/me/", headers=owner["headers"], json={"library_public": False})
    assert changed.status_code == 200 and changed.json()["library_public"] is False
    assert http.get("/api/users/me/", headers=owner["headers"]).json()["library_public"] is False
    for shelf in ("watchlist", "favorites", "diary"):
        url = f"/api/users/{owner['id']}/{shelf}/"
        assert http.get(url).status_code == 404
        assert http.get(url, headers=other["headers"]).status_code == 404
        assert http.get(url, headers=owner["headers"]).status_code == 200
    assert http.get(f"/api/users/{owner['id']}/favorites/", headers=owner["headers"]).json()["count"] == 1
    assert http.patch("/api/users/me/", headers=owner["headers"], json={"library_public": True}).status_code == 200
    assert http.get(f"/api/users/{owner['id']}/favorites/").json()["count"] == 1
    assert http.get(f"/api/users/{UNKNOWN}/watchlist/").status_code == 404


def test_the_library_setting_needs_no_password_but_a_new_email_still_does(http: httpx.Client, seeded: str) -> None:
    user = account(http, "setting")
    assert http.patch("/api/users/me/", headers=user["headers"], json={"library_public": "no"}).status_code == 422
    assert http.patch("/api/users/me/", headers=user["headers"], json={}).status_code == 422
    mail = http.patch("/api/users/me/", headers=user["headers"],
                      json={"library_public": False, "email": "x_" + user["email"]})
    assert mail.status_code == 422 and "current_password" in mail.json()["errors"]
    assert http.get("/api/users/me/", headers=user["headers"]).json()["library_public"] is True


async def test_a_shelf_change_drops_the_members_cached_recommendations(http: httpx.Client, seeded: str,
                                                                        redis: Any) -> None:
    user = account(http, "recs")
    name = keys.result(keys.recommendations(user["id"]))
    await redis.set(name, b"{}", ex=600)
    assert http.put("/api/users/me/favorites/70/", headers=user["headers"]).status_code == 204
    deadline = time.monotonic() + 20
    while await redis.exists(name):
        assert time.monotonic() < deadline, "the cached recommendations were not dropped"
        await asyncio.sleep(0.1)


def test_the_state_of_a_film_names_your_review_shelves_watches_and_lists(http: httpx.Client, seeded: str) -> None:
    user = account(http, "state")
    url = "/api/movies/80/state/"
    assert http.get(url).status_code == 401
    empty = http.get(url, headers=user["headers"]).json()
    assert empty == {"movie_id": 80, "review": None, "rating": None, "watchlist": False, "favorite": False,
                     "times_watched": 0, "last_watched_on": None, "lists": []}
    for shelf in ("watchlist", "favorites"):
        assert http.put(f"/api/users/me/{shelf}/80/", headers=user["headers"]).status_code == 204
    for day, rating in (("2024-01-02", 6), ("2024-03-04", None)):
        assert http.post("/api/users/me/diary/", headers=user["headers"],
                         json={"movie_id": 80, "watched_on": day, "rating": rating}).status_code == 201
    watched = http.get(url, headers=user["headers"]).json()
    assert watched["rating"] == 6 and watched["times_watched"] == 2 and watched["last_watched_on"] == "2024-03-04"
    listed = http.post("/api/lists/", headers=user["headers"], json={"name": "Mine", "public": False}).json()
    assert http.put(f"/api/lists/{listed['id']}/items/", headers=user["headers"],
                    json={"items": [{"movie_id": 81}, {"movie_id": 80}]}).status_code == 200
    review = http.post("/api/reviews/", headers=user["headers"], json={"movie_id": 80, "rating": 9, "body": "Yes."})
    state = http.get(url, headers=user["headers"]).json()
    assert state["review"]["id"] == review.json()["id"] and state["rating"] == 9
    assert state["watchlist"] and state["favorite"]
    assert state["lists"] == [{"id": listed["id"], "name": "Mine", "position": 2}]
    assert http.get(f"/api/movies/{UNKNOWN}/state/", headers=user["headers"]).status_code == 404
