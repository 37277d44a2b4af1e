"""The read-back protocol, front-door side: serve a cached result, or send the work and wait briefly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import dramatiq
from redis.asyncio import Redis

from actors.work import work_batch
from cache import jobs, keys
from cache.client import REDIS_DOWN
from cache.jobs import Notifier
from config import Settings
from errors import Unavailable
from front.limits import Charge
from front.metrics import BATCHED_JOBS
from front.workers.publisher import Publisher

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What became of a piece of work within the wait: a result, or a job still going."""

    status: str
    job: dict[str, Any]
    result: Any = None

    @property
    def done(self) -> bool:
        """Whether the result is here."""
        return self.status == jobs.DONE


class Dispatcher:
    """Sends messages without blocking the event loop and waits for their results in Redis."""

    def __init__(self, settings: Settings, redis: Redis, notifier: Notifier, publisher: Publisher) -> None:
        self.settings = settings
        self.redis = redis
        self.notifier = notifier
        self.publisher = publisher
        self._batch: tuple[list[list[Any]], asyncio.Future[None]] | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    async def close(self) -> None:
        """Close the publishing connection."""
        await self.publisher.close()

    async def send(self, actor: dramatiq.Actor[..., Any], *args: Any, delay: int | None = None,
                   **kwargs: Any) -> None:
        """Send one message to an actor (no sooner than `delay` ms), confirmed by RabbitMQ, without blocking."""
        try:
            await self.publisher.send(actor, *args, delay=delay, **kwargs)
        except Exception as exc:
            log.warning("sending %s failed: %s", actor.actor_name, exc)
            raise Unavailable("The work queue is unavailable; try again shortly.", retry_after=5) from exc

    async def start(self, actor: dramatiq.Actor[..., Any], kind: str, params: dict[str, Any],
                    owner: int | None = None) -> str:
        """Join the job already doing this work, or claim a new one and send its message; returns the job id.

        A job whose message could not be sent is released, so the next request tries again. The job of an
        `owner` (work that carries that user's data) is readable at /api/jobs/{id}/ by that user only.
        """
        key = keys.work_key(kind, params)
        try:
            job_id, created = await jobs.claim(self.redis, key, kind, self.settings.result_ttl_seconds, owner=owner)
        except REDIS_DOWN as exc:
            raise Unavailable("The result store is unavailable; try again shortly.", retry_after=5) from exc
        if created:
            await self._send_claimed(actor, job_id, key, params)
        return job_id

    async def _send_claimed(self, actor: dramatiq.Actor[..., Any], job_id: str, key: str,
                            params: dict[str, Any], batch: bool = False) -> None:
        """Send a just-claimed job's message; if it cannot be sent, release the claim for the next request."""
        try:
            if batch:
                await self._batched([actor.actor_name, job_id, key, params])
            else:
                await self.send(actor, job_id, key, params)
        except Unavailable:
            with contextlib.suppress(*REDIS_DOWN):
                await jobs.release(self.redis, key, job_id)
            raise

    async def _batched(self, entry: list[Any]) -> None:
        """Send a job of a batched work actor (actors/work.py) with the others that reach this point in the
        same turn of the event loop, in one message of `work_batch`; a job alone goes as its own message."""
        if self._batch is None:
            self._batch = ([], asyncio.get_running_loop().create_future())
            asyncio.get_running_loop().call_soon(self._flush)
        entries, sent = self._batch
        entries.append(entry)
        await asyncio.shield(sent)

    def _flush(self) -> None:
        assert self._batch is not None
        (entries, sent), self._batch = self._batch, None
        task = asyncio.ensure_future(self._send_batch(entries, sent))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _send_batch(self, entries: list[list[Any]], sent: asyncio.Future[None]) -> None:
        BATCHED_JOBS.observe(len(entries))
        try:
            if len(entries) == 1:
                name, *args = entries[0]
                await self.send(self.publisher.broker.get_actor(name), *args)
            else:
                await self.send(work_batch, entries)
        except Unavailable as exc:
            sent.set_exception(exc)
            sent.exception()  # each waiter raises it; none may be left waiting (cancelled)
        else:
            sent.set_result(None)

    async def run(
        self, actor: dramatiq.Actor[..., Any], kind: str, params: dict[str, Any], wait: float | None = None,
        charge: Charge | None = None, batch: bool = False, owner: int | None = None,
    ) -> Outcome:
        """Serve the work's cached result, or join/start a job and wait up to `wait` seconds for it.

        Work that no cached result answers is counted against `charge` (the caller's work limit) in the
        same round trip; past the limit nothing is joined or sent (429). The job of a `batch` actor may
        go in one message with others started at the same moment. A new job of an `owner` (work that
        carries that user's data) is readable at /api/jobs/{id}/ by that user only.

        One Redis round trip finds the result or the job; a new job is watched before its message
        is sent, so its notification cannot be missed and needs no check before the wait.
        """
        key = keys.work_key(kind, params)
        try:
            found = await jobs.lookup(self.redis, key, kind, self.settings.result_ttl_seconds,
                                      charge=charge.allowance if charge is not None else None, owner=owner)
        except REDIS_DOWN as exc:
            raise Unavailable("The result store is unavailable; try again shortly.", retry_after=5) from exc
        if charge is not None:
            charge.settle(found.quota)
        if found.job_id is None:
            return Outcome(jobs.DONE, {"kind": kind, "status": jobs.DONE}, found.result)
        job_id = found.job_id
        future = self.notifier.watch(job_id)
        try:
            if found.created:
                await self._send_claimed(actor, job_id, key, params, batch)
            job, result = None, None
            if not (found.created and self.notifier.listening):
                job, result = await jobs.job_and_result(self.redis, job_id, key)
            if job is None or job.get("status") not in (jobs.DONE, jobs.FAILED):
                with contextlib.suppress(TimeoutError):
                    notice = await asyncio.wait_for(
                        asyncio.shield(future),
                        self.settings.result_wait_seconds if wait is None else wait,
                    )
                    if notice.status == jobs.DONE:
                        result = notice.result() if notice.payload is not None else await jobs.get_result(
                            self.redis, key)
                        if result is not None:
                            return Outcome(jobs.DONE, {"id": job_id, "kind": kind, "status": jobs.DONE}, result)
                job, result = await jobs.job_and_result(self.redis, job_id, key)
        except REDIS_DOWN as exc:
            raise Unavailable("The result store is unavailable; try again shortly.", retry_after=5) from exc
        finally:
            self.notifier.unwatch(job_id, future)
        job = job or {"id": job_id, "kind": kind, "status": jobs.QUEUED}
        if job.get("status") == jobs.DONE and result is not None:
            return Outcome(jobs.DONE, job, result)
        return Outcome(str(job.get("status", jobs.QUEUED)), job)
