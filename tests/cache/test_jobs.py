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
    assert not await jobs.start(redis, job_id, 60), "a late running mark must not undo done"
    assert (await jobs.get_job(redis, job_id) or {})["status"] == jobs.DONE

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


async def test_work_is_marked_running_only_once_it_outlasts_the_threshold(redis: Any, settings: Any) -> None:
    from actors.lifecycle import Resources
    from actors.work import RUNNING_AFTER, _marked_running
    from stores import Stores

    res = Resources(settings, Stores(settings), redis)
    seen: dict[str, str] = {}

    async def slow(_: Any, params: dict[str, Any]) -> str:
        await asyncio.sleep(RUNNING_AFTER * 4)
        seen[params["name"]] = (await jobs.get_job(redis, params["job_id"]) or {})["status"]
        return "slow"

    async def fast(_: Any, params: dict[str, Any]) -> str:
        seen[params["name"]] = (await jobs.get_job(redis, params["job_id"]) or {})["status"]
        return "fast"

    for name, work in (("slow", slow), ("fast", fast)):
        job_id, _ = await jobs.claim(redis, f"test:{uuid.uuid4().hex}", "test", 60)
        assert await _marked_running(res, job_id, 60, work, {"name": name, "job_id": job_id}) == name
    assert seen == {"slow": jobs.RUNNING, "fast": jobs.QUEUED}


async def test_dropping_every_cached_read_drops_search_results_too(redis: Any) -> None:
    from cache import invalidate

    search = keys.result(keys.work_key("search", {"q": "alien", "type": "all"}))
    other = keys.result(keys.work_key("stats", {}))
    await redis.set(search, b"[]", ex=60)
    await redis.set(other, b"{}", ex=60)
    await invalidate.everything(redis)
    assert await redis.get(search) is None
    assert await redis.get(other) == b"{}"
    await redis.delete(other)


async def test_a_done_notice_carries_a_small_result_and_names_a_large_one(redis: Any) -> None:
    notifier = jobs.Notifier(redis)
    await notifier.start()
    try:
        for _ in range(100):
            if notifier.listening:
                break
            await asyncio.sleep(0.02)
        small, large = {"hits": [1, 2, 3]}, {"hits": ["x" * 100] * 200}
        for result, carried in ((small, True), (large, False)):
            key = f"test:{uuid.uuid4().hex}"
            job_id, _ = await jobs.claim(redis, key, "test", 60)
            future = notifier.watch(job_id)
            await jobs.finish(redis, job_id, key, result, 60)
            notice = await asyncio.wait_for(future, 5)
            assert notice.status == jobs.DONE
            assert (notice.result() == result) if carried else notice.payload is None
            assert await jobs.get_result(redis, key) == result
        key = f"test:{uuid.uuid4().hex}"
        job_id, _ = await jobs.claim(redis, key, "test", 60)
        future = notifier.watch(job_id)
        await jobs.fail(redis, job_id, key, "Invalid: no", 60)
        notice = await asyncio.wait_for(future, 5)
        assert notice.status == jobs.FAILED and notice.payload is None
    finally:
        await notifier.stop()
