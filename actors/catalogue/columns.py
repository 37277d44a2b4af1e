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

    def take(self, positions: list[int]) -> list[str]:
        """The strings of these positions."""
        if self.changed:
            return [self[p] for p in positions]
        blob, offsets, end = self.blob, self.offsets, len(self.offsets) - 1
        return [blob[offsets[p] : offsets[p + 1]].decode() if p < end else "" for p in positions]

    def set(self, position: int, value: str) -> None:
        """Take a new value for one position."""
        self.changed[position] = value

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        return len(self.blob) + self.offsets.itemsize * len(self.offsets)


def offsets_of(counts: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.integer[Any]]:
    """Where each run starts, for runs of these lengths (CSR offsets): 4 bytes each while they fit."""
    total = int(counts.sum(dtype=np.int64))
    offsets: npt.NDArray[np.integer[Any]] = np.zeros(len(counts) + 1, dtype=np.int32 if total < 2**31 else np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


class Packed:
    """A fixed array of non-negative integers below 2**24 in three bytes each (a million films' positions
    need 20 bits), read back by slices as 32-bit integers; larger ones are kept in four bytes."""

    def __init__(self, values: npt.NDArray[np.integer[Any]]) -> None:
        self.wide: npt.NDArray[np.int32] | None = None
        if len(values) and (int(values.min()) < 0 or int(values.max()) >= 2**24):
            self.wide = values.astype(np.int32)
        self.bytes = np.ascontiguousarray(values.astype("<u4").view(np.uint8).reshape(-1, 4)[:, :3])

    def __len__(self) -> int:
        return len(self.bytes)

    def __getitem__(self, part: slice) -> npt.NDArray[np.integer[Any]]:
        if self.wide is not None:
            return self.wide[part]
        chunk = self.bytes[part]
        whole = np.zeros((len(chunk), 4), dtype=np.uint8)
        whole[:, :3] = chunk
        return whole.view("<u4").ravel()

    @property
    def nbytes(self) -> int:
        """Memory held."""
        return int(self.bytes.nbytes if self.wide is None else self.wide.nbytes)


def grouped(keys: npt.NDArray[np.int32], positions: npt.NDArray[np.int32],
            n_keys: int) -> tuple[Packed, npt.NDArray[np.integer[Any]]]:
    """Positions grouped by key, ascending within a key, and where each key's run starts (CSR)."""
    order = np.argsort(keys, kind="stable")
    return Packed(positions[order]), offsets_of(np.bincount(keys, minlength=n_keys))


def narrowest(values: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.integer[Any]]:
    """Small non-negative codes in the narrowest integer type that holds them."""
    top = int(values.max()) if len(values) else 0
    return values.astype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int32)


def compact_ids(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.integer[Any]]:
    """Document ids in 4 bytes each when they all fit (TMDB's do), else in 8."""
    if len(ids) == 0 or (int(ids.min()) >= -(2**31) and int(ids.max()) < 2**31):
        return ids.astype(np.int32)
    return ids.copy()


def room_for(column: npt.NDArray[Any], value: int) -> npt.NDArray[Any]:
    """The integer column, widened when `value` does not fit its type (to 32, then 64 bits)."""
    if np.can_cast(np.min_scalar_type(value), column.dtype, "safe"):
        return column
    return column.astype(np.int32 if abs(value) < 2**31 else np.int64)


INTEGERS = (np.int16, np.int32)  # the types a column of decimals may take, narrowest first
SCALES = (1, 10, 100, 1000)  # whole numbers, then tenths, hundredths, thousandths (a rating, a popularity)


class Column:
    """One number per position, null as NaN. Numbers with at most three decimals are held as integers
    of their smallest unit (a 7.3 rating as 73 tenths) in the narrowest type that holds them, its lowest
    value standing for null; anything else as 64-bit floats. Exact either way (a held value reads back
    as the very same float), and a value the type cannot hold widens the column.

    A column held in 16 bits is `counted`: it sorts by counting its values (`counted_page`), with no
    precomputed order."""

    values: npt.NDArray[Any]
    null: int | None  # the value standing for null (None: floats, with NaN)
    scale: int  # held value = number x scale

    def __init__(self, values: npt.NDArray[np.float64]) -> None:
        self._choose(values)

    def _choose(self, values: npt.NDArray[np.float64]) -> None:
        """Hold these values in the narrowest exact form."""
        self.values, self.null, self.scale = values, None, 1
        finite = values[~np.isnan(values)]
        for kind in INTEGERS:
            info = np.iinfo(kind)
            for scale in SCALES:
                units = np.round(finite * scale)
                if len(finite) and not (info.min < units.min() and units.max() <= info.max):
                    continue
                if np.array_equal(units / scale, finite):
                    held = np.where(np.isnan(values), info.min, np.round(values * scale))
                    self.values, self.null, self.scale = held.astype(kind), int(info.min), scale
                    return

    @property
    def counted(self) -> bool:
        """Whether the column sorts by counting (16-bit values)."""
        return self.values.dtype == np.int16

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, position: int) -> float:
        value = self.values[position]
        if self.null is None:
            return float(value)
        return float("nan") if value == self.null else int(value) / self.scale

    def plain(self, positions: npt.NDArray[np.intp], integer: bool = False) -> list[Any]:
        """The values at these positions as the API shows them, as `shelf.plain` shows one: None for null, an
        int where the field is whole (read in one go: a page's worth costs about what one value does)."""
        held = self.values[positions]
        if self.null is None:
            nulls = np.isnan(held)
            values = held.astype(np.float64)
        else:
            nulls = held == self.null
            values = held / self.scale
        shown = np.where(nulls, 0, values).astype(np.int64).tolist() if integer else values.tolist()
        return [None if null else value for value, null in zip(shown, nulls.tolist(), strict=True)]

    def present(self) -> Mask:
        """The positions that hold a value (not null)."""
        return ~np.isnan(self.values) if self.null is None else self.values != self.null

    def floats(self) -> npt.NDArray[np.float64]:
        """Every value as a float, NaN for null."""
        if self.null is None:
            return self.values.astype(np.float64)
        return np.where(self.values == self.null, np.nan, self.values / self.scale)

    def _units(self, value: float) -> int | None:
        """The value in the column's units, if the column holds it exactly (NaN: the null)."""
        if self.null is None:
            return None
        if value != value:
            return self.null
        info, units = np.iinfo(self.values.dtype), round(value * self.scale)
        return units if units / self.scale == value and info.min < units <= info.max else None

    def set(self, position: int, value: float) -> None:
        """Take one position's value (NaN: null), widening the column if its type cannot hold it."""
        units = self._units(value)
        if units is not None:
            self.values[position] = units
        elif self.null is None:
            self.values[position] = value
        else:
            floats = self.floats()
            floats[position] = value
            self._choose(floats)

    def grow(self, extra: int) -> None:
        """Room for `extra` null positions at the end."""
        tail = np.full(extra, np.nan if self.null is None else self.null, dtype=self.values.dtype)
        self.values = np.concatenate([self.values, tail])

    def within(self, low: float | None, high: float | None) -> Mask | None:
        """The positions whose value is within [low, high] (null never is); None when neither is given."""
        if low is None and high is None:
            return None
        values, mask = self.values, None
        if self.null is not None:
            info = np.iinfo(values.dtype)
            mask = values != self.null
            if self.scale != 1:
                values = values / self.scale  # the very floats held, compared as MongoDB compares them
            else:
                low = None if low is None else max(low, info.min)
                high = None if high is None else min(high, info.max)
        for bound, keep in ((low, values.__ge__), (high, values.__le__)):
            if bound is not None:
                passing = keep(bound)
                mask = passing if mask is None else mask & passing
        return mask

    @property
    def nbytes(self) -> int:
        """Memory held."""
        return int(self.values.nbytes)


class Overlay:
    """Positions whose keys changed after the build: `changed` holds their current keys (and those of
    positions added since), which win over what the built postings say of them; the first `built`
    positions are the ones the postings were built from."""

    built: int
    changed: dict[int, Any]

    def keep(self, position: int, held: Any, as_built: bool) -> None:
        """Take a position's current keys (`as_built`: the ones it was built with, so nothing is kept)."""
        if as_built:
            self.forget(position)
        else:
            self.changed[position] = held

    def forget(self, position: int) -> None:
        """Keep nothing apart for a position (it is gone, or back to what it was built with)."""
        self.changed.pop(position, None)


class Postings(Overlay):
    """For each key (an int), the positions holding it, filled by `add`; positions changed later are kept apart."""

    def __init__(self) -> None:
        self._values, self._counts = array("i"), array("i")

    def add(self, keys: Iterable[int]) -> None:
        """Take the next position's keys (before `finish`)."""
        row = sorted(set(keys))
        self._values.extend(row)
        self._counts.append(len(row))

    def finish(self) -> Postings:
        """Group the positions by key; returns the postings."""
        values = np.frombuffer(self._values, dtype=np.int32)
        counts = np.frombuffer(self._counts, dtype=np.int32)
        owners = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        self.keys, dense = np.unique(values, return_inverse=True)
        self.keys = self.keys.astype(np.int32)
        self.positions, self.offsets = grouped(dense.astype(np.int32), owners, len(self.keys))
        self.counts = narrowest(counts)
        self.built = len(counts)
        self.changed: dict[int, frozenset[int]] = {}
        del self._values, self._counts
        return self

    def _run(self, key: int) -> npt.NDArray[np.integer[Any]]:
        at = int(np.searchsorted(self.keys, key))
        if at < len(self.keys) and self.keys[at] == key:
            return self.positions[self.offsets[at] : self.offsets[at + 1]]
        return self.positions[0:0]

    def mark(self, mask: Mask, key: int) -> None:
        """Set `mask` at every position holding the key."""
        mask[self._run(key)] = True
        for position, held in self.changed.items():
            mask[position] = key in held

    def built_with(self, position: int, keys: frozenset[int]) -> bool:
        """Whether a built position was built with exactly these keys (its count, and each key's run holds it)."""
        if len(keys) != int(self.counts[position]):
            return False
        for key in keys:
            run = self._run(key)
            at = int(np.searchsorted(run, position))
            if at >= len(run) or run[at] != position:
                return False
        return True

    def set(self, position: int, keys: Iterable[int]) -> None:
        """Take a position's current keys."""
        held = frozenset(keys)
        self.keep(position, held, self.built_with(position, held) if position < self.built else not held)

    @property
    def nbytes(self) -> int:
        """Memory held, roughly."""
        return sum(a.nbytes for a in (self.keys, self.positions, self.offsets, self.counts))
