"""The catalogue index: the workers' in-memory read model of every film and person.

MongoDB is the source of truth. A worker that serves the `interactive` queue loads what
lists and searches read of every film and person (stores/mongo/catalogue.py), keeps it in
step through the invalidation channel (`follower`), and answers discover (every list,
filter, sort, count and page) and search from it. Until it is loaded, lists are answered
from MongoDB by the front door and searches by the MongoDB lookup, with the same results.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
from typing import Any

import textfold
from actors.catalogue.films import Films
from actors.catalogue.people import People
from actors.catalogue.shelf import Shelf
from stores.mongo import catalogue
from stores.mongo.database import Database
from stores.mongo.search import Doc, Hit, rank

__all__ = ["Catalogue", "Films", "People"]


def release_freed_memory() -> None:
    """Hand the memory a build freed back to the system (glibc keeps it otherwise); a no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class IdleTrim:
    """Hands the memory that queries freed back once they pause: glibc keeps a query's freed arrays for
    the next one, and interleaved with the index's lazily kept arrays (a sort's ranks, a genre's bits)
    that memory would stay resident for good. `used()` counts a query; `tick()`, called every
    IDLE_SECONDS, trims after a whole tick without one (once per pause, never while queries go on)."""

    def __init__(self) -> None:
        self.uses = 0
        self._ticked = 0  # uses at the last tick
        self._trimmed = 0  # uses at the last trim

    def used(self) -> None:
        self.uses += 1

    def tick(self) -> bool:
        """Trim if queries ran before the last tick and none since; True if it trimmed."""
        uses, ticked = self.uses, self._ticked
        self._ticked = uses
        if uses != ticked or uses == self._trimmed:
            return False
        self._trimmed = uses
        release_freed_memory()
        return True


class Catalogue:
    """The films and the people, each a shelf of columns."""

    def __init__(self, films: Films, people: People) -> None:
        self.films, self.people = films, people
        self.shelves: dict[str, Shelf] = {"movie": films, "person": people}

    @classmethod
    async def load(cls, db: Database) -> Catalogue:
        """Read every film and person from MongoDB and build the index (the heavy part off the event loop)."""
        films, people = Films(), People()
        for kind, shelf in (("movie", films), ("person", people)):
            async for doc in catalogue.documents(db, kind):
                shelf.add(doc)
        return await asyncio.to_thread(cls.finished, films, people)

    @classmethod
    def finished(cls, films: Films, people: People) -> Catalogue:
        """The index of shelves whose documents have all been added (builds them; the heavy part)."""
        films.finish()
        people.finish()
        release_freed_memory()
        return cls(films, people)

    async def refresh(self, db: Database, ids: dict[str, set[int]]) -> None:
        """Fetch the given films and people again (by kind) and take their current versions."""
        for kind, wanted in ids.items():
            if wanted:
                current = {doc["_id"]: doc async for doc in catalogue.documents(db, kind, list(wanted))}
                self.shelves[kind].apply({doc_id: current.get(doc_id) for doc_id in wanted})

    @property
    def changes(self) -> int:
        """How many documents changed their words or credits since the load (kept apart until a reload)."""
        return sum(len(shelf.words.changed) for shelf in self.shelves.values()) + len(self.films.people.changed)

    def sizes(self) -> dict[str, int]:
        """Live documents per kind."""
        return {kind: len(shelf) for kind, shelf in self.shelves.items()}

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays, roughly."""
        return self.films.nbytes + self.people.nbytes

    def search(self, query: str, kinds: tuple[str, ...], limit: int = 1000) -> list[Hit]:
        """Every movie and/or person matching all query words, best first (as the MongoDB lookup ranks)."""
        query_words = textfold.query_words(query)
        if not query_words:
            return []
        found: list[tuple[str, list[Doc]]] = [(kind, self.shelves[kind].candidates(query_words))
                                              for kind in ("movie", "person") if kind in kinds]
        return rank(query_words, found, limit)

    def describe(self) -> dict[str, Any]:
        """Sizes and memory, for the log."""
        return {**self.sizes(), "mb": round(self.nbytes / 2**20, 1)}
