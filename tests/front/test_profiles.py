"""Profiles live in Firebase: readable by anyone, changed only by their owner, validated, Unicode intact."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import account


def test_a_profile_is_set_merged_and_read_back_with_unicode(http: httpx.Client, seeded: str) -> None:
    user = account(http, "prof")
    put = http.put("/api/users/me/profile/", headers=user["headers"],
                   json={"bio": "Cinéphile from São Paulo 🎬", "avatar_url": "https://img.example/a.png",
                         "location": "Zürich", "favorite_genres": [4, 2]})
    assert put.status_code == 200, put.text
    patch = http.patch("/api/users/me/profile/", headers=user["headers"], json={"location": "Kraków"})
    assert patch.status_code == 200
    body = http.get(f"/api/users/{user['id']}/profile/").json()
    assert body["bio"] == "Cinéphile from São Paulo 🎬"
    assert body["location"] == "Kraków" and body["favorite_genres"] == [2, 4]
    assert body["updated_at"].endswith("Z")


def test_a_user_without_a_profile_has_an_empty_one_and_unknown_users_are_404(http: httpx.Client) -> None:
    user = account(http, "bare")
    assert http.get(f"/api/users/{user['id']}/profile/").json()["bio"] == ""
    assert http.get("/api/users/999999999/profile/").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
    ({"avatar_url": "ftp://x.org/a.png"}, "avatar_url"),
    ({"bio": "x" * 501}, "bio"),
    ({"favorite_genres": [999]}, "favorite_genres"),
    ({"favorite_genres": "drama"}, "favorite_genres"),
    ({"location": 42}, "location"),
])
def test_profile_fields_are_validated(http: httpx.Client, seeded: str, body: dict[str, Any], field: str) -> None:
    user = account(http, "badprof")
    response = http.patch("/api/users/me/profile/", headers=user["headers"], json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


def test_nobody_can_write_someone_elses_profile(http: httpx.Client) -> None:
    owner = account(http, "owner")
    assert http.put(f"/api/users/{owner['id']}/profile/", json={"bio": "hacked"}).status_code == 405
    assert http.patch("/api/users/me/profile/", json={"bio": "anonymous"}).status_code == 401
