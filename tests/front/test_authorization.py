"""Authorization: forged, expired and orphaned tokens are refused, nobody edits what is not
theirs, admin routes refuse members, and no response carries an email, a hash or a token."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from config import Settings
from tests.conftest import account

ADMIN_ROUTES = [("POST", "/api/admin/seed/", {}), ("GET", "/api/admin/settings/site_name/", None),
                ("PUT", "/api/admin/settings/site_name/", {"value": "x"}),
                ("POST", "/api/admin/tmdb-sync/", {"tmdb_ids": [1]})]


def reissue(token: str, key: str, **changes: Any) -> str:
    """The token's claims, changed, signed with the given key and the token's own algorithm."""
    algorithm = jwt.get_unverified_header(token)["alg"]
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode({**claims, **changes}, key, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_signed_with_another_key_is_refused(http: httpx.Client) -> None:
    user = account(http, "forged")
    token = user["headers"]["Authorization"].split()[1]
    forged = reissue(token, "not-the-server-secret-not-the-server-secret")
    response = http.get("/api/users/me/", headers=bearer(forged))
    assert response.status_code == 401
    assert http.post("/api/reviews/", headers=bearer(forged),
                     json={"movie_id": 1, "rating": 5, "body": "forged"}).status_code == 401


def test_an_expired_token_is_refused_even_when_correctly_signed(http: httpx.Client, settings: Settings) -> None:
    user = account(http, "expired")
    token = user["headers"]["Authorization"].split()[1]
    now = int(time.time())
    expired = reissue(token, settings.secret_key.reveal(), iat=now - 7200, exp=now - 60)
    response = http.get("/api/users/me/", headers=bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert http.get("/api/users/me/", headers=user["headers"]).status_code == 200


def test_a_deleted_users_token_is_refused_everywhere(http: httpx.Client, seeded: str) -> None:
    user = account(http, "gone")
    assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
    assert http.get("/api/users/me/", headers=user["headers"]).status_code == 401
    assert http.post("/api/reviews/", headers=user["headers"],
                     json={"movie_id": 1, "rating": 5, "body": "ghost"}).status_code == 401
    assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "ghost"}).status_code == 401
    assert http.get("/api/users/me/recommendations/", headers=user["headers"]).status_code == 401


def test_nobody_changes_another_users_review_or_profile(http: httpx.Client, seeded: str) -> None:
    owner, intruder = account(http, "owner"), account(http, "intruder")
    review = http.post("/api/reviews/", headers=owner["headers"], json={"movie_id": 3, "rating": 8, "body": "Mine."})
    assert review.status_code == 201
    review_id = review.json()["id"]
    assert http.put("/api/users/me/profile/", headers=owner["headers"], json={"bio": "mine"}).status_code == 200
    changed = http.patch(f"/api/reviews/{review_id}/", headers=intruder["headers"], json={"body": "Not yours."})
    assert changed.status_code == 403
    assert http.delete(f"/api/reviews/{review_id}/", headers=intruder["headers"]).status_code == 403
    for method in ("PUT", "PATCH", "DELETE"):
        refused = http.request(method, f"/api/users/{owner['id']}/profile/", headers=intruder["headers"],
                               json={"bio": "hijacked"})
        assert refused.status_code == 405, (method, refused.status_code)
    assert http.get(f"/api/reviews/{review_id}/").json()["body"] == "Mine."
    assert http.get(f"/api/users/{owner['id']}/profile/").json()["bio"] == "mine"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES])
def test_admin_routes_refuse_anonymous_callers_and_members(
    http: httpx.Client, method: str, path: str, body: Any
) -> None:
    member = account(http, "member")
    assert http.request(method, path, json=body).status_code == 401
    refused = http.request(method, path, json=body, headers=member["headers"])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_no_response_carries_an_email_a_password_hash_or_a_token(http: httpx.Client, seeded: str) -> None:
    user, other = account(http, "private"), account(http, "viewer")
    token = user["headers"]["Authorization"].split()[1]
    made = http.post("/api/reviews/", headers=user["headers"], json={"movie_id": 4, "rating": 6, "body": "Hello."})
    assert made.status_code == 201
    assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "hi"}).status_code == 200
    review_id = made.json()["id"]
    paths = ["/api/users/", f"/api/users/{user['id']}/", f"/api/users/{user['id']}/profile/",
             f"/api/reviews/?user={user['id']}", f"/api/reviews/{review_id}/", "/api/movies/4/reviews/",
             "/api/movies/4/", "/metrics", "/readyz", "/openapi.json", "/api/users/?page=999999"]
    secrets = [user["email"], token, "argon2", "password_hash", "$argon2id"]
    for headers in ({}, other["headers"]):
        for path in paths:
            text = http.get(path, headers=headers).text
            for secret in secrets:
                assert secret not in text, (path, secret)
    for response in (made, http.patch(f"/api/reviews/{review_id}/", headers=user["headers"], json={"rating": 7})):
        for secret in secrets:
            assert secret not in response.text


@pytest.mark.parametrize(("path", "status"), [
    ("/api/movies/?page_size=101", 400),
    ("/api/users/?page_size=1000", 400),
    ("/api/reviews/?page=10000001", 400),
    ("/api/people/?q=" + "a" * 201, 400),
    ("/api/search/?q=" + "a" * 201, 400),
    ("/api/movies/?page=", 400),
    ("/api/movies/99999999999999999999999/", 404),
    ("/api/movies/?genre=%C2%B2", 400),
    ("/api/movies/?genre=99999999999999999999999", 400),
    ("/api/movies/?q=" + "a" * 20_000, 431),
])
def test_limits_on_pages_queries_and_urls_are_clear_problems(http: httpx.Client, path: str, status: int) -> None:
    response = http.get(path)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
