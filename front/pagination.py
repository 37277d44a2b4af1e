"""Django REST framework's page shape with absolute next/previous links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sanic import Request

from errors import NotFound


def _list_url(request: Request, place: str, value: str, page_size: int) -> str:
    """The absolute URL of the same list with `place` (page or cursor) and page_size set (based on PUBLIC_URL,
    not the Host header)."""
    args = [(k, v) for k, values in request.args.items() for v in values if k not in (place, "page_size")]
    args += [(place, value), ("page_size", str(page_size))]
    path = request.path.rstrip("/") + "/"  # one resource, one link, whichever slash form was asked for
    return f"{request.app.ctx.settings.public_url}{path}?{urlencode(args)}"


def page_url(request: Request, page: int, page_size: int) -> str:
    """The absolute URL of another page of the same list."""
    return _list_url(request, "page", str(page), page_size)


def cursor_url(request: Request, cursor: str, page_size: int) -> str:
    """The absolute URL of the keyset page that a cursor starts."""
    return _list_url(request, "cursor", cursor, page_size)


def keyset(request: Request, results: list[Any], count: int, cursor: str | None, page_size: int) -> dict[str, Any]:
    """`{count, next, previous, next_cursor, results}` of a keyset page (`previous` is always null: a walk
    goes one way)."""
    return {"count": count, "next": cursor_url(request, cursor, page_size) if cursor else None, "previous": None,
            "next_cursor": cursor, "results": results}


def check_page(page: int, page_size: int, count: int) -> None:
    """A page past the end is 404 (the first page always exists)."""
    if page > 1 and (page - 1) * page_size >= count:
        raise NotFound(f"Page {page} is past the end of this list ({count} items).")


def paginate(request: Request, results: list[Any], count: int, page: int, page_size: int) -> dict[str, Any]:
    """`{count, next, previous, results}`."""
    check_page(page, page_size, count)
    more = page * page_size < count
    return {
        "count": count,
        "next": page_url(request, page + 1, page_size) if more else None,
        "previous": page_url(request, page - 1, page_size) if page > 1 else None,
        "results": results,
    }
