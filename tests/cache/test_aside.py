"""Cache-aside: hits, single-flight on misses, invalidation across processes, and Redis being down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cache import invalidate, keys
from cache.aside import Aside
from cache.client import connect
from cache.local import LocalCache
from config import Settings
from tests.conftest import free_port, start_server


@pytest.fixture
async def listening() -> AsyncIterator[Callable[[Any], Awaitable[LocalCache]]]:
    """Local tiers following the invalidation channel, as the web processes run them."""
    started: list[LocalCache] = []

    async def start(redis: Any) -> LocalCache:
        local = LocalCache()
        started.append(local)
        await local.listen(redis)
        for _ in range(100):
            if local.trusted:
                return local
            await asyncio.sleep(0.02)
        raise AssertionError("the local tier never subscribed")

    yield start
    for local in started:
        await local.stop()


def counting_loader(value: Any, delay: float = 0.05) -> tuple[list[int], Any]:
    """A loader that counts its calls."""
    calls: list[int] = []

    async def load() -> Any:
        calls.append(1)
        await asyncio.sleep(delay)
        return value

    return calls, load


async def test_a_hundred_concurrent_misses_make_one_load(redis: Any, listening: Any) -> None:
    aside = Aside(redis, await listening(redis), ttl=60)
    name = f"test:{uuid.uuid4().hex}"
    calls, load = counting_loader({"answer": 42})
    results = await asyncio.gather(*(aside.get(name, load) for _ in range(100)))
    assert len(calls) == 1
    assert {orjson.loads(r)["answer"] for r in results} == {42}


async def test_misses_in_two_processes_still_make_one_load(redis: Any, settings: Settings, listening: Any) -> None:
    other_redis = connect(settings)
    try:
        first = Aside(redis, await listening(redis), 60)
        second = Aside(other_redis, other_local := await listening(other_redis), 60)
        name = f"test:{uuid.uuid4().hex}"
        calls, load = counting_loader([1, 2, 3], delay=0.2)
        results = await asyncio.gather(*(a.get(name, load) for a in [first, second] * 50))
        assert len(calls) == 1
        assert {r for r in results} == {orjson.dumps([1, 2, 3])}
    finally:
        await other_local.stop()
        await other_redis.aclose()


async def test_a_hit_is_served_from_the_local_tier_without_redis(redis: Any, listening: Any) -> None:
    aside = Aside(redis, await listening(redis), ttl=60)
    name = f"test:{uuid.uuid4().hex}"
    calls, load = counting_loader("v")
    await aside.get(name, load)
    await redis.delete(keys.cached(name))
    assert await aside.get(name, load) == b'"v"'
    assert len(calls) == 1


async def test_an_invalidation_reaches_every_process_local_tier(
    redis: Any, settings: Settings, listening: Any
) -> None:
    listener_redis = connect(settings)
    local = await listening(listener_redis)
    try:
        for name in invalidate.movie_keys(77):
            local.put(name, b"stale")
        await invalidate.movie_changed(redis, 77)
        for _ in range(50):
            if all(local.get(n) is None for n in invalidate.movie_keys(77)):
                break
            await asyncio.sleep(0.02)
        assert all(local.get(n) is None for n in invalidate.movie_keys(77))
    finally:
        await local.stop()
        await listener_redis.aclose()


async def test_with_redis_down_the_loader_answers(settings: Settings) -> None:
    from dataclasses import replace

    from config import SecretURL

    dead = connect(replace(settings, redis_url=SecretURL(f"redis://127.0.0.1:{free_port()}/0")))
    try:
        calls, load = counting_loader({"ok": True})
        value = await Aside(dead, LocalCache(), 60).get("anything", load)
        assert orjson.loads(value) == {"ok": True} and len(calls) == 1
    finally:
        await dead.aclose()


async def test_a_changed_movie_is_never_served_stale_after_invalidation(
    http: httpx.Client, seeded: str, stores: Any, redis: Any
) -> None:
    db = await stores.mongo()
    original = (await db.movies.find_one({"_id": 7}))["title"]
    assert http.get("/api/movies/7/").json()["title"] == original
    try:
        await db.movies.update_one({"_id": 7}, {"$set": {"title": "Changed Title"}})
        await invalidate.movie_changed(redis, 7)
        await asyncio.sleep(0.1)
        assert http.get("/api/movies/7/").json()["title"] == "Changed Title"
    finally:
        await db.movies.update_one({"_id": 7}, {"$set": {"title": original}})
        await invalidate.movie_changed(redis, 7)


def test_with_redis_down_reads_are_served_from_the_stores(logs: Path, seeded: str) -> None:
    proc, base = start_server(logs, REDIS_URL=f"redis://127.0.0.1:{free_port()}/1")
    try:
        assert httpx.get(base + "/api/movies/5/", timeout=30).json()["id"] == 5
        listing = httpx.get(base + "/api/movies/?genre=3&sort=-rating", timeout=30)
        assert listing.status_code == 200 and listing.json()["count"] > 0
        assert httpx.get(base + "/api/genres/", timeout=30).status_code == 200
        assert httpx.get(base + "/api/people/?q=a", timeout=30).status_code == 200
        ready = httpx.get(base + "/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["down"] == ["redis"]
    finally:
        proc.stop()
