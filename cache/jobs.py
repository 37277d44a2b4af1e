"""Job records, results and the notification a waiting request wakes up on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from redis.asyncio import Redis

from cache import keys, subscription
from cache.client import REDIS_DOWN, database, is_cluster, script, slot
from cache.ratelimit import SPEND_FUNCTION, Allowance, Quota, spend
from timestamps import iso

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
INLINE_RESULT = 16 * 1024  # results up to this size ride along in the done notification


def now_iso() -> str:
    """The current time as an ISO 8601 UTC string."""
    return iso(datetime.now(UTC))


# A job record is a Redis hash of strings, so each change of status is one write (no read-modify-write).
# Its key shares the hash tag of its work's result and in-flight marker: the job id starts with the tag.
# KEYS: result, in-flight marker, the new job's record, and the caller's work counter if it is charged here
# (on one Redis only: on a cluster the counter is in another slot). ARGV: job id, kind, work key, ttl, now,
# use result, owner ('' for none), and the counter's window and limit if charged. The cached result if there
# is one (and ARGV[6] is 1), uncharged. Else the work is charged: past the limit, 'limited'; else the job
# already in flight joined, or a new queued job (with its owner, if any). A charge adds its count and reset.
_LOOKUP = script(SPEND_FUNCTION + b"""
if ARGV[6] == '1' then
  local result = redis.call('GET', KEYS[1])
  if result then return {'result', result} end
end
local count, left = 0, 0
if KEYS[4] then
  count, left = spend(KEYS[4], tonumber(ARGV[8]))
  if count > tonumber(ARGV[9]) then return {'limited', '', count, left} end
end
local current = redis.call('GET', KEYS[2])
if current then return {'joined', current, count, left} end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[3], 'id', ARGV[1], 'kind', ARGV[2], 'key', ARGV[3], 'status', 'queued', 'enqueued_at', ARGV[5])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[3], 'owner', ARGV[7]) end
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {'created', ARGV[1], count, left}
""")


@dataclass(frozen=True)
class Lookup:
    """What Redis holds for a piece of work: its result, or the job (joined or just created) computing it.

    A charged lookup that found no result also says where the caller's allowance stands (`quota`); past
    its limit, no job is joined or created."""

    result: Any = None
    job_id: str | None = None
    created: bool = False
    quota: Quota | None = None


async def lookup(redis: Redis, key: str, kind: str, ttl: int, claim_only: bool = False,
                 charge: Allowance | None = None, owner: int | None = None) -> Lookup:
    """The stored result, else the job in flight joined, else a new queued job claimed: one round trip.

    With `claim_only` a stored result is ignored (a refresh of work whose result is still cached). With
    `charge`, work that no stored result answers is counted against that allowance in the same round trip
    (on a cluster, whose counter lives in another slot, in a round trip of its own after the result is
    missed). A new job of an `owner` (work that carries that user's data) is readable by that user only.
    """
    quota = None
    if charge is not None and is_cluster(redis):
        if not claim_only and (stored := await get_result(redis, key)) is not None:
            return Lookup(result=stored)
        quota = await spend(redis, charge)
        if quota is not None and quota.exceeded:
            return Lookup(quota=quota)
        charge = None
    job_id = keys.job_id(key, uuid.uuid4().hex)
    names = [keys.result(key), keys.inflight(key), keys.job(job_id)]
    args: list[Any] = [job_id, kind, key, ttl, now_iso(), 0 if claim_only else 1, "" if owner is None else owner]
    if charge is not None:
        names.append(charge.key)
        args += [charge.window, charge.limit]
    found, value, *spent = await _LOOKUP(keys=names, args=args, client=redis)
    if found == b"result":
        return Lookup(result=orjson.loads(value), quota=quota)
    if charge is not None:
        quota = charge.quota(*spent)
    if found == b"limited":
        return Lookup(quota=quota)
    return Lookup(job_id=value.decode(), created=found == b"created", quota=quota)


async def get_result(redis: Redis, key: str) -> Any | None:
    """The stored result of a piece of work, or None."""
    raw = await redis.get(keys.result(key))
    return None if raw is None else orjson.loads(raw)


async def claim(redis: Redis, key: str, kind: str, ttl: int, owner: int | None = None) -> tuple[str, bool]:
    """Record a queued job for the work (of `owner`, if any), or join the one already in flight; (job_id, created)."""
    found = await lookup(redis, key, kind, ttl, claim_only=True, owner=owner)
    assert found.job_id is not None
    return found.job_id, found.created


async def record(redis: Redis, job_id: str, kind: str, key: str, ttl: int, owner: int | None = None) -> None:
    """Record a queued job under a given id (for work that is not deduplicated), of `owner` if any.

    The id must start with the work's hash tag (a seed run's id does: its work key is made from it), so
    the job ends in one step with its result on a cluster too."""
    if not job_id.startswith(keys.tag(key)):
        raise ValueError(f"job id {job_id} does not start with the tag of its work {key} ({keys.tag(key)})")
    owned = {} if owner is None else {"owner": str(owner)}
    await _write(redis, job_id, ttl, kind=kind, key=key, status=QUEUED, enqueued_at=now_iso(), **owned)


async def release(redis: Redis, key: str, job_id: str) -> None:
    """Forget an in-flight claim (when the message could not be sent)."""
    await redis.delete(keys.inflight(key), keys.job(job_id))


def _decode(raw: dict[bytes, bytes]) -> dict[str, Any] | None:
    return {name.decode(): value.decode() for name, value in raw.items()} or None


async def get_job(redis: Redis, job_id: str) -> dict[str, Any] | None:
    """The record of a job, or None."""
    return _decode(cast(dict[bytes, bytes], await redis.hgetall(keys.job(job_id))))


def owner(record: dict[str, Any]) -> int | None:
    """The user a job's record belongs to (its result carries their data), or None for a public job."""
    value = record.get("owner")
    return None if not value else int(value)


# KEYS: the job's record. ARGV: ttl, then field, value, ... to set.
_WRITE = script(b"""
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
""")

# KEYS: per job, its result, in-flight marker and record. ARGV: per job, ttl, result ('' for none), channel,
# notification, the number of record fields and values that follow, then field, value, ... to set on the record.
_END = script(b"""
local a = 1
for i = 1, #KEYS, 3 do
  local ttl, fields = ARGV[a], tonumber(ARGV[a + 4])
  if ARGV[a + 1] ~= '' then redis.call('SET', KEYS[i], ARGV[a + 1], 'EX', ttl) end
  redis.call('DEL', KEYS[i + 1])
  redis.call('HSET', KEYS[i + 2], unpack(ARGV, a + 5, a + 4 + fields))
  redis.call('EXPIRE', KEYS[i + 2], ttl)
  redis.call('PUBLISH', ARGV[a + 2], ARGV[a + 3])
  a = a + 5 + fields
end
""")


def _pairs(job_id: str, fields: dict[str, str]) -> list[str]:
    return ["id", job_id, *(item for pair in fields.items() for item in pair)]


async def _write(redis: Redis, job_id: str, ttl: int, **fields: str) -> None:
    await _WRITE(keys=[keys.job(job_id)], args=[ttl, *_pairs(job_id, fields)], client=redis)


# KEYS: the job's record. ARGV: ttl, job id, now. A job already done or failed stays so.
_START = script(b"""
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'done' or status == 'failed' then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'status', 'running', 'started_at', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
""")


async def start(redis: Redis, job_id: str, ttl: int) -> bool:
    """Mark a job running, unless it has already ended; whether it was marked."""
    return bool(await _START(keys=[keys.job(job_id)], args=[ttl, job_id, now_iso()], client=redis))


@dataclass(frozen=True)
class Ending:
    """How one job ends: done with its result, or failed with its error."""

    job_id: str
    key: str
    ttl: int
    result: Any = None
    error: str | None = None

    @staticmethod
    def done(job_id: str, key: str, result: Any, ttl: int) -> Ending:
        """The job is done with this result."""
        return Ending(job_id, key, ttl, result=result)

    @staticmethod
    def failed(job_id: str, key: str, error: str, ttl: int) -> Ending:
        """The job failed with this error."""
        return Ending(job_id, key, ttl, error=error)


async def finish(redis: Redis, job_id: str, key: str, result: Any, ttl: int) -> None:
    """Store a result under its key, mark the job done and wake its waiters, in one step."""
    await end(redis, [Ending.done(job_id, key, result, ttl)])


async def fail(redis: Redis, job_id: str, key: str, error: str, ttl: int) -> None:
    """Mark a job failed with its error and wake its waiters, in one step."""
    await end(redis, [Ending.failed(job_id, key, error, ttl)])


async def end(redis: Redis, endings: list[Ending]) -> None:
    """End jobs (store each result, mark each done or failed, wake the waiters), all in one round trip: one
    script on one Redis; on a cluster one script per hash slot, run concurrently."""
    channel = keys.channel(keys.DONE, database(redis))
    by_slot: dict[int, tuple[list[str], list[Any]]] = {}
    for ending in endings:
        if ending.error is None:
            payload, status, fields = orjson.dumps(ending.result), DONE, {}
        else:
            payload, status, fields = b"", FAILED, {"error": ending.error}
        record = _pairs(ending.job_id, {"status": status, **fields, "finished_at": now_iso()})
        notice = f"{ending.job_id} {status}".encode()
        if payload and len(payload) <= INLINE_RESULT:
            notice += b" " + payload
        names, args = by_slot.setdefault(slot(redis, keys.job(ending.job_id)), ([], []))
        names += [keys.result(ending.key), keys.inflight(ending.key), keys.job(ending.job_id)]
        args += [ending.ttl, payload, channel, notice, len(record), *record]
    await asyncio.gather(*(_END(keys=names, args=args, client=redis) for names, args in by_slot.values()))


async def job_and_result(redis: Redis, job_id: str, key: str) -> tuple[dict[str, Any] | None, Any | None]:
    """A job's record and its work's stored result (either may be None), in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.job(job_id))
        pipe.get(keys.result(key))
        job, result = await pipe.execute()
    return _decode(job), (None if result is None else orjson.loads(result))


@dataclass(frozen=True)
class Notice:
    """A job's end as announced: its status, and its serialised result when that is small."""

    status: str
    payload: bytes | None = None

    def result(self) -> Any:
        """The result carried by the notice (None if it was not carried)."""
        return None if self.payload is None else orjson.loads(self.payload)


class Notifier:
    """One subscription per process to the job-done channel, fanned out to waiting requests."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._waiters: dict[str, set[asyncio.Future[Notice]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Begin listening in the background."""
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        """Stop listening and release every waiter."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, *REDIS_DOWN):
                await self._task
        for futures in self._waiters.values():
            for future in futures:
                if not future.done():
                    future.cancel()
        self._waiters.clear()

    def watch(self, job_id: str) -> asyncio.Future[Notice]:
        """A future that completes with the job's status (and a small result) when it is done or failed."""
        future: asyncio.Future[Notice] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(job_id, set()).add(future)
        return future

    def unwatch(self, job_id: str, future: asyncio.Future[Notice]) -> None:
        """Stop waiting for a job."""
        futures = self._waiters.get(job_id)
        if futures is not None:
            futures.discard(future)
            if not futures:
                del self._waiters[job_id]

    @property
    def listening(self) -> bool:
        """Whether the subscription is up (waiters are woken without polling)."""
        return self._ready.is_set()

    def _wake(self, message: bytes) -> None:
        job_id, status, *payload = message.split(b" ", 2)
        futures = self._waiters.pop(job_id.decode(), ())
        if futures:
            notice = Notice(status.decode(), payload[0] if payload else None)
            for future in futures:
                if not future.done():
                    future.set_result(notice)

    async def _subscribed(self) -> None:
        self._ready.set()

    def _lost(self, exc: Exception) -> None:
        self._ready.clear()
        log.warning("job notifications lost (%s); resubscribing", exc)

    async def _listen(self) -> None:
        await subscription.follow(self.redis, keys.DONE, heard=self._wake, subscribed=self._subscribed,
                                  lost=self._lost, pause=1.0)
