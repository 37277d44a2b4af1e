"""How a seed run is split: the chunks of each stage, the expected counts, the final summary."""

from __future__ import annotations

from typing import Any

from seeds import vega
from seeds.films import GENRES
from seeds.people import pool_size
from stores import Stores
from stores.mongo import catalogue
from stores.mysql import library, reviews
from stores.postgres import users

CHUNK = {"movies": 2_000, "users": 1_000, "reviews": 200, "library": 200, "profiles": 2_000, "people": 4_000}

Chunk = tuple[str, int, int]


def _ranges(kind: str, count: int, size: int) -> list[Chunk]:
    return [(kind, start, min(start + size, count + 1)) for start in range(1, count + 1, size)]


def chunks(spec: dict[str, Any], stage: str) -> list[Chunk]:
    """The chunks of one stage of a run."""
    if stage == "accounts":
        # Users alone first: everything later needs them.
        return _ranges("users", spec["users"], CHUNK["users"])
    if stage == "profiles":
        # The small writes before the long film chunks, so those do not slow them down.
        return [*_ranges("profiles", spec["users"], CHUNK["profiles"]), ("genres", 0, 1), ("settings", 0, 1)]
    if stage == "catalogue":
        return _ranges("movies", spec["movies"], CHUNK["movies"])
    if stage == "relations":
        # Quick chunks first, so they do not wait behind the long people chunks.
        return [*_ranges("reviews", spec["users"], CHUNK["reviews"]),
                *_ranges("library", spec["users"], CHUNK["library"]), ("directors", 0, 1),
                *_ranges("people", pool_size(spec["movies"]), CHUNK["people"])]
    if stage == "finish":
        return [("finish", 0, 1)]
    raise ValueError(f"unknown stage {stage!r}")


def expected_totals(spec: dict[str, Any]) -> dict[str, int]:
    """The rows each store should hold for this run (people and library rows are counted as they come)."""
    return {"movies": spec["movies"], "genres": len(GENRES), "users": spec["users"],
            "reviews": spec["reviews"], "library": 0, "profiles": spec["users"], "people": 0}


async def summary(stores: Stores) -> dict[str, int]:
    """What the stores hold now: movies, genres, people, users, reviews, library rows."""
    counts = await catalogue.counts(await stores.mongo())
    counts["users"] = await users.count(await stores.postgres())
    counts["reviews"] = await reviews.count(await stores.mysql())
    counts["library"] = await library.count(await stores.mysql())
    return counts


async def matches(stores: Stores, movie_count: int) -> dict[str, int]:
    """What the stores hold of the vega-datasets match for a run of `movie_count` films: films matched, films
    with a real director, real people (the counts `vega.match_counts` expects)."""
    films = [film_id for film_id in vega.matches() if film_id <= movie_count]
    return await catalogue.matched(await stores.mongo(), films, sorted(vega.director_ids().values()))
