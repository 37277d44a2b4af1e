"""The read-back protocol, actor side: run the work, store its result in Redis, wake the waiters."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage
from redis.asyncio import Redis

from actors.broker import INTERACTIVE
from actors.lifecycle import Resources, resources
from cache import jobs, keys
from errors import Invalid, NotFound

log = logging.getLogger(__name__)

Work = Callable[[Resources, dict[str, Any]], Awaitable[Any]]
FAILURES: tuple[type[Exception], ...] = (Invalid, NotFound)  # what every work actor `throws`
RUNNING_AFTER = 0.05


async def _marked_running(res: Resources, job_id: str, ttl: int, work: Work, params: dict[str, Any]) -> Any:
    """Do the work; a job still going after RUNNING_AFTER seconds is marked running meanwhile.

    Work that ends sooner goes from queued straight to done or failed, which saves a Redis
    write per job; nobody could have seen it running anyway. (A mark that comes late is no
    harm: a job already ended is never marked running.)
    """
    marks: list[asyncio.Task[bool]] = []
    timer = asyncio.get_running_loop().call_later(
        RUNNING_AFTER, lambda: marks.append(asyncio.ensure_future(jobs.start(res.redis, job_id, ttl))))
    try:
        return await work(res, params)
    finally:
        timer.cancel()
        if marks:
            await asyncio.gather(*marks, return_exceptions=True)


def _last_attempt(max_retries: int) -> bool:
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    retries = int(message.options.get("retries", 0))
    return retries >= int(message.options.get("max_retries", max_retries))


def work_actor(
    *, queue_name: str, max_retries: int = 3, time_limit: int = 60_000, priority: int = 0,
    result_ttl: int | None = None, throws: tuple[type[Exception], ...] = (), batched: bool = False,
) -> Callable[[Work], dramatiq.Actor[..., Any]]:
    """Turn `async def f(res, params) -> result` into an actor taking (job_id, key, params).

    The actor `throws` FAILURES and the exceptions `throws` names (Dramatiq's option): they end the
    job as failed at once, without a retry, and the message is acknowledged rather than dead-lettered.
    Any other exception, `dramatiq.Retry` among them, is retried; the last attempt marks the job failed.
    A job's params may carry `ttl`: the seconds its result is kept (else `result_ttl`, else
    RESULT_TTL_SECONDS). A `batched` actor's jobs may also reach it together in one message of
    `work_batch` (interactive work that is never retried).
    """
    final = (*FAILURES, *throws)

    def decorate(work: Work) -> dramatiq.Actor[..., Any]:
        job = Job(work, final, max_retries, result_ttl)

        @functools.wraps(work)
        async def run(job_id: str, key: str, params: dict[str, Any]) -> None:
            await job.perform(await resources(), job_id, key, params)

        if batched:
            assert queue_name == INTERACTIVE and max_retries == 0, "a batch is one interactive message, never retried"
            BATCHED[work.__name__] = job
        return dramatiq.actor(
            actor_name=work.__name__,
            queue_name=queue_name,
            max_retries=max_retries,
            time_limit=time_limit,
            priority=priority,
            throws=final,
        )(run)

    return decorate


@dataclass(frozen=True)
class Job:
    """How a work actor does one job: run the work, then finish or fail the job in Redis."""

    work: Work
    final: tuple[type[Exception], ...]
    max_retries: int
    result_ttl: int | None

    async def perform(self, res: Resources, job_id: str, key: str, params: dict[str, Any]) -> None:
        """Do the job and end it; an exception to retry is raised after the job is ended (on a last attempt)."""
        ending, error = await self.attempt(res, job_id, key, params)
        if ending is not None:
            await jobs.end(res.redis, [ending])
        if error is not None:
            raise error

    async def attempt(self, res: Resources, job_id: str, key: str, params: dict[str, Any]
                      ) -> tuple[jobs.Ending | None, Exception | None]:
        """Do the work: how the job ends (None while it will be retried), and the exception to raise, if any."""
        ttl = int(params.get("ttl") or self.result_ttl or res.settings.result_ttl_seconds)
        try:
            result = await _marked_running(res, job_id, ttl, self.work, params)
        except self.final as exc:
            return jobs.Ending.failed(job_id, key, str(exc), ttl), None
        except Exception as exc:
            if not _last_attempt(self.max_retries):
                return None, exc
            log.exception("job %s (%s) failed for good", job_id, self.work.__name__)
            return jobs.Ending.failed(job_id, key, f"{type(exc).__name__}: {exc}", ttl), exc
        return jobs.Ending.done(job_id, key, result, ttl), None


BATCHED: dict[str, Job] = {}  # the batched work actors' jobs, by actor name


@dramatiq.actor(queue_name=INTERACTIVE, max_retries=0, time_limit=10_000)
async def work_batch(batch: list[list[Any]]) -> None:
    """Jobs of batched work actors that the front door sent together, `[actor_name, job_id, key, params]` each.

    One message for several jobs saves the broker and the worker their per-message cost, which is
    most of a list's. The jobs run side by side, each as its own actor would run it, and all end in one
    Redis round trip.
    """
    res = await resources()
    known = [entry for entry in batch if entry[0] in BATCHED]
    attempts = await asyncio.gather(*(BATCHED[name].attempt(res, job_id, key, params)
                                      for name, job_id, key, params in known))
    endings = [ending for ending, _ in attempts if ending is not None]
    endings += [jobs.Ending.failed(job_id, key, f"no batched work named {name!r} here",
                                   int(params.get("ttl") or res.settings.result_ttl_seconds))
                for name, job_id, key, params in batch if name not in BATCHED]
    await jobs.end(res.redis, endings)
    for _, error in attempts:
        if error is not None:
            raise error


async def refresh(redis: Redis, actor: dramatiq.Actor[..., Any], kind: str, params: dict[str, Any],
                  ttl: int) -> str:
    """Start the work again (its cached result stays until the new one replaces it); returns the job id."""
    key = keys.work_key(kind, params)
    job_id, created = await jobs.claim(redis, key, kind, ttl)
    if created:
        await asyncio.to_thread(actor.send, job_id, key, params)
    return job_id
