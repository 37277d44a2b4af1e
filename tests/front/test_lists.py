"""Lists: public by default, private ones 404 to others, changed by the owner only, items replaced in one go."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import account

UNKNOWN = 999_999_999


def new_list(http: httpx.Client, user: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Create a list and return it."""
    created = http.post("/api/lists/", headers=user["headers"], json={"name": "Favourites of 1990s", **fields})
    assert created.status_code == 201, created.text
    return dict(created.json())


def put_items(http: httpx.Client, user: dict[str, Any], list_id: int, items: list[Any]) -> httpx.Response:
    """Replace a list's items."""
    return http.put(f"/api/lists/{list_id}/items/", headers=user["headers"], json={"items": items})


def test_a_new_list_is_public_unranked_and_empty(http: httpx.Client, seeded: str) -> None:
    user = account(http, "lister")
    assert http.post("/api/lists/", json={"name": "x"}).status_code == 401
    created = new_list(http, user, description="Ünïcödé ✓")
    assert (created["public"], created["ranked"], created["item_count"], created["user_id"]) == (
        True, False, 0, user["id"])
    assert created["items"] == {"count": 0, "next": None, "previous": None, "results": []}
    assert http.get(f"/api/lists/{created['id']}/").json()["description"] == "Ünïcödé ✓"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 5},
                                  {"name": "ok", "public": "yes"}, {"name": "ok", "ranked": 1},
                                  {"name": "ok", "description": "x" * 2001}, {"name": "ok", "owner": 1}])
def test_a_bad_list_is_422(http: httpx.Client, seeded: str, body: dict[str, Any]) -> None:
    user = account(http, "badlist")
    assert http.post("/api/lists/", headers=user["headers"], json=body).status_code == 422
    assert http.get(f"/api/users/{user['id']}/lists/", headers=user["headers"]).json()["count"] == 0


def test_items_are_replaced_in_order_with_notes_and_paginated(http: httpx.Client, seeded: str) -> None:
    user = account(http, "items")
    created = new_list(http, user, ranked=True)
    replaced = put_items(http, user, created["id"], [{"movie_id": 103, "note": "best"}, {"movie_id": 101},
                                                     {"movie_id": 102}])
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["item_count"] == 3 and body["items"]["count"] == 3
    assert [(i["position"], i["movie_id"], i["note"]) for i in body["items"]["results"]] == [
        (1, 103, "best"), (2, 101, ""), (3, 102, "")]
    assert body["items"]["results"][0]["movie"]["id"] == 103
    second = http.get(f"/api/lists/{created['id']}/", params={"page": 2, "page_size": 2}).json()["items"]
    assert [i["movie_id"] for i in second["results"]] == [102] and second["previous"]
    assert http.get(f"/api/lists/{created['id']}/", params={"page": 3, "page_size": 2}).status_code == 404
    assert put_items(http, user, created["id"], [{"movie_id": 104}]).json()["item_count"] == 1
    assert put_items(http, user, created["id"], []).json()["items"]["results"] == []


@pytest.mark.parametrize("items", [
    [{"movie_id": m} for m in range(1, 5002)],
    [{"movie_id": 110}, {"movie_id": 110}],
    [{"movie_id": 110}, {"movie_id": UNKNOWN}],
    [{"movie_id": 110, "note": "x" * 501}],
    [{"movie_id": 110, "rank": 1}],
    [{"note": "no film"}],
    [110],
    "110",
])
def test_bad_items_are_422_and_leave_the_list_as_it_was(http: httpx.Client, seeded: str, items: Any) -> None:
    user = account(http, "baditems")
    created = new_list(http, user)
    assert put_items(http, user, created["id"], [{"movie_id": 120}]).status_code == 200
    response = put_items(http, user, created["id"], items)
    assert response.status_code == 422, response.text
    assert "items" in response.json()["errors"]
    kept = http.get(f"/api/lists/{created['id']}/").json()
    assert kept["item_count"] == 1 and [i["movie_id"] for i in kept["items"]["results"]] == [120]


def test_a_list_takes_every_seeded_film_in_one_go(http: httpx.Client, seeded: str) -> None:
    user = account(http, "long")
    created = new_list(http, user)
    body = put_items(http, user, created["id"], [{"movie_id": m} for m in range(400, 0, -1)])
    assert body.status_code == 200 and body.json()["item_count"] == 400
    last = http.get(f"/api/lists/{created['id']}/", params={"page": 4, "page_size": 100}).json()["items"]
    assert [i["movie_id"] for i in last["results"]][-1] == 1 and last["results"][-1]["position"] == 400


def test_a_private_list_is_404_to_others_and_only_its_owner_may_change_it(http: httpx.Client, seeded: str) -> None:
    owner, other = account(http, "owner"), account(http, "stranger")
    private = new_list(http, owner, public=False)
    public = new_list(http, owner, name="Open")
    for url in (f"/api/lists/{private['id']}/",):
        assert http.get(url).status_code == 404
        assert http.get(url, headers=other["headers"]).status_code == 404
        assert http.get(url, headers=owner["headers"]).status_code == 200
        assert http.patch(url, headers=other["headers"], json={"name": "mine"}).status_code == 404
        assert http.delete(url, headers=other["headers"]).status_code == 404
    assert put_items(http, other, private["id"], []).status_code == 404
    open_url = f"/api/lists/{public['id']}/"
    assert http.patch(open_url, headers=other["headers"], json={"name": "mine"}).status_code == 403
    assert put_items(http, other, public["id"], []).status_code == 403
    assert http.delete(open_url, headers=other["headers"]).status_code == 403
    assert http.patch(open_url, json={"name": "mine"}).status_code == 401
    changed = http.patch(open_url, headers=owner["headers"], json={"name": "Renamed", "public": False})
    assert changed.status_code == 200 and (changed.json()["name"], changed.json()["public"]) == ("Renamed", False)
    assert http.get(open_url).status_code == 404
    assert http.patch(open_url, headers=owner["headers"], json={}).status_code == 422
    assert http.delete(open_url, headers=owner["headers"]).status_code == 204
    assert http.get(open_url, headers=owner["headers"]).status_code == 404


def test_a_members_lists_show_private_ones_to_the_member_only(http: httpx.Client, seeded: str) -> None:
    user, other = account(http, "shelfer"), account(http, "viewer")
    private = new_list(http, user, name="Secret", public=False)
    public = new_list(http, user, name="Shared")
    url = f"/api/users/{user['id']}/lists/"
    assert [entry["id"] for entry in http.get(url).json()["results"]] == [public["id"]]
    assert [entry["id"] for entry in http.get(url, headers=other["headers"]).json()["results"]] == [public["id"]]
    mine = http.get(url, headers=user["headers"]).json()
    assert [entry["id"] for entry in mine["results"]] == [public["id"], private["id"]]
    assert "items" not in mine["results"][0]
    assert http.get(f"/api/users/{UNKNOWN}/lists/").status_code == 404


def test_a_film_lists_the_public_lists_that_hold_it(http: httpx.Client, seeded: str) -> None:
    user = account(http, "holder")
    public, private = new_list(http, user, name="Has it"), new_list(http, user, name="Hidden", public=False)
    for created in (public, private):
        assert put_items(http, user, created["id"], [{"movie_id": 130}, {"movie_id": 131}]).status_code == 200
    found = http.get("/api/movies/131/lists/").json()
    ids = [entry["id"] for entry in found["results"]]
    assert public["id"] in ids and private["id"] not in ids
    assert http.get(f"/api/movies/{UNKNOWN}/lists/").status_code == 404
