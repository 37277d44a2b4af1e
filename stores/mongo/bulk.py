"""Bulk writes for seeding: only what is missing or different is written.

Each document carries the digest of what the seed gave (`seed_digest`, over every field but `updated_at`).
A chunk first reads the digests held for its ids (one indexed `$in`), then inserts the documents that are
missing and replaces those whose digest differs; a document another writer replaced or relinked since
(TMDB sync) holds no digest, so the seed writes it again as it always did. A seed run that follows an
unfinished or finished one over the same data writes almost nothing to MongoDB, and logs only what it
writes in the changes feed (stores/mongo/changes.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError

from stores.mongo import changes
from stores.mongo.database import Database

DUPLICATE_KEY = 11000
BATCH = 2000
DIGEST = "seed_digest"
UNDIGESTED = frozenset({"updated_at", DIGEST})  # the write time says nothing about the content


def digest(doc: dict[str, Any]) -> str:
    """The digest of a document's content (every field but its write time)."""
    body = {key: value for key, value in doc.items() if key not in UNDIGESTED}
    return hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS),
                           digest_size=16).hexdigest()


async def put_documents(
    db: Database, collection: str, docs: Sequence[dict[str, Any]],
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Make the documents by `_id` hold these; returns how many had to be written (inserted or replaced)."""
    ready = [prepare(doc) if prepare else dict(doc) for doc in docs]
    for doc in ready:
        doc[DIGEST] = digest(doc)
    written = 0
    for start in range(0, len(ready), BATCH):
        batch = ready[start : start + BATCH]
        held = {doc["_id"]: doc.get(DIGEST) async for doc in
                db[collection].find({"_id": {"$in": [doc["_id"] for doc in batch]}}, {DIGEST: 1})}
        missing = [doc for doc in batch if doc["_id"] not in held]
        differing = [doc for doc in batch if doc["_id"] in held and held[doc["_id"]] != doc[DIGEST]]
        await changes.log_written(db, collection, [doc["_id"] for doc in missing], [doc["_id"] for doc in differing])
        written += await _insert(db, collection, missing)
        written += await _replace(db, collection, differing)
    return written


async def _insert(db: Database, collection: str, docs: list[dict[str, Any]]) -> int:
    """Insert documents; one that appeared meanwhile (a concurrent writer) is replaced instead."""
    if not docs:
        return 0
    try:
        result = await db[collection].insert_many(docs, ordered=False)
        return len(result.inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return int(exc.details.get("nInserted", 0)) + await _replace(
            db, collection, [docs[error["index"]] for error in errors])


async def _replace(db: Database, collection: str, docs: list[dict[str, Any]]) -> int:
    if not docs:
        return 0
    outcome = await db[collection].bulk_write([ReplaceOne({"_id": doc["_id"]}, doc, upsert=True) for doc in docs],
                                              ordered=False)
    return int(outcome.matched_count + outcome.upserted_count)
