"""Compact per-document storage for the catalogue index: strings in one blob, postings in CSR form.

Python objects cost about 50 bytes each; a million films would need hundreds of megabytes
as dicts and strings. Here a document is a position, strings live in one UTF-8 blob with
an offset per position, and "which documents hold key k" is one run of a positions array
(compressed sparse rows). Documents changed after the build are kept in small overlays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

Positions = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]


class Texts:
    """One string per position: a blob and offsets, filled by `add`, with later changes in an overlay."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.offsets = array("I", [0])  # 4 bytes a position: blobs up to 4 GiB
        self.changed: dict[int, str] = {}

    def add(self, value: str) -> None:
        """Append the next position's string."""
        self.blob += value.encode()
        self.offsets.append(len(self.blob))

    def __getitem__(self, position: int) -> str:
        found = self.changed.get(position)
        if found is not None or position >= len(self.offsets) - 1:
            return found or ""
        return self.blob[self.offsets[position] : self.offsets[position + 1]].decode()

    def set(self, position: int, value: str) -> None:
        """Take a new value for one position."""
        self.changed[position] = value

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        return len(self.blob) + self.offsets.itemsize * len(self.offsets)


def grouped(keys: npt.NDArray[np.int32], positions: npt.NDArray[np.int32],
            n_keys: int) -> tuple[Positions, npt.NDArray[np.int64]]:
    """Positions grouped by key, ascending within a key, and where each key's run starts (CSR)."""
    order = np.argsort(keys, kind="stable")
    offsets = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=offsets[1:])
    return positions[order].astype(np.int32), offsets


class Overlay:
    """Positions whose keys changed after the build: `stale` marks built positions to skip in the
    built postings; `changed` holds the current keys of those and of positions added since."""

    stale: Mask
    changed: dict[int, Any]

    def keep(self, position: int, held: Any, as_built: bool) -> None:
        """Take a position's current keys (`as_built`: the ones it was built with, so nothing is kept)."""
        if as_built:
            self.forget(position)
            return
        if position < len(self.stale):
            self.stale[position] = True
        self.changed[position] = held

    def forget(self, position: int) -> None:
        """Keep nothing apart for a position (it is gone, or back to what it was built with)."""
        self.changed.pop(position, None)
        if position < len(self.stale):
            self.stale[position] = False


def digest(keys: Iterable[int]) -> int:
    """A fingerprint of a set of keys."""
    return hash(tuple(sorted(keys)))


class Postings(Overlay):
    """For each key (an int), the positions holding it, filled by `add`; positions changed later are kept apart."""

    def __init__(self) -> None:
        self._values, self._counts, self._digests = array("i"), array("i"), array("q")

    def add(self, keys: Iterable[int]) -> None:
        """Take the next position's keys (before `finish`)."""
        row = sorted(set(keys))
        self._values.extend(row)
        self._counts.append(len(row))
        self._digests.append(digest(row))

    def finish(self) -> Postings:
        """Group the positions by key; returns the postings."""
        values = np.frombuffer(self._values, dtype=np.int32)
        counts = np.frombuffer(self._counts, dtype=np.int32)
        owners = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        self.keys, dense = np.unique(values, return_inverse=True)
        self.positions, self.offsets = grouped(dense.astype(np.int32), owners, len(self.keys))
        self.stale = np.zeros(len(counts), dtype=np.bool_)
        self.changed: dict[int, frozenset[int]] = {}
        self.digests = np.frombuffer(self._digests, dtype=np.int64).copy()
        del self._values, self._counts, self._digests
        return self

    def mark(self, mask: Mask, key: int) -> None:
        """Set `mask` at every position holding the key."""
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and self.keys[at] == key:
            run = self.positions[self.offsets[at] : self.offsets[at + 1]]
            mask[run] = True
            if self.changed:
                mask[run[self.stale[run]]] = False
        for position, held in self.changed.items():
            if key in held:
                mask[position] = True

    def set(self, position: int, keys: Iterable[int]) -> None:
        """Take a position's current keys."""
        held = frozenset(keys)
        built = position < len(self.stale)
        self.keep(position, held, bool(self.digests[position] == digest(held)) if built else not held)

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        return sum(a.nbytes for a in (self.keys, self.positions, self.offsets, self.stale, self.digests))
