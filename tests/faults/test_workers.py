"""Workers stopped or killed mid-job: the Procfile's workers stop inside honcho's grace period,
and a deleted account loses its reviews, library and profile (and the films' statistics forget its
reviews) even when the worker dies halfway."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pymysql
import pytest

from cache import invalidate
from config import Settings
from stores import Stores
from stores.mysql import _params as mysql_params
from tests.conftest import account, forget_tmdb_films, start_server
from tests.faults.conftest import start_entry, wait_until
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis
from tests.tmdb_fake import FakeTmdb, tmdb_movie

HONCHO_GRACE = 5.0
MOVIES = (41, 42)


def stop_timed(proc: Any, sig: int) -> float:
    """Signal a worker's process group, as honcho does, and return how long it took to exit."""
    started = time.monotonic()
    os.killpg(proc.proc.pid, sig)
    try:
        proc.proc.wait(timeout=30)
    finally:
        proc.stop(signal.SIGKILL)
    return time.monotonic() - started


async def test_a_bulk_worker_in_the_middle_of_a_long_job_stops_inside_honchos_grace_period(
    logs: Path, seeded: str, settings: Settings, redis: Any, broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis,
    fake_tmdb: FakeTmdb, admin: dict[str, str],
) -> None:
    env = {"RABBITMQ_URL": broker.url(), "REDIS_URL": own_redis.url()}
    fake_tmdb.reset()
    fake_tmdb.movies[9010] = tmdb_movie(9010, "A Film Nobody Has Seen", 1999, runtime=93)
    fake_tmdb.delay = 20.0
    victim = start_entry(logs, "bulk", "bulk-victim", **env)
    web, base = start_server(logs, **env)
    heir = None
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            started = client.post("/api/admin/tmdb-sync", json={"tmdb_ids": [9010]}, headers=admin)
            assert started.status_code == 202, started.text
            wait_until(lambda: fake_tmdb.in_flight == 1)
            took = stop_timed(victim, signal.SIGTERM)
            print(f"the bulk worker stopped in {took:.2f} s")
            assert victim.proc.returncode == 0
            assert took < HONCHO_GRACE, f"the bulk worker took {took:.1f} s to stop"
            fake_tmdb.delay = 0.0
            heir = start_entry(logs, "bulk", "bulk-heir", **env)
            job = wait_until(lambda: (j := client.get(started.json()["status_url"]).json())["status"] == "done" and j,
                             timeout=60)
            assert job["result"]["created"] == 1
    finally:
        fake_tmdb.delay = 0.0
        victim.stop()
        if heir is not None:
            heir.stop()
        web.stop()
        # The film the sync created goes again, and every cached read that may have counted it.
        await forget_tmdb_films(settings)
        await invalidate.everything(redis)


def mysql_connection(settings: Settings) -> pymysql.Connection:
    params = mysql_params(settings.mysql_url.reveal())
    return pymysql.connect(host=params["host"], port=params["port"], user=params["user"],
                           password=params["password"], database=params["db"], autocommit=False)


def counts(conn: pymysql.Connection, user_id: int) -> dict[str, Any]:
    """The user's reviews, and per movie the review count against what rating_stats says."""
    with conn.cursor() as cur:
        conn.commit()
        cur.execute("SELECT COUNT(*) FROM reviews WHERE user_id = %s", (user_id,))
        mine = cur.fetchone()[0]
        per_movie = {}
        for movie in MOVIES:
            cur.execute("SELECT COUNT(*) FROM reviews WHERE movie_id = %s", (movie,))
            actual = cur.fetchone()[0]
            cur.execute("SELECT review_count FROM rating_stats WHERE movie_id = %s", (movie,))
            row = cur.fetchone()
            per_movie[movie] = (actual, row[0] if row else 0)
    return {"mine": mine, "movies": per_movie}


def library_rows(conn: pymysql.Connection, user_id: int, list_ids: list[int]) -> dict[str, int]:
    """The user's rows of each library table (list items by the lists' ids)."""
    found = {}
    with conn.cursor() as cur:
        conn.commit()
        for table in ("shelf_items", "diary_entries", "lists"):
            cur.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = %s", (user_id,))
            found[table] = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM list_items WHERE list_id IN %s", (list_ids,))
        found["list_items"] = cur.fetchone()[0]
    return found


def fill_library(client: httpx.Client, headers: dict[str, str]) -> list[int]:
    """A watchlist, favourites, diary entries (a rewatch too) and two lists with items; returns the lists' ids."""
    writes = [client.post("/api/users/me/watchlist/", headers=headers, json={"movie_ids": [43, 44, 45]}),
              client.put("/api/users/me/favorites/41/", headers=headers),
              client.put("/api/users/me/favorites/46/", headers=headers)]
    for watched_on, rewatch in (("2026-01-02", False), ("2026-02-03", True)):
        writes.append(client.post("/api/users/me/diary/", headers=headers,
                                  json={"movie_id": 41, "watched_on": watched_on, "rating": 6, "rewatch": rewatch}))
    list_ids = []
    for public in (True, False):
        made = client.post("/api/lists/", headers=headers, json={"name": "Mine for now", "public": public})
        assert made.status_code == 201, made.text
        list_ids.append(made.json()["id"])
        writes.append(client.put(f"/api/lists/{list_ids[-1]}/items/", headers=headers,
                                 json={"items": [{"movie_id": 41}, {"movie_id": 47, "note": "later"}]}))
    assert all(w.status_code in (200, 201, 204) for w in writes), [w.text for w in writes]
    return list_ids


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["killed", "stopped"])
async def test_deleting_an_account_finishes_when_the_worker_dies_halfway(
    logs: Path, seeded: str, settings: Settings, stores: Stores,
    broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis, sig: int,
) -> None:
    env = {"RABBITMQ_URL": broker.url(), "REDIS_URL": own_redis.url()}
    victim = start_entry(logs, "worker", f"purge-victim-{sig}", **env)
    scheduler = start_entry(logs, "scheduler", f"purge-scheduler-{sig}", **env)
    web, base = start_server(logs, **env)
    fb = await stores.firebase()
    lock, watch = mysql_connection(settings), mysql_connection(settings)
    heir = None
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            user = account(client, "halfway")
            for movie in MOVIES:
                made = client.post("/api/reviews/", headers=user["headers"],
                                   json={"movie_id": movie, "rating": 6, "body": "Here today."})
                assert made.status_code == 201, made.text
            profile = client.put("/api/users/me/profile/", headers=user["headers"], json={"bio": "gone soon"})
            assert profile.status_code == 200
            list_ids = fill_library(client, user["headers"])
            held = {"shelf_items": 5, "diary_entries": 2, "lists": 2, "list_items": 4}
            assert library_rows(watch, user["id"], list_ids) == held
            wait_until(lambda: all(a == s for a, s in counts(watch, user["id"])["movies"].values()))
            before = counts(watch, user["id"])

            # Hold the films' statistics rows, so the purge stops after deleting the reviews
            # and before it refreshes the statistics and deletes the profile.
            with lock.cursor() as cur:
                cur.execute("SELECT movie_id FROM rating_stats WHERE movie_id IN %s FOR UPDATE", (MOVIES,))
            assert client.delete("/api/users/me/", headers=user["headers"]).status_code == 204
            wait_until(lambda: counts(watch, user["id"])["mine"] == 0)
            time.sleep(0.5)
            assert await fb.get(f"/profiles/{user['id']}") is not None, "the purge is halfway"
            assert library_rows(watch, user["id"], list_ids) == held, "the library is still there"

            took = stop_timed(victim, sig)
            if sig == signal.SIGTERM:
                print(f"the worker stopped in {took:.2f} s")
                assert took < HONCHO_GRACE, f"the worker took {took:.1f} s to stop"
            lock.rollback()
            heir = start_entry(logs, "worker", f"purge-heir-{sig}", **env)
            for _ in range(300):
                if await fb.get(f"/profiles/{user['id']}") is None:
                    break
                time.sleep(0.1)
            assert await fb.get(f"/profiles/{user['id']}") is None, "the profile went"
            after = wait_until(lambda: (c := counts(watch, user["id"]))["movies"] == {
                movie: (actual - 1, actual - 1) for movie, (actual, _) in before["movies"].items()} and c, timeout=60)
            assert after["mine"] == 0, "exactly the leaver's reviews went, and the statistics agree"
            # The purge deletes the library before the profile, so it is gone by now.
            assert library_rows(watch, user["id"], list_ids) == dict.fromkeys(held, 0), "the whole library went"
    finally:
        lock.rollback()
        lock.close()
        watch.close()
        victim.stop()
        if heir is not None:
            heir.stop()
        scheduler.stop()
        web.stop()
