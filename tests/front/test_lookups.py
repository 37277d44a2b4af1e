"""Batch lookups: `?ids=` on the film and people lists answers those ids in one page, in the order given,
with the ids of none under `missing`."""

from __future__ import annotations

import httpx


def test_films_by_id_come_in_the_order_asked_with_the_missing_named(http: httpx.Client, seeded: str) -> None:
    asked = [7, 3, 999999999, 12, 7]
    page = http.get("/api/movies/?ids=" + ",".join(map(str, asked)) + "&page_size=1")
    assert page.status_code == 200, page.text
    body = page.json()
    assert [film["id"] for film in body["results"]] == [7, 3, 12]
    assert body["missing"] == [999999999] and body["count"] == 3 and body["next"] is body["previous"] is None
    for film in body["results"]:
        detail = http.get(f"/api/movies/{film['id']}/").json()
        assert (film["title"], film["year"], film["genres"]) == (detail["title"], detail["year"], detail["genres"])
    assert http.get("/api/movies/?ids=7,3,999999999,12,7&page_size=1").json() == body  # the cached page


def test_people_by_id(http: httpx.Client, seeded: str) -> None:
    some = [p["id"] for p in http.get("/api/people/?page_size=3").json()["results"]]
    body = http.get("/api/people/?ids=" + ",".join(map(str, [*reversed(some), 10**15]))).json()
    assert [p["id"] for p in body["results"]] == list(reversed(some)) and body["missing"] == [10**15]
    assert all(set(p) >= {"id", "name", "known_for_department", "popularity"} for p in body["results"])


def test_bad_lookups_are_400_naming_the_parameter(http: httpx.Client, seeded: str) -> None:
    many = ",".join(str(i) for i in range(1, 102))
    for query, field in ((f"ids={many}", "ids"), ("ids=5,%206", "ids"), ("ids=0", "ids"), ("ids=5,,6", "ids"),
                         ("ids=", "ids"), ("ids=5&genre=Drama", "genre"), ("ids=5&sort=-votes", "sort"),
                         ("ids=5&page=2", "page"), ("ids=5&ids=6", "ids")):
        answer = http.get(f"/api/movies/?{query}")
        assert answer.status_code == 400 and field in answer.json()["errors"], (query, answer.text)
    assert http.get("/api/people/?ids=5&q=an").status_code == 400
    assert http.get("/api/genres/3/movies/?ids=5").status_code == 400  # a genre's list takes no ids
