"""Seed actors: fill every store from the bundled real data set, in chunks, idempotently.

A run has five stages. `accounts`: users. `profiles`: profiles (they need the users), genres
and settings. `catalogue`: films. `relations`: reviews (they need the users), the users'
libraries (watchlists, favourites, diaries, lists; they need users and films) and people (their
credits need every film). `finish`: rating statistics, genre counts and rankings.
Each stage is split into chunks that any number of bulk workers take in parallel; the chunks
of a stage touch disjoint documents, and the chunk that completes a stage sends the next one.
Every write is an upsert, so a redelivered chunk or a second run changes no counts.

Starting a run supersedes any unfinished one (`cache.seedruns`): its chunks still queued are
acknowledged without writing, and the new run writes nothing until the superseded chunks
already writing are done, so two runs never write at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import dramatiq

from actors.broker import BULK
from actors.lifecycle import Resources, resources
from actors.seeding import plan
from actors.seeding.loaders import LOADERS, demo_password_hash
from cache import jobs, keys, progress, seedruns

log = logging.getLogger(__name__)

STAGES = ("accounts", "profiles", "catalogue", "relations", "finish")


async def start_seed(redis: Any, spec: dict[str, Any]) -> str:
    """Record a seed run as a job and send its first message; returns the run (job) id."""
    run_id = uuid.uuid4().hex
    spec = dict(spec, job_key=keys.seed_job(run_id))
    await jobs.record(redis, run_id, "seed", spec["job_key"], progress.RUN_TTL)
    previous = await seedruns.make_live(redis, run_id)
    if previous is not None and await progress.supersede(redis, previous, by=run_id):
        await jobs.fail(redis, previous, keys.seed_job(previous), f"superseded by seed run {run_id}", progress.RUN_TTL)
        log.info("seed run %s supersedes the unfinished run %s", run_id, previous)
    try:
        await asyncio.to_thread(seed_everything.send, run_id, spec)
    except Exception as exc:
        await jobs.fail(redis, run_id, spec["job_key"], f"could not be sent: {type(exc).__name__}", progress.RUN_TTL)
        raise
    return run_id


@dramatiq.actor(queue_name=BULK, max_retries=10, time_limit=30 * 60 * 1000)
async def seed_everything(run_id: str, spec: dict[str, Any]) -> None:
    """Plan a seed run and send its first stage, once no superseded run is writing any more.

    The shared demo password is hashed here, once per run, and travels with the chunks.
    """
    res = await resources()
    if not await seedruns.is_live(res.redis, run_id):
        log.info("seed run %s was superseded before it began; nothing written", run_id)
        return
    waited = await seedruns.wait_for_others(res.redis, run_id)
    if waited > 0.5:
        log.info("seed run %s waited %.1f s for the chunks of a superseded run to finish", run_id, waited)
    spec = dict(spec, password_hash=await asyncio.to_thread(demo_password_hash))
    totals = plan.expected_totals(spec)
    await progress.start_run(res.redis, run_id, spec, totals)
    await jobs.start(res.redis, run_id, progress.RUN_TTL)
    await _send_stage(res, run_id, spec, STAGES[0])


@dramatiq.actor(queue_name=BULK, max_retries=10, time_limit=30 * 60 * 1000)
async def seed_chunk(run_id: str, spec: dict[str, Any], stage: str, kind: str, start: int, end: int) -> None:
    """Write one chunk (rows `start` to `end` of one kind) and advance the run when its stage is done.

    A chunk of a superseded run is acknowledged without writing; one already counted is not written again.
    """
    res = await resources()
    chunk = f"{kind}:{start}:{end}"
    async with seedruns.lease(res.redis, run_id, f"{stage}:{chunk}") as held:
        if not held:
            log.info("seed run %s is superseded: chunk %s acknowledged unwritten", run_id, chunk)
            return
        if await progress.counted(res.redis, run_id, stage, chunk):
            counts, span = {}, None
        else:
            began = time.time()
            counts = await LOADERS[kind](res, spec, start, end)
            span = (began, time.time())
    complete = await progress.chunk_done(res.redis, run_id, stage, chunk, counts, span)
    if not complete or not await seedruns.is_live(res.redis, run_id):
        return
    if await progress.claim_next_stage(res.redis, run_id, stage, chunk):
        following = STAGES.index(stage) + 1
        if following < len(STAGES):
            await _send_stage(res, run_id, spec, STAGES[following])
        else:
            await _finish(res, run_id, spec)


async def _send_stage(res: Resources, run_id: str, spec: dict[str, Any], stage: str) -> None:
    chunks = plan.chunks(spec, stage)
    await progress.plan_stage(res.redis, run_id, stage, len(chunks))

    def send_all() -> None:
        # One thread for the whole stage: pika connections are per thread, and a fresh thread per
        # message would open a connection per message.
        for kind, start, end in chunks:
            seed_chunk.send(run_id, spec, stage, kind, start, end)

    await asyncio.to_thread(send_all)


async def _finish(res: Resources, run_id: str, spec: dict[str, Any]) -> None:
    summary: dict[str, Any] = await plan.summary(res.stores)
    summary["matches"] = await plan.matches(res.stores, spec["movies"])
    await progress.finish_run(res.redis, run_id, "done", summary)
    await jobs.finish(res.redis, run_id, spec["job_key"], summary, progress.RUN_TTL)
    log.info("seed run %s finished: %s", run_id, summary)
