"""Search, done by a worker: every match of a query, best first, cached in Redis by the normalised query."""

from __future__ import annotations

from typing import Any

from actors.broker import INTERACTIVE
from actors.lifecycle import Resources
from actors.work import work_actor
from stores.mongo import search

KINDS = {"movie": ("movie",), "person": ("person",), "all": ("movie", "person")}


@work_actor(queue_name=INTERACTIVE, time_limit=30_000)
async def search_catalogue(res: Resources, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Movies and/or people matching every word of `q` (typos of one letter forgiven), best first."""
    hits = await search.search(await res.stores.mongo(), params["q"], KINDS[params["type"]])
    return [hit.public() for hit in hits]
