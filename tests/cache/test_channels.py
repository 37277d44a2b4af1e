"""Pub/sub ignores Redis database numbers: namespaces that share a server by database must not hear each other."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis.asyncio import Redis

from cache import invalidate, jobs
from cache.client import database
from cache.local import LocalCache
from config import Settings


@pytest.fixture
async def neighbour(settings: Settings) -> AsyncIterator[Redis]:
    """A client of another database of the same Redis server (as the benchmarks' namespace is to the tests'),
    one that nothing else uses."""
    own = Redis.from_url(settings.redis_url.reveal())
    other = 14 if database(own) != 14 else 13
    await own.aclose()
    parts = urlsplit(settings.redis_url.reveal())
    client = Redis.from_url(urlunsplit(parts._replace(path=f"/{other}")))
    yield client
    await client.flushdb()
    await client.aclose()


async def _until(check: Any, seconds: float = 2.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()


async def test_a_job_ending_in_another_database_wakes_nobody_here(redis: Any, neighbour: Redis) -> None:
    assert database(neighbour) != database(redis)
    notifier = jobs.Notifier(redis)
    await notifier.start()
    try:
        assert await _until(lambda: notifier.listening)
        job_id, key = uuid.uuid4().hex, f"test:{uuid.uuid4().hex}"
        future = notifier.watch(job_id)
        await jobs.finish(neighbour, job_id, key, {"from": "the neighbour"}, 60)
        await asyncio.sleep(0.3)
        assert not future.done(), "a job of another database woke a waiter here"
        await jobs.finish(redis, job_id, key, {"from": "here"}, 60)
        notice = await asyncio.wait_for(future, 2)
        assert notice.result() == {"from": "here"}
    finally:
        await notifier.stop()


async def test_an_invalidation_in_another_database_leaves_this_cache_and_version_alone(
        redis: Any, neighbour: Redis) -> None:
    local = LocalCache()
    await local.listen(redis)
    try:
        assert await _until(lambda: local.trusted)
        version = local.version
        local.put("mv:cache:test:kept", b"{}", 60)
        await invalidate.everything(neighbour)
        await invalidate.catalogue_changed(neighbour)
        await asyncio.sleep(0.3)
        assert local.get("mv:cache:test:kept") == b"{}", "another database's invalidation emptied this cache"
        assert local.version == version, "the catalogue version of another database was taken"
        await invalidate.catalogue_changed(redis)
        assert await _until(lambda: local.version == version + 1)
    finally:
        await local.stop()
