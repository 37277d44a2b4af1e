"""Seed-run progress in Redis: per-store counts, finished chunks, and which stage comes next."""

from __future__ import annotations

import time
from typing import Any, cast

import orjson
from redis.asyncio import Redis

from cache import keys

RUN_TTL = 7 * 24 * 3600


async def start_run(redis: Redis, run_id: str, spec: dict[str, Any], totals: dict[str, int]) -> None:
    """Record a new seed run: its parameters and the expected row count per store.

    A redelivered plan message keeps the counts its chunks already made.
    """
    fields: dict[str, Any] = {"spec": orjson.dumps(spec), "status": "running", "started": time.time()}
    for store, total in totals.items():
        fields[f"total:{store}"] = total
        fields[f"done:{store}"] = 0
    async with redis.pipeline(transaction=True) as pipe:
        for name, value in fields.items():
            pipe.hsetnx(keys.seed_run(run_id), name, value)
        pipe.expire(keys.seed_run(run_id), RUN_TTL)
        await pipe.execute()


async def supersede(redis: Redis, run_id: str, by: str) -> bool:
    """Mark an unfinished run superseded by a newer one; False when it had already finished."""
    status = await redis.hget(keys.seed_run(run_id), "status")
    if status == b"done":
        return False
    await redis.hset(keys.seed_run(run_id), mapping={"status": "superseded", "superseded_by": by})
    await redis.expire(keys.seed_run(run_id), RUN_TTL)
    return True


async def counted(redis: Redis, run_id: str, stage: str, chunk: str) -> bool:
    """Whether this chunk of the run was already counted (a redelivery of a finished chunk)."""
    return bool(await redis.sismember(keys.seed_chunks(run_id, stage), chunk))


async def plan_stage(redis: Redis, run_id: str, stage: str, chunk_count: int) -> None:
    """Say how many chunks a stage has."""
    await redis.hset(keys.seed_run(run_id), f"chunks:{stage}", chunk_count)


async def chunk_done(redis: Redis, run_id: str, stage: str, chunk: str, counts: dict[str, int],
                     span: tuple[float, float] | None = None) -> bool:
    """Count a finished chunk once (redeliveries are not counted again); True when its stage is complete.

    `span` is the chunk's (start, end) wall-clock time: per store, the run keeps the earliest start and the
    latest end of its chunks, so `timing` can tell how long each store took as a whole.
    """
    if await redis.sadd(keys.seed_chunks(run_id, stage), chunk):
        async with redis.pipeline(transaction=True) as pipe:
            for store, rows in counts.items():
                pipe.hincrby(keys.seed_run(run_id), f"done:{store}", rows)
                if span is not None:
                    pipe.zadd(keys.seed_spans(run_id), {f"start:{store}": span[0]}, lt=True)
                    pipe.zadd(keys.seed_spans(run_id), {f"end:{store}": span[1]}, gt=True)
            pipe.expire(keys.seed_chunks(run_id, stage), RUN_TTL)
            pipe.expire(keys.seed_spans(run_id), RUN_TTL)
            await pipe.execute()
    total = int(await redis.hget(keys.seed_run(run_id), f"chunks:{stage}") or 0)
    return await redis.scard(keys.seed_chunks(run_id, stage)) >= total > 0


async def claim_next_stage(redis: Redis, run_id: str, stage: str, chunk: str) -> bool:
    """Whether this chunk is the one to send the stage after `stage`.

    The first completing chunk to ask claims it; the others are told no, so the next stage is
    sent once even when the last chunks finish together. A redelivery of the claiming chunk
    (its worker died before acknowledging) is told yes again, so the stage is never lost.
    """
    key = keys.seed_sent(run_id, stage)
    if await redis.set(key, chunk, nx=True, ex=RUN_TTL):
        return True
    return (await redis.get(key)) == chunk.encode()


async def finish_run(redis: Redis, run_id: str, status: str, summary: dict[str, Any]) -> None:
    """Mark the run finished with its final per-store counts."""
    await redis.hset(keys.seed_run(run_id), mapping={"status": status, "summary": orjson.dumps(summary)})


async def progress(redis: Redis, run_id: str) -> dict[str, Any] | None:
    """The run's status, per-store done/total counts and final summary, or None."""
    # Our client leaves replies undecoded (bytes), which redis-py's types cannot tell from str.
    raw = cast(dict[bytes, bytes], await redis.hgetall(keys.seed_run(run_id)))
    if not raw:
        return None
    data = {k.decode(): v.decode() for k, v in raw.items()}
    stores: dict[str, dict[str, int]] = {}
    for name, value in data.items():
        kind, _, store = name.partition(":")
        if kind in ("done", "total"):
            stores.setdefault(store, {})[kind] = int(value)
    summary = orjson.loads(data["summary"]) if "summary" in data else None
    return {"status": data.get("status"), "stores": stores, "summary": summary, "timing": await timing(redis, run_id),
            "stages": await stages(redis, run_id, data), "started": float(data.get("started", 0)),
            "superseded_by": data.get("superseded_by")}


async def stages(redis: Redis, run_id: str, data: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per planned stage: its chunk count and how many of them are done."""
    planned = {name.partition(":")[2]: int(value) for name, value in data.items() if name.startswith("chunks:")}
    async with redis.pipeline(transaction=False) as pipe:
        for stage in planned:
            pipe.scard(keys.seed_chunks(run_id, stage))
        done = await pipe.execute()
    pairs = zip(planned.items(), done, strict=True)
    return {stage: {"chunks": total, "done": count} for (stage, total), count in pairs}


async def timing(redis: Redis, run_id: str) -> dict[str, dict[str, float]]:
    """Per store: the earliest chunk start, and the latest chunk end, in epoch seconds."""
    spans: dict[str, dict[str, float]] = {}
    scored = cast(list[tuple[bytes, float]], await redis.zrange(keys.seed_spans(run_id), 0, -1, withscores=True))
    for member, moment in scored:
        edge, _, store = member.decode().partition(":")
        spans.setdefault(store, {})[edge] = moment
    return spans
