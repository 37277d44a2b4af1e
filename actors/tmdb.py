"""TMDB sync: fetch films (details + credits) from TMDB and upsert them onto our documents.

Which films: the ids an administrator names (linked to our film of the same title and year, or added as new
films), or, on the daily schedule, every film TMDB's changes feed lists since the last sync that we already
link to a TMDB id. Our ids never change: a film keeps its id and gains `tmdb_id`; films and people that only
TMDB knows get ids from 100,000,001 up, far beyond any seeded id. Cast and crew are linked both ways (the
film's `cast`/`crew`, each person's `credits`), and every changed film and person is dropped from the caches.
Runs are serialised by a Redis lock, so two syncs never create the same person twice.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import dramatiq
from dramatiq.middleware import CurrentMessage

from actors.broker import BULK
from actors.lifecycle import Resources
from actors.tmdb_client import Tmdb, TmdbError
from actors.work import work_actor
from cache import invalidate, keys
from errors import Invalid
from seeds.films import GENRES, popularity
from stores.mongo import Database, counters
from stores.mongo import app_settings as mongo_settings
from stores.mongo import movies as mongo_movies
from stores.mongo import people as mongo_people
from stores.mongo import tmdb as mongo_tmdb

NEW_ID_BASE = 100_000_000
MAX_CAST = 15
MAX_IDS = 500
CHANGES_DAYS = 14
LAST_SYNC = "tmdb_last_sync"
LOCK = "tmdb-sync"
IMAGES = "https://image.tmdb.org/t/p/w500"
CREW_JOBS = {
    "Director": "Directing", "Screenplay": "Writing", "Writer": "Writing", "Story": "Writing", "Novel": "Writing",
    "Producer": "Production", "Original Music Composer": "Sound", "Director of Photography": "Camera",
    "Editor": "Editing",
}
GENRE_IDS = {name.lower(): gid for gid, name in GENRES}
SHORT = 7


def _image(path: Any) -> str | None:
    return f"{IMAGES}{path}" if isinstance(path, str) and path.startswith("/") else None


def _text(value: Any, limit: int = 5000) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _billing(credit: dict[str, Any]) -> int:
    order = credit.get("order")
    return order if isinstance(order, int) else 10**6


def _release(tmdb: dict[str, Any]) -> str:
    release = tmdb.get("release_date")
    return release if isinstance(release, str) else ""


def credited(tmdb: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cast (first 15 by billing order) and the crew in the jobs we keep, as TMDB lists them."""
    credits = tmdb.get("credits") or {}
    cast = [c for c in credits.get("cast") or [] if isinstance(c, dict) and _int(c.get("id")) and c.get("name")]
    cast.sort(key=_billing)
    crew = [c for c in credits.get("crew") or []
            if isinstance(c, dict) and _int(c.get("id")) and c.get("name") and c.get("job") in CREW_JOBS]
    return cast[:MAX_CAST], crew


def movie_document(tmdb: dict[str, Any], existing: dict[str, Any] | None, movie_id: int,
                   person_ids: dict[int, int], now: datetime) -> dict[str, Any]:
    """Our document for a TMDB film: TMDB's facts over the existing document, our id and rating kept."""
    doc: dict[str, Any] = dict(existing or {})
    release = _release(tmdb)
    year = int(release[:4]) if release[:4].isdigit() else doc.get("year")
    vote_count, vote_average = tmdb.get("vote_count"), tmdb.get("vote_average")
    votes = vote_count if isinstance(vote_count, int) else 0
    average = vote_average if isinstance(vote_average, int | float) else 0.0
    kept_short = [SHORT] if SHORT in (doc.get("genre_ids") or []) else []
    genre_ids = sorted({GENRE_IDS[g["name"].lower()] for g in tmdb.get("genres") or []
                        if isinstance(g, dict) and isinstance(g.get("name"), str) and g["name"].lower() in GENRE_IDS}
                       | set(kept_short))
    names = dict(GENRES)
    cast, crew = credited(tmdb)
    doc.update({
        "_id": movie_id,
        "title": _text(tmdb.get("title"), 500) or doc.get("title") or f"TMDB {tmdb['id']}",
        "original_title": _text(tmdb.get("original_title"), 500) or doc.get("original_title"),
        "year": year,
        "release_date": release or doc.get("release_date"),
        "runtime": _int(tmdb.get("runtime")) or doc.get("runtime"),
        "budget": _int(tmdb.get("budget")) or doc.get("budget"),
        "overview": _text(tmdb.get("overview")) or doc.get("overview"),
        "tagline": _text(tmdb.get("tagline"), 500) or doc.get("tagline"),
        "genres": [{"id": gid, "name": names[gid]} for gid in genre_ids],
        "genre_ids": genre_ids,
        "poster_url": _image(tmdb.get("poster_path")) or doc.get("poster_url"),
        "tmdb_id": tmdb["id"],
        "tmdb": {"vote_average": float(average), "vote_count": votes,
                 "popularity": float(tmdb.get("popularity") or 0.0), "synced_at": now},
        "cast": [{"person_id": person_ids[c["id"]], "name": c["name"], "character": _text(c.get("character"), 300)
                  or "", "order": i} for i, c in enumerate(cast)],
        "crew": [{"person_id": person_ids[c["id"]], "name": c["name"], "job": c["job"],
                  "department": CREW_JOBS[c["job"]]} for c in crew],
    })
    doc["person_ids"] = sorted({c["person_id"] for c in doc["cast"]} | {c["person_id"] for c in doc["crew"]})
    if existing is None:
        doc.update({"mpaa": None, "awards": [], "source": "tmdb",
                    "rating": {"average": round(float(average), 1), "votes": votes, "histogram": [0.0] * 10},
                    "popularity": popularity(votes, year or now.year)})
    return doc


async def _allocate(db: Database, name: str, count: int) -> int:
    """The first of `count` fresh ids for films or people that only TMDB knows."""
    return await counters.allocate(db, name, count, NEW_ID_BASE)


async def _find_film(db: Database, tmdb: dict[str, Any]) -> dict[str, Any] | None:
    """Our film for a TMDB film: the one linked to it, else an unlinked one with the same title and year."""
    linked = await mongo_tmdb.linked_film(db, tmdb["id"])
    if linked is not None:
        return linked
    release = _release(tmdb)
    if not release[:4].isdigit():
        return None
    titles = [title for title in {tmdb.get("title"), tmdb.get("original_title")}
              if isinstance(title, str) and title.strip()]
    return await mongo_tmdb.unlinked_film(db, titles, int(release[:4]))


async def _people(db: Database, tmdb: dict[str, Any]) -> tuple[dict[int, int], int]:
    """Our person id for every credited TMDB person (creating the new ones); and how many were created."""
    cast, crew = credited(tmdb)
    wanted: dict[int, dict[str, Any]] = {}
    for credit in cast + crew:
        wanted.setdefault(credit["id"], credit)
    ids = await mongo_tmdb.linked_people(db, list(wanted))
    new = [tmdb_id for tmdb_id in wanted if tmdb_id not in ids]
    if new:
        first = await _allocate(db, "people", len(new))
        docs = []
        for offset, tmdb_id in enumerate(new):
            credit = wanted[tmdb_id]
            ids[tmdb_id] = first + offset
            docs.append(mongo_people.prepare({
                "_id": first + offset, "name": credit["name"], "tmdb_id": tmdb_id, "biography": "",
                "birthday": None, "deathday": None, "place_of_birth": None,
                "known_for_department": credit.get("known_for_department") or credit.get("department") or "Acting",
                "profile_url": _image(credit.get("profile_path")),
                "popularity": float(credit.get("popularity") or 0.0), "credits": {"cast": [], "crew": []},
                "generated": False,
            }))
        await mongo_tmdb.add_people(db, docs)
    return ids, len(new)


async def apply(res: Resources, tmdb: dict[str, Any], create: bool, tally: dict[str, int]) -> None:
    """Upsert one TMDB film onto our documents and drop what the caches hold of it."""
    db = await res.stores.mongo()
    existing = await _find_film(db, tmdb)
    if existing is None and not create:
        tally["unknown"] += 1
        return
    person_ids, created_people = await _people(db, tmdb)
    movie_id = existing["_id"] if existing else await _allocate(db, "movies", 1)
    doc = mongo_movies.prepare(movie_document(tmdb, existing, movie_id, person_ids, datetime.now(UTC)))
    await mongo_tmdb.put_film(db, doc, existing)
    touched = await mongo_tmdb.relink(db, existing, doc)
    await invalidate.entries_changed(res.redis, [keys.movie_entry(movie_id), *map(keys.person_entry, touched)])
    tally["updated" if existing else "created"] += 1
    tally["people_created"] += created_people


def _day(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise Invalid(f"{name} must be a date (YYYY-MM-DD).") from exc


async def _changed_ids(res: Resources, client: Tmdb, params: dict[str, Any]) -> list[int]:
    today = datetime.now(UTC).date()
    until = _day(params["until"], "until") if params.get("until") else today
    if params.get("since"):
        since = _day(params["since"], "since")
    else:
        last = await mongo_settings.get_setting(await res.stores.mongo(), LAST_SYNC)
        since = _day(last["value"], LAST_SYNC) if last and last.get("value") else until - timedelta(days=1)
    since = max(since, until - timedelta(days=CHANGES_DAYS))
    return list(dict.fromkeys([tmdb_id async for tmdb_id in client.changed_movie_ids(since, until)]))


@work_actor(queue_name=BULK, max_retries=5, time_limit=60 * 60 * 1000)
async def tmdb_sync(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """Sync the named TMDB films (creating unknown ones), or the changed ones we already link."""
    settings = res.settings
    key = settings.tmdb_api_key.reveal()
    if not key:
        raise Invalid("TMDB_API_KEY is not set.")
    lock = keys.lock(LOCK)
    message = CurrentMessage.get_current_message()
    owner = message.message_id if message is not None else uuid.uuid4().hex
    # A redelivered message (its worker died) has the same id, so it takes over its own lock.
    if not (await res.redis.set(lock, owner, nx=True, ex=3600) or await res.redis.get(lock) == owner.encode()):
        raise dramatiq.Retry("another TMDB sync is running; retrying later")
    tally = {"requested": 0, "updated": 0, "created": 0, "unknown": 0, "missing": 0, "people_created": 0}
    try:
        timeout = aiohttp.ClientTimeout(total=30, connect=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = Tmdb(session, settings.tmdb_api_url, key, concurrency=settings.tmdb_concurrency)
            explicit = params.get("tmdb_ids")
            ids = list(explicit) if explicit else await _changed_ids(res, client, params)
            tally["requested"] = len(ids)
            for start in range(0, len(ids), 50):
                batch = ids[start : start + 50]
                for found in await asyncio.gather(*(client.movie(i) for i in batch)):
                    if found is None or not _int(found.get("id")):
                        tally["missing"] += 1
                        continue
                    await apply(res, found, bool(explicit), tally)
        if not explicit:
            await mongo_settings.put_setting(await res.stores.mongo(), LAST_SYNC, datetime.now(UTC).date().isoformat())
        return dict(tally, requests=client.requests, retries=client.retried, rate_limited=client.rate_limited)
    except TmdbError as exc:
        raise Invalid(f"TMDB refused the sync: {exc}") from exc
    finally:
        if await res.redis.get(lock) == owner.encode():
            await res.redis.delete(lock)
