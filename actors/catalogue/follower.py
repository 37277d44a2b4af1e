"""Keeping a worker's catalogue index in step with MongoDB, through the invalidation channel.

Every write to films and people publishes the cache entries it changed, and every
catalogue change moves the catalogue version (cache/invalidate.py). A changed film or
person is fetched again and applied at once; `*` or `catalogue` (bulk changes, such as
seed chunks), a lost subscription or too many changes mean a fresh load, once no bulk
change has been announced for QUIET_SECONDS. The version the index reflects is the one
last heard before a fetch or load began; a list request names the version it expects and
waits briefly for the index to reach it, so a page cached under a version never predates it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from actors.catalogue import Catalogue, IdleTrim
from actors.lifecycle import Resources
from cache import invalidate, keys, subscription
from stores.mongo import catalogue

log = logging.getLogger(__name__)

ENTRY_KINDS = {keys.cached(keys.movie_entry(0)).removesuffix("0"): "movie",
               keys.cached(keys.person_entry(0)).removesuffix("0"): "person"}
MAX_CHANGES = 1000
QUIET_SECONDS = 30.0  # seed chunks come seconds apart: load once they have stopped
IDLE_SECONDS = 1.0  # queries paused this long: hand back the memory they freed (IdleTrim)


class Follower:
    """This process's catalogue index, kept in step with MongoDB."""

    def __init__(self) -> None:
        self.index: Catalogue | None = None
        self.pending: dict[str, set[int]] = {"movie": set(), "person": set()}
        self.reload = True
        self.wanted = 0  # counts the loads asked for; a load finished after a newer ask is not used
        self.announced = 0.0
        self.quiet = QUIET_SECONDS
        self.heard = 0  # the newest catalogue version announced
        self.applied = -1  # the version the index reflects
        self._wake = asyncio.Event()
        self._moved = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.trim = IdleTrim()

    @property
    def current(self) -> Catalogue | None:
        """The index, unless a load is due or going on (named changes are fetched again meanwhile)."""
        return None if self.reload else self.index

    def serving(self) -> Catalogue | None:
        """The index for a query (`current`), the query counted for the idle trim."""
        self.trim.used()
        return self.current

    async def at(self, version: int, wait: float) -> Catalogue | None:
        """The index for a query once it reflects `version` (waiting up to `wait` seconds), else None."""
        deadline = time.monotonic() + wait
        while self.current is None or self.applied < version:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._moved.wait(), left)
        return self.serving()

    def _ask_load(self) -> None:
        self.reload, self.wanted = True, self.wanted + 1

    def _reached(self, version: int) -> None:
        self.applied = version
        self._moved.set()

    def start(self, res: Resources) -> None:
        """Load and follow in the background (once per process)."""
        if self._task is None:
            self._task = asyncio.create_task(self._follow(res))
            res.background.append(self._task)
            res.background.append(asyncio.create_task(self._trim_when_idle()))

    async def _trim_when_idle(self) -> None:
        while True:
            await asyncio.sleep(IDLE_SECONDS)
            self.trim.tick()

    def note(self, message: str) -> None:
        """Take one invalidation message: names of changed entries, `*` for everything, the new version."""
        for name in message.split():
            if name.startswith(invalidate.VERSION):
                self.heard = int(name[len(invalidate.VERSION):])
            elif name in ("*", invalidate.CATALOGUE):
                self._ask_load()
                self.announced = time.monotonic()
            for prefix, kind in ENTRY_KINDS.items():
                if name.startswith(prefix) and name[len(prefix):].isdigit():
                    self.pending[kind].add(int(name[len(prefix):]))
        self._wake.set()

    async def _follow(self, res: Resources) -> None:
        async def subscribed() -> None:
            self.heard = await invalidate.catalogue_version(res.redis)
            self._ask_load()  # changes may have gone unheard before this subscription
            self._wake.set()

        def lost(exc: Exception) -> None:
            log.warning("catalogue index lost the invalidation channel (%s); MongoDB answers meanwhile", exc)
            self._ask_load()

        await subscription.follow(res.redis, keys.INVALIDATE, heard=lambda data: self.note(data.decode()),
                                  subscribed=subscribed, lost=lost, pause=1.0, alongside=lambda: self._keep(res))

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
                elif self.applied < self.heard:
                    self._reached(self.heard)  # the change named nothing this index holds
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("catalogue index could not be brought up to date (%r); MongoDB answers meanwhile", exc)
                self._ask_load()
                await asyncio.sleep(5.0)
                self._wake.set()

    async def _load(self, res: Resources) -> None:
        wanted, version = self.wanted, self.heard
        for ids in self.pending.values():
            ids.clear()  # a change heard from now on is fetched again after the load
        db = await res.stores.mongo()
        size = await catalogue.sizes(db)
        index = None
        began = time.perf_counter()
        if size <= res.settings.search_memory_limit:
            index = await Catalogue.load(db)
        if self.wanted == wanted:
            self.index, self.reload = index, False
            if index is None:
                log.info("catalogue of %d documents is over SEARCH_MEMORY_LIMIT; MongoDB answers lists and search",
                         size)
            else:
                log.info("catalogue index loaded (%s) in %.1f s", index.describe(), time.perf_counter() - began)
            self._reached(version)
        self._wake.set()

    async def _refresh(self, res: Resources) -> None:
        version = self.heard
        if self.index is None:
            for ids in self.pending.values():
                ids.clear()
            self._reached(version)
            return
        taken, self.pending = self.pending, {kind: set() for kind in self.pending}
        try:
            await self.index.refresh(await res.stores.mongo(), taken)
        except BaseException:
            for kind, ids in taken.items():
                self.pending[kind] |= ids
            raise
        if self.index.changes > MAX_CHANGES:
            self._ask_load()
        elif not any(self.pending.values()):
            self._reached(version)
        self._wake.set()


follower = Follower()
