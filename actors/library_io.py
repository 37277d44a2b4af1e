"""A member's library out and in, done by workers as jobs: the export's files, and Letterboxd CSV imports.

An export gathers the account, profile, reviews, shelves, diary and lists into `movieverse.json` and the four
CSV files Letterboxd exports, and keeps them in Redis for EXPORT_TTL_SECONDS (cache/exports.py). An import
matches each row's film by folded title and year in this worker's catalogue index (never the MongoDB
lookup: a worker waits for its index, and fails the job when the catalogue is too large to hold one), then
writes what matched in one transaction (stores/mysql/imports.py), so it lands whole or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson

from actors import letterboxd
from actors.broker import DEFAULT, INTERACTIVE, broker
from actors.catalogue import Catalogue
from actors.catalogue.follower import follower
from actors.lifecycle import Resources
from actors.work import work_actor
from cache import exports
from errors import NotFound, Unauthorized, Unavailable
from stores.mongo import movies
from stores.mysql import diary, imports, lists, reviews, shelves
from stores.outbox import Message
from stores.postgres import users
from stores.profiles import get_profile
from textfold import fold
from timestamps import iso

log = logging.getLogger(__name__)

FILES = ("movieverse.json", "diary.csv", "ratings.csv", "watched.csv", "watchlist.csv")
EVERYTHING = 10_000_000  # rows of one table of one member, read at once
INDEX_WAIT = 60.0
SHOWN_UNMATCHED = 1000
YIELD_EVERY = 200  # rows matched between two turns of the event loop


class NoIndex(Unavailable):
    """This worker holds no catalogue index: the catalogue is over SEARCH_MEMORY_LIMIT."""


class IndexLoading(Exception):
    """The catalogue index is still loading here; the import is tried again."""


async def _gather(res: Resources, user_id: int) -> dict[str, Any]:
    """Everything of the member's, as stored."""
    account = await users.get_user(await res.stores.postgres(), user_id)
    if account is None:
        raise NotFound(f"No user with id {user_id}.")
    pool = await res.stores.mysql()
    _, written = await reviews.list_reviews(pool, user_id=user_id, sort="created_at", limit=EVERYTHING)
    _, entries = await diary.list_entries(pool, user_id, limit=EVERYTHING)
    _, held = await lists.user_lists(pool, user_id, with_private=True, limit=EVERYTHING)
    for found in held:
        found["items"] = await lists.items(pool, found["id"], 0, EVERYTHING)
    return {
        "account": {"id": account["id"], "username": account["username"], "email": account["email"],
                    "date_joined": iso(account["date_joined"]), "library_public": account["library_public"]},
        "profile": await get_profile(await res.stores.firebase(), user_id),
        "reviews": [{key: value for key, value in review.items() if key != "user"} for review in written],
        "watchlist": [{"movie_id": m, "added_at": a} for m, a in (await shelves.everything(pool, user_id,
                                                                                              "watchlist")).items()],
        "favorites": [{"movie_id": m, "added_at": a} for m, a in (await shelves.everything(pool, user_id,
                                                                                              "favorites")).items()],
        "diary": entries[::-1],
        "lists": held,
    }


def _films_of(library: dict[str, Any]) -> list[int]:
    ids = {row["movie_id"] for part in ("reviews", "watchlist", "favorites", "diary") for row in library[part]}
    ids |= {item["movie_id"] for found in library["lists"] for item in found["items"]}
    return sorted(ids)


def _named(films: dict[int, dict[str, Any]], movie_id: int, **columns: Any) -> dict[str, Any] | None:
    """A CSV row of a film (None for a film the catalogue no longer has: Letterboxd needs a name)."""
    film = films.get(movie_id)
    if film is None:
        return None
    return {"Name": film["title"], "Year": film["year"], **columns}


def letterboxd_files(library: dict[str, Any], films: dict[int, dict[str, Any]]) -> dict[str, bytes]:
    """The four Letterboxd CSV files of a library (films by id: their title and year)."""
    watches = sorted(library["diary"], key=lambda e: (e["watched_on"], e["id"]))
    diary_rows = [_named(films, e["movie_id"], Date=e["created_at"][:10], Rating=letterboxd.stars(e["rating"]),
                         Rewatch="Yes" if e["rewatch"] else "", **{"Watched Date": e["watched_on"]})
                  for e in watches]
    first_watch: dict[int, str] = {}
    rated: dict[int, tuple[str, int]] = {}
    for entry in watches:
        first_watch.setdefault(entry["movie_id"], entry["watched_on"])
        if entry["rating"] is not None:
            rated[entry["movie_id"]] = (entry["watched_on"], entry["rating"])
    for review in library["reviews"]:
        rated[review["movie_id"]] = (review["updated_at"][:10], review["rating"])
    rating_rows = [_named(films, m, Date=day, Rating=letterboxd.stars(r)) for m, (day, r) in sorted(rated.items())]
    watched_rows = [_named(films, m, Date=day) for m, day in sorted(first_watch.items(), key=lambda p: (p[1], p[0]))]
    watchlist_rows = [_named(films, row["movie_id"], Date=row["added_at"][:10])
                      for row in sorted(library["watchlist"], key=lambda row: (row["added_at"], row["movie_id"]))]
    return {f"{kind}.csv": letterboxd.write(kind, [row for row in rows if row is not None])
            for kind, rows in (("diary", diary_rows), ("ratings", rating_rows), ("watched", watched_rows),
                               ("watchlist", watchlist_rows))}


@work_actor(queue_name=DEFAULT, max_retries=3, time_limit=300_000)
async def export_library(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """Gather the member's library into its files and keep them for download; `{files: {name: bytes}, expires_in}`.

    The files are kept as long as the front door keeps its link to them (its `ttl`), whatever this host's
    EXPORT_TTL_SECONDS says: a worker may run with other settings than the web process that sent the job."""
    user_id, ttl = params["user_id"], int(params["ttl"])
    library = await _gather(res, user_id)
    films = await movies.summaries(await res.stores.mongo(), _films_of(library))
    for part in ("reviews", "watchlist", "favorites", "diary"):
        for row in library[part]:
            film = films.get(row["movie_id"])
            row["title"], row["year"] = (film["title"], film["year"]) if film else (None, None)
    document = {"exported_at": iso(datetime.now(UTC)), **library}
    files = {"movieverse.json": orjson.dumps(document, option=orjson.OPT_INDENT_2), **letterboxd_files(library, films)}
    await exports.store(res.redis, user_id, params["export_id"], files, ttl)
    return {"files": {name: len(body) for name, body in files.items()}, "expires_in": ttl}


async def _index(res: Resources) -> Catalogue:
    """This worker's catalogue index, once loaded (up to INDEX_WAIT seconds; a load that kept none fails)."""
    follower.start(res)
    deadline = time.monotonic() + INDEX_WAIT
    while True:
        index = await follower.at(0, min(1.0, max(deadline - time.monotonic(), 0.0)))
        if index is not None:
            return index
        if not follower.reload and follower.index is None:
            raise NoIndex("The catalogue is too large for the workers' index, which imports match films with.")
        if time.monotonic() >= deadline:
            raise IndexLoading("the catalogue index is still loading")


async def _send(res: Resources, message: Message | None) -> None:
    """Send the import's follow-up now; if that fails, the outbox relay sends it later."""
    if message is None:
        return
    try:
        await asyncio.to_thread(broker.get_actor(message.actor).send, **message.kwargs)
    except Exception as exc:
        log.warning("follow-up %s left in the outbox: %s", message.actor, exc)
        return
    await res.stores.forget_sent([message])


@work_actor(queue_name=INTERACTIVE, max_retries=3, time_limit=600_000, throws=(NoIndex, Unauthorized))
async def import_library(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """Match the rows' films in the catalogue index and import those that matched; the counts of each outcome
    and the rows that matched no film."""
    index = await _index(res)
    rows = [letterboxd.Row.of(fields) for fields in params["rows"]]
    found: dict[tuple[str, int | None], int | None] = {}
    matched: list[imports.Film] = []
    unmatched: list[dict[str, Any]] = []
    for count, row in enumerate(rows, 1):
        key = (fold(row.name), row.year)
        if key not in found:
            found[key] = index.films.titled(row.name, row.year)
        movie_id = found[key]
        if movie_id is None:
            unmatched.append({"line": row.line, "name": row.name, "year": row.year})
        else:
            matched.append(imports.Film(movie_id, row.day, row.rating, row.rewatch))
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    outcomes, message = await imports.import_films(await res.stores.mysql(), params["user_id"], params["kind"],
                                                   matched)
    await _send(res, message)
    counted = Counter(outcomes)
    return {"kind": params["kind"], "rows": len(rows), "matched": len(matched),
            **{outcome: counted[outcome] for outcome in imports.OUTCOMES},
            "unmatched_count": len(unmatched), "unmatched": unmatched[:SHOWN_UNMATCHED]}
