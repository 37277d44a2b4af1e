"""Counters in MongoDB: blocks of fresh numbers handed out by one atomic increment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo import ReturnDocument

from stores.mongo.database import Database


async def allocate(db: Database, name: str, count: int, base: int = 0) -> int:
    """The first of `count` fresh numbers of the counter `name`, which starts past `base`."""
    if base:
        await db.counters.update_one({"_id": name}, {"$max": {"seq": base}}, upsert=True)
    first = await _take(db, name, count, upsert=True)
    assert first is not None, "upserted"
    return first


async def allocate_resuming(db: Database, name: str, count: int, highest: Callable[[], Awaitable[int]]) -> int:
    """As allocate, for a counter whose numbers are also held where they were used: a counter found missing
    (lost, or never made) starts past `highest()`, the highest number held, instead of at 1."""
    first = await _take(db, name, count, upsert=False)
    return first if first is not None else await allocate(db, name, count, await highest())


async def _take(db: Database, name: str, count: int, upsert: bool) -> int | None:
    """The first of `count` numbers taken from the counter in one increment; None if it is missing and not made."""
    counter = await db.counters.find_one_and_update({"_id": name}, {"$inc": {"seq": count}}, upsert=upsert,
                                                    return_document=ReturnDocument.AFTER)
    return None if counter is None else int(counter["seq"]) - count + 1
