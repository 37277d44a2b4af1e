"""Hardening: no 500s from anonymous input, HEAD/OPTIONS, Host checks, caching headers, safe links, work limits."""

from __future__ import annotations

import random
import socket
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from tests.conftest import account, start_server

LISTS = ["/api/movies/", "/api/genres/1/movies/", "/api/people/", "/api/reviews/", "/api/users/",
         "/api/movies/popular/", "/api/search/?q=love"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("query", ["page=--1", "page_size=--3", "year=--5", "min_votes=--0", "page=1_0",
                                   "page=%D9%A1", "min_rating=1_0", "min_rating=nan"])
def test_list_routes_answer_400_to_numbers_python_would_half_accept(http: httpx.Client, seeded: str, path: str,
                                                                    query: str) -> None:
    response = http.get(path + ("&" if "?" in path else "?") + query)
    assert response.status_code in (400, 404) and response.status_code != 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_people_refuse_a_lone_surrogate_in_q_as_movies_do(http: httpx.Client, seeded: str) -> None:
    assert http.get("/api/movies/?q=%ED%A0%80").status_code == 400
    assert http.get("/api/people/?q=%ED%A0%80").status_code == 400


def test_a_repeated_window_on_trending_is_400(http: httpx.Client, seeded: str) -> None:
    response = http.get("/api/movies/trending/?window=day&window=week")
    assert response.status_code == 400 and "window" in response.json()["errors"]


def test_a_setting_key_holding_nul_is_400(http: httpx.Client, admin: dict[str, str]) -> None:
    for method in ("GET", "PUT"):
        response = http.request(method, "/api/admin/settings/site%00name/", headers=admin, json={"value": 1})
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


# BSON cannot hold NUL in a key: MongoDB's driver refused these values, and the answer was a 500.
@pytest.mark.parametrize("value", [{"a\x00b": 1}, {"\x00": 1}, {"ok": {"x\x00": 1}}, [{"k\x00": 1}]])
def test_a_setting_value_with_nul_in_a_key_is_422(http: httpx.Client, admin: dict[str, str], value: Any) -> None:
    response = http.put("/api/admin/settings/nul_probe/", headers=admin, json={"value": value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "value" in response.json()["errors"]
    assert http.get("/api/admin/settings/nul_probe/", headers=admin).status_code == 404


def test_get_routes_answer_head_and_options(http: httpx.Client, seeded: str) -> None:
    for path in ("/api/movies/1/", "/api/movies/", "/api/genres/", "/api/users/1/"):
        get = http.get(path)
        head = http.head(path)
        assert head.status_code == get.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        options = http.options(path)
        assert options.status_code == 204 and "GET" in options.headers["allow"]
        assert "HEAD" in options.headers["allow"]
    assert "PATCH" in http.options("/api/users/me/").headers["allow"]


def _raw(base: str, request: bytes) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(4096)


def test_http11_requests_without_exactly_one_host_are_400(http: httpx.Client, server: str, seeded: str) -> None:
    missing = _raw(server, b"GET /api/genres/ HTTP/1.1\r\nConnection: close\r\n\r\n")
    twice = _raw(server, b"GET /api/genres/ HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
    one = _raw(server, b"GET /api/genres/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert missing.startswith(b"HTTP/1.1 400") and twice.startswith(b"HTTP/1.1 400")
    assert one.startswith(b"HTTP/1.1 200")


def test_answers_that_may_be_html_vary_on_accept(http: httpx.Client, seeded: str) -> None:
    for path in ("/api/movies/1/", "/api/movies/", "/api/genres/", "/api/reviews/"):
        for accept in ("application/json", "text/html"):
            assert "accept" in http.get(path, headers={"Accept": accept}).headers.get("vary", "").lower(), path


def test_answers_for_a_signed_in_user_are_never_stored(http: httpx.Client) -> None:
    user = account(http, "nostore")
    assert http.get("/api/users/me/", headers=user["headers"]).headers.get("cache-control") == "private, no-store"
    assert http.get("/api/genres/").headers.get("cache-control") == "no-cache"


class Anchors(HTMLParser):
    """Every <a> of a page: its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.found.append((self._open, self._text))
            self._open = None


def test_links_on_html_pages_are_whole_http_urls_with_their_quotes_escaped(http: httpx.Client,
                                                                          seeded: str) -> None:
    user = account(http, "linker")
    bodies = ['http://example.com/"onmouseover="alert(1)', "https://example.com/a&b=<c>'d'", "javascript:alert(1)"]
    ids = []
    for movie_id, body in zip((11, 12, 13), bodies, strict=True):
        created = http.post("/api/reviews/", headers=user["headers"],
                            json={"movie_id": movie_id, "rating": 5, "body": body})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    for review_id, body in zip(ids, bodies, strict=True):
        page = http.get(f"/api/reviews/{review_id}/", headers={"Accept": "text/html"}).text
        pre = page[page.index("<pre>"):page.index("</pre>")]
        parser = Anchors()
        parser.feed(pre)
        hrefs = [attrs for attrs, _ in parser.found if attrs.get("href") == body]
        if body.startswith("javascript:"):
            assert not hrefs and all(not (a.get("href") or "").startswith("javascript:") for a, _ in parser.found)
        else:
            assert len(hrefs) == 1 and set(hrefs[0]) == {"href"}, parser.found
        for attrs, text in parser.found:
            assert set(attrs) == {"href"}
            assert orjson.loads(f'"{text}"') == attrs["href"]


@pytest.fixture(scope="module")
def limited(logs: Path, worker: Any, seeded: str) -> Iterator[str]:
    """A web server with low work limits, whose clients are told apart by X-Forwarded-For."""
    proc, base = start_server(logs, TRUST_FORWARDED="true", RATE_LIMIT_READS="3", RATE_LIMIT_WRITES="2",
                              RATE_LIMIT_WINDOW_SECONDS="60")
    yield base
    proc.stop()


def _address() -> dict[str, str]:
    return {"X-Forwarded-For": f"192.0.2.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"}


def test_reads_that_reach_a_store_carry_ratelimit_headers_and_are_429_beyond_the_limit(limited: str) -> None:
    headers = _address()
    with httpx.Client(base_url=limited, timeout=30) as client:
        answers = [client.get("/api/genres/", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["ratelimit-limit"] == "3" and 0 < int(a.headers["ratelimit-reset"]) <= 60 for a in answers)
    assert 0 < int(answers[-1].headers["retry-after"]) <= 60


def test_lists_a_worker_answers_are_counted_in_the_lookup_and_429_beyond_the_limit(limited: str) -> None:
    headers = _address()
    sizes = random.sample(range(5, 95), 5)
    with httpx.Client(base_url=limited, timeout=30) as client:
        answers = [client.get(f"/api/movies/?sort=-votes&page_size={size}", headers=headers) for size in sizes[:4]]
        people = client.get(f"/api/people/?page_size={sizes[4]}", headers=headers)
    assert [a.status_code for a in answers] == [200, 200, 200, 429], [a.text for a in answers]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert people.status_code == 429 and 0 < int(people.headers["retry-after"]) <= 60


@pytest.mark.parametrize("kind", ["movie", "genre page", "people page"])
def test_a_read_served_from_the_caches_costs_no_limiter_call(limited: str, kind: str) -> None:
    headers = _address()
    size = uuid.uuid4().int % 90 + 5
    url = {"movie": f"/api/movies/{uuid.uuid4().int % 300 + 50}/",
           "genre page": f"/api/genres/3/movies/?page_size={size}",
           "people page": f"/api/people/?page_size={size}"}[kind]
    with httpx.Client(base_url=limited, timeout=30) as client:
        first = client.get(url, headers=headers)
        cached = [client.get(url, headers=headers) for _ in range(5)]
        spent = [client.get("/api/genres/", headers=headers).status_code for _ in range(3)]
    assert first.status_code == 200 and first.headers["ratelimit-remaining"] == "2"
    assert all(c.status_code == 200 and "ratelimit-limit" not in c.headers for c in cached)
    assert spent == [200, 200, 429]


def test_anonymous_writes_are_limited_per_address(limited: str) -> None:
    headers = _address()
    with httpx.Client(base_url=limited, timeout=30) as client:
        codes = [client.post("/api/auth/password-reset/confirm", headers=headers,
                             json={"token": "x" * 40, "password": "long enough"}).status_code for _ in range(3)]
    assert codes == [422, 422, 429]
