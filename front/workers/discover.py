"""Lists through the workers' catalogue index, or from MongoDB when the index cannot answer in time.

A list is a plain read: it always answers 200 (or its 4xx), never 202. The front door sends
the page's work to a worker and waits up to LIST_WAIT_SECONDS; when no answer comes (the
broker is down, no interactive worker runs, the index is still loading) the caller reads the
page from MongoDB (front/catalogue.py), and the index is not asked again for FALLBACK_SECONDS.

An index that is only busy is waited for: when a worker has taken the job, or the index
answered this process within the last BUSY_SECONDS, the wait goes on up to PATIENCE_SECONDS
in all. Under load the index's queue is a few tens of milliseconds long while a page from
MongoDB takes seconds and slows every other MongoDB read, so turning to MongoDB then would
only make matters worse.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq
from sanic import Request

from actors.discover import discover_movies, discover_people
from cache import jobs
from config import Settings
from errors import Unavailable
from front.limits import charger
from front.metrics import LIST_ANSWERS
from front.workers.dispatch import Dispatcher
from stores import Stores

log = logging.getLogger(__name__)

FALLBACK_SECONDS = 10.0
BUSY_SECONDS = 5.0  # an index that answered this lately is busy, not gone
PATIENCE_SECONDS = 2.0  # the longest a list waits for a busy index


class Discover:
    """One web process's way to the catalogue index, with MongoDB behind it."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher, stores: Stores) -> None:
        self.wait = settings.list_wait_seconds
        self.dispatcher, self.stores = dispatcher, stores
        self.until = 0.0  # MongoDB answers until then
        self.answered_at = -BUSY_SECONDS  # when the index last answered

    async def movies(self, request: Request, filter_params: dict[str, Any], sort: str, skip: int, limit: int,
                     ttl: int) -> tuple[int, list[dict[str, Any]]] | None:
        """(count, one page of film summaries) from the index, or None when MongoDB must answer.

        `filter_params` is the filter as `MovieFilter.params()` describes it."""
        return await self._index(request, discover_movies, "movies", {
            "f": filter_params, "sort": sort, "skip": skip, "limit": limit, "ttl": ttl})

    async def people(self, request: Request, query_words: tuple[str, ...], skip: int, limit: int,
                     ttl: int) -> tuple[int, list[dict[str, Any]]] | None:
        """(count, one page of people) from the index, or None when MongoDB must answer."""
        return await self._index(request, discover_people, "people", {
            "q": list(query_words), "skip": skip, "limit": limit, "ttl": ttl})

    async def by_ids(self, request: Request, kind: str, ids: list[int],
                     ttl: int) -> tuple[int, list[dict[str, Any]]] | None:
        """(how many exist, the summaries of the films or people (`kind`) with these ids that exist, in their
        order) from the index, or None when MongoDB must answer."""
        actor = discover_movies if kind == "movies" else discover_people
        return await self._index(request, actor, kind, {"ids": ids, "ttl": ttl})

    async def movies_after(self, request: Request, filter_params: dict[str, Any], sort: str,
                           key: tuple[Any, int] | None, limit: int, ttl: int) -> dict[str, Any] | None:
        """A keyset page from the index, `{count, results, last}` (`last`: the key of its last film while more
        follow), or None when MongoDB must answer."""
        return await self._answer(request, discover_movies, "movies", {
            "f": filter_params, "sort": sort, "after": list(key) if key else None, "limit": limit, "ttl": ttl})

    async def _index(self, request: Request, actor: dramatiq.Actor[..., Any], kind: str,
                     params: dict[str, Any]) -> tuple[int, list[dict[str, Any]]] | None:
        """(count, results) of the index's answer, or None: then MongoDB answers."""
        answer = await self._answer(request, actor, kind, params)
        return None if answer is None else (int(answer["count"]), answer["results"])

    async def _answer(self, request: Request, actor: dramatiq.Actor[..., Any], kind: str,
                      params: dict[str, Any]) -> dict[str, Any] | None:
        """The index's answer (its result is the page's Redis tier), or None: then MongoDB answers, for
        FALLBACK_SECONDS from now on."""
        if time.monotonic() < self.until:
            LIST_ANSWERS.labels("mongo").inc()
            return None
        params["v"] = request.app.ctx.local.version
        began = time.monotonic()
        try:
            outcome = await self.dispatcher.run(actor, kind, params, wait=self.wait, charge=charger(request),
                                                 batch=True)
            if not outcome.done and self._busy(outcome.status):
                patience = PATIENCE_SECONDS - (time.monotonic() - began)
                outcome = await self.dispatcher.run(actor, kind, params, wait=max(patience, 0.0), batch=True)
        except Unavailable as exc:
            reason = str(exc)
        else:
            if outcome.done and isinstance(outcome.result, dict):
                self.answered_at = time.monotonic()
                LIST_ANSWERS.labels("index").inc()
                return outcome.result
            reason = f"job {outcome.status}" + (f": {outcome.job['error']}" if outcome.job.get("error") else "")
        self.until = time.monotonic() + FALLBACK_SECONDS
        LIST_ANSWERS.labels("mongo").inc()
        log.info("catalogue index did not answer (%s); MongoDB answers lists for %.0f s", reason, FALLBACK_SECONDS)
        return None

    def _busy(self, status: str) -> bool:
        """Whether an unanswered list job is worth waiting for: a worker took it, or the index answered lately."""
        if status == jobs.FAILED:  # the index could not answer (still loading, say)
            return False
        return status == jobs.RUNNING or time.monotonic() - self.answered_at < BUSY_SECONDS
