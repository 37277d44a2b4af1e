"""An in-process copy of what search reads, answering exactly as the MongoDB lookup does.

MongoDB stays the source of truth. A search worker loads the search fields of every film and
person once (`load`) and then serves searches from memory, with the MongoDB lookup's
candidates and ranking (stores/mongo/search.py): the most popular documents holding the
query's anchor word as a word or a prefix, or one of its `~` terms, then every query word
checked against each candidate. Documents that change later are fetched again (`refresh`) and
kept in a small overlay over the loaded copy until the next load.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable
from typing import TYPE_CHECKING

from stores.mongo.search import COLLECTIONS, FIELDS, Doc, Hit, anchor_terms, candidate_limit, rank
from stores.mongo.search_index import MIN_PREFIX, fuzzy_terms
from stores.mongo.text import words

if TYPE_CHECKING:
    from stores.mongo import Database


def holds(word: str, anchor: str, fuzzy: set[str]) -> bool:
    """Whether a document word gives the document one of the query's index terms."""
    if word == anchor or (len(anchor) >= MIN_PREFIX and len(word) > len(anchor) and word.startswith(anchor)):
        return True
    return bool(fuzzy) and not fuzzy.isdisjoint(fuzzy_terms(word))


class Shelf:
    """One collection's documents, most popular first, with a word index and a typo index over its words."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs = sorted(docs, key=lambda doc: doc.order)
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        self.postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self.docs):
            for word in doc.words:
                self.postings.setdefault(word, []).append(i)
        self.vocabulary = sorted(self.postings)
        self.typos: dict[str, list[str]] = {}
        for word in self.vocabulary:
            for term in fuzzy_terms(word):
                self.typos.setdefault(term, []).append(word)
        self.changed: dict[int, Doc | None] = {}

    def __len__(self) -> int:
        return len(self.docs) - sum(1 for i in self.changed if i in self.position) + sum(
            1 for doc in self.changed.values() if doc is not None)

    def _words_holding(self, anchor: str, fuzzy: list[str]) -> set[str]:
        found = {anchor} if anchor in self.postings else set()
        if len(anchor) >= MIN_PREFIX:
            at = bisect.bisect_right(self.vocabulary, anchor)
            while at < len(self.vocabulary) and self.vocabulary[at].startswith(anchor):
                found.add(self.vocabulary[at])
                at += 1
        for term in fuzzy:
            found.update(self.typos.get(term, ()))
        return found

    def candidates(self, anchor: str, fuzzy: list[str]) -> list[Doc]:
        """The documents the MongoDB lookup would return, most popular first."""
        limit = candidate_limit(fuzzy)
        positions: set[int] = set()
        for word in self._words_holding(anchor, fuzzy):
            positions.update(self.postings[word])
        docs = [self.docs[i] for i in heapq.nsmallest(limit + len(self.changed), positions)]
        if self.changed:
            wanted = set(fuzzy)
            docs = [doc for doc in docs if doc.id not in self.changed]
            docs += [doc for doc in self.changed.values()
                     if doc is not None and any(holds(word, anchor, wanted) for word in doc.words)]
            docs.sort(key=lambda doc: doc.order)
        return docs[:limit]

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
        """Every movie and/or person matching all query words, best first (as `search.search` answers)."""
        query_words = words(query)[:8]
        if not query_words:
            return []
        anchor, fuzzy = anchor_terms(query_words)
        found = [(kind, self.shelves[kind].candidates(anchor, fuzzy)) for kind, _ in COLLECTIONS if kind in kinds]
        return rank(query_words, found, limit)
