"""An in-process copy of what search reads, ranked exactly as the MongoDB lookup ranks.

MongoDB stays the source of truth. A search worker loads the search fields of every film and
person once (`load`) and then serves searches from memory. For each query word it collects
the documents holding it exactly, as a prefix (the last word) or within one typo (words of
five letters or more, through their `~` terms), intersects those sets and ranks what is left
with the MongoDB lookup's own `rank` (stores/mongo/search.py). Unlike that lookup, which ranks
only the most popular few thousand documents holding the query's longest word, the copy
considers every document, so a rare film whose title shares a common word is still found.
Documents that change later are fetched again (`refresh`) and kept in a small overlay over the
loaded copy until the next load.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING

from stores.mongo.search import COLLECTIONS, FIELDS, Doc, Hit, rank
from stores.mongo.search_index import fuzzy_terms
from stores.mongo.text import words

if TYPE_CHECKING:
    from stores.mongo import Database


class Shelf:
    """One collection's documents, with a word index and a typo index over their words."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs = list(docs)
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self.docs):
            for word in doc.words:
                postings.setdefault(word, []).append(i)
        self.postings = {word: array("i", at) for word, at in postings.items()}  # 4 bytes a position
        self.vocabulary = sorted(self.postings)
        self.typos: dict[str, list[str]] = {}
        for word in self.vocabulary:
            for term in fuzzy_terms(word):
                self.typos.setdefault(term, []).append(word)
        self.changed: dict[int, Doc | None] = {}

    def __len__(self) -> int:
        return len(self.docs) - sum(1 for i in self.changed if i in self.position) + sum(
            1 for doc in self.changed.values() if doc is not None)

    def _holding(self, word: str, last: bool) -> set[int]:
        """The positions of the documents a query word can match: exactly, as a prefix if last, or by one typo."""
        found = set(self.postings.get(word, ()))
        if last:
            at = bisect.bisect_right(self.vocabulary, word)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(word):
                found.update(self.postings[self.vocabulary[at]])
                at += 1
        for term in fuzzy_terms(word):
            for near in self.typos.get(term, ()):
                found.update(self.postings[near])
        return found

    def candidates(self, query_words: list[str]) -> list[Doc]:
        """Every document that can match all query words (`rank` decides which do, and how well)."""
        last = len(query_words) - 1
        held = sorted((self._holding(word, i == last) for i, word in enumerate(query_words)), key=len)
        common = held[0].intersection(*held[1:])
        docs = [self.docs[i] for i in common]
        if self.changed:
            docs = [doc for doc in docs if doc.id not in self.changed]
            docs += [doc for doc in self.changed.values() if doc is not None]
        return docs

    def change(self, doc_id: int, doc: Doc | None) -> None:
        """Take a document's current version (None: it is gone)."""
        at = self.position.get(doc_id)
        if (self.docs[at] if at is not None else None) == doc:
            self.changed.pop(doc_id, None)
        else:
            self.changed[doc_id] = doc


class SearchMemory:
    """Every film's and person's search fields, held by one process."""

    def __init__(self, shelves: dict[str, Shelf]) -> None:
        self.shelves = shelves

    @classmethod
    async def load(cls, db: Database) -> SearchMemory:
        """Read the search fields of every film and person."""
        shelves = {}
        for kind, collection in COLLECTIONS:
            shelves[kind] = Shelf([Doc.of(doc) async for doc in db[collection].find({}, FIELDS[collection],
                                                                                     batch_size=5000)])
        return cls(shelves)

    @property
    def changes(self) -> int:
        """How many documents changed since the load."""
        return sum(len(shelf.changed) for shelf in self.shelves.values())

    def sizes(self) -> dict[str, int]:
        """Documents held per kind."""
        return {kind: len(shelf) for kind, shelf in self.shelves.items()}

    async def refresh(self, db: Database, ids: dict[str, set[int]]) -> None:
        """Fetch the given films and people again (by kind) and take their current versions."""
        for kind, collection in COLLECTIONS:
            wanted = ids.get(kind)
            if not wanted:
                continue
            current = {doc["_id"]: Doc.of(doc) async for doc in db[collection].find(
                {"_id": {"$in": sorted(wanted)}}, FIELDS[collection])}
            for doc_id in wanted:
                self.shelves[kind].change(doc_id, current.get(doc_id))

    def search(self, query: str, kinds: tuple[str, ...], limit: int = 1000) -> list[Hit]:
        """Every movie and/or person matching all query words, best first."""
        query_words = words(query)[:8]
        if not query_words:
            return []
        found = [(kind, self.shelves[kind].candidates(query_words)) for kind, _ in COLLECTIONS if kind in kinds]
        return rank(query_words, found, limit)
