"""Re-seeding people removes the ones whose credits are gone, in the chunk's id range only."""

from __future__ import annotations

import uuid

from stores import Stores
from stores.mongo import people


async def test_people_without_credits_are_removed_only_inside_the_chunk(stores: Stores) -> None:
    db = await stores.mongo()
    base = 60_000_000 + uuid.uuid4().int % 100_000 * 100  # clear of every seeded person, real ones included
    ids = list(range(base, base + 12))
    await db.people.insert_many([{"_id": i, "name": f"Person {i}", "tokens": []} for i in ids])
    try:
        removed = await people.remove_others(db, base, base + 10, keep=[base + 1, base + 5])
        left = sorted([doc["_id"] async for doc in db.people.find({"_id": {"$in": ids}}, {"_id": 1})])
        assert removed == 8
        assert left == [base + 1, base + 5, base + 10, base + 11]
        assert await people.remove_others(db, base, base + 10, keep=[base + 1, base + 5]) == 0
    finally:
        await db.people.delete_many({"_id": {"$in": ids}})
