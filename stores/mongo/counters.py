"""Counters in MongoDB: blocks of fresh numbers handed out by one atomic increment."""

from __future__ import annotations

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
