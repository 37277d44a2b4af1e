"""A message goes front door -> RabbitMQ -> worker, and its result comes back through Redis."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson

from cache import keys
from stores import Stores
from stores.mongo import catalogue
from stores.mysql import reviews
from stores.postgres import users


async def test_stats_are_counted_by_a_worker_and_served_from_redis(
    http: httpx.Client, stores: Stores, redis: object
) -> None:
    await redis.delete(keys.result(keys.work_key("stats", {})))  # type: ignore[attr-defined]
    started = time.perf_counter()
    response = http.get("/api/stats/")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    expected = await catalogue.counts(await stores.mongo())
    expected["users"] = await users.count(await stores.postgres())
    expected["reviews"] = await reviews.count(await stores.mysql())
    assert response.json() == expected
    stored = await redis.get(keys.result(keys.work_key("stats", {})))  # type: ignore[attr-defined]
    assert orjson.loads(stored) == expected
    assert elapsed < 1.5


async def test_identical_work_in_flight_is_joined_not_sent_twice(
    server: str, redis: object
) -> None:
    await redis.delete(keys.result(keys.work_key("stats", {})))  # type: ignore[attr-defined]
    before = await _stats_jobs(redis)
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        responses = await asyncio.gather(*(client.get("/api/stats/") for _ in range(20)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    assert len(await _stats_jobs(redis) - before) == 1


async def _stats_jobs(redis: object) -> set[str]:
    found = set()
    async for key in redis.scan_iter(match=keys.job_pattern()):  # type: ignore[attr-defined]
        record = await redis.hgetall(key)  # type: ignore[attr-defined]
        if record.get(b"kind") == b"stats":
            found.add(record[b"id"].decode())
    return found


def test_a_job_record_is_readable_and_unknown_jobs_are_404(http: httpx.Client) -> None:
    assert http.get("/api/jobs/" + "0" * 32 + "/").status_code == 404
    assert http.get("/api/jobs/not-a-job-id/").status_code == 404
