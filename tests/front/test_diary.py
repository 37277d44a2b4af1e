"""The diary: dated watches, rewatches of one film, filters by year and month, changed by the author only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import account


def log(http: httpx.Client, user: dict[str, Any], **fields: Any) -> httpx.Response:
    """Post a diary entry."""
    return http.post("/api/users/me/diary/", headers=user["headers"], json={"movie_id": 90, **fields})


def test_logging_a_watch_answers_201_with_the_film_and_rewatches_are_entries_of_their_own(
        http: httpx.Client, seeded: str) -> None:
    user = account(http, "diarist")
    first = log(http, user, watched_on="2023-05-06", rating=8, note="Ünïcödé ✓")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["movie_id"], body["watched_on"], body["rating"], body["rewatch"], body["note"]) == (
        90, "2023-05-06", 8, False, "Ünïcödé ✓")
    assert body["movie"]["id"] == 90 and body["user_id"] == user["id"]
    again = log(http, user, watched_on="2023-05-07", rewatch=True)
    assert again.status_code == 201 and again.json()["rewatch"] is True and again.json()["rating"] is None
    entries = http.get(f"/api/users/{user['id']}/diary/").json()
    assert [e["id"] for e in entries["results"]] == [again.json()["id"], body["id"]]


@pytest.mark.parametrize(("fields", "field"), [
    ({}, "watched_on"),
    ({"watched_on": "2023-02-30"}, "watched_on"),
    ({"watched_on": "20230201"}, "watched_on"),
    ({"watched_on": "2023-W05-1"}, "watched_on"),
    ({"watched_on": " 2023-02-01"}, "watched_on"),
    ({"watched_on": "2023-02-01T10:00:00"}, "watched_on"),
    ({"watched_on": 20230201}, "watched_on"),
    ({"watched_on": "1869-12-31"}, "watched_on"),
    ({"watched_on": "2023-02-01", "rating": 0}, "rating"),
    ({"watched_on": "2023-02-01", "rating": 11}, "rating"),
    ({"watched_on": "2023-02-01", "rating": 7.5}, "rating"),
    ({"watched_on": "2023-02-01", "rewatch": 1}, "rewatch"),
    ({"watched_on": "2023-02-01", "note": 5}, "note"),
    ({"watched_on": "2023-02-01", "note": "x" * 10_001}, "note"),
    ({"watched_on": "2023-02-01", "movie_id": 999_999_999}, "movie_id"),
    ({"watched_on": "2023-02-01", "movie_id": "90"}, "movie_id"),
    ({"watched_on": "2023-02-01", "mood": "happy"}, "mood"),
])
def test_a_bad_entry_is_422_naming_the_field_and_writes_nothing(http: httpx.Client, seeded: str,
                                                                 fields: dict[str, Any], field: str) -> None:
    user = account(http, "baddiary")
    response = log(http, user, **fields)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert http.get(f"/api/users/{user['id']}/diary/").json()["count"] == 0


def test_a_watch_may_not_be_in_the_future(http: httpx.Client, seeded: str) -> None:
    user = account(http, "future")
    tomorrow_everywhere = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert log(http, user, watched_on=tomorrow_everywhere).status_code == 422
    today = datetime.now(UTC).date().isoformat()
    assert log(http, user, watched_on=today).status_code == 201


def test_the_diary_filters_by_year_and_month_latest_watch_first(http: httpx.Client, seeded: str) -> None:
    user = account(http, "months")
    for day in ("2022-12-31", "2023-01-01", "2023-01-31", "2023-02-01", "2023-12-25"):
        assert log(http, user, watched_on=day).status_code == 201
    base = f"/api/users/{user['id']}/diary/"

    def days(**params: Any) -> list[str]:
        return [e["watched_on"] for e in http.get(base, params=params).json()["results"]]

    assert days() == ["2023-12-25", "2023-02-01", "2023-01-31", "2023-01-01", "2022-12-31"]
    assert days(year=2023) == ["2023-12-25", "2023-02-01", "2023-01-31", "2023-01-01"]
    assert days(year=2023, month=1) == ["2023-01-31", "2023-01-01"]
    assert days(year=2022, month=12) == ["2022-12-31"]
    assert days(year=2023, page_size=3, page=2) == ["2023-01-01"]
    for params in ({"month": 1}, {"year": 2023, "month": 13}, {"year": "last"}, {"sort": "rating"}):
        assert http.get(base, params=params).status_code == 400, params


def test_only_the_author_may_change_or_delete_an_entry(http: httpx.Client, seeded: str) -> None:
    author, other = account(http, "writer"), account(http, "meddler")
    entry = log(http, author, watched_on="2023-06-01", rating=5).json()
    url = f"/api/users/me/diary/{entry['id']}/"
    assert http.patch(url, json={"rating": 6}).status_code == 401
    assert http.patch(url, headers=other["headers"], json={"rating": 6}).status_code == 403
    assert http.delete(url, headers=other["headers"]).status_code == 403
    changed = http.patch(url, headers=author["headers"], json={"rating": None, "note": "Changed.", "rewatch": True})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["rating"], changed.json()["note"], changed.json()["rewatch"]) == (None, "Changed.", True)
    assert http.patch(url, headers=author["headers"], json={}).status_code == 422
    assert http.patch(url, headers=author["headers"], json={"movie_id": 91}).status_code == 422
    assert http.patch(url, headers=author["headers"], json={"watched_on": "2999-01-01"}).status_code == 422
    assert http.get(f"/api/users/{author['id']}/diary/").json()["results"][0]["note"] == "Changed."
    assert http.patch("/api/users/me/", headers=author["headers"], json={"library_public": False}).status_code == 200
    assert http.patch(url, headers=other["headers"], json={"rating": 6}).status_code == 404
    assert http.delete(url, headers=author["headers"]).status_code == 204
    assert http.delete(url, headers=author["headers"]).status_code == 404
    assert http.get(f"/api/users/{author['id']}/diary/", headers=author["headers"]).json()["count"] == 0
