"""Hostile input to every write route: always a 4xx problem document, and nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from stores import Stores
from tests.conftest import account

JSON = {"Content-Type": "application/json"}
BIG = b'{"body": "' + b"x" * (3 * 1024 * 1024) + b'"}'
RAW_BODIES = [
    ("malformed JSON", b'{"rating": 5,', JSON, 400),
    ("wrong content type", b"rating=5", {"Content-Type": "text/plain"}, 415),
    ("no content type", b'{"rating": 5}', {}, 415),
    ("empty body", b"", JSON, 400),
    ("JSON array", b"[1, 2]", JSON, 400),
    ("three megabytes", BIG, JSON, 413),
]
SQL = ["'; DROP TABLE reviews; --", "1 OR 1=1"]
VALUES: list[Any] = [
    {"$gt": ""}, {"$ne": None}, *SQL, "bad\x00nul", "x" * 20_000, ["a", "b"], 12.5, True, None, -1, 2**70,
]
FREE_TEXT = {"title", "body", "bio", "location", "password"}


def routes(user: dict[str, Any], review_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, a valid body) of every write route."""
    return [
        ("POST", "/api/users/", {"username": "hostile_x1", "email": "hostile@x.org", "password": "long enough"}),
        ("POST", "/api/auth/token", {"username": user["username"], "password": user["password"]}),
        ("POST", "/api/auth/password-reset", {"email": user["email"]}),
        ("POST", "/api/auth/password-reset/confirm", {"token": "x" * 40, "password": "long enough"}),
        ("PATCH", "/api/users/me/", {"current_password": user["password"], "email": "new@x.org"}),
        ("POST", "/api/reviews/", {"movie_id": 12, "rating": 6, "title": "t", "body": "b"}),
        ("PATCH", f"/api/reviews/{review_id}/", {"rating": 6, "title": "t", "body": "b"}),
        ("PUT", "/api/users/me/profile/", {"bio": "b", "location": "l", "favorite_genres": [1]}),
        ("PATCH", "/api/users/me/profile/", {"bio": "b"}),
    ]


async def snapshot(stores: Stores, user: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a write route could have changed."""
    pg, my, fb = await stores.postgres(), await stores.mysql(), await stores.firebase()
    users = await pg.fetch("SELECT id, username, email, password_hash FROM users ORDER BY id")
    async with my.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT id, rating, title, body, updated_at FROM reviews WHERE user_id = %s", (user["id"],))
        reviews = await cur.fetchall()
        await cur.execute("SELECT COUNT(*) FROM reviews")
        total = await cur.fetchone()
    resets = await pg.fetchval("SELECT count(*) FROM password_resets")
    return [tuple(u) for u in users], reviews, total, resets, await fb.get(f"/profiles/{user['id']}")


async def test_every_write_route_refuses_hostile_input_and_writes_nothing(
    http: httpx.Client, seeded: str, stores: Stores
) -> None:
    user = account(http, "hostile")
    review_id = http.post("/api/reviews/", headers=user["headers"],
                          json={"movie_id": 13, "rating": 5, "body": "Original."}).json()["id"]
    assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "Original"}).status_code == 200
    before = await snapshot(stores, user)
    failures = []
    for method, path, valid in routes(user, review_id):
        attempts: list[tuple[str, bytes | None, dict[str, Any] | None, dict[str, str], int | None]] = [
            (name, raw, None, headers, status) for name, raw, headers, status in RAW_BODIES
        ]
        for field in valid:
            for value in VALUES:
                if field in FREE_TEXT and value in SQL:
                    continue
                attempts.append((f"{field}={value!r:.30}", None, {**valid, field: value}, {}, None))
        attempts.append(("unknown field", None, {**valid, "is_admin": True}, {}, None))
        for name, raw, body, headers, status in attempts:
            response = http.request(method, path, content=raw, json=body,
                                    headers={**user["headers"], **headers})
            problem = response.headers.get("content-type", "").startswith("application/problem+json")
            acceptable = 400 <= response.status_code < 500 and problem
            if status is not None:
                acceptable = acceptable and response.status_code == status
            if not acceptable:
                failures.append(f"{method} {path} [{name}] -> {response.status_code} {response.text[:120]}")
    assert not failures, "\n".join(failures[:20])
    assert await snapshot(stores, user) == before


async def test_sql_in_free_text_is_stored_verbatim_and_harms_nothing(
    http: httpx.Client, seeded: str, stores: Stores
) -> None:
    user = account(http, "quoter")
    text = "Best line: '; DROP TABLE reviews; -- and 1 OR 1=1 \" \\ %s"
    created = http.post("/api/reviews/", headers=user["headers"], json={"movie_id": 14, "rating": 7, "title": text,
                                                                        "body": text})
    assert created.status_code == 201
    assert http.get(f"/api/reviews/{created.json()['id']}/").json()["body"] == text
    async with (await stores.mysql()).acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM reviews")
        assert (await cur.fetchone())[0] > 0


@pytest.mark.parametrize("path", ["/api/reviews/", "/api/users/"])
def test_a_body_just_under_the_limit_is_judged_on_its_content(http: httpx.Client, path: str) -> None:
    body = b'{"body": "' + b"x" * (1024 * 1024 - 100) + b'"}'
    response = http.post(path, content=body, headers=JSON)
    assert response.status_code in (401, 422)
