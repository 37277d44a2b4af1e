"""The live seed run and chunk leases: a superseded run writes nothing new, and runs never write together."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from cache import jobs, keys, progress, seedruns
from config import Settings


def run() -> str:
    return uuid.uuid4().hex


async def test_a_chunk_of_a_superseded_run_is_refused_its_lease(redis: Any) -> None:
    old, new = run(), run()
    await seedruns.make_live(redis, old)
    assert await seedruns.make_live(redis, new) == old
    async with seedruns.lease(redis, old, "catalogue:movies:1:2001") as held:
        assert held is False
    async with seedruns.lease(redis, new, "catalogue:movies:1:2001") as held:
        assert held is True


async def test_a_run_with_no_live_marker_is_superseded(redis: Any) -> None:
    await seedruns.forget(redis)
    async with seedruns.lease(redis, run(), "accounts:users:1:1001") as held:
        assert held is False


async def test_a_new_run_waits_until_a_superseded_chunk_already_writing_is_done(redis: Any) -> None:
    old, new = run(), run()
    await seedruns.make_live(redis, old)
    finished: list[float] = []

    async def superseded_chunk() -> None:
        async with seedruns.lease(redis, old, "relations:people:1:4001") as held:
            assert held
            await seedruns.make_live(redis, new)
            await asyncio.sleep(1.0)
            finished.append(time.monotonic())

    writer = asyncio.create_task(superseded_chunk())
    await asyncio.sleep(0.2)
    waited = await seedruns.wait_for_others(redis, new, poll=0.05)
    allowed = time.monotonic()
    await writer
    assert waited >= 0.6
    assert finished and finished[0] <= allowed


async def test_two_deliveries_of_one_chunk_never_write_at_the_same_time(redis: Any) -> None:
    live = run()
    await seedruns.make_live(redis, live)
    inside: list[int] = []
    overlap: list[int] = []

    async def delivery() -> None:
        async with seedruns.lease(redis, live, "catalogue:movies:1:2001", poll=0.05) as held:
            assert held
            inside.append(1)
            overlap.append(len(inside))
            await asyncio.sleep(0.3)
            inside.pop()

    await asyncio.gather(delivery(), delivery())
    assert overlap == [1, 1]


async def test_the_lease_of_a_holder_that_died_lapses(redis: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = run(), run()
    await seedruns.make_live(redis, old)
    taken = await seedruns._ACQUIRE(keys=[seedruns.LIVE, seedruns.LEASES],
                                    args=[old, f"{old}/catalogue:movies:1:2001", "dead-holder", 600], client=redis)
    assert taken == seedruns.TAKEN
    await seedruns.make_live(redis, new)
    assert await seedruns.leases(redis) == {old: [("catalogue:movies:1:2001", pytest.approx(0.6, abs=0.3))]}
    waited = await seedruns.wait_for_others(redis, new, poll=0.05)
    assert 0.3 < waited < 2.0
    assert old not in await seedruns.leases(redis)


async def test_a_writer_whose_lease_lapsed_is_stopped(redis: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seedruns, "RENEW_SECONDS", 0.1)
    live = run()
    await seedruns.make_live(redis, live)
    with pytest.raises(seedruns.LeaseLost):
        async with seedruns.lease(redis, live, "catalogue:movies:1:2001"):
            await redis.hdel(seedruns.LEASES, f"{live}/catalogue:movies:1:2001")
            await asyncio.sleep(5)


class SwallowingRedis(Redis):
    """A client whose script calls, when cancelled, finish and return instead of raising: what a call
    through `asyncio.wait_for` (redis-py's socket timeout) does on Python 3.11 when its reply comes as
    the cancel lands."""

    async def evalsha(self, *args: Any) -> Any:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.2)
        return await super().evalsha(*args)


async def test_a_lease_is_let_go_even_when_its_renewal_swallows_the_cancel(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # Seen in a seed run: a chunk had written everything, then waited for ever on its renewal
    # (cancelled, swallowed, renewing again), holding its lease and the whole run with it.
    monkeypatch.setattr(seedruns, "RENEW_SECONDS", 0.3)
    client = SwallowingRedis.from_url(settings.redis_url.reveal())
    live = run()
    await seedruns.make_live(client, live)

    async def chunk() -> None:
        async with seedruns.lease(client, live, "relations:reviews:1:201") as held:
            assert held is True
            await asyncio.sleep(0.4)  # the renewal is inside its call (0.3 to 0.5 s) when the body ends

    try:
        await asyncio.wait_for(chunk(), 5)
        assert live not in await seedruns.leases(client)
    finally:
        await client.aclose()


async def test_a_superseded_run_is_marked_so_unless_it_had_finished(redis: Any) -> None:
    old, done, new = run(), run(), run()
    for run_id in (old, done):
        await progress.start_run(redis, run_id, {"movies": 1}, {"movies": 1})
    await progress.finish_run(redis, done, "done", {})
    assert await progress.supersede(redis, old, by=new)
    assert not await progress.supersede(redis, done, by=new)
    state = await progress.progress(redis, old)
    assert state is not None and state["status"] == "superseded" and state["superseded_by"] == new


async def test_forgetting_clears_every_seed_run_and_leaves_other_work_alone(redis: Any) -> None:
    seed, sync = run(), run()
    await seedruns.make_live(redis, seed)
    await progress.start_run(redis, seed, {"movies": 1}, {"movies": 1})
    await progress.plan_stage(redis, seed, "catalogue", 1)
    await progress.chunk_done(redis, seed, "catalogue", "movies:1:2", {"movies": 1}, (1.0, 2.0))
    await jobs.record(redis, sync, "tmdb", f"tmdb:{sync}", 60)
    async with seedruns.lease(redis, seed, "catalogue:movies:1:2") as held:
        assert held
        assert await seedruns.forget(redis) >= 5
    assert [key async for key in redis.scan_iter(match=keys.seed_pattern())] == []
    assert await seedruns.live_run(redis) is None and await progress.progress(redis, seed) is None
    job = await jobs.get_job(redis, sync)
    assert job is not None and job["kind"] == "tmdb", "a TMDB sync's job is left alone"
