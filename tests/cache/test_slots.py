"""Every script and transaction touches keys of one hash slot, so each runs unchanged on a Redis Cluster.

The calls go to a Redis Cluster of the test's own through a client that notes the keys of every script
(EVALSHA): each must map to one slot (`key_slot`, as the cluster computes it), and every script of the
cache package must have run. redis-py's cluster client refuses a script or a MULTI/EXEC transaction
whose keys span slots, so a call that runs at all is one that a cluster accepts.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis.cluster as sync_cluster
from redis.asyncio import RedisCluster
from redis.commands.core import AsyncScript
from redis.crc import key_slot

import cache
from cache import client, exports, invalidate, jobs, keys, progress, ratelimit, seedruns
from config import SecretURL, Settings
from tests.faults.servers import ThrowawayRedisCluster, cluster_or_skip


class Noting(RedisCluster):
    """A cluster client that notes the keys of each script it runs."""

    scripts: list[tuple[str, list[str]]]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if args[0] in ("EVALSHA", "EVAL"):
            count = int(args[2])
            self.scripts.append((str(args[1]), [_text(key) for key in args[3:3 + count]]))
        return await super().execute_command(*args, **options)


def _text(key: Any) -> str:
    return key.decode() if isinstance(key, bytes) else str(key)


def slots(names: list[str]) -> set[int]:
    return {key_slot(name.encode()) for name in names}


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayRedisCluster]:
    """A three-master Redis Cluster (skipped, with the reason, if it cannot start)."""
    yield from cluster_or_skip(ThrowawayRedisCluster)


@pytest.fixture
async def noting(cluster: ThrowawayRedisCluster) -> AsyncIterator[Noting]:
    client = Noting.from_url(cluster.url().replace("redis+cluster://", "redis://"))
    client.scripts = []
    await client.initialize()
    yield client
    await client.aclose()


def every_script() -> dict[str, str]:
    """Every Lua script defined in the cache package, by its SHA: (module, name)."""
    found = {}
    for info in pkgutil.iter_modules(cache.__path__):
        module = importlib.import_module(f"cache.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, AsyncScript):
                found[value.sha] = f"{info.name}.{name}"
    return found


async def test_every_script_and_transaction_touches_one_slot(noting: Noting) -> None:
    redis: Any = noting
    run = lambda: uuid.uuid4().hex  # noqa: E731
    works = [f"search:{run()}" for _ in range(3)]
    charge = ratelimit.Allowance("work:read:192.0.2.7", 100, 60)
    looked = [await jobs.lookup(redis, work, "search", 60, charge=charge) for work in works]
    claimed, _ = await jobs.claim(redis, f"movies:{run()}", "movies", 60)
    await jobs.start(redis, claimed, 60)
    seed = run()
    await jobs.record(redis, seed, "seed", keys.seed_job(seed), 60)
    await jobs.end(redis, [jobs.Ending.done(found.job_id or "", work, {"n": 1}, 60)
                           for found, work in zip(looked, works, strict=True)])
    await jobs.fail(redis, seed, keys.seed_job(seed), "stopped", 60)
    hit = await jobs.lookup(redis, works[0], "search", 60, charge=charge)
    assert hit.result == {"n": 1} and hit.quota is None, "a stored result is served uncharged"
    tight = ratelimit.Allowance(f"work:read:{run()}", 1, 60)
    assert (await jobs.lookup(redis, f"search:{run()}", "search", 60, charge=tight)).created
    limited = await jobs.lookup(redis, f"search:{run()}", "search", 60, charge=tight)
    assert limited.job_id is None and limited.quota is not None and limited.quota.exceeded

    await invalidate.movie_changed(redis, 1)
    entries = [keys.movie_entry(2), keys.person_entry(3), keys.movie_entry(4)]
    for name in entries:
        await redis.set(keys.cached(name), b"{}")
    await invalidate.entries_changed(redis, entries)
    assert not await redis.exists(*(keys.cached(name) for name in entries)), "the changed entries are gone"
    await invalidate.catalogue_changed(redis)
    await invalidate.everything(redis)

    limits = {"login:address:192.0.2.7": 20, "login:account:7": 5}
    assert await ratelimit.reserve(redis, limits, 60) == 0
    await ratelimit.release(redis, list(limits))
    await ratelimit.spend(redis, charge)

    await seedruns.make_live(redis, seed)
    await progress.start_run(redis, seed, {"movies": 1}, {"movies": 1})
    await progress.chunk_done(redis, seed, "catalogue", "movies:1:2", {"movies": 1}, (1.0, 2.0))
    async with seedruns.lease(redis, seed, "catalogue:movies:1:2") as held:
        assert held
        await asyncio.sleep(seedruns.RENEW_SECONDS + 0.3)  # long enough for one renewal
    await seedruns.wait_for_others(redis, seed)
    await exports.store(redis, 7, run(), {"diary.csv": b"Date\n"}, 60)

    for sha, names in noting.scripts:
        assert len(slots(names)) <= 1, f"script {every_script().get(sha, sha)} touches several slots: {names}"
    unrun = set(every_script()) - {sha for sha, _ in noting.scripts}
    assert not unrun, f"scripts this test never ran: {sorted(every_script()[sha] for sha in unrun)}"


def test_a_works_result_marker_and_jobs_share_a_slot_and_works_spread_over_slots() -> None:
    spread = set()
    for n in range(200):
        work = keys.work_key("search", {"q": f"film {n}"})
        job_id = keys.job_id(work, uuid.uuid4().hex)
        assert len(job_id) == 32 and all(c in "0123456789abcdef" for c in job_id)
        assert len(slots([keys.result(work), keys.inflight(work), keys.job(job_id)])) == 1
        assert keys.job_of(keys.job(job_id)) == job_id
        spread |= slots([keys.result(work)])
    assert len(spread) > 150, "works are not spread over the cluster's slots"
    run_id = uuid.uuid4().hex
    seed = keys.seed_job(run_id)
    assert len(slots([keys.result(seed), keys.inflight(seed), keys.job(run_id)])) == 1, "a seed run is its job"
    odd = "tmdb:not-hex"
    assert len(slots([keys.result(odd), keys.inflight(odd), keys.job(keys.job_id(odd, run_id))])) == 1


def test_counters_of_one_throttle_and_a_seed_runs_keys_share_a_slot() -> None:
    assert len(slots([keys.counter("login:address:192.0.2.7"), keys.counter("login:account:7")])) == 1
    assert len(slots([keys.counter("reset:address:192.0.2.7"), keys.counter("reset:email:a@b.example")])) == 1
    run_id = uuid.uuid4().hex
    assert len(slots([keys.seed_run(run_id), keys.seed_chunks(run_id, "catalogue"), keys.seed_spans(run_id),
                      keys.seed_sent(run_id, "catalogue")])) == 1
    assert len(slots([keys.SEED_LIVE, keys.SEED_RUNS, keys.SEED_LEASES])) == 1


def test_the_blocking_client_of_a_cluster_sets_and_reads_keys_of_many_slots(
        cluster: ThrowawayRedisCluster, settings: Settings) -> None:
    chosen = replace(settings, redis_url=SecretURL(cluster.url()))
    blocking = client.connect_sync(chosen)
    try:
        assert isinstance(blocking, sync_cluster.RedisCluster)
        names = [keys.schedule(f"task{n}", 1) for n in range(30)]
        for name in names:
            assert blocking.set(name, "1", nx=True, ex=60)
        assert len({blocking.keyslot(name) for name in names}) > 3
        assert all(blocking.get(name) == b"1" for name in names)
    finally:
        blocking.close()
