"""Whole-catalogue reads: how much there is, and what the workers' catalogue index loads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from stores.mongo.database import Database


async def counts(db: Database) -> dict[str, int]:
    """The number of movies, genres and people."""
    return {
        "movies": await db.movies.estimated_document_count(),
        "genres": await db.genres.estimated_document_count(),
        "people": await db.people.estimated_document_count(),
    }


async def matched(db: Database, film_ids: list[int], person_ids: list[int]) -> dict[str, int]:
    """Of these films, how many hold a matched film's facts (`gross`) and how many a director among these
    people; and how many of these people there are (each read by an indexed `$in`)."""
    films = await db.movies.count_documents({"_id": {"$in": film_ids}, "gross": {"$type": "object"}}) if film_ids else 0
    people, directed = 0, set()
    if person_ids:
        async for doc in db.people.find({"_id": {"$in": person_ids}}, {"credits.crew": 1}):
            people += 1
            directed |= {c.get("movie_id") for c in (doc.get("credits") or {}).get("crew") or []
                         if c.get("job") == "Director"}
    return {"films_matched": films, "films_directed": len(directed), "real_people": people}


FILM_FIELDS = {"title": 1, "title_sort": 1, "year": 1, "runtime": 1, "rating.average": 1, "rating.votes": 1,
               "popularity": 1, "genres": 1, "genre_ids": 1, "mpaa": 1, "person_ids": 1, "words": 1, "poster_url": 1,
               "user_rating": 1, "gross.worldwide": 1, "rotten_tomatoes": 1}
PERSON_FIELDS = {"name": 1, "known_for_department": 1, "popularity": 1, "words": 1}
COLLECTIONS = {"movie": ("movies", FILM_FIELDS), "person": ("people", PERSON_FIELDS)}


async def documents(db: Database, kind: str, ids: list[int] | None = None) -> AsyncIterator[dict[str, Any]]:
    """What the catalogue index reads of every film or person (`kind`), or of the given ids, by id."""
    collection, fields = COLLECTIONS[kind]
    query = {} if ids is None else {"_id": {"$in": sorted(ids)}}
    async for doc in db[collection].find(query, fields, batch_size=5000):
        yield doc


async def sizes(db: Database) -> int:
    """How many films and people there are (estimated, cheap)."""
    return sum([await db[name].estimated_document_count() for name in ("movies", "people")])
