"""Counters in MongoDB: blocks of fresh numbers handed out by one atomic increment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo import ReturnDocument

from stores.mongo.database import Database


async def allocate(db: Database, name: str, count: int, base: int = 0) -> int:
    """The first of `count` fresh numbers of the counter `name`, which starts past `base`."""
    if base:
        await db.counters.update_one({"_id": name}, {"$max": {"seq": base}}, upsert=True)
    counter = await db.counters.find_one_and_update({"_id": name}, {"$inc": {"seq": count}}, upsert=True,
                                                    return_document=ReturnDocument.AFTER)
    assert counter is not None, "upserted"
    return int(counter["seq"]) - count + 1


async def allocate_resuming(db: Database, name: str, count: int, highest: Callable[[], Awaitable[int]]) -> int:
    """As allocate, for a counter whose numbers are also held where they were used: a counter found missing
    (lost, or never made) starts past `highest()`, the highest number held, instead of at 1."""
    counter = await db.counters.find_one_and_update({"_id": name}, {"$inc": {"seq": count}},
                                                    return_document=ReturnDocument.AFTER)
    if counter is None:
        return await allocate(db, name, count, await highest())
    return int(counter["seq"]) - count + 1
