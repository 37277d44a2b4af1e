"""A film's detail counts the members who keep it on their watchlist or as a favourite and the public lists
that hold it; a library write drops the cached detail, so the counts move without the hot read asking a store."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import account

FILM = 377


def library(http: httpx.Client, movie_id: int = FILM) -> dict[str, int]:
    """The detail's library counts, read twice first so that the film's detail is cached in both tiers."""
    found = http.get(f"/api/movies/{movie_id}/")
    assert found.status_code == 200, found.text
    counts: dict[str, int] = found.json()["library"]
    assert set(counts) == {"watchlists", "favorites", "lists"}
    return counts


def moved_to(http: httpx.Client, expected: dict[str, int], movie_id: int = FILM, timeout: float = 20) -> None:
    """Wait until the cached detail shows `expected` (the follow-up runs on a worker)."""
    deadline = time.monotonic() + timeout
    while (found := library(http, movie_id)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found == expected


def plus(counts: dict[str, int], **more: int) -> dict[str, int]:
    return {name: value + more.get(name, 0) for name, value in counts.items()}


def new_list(http: httpx.Client, user: dict[str, Any], public: bool, films: list[int]) -> int:
    made = http.post("/api/lists/", headers=user["headers"], json={"name": "Counted?", "public": public})
    assert made.status_code == 201, made.text
    filled = http.put(f"/api/lists/{made.json()['id']}/items/", headers=user["headers"],
                      json={"items": [{"movie_id": m} for m in films]})
    assert filled.status_code == 200, filled.text
    return int(made.json()["id"])


def test_the_detail_says_how_many_members_keep_the_film(http: httpx.Client, seeded: str) -> None:
    before = library(http)
    assert all(isinstance(value, int) and value >= 0 for value in before.values())
    assert library(http) == before, "a cached read gives the same counts"
    schema = http.get("/openapi.json").json()["components"]["schemas"]["Movie"]["properties"]["library"]
    assert set(schema["properties"]) == {"watchlists", "favorites", "lists"}


def test_the_counts_move_with_watchlist_adds_and_removals_and_favourites(http: httpx.Client, seeded: str) -> None:
    first, second = account(http, "counted"), account(http, "counted")
    before = library(http)
    assert http.put(f"/api/users/me/watchlist/{FILM}/", headers=first["headers"]).status_code == 204
    moved_to(http, plus(before, watchlists=1))
    added = http.post("/api/users/me/watchlist/", headers=second["headers"], json={"movie_ids": [FILM, 378]})
    assert added.status_code == 200, added.text
    moved_to(http, plus(before, watchlists=2))
    assert http.put(f"/api/users/me/watchlist/{FILM}/", headers=first["headers"]).status_code == 204
    assert http.put(f"/api/users/me/favorites/{FILM}/", headers=first["headers"]).status_code == 204
    moved_to(http, plus(before, watchlists=2, favorites=1))
    assert http.delete(f"/api/users/me/watchlist/{FILM}/", headers=first["headers"]).status_code == 204
    assert http.delete(f"/api/users/me/favorites/{FILM}/", headers=first["headers"]).status_code == 204
    moved_to(http, plus(before, watchlists=1))
    assert http.delete(f"/api/users/me/watchlist/{FILM}/", headers=second["headers"]).status_code == 204
    moved_to(http, before)


def test_public_lists_count_and_private_ones_do_not(http: httpx.Client, seeded: str) -> None:
    user = account(http, "lister")
    before = library(http)
    hidden = new_list(http, user, False, [FILM, 379])
    shown = new_list(http, user, True, [380, FILM])
    moved_to(http, plus(before, lists=1))
    assert http.patch(f"/api/lists/{hidden}/", headers=user["headers"], json={"public": True}).status_code == 200
    moved_to(http, plus(before, lists=2))
    assert http.patch(f"/api/lists/{hidden}/", headers=user["headers"], json={"public": False}).status_code == 200
    moved_to(http, plus(before, lists=1))
    emptied = http.put(f"/api/lists/{shown}/items/", headers=user["headers"], json={"items": [{"movie_id": 380}]})
    assert emptied.status_code == 200
    moved_to(http, before)
    new_list(http, user, True, [FILM])
    moved_to(http, plus(before, lists=1))
    for gone in http.get(f"/api/users/{user['id']}/lists/", headers=user["headers"]).json()["results"]:
        assert http.delete(f"/api/lists/{gone['id']}/", headers=user["headers"]).status_code == 204
    moved_to(http, before)


def test_a_deleted_account_leaves_the_counts(http: httpx.Client, seeded: str) -> None:
    user = account(http, "leaver")
    before = library(http)
    assert http.put(f"/api/users/me/favorites/{FILM}/", headers=user["headers"]).status_code == 204
    new_list(http, user, True, [FILM])
    moved_to(http, plus(before, favorites=1, lists=1))
    assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
    moved_to(http, before, timeout=40)


def test_a_watchlist_import_moves_the_counts(http: httpx.Client, seeded: str) -> None:
    user = account(http, "importer")
    film = http.get(f"/api/movies/{FILM}/").json()
    before = library(http)
    csv = f"Date,Name,Year,Letterboxd URI\n2024-06-11,\"{film['title']}\",{film['year']},\n".encode()
    started = http.post("/api/users/me/import/?kind=watchlist", content=csv, headers={
        **user["headers"], "Content-Type": "text/csv"})
    assert started.status_code == 202, started.text
    moved_to(http, plus(before, watchlists=1), timeout=60)
