"""Reviews: written by members, one per movie, changed only by their authors, and reflected in stats."""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import pytest

from tests.conftest import account


def review(http: httpx.Client, user: dict[str, Any], movie_id: int, rating: int = 8, **extra: Any) -> httpx.Response:
    """Post a review."""
    return http.post("/api/reviews/", headers=user["headers"],
                     json={"movie_id": movie_id, "rating": rating, "body": "Worth a watch.", **extra})


def test_writing_a_review_answers_201_with_the_author(http: httpx.Client, seeded: str) -> None:
    user = account(http, "critic")
    response = review(http, user, 3, 9, title="Ünïcödé ✓")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"] == {"id": user["id"], "username": user["username"]}
    assert (body["movie_id"], body["rating"], body["title"]) == (3, 9, "Ünïcödé ✓")
    assert http.get(f"/api/reviews/{body['id']}/").json() == body


def test_reviews_need_a_token_an_existing_movie_and_one_per_movie(http: httpx.Client, seeded: str) -> None:
    user = account(http, "rules")
    assert http.post("/api/reviews/", json={"movie_id": 4, "rating": 5, "body": "x"}).status_code == 401
    missing = review(http, user, 999_999_999)
    assert missing.status_code == 422 and "movie_id" in missing.json()["errors"]
    assert review(http, user, 4).status_code == 201
    assert review(http, user, 4).status_code == 409


@pytest.mark.parametrize("rating", [0, 11, 7.5, "7", True, None])
def test_a_rating_must_be_an_integer_from_1_to_10(http: httpx.Client, seeded: str, rating: Any) -> None:
    user = account(http, "rating")
    response = http.post("/api/reviews/", headers=user["headers"], json={"movie_id": 5, "rating": rating, "body": "x"})
    assert response.status_code == 422 and "rating" in response.json()["errors"]


def test_only_the_author_may_change_or_delete_a_review(http: httpx.Client, seeded: str) -> None:
    author, other = account(http, "author"), account(http, "other")
    review_id = review(http, author, 6).json()["id"]
    assert http.patch(f"/api/reviews/{review_id}/", json={"rating": 2}, headers=other["headers"]).status_code == 403
    assert http.delete(f"/api/reviews/{review_id}/", headers=other["headers"]).status_code == 403
    assert http.patch(f"/api/reviews/{review_id}/", json={"rating": 2}).status_code == 401
    changed = http.patch(f"/api/reviews/{review_id}/", json={"rating": 2, "body": "Changed my mind."},
                         headers=author["headers"])
    assert changed.status_code == 200 and changed.json()["rating"] == 2
    assert http.delete(f"/api/reviews/{review_id}/", headers=author["headers"]).status_code == 204
    assert http.get(f"/api/reviews/{review_id}/").status_code == 404


def test_a_review_refreshes_the_movies_user_rating(http: httpx.Client, seeded: str) -> None:
    before = http.get("/api/movies/8/").json()["user_rating"]
    user = account(http, "stats")
    assert review(http, user, 8, 10).status_code == 201
    for _ in range(100):
        after = http.get("/api/movies/8/").json()["user_rating"]
        if after["count"] == before["count"] + 1:
            break
        time.sleep(0.1)
    assert after["count"] == before["count"] + 1


def test_lists_filter_and_sort_reviews(http: httpx.Client, seeded: str) -> None:
    user = account(http, "lister")
    for movie_id, rating in ((9, 3), (10, 9), (11, 6)):
        assert review(http, user, movie_id, rating).status_code == 201
    mine = http.get(f"/api/reviews/?user={user['id']}&sort=rating").json()
    assert [r["rating"] for r in mine["results"]] == [3, 6, 9]
    high = http.get(f"/api/reviews/?user={user['id']}&min_rating=6&sort=-rating").json()
    assert [r["rating"] for r in high["results"]] == [9, 6]
    newest = http.get("/api/movies/11/reviews/").json()["results"]
    assert newest[0]["user"]["id"] == user["id"]
    times = [r["created_at"] for r in newest]
    assert times == sorted(times, reverse=True)
    assert http.get("/api/movies/999999999/reviews/").status_code == 404
    assert http.get("/api/reviews/?sort=best").status_code == 400


async def test_a_review_reaches_the_films_reviewer_figures_that_lists_sort_by(http: httpx.Client, seeded: str,
                                                                             stores: Any) -> None:
    from stores.mysql import ratings

    db = await stores.mongo()
    deadline = time.monotonic() + 30
    for size in itertools.count(5):  # a page size no cache holds; other tests' follow-ups may still be landing
        top = [film["id"] for film in http.get("/api/movies/", params={"sort": "-reviews", "page_size": size}).json()[
            "results"]][:5]
        stats = await ratings.rating_stats(await stores.mysql(), top)
        counts = [stats[film_id]["count"] for film_id in top]
        if counts == sorted(counts, reverse=True) and counts[0] > 0:
            break
        if time.monotonic() > deadline:
            copies = {doc["_id"]: doc.get("user_rating") async for doc in
                      db.movies.find({"_id": {"$in": top}}, {"user_rating": 1})}
            pytest.fail(f"the list's order {top} is not MySQL's counts {counts}; the films hold {copies}")
        time.sleep(0.5)

    user = account(http, "figures")
    film_id = 7
    before = (await db.movies.find_one({"_id": film_id}, {"user_rating": 1})).get("user_rating") or {"count": 0}
    assert review(http, user, film_id, 10).status_code == 201
    deadline = time.monotonic() + 60
    while True:
        found = (await db.movies.find_one({"_id": film_id}, {"user_rating": 1})).get("user_rating") or {}
        if found.get("count") == before["count"] + 1:
            break
        assert time.monotonic() < deadline, "the film's document never took the review"
        time.sleep(0.2)
    expected = (await ratings.rating_stats(await stores.mysql(), [film_id]))[film_id]
    assert found == {"average": expected["average"], "count": expected["count"]}


async def _copied(db: Any, pool: Any, film_ids: list[int], timeout: float = 60) -> dict[int, dict[str, Any]]:
    """Wait until each film's document holds its figures as MySQL counts them; returns the documents' figures."""
    from stores.mysql import ratings

    deadline = time.monotonic() + timeout
    while True:
        stats = await ratings.rating_stats(pool, film_ids)  # a film's row appears with its first recount
        want = {film_id: {"average": stats[film_id]["average"], "count": stats[film_id]["count"]}
                for film_id in film_ids if film_id in stats}
        found = {doc["_id"]: doc.get("user_rating") async for doc in
                 db.movies.find({"_id": {"$in": film_ids}}, {"user_rating": 1})}
        if (len(want) == len(film_ids) and found == want) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


async def test_a_seeds_copy_of_the_figures_never_overwrites_a_review_recounted_after_its_read(
        http: httpx.Client, seeded: str, stores: Any) -> None:
    """The seed's finish reads every film's figures, then copies them into the films: a review whose
    recount lands in between (a film with reviews, a film with none before) keeps its figures."""
    from stores.mongo import movies
    from stores.mysql import bulk, ratings

    pool, db = await stores.mysql(), await stores.mongo()
    reviewed = (await db.movies.find_one({"user_rating.count": {"$gte": 1}}, {"_id": 1}, sort=[("_id", 1)]))["_id"]
    unreviewed = (await db.movies.find_one({"user_rating": None}, {"_id": 1}, sort=[("_id", 1)]))["_id"]
    version = await bulk.refresh_all_stats(pool)
    figures = await bulk.all_stats(pool)  # the finish's read ...
    user = account(http, "between")
    for film_id in (reviewed, unreviewed):
        assert review(http, user, film_id, 9).status_code == 201
    await _copied(db, pool, [reviewed, unreviewed])
    await movies.set_user_ratings(db, figures)  # ... and its copy, after the reviews' follow-ups
    await movies.forget_user_ratings(db, set(figures), version)
    stats = await ratings.rating_stats(pool, [reviewed, unreviewed])
    assert {doc["_id"]: doc.get("user_rating") async for doc in
            db.movies.find({"_id": {"$in": [reviewed, unreviewed]}}, {"user_rating": 1})} == {
        film_id: {"average": stats[film_id]["average"], "count": stats[film_id]["count"]}
        for film_id in (reviewed, unreviewed)}


async def test_a_film_removed_since_its_detail_was_cached_takes_no_review(
    http: httpx.Client, seeded: str, stores: Any, redis: Any
) -> None:
    from cache import invalidate, keys
    from stores.mongo import movies

    db = await stores.mongo()
    film_id = 9_400_000 + int(time.time() * 1000) % 100_000
    await db.movies.insert_one(movies.prepare({"_id": film_id, "title": "Brief Film", "genres": [], "genre_ids": [],
                                               "person_ids": [], "cast": [], "crew": [], "year": 2001}))
    try:
        assert http.get(f"/api/movies/{film_id}/").status_code == 200  # its detail is cached now
        user = account(http, "brief")
        written = review(http, user, film_id)
        assert written.status_code == 201, written.text
        assert http.delete(f"/api/reviews/{written.json()['id']}/", headers=user["headers"]).status_code == 204
    finally:
        await db.movies.delete_many({"_id": film_id})
        await invalidate.movie_changed(redis, film_id)
    assert not await redis.exists(keys.cached(keys.movie_entry(film_id)))
    late = review(http, account(http, "late"), film_id)
    assert late.status_code == 422 and "movie_id" in late.json()["errors"]


def entry(http: httpx.Client, user: dict[str, Any], movie_id: int, **fields: Any) -> int:
    """Log a watch; its diary entry's id."""
    logged = http.post("/api/users/me/diary/", headers=user["headers"],
                       json={"movie_id": movie_id, "watched_on": "2024-03-02", **fields})
    assert logged.status_code == 201, logged.text
    return int(logged.json()["id"])


def test_a_review_may_point_at_its_authors_diary_entry_of_the_film(http: httpx.Client, seeded: str) -> None:
    user = account(http, "diaryrev")
    first, rewatch = entry(http, user, 11), entry(http, user, 11, rewatch=True)
    written = review(http, user, 11, diary_entry_id=first)
    assert written.status_code == 201, written.text
    assert written.json()["diary_entry_id"] == first
    url = f"/api/reviews/{written.json()['id']}/"
    assert http.get(url).json()["diary_entry_id"] == first
    assert http.get("/api/movies/11/state/", headers=user["headers"]).json()["review"]["diary_entry_id"] == first
    moved = http.patch(url, headers=user["headers"], json={"diary_entry_id": rewatch})
    assert moved.status_code == 200 and moved.json()["diary_entry_id"] == rewatch, moved.text
    cleared = http.patch(url, headers=user["headers"], json={"diary_entry_id": None})
    assert cleared.status_code == 200 and cleared.json()["diary_entry_id"] is None, cleared.text
    assert review(http, account(http, "nodiary"), 11).json()["diary_entry_id"] is None


def test_a_diary_entry_not_the_authors_or_of_another_film_is_a_422_naming_the_field_and_writes_nothing(
    http: httpx.Client, seeded: str
) -> None:
    user, other = account(http, "diarybad"), account(http, "diaryelse")
    own_of_another_film, others = entry(http, user, 13), entry(http, other, 12)
    for wrong in (own_of_another_film, others, 2**52, 0, "1", True, 1.5):
        refused = review(http, user, 12, diary_entry_id=wrong)
        assert refused.status_code == 422, (wrong, refused.text)
        assert list(refused.json()["errors"]) == ["diary_entry_id"], refused.text
    assert http.get(f"/api/reviews/?user={user['id']}").json()["count"] == 0
    own = entry(http, user, 12)
    written = review(http, user, 12, diary_entry_id=own).json()
    url = f"/api/reviews/{written['id']}/"
    for wrong in (own_of_another_film, others, 2**52):
        refused = http.patch(url, headers=user["headers"], json={"diary_entry_id": wrong, "rating": 1})
        assert refused.status_code == 422 and "diary_entry_id" in refused.json()["errors"], refused.text
    assert http.get(url).json() == written, "a refused change changes nothing"


def test_deleting_the_diary_entry_clears_the_reviews_link_and_keeps_the_review(
    http: httpx.Client, seeded: str
) -> None:
    user = account(http, "diarydel")
    logged = entry(http, user, 14)
    written = review(http, user, 14, diary_entry_id=logged).json()
    assert http.delete(f"/api/users/me/diary/{logged}/", headers=user["headers"]).status_code == 204
    kept = http.get(f"/api/reviews/{written['id']}/")
    assert kept.status_code == 200
    assert kept.json() == {**written, "diary_entry_id": None}


async def test_a_database_made_before_reviews_had_diary_entries_gains_the_column(
    http: httpx.Client, seeded: str, stores: Any
) -> None:
    from stores import mysql

    user = account(http, "oldschema")
    written = review(http, user, 15).json()
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("ALTER TABLE reviews DROP INDEX reviews_diary_entry, DROP COLUMN diary_entry_id")
    await mysql.ensure_schema(pool)
    await mysql.ensure_schema(pool)  # and again: nothing left to do
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS WHERE"
                          " TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'reviews' AND COLUMN_NAME = 'diary_entry_id'")
        assert await cur.fetchall() == (("diary_entry_id", "YES"),)
        await cur.execute("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
                          " AND TABLE_NAME = 'reviews' AND INDEX_NAME = 'reviews_diary_entry'")
        assert (await cur.fetchone())[0] == 1
    assert http.get(f"/api/reviews/{written['id']}/").json() == {**written, "diary_entry_id": None}
    newer = account(http, "newschema")
    linked = review(http, newer, 15, diary_entry_id=entry(http, newer, 15))
    assert linked.status_code == 201 and linked.json()["diary_entry_id"] is not None, linked.text
