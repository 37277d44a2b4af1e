"""Generated users and reviews: valid, unique, and rated like the real voters rated each film."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from seeds import films, reviews, users

NOW = datetime(2026, 11, 1, tzinfo=UTC)
TABLE = reviews.film_table(films.all_films()[:5000])


def test_demo_users_have_valid_unique_names_and_the_documented_logins() -> None:
    demo = users.demo_users(1, 2001, NOW)
    names = [u["username"] for u in demo]
    assert names[:2] == ["admin", "demo"] and demo[0]["is_admin"] and not demo[1]["is_admin"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{3,30}", n) for n in names)
    assert len({n.lower() for n in names}) == len(names)
    assert all(NOW - timedelta(days=4 * 366) <= u["date_joined"] < NOW for u in demo)


def test_the_review_plan_sums_exactly_to_the_target() -> None:
    plan = reviews.review_plan(2000, 200_000, 58_788)
    assert sum(plan) == 200_000
    assert max(plan) > 5 * (sum(plan) / len(plan))


def test_a_user_reviews_each_film_at_most_once() -> None:
    written = reviews.user_reviews(7, 400, TABLE, NOW)
    assert len(written) == 400
    assert len({r["movie_id"] for r in written}) == 400


def test_ratings_follow_the_films_own_histogram() -> None:
    film = max(TABLE.films, key=lambda f: f.votes)
    one_film = reviews.FilmTable((film,), (1.0,))
    ratings = Counter(reviews.user_reviews(u, 1, one_film, NOW)[0]["rating"] for u in range(1, 4001))
    expected = [h / sum(film.histogram) for h in film.histogram]
    for star in range(1, 11):
        assert abs(ratings[star] / 4000 - expected[star - 1]) < 0.03, star


def test_timestamps_are_recent_enough_for_trending() -> None:
    written = [r for u in range(1, 60) for r in reviews.user_reviews(u, 20, TABLE, NOW)]
    assert all(NOW - timedelta(days=3 * 366) <= r["created_at"] < NOW for r in written)
    assert sum(NOW - r["created_at"] < timedelta(hours=48) for r in written) > len(written) * 0.08


def test_reviews_are_the_same_every_time() -> None:
    assert reviews.user_reviews(11, 30, TABLE, NOW) == reviews.user_reviews(11, 30, TABLE, NOW)
