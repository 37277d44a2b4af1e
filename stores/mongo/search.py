"""Search over movie titles and people's names: exact beats prefix beats one-typo, then popularity.

Candidates come from one indexed `$in` lookup per collection (the `tokens` terms of textfold.py) of
the query's longest word's own term and its `~` terms; every query word is then checked
against each candidate's words. Movies and people are looked up concurrently.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any, NamedTuple

import textfold
from stores.mongo.database import Database
from textfold import fuzzy, fuzzy_terms

EXACT, PREFIX, FUZZY = 3, 2, 1
PER_TERM = 400
FIELDS = {"movies": {"title": 1, "year": 1, "words": 1, "popularity": 1},
          "people": {"name": 1, "words": 1, "popularity": 1}}
COLLECTIONS = (("movie", "movies"), ("person", "people"))


class Doc(NamedTuple):
    """What search reads of a film or person."""

    id: int
    label: str
    year: int | None
    words: tuple[str, ...]
    popularity: float

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Doc:
        """The search fields of a movie or person document (projected with FIELDS)."""
        return cls(doc["_id"], doc.get("title") or doc.get("name") or "", doc.get("year"),
                   tuple(map(sys.intern, doc.get("words") or ())), float(doc.get("popularity") or 0))


@dataclass(frozen=True)
class Hit:
    """One search result with its match quality."""

    kind: str
    id: int
    label: str
    year: int | None
    quality: float
    popularity: float

    def public(self) -> dict[str, Any]:
        """The result as the API shows it."""
        found: dict[str, Any] = {"type": self.kind, "id": self.id}
        found["title" if self.kind == "movie" else "name"] = self.label
        if self.kind == "movie":
            found["year"] = self.year
        found["score"] = round(self.quality + min(self.popularity, 999.0) / 1000, 4)
        return found


def one_edit(a: str, b: str) -> bool:
    """Whether two different words are one insert, delete, substitution or adjacent swap apart."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def match(query_word: str, doc_words: tuple[str, ...], last: bool) -> int:
    """How well one query word matches a document: exact, prefix (the last word only), one typo, or 0."""
    if query_word in doc_words:
        return EXACT
    if last and any(w.startswith(query_word) for w in doc_words):
        return PREFIX
    if fuzzy(query_word) and any(fuzzy(w) and one_edit(query_word, w) for w in doc_words):
        return FUZZY
    return 0


def anchor_terms(query_words: list[str]) -> tuple[str, list[str]]:
    """The query word to fetch candidates by (the longest) and its `~` terms (which find its typos)."""
    anchor = max(query_words, key=len)
    return anchor, sorted(fuzzy_terms(anchor))


def candidate_limit(fuzzy: list[str]) -> int:
    """How many of the most popular documents holding a query's terms are ranked."""
    return PER_TERM * (1 + len(fuzzy))


async def _candidates(db: Database, collection: str, anchor: str, fuzzy: list[str]) -> list[Doc]:
    """The most popular documents holding the anchor (as a word or a prefix) or one of its `~` terms.

    One indexed `$in` query. (A document matching the anchor exactly also holds its `~anchor`
    term, so asking per term would fetch it twice.)
    """
    cursor = db[collection].find({"tokens": {"$in": [anchor, *fuzzy]}}, FIELDS[collection])
    cursor = cursor.sort([("popularity", -1)]).limit(candidate_limit(fuzzy))
    return [Doc.of(doc) async for doc in cursor]


def rank(query_words: list[str], found: list[tuple[str, list[Doc]]], limit: int = 1000) -> list[Hit]:
    """The candidates (per kind) matching every query word, best first.

    The anchor (which every candidate holds in some form) is checked last, so most candidates
    are turned away by a word that does not match at all.
    """
    hits: list[Hit] = []
    last = len(query_words) - 1
    anchor = query_words.index(max(query_words, key=len))
    order = [(i == last, w) for i, w in enumerate(query_words) if i != anchor]
    order.append((anchor == last, query_words[anchor]))
    for kind, candidates in found:
        for doc in candidates:
            total = 0
            for is_last, word in order:
                quality = match(word, doc.words, is_last)
                if not quality:
                    break
                total += quality
            else:
                hits.append(Hit(kind, doc.id, doc.label, doc.year, total / len(order), doc.popularity))
    hits.sort(key=lambda h: (-h.quality, -h.popularity, h.kind, h.id))
    return hits[:limit]


async def search(db: Database, query: str, kinds: tuple[str, ...], limit: int = 1000) -> list[Hit]:
    """Every movie and/or person matching all query words, best first, looked up in MongoDB."""
    query_words = textfold.query_words(query)
    if not query_words:
        return []
    anchor, fuzzy = anchor_terms(query_words)
    wanted = [(kind, collection) for kind, collection in COLLECTIONS if kind in kinds]
    found = await asyncio.gather(*(_candidates(db, collection, anchor, fuzzy) for _, collection in wanted))
    return rank(query_words, [(kind, docs) for (kind, _), docs in zip(wanted, found, strict=True)], limit)
