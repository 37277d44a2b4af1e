"""Every script and transaction touches keys of one hash slot, so each runs unchanged on a Redis Cluster.

The calls go to the test Redis through a client that notes the keys of every script (EVALSHA) and
every MULTI/EXEC pipeline; each group must map to one slot (`key_slot`, as a cluster computes it).
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.crc import key_slot

import cache
from cache import exports, invalidate, jobs, keys, progress, ratelimit, seedruns
from config import Settings


class Noting(Redis):
    """A client that notes the keys of each script it runs and of each transaction it sends."""

    scripts: list[tuple[str, list[str]]]
    transactions: list[list[str]]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if args[0] in ("EVALSHA", "EVAL"):
            count = int(args[2])
            self.scripts.append((str(args[1]), [_text(key) for key in args[3:3 + count]]))
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe: Any = super().pipeline(transaction, shard_hint)
        send = pipe.execute

        async def execute(raise_on_error: bool = True) -> Any:
            if pipe.is_transaction:
                self.transactions.append([_text(args[1]) for args, _ in pipe.command_stack if len(args) > 1])
            return await send(raise_on_error)

        pipe.execute = execute
        return pipe


def _text(key: Any) -> str:
    return key.decode() if isinstance(key, bytes) else str(key)


def slots(names: list[str]) -> set[int]:
    return {key_slot(name.encode()) for name in names}


@pytest.fixture
async def noting(settings: Settings) -> AsyncIterator[Noting]:
    client = Noting.from_url(settings.redis_url.reveal())
    client.scripts, client.transactions = [], []
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

    await invalidate.movie_changed(redis, 1)
    await invalidate.entries_changed(redis, [keys.movie_entry(2), keys.person_entry(3), keys.movie_entry(4)])
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
    for names in noting.transactions:
        assert len(slots(names)) == 1, f"a transaction touches several slots: {names}"
    unrun = set(every_script()) - {sha for sha, _ in noting.scripts}
    assert not unrun, f"scripts this test never ran: {sorted(every_script()[sha] for sha in unrun)}"
    assert len(noting.transactions) >= 4


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
