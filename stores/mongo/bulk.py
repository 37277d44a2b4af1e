"""Bulk writes for seeding: unordered insert_many in batches, replacing only what already exists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from stores.mongo.database import Database

DUPLICATE_KEY = 11000
BATCH = 2000


async def put_documents(
    db: Database, collection: str, docs: Sequence[dict[str, Any]],
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Insert documents by `_id`; the ones already there are replaced. Returns how many were written."""
    ready = [prepare(doc) if prepare else doc for doc in docs]
    written = 0
    for start in range(0, len(ready), BATCH):
        batch = ready[start : start + BATCH]
        try:
            result = await db[collection].insert_many(batch, ordered=False)
            written += len(result.inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            written += int(exc.details.get("nInserted", 0))
            again = [batch[error["index"]] for error in errors]
            ops = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in again]
            outcome = await db[collection].bulk_write(ops, ordered=False)
            written += int(outcome.matched_count + outcome.upserted_count)
    return written
