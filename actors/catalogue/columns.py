"""Compact per-document storage for the catalogue index: strings in one blob, postings in CSR form.

Python objects cost about 50 bytes each; a million films would need hundreds of megabytes
as dicts and strings. Here a document is a position, strings live in one UTF-8 blob with
an offset per position, and "which documents hold key k" is one run of a positions array
(compressed sparse rows). Documents changed after the build are kept in small overlays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

Positions = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]


class Texts:
    """One string per position: a blob and offsets, filled by `add`, with later changes in an overlay."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.offsets = array("q", [0])
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


def flatten(rows: Sequence[Sequence[int]]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """(values, the position of each value) of a list of rows."""
    values, owners = array("i"), array("i")
    for position, row in enumerate(rows):
        values.extend(row)
        owners.extend([position] * len(row))
    return np.frombuffer(values, dtype=np.int32), np.frombuffer(owners, dtype=np.int32)


def digest(keys: Iterable[int]) -> int:
    """A fingerprint of a set of keys."""
    return hash(tuple(sorted(keys)))


class Postings:
    """For each key (an int), the positions holding it; positions changed later are kept apart.

    `stale` marks built positions whose keys changed; their current keys are in `changed`
    (as are those of positions added after the build).
    """

    def __init__(self, rows: Sequence[Sequence[int]]) -> None:
        values, owners = flatten(rows)
        self.keys, dense = np.unique(values, return_inverse=True)
        self.positions, self.offsets = grouped(dense.astype(np.int32), owners, len(self.keys))
        self.stale = np.zeros(len(rows), dtype=np.bool_)
        self.changed: dict[int, frozenset[int]] = {}
        self.digests = np.fromiter((digest(row) for row in rows), dtype=np.int64, count=len(rows))

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
        """Take a position's current keys (nothing is kept when they are the ones it was built with)."""
        held = frozenset(keys)
        if (self.digests[position] == digest(held)) if position < len(self.stale) else not held:
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

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        return sum(a.nbytes for a in (self.keys, self.positions, self.offsets, self.stale, self.digests))
