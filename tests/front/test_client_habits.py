"""What API clients bring from other APIs: CORS for pages on other origins, OPTIONS on every URL,
Django REST framework's `format`, `ordering` and `search`, and genres by id or name everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import account, start_server

APP = "https://app.example"
ELSEWHERE = "https://elsewhere.example"


def _preflight(client: httpx.Client, path: str, origin: str, method: str, headers: str = "") -> httpx.Response:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=asked)


def test_every_url_answers_options_with_its_methods(http: httpx.Client) -> None:
    token = http.options("/api/auth/token/")  # a POST-only URL (was 405)
    assert token.status_code == 204 and set(token.headers["allow"].split(", ")) == {"POST", "OPTIONS"}
    me = http.options("/api/users/me/")
    assert {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"} <= set(me.headers["allow"].split(", "))


def test_by_default_any_page_reads_anonymous_gets_and_nothing_with_a_token(http: httpx.Client, seeded: str) -> None:
    detail = http.get("/api/movies/1/", headers={"Origin": ELSEWHERE})
    assert detail.status_code == 200 and detail.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in detail.headers
    assert "ETag" in detail.headers["access-control-expose-headers"]
    user = account(http, "cors")
    mine = http.get("/api/users/me/", headers={"Origin": ELSEWHERE, **user["headers"]})
    assert mine.status_code == 200 and "access-control-allow-origin" not in mine.headers
    assert "access-control-allow-origin" not in http.get("/api/movies/1/").headers  # same origin: nothing
    problem = http.get("/api/movies/999999999/", headers={"Origin": ELSEWHERE})
    assert problem.status_code == 404 and problem.headers["access-control-allow-origin"] == "*"

    read = _preflight(http, "/api/movies/", ELSEWHERE, "GET", "if-none-match")
    assert read.status_code == 204 and read.headers["access-control-allow-origin"] == "*"
    assert set(read.headers["access-control-allow-methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in read.headers["access-control-allow-headers"]
    assert "Authorization" not in read.headers["access-control-allow-headers"]
    write = _preflight(http, "/api/users/me/profile/", ELSEWHERE, "PUT", "authorization, content-type")
    assert write.status_code == 204 and "PUT" not in write.headers["access-control-allow-methods"]


@pytest.fixture(scope="module")
def listed(logs: Path, worker: Any, seeded: str) -> Iterator[str]:
    """A web server that lets one origin call with tokens, and any other read anonymously."""
    proc, base = start_server(logs, CORS_ORIGINS=f"{APP}, *")
    yield base
    proc.stop()


def test_a_listed_origin_may_send_tokens_and_answers_vary_by_origin(listed: str) -> None:
    with httpx.Client(base_url=listed, timeout=30) as client:
        user = account(client, "corsapp")
        mine = client.get("/api/users/me/", headers={"Origin": APP, **user["headers"]})
        assert mine.status_code == 200 and mine.headers["access-control-allow-origin"] == APP
        assert mine.headers["access-control-allow-credentials"] == "true"
        assert "Origin" in mine.headers["vary"]
        write = _preflight(client, "/api/users/me/profile/", APP, "PUT", "authorization, content-type")
        assert write.status_code == 204 and write.headers["access-control-allow-origin"] == APP
        assert {"PUT", "PATCH"} <= set(write.headers["access-control-allow-methods"].split(", "))
        assert "Authorization" in write.headers["access-control-allow-headers"]
        other = client.get("/api/movies/1/", headers={"Origin": ELSEWHERE})
        assert other.headers["access-control-allow-origin"] == "*" and "Origin" in other.headers["vary"]
        assert "access-control-allow-origin" not in client.get(
            "/api/users/me/", headers={"Origin": ELSEWHERE, **user["headers"]}).headers


def test_format_chooses_json_or_the_browsable_page_whatever_accept_says(http: httpx.Client, seeded: str) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/api/movies/1/", "/api/movies/?genre=Drama&page_size=3"):
        joined = "&" if "?" in path else "?"
        assert http.get(path, headers=browser).headers["content-type"].startswith("text/html")
        as_json = http.get(f"{path}{joined}format=json", headers=browser)
        assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
        page = http.get(f"{path}{joined}format=api")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    bad = http.get("/api/movies/?format=xml")
    assert bad.status_code == 400 and "format" in bad.json()["errors"]


def test_ordering_and_search_are_read_as_sort_and_q(http: httpx.Client, seeded: str) -> None:
    assert (http.get("/api/movies/?ordering=-votes&page_size=5").json()["results"]
            == http.get("/api/movies/?sort=-votes&page_size=5").json()["results"])
    searched, asked = (http.get(f"/api/people/?{name}=an&page_size=7").json() for name in ("search", "q"))
    assert (searched["count"], searched["results"]) == (asked["count"], asked["results"])
    assert "search=an" in searched["next"]  # the links keep what the client sent
    both = http.get("/api/movies/?ordering=-votes&sort=year")
    assert both.status_code == 400 and "ordering" in both.json()["errors"]


def test_favorite_genres_take_ids_or_names(http: httpx.Client, seeded: str) -> None:
    genres = {g["name"]: g["id"] for g in http.get("/api/genres/").json()["results"]}
    user = account(http, "genrenames")
    put = http.put("/api/users/me/profile/", headers=user["headers"],
                   json={"favorite_genres": ["drama", genres["Comedy"], "Drama"]})
    assert put.status_code == 200, put.text
    assert put.json()["favorite_genres"] == sorted({genres["Drama"], genres["Comedy"]})
    unknown = http.patch("/api/users/me/profile/", headers=user["headers"], json={"favorite_genres": ["Western"]})
    assert unknown.status_code == 422 and "Western" in unknown.json()["errors"]["favorite_genres"][0]
    for bad in ([""], [True], [0], ["x" * 101]):
        refused = http.patch("/api/users/me/profile/", headers=user["headers"], json={"favorite_genres": bad})
        assert refused.status_code == 422, bad
