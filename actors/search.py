"""Search, done by a worker: every match of a query, best first, cached in Redis by the normalised query.

A worker that serves searches answers from its catalogue index (actors/catalogue/), which
ranks exactly as the MongoDB lookup does but considers every document. Until the index is
loaded, and while a load is due, searches are looked up in MongoDB (stores/mongo/search.py).
"""

from __future__ import annotations

from typing import Any

from actors.broker import INTERACTIVE
from actors.catalogue.follower import follower
from actors.lifecycle import Resources, at_boot
from actors.work import work_actor
from stores.mongo import search

KINDS = {"movie": ("movie",), "person": ("person",), "all": ("movie", "person")}

at_boot(INTERACTIVE, follower.start)


@work_actor(queue_name=INTERACTIVE, time_limit=30_000)
async def search_catalogue(res: Resources, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Movies and/or people matching every word of `q` (typos of one letter forgiven), best first."""
    follower.start(res)
    index = follower.serving()
    if index is not None:
        hits = index.search(params["q"], KINDS[params["type"]])
    else:
        hits = await search.search(await res.stores.mongo(), params["q"], KINDS[params["type"]])
    return [hit.public() for hit in hits]
