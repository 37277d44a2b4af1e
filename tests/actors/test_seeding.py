"""Seed actors fill every store from the real data set, and running them again changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from seeds import films, library, reviews, users, vega
from stores import Stores
from tests.conftest import FAULTS_VHOST, ROOT, SEED, child_env, run_seed, start_worker


async def counts(stores: Stores) -> dict[str, int]:
    """Rows per store, counted directly."""
    db = await stores.mongo()
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*), COUNT(DISTINCT user_id, movie_id) FROM reviews")
        reviews, distinct = await cur.fetchone()
        library = {}
        for table in ("shelf_items", "diary_entries", "lists", "list_items"):
            await cur.execute(f"SELECT COUNT(*) FROM {table}")
            library[table] = (await cur.fetchone())[0]
    profiles = await (await stores.firebase()).get("/profiles") or {}
    return {
        **library,
        "movies": await db.movies.count_documents({}),
        "genres": await db.genres.count_documents({}),
        "people": await db.people.count_documents({}),
        "users": await (await stores.postgres()).fetchval("SELECT count(*) FROM users"),
        "reviews": reviews,
        "distinct_reviews": distinct,
        "profiles": len(profiles),
        "settings": await db.settings.count_documents({}),
        "matched": await db.movies.count_documents({"gross": {"$type": "object"}}),
        "real_people": await db.people.count_documents({"generated": False}),
        "generated_people": await db.people.count_documents({"generated": True}),
    }


MATCHED = "vega-datasets 3.2.1: 20 films matched, 13 with a real director, 13 real people"


async def test_seeding_fills_every_store_with_the_requested_sizes(seeded: str, stores: Stores) -> None:
    found = await counts(stores)
    assert found["movies"] == SEED["movies"]
    assert found["genres"] == 7
    assert found["people"] > 50
    assert found["users"] >= SEED["users"]
    assert found["reviews"] >= SEED["reviews"]
    assert found["reviews"] == found["distinct_reviews"]
    assert found["profiles"] >= SEED["users"]
    assert found["settings"] >= 5
    assert "seeded in" in seeded


async def test_movie_five_is_the_same_film_on_every_machine(seeded: str, stores: Stores) -> None:
    movie = await (await stores.mongo()).movies.find_one({"_id": 5})
    assert movie["title"] == "The $50,000 Climax Show"
    assert movie["year"] == 1975 and movie["runtime"] == 71
    assert movie["cast"] and movie["person_ids"]
    assert "climax" in movie["words"] and "cli" in movie["tokens"]


async def test_cast_and_credits_are_linked_both_ways_in_mongo(seeded: str, stores: Stores) -> None:
    db = await stores.mongo()
    movie_side = set()
    async for movie in db.movies.find({}, {"cast": 1, "crew": 1}):
        movie_side |= {(c["person_id"], movie["_id"]) for c in movie["cast"] + movie["crew"]}
    person_side = set()
    async for person in db.people.find({}, {"credits": 1}):
        credits = person["credits"]["cast"] + person["credits"]["crew"]
        person_side |= {(person["_id"], c["movie_id"]) for c in credits}
    assert movie_side == person_side


async def test_review_ratings_follow_each_films_histogram(seeded: str, stores: Stores) -> None:
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        # The seed's users' reviews only: other tests' accounts review some films again and again (the test
        # databases outlive a run), and the most reviewed film would then be theirs.
        await cur.execute("SELECT movie_id, rating FROM reviews WHERE user_id <= %s", (SEED["users"],))
        rows = await cur.fetchall()
    by_film = Counter(movie_id for movie_id, _ in rows)
    film_id, n = by_film.most_common(1)[0]
    assert n >= 20
    film = films.all_films()[film_id - 1]
    mean_expected = sum((i + 1) * h for i, h in enumerate(film.histogram)) / sum(film.histogram)
    ratings = [rating for movie_id, rating in rows if movie_id == film_id]
    assert abs(sum(ratings) / len(ratings) - mean_expected) < 1.5
    all_mean = sum(r for _, r in rows) / len(rows)
    assert 4.5 < all_mean < 8.5


async def test_rating_stats_match_the_reviews(seeded: str, stores: Stores) -> None:
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT s.movie_id, s.review_count, s.rating_sum, COUNT(r.id), SUM(r.rating) FROM rating_stats s"
            " JOIN reviews r ON r.movie_id = s.movie_id GROUP BY s.movie_id"
        )
        rows = await cur.fetchall()
    assert rows
    assert all(count == real_count and total == real_total for _, count, total, real_count, real_total in rows)


async def test_the_seed_prints_the_match_counts_the_stores_hold(seeded: str, stores: Stores) -> None:
    assert MATCHED in seeded.splitlines()
    assert vega.match_counts(SEED["movies"]) == {"films_matched": 20, "films_directed": 13, "real_people": 13}
    found = await counts(stores)
    assert (found["matched"], found["real_people"]) == (20, 13)
    assert found["real_people"] + found["generated_people"] == found["people"]
    db = await stores.mongo()
    directed = await db.movies.count_documents(
        {"crew": {"$elemMatch": {"job": "Director", "person_id": {"$gt": vega.REAL_PEOPLE_BASE}}}})
    assert directed == 13


async def test_running_the_seed_again_changes_no_count(seeded: str, stores: Stores) -> None:
    before = await counts(stores)
    db = await stores.mongo()
    written = {doc["_id"]: doc["updated_at"] async for doc in db.movies.find({"gross": {"$type": "object"}})}
    written |= {doc["_id"]: doc["updated_at"] async for doc in db.people.find({"generated": False})}
    output = run_seed()
    assert await counts(stores) == before
    assert MATCHED in output.splitlines()
    again = {doc["_id"]: doc["updated_at"] async for doc in db.movies.find({"gross": {"$type": "object"}})}
    again |= {doc["_id"]: doc["updated_at"] async for doc in db.people.find({"generated": False})}
    assert again == written, "the matched films and the real people were not written again"


async def test_a_seed_worker_killed_midway_finishes_after_a_restart(
    seeded: str, stores: Stores, logs: Path
) -> None:
    before = await counts(stores)
    env = child_env(RABBITMQ_URL=FAULTS_VHOST)
    first = start_worker(logs, name="seed-killed", queues="bulk", RABBITMQ_URL=FAULTS_VHOST)
    args = [sys.executable, "-m", "seeds", *(f"--{k}={v}" for k, v in SEED.items()), "--timeout=240"]
    follower = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert first.proc is not None
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
        second = start_worker(logs, name="seed-restarted", queues="bulk", RABBITMQ_URL=FAULTS_VHOST)
        try:
            output, _ = follower.communicate(timeout=240)
        finally:
            second.stop()
    finally:
        if follower.poll() is None:
            follower.kill()
    assert follower.returncode == 0, output
    assert "seeded in" in output
    assert await counts(stores) == before


ANY_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


async def seeded_accounts(stores: Stores) -> dict[int, int]:
    """`{demo user number: account id}` of the seeded users."""
    names = [u["username"] for u in users.demo_users(1, SEED["users"] + 1, ANY_MOMENT)]
    rows = await (await stores.postgres()).fetch("SELECT id, username FROM users WHERE username = ANY($1)", names)
    found = {row["username"]: int(row["id"]) for row in rows}
    return {number: found[name] for number, name in enumerate(names, 1)}


async def stored_library(stores: Stores, account_id: int) -> dict[str, Any]:
    """What MySQL holds of one account's library, in terms that do not depend on the run's moment."""
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT shelf, movie_id FROM shelf_items WHERE user_id = %s", (account_id,))
        shelves = {(shelf, int(movie_id)) for shelf, movie_id in await cur.fetchall()}
        await cur.execute("SELECT movie_id, rating, rewatch FROM diary_entries WHERE user_id = %s", (account_id,))
        diary = Counter((int(m), r, bool(w)) for m, r, w in await cur.fetchall())
        await cur.execute("SELECT lists.name, lists.public, lists.ranked, lists.item_count, list_items.position,"
                          " list_items.movie_id FROM lists JOIN list_items ON list_items.list_id = lists.id"
                          " WHERE lists.user_id = %s ORDER BY lists.name, list_items.position", (account_id,))
        held: dict[tuple[str, bool, bool, int], list[int]] = {}
        for name, public, ranked, count, _, movie_id in await cur.fetchall():
            held.setdefault((name, bool(public), bool(ranked), int(count)), []).append(int(movie_id))
    return {"shelves": shelves, "diary": diary, "lists": held}


def planned_library(number: int) -> dict[str, Any]:
    """The library the seed draws for demo user `number` of the test seed, in the terms of `stored_library` (which
    are the same whatever the run's moment)."""
    now = ANY_MOMENT
    table = reviews.film_table(tuple(films.films_between(1, SEED["movies"] + 1)))
    plan = reviews.review_plan(SEED["users"], SEED["reviews"], len(table.films))
    kept = library.user_library(number, reviews.user_reviews(number, plan[number - 1], table, now), table, now)
    return {"shelves": {("watchlist", m) for m, _ in kept.watchlist} | {("favorites", m) for m, _ in kept.favorites},
            "diary": Counter((e["movie_id"], e["rating"], e["rewatch"]) for e in kept.diary),
            "lists": {(made["name"], made["public"], made["ranked"], len(made["items"])): [m for m, _ in made["items"]]
                      for made in kept.lists}}


async def test_the_seeded_users_have_libraries_as_drawn(seeded: str, stores: Stores) -> None:
    accounts = await seeded_accounts(stores)
    kinds: Counter[str] = Counter()
    for number in (2, 3, 17, 41, SEED["users"]):
        stored = await stored_library(stores, accounts[number])
        assert stored == planned_library(number), f"demo user {number}"
        kinds.update(shelf for shelf, _ in stored["shelves"])
    assert kinds["watchlist"] and kinds["favorites"]
    found = await counts(stores)
    assert found["shelf_items"] > SEED["users"] and found["diary_entries"] > SEED["users"]
    async with (await stores.mysql()).acquire() as conn, conn.cursor() as cur:  # the seeded users' lists only:
        ids = ",".join(str(i) for i in accounts.values())  # other tests make lists of their own, some empty
        await cur.execute(f"SELECT COUNT(DISTINCT l.id), COUNT(i.list_id) FROM lists l "
                          f"LEFT JOIN list_items i ON i.list_id = l.id WHERE l.user_id IN ({ids})")
        lists, items = await cur.fetchone()
    assert lists >= 3 and items > lists
    assert "library" in seeded


async def test_demo_has_a_library_for_every_route(seeded: str, stores: Stores) -> None:
    demo = await stored_library(stores, (await seeded_accounts(stores))[2])
    assert {shelf for shelf, _ in demo["shelves"]} == {"watchlist", "favorites"}
    assert any(rewatch for _, _, rewatch in demo["diary"]) and sum(demo["diary"].values()) >= 8
    assert {public for _, public, _, _ in demo["lists"]} == {True, False}
    assert all(movie_ids for movie_ids in demo["lists"].values())


async def test_seeded_watches_carry_the_rating_of_the_review_which_points_at_them(seeded: str, stores: Stores) -> None:
    accounts = list((await seeded_accounts(stores)).values())
    pool = await stores.mysql()
    async with pool.acquire() as conn, conn.cursor() as cur:
        marks = ", ".join(["%s"] * len(accounts))
        await cur.execute("SELECT COUNT(*), SUM(d.rating = r.rating), SUM(d.watched_on >= DATE(r.created_at))"
                          " FROM diary_entries d JOIN reviews r ON r.user_id = d.user_id AND r.movie_id = d.movie_id"
                          f" WHERE d.user_id IN ({marks})", tuple(accounts))
        watches, agree, after = await cur.fetchone()
    assert watches > 0 and watches == agree == after
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*), SUM(d.id = r.diary_entry_id) FROM diary_entries d JOIN reviews r"
                          " ON r.user_id = d.user_id AND r.movie_id = d.movie_id AND d.created_at = r.created_at"
                          f" WHERE d.rewatch = 0 AND d.user_id IN ({marks})", tuple(accounts))
        first_watches, linked = await cur.fetchone()
    assert first_watches > 0 and linked == first_watches, "a seeded review points at the watch it comes with"


@pytest.mark.parametrize("bad", [["--movies", "0"], ["--movies", "60000"], ["--users", "-1"],
                                 ["--scale", "--movies", "2000001"]])  # the --scale cap
def test_the_seed_command_refuses_bad_sizes(bad: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "seeds", *bad], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "error" in done.stderr
