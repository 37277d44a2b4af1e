"""Which seed run is live, and the leases of the chunks writing right now.

At most one seed run is live: starting one supersedes any other. A chunk takes a lease before
it writes, in the same step that checks its run is the live one, and renews it while it
writes; a chunk of a superseded run is refused its lease and writes nothing. A new run waits
until no lease of another run is held before its first write, so no write of a superseded
run lands after it. A lease names its run and chunk, so two deliveries of one chunk never
write at the same time either; a holder that dies lets its lease lapse after `LEASE_MS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from cache import keys
from cache.client import script

LIVE, RUNS, LEASES = keys.SEED_LIVE, keys.SEED_RUNS, keys.SEED_LEASES
LEASE_MS = 10_000
RENEW_SECONDS = LEASE_MS / 4000
RUNS_KEPT = 10
SUPERSEDED, BUSY, TAKEN = 0, -1, 1


class LeaseLost(Exception):
    """A chunk's lease lapsed while it was writing (its process stalled past the lease)."""


def _script(source: bytes, clock: bool = True) -> AsyncScript:
    """A Lua script registered on first use; with `clock`, `now` holds Redis's time in milliseconds."""
    prelude = b"local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)\n" if clock else b""
    return script(prelude + source)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# KEYS: the live-run marker, the lease table. ARGV: run id, lease field, holder token, lease ms.
# 1 when the lease is taken (or renewed by its holder), 0 when the run is not the live one,
# -1 while another holder's lease has not lapsed.
_ACQUIRE = _script(b"""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local held = redis.call('HGET', KEYS[2], ARGV[2])
if held then
  local token, expiry = string.match(held, '^(%S+) (%d+)$')
  if token ~= ARGV[3] and tonumber(expiry) > now then return -1 end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3] .. ' ' .. (now + tonumber(ARGV[4])))
return 1
""")

# KEYS: the lease table. ARGV: lease field, holder token, lease ms. 1 when renewed, 0 when the lease is gone.
_RENEW = _script(b"""
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
local token, expiry = string.match(held, '^(%S+) (%d+)$')
if token ~= ARGV[2] or tonumber(expiry) <= now then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. (now + tonumber(ARGV[3])))
return 1
""")

# KEYS: the lease table. ARGV: lease field, holder token. Drops the lease if this holder has it.
_RELEASE = _script(b"""
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and string.match(held, '^(%S+) ') == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
""", clock=False)

# KEYS: the lease table. ARGV: run id. Drops lapsed leases; returns how many other runs' leases are held.
_OTHERS = _script(b"""
local count = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local expiry = tonumber(string.match(all[i + 1], ' (%d+)$'))
  if expiry <= now then redis.call('HDEL', KEYS[1], all[i])
  elseif string.sub(all[i], 1, #ARGV[1] + 1) ~= ARGV[1] .. '/' then count = count + 1 end
end
return count
""")


def _field(run_id: str, chunk: str) -> str:
    return f"{run_id}/{chunk}"


async def make_live(redis: Redis, run_id: str) -> str | None:
    """Make this run the live one; returns the run it supersedes (None when there was none)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(LIVE, run_id, get=True)
        pipe.zadd(RUNS, {run_id: time.time()})
        pipe.zremrangebyrank(RUNS, 0, -RUNS_KEPT - 1)
        previous, _, _ = await pipe.execute()
    return None if previous is None or _text(previous) == run_id else _text(previous)


async def live_run(redis: Redis) -> str | None:
    """The live run's id, if any."""
    found = await redis.get(LIVE)
    return None if found is None else _text(found)


async def is_live(redis: Redis, run_id: str) -> bool:
    """Whether this run is the live one."""
    return await live_run(redis) == run_id


async def recent_runs(redis: Redis) -> list[tuple[str, float]]:
    """The last runs started, newest first, with the moment each was started."""
    found: Any = await redis.zrevrange(RUNS, 0, -1, withscores=True)
    return [(_text(run), float(at)) for run, at in found]


async def leases(redis: Redis) -> dict[str, list[tuple[str, float]]]:
    """Per run, the chunks holding a lease and the seconds left on each."""
    now_ms = time.time() * 1000
    found: dict[str, list[tuple[str, float]]] = {}
    table: Any = await redis.hgetall(LEASES)
    for name, held in table.items():
        run_id, _, chunk = _text(name).partition("/")
        left = (int(_text(held).split(" ")[1]) - now_ms) / 1000
        if left > 0:
            found.setdefault(run_id, []).append((chunk, round(left, 1)))
    return found


async def wait_for_others(redis: Redis, run_id: str, poll: float = 0.2) -> float:
    """Wait until no run but this one holds a lease; returns the seconds waited."""
    began = time.monotonic()
    while await _OTHERS(keys=[LEASES], args=[run_id], client=redis):
        await asyncio.sleep(poll)
    return time.monotonic() - began


@contextlib.asynccontextmanager
async def lease(redis: Redis, run_id: str, chunk: str, poll: float = 0.2) -> AsyncIterator[bool]:
    """Hold the chunk's lease while the body writes: yields False (and holds nothing) for a superseded run.

    Waits while another delivery of the same chunk holds it. The lease is renewed in the
    background; if a renewal finds it lapsed, the body is cancelled and LeaseLost raised.
    """
    field, token = _field(run_id, chunk), uuid.uuid4().hex
    while (taken := await _ACQUIRE(keys=[LIVE, LEASES], args=[run_id, field, token, LEASE_MS], client=redis)) == BUSY:
        await asyncio.sleep(poll)
    if taken == SUPERSEDED:
        yield False
        return
    body, lost, stop = asyncio.current_task(), asyncio.Event(), asyncio.Event()
    renewal = asyncio.create_task(_keep(redis, field, token, body, lost, stop))
    try:
        yield True
    except asyncio.CancelledError:
        if lost.is_set():
            raise LeaseLost(f"the lease of {chunk} of run {run_id} lapsed while it was writing") from None
        raise
    finally:
        stop.set()  # before the cancel, which a call finishing as it lands can swallow (asyncio.wait_for, 3.11)
        renewal.cancel()
        await asyncio.gather(renewal, return_exceptions=True)
        await _RELEASE(keys=[LEASES], args=[field, token], client=redis)
    if lost.is_set():  # the body's cancellation was swallowed, and it went on to the end
        raise LeaseLost(f"the lease of {chunk} of run {run_id} lapsed while it was writing")


async def _keep(redis: Redis, field: str, token: str, body: asyncio.Task[Any] | None, lost: asyncio.Event,
                stop: asyncio.Event) -> None:
    """Renew the lease every RENEW_SECONDS until `stop`; when a renewal finds it lapsed, cancel the body."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RENEW_SECONDS)
        if stop.is_set():
            return
        if not await _RENEW(keys=[LEASES], args=[field, token, LEASE_MS], client=redis):
            lost.set()
            if body is not None:
                body.cancel()
            return


async def forget(redis: Redis) -> int:
    """Delete every seed run's progress, the live marker and the leases; returns the keys deleted."""
    deleted = 0
    async for name in redis.scan_iter(match=keys.seed_pattern(), count=500):
        deleted += await redis.delete(name)
    return deleted
