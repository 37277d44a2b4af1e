"""What the MongoDB lists of films and people share: the words filter, and a page with its exact count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection


def words_query(words: tuple[str, ...]) -> dict[str, Any]:
    """Every word but the last whole (`words`), the last also as a prefix (`tokens`)."""
    *whole, last = words
    return {"words": {"$all": whole}, "tokens": last} if whole else {"tokens": last}


async def page(collection: AsyncCollection[dict[str, Any]], query: dict[str, Any], sort: list[tuple[str, int]],
               fields: dict[str, int], shape: Callable[[dict[str, Any]], dict[str, Any]], skip: int,
               limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page shaped by `shape`), sorted by `sort`.

    A first page shorter than the limit is its own count; past the first page the count comes
    first, so a page past the end costs no skip.
    """
    cursor = collection.find(query, fields).sort(sort)
    docs: list[dict[str, Any]] = []
    if skip == 0:
        docs = [shape(doc) async for doc in cursor.limit(limit)]
        if len(docs) < limit:
            return len(docs), docs
    total = await (collection.estimated_document_count() if not query else collection.count_documents(query))
    if skip == 0 or skip >= total:
        return total, docs
    return total, [shape(doc) async for doc in cursor.skip(skip).limit(limit)]
