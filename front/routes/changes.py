"""The changes feed: `GET /api/changes/?since=<cursor>`, what was created, changed or deleted in the catalogue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache import keys
from errors import Invalid
from front.endpoint import endpoint
from front.limits import charged
from front.params import Params
from front.responses import respond_raw
from stores.mongo import changes
from timestamps import iso

bp = Blueprint("changes", url_prefix="/api/changes")
MAX_CURSOR = 2**62


@bp.get("/")
@endpoint("Films, people and genres created, changed or deleted since a cursor, oldest first",
          query="changes", response="ChangePage")
async def feed(request: Request) -> HTTPResponse:
    """Up to page_size (default 100, at most 1,000) entries after `since` (absent or 0: from the beginning),
    each thing once with its latest change, and the cursor to ask with next."""
    query = Params(request, ("since", "page_size"))
    since = query.integer("since", low=0, high=MAX_CURSOR, default=0) or 0
    size = query.integer("page_size", low=1, high=1000, default=100) or 100
    query.done()
    ctx = request.app.ctx

    async def load() -> dict[str, Any]:
        found = await changes.since(await ctx.stores.mongo(), since, size)
        cursor = found[-1]["seq"] if found else since
        path = request.path.rstrip("/") + "/"
        return {
            "results": [{"kind": e["kind"], "id": e["id"], "change": e["change"], "at": iso(e["at"])} for e in found],
            "next_cursor": str(cursor),
            "next": f"{ctx.settings.public_url}{path}?{urlencode({'since': cursor, 'page_size': size})}",
            "caught_up": len(found) < size,
        }

    # Kept for as long as a new entry takes to settle: a poll more often than that reads the same page.
    name = keys.work_key("changes", {"since": since, "size": size, "v": ctx.local.version})
    body = await ctx.aside.get(keys.list_entry(name), charged(request, load), int(changes.SETTLE_SECONDS))
    if body is None:
        raise Invalid("The changes could not be read.")
    return respond_raw(request, body)
