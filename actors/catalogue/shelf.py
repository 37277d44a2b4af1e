"""What films and people have in common in the index: ids, positions, names, words and changes."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from actors.catalogue.columns import Column, Mask, Texts, compact_ids, room_for
from actors.catalogue.words import WordIndex
from stores.mongo.search import Doc

Floats = npt.NDArray[np.floating[Any]]


def number(value: Any) -> float:
    """A stored number as a float; NaN for null, missing or not a number (MongoDB's null sorts lowest)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value)


def plain(value: float, integer: bool = False) -> Any:
    """A column value as the API shows it: None for NaN, an int where the field is whole."""
    if value != value:  # NaN
        return None
    return int(value) if integer else float(value)


def descending_order(values: Floats, ids: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int32]:
    """Positions by value descending (null last), ties by id ascending: a descending index's walk."""
    key = np.where(np.isnan(values), -np.inf, values)
    return np.lexsort((ids, -key)).astype(np.int32)


SELECTIVE = 8  # a mask selecting fewer than 1 in this many positions is paged through the order's ranks


def page_of(mask: Mask, order: npt.NDArray[np.int32], forward: bool, skip: int, limit: int,
            ranks: npt.NDArray[np.int32] | None = None) -> tuple[int, list[int]]:
    """(how many positions the mask selects, the positions of one page in `order`, walked either way).

    With `ranks` (each position's place in `order`) a selective mask is paged from the ranks of the positions
    it selects, instead of walking the whole order."""
    if ranks is not None:
        selected = np.flatnonzero(mask)
        count = len(selected)
        if count * SELECTIVE < len(mask):
            return count, order[_ranks_page(ranks[selected], forward, skip, limit)].tolist()
    where = np.flatnonzero(mask[order])
    count = len(where)
    if skip >= count:
        return count, []
    chosen = where[skip : skip + limit] if forward else where[max(count - skip - limit, 0) : count - skip][::-1]
    return count, order[chosen].tolist()


def _ranks_page(held: npt.NDArray[np.int32], forward: bool, skip: int, limit: int) -> npt.NDArray[np.int32]:
    """The ranks of one page among these (unordered) ranks, walked up (`forward`) or down."""
    count = len(held)
    want = min(skip + limit, count)
    if skip >= count:
        return held[:0]
    if forward:
        lowest = held if want == count else np.partition(held, want - 1)[:want]
        return np.sort(lowest)[skip:want]
    highest = held if want == count else np.partition(held, count - want)[count - want :]
    return np.sort(highest)[::-1][skip:want]


def counted_page(mask: Mask, column: Column, by_id: npt.NDArray[np.int32] | None, forward: bool, skip: int,
                 limit: int) -> tuple[int, list[int]]:
    """`page_of` for a counted (16-bit) column, in the same order as `descending_order`'s walk: the
    selected values are counted, the page's span of values found from the counts, and only the
    positions within that span are sorted (a stable radix sort). `by_id`: positions in id order, or
    None when positions already are."""
    codes = column.values
    held = codes[mask]
    count = len(held)
    if skip >= count:
        return count, []
    null = int(column.null if column.null is not None else np.iinfo(codes.dtype).min)
    present = held[held != null]  # the values, counted apart from the nulls: a few hundred bins, not 65,536
    base = int(present.min()) if len(present) else 0
    counts = np.bincount(present.astype(np.int32) - base)
    values = np.flatnonzero(counts)
    walk, walk_counts = values + base, counts[values]  # ascending: null (the lowest) first
    if len(present) < count:
        walk, walk_counts = np.concatenate(([null], walk)), np.concatenate(([count - len(present)], walk_counts))
    if forward:  # forward is descending, null last
        walk, walk_counts = walk[::-1], walk_counts[::-1]
    ends = np.cumsum(walk_counts)
    last = min(skip + limit, count) - 1
    first_at, last_at = (int(i) for i in np.searchsorted(ends, [skip, last], side="right"))
    span = walk[first_at : last_at + 1]
    low, high = span.min(), span.max()
    if by_id is None:  # `held` are the values of the selected positions, in position order
        positions = np.flatnonzero(mask)[(held >= low) & (held <= high)]
    else:
        inside = mask & (codes >= low) & (codes <= high)
        positions = by_id[inside[by_id]]
    positions = positions[::-1]  # ids descending: a stable ascending sort then keeps ties by id descending
    positions = positions[np.argsort(codes[positions], kind="stable")]
    if forward:
        positions = positions[::-1]
    before = int(ends[first_at - 1]) if first_at else 0
    return count, positions[skip - before : skip - before + limit].tolist()


class Shelf:
    """One collection's documents: a position each, in load order, with ids, names and words."""

    kind = ""
    label = ""  # the field that names a document

    def __init__(self) -> None:
        self._ids, self._popularity = array("q"), array("d")
        self.names, self.words = Texts(), WordIndex()
        self._ranks: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = {}  # by sort: (order, ranks)

    def add(self, doc: dict[str, Any]) -> None:
        """Take the next document while building (before `finish`)."""
        self._ids.append(int(doc["_id"]))
        self._popularity.append(number(doc.get("popularity")))
        self.names.add(doc.get(self.label) or "")
        self.words.add(doc.get("words") or ())
        self.collect(doc)

    def finish(self) -> Self:
        """Build the postings, columns and sort orders of what was added; returns the shelf."""
        self.words.finish()
        self.ids = compact_ids(np.frombuffer(self._ids, dtype=np.int64))
        self.popularity = Column(np.frombuffer(self._popularity, dtype=np.float64))
        del self._ids, self._popularity
        self.alive = np.ones(len(self.ids), dtype=np.bool_)
        self._index_ids()
        self.columns()
        return self

    @classmethod
    def of(cls, docs: Iterable[dict[str, Any]]) -> Self:
        """The finished shelf of these documents."""
        shelf = cls()
        for doc in docs:
            shelf.add(doc)
        return shelf.finish()

    def collect(self, doc: dict[str, Any]) -> None:
        """Read a subclass's own fields of the next document (while building)."""

    def columns(self) -> None:
        """Turn what `collect` read into columns and sort orders (after building)."""

    def _index_ids(self) -> None:
        if len(self.ids) < 2 or bool(np.all(self.ids[1:] > self.ids[:-1])):
            self._by_id, self._sorted_ids = None, self.ids  # loaded in id order: positions are the ranks
        else:
            self._by_id = np.argsort(self.ids, kind="stable").astype(np.int32)
            self._sorted_ids = self.ids[self._by_id]

    def _at(self, rank: int) -> int:
        return rank if self._by_id is None else int(self._by_id[rank])

    def __len__(self) -> int:
        return int(self.alive.sum())

    @property
    def size(self) -> int:
        """Positions in use, dead ones included."""
        return len(self.ids)

    def position(self, doc_id: int) -> int | None:
        """The position of a live document, or None."""
        at = int(np.searchsorted(self._sorted_ids, doc_id))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == doc_id:
            found = self._at(at)
            return found if self.alive[found] else None
        return None

    def live_positions(self, doc_ids: list[int]) -> list[int]:
        """The positions of those documents that are live, in the order of the ids given."""
        return [at for at in map(self.position, doc_ids) if at is not None]

    def _slot(self, doc_id: int) -> tuple[int, bool]:
        """The position to write a document into (its own, even if dead), and whether it is new."""
        at = int(np.searchsorted(self._sorted_ids, doc_id))
        if at < len(self._sorted_ids) and self._sorted_ids[at] == doc_id:
            return self._at(at), False
        return self.size, True

    def grow(self, extra: int) -> None:
        """Make room for `extra` new positions at the end (subclasses grow their columns too)."""
        self.ids = np.concatenate([self.ids, np.zeros(extra, dtype=self.ids.dtype)])
        self.alive = np.concatenate([self.alive, np.zeros(extra, dtype=np.bool_)])
        self.popularity.grow(extra)

    def write(self, position: int, doc: dict[str, Any]) -> set[str]:
        """Take a document's current fields at its position; returns which sortable columns changed."""
        changed = set()
        self.ids[position] = int(doc["_id"])
        self.alive[position] = True
        name = doc.get(self.label) or ""
        if self.names[position] != name:
            self.names.set(position, name)
        held = tuple(doc.get("words") or ())
        if self.words.words_of(position) != held:
            self.words.set(position, held)
        popularity = number(doc.get("popularity"))
        if not same(self.popularity[position], popularity):
            self.popularity.set(position, popularity)
            changed.add("popularity")
        return changed

    def apply(self, changes: dict[int, dict[str, Any] | None]) -> None:
        """Take the current versions of changed documents (None: it is gone), then re-sort what moved."""
        touched: set[str] = set()
        new = [doc_id for doc_id, doc in changes.items() if doc is not None and self._slot(doc_id)[1]]
        if new:
            start = self.size
            self.grow(len(new))
            self.ids = room_for(self.ids, max(new))
            self.ids[start:] = new
            self._index_ids()
            touched.add("*")
        for doc_id, doc in changes.items():
            position, _ = self._slot(doc_id)
            if doc is None:
                if position < self.size:
                    self.alive[position] = False
                    self.forget(position)
            else:
                touched |= self.write(position, doc)
        self.resort(touched)

    def forget(self, position: int) -> None:
        """Drop what is kept apart for a position that is gone."""
        self.words.forget(position)

    def resort(self, columns: set[str]) -> None:
        """Recompute the sort orders of the given columns (`*`: all)."""

    def order_of(self, column: Column) -> npt.NDArray[np.int32] | None:
        """The precomputed order of a sortable column (None for a counted one, which needs none)."""
        return None if column.counted else descending_order(column.floats(), self.ids)

    def page_by(self, mask: Mask, column: Column, order: npt.NDArray[np.int32] | None, forward: bool, skip: int,
                limit: int, sort: str = "popularity") -> tuple[int, list[int]]:
        """(how many positions the mask selects, one page of them by the column), walked either way."""
        if order is None:
            return counted_page(mask, column, self._by_id, forward, skip, limit)
        return page_of(mask, order, forward, skip, limit, self.ranks(sort, order))

    def ranks(self, sort: str, order: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """Each position's place in a sort's order, kept until the order is replaced (an order is never
        changed in place)."""
        found = self._ranks.get(sort)
        if found is not None and found[0] is order:
            return found[1]
        ranks = np.empty(len(order), dtype=np.int32)
        ranks[order] = np.arange(len(order), dtype=np.int32)
        self._ranks[sort] = (order, ranks)
        return ranks

    def docs(self, mask: Mask) -> list[Doc]:
        """What ranking reads of the selected documents."""
        return [self.doc(int(p)) for p in np.flatnonzero(mask & self.alive)]

    def doc(self, position: int) -> Doc:
        """What ranking reads of one document."""
        return Doc(int(self.ids[position]), self.names[position], None, self.words.words_of(position),
                   float(np.nan_to_num(self.popularity[position])))

    def matching(self, query_words: tuple[str, ...]) -> Mask:
        """The live documents whose words hold every query word, the last one also as a prefix (a list's `q`)."""
        mask = self.alive.copy()
        *whole, last = query_words
        for word in whole:
            mask &= self.words.exact(self.size, word)
        mask &= self.words.token(self.size, last)
        return mask

    def candidates(self, query_words: list[str]) -> list[Doc]:
        """Every document that can match all search words (`rank` decides which do, and how well)."""
        mask = self.alive.copy()
        for i, word in enumerate(query_words):
            mask &= self.words.holding(self.size, word, i == len(query_words) - 1)
        return self.docs(mask)


def same(a: float, b: float) -> bool:
    """Whether two column values are equal, NaN (null) equal to NaN."""
    return (a != a and b != b) or a == b
