"""The changes feed: which films, people and genres were created, changed or deleted, in order.

One entry per thing (`_id` `movie:5`), replaced by its latest change: the feed is compacted as it is
written, has no time window, and a thing appears once however often it changed. Each entry takes the
next number of the `changes` counter (`seq`), and the feed lists entries by it; a counter that is lost
resumes past the highest number in the feed, and `python -m stores.migrate` brings one that is behind up
to it, so a reader's `since` never skips what comes next. A writer logs its
changes just before it writes them (so a crash between the two leaves at most a change that did not
happen, never a change that was not logged); numbers are handed out in blocks, so a block written
a moment later can hold lower numbers than one already visible: the feed shows an entry only once it
is SETTLE_SECONDS old, and stops at the first younger one, so no reader passes a number that is still
to be written. Writes that change nothing (a seed of the same data) log nothing: the writers only
log what their digests or comparisons found different.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, ReplaceOne

from stores.mongo.counters import allocate, allocate_resuming
from stores.mongo.database import Database

CREATED, CHANGED, DELETED = "created", "changed", "deleted"
KINDS = {"movies": "movie", "people": "person", "genres": "genre"}  # collection: the feed's kind
SETTLE_SECONDS = 5.0
INDEXES = [IndexModel([("seq", ASCENDING)], name="seq")]


async def log(db: Database, kind: str, ids: Iterable[int], change: str) -> int:
    """Log that these things (of `kind`: movie, person or genre) were created, changed or deleted."""
    found = list(dict.fromkeys(int(i) for i in ids))
    if not found:
        return 0
    at = datetime.now(UTC)  # taken before the numbers: an entry is never younger than a higher one's block
    first = await allocate_resuming(db, "changes", len(found), lambda: highest(db))
    await db.changes.bulk_write([ReplaceOne({"_id": f"{kind}:{thing}"}, {
        "kind": kind, "id": thing, "change": change, "seq": first + n, "at": at}, upsert=True)
        for n, thing in enumerate(found)], ordered=False)
    return len(found)


async def highest(db: Database) -> int:
    """The highest number in the feed (0 when it is empty): where its counter resumes if the counter is lost."""
    last = await db.changes.find_one({}, {"seq": 1}, sort=[("seq", -1)])
    return int(last["seq"]) if last else 0


async def resume_counter(db: Database) -> None:
    """Bring the counter up to the highest number in the feed, should it be behind (restored from a backup older
    than the feed's, or numbering again from 1 after it was lost): run by every migration."""
    await allocate(db, "changes", 0, await highest(db))


async def log_written(db: Database, collection: str, created: Iterable[int], changed: Iterable[int]) -> None:
    """Log a bulk write's new and replaced documents, for the collections the feed covers."""
    kind = KINDS.get(collection)
    if kind is not None:
        await log(db, kind, created, CREATED)
        await log(db, kind, changed, CHANGED)


async def since(db: Database, after: int, limit: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """Up to `limit` entries numbered after `after`, oldest first, up to the first that has not settled."""
    settled = (now or datetime.now(UTC)) - timedelta(seconds=SETTLE_SECONDS)
    found = []
    async for doc in db.changes.find({"seq": {"$gt": after}}, {"_id": 0}).sort("seq", ASCENDING).limit(limit):
        at = doc["at"] if doc["at"].tzinfo else doc["at"].replace(tzinfo=UTC)
        if at > settled:
            break
        found.append({"kind": doc["kind"], "id": doc["id"], "change": doc["change"], "seq": doc["seq"],
                      "at": at})
    return found
