"""Keyset cursors on the film lists: `?cursor=` (blank to begin) walks a sorted, filtered list page after
page by (sort value, id); cursors are signed and belong to one list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import account


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


def test_a_films_reviews_walk_by_cursor_without_repeating_one_when_reviews_are_posted(
        http: httpx.Client, seeded: str) -> None:
    film = max((f for f in http.get("/api/movies/?sort=-votes&page_size=50").json()["results"]),
               key=lambda f: http.get(f"/api/movies/{f['id']}/reviews/?page_size=1").json()["count"])
    url = f"/api/movies/{film['id']}/reviews/"
    count = http.get(url + "?page_size=1").json()["count"]
    assert count >= 6, "the seed reviews the most voted films several times"
    for sort in ("-created_at", "created_at", "-rating", "rating"):
        by_number = [r["id"] for r in http.get(f"{url}?sort={sort}&page_size=100").json()["results"]]
        assert walk_by_cursor(http, f"{url}?sort={sort}&page_size=4&cursor=") == by_number[:count], sort

    first = http.get(f"{url}?page_size=3&cursor=").json()
    newcomer = account(http, "walker")
    posted = http.post("/api/reviews/", headers=newcomer["headers"],
                       json={"movie_id": film["id"], "rating": 7, "body": "Posted mid-walk."})
    assert posted.status_code == 201, posted.text
    try:
        second = http.get(first["next"]).json()
        page_two = http.get(f"{url}?page_size=3&page=2").json()
        seen = [r["id"] for r in first["results"]]
        assert not {r["id"] for r in second["results"]} & set(seen)
        assert page_two["results"][0]["id"] == seen[-1], "page 2 by number repeats a review here"
        assert http.get(f"{url}?sort=rating&cursor={first['next_cursor']}").status_code == 400
        assert http.get(f"/api/reviews/?cursor={first['next_cursor']}").status_code == 400  # another list
    finally:
        http.delete(f"/api/reviews/{posted.json()['id']}/", headers=newcomer["headers"])
