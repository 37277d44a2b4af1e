"""Discover, done by a worker: one page of a film or people list, answered from the catalogue index.

The front door names the catalogue version its page is cached under; the index answers
once it reflects that version (waiting up to VERSION_WAIT seconds for a change it has
heard of to be applied). An index that is not loaded fails the job at once, and the front
door answers from MongoDB instead: a list never waits for a load. The front door says how
long a page's result is kept (`ttl`): the page cache's TTL, shorter for sorts by reviewers' figures.
"""

from __future__ import annotations

from typing import Any

from actors.broker import INTERACTIVE
from actors.catalogue import Catalogue
from actors.catalogue.follower import follower
from actors.lifecycle import Resources
from actors.work import work_actor
from errors import Unavailable
from stores.mongo.movies import MovieFilter

VERSION_WAIT = 1.0


class NotLoaded(Unavailable):
    """This worker's catalogue index cannot answer yet (loading, or the catalogue is over the limit)."""


async def _index(res: Resources, params: dict[str, Any]) -> Catalogue:
    follower.start(res)
    index = await follower.at(int(params.get("v", 0)), VERSION_WAIT)
    if index is None:
        raise NotLoaded("The catalogue index is not loaded here yet.")
    return index


@work_actor(queue_name=INTERACTIVE, max_retries=0, time_limit=10_000, throws=(NotLoaded,), batched=True)
async def discover_movies(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """`{count, results}`: one page of films passing the filter `f`, sorted by `sort`; with `after`, the page
    that follows that sort key (and `last`, the key of its last film while more follow); or with `ids`, the
    summaries of those films that exist, in the order given."""
    index = await _index(res, params)
    if "ids" in params:
        found = index.films.summaries(index.films.live_positions(params["ids"]))
        return {"count": len(found), "results": found}
    if "after" in params:  # a keyset page: the films after a key (none: from the start), and the last one's key
        after = params["after"]
        count, results, last = index.films.page_after(MovieFilter.of(params["f"]), params["sort"],
                                                      (after[0], after[1]) if after else None, params["limit"])
        return {"count": count, "results": results, "last": list(last) if last else None}
    count, results = index.films.page(MovieFilter.of(params["f"]), params["sort"], params["skip"], params["limit"])
    return {"count": count, "results": results}


@work_actor(queue_name=INTERACTIVE, max_retries=0, time_limit=10_000, throws=(NotLoaded,), batched=True)
async def discover_people(res: Resources, params: dict[str, Any]) -> dict[str, Any]:
    """`{count, results}`: one page of people whose names hold the words `q`, by popularity; or with `ids`,
    the entries of those people that exist, in the order given."""
    index = await _index(res, params)
    if "ids" in params:
        found = index.people.summaries(index.people.live_positions(params["ids"]))
        return {"count": len(found), "results": found}
    count, results = index.people.page(tuple(params["q"]), params["skip"], params["limit"])
    return {"count": count, "results": results}
