"""The people of the catalogue index: names, departments and popularity, listed by popularity."""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

from actors.catalogue.columns import narrowest, room_for
from actors.catalogue.shelf import Shelf


class People(Shelf):
    """Every person's list fields, by position."""

    kind = "person"
    label = "name"

    def __init__(self) -> None:
        self.departments: dict[str | None, int] = {}
        self.department_names: list[str | None] = []
        self._codes = array("i")
        super().__init__()

    def collect(self, doc: dict[str, Any]) -> None:
        """Read a person's department while building."""
        self._codes.append(self._department(doc.get("known_for_department")))

    def _department(self, value: Any) -> int:
        name = value if isinstance(value, str) else None
        code = self.departments.get(name)
        if code is None:
            code = self.departments[name] = len(self.department_names)
            self.department_names.append(name)
        return code

    def columns(self) -> None:
        """The department column and the popularity order."""
        self.codes = narrowest(np.frombuffer(self._codes, dtype=np.int32))
        del self._codes
        self.resort({"*"})

    def grow(self, extra: int) -> None:
        """Room for new people at the end."""
        super().grow(extra)
        self.codes = np.concatenate([self.codes, np.zeros(extra, dtype=self.codes.dtype)])

    def write(self, position: int, doc: dict[str, Any]) -> set[str]:
        """Take a person's current fields."""
        changed = super().write(position, doc)
        code = self._department(doc.get("known_for_department"))
        self.codes = room_for(self.codes, code)
        self.codes[position] = code
        return changed

    def resort(self, columns: set[str]) -> None:
        """Recompute the popularity order."""
        if columns:
            self.order = self.order_of(self.popularity)

    def page(self, query_words: tuple[str, ...], skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many people match, one page of them by popularity), as stores/mongo/people.py lists them."""
        mask = self.matching(query_words) if query_words else self.alive
        count, positions = self.page_by(mask, self.popularity, self.order, True, skip, limit)
        return count, self.summaries(positions)

    def summaries(self, positions: list[int]) -> list[dict[str, Any]]:
        """The people's list entries, column by column."""
        at = np.asarray(positions, dtype=np.intp)
        departments = self.department_names
        return [{"id": person_id, "name": name or None, "known_for_department": departments[code],
                 "popularity": popularity}
                for name, person_id, code, popularity in zip(self.names.take(positions), self.ids[at].tolist(),
                                                             self.codes[at].tolist(), self.popularity.plain(at),
                                                             strict=True)]

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, roughly."""
        arrays = (self.ids, self.alive, self.popularity, self.codes, *(() if self.order is None else (self.order,)))
        return sum(a.nbytes for a in arrays) + self.names.nbytes + self.words.nbytes
