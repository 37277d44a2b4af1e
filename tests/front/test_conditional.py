"""Conditional requests: every GET's 200 carries a strong entity tag, and a client holding it gets a 304
with no body; the JSON and HTML renderings have tags of their own; public reads say `no-cache` (revalidate
each time), a user's own data `private, no-store`."""

from __future__ import annotations

import re

import httpx

from tests.conftest import account

STRONG = re.compile(r'^"[0-9a-f]{32}(-html[0-9a-f]{8})?"$')
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_held_tag_is_answered_304_without_a_body(http: httpx.Client, seeded: str) -> None:
    person = http.get("/api/people/?page_size=1").json()["results"][0]["id"]
    for path in ("/api/movies/1/", "/api/movies/?genre=Drama&page_size=4", "/api/people/?page_size=3",
                 "/api/genres/", f"/api/people/{person}/", "/api/movies/1/reviews/"):
        first = http.get(path)
        assert first.status_code == 200 and STRONG.match(first.headers["etag"]), path
        tag = first.headers["etag"]
        again = http.get(path)
        assert again.headers["etag"] == tag and again.content == first.content, path
        held = http.get(path, headers={"If-None-Match": tag})
        assert held.status_code == 304 and held.content == b"", path
        assert held.headers["etag"] == tag and held.headers["cache-control"] == "no-cache"
        assert "accept" in held.headers["vary"].lower()
        assert http.head(path, headers={"If-None-Match": tag}).status_code == 304
        assert http.get(path, headers={"If-None-Match": f'W/{tag}, "other"'}).status_code == 304  # weak compare
        assert http.get(path, headers={"If-None-Match": "*"}).status_code == 304
        assert http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_html_page_has_a_tag_of_its_own(http: httpx.Client, seeded: str) -> None:
    data = http.get("/api/movies/2/")
    page = http.get("/api/movies/2/", headers=BROWSER)
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["etag"] != data.headers["etag"] and STRONG.match(page.headers["etag"])
    assert http.get("/api/movies/2/", headers={**BROWSER, "If-None-Match": data.headers["etag"]}).status_code == 200
    assert http.get("/api/movies/2/", headers={**BROWSER, "If-None-Match": page.headers["etag"]}).status_code == 304
    assert http.get("/api/movies/2/", headers={"If-None-Match": page.headers["etag"]}).status_code == 200


def test_a_change_changes_the_tag(http: httpx.Client, seeded: str) -> None:
    user = account(http, "etag")
    path = f"/api/users/{user['id']}/profile/"
    before = http.get(path).headers["etag"]
    assert http.patch("/api/users/me/profile/", headers=user["headers"], json={"bio": "new"}).status_code == 200
    after = http.get(path, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.json()["bio"] == "new" and after.headers["etag"] != before


def test_public_reads_revalidate_with_or_without_a_token_and_your_own_data_is_never_stored(
        http: httpx.Client, seeded: str) -> None:
    user = account(http, "etagme")
    public = http.get("/api/movies/1/", headers=user["headers"])
    assert public.headers["cache-control"] == "no-cache"
    mine = http.get("/api/users/me/", headers=user["headers"])
    assert mine.headers["cache-control"] == "private, no-store" and STRONG.match(mine.headers["etag"])
    held = http.get("/api/users/me/", headers={**user["headers"], "If-None-Match": mine.headers["etag"]})
    assert held.status_code == 304 and held.headers["cache-control"] == "private, no-store"
    assert "etag" not in http.post("/api/auth/token", json={"username": user["username"],
                                                           "password": "s3cret-pass"}).headers
