"""Keyset cursors on the film lists: `?cursor=` (blank to begin) walks a sorted, filtered list page after
page by (sort value, id); cursors are signed and belong to one list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


def walk_by_cursor(http: httpx.Client, url: str) -> list[int]:
    ids: list[int] = []
    page = http.get(url)
    while True:
        assert page.status_code == 200, page.text
        body = page.json()
        ids += [film["id"] for film in body["results"]]
        assert body["previous"] is None
        if body["next"] is None:
            assert body["next_cursor"] is None
            return ids
        assert parse_qs(urlsplit(body["next"]).query)["cursor"] == [body["next_cursor"]]
        page = http.get(body["next"])


@pytest.mark.parametrize("query", ["sort=-rating&genre=Drama", "sort=title", "sort=-title&year_from=1990",
                                   "sort=gross", "sort=runtime", "sort=-popularity"])
def test_a_cursor_walk_lists_what_the_page_numbers_list(http: httpx.Client, seeded: str, query: str) -> None:
    everything = http.get(f"/api/movies/?{query}&page_size=100")
    assert everything.status_code == 200, everything.text
    count = everything.json()["count"]
    by_number: list[int] = []
    for page in range(1, -(-count // 100) + 1):
        by_number += [f["id"] for f in http.get(f"/api/movies/?{query}&page_size=100&page={page}").json()["results"]]
    assert walk_by_cursor(http, f"/api/movies/?{query}&page_size=17&cursor=") == by_number
    assert len(by_number) == count > 17


def test_a_genres_films_walk_by_cursor(http: httpx.Client, seeded: str) -> None:
    by_number = [f["id"] for f in http.get("/api/genres/4/movies/?sort=year&page_size=100").json()["results"]]
    assert walk_by_cursor(http, "/api/genres/4/movies/?sort=year&page_size=30&cursor=")[:100] == by_number


def test_cursors_are_signed_and_belong_to_their_list(http: httpx.Client, seeded: str) -> None:
    first = http.get("/api/movies/?sort=-votes&page_size=5&cursor=").json()
    cursor = first["next_cursor"]
    assert cursor and first["count"] > 5
    body, _, mac = cursor.partition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for url in (f"/api/movies/?sort=-votes&cursor={forged}", "/api/movies/?sort=-votes&cursor=nonsense",
                f"/api/movies/?sort=votes&cursor={cursor}", f"/api/movies/?sort=-votes&genre=Drama&cursor={cursor}",
                f"/api/movies/?sort=-votes&page=2&cursor={cursor}", "/api/movies/?cursor=a&cursor=b"):
        answer = http.get(url)
        assert answer.status_code == 400, (url, answer.text)
        problem = answer.json()["errors"]
        assert "cursor" in problem or "page" in problem, problem
    second = http.get(f"/api/movies/?sort=-votes&page_size=5&cursor={cursor}")
    assert second.status_code == 200 and second.json()["results"][0]["id"] not in [f["id"] for f in first["results"]]
