"""Movies: single documents, summaries, and bulk upserts that keep derived fields in step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne, UpdateOne

from stores.mongo import changes, listing
from stores.mongo.bulk import DIGEST
from stores.mongo.database import Database
from stores.mongo.search_index import movie_terms
from textfold import sort_key, words
from timestamps import iso

SUMMARY_FIELDS = {"title": 1, "year": 1, "genres": 1, "rating": 1, "popularity": 1, "poster_url": 1}


def prepare(doc: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The document with its derived fields (sort key, words, search terms, updated_at) filled in."""
    ready = dict(doc)
    ready.pop(DIGEST, None)  # what the seed wrote is no longer what the document holds
    ready["title_sort"] = sort_key(ready.get("title") or "")
    ready["words"] = words(" ".join(filter(None, (ready.get("title"), ready.get("original_title")))))
    ready["tokens"] = movie_terms(ready)
    ready["updated_at"] = now or datetime.now(UTC)
    return ready


async def upsert_movies(db: Database, docs: Iterable[dict[str, Any]]) -> int:
    """Insert or replace movies by id in one unordered bulk write; returns how many were written."""
    now = datetime.now(UTC)
    ready = [prepare(doc, now) for doc in docs]
    if not ready:
        return 0
    await changes.log(db, "movie", [doc["_id"] for doc in ready], changes.CHANGED)
    ops = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in ready]
    result = await db.movies.bulk_write(ops, ordered=False)
    return int(result.upserted_count + result.matched_count)


async def get_movie(db: Database, movie_id: int) -> dict[str, Any] | None:
    """One full movie document, or None."""
    return await db.movies.find_one({"_id": movie_id}, {"words": 0, "tokens": 0, "title_sort": 0, DIGEST: 0})


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


async def existing_ids(db: Database, movie_ids: list[int]) -> set[int]:
    """Which of the given ids are films."""
    if not movie_ids:
        return set()
    return {doc["_id"] async for doc in db.movies.find({"_id": {"$in": list(movie_ids)}}, {"_id": 1})}


async def sorted_summaries(db: Database, movie_ids: list[int], sort: str, skip: int,
                           limit: int) -> list[dict[str, Any]]:
    """One page of the given films' summaries in a public sort order (`title`, `-year`, ...)."""
    if not movie_ids:
        return []
    cursor = db.movies.find({"_id": {"$in": list(movie_ids)}}, SUMMARY_FIELDS).sort(sort_spec(sort))
    return [summary(doc) async for doc in cursor.skip(skip).limit(limit)]


SORTS = {
    "popularity": "popularity", "rating": "rating.average", "votes": "rating.votes",
    "year": "year", "title": "title_sort", "runtime": "runtime",
    "user_rating": "user_rating.average", "reviews": "user_rating.count",
    "gross": "gross.worldwide", "rotten_tomatoes": "rotten_tomatoes",
}
ASCENDING_INDEXES = {"title"}
NULLS_LAST = {"gross", "rotten_tomatoes"}  # sorts that list the films without a value last either way


def sort_spec(sort: str) -> list[tuple[str, int]]:
    """The MongoDB sort of a public sort name: the field, then the id matching its index's direction.

    Every sort is one walk of its index, forwards or backwards: descending fields (and
    ascending titles) break ties by ascending id, the reverse direction by descending id.
    Films without a value (null) sort below every value, as MongoDB orders them (`list_movies` moves them
    after the rest for the ascending NULLS_LAST sorts).
    """
    name = sort.lstrip("-")
    direction = DESCENDING if sort.startswith("-") else ASCENDING
    index_direction = ASCENDING if name in ASCENDING_INDEXES else DESCENDING
    tie = ASCENDING if direction == index_direction else DESCENDING
    return [(SORTS[name], direction), ("_id", tie)]


RANGES = {"year": "year", "rating": "rating.average", "votes": "rating.votes", "runtime": "runtime",
          "gross": "gross.worldwide", "rotten_tomatoes": "rotten_tomatoes"}


@dataclass(frozen=True)
class MovieFilter:
    """Every filter of the movie list; all optional and combined with AND.

    `genre_sets` are OR-sets: a film has at least one genre of each set (a one-genre set is a
    plain genre filter). Ranges are inclusive, `None` means unbounded; `words` are folded title
    words, every one whole but the last, which may also be a prefix (two letters or more).
    """

    genre_sets: tuple[tuple[int, ...], ...] = ()
    without_genres: tuple[int, ...] = ()
    year: tuple[int | None, int | None] = (None, None)
    rating: tuple[float | None, float | None] = (None, None)
    votes: tuple[int | None, int | None] = (None, None)
    runtime: tuple[int | None, int | None] = (None, None)
    gross: tuple[int | None, int | None] = (None, None)
    rotten_tomatoes: tuple[int | None, int | None] = (None, None)
    mpaa: str | None = None
    person_ids: tuple[int, ...] = ()
    words: tuple[str, ...] = ()

    def params(self) -> dict[str, Any]:
        """The filter as plain JSON values (only what is set), for a message and a cache key."""
        found: dict[str, Any] = {}
        for name in ("genre_sets", "without_genres", "person_ids", "words"):
            if getattr(self, name):
                found[name] = [list(v) if isinstance(v, tuple) else v for v in getattr(self, name)]
        for name in RANGES:
            if getattr(self, name) != (None, None):
                found[name] = list(getattr(self, name))
        if self.mpaa is not None:
            found["mpaa"] = self.mpaa
        return found

    @classmethod
    def of(cls, params: dict[str, Any]) -> MovieFilter:
        """The filter that `params()` described."""
        return cls(
            genre_sets=tuple(tuple(int(g) for g in s) for s in params.get("genre_sets", ())),
            without_genres=tuple(int(g) for g in params.get("without_genres", ())),
            mpaa=params.get("mpaa"),
            person_ids=tuple(int(p) for p in params.get("person_ids", ())),
            words=tuple(str(w) for w in params.get("words", ())),
            **{name: tuple(params.get(name, (None, None))) for name in RANGES},  # type: ignore[arg-type]
        )

    def query(self) -> dict[str, Any]:
        """The MongoDB query document, built from typed values only."""
        query: dict[str, Any] = {}
        every = sorted({s[0] for s in self.genre_sets if len(s) == 1})
        if self.without_genres:
            query["genre_ids"] = {"$nin": list(self.without_genres), **({"$all": every} if every else {})}
        elif every:
            query["genre_ids"] = every[0] if len(every) == 1 else {"$all": every}
        alternatives = [{"genre_ids": {"$in": list(s)}} for s in self.genre_sets if len(s) > 1]
        if alternatives:
            query["$and"] = alternatives
        for name, field in RANGES.items():
            low, high = getattr(self, name)
            bounds = {op: value for op, value in (("$gte", low), ("$lte", high)) if value is not None}
            if bounds:
                query[field] = bounds
        if self.mpaa is not None:
            query["mpaa"] = self.mpaa
        if self.person_ids:
            people = sorted(set(self.person_ids))
            query["person_ids"] = people[0] if len(people) == 1 else {"$all": people}
        if self.words:
            query.update(listing.words_query(self.words))
        return query


async def list_movies(
    db: Database, movie_filter: MovieFilter, sort: str, skip: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of movie summaries), sorted by `sort` (`-` for descending), ties by id.

    Ties go in whichever id direction lets the field's index be walked forwards or backwards. An ascending
    NULLS_LAST sort lists the films with a value (the index walked backwards), then those without (the same
    walk): two queries, the second only for a page that reaches past the first.
    """
    query, spec = movie_filter.query(), sort_spec(sort)
    name = sort.lstrip("-")
    if name not in NULLS_LAST or sort.startswith("-"):
        return await listing.page(db.movies, query, spec, SUMMARY_FIELDS, summary, skip, limit)
    field = SORTS[name]
    held, docs = await listing.page(db.movies, {"$and": [query, {field: {"$ne": None}}]}, spec, SUMMARY_FIELDS,
                                    summary, skip, limit)
    without = {"$and": [query, {field: None}]}
    if len(docs) < limit:
        rest, more = await listing.page(db.movies, without, spec, SUMMARY_FIELDS, summary, max(skip - held, 0),
                                        limit - len(docs))
        return held + rest, docs + more
    return held + await db.movies.count_documents(without), docs


def after(sort: str, key: tuple[Any, int]) -> dict[str, Any]:
    """The films that come before `key` (a sort value, None for none, and an id) in `sort_spec`'s walk, or at
    it, with the NULLS_LAST sorts' nulls after every value (actors/catalogue/films.py `preceding` counts the
    same)."""
    name, (value, film_id) = sort.lstrip("-"), key
    field, descending = SORTS[name], sort.startswith("-")
    earlier, later = {"_id": {"$lte": film_id}}, {"_id": {"$gte": film_id}}  # the key's own film is passed too
    if name in ASCENDING_INDEXES:  # titles: (key, id) ascending, or that walk backwards
        return {"$or": [{field: {"$gt" if descending else "$lt": value}},
                        {field: value, **(later if descending else earlier)}]}
    if value is None:
        if descending:
            return {"$or": [{field: {"$ne": None}}, {field: None, **earlier}]}
        if name in NULLS_LAST:
            return {"$or": [{field: {"$ne": None}}, {field: None, **later}]}
        return {field: None, **later}
    if descending:
        return {"$or": [{field: {"$gt": value}}, {field: value, **earlier}]}
    before: list[dict[str, Any]] = [{field: {"$lt": value}}, {field: value, **later}]
    return {"$or": before if name in NULLS_LAST else [{field: None}, *before]}


async def list_movies_after(
    db: Database, movie_filter: MovieFilter, sort: str, key: tuple[Any, int] | None, limit: int
) -> tuple[int, list[dict[str, Any]], tuple[Any, int] | None]:
    """A keyset page: (total matching, the summaries of the films after `key` in the sort, from the start
    without one; the key of the last of them while more follow), as the catalogue index's `page_after`."""
    skip = 0
    if key is not None:
        skip = await db.movies.count_documents({"$and": [movie_filter.query(), after(sort, key)]})
    count, results = await list_movies(db, movie_filter, sort, skip, limit)
    if not results or skip + len(results) >= count:
        return count, results, None
    last = results[-1]["id"]
    doc = await db.movies.find_one({"_id": last}, {SORTS[sort.lstrip("-")]: 1}) or {}
    value: Any = doc
    for part in SORTS[sort.lstrip("-")].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return count, results, (value, last)


Figures = dict[int, tuple[float | None, int, int]]
"""MovieVerse reviewers' figures per film: `{movie_id: (average, count, version)}` (stores/mysql/ratings.py)."""


def _older(version: int) -> dict[str, Any]:
    """Films whose copy of the figures is older than `version` (or that have none)."""
    return {"rated_at": {"$not": {"$gt": version}}}


async def set_user_ratings(db: Database, figures: Figures) -> None:
    """Copy reviewers' `user_rating {average, count}` into the films' documents (unset at 0 reviews).

    A film keeps the copy with the highest version, `rated_at`: a bulk copy made from an older
    read (a seed's finish) never overwrites the recount of a review written meanwhile."""
    ops = [UpdateOne({"_id": movie_id, **_older(version)},
                     {"$set": {"user_rating": {"average": average, "count": count}, "rated_at": version}}
                     if count else {"$unset": {"user_rating": ""}, "$set": {"rated_at": version}})
           for movie_id, (average, count, version) in figures.items()]
    ids = list(figures)
    for start in range(0, len(ops), 2000):
        await _log_figures(db, {i: figures[i] for i in ids[start : start + 2000]})
        await db.movies.bulk_write(ops[start : start + 2000], ordered=False)


async def _log_figures(db: Database, figures: Figures) -> None:
    """Log the films whose reviewers' figures (part of what a film shows) these change in the changes feed."""
    held = {doc["_id"]: doc.get("user_rating") async for doc in
            db.movies.find({"_id": {"$in": list(figures)}}, {"user_rating": 1})}
    await changes.log(db, "movie", [movie_id for movie_id, (average, count, _) in figures.items()
                                    if movie_id in held and held[movie_id] != (
                                        {"average": average, "count": count} if count else None)], changes.CHANGED)


async def forget_user_ratings(db: Database, keep: set[int], version: int) -> None:
    """Unset `user_rating` on every film outside `keep` whose copy predates the bulk recount `version`."""
    stale = [doc["_id"] async for doc in db.movies.find({"user_rating": {"$exists": True}}, {"_id": 1})
             if doc["_id"] not in keep]
    if stale:
        await changes.log(db, "movie", stale, changes.CHANGED)
        await db.movies.update_many({"_id": {"$in": stale}, **_older(version)},
                                    {"$unset": {"user_rating": ""}, "$set": {"rated_at": version}})


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
        "gross": _gross(doc.get("gross")),
        **{name: doc.get(name) for name in ("distributor", "rotten_tomatoes", "source_material", "creative_type")},
        "poster_url": doc.get("poster_url"),
        "tmdb_id": doc.get("tmdb_id"),
        "updated_at": iso(updated) if updated else None,
    }


def _gross(gross: Any) -> dict[str, Any] | None:
    """A film's box office `{us, worldwide}` in dollars, or None when nothing is known of it."""
    if not isinstance(gross, dict):
        return None
    return {"us": gross.get("us"), "worldwide": gross.get("worldwide")}
