"""Accounts and auth: registration rules, tokens, throttling, privacy, changes, deletion, password reset."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Mailbox, account


def test_registering_answers_201_with_public_fields_only(http: httpx.Client) -> None:
    name = f"new_{uuid.uuid4().hex[:8]}"
    response = http.post("/api/users/", json={"username": name, "email": f"{name}@x.org", "password": "long enough"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "date_joined"} and body["username"] == name
    assert body["date_joined"].endswith("Z")


def test_usernames_and_emails_are_unique_case_insensitively(http: httpx.Client) -> None:
    user = account(http, "dup")
    again = http.post("/api/users/", json={"username": user["username"].upper(), "email": "other@x.org",
                                           "password": "long enough"})
    assert again.status_code == 409 and "username" in again.json()["errors"]
    clash = http.post("/api/users/", json={"username": "dup_other_" + uuid.uuid4().hex[:6],
                                           "email": user["email"].upper(), "password": "long enough"})
    assert clash.status_code == 409 and "email" in clash.json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "ab", "email": "a@b.org", "password": "long enough"}, "username"),
    ({"username": "has space", "email": "a@b.org", "password": "long enough"}, "username"),
    ({"username": "valid_name", "email": "not-an-email", "password": "long enough"}, "email"),
    ({"username": "valid_name", "email": "a@b.org", "password": "short"}, "password"),
    ({"username": "Same_As_Pw", "email": "a@b.org", "password": "same_as_pw"}, "password"),
    ({"username": "valid_name", "email": "a@b.org"}, "password"),
])
def test_registration_rules_are_422_naming_the_field(http: httpx.Client, body: dict[str, Any], field: str) -> None:
    response = http.post("/api/users/", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]


def test_a_token_comes_from_a_username_or_an_email(http: httpx.Client) -> None:
    user = account(http, "tok")
    by_email = http.post("/api/auth/token", json={"email": user["email"], "password": user["password"]})
    assert by_email.status_code == 200
    body = by_email.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert http.get("/api/users/me/", headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200


def test_wrong_credentials_are_401_without_saying_which_part(http: httpx.Client) -> None:
    user = account(http, "wrong")
    bad_password = http.post("/api/auth/token", json={"username": user["username"], "password": "nope-nope"})
    bad_user = http.post("/api/auth/token", json={"username": "nobody_" + uuid.uuid4().hex, "password": "nope-nope"})
    assert bad_password.status_code == bad_user.status_code == 401
    assert bad_password.json()["detail"] == bad_user.json()["detail"]


def test_failed_logins_are_throttled_with_retry_after(http: httpx.Client) -> None:
    user = account(http, "throttle")
    codes = [http.post("/api/auth/token", json={"username": user["username"], "password": "wrong-wrong"}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    blocked = http.post("/api/auth/token", json={"username": user["username"], "password": user["password"]})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_public_views_never_show_an_email_or_a_hash(http: httpx.Client) -> None:
    user = account(http, "private")
    detail = http.get(f"/api/users/{user['id']}/")
    listing = http.get("/api/users/?page_size=100")
    for text in (detail.text, listing.text):
        assert user["email"] not in text and "argon2" not in text and "password" not in text
    assert set(detail.json()) == {"id", "username", "date_joined", "review_count"}
    me = http.get("/api/users/me/", headers=user["headers"]).json()
    assert me["email"] == user["email"]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer not.a.token", "Basic dXNlcjpwYXNz",
                                    "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."])
def test_missing_or_bad_tokens_are_401(http: httpx.Client, header: str) -> None:
    response = http.get("/api/users/me/", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_changing_the_password_needs_the_current_one_and_revokes_old_tokens(http: httpx.Client) -> None:
    user = account(http, "change")
    wrong = http.patch("/api/users/me/", headers=user["headers"],
                       json={"current_password": "not-it-at-all", "password": "brand new pw"})
    assert wrong.status_code == 422 and "current_password" in wrong.json()["errors"]
    done = http.patch("/api/users/me/", headers=user["headers"],
                      json={"current_password": user["password"], "password": "brand new pw"})
    assert done.status_code == 200
    assert http.get("/api/users/me/", headers=user["headers"]).status_code == 401
    login = http.post("/api/auth/token", json={"username": user["username"], "password": "brand new pw"})
    assert login.status_code == 200


def test_changing_the_email_keeps_it_unique(http: httpx.Client) -> None:
    first, second = account(http, "mail1"), account(http, "mail2")
    taken = http.patch("/api/users/me/", headers=second["headers"],
                       json={"current_password": second["password"], "email": first["email"]})
    assert taken.status_code == 409
    fresh = f"fresh_{uuid.uuid4().hex[:8]}@example.org"
    ok = http.patch("/api/users/me/", headers=second["headers"],
                    json={"current_password": second["password"], "email": fresh})
    assert ok.status_code == 200 and ok.json()["email"] == fresh


async def test_deleting_an_account_removes_its_reviews_and_profile_through_a_worker(
    http: httpx.Client, seeded: str, stores: Any
) -> None:
    user = account(http, "leaver")
    for movie_id in (1, 2):
        created = http.post("/api/reviews/", headers=user["headers"],
                            json={"movie_id": movie_id, "rating": 7, "body": "Fine."})
        assert created.status_code == 201, created.text
    assert http.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "bye"}).status_code == 200
    assert http.delete("/api/users/me/", headers=user["headers"]).status_code == 204
    assert http.get("/api/users/me/", headers=user["headers"]).status_code == 401
    assert http.get(f"/api/users/{user['id']}/").status_code == 404
    pool, fb = await stores.mysql(), await stores.firebase()
    for _ in range(100):
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT COUNT(*) FROM reviews WHERE user_id = %s", (user["id"],))
            left = (await cur.fetchone())[0]
        if left == 0 and await fb.get(f"/profiles/{user['id']}") is None:
            break
        await asyncio.sleep(0.1)
    assert left == 0
    assert await fb.get(f"/profiles/{user['id']}") is None


def test_a_welcome_email_is_sent_over_smtp(http: httpx.Client, mailbox: Mailbox) -> None:
    user = account(http, "welcome")
    message = mailbox.wait_for(user["email"], "Welcome")
    assert user["username"] in message.get_content()


def test_password_reset_is_202_always_and_mails_a_single_use_token(http: httpx.Client, mailbox: Mailbox) -> None:
    user = account(http, "forgot")
    unknown = http.post("/api/auth/password-reset", json={"email": "nobody-" + uuid.uuid4().hex + "@x.org"})
    known = http.post("/api/auth/password-reset", json={"email": user["email"]})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    text = mailbox.wait_for(user["email"], "Reset").get_content()
    assert "/api/auth/password-reset/confirm?token=" in text
    token = re.search(r"token=([\w-]+)", text).group(1)  # type: ignore[union-attr]
    confirmed = http.post("/api/auth/password-reset/confirm", json={"token": token, "password": "after reset 1"})
    assert confirmed.status_code == 200
    again = http.post("/api/auth/password-reset/confirm", json={"token": token, "password": "after reset 2"})
    assert again.status_code == 422
    assert http.get("/api/users/me/", headers=user["headers"]).status_code == 401
    login = http.post("/api/auth/token", json={"username": user["username"], "password": "after reset 1"})
    assert login.status_code == 200


def test_failures_from_one_address_are_throttled_across_accounts(logs: Any, worker: Any) -> None:
    from tests.conftest import start_server
    from tests.faults.servers import ThrowawayRedis

    # A Redis of its own: the throttle's counters start empty, and no other namespace is touched.
    redis = ThrowawayRedis().start()
    proc, base = start_server(logs, LOGIN_ATTEMPTS_PER_ADDRESS="3", REDIS_URL=redis.url())
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            codes = [client.post("/api/auth/token", json={"username": f"ghost_{i}_{uuid.uuid4().hex[:6]}",
                                                          "password": "whatever-1"}).status_code for i in range(4)]
            spoofed = client.post("/api/auth/token", headers={"X-Forwarded-For": "203.0.113.9"},
                                  json={"username": "ghost_x", "password": "whatever-1"})
    finally:
        proc.stop()
        redis.stop()
    assert codes == [401, 401, 401, 429]
    assert spoofed.status_code == 429
