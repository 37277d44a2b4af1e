"""People: documents with their credits, kept searchable by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from stores.mongo.search_index import person_terms
from stores.mongo.text import fold, words

if TYPE_CHECKING:
    from stores.mongo import Database


def prepare(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its derived fields (sort key, words, search terms, updated_at) filled in."""
    ready = dict(doc)
    ready["name_sort"] = fold(ready.get("name") or "")
    ready["words"] = words(ready.get("name") or "")
    ready["tokens"] = person_terms(ready)
    ready["updated_at"] = datetime.now(UTC)
    return ready


async def get_person(db: Database, person_id: int) -> dict[str, Any] | None:
    """One person with credits, or None."""
    return await db.people.find_one({"_id": person_id}, {"words": 0, "tokens": 0, "name_sort": 0})


async def remove_others(db: Database, start: int, end: int, keep: list[int]) -> int:
    """Delete the people with ids in [start, end) other than `keep` (credits that no longer exist)."""
    result = await db.people.delete_many({"_id": {"$gte": start, "$lt": end, "$nin": keep}})
    return int(result.deleted_count)
