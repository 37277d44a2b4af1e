"""Lists through the workers' catalogue index, or from MongoDB when the index cannot answer in time.

A list is a plain read: it always answers 200 (or its 4xx), never 202. The front door sends
the page's work to a worker and waits up to LIST_WAIT_SECONDS; when no answer comes (the
broker is down, no interactive worker runs, the index is still loading) it reads the page
from MongoDB, and keeps doing so for FALLBACK_SECONDS before it tries the index again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import dramatiq

from actors.discover import discover_movies, discover_people
from config import Settings
from errors import Unavailable
from front.dispatch import Dispatcher
from front.metrics import LIST_ANSWERS
from stores import Stores
from stores.mongo import movies, people
from stores.mongo.movies import MovieFilter

log = logging.getLogger(__name__)

FALLBACK_SECONDS = 10.0


class Discover:
    """One web process's way to the catalogue index, with MongoDB behind it."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher, stores: Stores) -> None:
        self.wait = settings.list_wait_seconds
        self.dispatcher, self.stores = dispatcher, stores
        self.until = 0.0  # MongoDB answers until then

    async def movies(self, version: int, movie_filter: MovieFilter, sort: str, skip: int,
                     limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(count, one page of film summaries)."""
        found = await self._index(discover_movies, "movies", {
            "f": movie_filter.params(), "sort": sort, "skip": skip, "limit": limit, "v": version})
        if found is not None:
            return int(found["count"]), found["results"]
        LIST_ANSWERS.labels("mongo").inc()
        return await movies.list_movies(await self.stores.mongo(), movie_filter, sort, skip, limit)

    async def people(self, version: int, query_words: tuple[str, ...], skip: int,
                     limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(count, one page of people)."""
        found = await self._index(discover_people, "people", {
            "q": list(query_words), "skip": skip, "limit": limit, "v": version})
        if found is not None:
            return int(found["count"]), found["results"]
        LIST_ANSWERS.labels("mongo").inc()
        return await people.list_people(await self.stores.mongo(), query_words, skip, limit)

    async def _index(self, actor: dramatiq.Actor[..., Any], kind: str, params: dict[str, Any]) -> Any:
        """The index's answer, or None (then MongoDB answers, for FALLBACK_SECONDS from now on)."""
        if time.monotonic() < self.until:
            return None
        try:
            outcome = await self.dispatcher.run(actor, kind, params, wait=self.wait)
        except Unavailable as exc:
            reason = str(exc)
        else:
            if outcome.done and isinstance(outcome.result, dict):
                LIST_ANSWERS.labels("index").inc()
                return outcome.result
            reason = f"job {outcome.status}" + (f": {outcome.job['error']}" if outcome.job.get("error") else "")
        self.until = time.monotonic() + FALLBACK_SECONDS
        log.info("catalogue index did not answer (%s); MongoDB answers lists for %.0f s", reason, FALLBACK_SECONDS)
        return None
