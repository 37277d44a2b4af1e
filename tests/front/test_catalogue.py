"""Genres and people, their details, and the browsable HTML and OpenAPI views of the API."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from seeds import films, vega
from tests.conftest import SEED

DOCS = [vega.film_document(f) for f in films.all_films()[: SEED["movies"]]]  # genres with vega's major genre


def test_genres_list_all_seven_with_their_movie_counts(http: httpx.Client, seeded: str) -> None:
    body = http.get("/api/genres/").json()
    assert body["count"] == 7
    counts = Counter(g for doc in DOCS for g in doc["genre_ids"])
    assert counts != Counter(g for f in films.all_films()[: SEED["movies"]] for g in f.genre_ids)
    assert {g["id"]: g["movie_count"] for g in body["results"]} == {g: counts[g] for g in range(1, 8)}


def test_a_genre_and_its_movies(http: httpx.Client, seeded: str) -> None:
    assert http.get("/api/genres/2/").json()["name"] == "Animation"
    movies = http.get("/api/genres/2/movies/?sort=year&page_size=100").json()
    assert movies["count"] == sum(2 in doc["genre_ids"] for doc in DOCS)
    assert all(any(g["id"] == 2 for g in m["genres"]) for m in movies["results"])
    assert http.get("/api/genres/99/").status_code == 404
    assert http.get("/api/genres/99/movies/").status_code == 404


async def test_people_are_searchable_by_name_prefix(http: httpx.Client, seeded: str, stores: Any) -> None:
    db = await stores.mongo()
    person = await db.people.find_one({}, sort=[("popularity", -1)])
    first, last = person["name"].split()[:2]
    body = http.get(f"/api/people/?q={first.lower()} {last[:3]}").json()
    assert person["_id"] in [p["id"] for p in body["results"]]
    assert all(first.lower() in p["name"].lower() for p in body["results"])
    assert set(body["results"][0]) == {"id", "name", "known_for_department", "popularity"}


async def test_a_person_has_credits_that_point_back(http: httpx.Client, seeded: str, stores: Any) -> None:
    person = await (await stores.mongo()).people.find_one({"credits.cast.0": {"$exists": True}})
    body = http.get(f"/api/people/{person['_id']}/").json()
    assert body["name"] == person["name"] and body["biography"]
    movie_id = body["credits"]["cast"][0]["movie_id"]
    movie = http.get(f"/api/movies/{movie_id}/").json()
    assert person["_id"] in [c["person_id"] for c in movie["cast"]]
    assert http.get("/api/people/999999999/").status_code == 404


def test_a_browser_gets_a_linked_escaped_html_page(http: httpx.Client, seeded: str) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = http.get("/api/people/?q=<script>alert(1)</script>", headers=browser)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text
    listing = http.get("/api/movies/?page_size=5", headers=browser).text
    assert listing.count('href="http://') >= 2 and "page=2" in listing
    assert "&#34;count&#34;" in listing
    detail = http.get("/api/movies/5/", headers=browser).text
    assert 'href="/api/people/' in detail
    assert http.get("/api/movies/5/").headers["content-type"].startswith("application/json")


def test_openapi_lists_every_route_and_docs_render_it(http: httpx.Client, server: str) -> None:
    spec = http.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/movies/", "/api/movies/{movie_id}/", "/api/movies/trending/", "/api/genres/",
                 "/api/genres/{genre_id}/movies/", "/api/people/{person_id}/", "/api/jobs/{job_id}/",
                 "/healthz", "/readyz", "/metrics"):
        assert path in spec["paths"], path
    params = {p["name"] for p in spec["paths"]["/api/movies/"]["get"]["parameters"]}
    assert {"genre", "year", "year_from", "year_to", "min_rating", "max_rating", "min_votes", "mpaa",
            "person", "q", "sort", "page", "page_size"} <= params
    docs = http.get("/docs")
    assert docs.status_code == 200 and "/api/movies/{movie_id}/" in docs.text
