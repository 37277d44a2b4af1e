"""TMDB sync against a local TMDB-like server: the client's retries and limits, the mapping, and the whole sync."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from actors.tmdb import LOCK, NEW_ID_BASE, movie_document
from actors.tmdb_client import Tmdb, TmdbError, TmdbUnavailable, retry_after
from config import Settings
from seeds import films, vega
from tests.conftest import FAULTS_VHOST, forget_tmdb_films, run_seed, start_server, start_worker
from tests.tmdb_fake import API_KEY, FakeTmdb, tmdb_movie


@pytest.fixture(scope="module", autouse=True)
async def restore_the_catalogue(settings: Settings) -> Any:
    """After the module: drop what the syncs added and seed again, so later tests see the seeded films."""
    yield
    await forget_tmdb_films(settings)
    await asyncio.to_thread(run_seed)


@pytest.fixture
def tmdb(fake_tmdb: FakeTmdb) -> FakeTmdb:
    """The session's TMDB-like server, emptied for this test."""
    fake_tmdb.reset()
    return fake_tmdb


async def client_run(server: FakeTmdb, work: Any, **options: Any) -> Any:
    async with aiohttp.ClientSession() as session:
        client = Tmdb(session, server.base_url, API_KEY, **options)
        return client, await work(client)


async def test_a_429_waits_for_retry_after_then_succeeds(tmdb: FakeTmdb) -> None:
    tmdb.movies[11] = tmdb_movie(11, "Star Wars", 1977)
    tmdb.fail("/3/movie/11", (429, {"Retry-After": "1"}))
    started = time.monotonic()
    client, movie = await client_run(tmdb, lambda c: c.movie(11), backoff=0.01)
    assert movie["title"] == "Star Wars" and "credits" in movie
    assert time.monotonic() - started >= 0.95
    assert (client.rate_limited, client.retried, client.requests) == (1, 1, 2)


async def test_5xx_and_dropped_answers_are_retried_with_backoff(tmdb: FakeTmdb) -> None:
    tmdb.movies[12] = tmdb_movie(12, "Finding Nemo", 2003)
    tmdb.fail("/3/movie/12", (500, {}), (502, {}), (503, {}))
    client, movie = await client_run(tmdb, lambda c: c.movie(12), backoff=0.01)
    assert movie["id"] == 12 and client.retried == 3
    gaps = [b[0] - a[0] for a, b in zip(tmdb.seen, tmdb.seen[1:], strict=False)]
    assert gaps == sorted(gaps), "the waits between attempts grow"


async def test_a_tmdb_that_keeps_failing_gives_up_after_the_attempts(tmdb: FakeTmdb) -> None:
    tmdb.fail("/3/movie/13", *[(503, {})] * 10)
    with pytest.raises(TmdbUnavailable, match="HTTP 503 after 3 attempts"):
        await client_run(tmdb, lambda c: c.movie(13), attempts=3, backoff=0.01)
    assert len(tmdb.seen) == 3


async def test_a_refused_key_is_not_retried(tmdb: FakeTmdb) -> None:
    async with aiohttp.ClientSession() as session:
        client = Tmdb(session, tmdb.base_url, "wrong-key", backoff=0.01)
        with pytest.raises(TmdbError, match="401"):
            await client.movie(1)
    assert len(tmdb.seen) == 1


async def test_unknown_films_are_none_and_concurrency_is_bounded(tmdb: FakeTmdb) -> None:
    tmdb.delay = 0.05
    try:
        for i in range(1, 13):
            tmdb.movies[i] = tmdb_movie(i, f"Film {i}", 2000)
        _, found = await client_run(tmdb, lambda c: asyncio.gather(*(c.movie(i) for i in range(1, 15))),
                                    concurrency=3)
    finally:
        tmdb.delay = 0.0
    assert [m["id"] if m else None for m in found] == [*range(1, 13), None, None]
    assert tmdb.most_in_flight == 3


async def test_the_changes_feed_is_read_page_by_page(tmdb: FakeTmdb) -> None:
    tmdb.changes.extend([5, 6, 7, 8, 9])

    async def collect(client: Tmdb) -> list[int]:
        return [i async for i in client.changed_movie_ids(date(2026, 11, 20), date(2026, 11, 24))]

    _, ids = await client_run(tmdb, collect)
    assert ids == [5, 6, 7, 8, 9]
    assert len([s for s in tmdb.seen if s[1] == "/3/movie/changes"]) == 3


def test_retry_after_reads_seconds_and_http_dates_and_is_capped() -> None:
    assert retry_after("3", 0.5, 30) == 3
    assert retry_after(None, 0.5, 30) == 0.5
    assert retry_after("999", 0.5, 30) == 30
    assert retry_after("soon", 0.5, 30) == 0.5
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 0.5, 30) == 0


def test_mapping_keeps_our_id_and_rating_and_takes_tmdbs_facts() -> None:
    ours = {"_id": 5, "title": "Old Title", "year": 1999, "genre_ids": [4, 7], "runtime": 9,
            "rating": {"average": 6.1, "votes": 40, "histogram": [10.0] * 10}, "popularity": 3.0, "source": "imdb"}
    tmdb = tmdb_movie(77, "New Title", 1999, cast=[(1, "Ann Actor", "Hero"), (2, "Bob Actor", "Villain")],
                      crew=[(3, "Cy Director", "Director"), (4, "Di Grip", "Key Grip")], genres=("Comedy", "Drama"))
    doc = movie_document(tmdb, ours, 5, {1: 101, 2: 102, 3: 103}, datetime(2026, 11, 25, tzinfo=UTC))
    assert doc["_id"] == 5 and doc["tmdb_id"] == 77 and doc["title"] == "New Title"
    assert doc["rating"] == ours["rating"] and doc["popularity"] == 3.0 and doc["source"] == "imdb"
    assert doc["genre_ids"] == [3, 4, 7], "Thriller is not one of ours; Short is kept"
    assert [(c["person_id"], c["character"], c["order"]) for c in doc["cast"]] == [(101, "Hero", 0),
                                                                                    (102, "Villain", 1)]
    assert [(c["person_id"], c["job"], c["department"]) for c in doc["crew"]] == [(103, "Director", "Directing")]
    assert doc["person_ids"] == [101, 102, 103] and doc["runtime"] == 101
    assert doc["poster_url"].endswith("/poster77.jpg") and doc["tmdb"]["vote_count"] == 1234


def test_tmdbs_facts_win_over_vegas_and_the_box_office_stays() -> None:
    ours = vega.film_document(films.all_films()[281])  # 2001: A Space Odyssey, matched in vega-datasets
    assert (ours["release_date"], ours["budget"]) == ("1968-04-02", 10_500_000)
    tmdb = tmdb_movie(62, "2001: A Space Odyssey", 1968, crew=[(240, "Stanley Kubrick", "Director")])
    doc = movie_document(tmdb, ours, 282, {240: 100_000_001}, datetime(2026, 11, 25, tzinfo=UTC))
    assert (doc["release_date"], doc["budget"]) == ("1968-05-17", 1_500_000), "TMDB's release date and budget win"
    for field in ("gross", "distributor", "rotten_tomatoes", "source_material", "creative_type"):
        assert doc[field] == ours[field], field


def run_sync(http: httpx.Client, admin: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """POST a sync and wait for its job; the job's final record."""
    started = http.post("/api/admin/tmdb-sync", json=body, headers=admin)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(started.json()["status_url"]).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the TMDB sync did not finish: {job}")


def test_a_sync_links_our_film_creates_new_ones_and_relinks_credits(
        http: httpx.Client, admin: dict[str, str], tmdb: FakeTmdb) -> None:
    before = http.get("/api/movies/7/").json()
    old_people = {c["person_id"] for c in before["cast"]}
    tmdb.movies[9007] = tmdb_movie(9007, before["title"], before["year"], runtime=133,
                                   cast=[(501, "Zoë Lumière", "The Lead"), (502, "Tomás Ruiz", "Sidekick")],
                                   crew=[(503, "Agnès Varda-Test", "Director"), (504, "Nobody", "Caterer")])
    tmdb.movies[424242] = tmdb_movie(424242, "A Film Only TMDB Knows", 2024, cast=[(501, "Zoë Lumière", "Twin")])
    tmdb.fail("/3/movie/9007", (429, {"Retry-After": "1"}), (500, {}))

    job = run_sync(http, admin, {"tmdb_ids": [9007, 424242, 404404]})
    assert job["status"] == "done", job
    result = job["result"]
    assert (result["updated"], result["created"], result["missing"]) == (1, 1, 1), result
    assert result["people_created"] == 3 and result["rate_limited"] >= 1 and result["retries"] >= 2

    after = http.get("/api/movies/7/").json()
    assert after["id"] == 7 and after["runtime"] == 133, "our id stays and the cached detail was dropped"
    assert [c["name"] for c in after["cast"]] == ["Zoë Lumière", "Tomás Ruiz"]
    assert [c["job"] for c in after["crew"]] == ["Director"]
    lead = after["cast"][0]["person_id"]
    assert lead > NEW_ID_BASE
    credits = http.get(f"/api/people/{lead}/").json()["credits"]["cast"]
    assert {(c["movie_id"], c["character"]) for c in credits} >= {(7, "The Lead")}
    for person_id in old_people:
        old = http.get(f"/api/people/{person_id}/").json()
        assert all(c["movie_id"] != 7 for c in old["credits"]["cast"]), "the replaced cast no longer lists it"

    found = http.get("/api/search/", params={"q": "only tmdb knows", "type": "movie"})
    while found.status_code == 202:
        time.sleep(0.2)
        found = http.get("/api/search/", params={"q": "only tmdb knows", "type": "movie"})
    new_ids = [m["id"] for m in found.json()["results"]]
    assert new_ids and new_ids[0] > NEW_ID_BASE
    assert http.get(f"/api/movies/{new_ids[0]}/").json()["cast"][0]["person_id"] == lead

    again = run_sync(http, admin, {"tmdb_ids": [9007, 424242]})
    assert again["result"]["people_created"] == 0 and again["result"]["created"] == 0
    assert again["result"]["updated"] == 2
    assert http.get("/api/movies/7/").json()["cast"][0]["person_id"] == lead


def test_the_changes_feed_updates_only_films_we_link(http: httpx.Client, admin: dict[str, str],
                                                    tmdb: FakeTmdb) -> None:
    film = http.get("/api/movies/8/").json()
    tmdb.movies[9008] = tmdb_movie(9008, film["title"], film["year"], runtime=90)
    assert run_sync(http, admin, {"tmdb_ids": [9008]})["result"]["updated"] == 1
    tmdb.movies[9008] = tmdb_movie(9008, film["title"], film["year"], runtime=95)
    tmdb.movies[31337] = tmdb_movie(31337, "Somebody Else's Film", 2025)
    tmdb.changes.extend([9008, 31337])
    today = date.today().isoformat()
    job = run_sync(http, admin, {"since": today, "until": today})
    assert job["status"] == "done", job
    assert (job["result"]["updated"], job["result"]["unknown"], job["result"]["created"]) == (1, 1, 0)
    assert http.get("/api/movies/8/").json()["runtime"] == 95


@pytest.mark.parametrize("body", [{"tmdb_ids": []}, {"tmdb_ids": [0]}, {"tmdb_ids": [True]}, {"tmdb_ids": "5"},
                                  {"tmdb_ids": list(range(1, 502))}, {"since": "yesterday"},
                                  {"since": "2026-01-01", "until": "2026-03-01"},
                                  {"tmdb_ids": [5], "since": "2026-01-01"},
                                  {"since": "2026-W01-1"}, {"since": "2026-01-01", "until": "20260102"},
                                  {"since": None}, {"everything": True}])
def test_bad_sync_requests_are_422(http: httpx.Client, admin: dict[str, str], body: dict[str, Any]) -> None:
    response = http.post("/api/admin/tmdb-sync", json=body, headers=admin)
    assert response.status_code == 422, response.text


def test_a_sync_needs_an_admin(http: httpx.Client, seeded: str) -> None:
    assert http.post("/api/admin/tmdb-sync", json={}).status_code == 401


def test_without_a_tmdb_key_the_sync_is_503(logs: Path, admin: dict[str, str]) -> None:
    proc, base = start_server(logs, TMDB_API_KEY="")
    try:
        response = httpx.post(f"{base}/api/admin/tmdb-sync", json={}, headers=admin)
        assert response.status_code == 503 and "TMDB_API_KEY" in response.json()["detail"]
    finally:
        proc.stop()


async def test_a_job_that_keeps_failing_is_retried_then_dead_lettered(
        http: httpx.Client, redis: Any, settings: Settings, seeded: str) -> None:
    import actors  # noqa: F401 - the session broker
    from actors.queues import depths
    from actors.tmdb import tmdb_sync
    from cache import jobs, keys

    lock = keys.lock(LOCK)
    await redis.set(lock, "another-run", ex=120)
    try:
        before = (await asyncio.to_thread(depths, settings))["bulk.XQ"]
        params = {"tmdb_ids": [4242]}
        key = keys.work_key("tmdb-sync-test", params)
        job_id, _ = await jobs.claim(redis, key, "tmdb-sync", 60)
        await asyncio.to_thread(tmdb_sync.send_with_options, args=(job_id, key, params), max_retries=2,
                                min_backoff=50, max_backoff=100)
        job: dict[str, Any] = {}
        for _ in range(300):
            job = http.get(f"/api/jobs/{job_id}/").json()
            if job["status"] == "failed":
                break
            await asyncio.sleep(0.1)
        assert job["status"] == "failed" and "another TMDB sync is running" in job["error"], job
        for _ in range(100):
            if (await asyncio.to_thread(depths, settings))["bulk.XQ"] == before + 1:
                break
            await asyncio.sleep(0.1)
        assert (await asyncio.to_thread(depths, settings))["bulk.XQ"] == before + 1
    finally:
        await redis.delete(lock)


def test_a_worker_killed_mid_sync_leaves_the_message_to_a_new_worker(
        logs: Path, settings: Settings, admin: dict[str, str], tmdb: FakeTmdb, http: httpx.Client) -> None:
    faults = FAULTS_VHOST
    film = http.get("/api/movies/9/").json()
    tmdb.movies[9009] = tmdb_movie(9009, film["title"], film["year"], runtime=177)
    tmdb.delay = 2.0
    victim = start_worker(logs, "tmdb-victim", queues="bulk", RABBITMQ_URL=faults)
    proc, base = start_server(logs, RABBITMQ_URL=faults)
    heir = None
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            started = client.post("/api/admin/tmdb-sync", json={"tmdb_ids": [9009]}, headers=admin)
            assert started.status_code == 202, started.text
            deadline = time.monotonic() + 30
            while tmdb.in_flight == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert tmdb.in_flight == 1, "the victim is fetching from TMDB"
            victim.stop(signal.SIGKILL)
            tmdb.delay = 0.0
            heir = start_worker(logs, "tmdb-heir", queues="bulk", RABBITMQ_URL=faults)
            job: dict[str, Any] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = client.get(started.json()["status_url"]).json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.2)
            assert job["status"] == "done", job
            assert job["result"]["updated"] == 1
            assert client.get("/api/movies/9/").json()["runtime"] == 177
    finally:
        tmdb.delay = 0.0
        victim.stop()
        if heir is not None:
            heir.stop()
        proc.stop()
