"""Job records: one round trip finds a stored result, joins the job in flight, or claims a new one."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from cache import jobs, keys


async def test_lookup_claims_once_joins_after_and_serves_the_result_when_done(redis: Any) -> None:
    key = f"test:{uuid.uuid4().hex}"
    found = await asyncio.gather(*(jobs.lookup(redis, key, "test", 60) for _ in range(5)))
    assert sum(f.created for f in found) == 1
    assert len({f.job_id for f in found}) == 1
    job_id = found[0].job_id
    assert job_id is not None
    record = await jobs.get_job(redis, job_id)
    assert record is not None and record["status"] == jobs.QUEUED and record["kind"] == "test"
    assert record["key"] == key and record["enqueued_at"].endswith("Z")

    await jobs.start(redis, job_id, 60)
    assert (await jobs.get_job(redis, job_id) or {})["status"] == jobs.RUNNING
    await jobs.finish(redis, job_id, key, {"answer": [1, 2]}, 60)
    job, result = await jobs.job_and_result(redis, job_id, key)
    assert job is not None and job["status"] == jobs.DONE and job["started_at"] and job["finished_at"]
    assert result == {"answer": [1, 2]}
    assert await redis.get(keys.inflight(key)) is None

    hit = await jobs.lookup(redis, key, "test", 60)
    assert hit.job_id is None and hit.result == {"answer": [1, 2]}
    refresh = await jobs.lookup(redis, key, "test", 60, claim_only=True)
    assert refresh.created and refresh.job_id not in (None, job_id)


async def test_a_failed_job_keeps_its_error_and_a_released_claim_is_taken_again(redis: Any) -> None:
    key = f"test:{uuid.uuid4().hex}"
    job_id, created = await jobs.claim(redis, key, "test", 60)
    assert created
    await jobs.fail(redis, job_id, key, "NotFound: no such film", 60)
    job, result = await jobs.job_and_result(redis, job_id, key)
    assert job is not None and job["status"] == jobs.FAILED and job["error"] == "NotFound: no such film"
    assert result is None
    assert 0 < await redis.ttl(keys.job(job_id)) <= 60

    again, created = await jobs.claim(redis, key, "test", 60)
    assert created and again != job_id
    await jobs.release(redis, key, again)
    assert await jobs.get_job(redis, again) is None
    third, created = await jobs.claim(redis, key, "test", 60)
    assert created and third != again
