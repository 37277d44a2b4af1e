"""The changes feed: every write to films, people and genres is logged once per thing with its latest change;
a write that changes nothing logs nothing; the feed shows only settled entries, oldest first."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from stores import Stores
from stores.migrate import migrate
from stores.mongo import bulk, changes, genres, movies, people, tmdb


def film(movie_id: int, title: str) -> dict[str, Any]:
    return movies.prepare({"_id": movie_id, "title": title, "year": 1999, "genres": ["Drama"], "genre_ids": [3],
                           "person_ids": [], "cast": [], "crew": []})


def later() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=changes.SETTLE_SECONDS + 1)


async def entries(db: Any, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {doc["id"]: doc async for doc in db.changes.find({"kind": kind, "id": {"$in": ids}})}


async def test_writes_are_logged_once_each_with_their_latest_change_and_no_change_logs_nothing(
        stores: Stores) -> None:
    db = await stores.mongo()
    base = 93_000_000 + uuid.uuid4().int % 100_000 * 100
    ids = list(range(base, base + 5))
    try:
        await bulk.put_documents(db, "movies", [film(i, f"Film {i}") for i in ids])
        logged = await entries(db, "movie", ids)
        assert {i: e["change"] for i, e in logged.items()} == dict.fromkeys(ids, "created")

        await bulk.put_documents(db, "movies", [film(i, f"Film {i}") for i in ids])  # the same data again
        assert await entries(db, "movie", ids) == logged

        await bulk.put_documents(db, "movies", [film(i, "Renamed" if i == ids[1] else f"Film {i}") for i in ids])
        now = await entries(db, "movie", ids)
        assert now[ids[1]]["change"] == "changed" and now[ids[1]]["seq"] > max(e["seq"] for e in logged.values())
        assert {i: now[i] for i in ids if i != ids[1]} == {i: logged[i] for i in ids if i != ids[1]}

        held = await db.movies.find_one({"_id": ids[2]})
        await tmdb.put_film(db, movies.prepare(dict(held, synced_at=datetime.now(UTC))), held)  # same film
        assert (await entries(db, "movie", [ids[2]]))[ids[2]] == logged[ids[2]]
        await tmdb.put_film(db, movies.prepare(dict(held, runtime=101)), held)
        assert (await entries(db, "movie", [ids[2]]))[ids[2]]["change"] == "changed"

        figures = {ids[3]: (7.5, 2, 1), ids[4]: (None, 0, 1)}  # a new figure, and none where none was
        await movies.set_user_ratings(db, figures)
        after = await entries(db, "movie", [ids[3], ids[4]])
        assert after[ids[3]]["change"] == "changed" and after[ids[4]] == logged[ids[4]]

        feed = await changes.since(db, min(e["seq"] for e in logged.values()) - 1, 1000, now=later())
        mine = [e["id"] for e in feed if e["kind"] == "movie" and e["id"] in ids]
        assert sorted(mine) == ids and len(mine) == len(set(mine))
        assert [e["seq"] for e in feed] == sorted(e["seq"] for e in feed)
        assert all(e["id"] not in ids for e in await changes.since(db, feed[-1]["seq"], 1000, now=later()))
    finally:
        await db.movies.delete_many({"_id": {"$in": ids}})
        await db.changes.delete_many({"kind": "movie", "id": {"$in": ids}})


async def test_an_entry_shows_once_it_has_settled_and_the_feed_stops_at_the_first_that_has_not(
        stores: Stores) -> None:
    db = await stores.mongo()
    base = 94_000_000 + uuid.uuid4().int % 100_000 * 100
    try:
        await changes.log(db, "person", [base, base + 1], changes.CREATED)
        first = await entries(db, "person", [base, base + 1])
        start = min(e["seq"] for e in first.values()) - 1
        assert [e["id"] for e in await changes.since(db, start, 10, now=later()) if e["id"] >= base][:2] == [
            base, base + 1]
        assert [e for e in await changes.since(db, start, 10) if e["id"] in (base, base + 1)] == []  # not settled
    finally:
        await db.changes.delete_many({"kind": "person", "id": {"$in": [base, base + 1]}})


async def test_removed_people_are_logged_as_deleted_and_renamed_genres_as_changed(stores: Stores) -> None:
    db = await stores.mongo()
    base = 95_000_000 + uuid.uuid4().int % 100_000 * 100
    docs = [{"_id": base + i, "name": f"Person {i}", "popularity": 1.0, "credits": {"cast": [], "crew": []}}
            for i in range(3)]
    genre = 900 + uuid.uuid4().int % 1000
    try:
        await bulk.put_documents(db, "people", docs, people.prepare)
        assert await people.remove_others(db, base, base + 10, [base]) == 2
        logged = await entries(db, "person", [base + i for i in range(10)])
        assert {i: e["change"] for i, e in logged.items()} == {base: "created", base + 1: "deleted",
                                                              base + 2: "deleted"}
        await genres.upsert_genres(db, [(genre, f"Genre {genre}")])
        await genres.upsert_genres(db, [(genre, f"Genre {genre}")])
        assert (await entries(db, "genre", [genre]))[genre]["change"] == "created"
        created = (await entries(db, "genre", [genre]))[genre]["seq"]
        await genres.upsert_genres(db, [(genre, f"Renamed {genre}")])
        renamed = (await entries(db, "genre", [genre]))[genre]
        assert renamed["change"] == "changed" and renamed["seq"] > created
    finally:
        await db.people.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
        await db.genres.delete_one({"_id": genre})
        await db.changes.delete_many({"$or": [{"kind": "person", "id": {"$gte": base, "$lt": base + 10}},
                                              {"kind": "genre", "id": genre}]})


async def test_the_feed_route_pages_what_was_written_since_a_cursor(http: httpx.Client, stores: Stores) -> None:
    db = await stores.mongo()
    counter = await db.counters.find_one({"_id": "changes"})
    start = int(counter["seq"]) if counter else 0
    base = 96_000_000 + uuid.uuid4().int % 100_000 * 100
    ids = list(range(base, base + 5))
    try:
        await bulk.put_documents(db, "movies", [film(i, f"Film {i}") for i in ids])
        await bulk.put_documents(db, "movies", [film(ids[0], "Renamed")])
        seen: dict[int, str] = {}
        url, deadline = f"/api/changes/?since={start}&page_size=2", time.monotonic() + 30
        while set(seen) < set(ids):
            page = http.get(url)
            assert page.status_code == 200, page.text
            body = page.json()
            assert len(body["results"]) <= 2
            for entry in body["results"]:
                if entry["kind"] == "movie" and entry["id"] in ids:
                    assert entry["id"] not in seen, "once each, with its latest change"
                    seen[entry["id"]] = entry["change"]
            if body["caught_up"]:
                assert time.monotonic() < deadline, "written changes settle into the feed within seconds"
                time.sleep(1)
            url = body["next"]
        assert seen == {ids[0]: "changed", **dict.fromkeys(ids[1:], "created")}
        assert int(body["next_cursor"]) > start
    finally:
        await db.movies.delete_many({"_id": {"$in": ids}})
        await db.changes.delete_many({"kind": "movie", "id": {"$in": ids}})
    for bad in ("since=-1", "since=abc", "page_size=1001", "sincee=3"):
        assert http.get(f"/api/changes/?{bad}").status_code == 400, bad


async def test_a_lost_or_stale_counter_resumes_past_the_feed_so_no_reader_skips_what_comes_next(stores: Stores) -> None:
    db = await stores.mongo()
    base = 94_000_000 + uuid.uuid4().int % 100_000 * 100
    try:
        await changes.log(db, "movie", [base, base + 1], changes.CREATED)
        reached = (await db.changes.find_one({}, sort=[("seq", -1)]))["seq"]
        await db.counters.delete_one({"_id": "changes"})  # lost: a restore without it, a hand's mistake
        await changes.log(db, "movie", [base + 2], changes.CREATED)
        after = await entries(db, "movie", [base + 2])
        assert after[base + 2]["seq"] == reached + 1
        feed = await changes.since(db, reached, 10, now=later())
        assert base + 2 in [e["id"] for e in feed]

        await db.counters.update_one({"_id": "changes"}, {"$set": {"seq": 3}})  # behind: an older backup's
        await migrate(stores.settings)
        await changes.log(db, "movie", [base + 3], changes.CREATED)
        assert (await entries(db, "movie", [base + 3]))[base + 3]["seq"] == reached + 2
    finally:
        await db.changes.delete_many({"kind": "movie", "id": {"$gte": base, "$lt": base + 100}})
