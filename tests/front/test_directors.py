"""Real directors from vega-datasets, through the API of the seeded test stores (400 films)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from seeds import vega
from stores.mongo import people as mongo_people
from tests.actors.test_search import wait_for
from tests.conftest import SEED

KUBRICK = 90_000_473


def test_2001_is_directed_by_stanley_kubrick_whose_page_lists_his_matched_films(
    http: httpx.Client, seeded: str
) -> None:
    film = http.get("/api/movies/282/").json()
    assert film["title"] == "2001: A Space Odyssey"
    directors = [c for c in film["crew"] if c["job"] == "Director"]
    assert directors == [{"person_id": KUBRICK, "name": "Stanley Kubrick", "job": "Director",
                          "department": "Directing"}]
    person = http.get(f"/api/people/{KUBRICK}/").json()
    assert (person["name"], person["generated"], person["known_for_department"]) == (
        "Stanley Kubrick", False, "Directing")
    theirs = sorted(film_id for film_id, facts in vega.matches().items()
                    if facts.director == "Stanley Kubrick" and film_id <= SEED["movies"])
    assert theirs == [282]  # the other four of his matched films are beyond the test seed's 400
    assert person["credits"] == {"cast": [], "crew": [
        {"movie_id": 282, "title": "2001: A Space Odyssey", "year": 1968, "job": "Director",
         "department": "Directing"}]}


def test_a_person_says_whether_it_is_generated(http: httpx.Client, seeded: str) -> None:
    film = http.get("/api/movies/282/").json()
    generated = [c["person_id"] for c in film["cast"] + film["crew"] if c["person_id"] != KUBRICK]
    assert generated
    for person_id in generated[:5]:
        assert http.get(f"/api/people/{person_id}/").json()["generated"] is True


def test_a_search_for_kubrick_finds_him_first(http: httpx.Client, seeded: str) -> None:
    found = wait_for(http, "/api/search/?q=kubrick&type=person")
    assert found.status_code == 200, found.text
    assert found.json()["results"][0]["id"] == KUBRICK
    assert found.json()["results"][0]["name"] == "Stanley Kubrick"
    listed = http.get("/api/people/?q=kubrick").json()
    assert listed["results"][0]["id"] == KUBRICK
    assert wait_for(http, "/api/search/?q=kubrik&type=person").json()["results"][0]["id"] == KUBRICK  # a typo


async def test_a_person_written_before_the_flag_is_generated_unless_tmdb_knows_it(
    http: httpx.Client, seeded: str, stores: Any
) -> None:
    db = await stores.mongo()
    base = 65_000_000 + uuid.uuid4().int % 100_000 * 10
    await db.people.insert_many([
        mongo_people.prepare({"_id": base, "name": "Old Generated", "credits": {"cast": [], "crew": []}}),
        mongo_people.prepare({"_id": base + 1, "name": "Old Tmdb", "tmdb_id": 77, "credits": {"cast": [], "crew": []}}),
    ])
    try:
        assert http.get(f"/api/people/{base}/").json()["generated"] is True
        assert http.get(f"/api/people/{base + 1}/").json()["generated"] is False
    finally:
        await db.people.delete_many({"_id": {"$in": [base, base + 1]}})
