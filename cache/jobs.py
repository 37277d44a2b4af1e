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
from redis.exceptions import RedisError

from cache import keys, subscription
from cache.client import database, script
from timestamps import iso

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
INLINE_RESULT = 16 * 1024  # results up to this size ride along in the done notification


def now_iso() -> str:
    """The current time as an ISO 8601 UTC string."""
    return iso(datetime.now(UTC))


# A job record is a Redis hash of strings, so each change of status is one write (no read-modify-write).
# KEYS: result, in-flight marker, the new job's record. ARGV: job id, kind, work key, ttl, now, use result.
# The cached result if there is one (and ARGV[6] is 1); else the job already in flight; else a new queued job.
_LOOKUP = script(b"""
if ARGV[6] == '1' then
  local result = redis.call('GET', KEYS[1])
  if result then return {'result', result} end
end
local current = redis.call('GET', KEYS[2])
if current then return {'joined', current} end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[3], 'id', ARGV[1], 'kind', ARGV[2], 'key', ARGV[3], 'status', 'queued', 'enqueued_at', ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {'created', ARGV[1]}
""")


@dataclass(frozen=True)
class Lookup:
    """What Redis holds for a piece of work: its result, or the job (joined or just created) computing it."""

    result: Any = None
    job_id: str | None = None
    created: bool = False


async def lookup(redis: Redis, key: str, kind: str, ttl: int, claim_only: bool = False) -> Lookup:
    """The stored result, else the job in flight joined, else a new queued job claimed: one round trip.

    With `claim_only` a stored result is ignored (a refresh of work whose result is still cached).
    """
    job_id = uuid.uuid4().hex
    found, value = await _LOOKUP(keys=[keys.result(key), keys.inflight(key), keys.job(job_id)],
                                 args=[job_id, kind, key, ttl, now_iso(), 0 if claim_only else 1], client=redis)
    if found == b"result":
        return Lookup(result=orjson.loads(value))
    return Lookup(job_id=value.decode(), created=found == b"created")


async def get_result(redis: Redis, key: str) -> Any | None:
    """The stored result of a piece of work, or None."""
    raw = await redis.get(keys.result(key))
    return None if raw is None else orjson.loads(raw)


async def claim(redis: Redis, key: str, kind: str, ttl: int) -> tuple[str, bool]:
    """Record a queued job for the work, or join the one already in flight; (job_id, created)."""
    found = await lookup(redis, key, kind, ttl, claim_only=True)
    assert found.job_id is not None
    return found.job_id, found.created


async def record(redis: Redis, job_id: str, kind: str, key: str, ttl: int) -> None:
    """Record a queued job under a given id (for work that is not deduplicated)."""
    await _write(redis, job_id, ttl, kind=kind, key=key, status=QUEUED, enqueued_at=now_iso())


async def release(redis: Redis, key: str, job_id: str) -> None:
    """Forget an in-flight claim (when the message could not be sent)."""
    await redis.delete(keys.inflight(key), keys.job(job_id))


def _decode(raw: dict[bytes, bytes]) -> dict[str, Any] | None:
    return {name.decode(): value.decode() for name, value in raw.items()} or None


async def get_job(redis: Redis, job_id: str) -> dict[str, Any] | None:
    """The public record of a job, or None."""
    return _decode(cast(dict[bytes, bytes], await redis.hgetall(keys.job(job_id))))


# KEYS: the job's record. ARGV: ttl, then field, value, ... to set.
_WRITE = script(b"""
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
""")

# KEYS: result, in-flight marker, the job's record. ARGV: ttl, result ('' for none), channel, notification,
# then field, value, ... to set on the record.
_END = script(b"""
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1]) end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], unpack(ARGV, 5))
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
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


async def finish(redis: Redis, job_id: str, key: str, result: Any, ttl: int) -> None:
    """Store a result under its key, mark the job done and wake its waiters, in one step."""
    await _end(redis, job_id, key, ttl, orjson.dumps(result), status=DONE)


async def fail(redis: Redis, job_id: str, key: str, error: str, ttl: int) -> None:
    """Mark a job failed with its error and wake its waiters, in one step."""
    await _end(redis, job_id, key, ttl, b"", status=FAILED, error=error)


async def _end(redis: Redis, job_id: str, key: str, ttl: int, payload: bytes, status: str, **fields: str) -> None:
    record = _pairs(job_id, {"status": status, **fields, "finished_at": now_iso()})
    notice = f"{job_id} {status}".encode()
    if payload and len(payload) <= INLINE_RESULT:
        notice += b" " + payload
    await _END(keys=[keys.result(key), keys.inflight(key), keys.job(job_id)],
               args=[ttl, payload, keys.channel(keys.DONE, database(redis)), notice, *record], client=redis)


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
            with contextlib.suppress(asyncio.CancelledError, RedisError):
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
