"""The words of every film title or person's name: whole words, prefixes and one-letter typos.

The vocabulary is sorted, so the words sharing a prefix are one run of word ids, and the
postings are stored word by word: a prefix costs one slice. Every word of five letters or
more is also filed under (a 32-bit hash of) each of its `~` terms, the terms the MongoDB
lookup uses (textfold.py), so both find the same near words; a hash
collision only adds a candidate that ranking turns away. Documents whose words change after
the build are kept apart until the next load.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

import numpy as np

from actors.catalogue.columns import Mask, Overlay, Packed, grouped, offsets_of
from textfold import MIN_PREFIX, fuzzy_terms

HASH_MASK = 0xFFFFFFFF


def term_hash(term: str) -> int:
    """The 32-bit hash a `~` term is filed under (stable within one process)."""
    return hash(term) & HASH_MASK


class Vocabulary:
    """Sorted distinct words in one blob, found by binary search."""

    def __init__(self, words: Sequence[str]) -> None:
        self.blob = "".join(words).encode()
        self._starts = array("I", [0])
        total = 0
        for word in words:
            total += len(word)
            self._starts.append(total)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, word_id: int) -> str:
        return self.blob[self._starts[word_id] : self._starts[word_id + 1]].decode()

    def lower_bound(self, word: str) -> int:
        """The id of the first word not below `word`."""
        target, starts, blob = word.encode(), self._starts, self.blob
        low, high = 0, len(starts) - 1
        while low < high:
            mid = (low + high) // 2
            if blob[starts[mid] : starts[mid + 1]] < target:
                low = mid + 1
            else:
                high = mid
        return low

    def find(self, word: str) -> int:
        """The id of the word, or -1."""
        at = self.lower_bound(word)
        return at if at < len(self) and self[at] == word else -1

    def prefixed(self, prefix: str) -> tuple[int, int]:
        """The run [first, end) of word ids that start with the prefix."""
        return self.lower_bound(prefix), self.lower_bound(prefix + "\x7f")


class WordIndex(Overlay):
    """Which positions hold which words, built from each document's folded words."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._occurrences, self._owners, self._counts = array("i"), array("i"), array("i")

    def add(self, words: Sequence[str]) -> None:
        """Take the next position's words (before `finish`)."""
        ids, occurrences = self._ids, self._occurrences
        for word in words:
            word_id = ids.get(word)
            if word_id is None:
                word_id = ids[word] = len(ids)
            occurrences.append(word_id)
        self._owners.extend([len(self._counts)] * len(words))
        self._counts.append(len(words))

    def finish(self) -> WordIndex:
        """Sort the vocabulary and build the postings and the typo index; returns the index."""
        ids = self._ids
        vocabulary = sorted(ids)
        rank = np.empty(len(ids), dtype=np.int32)
        rank[np.fromiter((ids[w] for w in vocabulary), dtype=np.int32, count=len(ids))] = np.arange(
            len(ids), dtype=np.int32)
        self.vocabulary = Vocabulary(vocabulary)
        doc_words = rank[np.frombuffer(self._occurrences, dtype=np.int32)]
        self.doc_offsets = offsets_of(np.frombuffer(self._counts, dtype=np.int32))
        self.positions, self.offsets = grouped(doc_words, np.frombuffer(self._owners, dtype=np.int32),
                                               len(vocabulary))
        self.doc_words = Packed(doc_words)
        hashes, near = array("I"), array("i")
        for word_id, word in enumerate(vocabulary):
            for term in fuzzy_terms(word):
                hashes.append(term_hash(term))
                near.append(word_id)
        by_hash = np.argsort(np.frombuffer(hashes, dtype=np.uint32), kind="stable")
        self.typo_hashes = np.frombuffer(hashes, dtype=np.uint32)[by_hash]
        self.typo_words = np.frombuffer(near, dtype=np.int32)[by_hash]
        self.built = len(self._counts)
        self.changed: dict[int, tuple[str, ...]] = {}
        del self._ids, self._occurrences, self._owners, self._counts
        return self

    def words_of(self, position: int) -> tuple[str, ...]:
        """A document's words."""
        found = self.changed.get(position)
        if found is not None or position >= self.built:
            return found or ()
        return self._built(position)

    def _built(self, position: int) -> tuple[str, ...]:
        run = self.doc_words[self.doc_offsets[position] : self.doc_offsets[position + 1]]
        return tuple(self.vocabulary[int(w)] for w in run)

    def set(self, position: int, words: Sequence[str]) -> None:
        """Take a document's current words."""
        held = tuple(words)
        self.keep(position, held, position < self.built and self._built(position) == held)

    def _mark_runs(self, mask: Mask, first: int, end: int) -> None:
        if first < end:
            mask[self.positions[self.offsets[first] : self.offsets[end]]] = True

    def _lookup(self, size: int, runs: list[tuple[int, int]], holds: Callable[[tuple[str, ...]], bool]) -> Mask:
        """A mask over `size` positions: the base postings of the word-id runs, then the changed documents."""
        mask = np.zeros(size, dtype=np.bool_)
        for first, end in runs:
            self._mark_runs(mask, first, end)
        for position, words in self.changed.items():
            mask[position] = holds(words)
        return mask

    def _run(self, word: str) -> list[tuple[int, int]]:
        word_id = self.vocabulary.find(word)
        return [(word_id, word_id + 1)] if word_id >= 0 else []

    def exact(self, size: int, word: str) -> Mask:
        """The documents holding the word."""
        return self._lookup(size, self._run(word), lambda words: word in words)

    def prefixed(self, size: int, prefix: str) -> Mask:
        """The documents holding a word that starts with the prefix (the word itself included)."""
        return self._lookup(size, [self.vocabulary.prefixed(prefix)],
                            lambda words: any(w.startswith(prefix) for w in words))

    def token(self, size: int, last: str) -> Mask:
        """The documents holding `last` as a search token: the word, or a prefix of two letters or more."""
        return self.prefixed(size, last) if len(last) >= MIN_PREFIX else self.exact(size, last)

    def holding(self, size: int, word: str, last: bool) -> Mask:
        """What a search word can match: the word, a word it starts (if last), or a word one typo away."""
        terms = fuzzy_terms(word)
        near: set[int] = set()
        for term in terms:
            key = term_hash(term)
            first, end = np.searchsorted(self.typo_hashes, [key, key + 1])
            near.update(self.typo_words[first:end].tolist())
        runs = [(w, w + 1) for w in sorted(near)] + self._run(word)
        if last:
            runs.append(self.vocabulary.prefixed(word))

        def holds(words: tuple[str, ...]) -> bool:
            return word in words or (last and any(w.startswith(word) for w in words)) or any(
                terms & fuzzy_terms(w) for w in words)

        return self._lookup(size, runs, holds)

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        arrays = (self.doc_words, self.doc_offsets, self.positions, self.offsets,
                  self.typo_hashes, self.typo_words)
        vocabulary = len(self.vocabulary.blob) + self.vocabulary._starts.itemsize * len(self.vocabulary._starts)
        return vocabulary + sum(a.nbytes for a in arrays)
