"""Movies: single documents, summaries, and bulk upserts that keep derived fields in step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import ReplaceOne

from stores.mongo.search_index import movie_terms
from stores.mongo.text import sort_key, words

if TYPE_CHECKING:
    from stores.mongo import Database

SUMMARY_FIELDS = {"title": 1, "year": 1, "genres": 1, "rating": 1, "popularity": 1, "poster_url": 1}
DERIVED = ("title_sort", "words", "tokens")


def prepare(doc: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The document with its derived fields (sort key, words, search terms, updated_at) filled in."""
    ready = dict(doc)
    ready["title_sort"] = sort_key(ready.get("title") or "")
    ready["words"] = words(" ".join(filter(None, (ready.get("title"), ready.get("original_title")))))
    ready["tokens"] = movie_terms(ready)
    ready["updated_at"] = now or datetime.now(UTC)
    return ready


async def upsert_movies(db: Database, docs: Iterable[dict[str, Any]]) -> int:
    """Insert or replace movies by id in one unordered bulk write; returns how many were written."""
    now = datetime.now(UTC)
    ops = [ReplaceOne({"_id": doc["_id"]}, prepare(doc, now), upsert=True) for doc in docs]
    if not ops:
        return 0
    result = await db.movies.bulk_write(ops, ordered=False)
    return int(result.upserted_count + result.matched_count)


async def get_movie(db: Database, movie_id: int) -> dict[str, Any] | None:
    """One full movie document, or None."""
    return await db.movies.find_one({"_id": movie_id}, {"words": 0, "tokens": 0, "title_sort": 0})


async def exists(db: Database, movie_id: int) -> bool:
    """Whether a movie with that id exists."""
    return await db.movies.count_documents({"_id": movie_id}, limit=1) > 0


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """The public summary of a movie document."""
    return {
        "id": doc["_id"],
        "title": doc.get("title"),
        "year": doc.get("year"),
        "genres": doc.get("genres", []),
        "rating": {
            "average": (doc.get("rating") or {}).get("average"),
            "votes": (doc.get("rating") or {}).get("votes"),
        },
        "popularity": doc.get("popularity"),
        "poster_url": doc.get("poster_url"),
    }


async def summaries(db: Database, movie_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Summaries of the given movies, by id (missing ids are left out)."""
    if not movie_ids:
        return {}
    cursor = db.movies.find({"_id": {"$in": list(movie_ids)}}, SUMMARY_FIELDS)
    return {doc["_id"]: summary(doc) async for doc in cursor}
