"""Job records, results and the notification a waiting request wakes up on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cache import keys

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def now_iso() -> str:
    """The current time as an ISO 8601 UTC string."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def get_result(redis: Redis, key: str) -> Any | None:
    """The stored result of a piece of work, or None."""
    raw = await redis.get(keys.result(key))
    return None if raw is None else orjson.loads(raw)


async def claim(redis: Redis, key: str, kind: str, ttl: int) -> tuple[str, bool]:
    """Record a queued job for the work, or join the one already in flight; (job_id, created)."""
    job_id = uuid.uuid4().hex
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(keys.inflight(key), job_id, nx=True, ex=ttl)
        pipe.get(keys.inflight(key))
        created, current = await pipe.execute()
    if not created:
        if current is not None:
            return current.decode(), False
        job_id = uuid.uuid4().hex
    record = {"id": job_id, "kind": kind, "key": key, "status": QUEUED, "enqueued_at": now_iso()}
    await redis.set(keys.job(job_id), orjson.dumps(record), ex=ttl)
    return job_id, True


async def record(redis: Redis, job_id: str, kind: str, key: str, ttl: int) -> None:
    """Record a queued job under a given id (for work that is not deduplicated)."""
    record = {"id": job_id, "kind": kind, "key": key, "status": QUEUED, "enqueued_at": now_iso()}
    await redis.set(keys.job(job_id), orjson.dumps(record), ex=ttl)


async def release(redis: Redis, key: str, job_id: str) -> None:
    """Forget an in-flight claim (when the message could not be sent)."""
    await redis.delete(keys.inflight(key))
    await redis.delete(keys.job(job_id))


async def get_job(redis: Redis, job_id: str) -> dict[str, Any] | None:
    """The public record of a job, or None."""
    raw = await redis.get(keys.job(job_id))
    return None if raw is None else orjson.loads(raw)


async def _update(redis: Redis, job_id: str, ttl: int, **changes: Any) -> dict[str, Any]:
    record = await get_job(redis, job_id) or {"id": job_id}
    record.update(changes)
    await redis.set(keys.job(job_id), orjson.dumps(record), ex=ttl)
    return record


async def start(redis: Redis, job_id: str, ttl: int) -> None:
    """Mark a job running."""
    await _update(redis, job_id, ttl, status=RUNNING, started_at=now_iso())


async def finish(redis: Redis, job_id: str, key: str, result: Any, ttl: int) -> None:
    """Store a result under its key, mark the job done and wake its waiters, in one transaction."""
    await _end(redis, job_id, key, ttl, orjson.dumps(result), status=DONE)


async def fail(redis: Redis, job_id: str, key: str, error: str, ttl: int) -> None:
    """Mark a job failed with its error and wake its waiters, in one transaction."""
    await _end(redis, job_id, key, ttl, None, status=FAILED, error=error)


async def _end(redis: Redis, job_id: str, key: str, ttl: int, payload: bytes | None, **changes: Any) -> None:
    record = await get_job(redis, job_id) or {"id": job_id}
    record.update(changes, finished_at=now_iso())
    async with redis.pipeline(transaction=True) as pipe:
        if payload is not None:
            pipe.set(keys.result(key), payload, ex=ttl)
        pipe.delete(keys.inflight(key))
        pipe.set(keys.job(job_id), orjson.dumps(record), ex=ttl)
        pipe.publish(keys.DONE_CHANNEL, job_id)
        await pipe.execute()


async def job_and_result(redis: Redis, job_id: str, key: str) -> tuple[dict[str, Any] | None, Any | None]:
    """A job's record and its work's stored result (either may be None), in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get(keys.job(job_id))
        pipe.get(keys.result(key))
        job, result = await pipe.execute()
    return (None if job is None else orjson.loads(job)), (None if result is None else orjson.loads(result))


class Notifier:
    """One subscription per process to the job-done channel, fanned out to waiting requests."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
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

    def watch(self, job_id: str) -> asyncio.Future[None]:
        """A future that completes when the job is done or failed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(job_id, set()).add(future)
        return future

    def unwatch(self, job_id: str, future: asyncio.Future[None]) -> None:
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

    def _wake(self, job_id: str) -> None:
        for future in self._waiters.pop(job_id, ()):
            if not future.done():
                future.set_result(None)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(keys.DONE_CHANNEL)
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._wake(message["data"].decode())
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._ready.clear()
                log.warning("job notifications lost (%s); resubscribing", exc)
                await asyncio.sleep(1.0)
