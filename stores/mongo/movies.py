"""Movies: single documents, summaries, and bulk upserts that keep derived fields in step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne

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


SORTS = {
    "popularity": "popularity", "rating": "rating.average", "votes": "rating.votes",
    "year": "year", "title": "title_sort", "runtime": "runtime",
}
ASCENDING_INDEXES = {"title"}


def sort_spec(sort: str) -> list[tuple[str, int]]:
    """The MongoDB sort of a public sort name: the field, then the id matching its index's direction."""
    name = sort.lstrip("-")
    direction = DESCENDING if sort.startswith("-") else ASCENDING
    index_direction = ASCENDING if name in ASCENDING_INDEXES else DESCENDING
    tie = ASCENDING if direction == index_direction else DESCENDING
    return [(SORTS[name], direction), ("_id", tie)]


@dataclass(frozen=True)
class MovieFilter:
    """Every filter of the movie list; all optional and combined with AND."""

    genre_ids: tuple[int, ...] = ()
    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    min_rating: float | None = None
    max_rating: float | None = None
    min_votes: int | None = None
    mpaa: str | None = None
    person_id: int | None = None
    words: tuple[str, ...] = ()

    def query(self) -> dict[str, Any]:
        """The MongoDB query document, built from typed values only."""
        query: dict[str, Any] = {}
        if len(self.genre_ids) == 1:
            query["genre_ids"] = self.genre_ids[0]
        elif self.genre_ids:
            query["genre_ids"] = {"$all": list(self.genre_ids)}
        years: dict[str, int] = {}
        if self.year is not None:
            years = {"$gte": self.year, "$lte": self.year}
        if self.year_from is not None:
            years["$gte"] = max(self.year_from, years.get("$gte", self.year_from))
        if self.year_to is not None:
            years["$lte"] = min(self.year_to, years.get("$lte", self.year_to))
        if years:
            query["year"] = years
        ratings: dict[str, float] = {}
        if self.min_rating is not None:
            ratings["$gte"] = self.min_rating
        if self.max_rating is not None:
            ratings["$lte"] = self.max_rating
        if ratings:
            query["rating.average"] = ratings
        if self.min_votes is not None:
            query["rating.votes"] = {"$gte": self.min_votes}
        if self.mpaa is not None:
            query["mpaa"] = self.mpaa
        if self.person_id is not None:
            query["person_ids"] = self.person_id
        if self.words:
            *whole, last = self.words
            if whole:
                query["words"] = {"$all": whole}
            query["tokens"] = last
        return query


async def list_movies(
    db: Database, movie_filter: MovieFilter, sort: str, skip: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of movie summaries), sorted by `sort` (`-` for descending), ties by id.

    Ties go in whichever id direction lets the field's index be walked forwards or backwards.
    """
    query = movie_filter.query()
    cursor = db.movies.find(query, SUMMARY_FIELDS).sort(sort_spec(sort))
    docs = [summary(doc) async for doc in cursor.skip(skip).limit(limit)]
    if not query:
        total = await db.movies.estimated_document_count()
    elif skip == 0 and len(docs) < limit:
        total = len(docs)
    else:
        total = await db.movies.count_documents(query)
    return total, docs


async def top_movies(db: Database, field: str, limit: int) -> list[dict[str, Any]]:
    """Summaries of the movies highest on one field."""
    cursor = db.movies.find({}, SUMMARY_FIELDS).sort([(field, DESCENDING), ("_id", ASCENDING)]).limit(limit)
    return [summary(doc) async for doc in cursor]


def detail(doc: dict[str, Any]) -> dict[str, Any]:
    """The public full document of a movie (user_rating is added by the caller)."""
    rating = doc.get("rating") or {}
    updated = doc.get("updated_at")
    return {
        "id": doc["_id"],
        **{name: doc.get(name) for name in (
            "title", "original_title", "year", "release_date", "runtime", "budget", "mpaa", "overview",
            "tagline")},
        "genres": doc.get("genres", []),
        "rating": {"average": rating.get("average"), "votes": rating.get("votes"),
                   "histogram": rating.get("histogram", [])},
        "popularity": doc.get("popularity"),
        "cast": doc.get("cast", []),
        "crew": doc.get("crew", []),
        "awards": doc.get("awards", []),
        "poster_url": doc.get("poster_url"),
        "tmdb_id": doc.get("tmdb_id"),
        "updated_at": updated.isoformat().replace("+00:00", "Z") if updated else None,
    }
