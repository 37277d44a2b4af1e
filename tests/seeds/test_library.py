"""Generated libraries: the same every time, in agreement with the user's reviews, and demo has every kind."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from seeds import films, library, reviews

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TABLE = reviews.film_table(films.all_films()[:5000])
PLAN = reviews.review_plan(400, 20_000, len(TABLE.films))
SPARSE = reviews.review_plan(1500, 3000, len(TABLE.films))  # most favourites then come from the diary


def library_of(user_id: int, users: list[int] = PLAN) -> tuple[list[dict[str, Any]], library.Library]:
    written = reviews.user_reviews(user_id, users[user_id - 1], TABLE, NOW)
    return written, library.user_library(user_id, written, TABLE, NOW)


def test_a_library_is_the_same_every_time() -> None:
    for user_id in (2, 7, 133):
        assert library_of(user_id)[1] == library_of(user_id)[1]
    assert library_of(7)[1] != library_of(8)[1]


@pytest.mark.parametrize("plan", [PLAN, SPARSE], ids=["50 reviews each", "2 reviews each"])
def test_a_library_agrees_with_the_users_reviews(plan: list[int]) -> None:
    for user_id in range(1, len(plan) + 1):
        written, kept = library_of(user_id, plan)
        rated = {r["movie_id"]: r for r in written}
        watched = {e["movie_id"] for e in kept.diary}
        for entry in kept.diary:
            assert entry["watched_on"] <= NOW.date() and entry["created_at"] <= NOW
            if entry["movie_id"] in rated:
                assert entry["rating"] == rated[entry["movie_id"]]["rating"], "a watch carries the review's rating"
                first = rated[entry["movie_id"]]["created_at"].date()
                assert entry["watched_on"] == first or (entry["rewatch"] and entry["watched_on"] > first)
        firsts = Counter(e["movie_id"] for e in kept.diary if not e["rewatch"])
        assert all(firsts[e["movie_id"]] == 1 for e in kept.diary if e["rewatch"]), "a rewatch follows a first watch"
        shelved = [m for m, _ in kept.watchlist]
        assert len(set(shelved)) == len(shelved) and not set(shelved) & (set(rated) | watched), "not seen yet"
        liked = [m for m, _ in kept.favorites]
        assert len(set(liked)) == len(liked), "a film is a favourite once"
        assert all(rated[m]["rating"] >= 8 if m in rated else m in watched for m in liked)
        for made in kept.lists:
            ids = [m for m, _ in made["items"]]
            assert ids and len(set(ids)) == len(ids)


def test_demo_has_some_of_every_kind() -> None:
    _, kept = library_of(library.DEMO)
    assert len(kept.watchlist) >= 12 and len(kept.favorites) >= 6 and len(kept.diary) >= 8
    assert any(entry["rewatch"] for entry in kept.diary)
    public = [made for made in kept.lists if made["public"]]
    private = [made for made in kept.lists if not made["public"]]
    assert public and private and any(made["ranked"] for made in public)
    assert all(made["items"] for made in kept.lists)


def test_the_libraries_grow_with_the_users_and_a_few_keep_public_lists() -> None:
    def rows(users: int) -> tuple[int, int]:
        plan = reviews.review_plan(users, users * 50, len(TABLE.films))
        kept = [library_of(u, plan)[1] for u in range(1, users + 1)]
        return sum(k.rows() for k in kept), sum(m["public"] for k in kept for m in k.lists)

    (small, _), (large, public_lists) = rows(100), rows(400)
    assert 2.5 * small < large < 6 * small
    assert 400 * 0.03 < public_lists < 400 * 0.3
