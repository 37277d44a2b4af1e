"""Application settings: one document per key in the `settings` collection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne

from stores.mongo.database import Database


async def set_defaults(db: Database, defaults: Mapping[str, Any]) -> None:
    """Write each default whose key has no value yet; values an operator set are kept."""
    now = datetime.now(UTC)
    ops = [
        UpdateOne({"_id": key}, {"$setOnInsert": {"value": value, "updated_at": now}}, upsert=True)
        for key, value in defaults.items()
    ]
    if ops:
        await db.settings.bulk_write(ops, ordered=False)


async def get_setting(db: Database, key: str) -> dict[str, Any] | None:
    """`{key, value, updated_at}` of one setting, or None."""
    doc = await db.settings.find_one({"_id": key})
    if doc is None:
        return None
    return {"key": doc["_id"], "value": doc.get("value"), "updated_at": doc.get("updated_at")}


async def put_setting(db: Database, key: str, value: Any) -> dict[str, Any]:
    """Set one setting; returns it."""
    now = datetime.now(UTC)
    await db.settings.update_one({"_id": key}, {"$set": {"value": value, "updated_at": now}}, upsert=True)
    return {"key": key, "value": value, "updated_at": now}
