"""The base of the query-string and JSON-body validators: read field by field, collect every problem, raise once.

A reader records each problem against the field it concerns (`fail`) and goes on, so one answer
names every bad field; `done` raises the reader's problem class with all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from errors import Invalid


class Fields:
    """Named values read one by one; problems are collected per field, then raised as one problem."""

    problem: ClassVar[type[Invalid]] = Invalid
    summary: ClassVar[str] = "Invalid fields"
    unknown: ClassVar[str] = "Unknown field"

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, why: str) -> None:
        """Record a problem with one field."""
        self.errors.setdefault(name, []).append(why)

    def refuse_unknown(self, name: str, allowed: Iterable[str]) -> None:
        """Record that a field is not one of the allowed ones (listed in the order given)."""
        self.fail(name, f"{self.unknown}; allowed: {', '.join(allowed)}.")

    def done(self) -> None:
        """Raise the problem naming every bad field, if any."""
        if self.errors:
            raise self.problem(f"{self.summary}: {', '.join(sorted(self.errors))}.", errors=self.errors)
