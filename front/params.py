"""Strict query-parameter parsing: typed values or a 400 problem naming each bad field."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sanic import Request

from front import numbers
from front.fields import Fields

PAGING = ("page", "page_size")
MAX_PATH_ID = 10**18 - 1
PATH_ID = re.compile(r"[1-9][0-9]{0,17}")
PATH_ID_PATTERN = f"^{PATH_ID.pattern}$"


def path_id(segment: str) -> int:
    """An id in a path: a positive integer up to MAX_PATH_ID (ValueError makes the route not match)."""
    if not PATH_ID.fullmatch(segment):
        raise ValueError(segment)
    return numbers.integer(segment, 1, MAX_PATH_ID)

def _utf8(value: str) -> bool:
    """Whether the text is valid Unicode (a lone surrogate, from undecodable bytes, is not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_PAGE_SIZE = 100
MAX_VALUE_LENGTH = 200
LONG_VALUES = {"cursor": 1024}  # a keyset cursor carries a title sort key and its signature


class Params(Fields):
    """The query string of one request, read field by field; problems are collected, then raised as one 400."""

    summary = "Invalid query parameters"
    unknown = "Unknown parameter"

    def __init__(self, request: Request, allowed: Iterable[str]) -> None:
        super().__init__()
        # Blank values count: `?page=` is a bad page, not an absent one.
        self.args: dict[str, list[str]] = {
            k: list(v) for k, v in request.get_args(keep_blank_values=True).items()}
        allowed = {*allowed, "format"}  # checked by the endpoint (front.html.check_format)
        for name, values in self.args.items():
            if any(ch in name for ch in "$[]{}.") or name.startswith("_"):
                self.fail(name, "Operators and nested parameters are not accepted.")
            elif name not in allowed:
                self.refuse_unknown(name, sorted(allowed))
            elif any(len(v) > LONG_VALUES.get(name, MAX_VALUE_LENGTH) or "\x00" in v or not _utf8(v) for v in values):
                most = LONG_VALUES.get(name, MAX_VALUE_LENGTH)
                self.fail(name, f"Values are limited to {most} characters of UTF-8 text without NUL.")

    def _one(self, name: str) -> str | None:
        values = self.args.get(name)
        if not values or name in self.errors:
            return None
        if len(values) > 1:
            self.fail(name, "Give this parameter once.")
            return None
        return values[0].strip()

    def integer(self, name: str, *, low: int | None = None, high: int | None = None,
                default: int | None = None) -> int | None:
        """An integer within [low, high], or the default when absent."""
        raw = self._one(name)
        if raw is None:
            return default
        try:
            return numbers.integer(raw, low, high)
        except ValueError as exc:
            self.fail(name, str(exc))
            return default

    def number(self, name: str, *, low: float, high: float) -> float | None:
        """A finite number within [low, high], or None when absent."""
        raw = self._one(name)
        if raw is None:
            return None
        try:
            return numbers.number(raw, low, high)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None

    def text(self, name: str, *, max_length: int = MAX_VALUE_LENGTH) -> str | None:
        """A non-empty string, or None when absent."""
        raw = self._one(name)
        if not raw:
            return None
        if len(raw) > max_length:
            self.fail(name, f"At most {max_length} characters.")
            return None
        return raw

    def choice(self, name: str, choices: Iterable[str], default: str) -> str:
        """One of the choices, or the default when absent."""
        options = list(choices)
        raw = self._one(name)
        if raw is None:
            return default
        if raw not in options:
            self.fail(name, f"Must be one of: {', '.join(options)}.")
            return default
        return raw

    def many(self, name: str) -> list[str]:
        """Every value of a repeatable parameter."""
        if name in self.errors:
            return []
        return [v.strip() for v in self.args.get(name, []) if v.strip()]

    def integers(self, name: str, *, low: int, high: int) -> list[int]:
        """Every value of a repeatable integer parameter, each within [low, high]."""
        found = []
        for raw in self.many(name):
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not low <= int(raw) <= high:
                self.fail(name, f"Each value must be an integer between {low} and {high}.")
                return []
            found.append(int(raw))
        return found

    def id_list(self, name: str, *, most: int) -> list[int]:
        """Comma-separated ids (`5,20545,30658`, no spaces), each a positive integer, at most `most` of them;
        repeats are dropped, the order kept."""
        raw = self._one(name)
        if raw is None:
            return []
        parts = raw.split(",")
        if not all(PATH_ID.fullmatch(part) for part in parts):
            self.fail(name, f"Give ids separated by commas, each an integer from 1 to {MAX_PATH_ID}.")
            return []
        ids = list(dict.fromkeys(int(part) for part in parts))
        if len(ids) > most:
            self.fail(name, f"At most {most} ids.")
            return []
        return ids

    def cursor(self) -> str | None:
        """A keyset walk's `cursor` ("" for its first page), or None when the request pages by number; `page`
        is refused beside it."""
        if "cursor" not in self.args:
            return None
        if "page" in self.args:
            self.fail("page", "Not taken with cursor: the cursor says where the page starts.")
        return self._one("cursor") or ""

    def alias(self, name: str, alias: str) -> None:
        """Read `alias` as `name` (Django REST framework's `ordering` for `sort`, `search` for `q`)."""
        if alias in self.args:
            if name in self.args:
                self.fail(alias, f"Give {name} or {alias}, not both.")
            else:
                self.args[name] = self.args.pop(alias)
                self.errors.update({name: self.errors.pop(alias)} if alias in self.errors else {})

    def page(self) -> tuple[int, int]:
        """(page, page_size): page from 1, page_size 1 to 100 (default 20)."""
        page = self.integer("page", low=1, high=10_000_000, default=1)
        size = self.integer("page_size", low=1, high=MAX_PAGE_SIZE, default=20)
        return page or 1, size or 20
