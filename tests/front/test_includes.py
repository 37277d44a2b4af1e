"""A film's page in one call: `?include=reviews,similar,state` adds what those routes answer."""

from __future__ import annotations

import time

import httpx

from tests.conftest import account


def test_includes_add_what_their_own_routes_answer(http: httpx.Client, seeded: str) -> None:
    user = account(http, "incl")
    assert http.post("/api/reviews/", headers=user["headers"],
                     json={"movie_id": 2, "rating": 8, "title": "t", "body": "Included."}).status_code == 201
    assert http.put("/api/users/me/watchlist/2/", headers=user["headers"]).status_code == 204
    for _ in range(50):  # the first ask may meet a worker still computing: the include names the job then
        whole = http.get("/api/movies/2/?include=reviews,similar,state", headers=user["headers"])
        assert whole.status_code == 200, whole.text
        if "results" in whole.json()["similar"]:
            break
        assert whole.json()["similar"]["status_url"].startswith("/api/jobs/")
        time.sleep(0.2)
    body = whole.json()
    assert list(body)[-3:] == ["reviews", "similar", "state"]
    plain = http.get("/api/movies/2/").json()
    assert {k: v for k, v in body.items() if k not in ("reviews", "similar", "state")} == plain
    assert body["reviews"] == http.get("/api/movies/2/reviews/").json()
    assert body["similar"] == http.get("/api/movies/2/similar/").json()
    assert body["state"] == http.get("/api/movies/2/state/", headers=user["headers"]).json()
    assert body["state"]["watchlist"] is True and body["state"]["rating"] == 8
    assert whole.headers["cache-control"] == "private, no-store"
    assert whole.headers["etag"] != http.get("/api/movies/2/").headers["etag"]
    held = http.get("/api/movies/2/?include=reviews", headers={"If-None-Match": http.get(
        "/api/movies/2/?include=reviews").headers["etag"]})
    assert held.status_code == 304


def test_state_needs_a_token_and_unknown_names_are_a_400_naming_them(http: httpx.Client, seeded: str) -> None:
    assert http.get("/api/movies/2/?include=state").status_code == 401
    for query, named in (("include=reviews,credits", "credits"), ("include=reviews,,state", "''"),
                         ("include=", ""), ("colour=red", "Unknown parameter")):
        answer = http.get(f"/api/movies/2/?{query}")
        assert answer.status_code == 400, query
        field = "include" if query.startswith("include") else "colour"
        assert named in " ".join(answer.json()["errors"][field]), answer.text
    assert http.get("/api/movies/999999999/?include=reviews").status_code == 404
