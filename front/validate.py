"""Validation of JSON bodies: strict types, lengths and formats; problems collected per field (422)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from errors import Unprocessable
from front.fields import Fields

USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,30}")
EMAIL = re.compile(r"[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Body(Fields):
    """A JSON object read field by field; problems are collected, then raised as one 422."""

    problem = Unprocessable

    def __init__(self, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
        super().__init__()
        self.data = data
        for name in data:
            if name not in allowed:
                self.refuse_unknown(name, allowed)

    def has(self, name: str) -> bool:
        """Whether the field was sent."""
        return name in self.data

    def text(self, name: str, *, required: bool = False, min_length: int = 0, max_length: int = 200,
             strip: bool = True) -> str | None:
        """A string without NUL or control characters (newlines and tabs allowed)."""
        if name not in self.data:
            if required:
                self.fail(name, "This field is required.")
            return None
        value = self.data[name]
        if not isinstance(value, str):
            self.fail(name, "Must be a string.")
            return None
        if len(value) > max_length:
            self.fail(name, f"Must be {min_length} to {max_length} characters long.")
            return None
        if strip:
            value = value.strip()
        if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
            self.fail(name, "Must not contain control characters.")
            return None
        if not min_length <= len(value) <= max_length:
            self.fail(name, f"Must be {min_length} to {max_length} characters long.")
            return None
        return value

    def integer(self, name: str, *, required: bool = False, low: int, high: int) -> int | None:
        """An integer (not a boolean, not a float, not a string) within [low, high]."""
        if name not in self.data:
            if required:
                self.fail(name, "This field is required.")
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "Must be an integer.")
            return None
        if not low <= value <= high:
            self.fail(name, f"Must be between {low} and {high}.")
            return None
        return value

    def email(self, name: str, *, required: bool = False) -> str | None:
        """An email address."""
        value = self.text(name, required=required, min_length=3, max_length=254)
        if value is not None and not EMAIL.fullmatch(value):
            self.fail(name, "Must be an email address.")
            return None
        return value

    def username(self, name: str) -> str | None:
        """3 to 30 letters, digits, `_`, `.` or `-`."""
        value = self.text(name, required=True, max_length=100)
        if value is not None and not USERNAME.fullmatch(value):
            self.fail(name, "Use 3 to 30 letters, digits, '_', '.' or '-'.")
            return None
        return value

    def password(self, name: str, *, required: bool = True, not_like: str | None = None) -> str | None:
        """At least 8 characters, at most 256, and not the username."""
        value = self.text(name, required=required, min_length=8, max_length=256, strip=False)
        if value is not None and not_like is not None and value.casefold() == not_like.casefold():
            self.fail(name, "Must not be the username.")
            return None
        return value

    def url(self, name: str) -> str | None:
        """An http or https URL (or null)."""
        if self.data.get(name, "") is None:
            return None
        value = self.text(name, max_length=500)
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.fail(name, "Must be an http or https URL.")
                return None
        return value

    def int_list(self, name: str, *, max_items: int, low: int = 1, high: int = 2**53) -> list[int] | None:
        """A list of distinct integers, each within [low, high] (ids: positive, and small enough for every store)."""
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, list) or len(value) > max_items or any(
            isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high for v in value
        ):
            self.fail(name, f"Must be a list of at most {max_items} integers from {low} to {high}.")
            return None
        return sorted(set(value))

    def boolean(self, name: str) -> bool | None:
        """true or false (not 0, 1 or a string), or None when absent."""
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            self.fail(name, "Must be true or false.")
            return None
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A calendar date written YYYY-MM-DD."""
        value = self.text(name, required=required, max_length=10, strip=False)
        if value is None:
            return None
        try:
            if not DAY.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, "Must be a date written YYYY-MM-DD.")
            return None
