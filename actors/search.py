"""Search, done by a worker: every match of a query, best first, cached in Redis by the normalised query.

A worker that serves searches keeps the search fields of the catalogue in memory
(stores/mongo/search_memory.py) and answers from there. The copy follows the cache
invalidation channel every write to films and people publishes on: a changed film or
person is fetched again; `*` or `catalogue` (bulk changes, such as seed chunks), a lost
subscription or too many changes mean a fresh load, once no bulk change has been announced
for QUIET_SECONDS. Until the copy is loaded, and while a load is due, searches are looked
up in MongoDB (stores/mongo/search.py). Named changes do not stop the copy from answering:
they are fetched again at once, like the invalidations of the web processes' local caches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from redis.exceptions import RedisError

from actors.broker import INTERACTIVE
from actors.lifecycle import Resources, at_boot
from actors.work import work_actor
from cache import invalidate, keys
from stores.mongo import search
from stores.mongo.search_memory import SearchMemory

log = logging.getLogger(__name__)

KINDS = {"movie": ("movie",), "person": ("person",), "all": ("movie", "person")}
ENTRY_KINDS = {keys.cached(keys.movie_entry(0)).removesuffix("0"): "movie",
               keys.cached(keys.person_entry(0)).removesuffix("0"): "person"}
MAX_CHANGES = 1000
QUIET_SECONDS = 30.0  # seed chunks come seconds apart: load once they have stopped


class Follower:
    """This process's copy of the catalogue's search fields, kept in step with MongoDB."""

    def __init__(self) -> None:
        self.memory: SearchMemory | None = None
        self.pending: dict[str, set[int]] = {"movie": set(), "person": set()}
        self.reload = True
        self.wanted = 0  # counts the loads asked for; a load finished after a newer ask is not used
        self.announced = 0.0
        self.quiet = QUIET_SECONDS
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def current(self) -> SearchMemory | None:
        """The copy, unless a load is due or going on (named changes are fetched again meanwhile)."""
        return None if self.reload else self.memory

    def _ask_load(self) -> None:
        self.reload, self.wanted = True, self.wanted + 1

    def start(self, res: Resources) -> None:
        """Load and follow in the background (once per process)."""
        if self._task is None:
            self._task = asyncio.create_task(self._follow(res))
            res.background.append(self._task)

    def note(self, message: str) -> None:
        """Take one invalidation message: names of changed entries, or `*` for everything."""
        for name in message.split():
            if name in ("*", invalidate.CATALOGUE):
                self._ask_load()
                self.announced = time.monotonic()
            for prefix, kind in ENTRY_KINDS.items():
                if name.startswith(prefix) and name[len(prefix):].isdigit():
                    self.pending[kind].add(int(name[len(prefix):]))
        self._wake.set()

    async def _follow(self, res: Resources) -> None:
        while True:
            try:
                async with res.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(keys.INVALIDATE_CHANNEL)
                    self._ask_load()  # changes may have gone unheard before this subscription
                    self._wake.set()
                    keeper = asyncio.create_task(self._keep(res))
                    try:
                        async for message in pubsub.listen():
                            if message["type"] == "message":
                                self.note(message["data"].decode())
                    finally:
                        keeper.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await keeper
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("search copy lost the invalidation channel (%s); searching MongoDB meanwhile", exc)
                self._ask_load()
                await asyncio.sleep(1.0)

    async def _keep(self, res: Resources) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                quiet = self.announced + self.quiet - time.monotonic()
                if self.reload and quiet > 0:
                    await asyncio.sleep(quiet)  # a bulk change is still going on: load once it stops
                    self._wake.set()
                elif self.reload:
                    await self._load(res)
                elif any(self.pending.values()):
                    await self._refresh(res)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("search copy could not be brought up to date (%r); searching MongoDB meanwhile", exc)
                self._ask_load()
                await asyncio.sleep(5.0)
                self._wake.set()

    async def _load(self, res: Resources) -> None:
        wanted = self.wanted
        for ids in self.pending.values():
            ids.clear()  # a change heard from now on is fetched again after the load
        db = await res.stores.mongo()
        size = sum([await db[name].estimated_document_count() for name in ("movies", "people")])
        memory = None
        began = time.perf_counter()
        if size <= res.settings.search_memory_limit:
            memory = await SearchMemory.load(db)
        if self.wanted == wanted:
            self.memory, self.reload = memory, False
            if memory is None:
                log.info("catalogue of %d documents is over SEARCH_MEMORY_LIMIT; searching MongoDB", size)
            else:
                log.info("search copy loaded (%s) in %.1f s", memory.sizes(), time.perf_counter() - began)
        self._wake.set()

    async def _refresh(self, res: Resources) -> None:
        if self.memory is None:
            for ids in self.pending.values():
                ids.clear()
            return
        taken = {kind: set(ids) for kind, ids in self.pending.items()}
        await self.memory.refresh(await res.stores.mongo(), taken)
        for kind, ids in taken.items():
            self.pending[kind] -= ids
        if self.memory.changes > MAX_CHANGES:
            self._ask_load()
        self._wake.set()


follower = Follower()
at_boot(INTERACTIVE, follower.start)


@work_actor(queue_name=INTERACTIVE, time_limit=30_000)
async def search_catalogue(res: Resources, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Movies and/or people matching every word of `q` (typos of one letter forgiven), best first."""
    follower.start(res)
    memory = follower.current
    if memory is not None:
        hits = memory.search(params["q"], KINDS[params["type"]])
    else:
        hits = await search.search(await res.stores.mongo(), params["q"], KINDS[params["type"]])
    return [hit.public() for hit in hits]

