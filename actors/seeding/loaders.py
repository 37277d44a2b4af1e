"""What one seed chunk writes, per kind; every write is an upsert through stores/."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher

from actors.lifecycle import Resources
from actors.periodic import refresh_rankings
from cache import invalidate
from seeds import careers, films, library, people, profiles, reviews, users, vega
from seeds.app_settings import DEFAULT_SETTINGS
from seeds.plan import spec_now
from stores.mongo import app_settings as mongo_settings
from stores.mongo import bulk as mongo_bulk
from stores.mongo import genres as mongo_genres
from stores.mongo import movies as mongo_movies
from stores.mongo import people as mongo_people
from stores.mysql import bulk as mysql_bulk
from stores.postgres import bulk as postgres_bulk

Loader = Callable[[Resources, dict[str, Any], int, int], Awaitable[dict[str, int]]]


@lru_cache(maxsize=1)
def demo_password_hash() -> str:
    """The argon2id hash of the shared demo password, computed once per process."""
    return PasswordHasher().hash(users.DEMO_PASSWORD)


async def load_genres(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """The seven genres with stable ids."""
    written = await mongo_genres.upsert_genres(await res.stores.mongo(), films.GENRES)
    return {"genres": written}


async def load_settings(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """Default app settings, leaving any an operator changed alone."""
    await mongo_settings.set_defaults(await res.stores.mongo(), DEFAULT_SETTINGS)
    return {}


def _movie_documents(movie_count: int, start: int, end: int) -> list[dict[str, Any]]:
    """Stored movie documents with ids in [start, end), built off the event loop (CPU work)."""
    pool = people.people_pool(people.pool_size(movie_count))
    return [mongo_movies.prepare(people.with_credits(vega.film_document(f), f, pool))
            for f in films.films_between(start, end)]


async def load_movies(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """Films with ids in [start, end), with their cast and crew."""
    docs = await asyncio.to_thread(_movie_documents, spec["movies"], start, end)
    written = await mongo_bulk.put_documents(await res.stores.mongo(), "movies", docs)
    if written:
        await invalidate.catalogue_changed(res.redis)
    return {"movies": written}


CAREER_WINDOW = 40_000  # people per shared career index (a multiple of the people chunk)
CAREER_KEEP_SECONDS = 300.0
_careers_lock = threading.Lock()
_careers: tuple[int, careers.CareerIndex] | None = None
_careers_release: threading.Timer | None = None


def _forget_careers() -> None:
    global _careers
    with _careers_lock:
        _careers = None


def _career_index(movie_count: int, start: int, end: int) -> careers.CareerIndex:
    """An index of the credits of people [start, end), shared by the people chunks of a process.

    One pass over every film serves a whole window of people (every chunk of the demo), instead
    of one pass per chunk. It is dropped after some idle minutes, so a worker does not keep it.
    """
    global _careers, _careers_release
    with _careers_lock:
        if _careers is None or _careers[0] != movie_count or not _careers[1].covers(start, end):
            catalogue = films.films_between(1, movie_count + 1)
            pool = people.people_pool(people.pool_size(movie_count))
            low = (start - 1) // CAREER_WINDOW * CAREER_WINDOW + 1
            high = max(low + CAREER_WINDOW, end)
            _careers = (movie_count, careers.CareerIndex(catalogue, pool, low, high))
        if _careers_release is not None:
            _careers_release.cancel()
        _careers_release = threading.Timer(CAREER_KEEP_SECONDS, _forget_careers)
        _careers_release.daemon = True
        _careers_release.start()
        return _careers[1]


def _people_documents(movie_count: int, start: int, end: int) -> list[dict[str, Any]]:
    return _career_index(movie_count, start, end).documents(start, end)


async def load_people(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """People with ids in [start, end) who have credits, each with every credit."""
    docs = await asyncio.to_thread(_people_documents, spec["movies"], start, end)
    db = await res.stores.mongo()
    written = await mongo_bulk.put_documents(db, "people", docs, mongo_people.prepare)
    if written + await mongo_people.remove_others(db, start, end, [doc["_id"] for doc in docs]):
        await invalidate.catalogue_changed(res.redis)
    return {"people": written}


def _real_people_documents(movie_count: int) -> list[dict[str, Any]]:
    return careers.real_people_documents(films.films_between(1, min(movie_count, films.REAL_FILMS) + 1))


async def load_directors(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """The real directors of the seeded films that matched in vega-datasets, each with those films."""
    docs = await asyncio.to_thread(_real_people_documents, spec["movies"])
    db = await res.stores.mongo()
    written = await mongo_bulk.put_documents(db, "people", docs, mongo_people.prepare)
    gone = await mongo_people.remove_others(db, vega.REAL_PEOPLE_BASE + 1, vega.REAL_PEOPLE_BASE + 1
                                            + len(vega.director_ids()), [doc["_id"] for doc in docs])
    if written + gone:
        await invalidate.catalogue_changed(res.redis)
    return {"people": written}


async def load_users(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """Demo users with ids in [start, end), all with the shared demo password (hashed once per run)."""
    password_hash = spec.get("password_hash") or await asyncio.to_thread(demo_password_hash)
    rows = [dict(u, password_hash=password_hash) for u in users.demo_users(start, end, spec_now(spec))]
    await postgres_bulk.upsert_users(await res.stores.postgres(), rows)
    return {"users": len(rows)}


@lru_cache(maxsize=2)
def _plan(user_count: int, total: int, movie_count: int) -> tuple[list[int], reviews.FilmTable]:
    table = reviews.film_table(tuple(films.films_between(1, movie_count + 1)))
    return reviews.review_plan(user_count, total, len(table.films)), table


async def _accounts(res: Resources, spec: dict[str, Any], start: int, end: int
                    ) -> list[tuple[dict[str, Any], int]]:
    """The demo users with ids in [start, end) that have an account, each with its account id."""
    demo = users.demo_users(start, end, spec_now(spec))
    found = await postgres_bulk.user_ids(await res.stores.postgres(), [u["username"] for u in demo])
    return [(u, found[u["username"]]) for u in demo if u["username"] in found]


async def load_reviews(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """The reviews written by demo users with ids in [start, end)."""
    counts, table = await asyncio.to_thread(_plan, spec["users"], spec["reviews"], spec["movies"])
    now = spec_now(spec)
    rows = []
    for user, user_id in await _accounts(res, spec, start, end):
        for review in reviews.user_reviews(user["id"], counts[user["id"] - 1], table, now):
            rows.append(dict(review, user_id=user_id, username=user["username"]))
    written = await mysql_bulk.upsert_reviews(await res.stores.mysql(), rows)
    return {"reviews": written}


def _libraries(spec: dict[str, Any], accounts: list[tuple[dict[str, Any], int]]
               ) -> tuple[list[tuple[int, str, int, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The shelf rows, diary entries and lists of these demo users (CPU work, off the event loop)."""
    counts, table = _plan(spec["users"], spec["reviews"], spec["movies"])
    now = spec_now(spec)
    shelf_rows: list[tuple[int, str, int, Any]] = []
    diary_rows: list[dict[str, Any]] = []
    list_rows: list[dict[str, Any]] = []
    for user, user_id in accounts:
        written = reviews.user_reviews(user["id"], counts[user["id"] - 1], table, now)
        kept = library.user_library(user["id"], written, table, now)
        shelf_rows += [(user_id, "watchlist", m, at) for m, at in kept.watchlist]
        shelf_rows += [(user_id, "favorites", m, at) for m, at in kept.favorites]
        diary_rows += [dict(entry, user_id=user_id) for entry in kept.diary]
        list_rows += [dict(made, user_id=user_id) for made in kept.lists]
    return shelf_rows, diary_rows, list_rows


async def load_library(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """The watchlists, favourites, diaries and lists of demo users with ids in [start, end), in one transaction."""
    accounts = await _accounts(res, spec, start, end)
    shelf_rows, diary_rows, list_rows = await asyncio.to_thread(_libraries, spec, accounts)
    written = await mysql_bulk.put_libraries(await res.stores.mysql(), [user_id for _, user_id in accounts],
                                             shelf_rows, diary_rows, list_rows)
    return {"library": written}


async def load_profiles(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """The profiles of demo users with ids in [start, end)."""
    now = spec_now(spec)
    batch = {str(user_id): profiles.demo_profile(user, now) for user, user_id in await _accounts(res, spec, start, end)}
    if batch:
        await (await res.stores.firebase()).update("/profiles", batch)
    return {"profiles": len(batch)}


async def load_finish(res: Resources, spec: dict[str, Any], start: int, end: int) -> dict[str, int]:
    """Reviews linked to their diary entries, rating statistics (in MySQL and copied into the films), genre
    counts, and a clean cache."""
    pool, db = await res.stores.mysql(), await res.stores.mongo()
    await mysql_bulk.link_seeded_reviews(pool)
    version = await mysql_bulk.refresh_all_stats(pool)
    figures = await mysql_bulk.all_stats(pool)
    await mongo_movies.set_user_ratings(db, figures)
    await mongo_movies.forget_user_ratings(db, set(figures), version)
    await mongo_genres.refresh_counts(db)
    await invalidate.everything(res.redis)
    await refresh_rankings(res.redis, res.settings.result_ttl_seconds)
    return {}


LOADERS: dict[str, Loader] = {
    "genres": load_genres, "settings": load_settings, "movies": load_movies, "people": load_people,
    "directors": load_directors,
    "users": load_users, "reviews": load_reviews, "library": load_library, "profiles": load_profiles,
    "finish": load_finish,
}
