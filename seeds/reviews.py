"""Deterministic reviews: popular films get more, ratings follow each film's own r1..r10 histogram."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from seeds.films import Film, display_title

GOOD = ("A triumph", "Loved every minute", "An instant favourite", "Beautifully made", "Worth every minute")
FAIR = ("Decent enough", "Mixed feelings", "Watchable", "Has its moments", "Not bad, not great")
POOR = ("A letdown", "Hard to sit through", "Missed the mark", "Not for me", "Disappointing")
BODIES = {
    "good": "{title} holds up remarkably well. Strong performances, and it earns its {runtime} minutes.",
    "fair": "{title} has some good scenes, but over {runtime} minutes the pacing wanders.",
    "poor": "I wanted to like {title}, but even at {runtime} minutes it drags and never comes together.",
}


@dataclass(frozen=True)
class FilmTable:
    """The films that can be reviewed, with cumulative vote weights for fast weighted choice."""

    films: tuple[Film, ...]
    cumulative: tuple[float, ...]

    def choose(self, rng: random.Random) -> Film:
        """A film chosen with probability proportional to its votes (plus one)."""
        point = rng.random() * self.cumulative[-1]
        return self.films[bisect.bisect_right(self.cumulative, point)]


@lru_cache(maxsize=2)
def film_table(films: tuple[Film, ...]) -> FilmTable:
    """The weighted table of the given films, built once per process."""
    return FilmTable(films, tuple(itertools.accumulate(f.votes + 1 for f in films)))


def review_plan(user_count: int, total: int, film_count: int) -> list[int]:
    """How many reviews each user (index 0 = user 1) writes: heavy-tailed, summing exactly to `total`."""
    weights = [random.Random(f"appetite:{u}").paretovariate(1.3) for u in range(1, user_count + 1)]
    scale = total / sum(weights)
    counts = [min(film_count, int(w * scale)) for w in weights]
    short = total - sum(counts)
    order = sorted(range(user_count), key=lambda i: -(weights[i] * scale - int(weights[i] * scale)))
    for i in itertools.islice(itertools.cycle(order), 0, max(0, 10 * user_count)):
        if short <= 0:
            break
        if counts[i] < film_count:
            counts[i] += 1
            short -= 1
    return counts


def _rating(rng: random.Random, film: Film) -> int:
    if sum(film.histogram) <= 0:
        return max(1, min(10, round(film.rating)))
    return rng.choices(range(1, 11), weights=film.histogram)[0]


def _moment(rng: random.Random, now: datetime) -> datetime:
    roll = rng.random()
    span = 2 * 86400 if roll < 0.15 else 30 * 86400 if roll < 0.4 else 3 * 365 * 86400
    return now - timedelta(seconds=rng.randint(60, span))


def user_reviews(user_id: int, count: int, table: FilmTable, now: datetime) -> list[dict[str, Any]]:
    """The `count` reviews user `user_id` writes, on distinct films."""
    rng = random.Random(f"reviews:{user_id}")
    chosen: dict[int, Film] = {}
    while len(chosen) < min(count, len(table.films)):
        film = table.choose(rng)
        chosen.setdefault(film.id, film)
    reviews = []
    for film in chosen.values():
        rating = _rating(rng, film)
        mood = "good" if rating >= 7 else "fair" if rating >= 5 else "poor"
        headline = rng.choice(GOOD if mood == "good" else FAIR if mood == "fair" else POOR)
        moment = _moment(rng, now)
        reviews.append({
            "user_id": user_id,
            "movie_id": film.id,
            "rating": rating,
            "title": headline,
            "body": BODIES[mood].format(title=display_title(film.title), runtime=film.length),
            "created_at": moment,
            "updated_at": moment,
        })
    return reviews
